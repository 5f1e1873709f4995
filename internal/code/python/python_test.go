//go:build cgo

package python

import (
	"testing"

	"github.com/wardensec/warden/internal/code/ir"
)

func TestParseModernSyntax(t *testing.T) {
	src := `from __future__ import annotations
import os, subprocess as sp
from .lib import helper as h

@decorator
async def handler(event: dict, context=None, *args, **kw) -> dict:
    body = event["body"]
    msg = f"{body!r:>10} {event['q']}"
    if (n := len(body)) > 3:
        pass
    match body:
        case {"cmd": cmd}:
            sp.run(cmd, shell=True)
        case [first, *rest]:
            pass
    type Alias = list[int]
    try:
        pass
    except* ValueError as eg:
        pass
    return {"statusCode": 200, "body": msg}
`
	m, err := Parse("app.py", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Errors) != 0 {
		t.Errorf("modern syntax reported as errors: %v", m.Errors)
	}
	var fn *ir.Func
	var imports int
	for _, s := range m.Body {
		switch s := s.(type) {
		case *ir.FuncDef:
			fn = s.Fn
		case *ir.Import:
			imports++
			if s.Module == "lib" && (s.Level != 1 || len(s.Names) != 1 || s.Names[0].As != "h") {
				t.Errorf("relative import lowered as %+v", s)
			}
		}
	}
	if imports != 4 {
		t.Errorf("imports = %d, want 4 (__future__, os, subprocess, .lib)", imports)
	}
	if fn == nil || fn.Name != "handler" || len(fn.Params) != 4 || fn.Params[0].Name != "event" || !fn.Params[2].Rest || !fn.Params[3].KwRest {
		t.Fatalf("handler lowered as %+v", fn)
	}
	if fn.Pos.Line != 5 && fn.Pos.Line != 6 {
		t.Errorf("handler position %v", fn.Pos)
	}
	// The f-string is a Format with the interpolated expressions.
	a, ok := fn.Body[1].(*ir.Assign)
	if !ok {
		t.Fatalf("second statement is %T", fn.Body[1])
	}
	f, ok := a.Value.(*ir.Format)
	if !ok || len(f.Parts) != 3 {
		t.Fatalf("f-string lowered as %#v", a.Value)
	}
	if _, ok := f.Parts[0].(*ir.Name); !ok {
		t.Errorf("first f-string part is %T, want the name body", f.Parts[0])
	}
}

func TestParseErrorsAreReportedNotFatal(t *testing.T) {
	m, err := Parse("bad.py", []byte("def ok(event):\n    return event\n\ndef broken(:\n    pass\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Errors) == 0 {
		t.Fatal("syntax error not reported")
	}
	if m.Errors[0].File != "bad.py" || m.Errors[0].Line < 4 {
		t.Errorf("error at %v, want bad.py:4", m.Errors[0])
	}
	found := false
	for _, s := range m.Body {
		if fd, ok := s.(*ir.FuncDef); ok && fd.Name == "ok" {
			found = true
		}
	}
	if !found {
		t.Error("the valid function before the error was lost")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"def h(event, context):\n    return event['body']\n",
		"x = f'{a!r:{b}}'\nmatch x:\n    case {'a': [1, *r]} if r: pass\n",
		"((((((((((((((((((((((((((((((",
		"lambda: (yield)\nclass A(B, metaclass=M):\n  def m(self): return self.x\n",
		"with a as (b, c), d: pass\nfor [x, *y] in z: del x\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		m, err := Parse("fuzz.py", src)
		if err != nil {
			t.Fatal(err)
		}
		if m == nil {
			t.Fatal("nil module")
		}
	})
}
