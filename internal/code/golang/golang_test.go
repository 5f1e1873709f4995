package golang

import (
	"testing"

	"github.com/wardensec/warden/internal/code/ir"
)

func TestParseHandler(t *testing.T) {
	src := `package main

import (
	"context"
	"os/exec"
	lam "github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/events"
)

var table = "orders"
var db DB

func (h *H) Handle(ctx context.Context, e events.S3Event) error {
	for _, r := range e.Records {
		out, err := exec.Command(r.S3.Object.Key).Output()
		_ = out
		if err != nil {
			return err
		}
	}
	return nil
}

func main() { lam.Start((&H{}).Handle) }
`
	m, err := Parse("main.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if m.Package != "main" || len(m.Errors) != 0 {
		t.Fatalf("package %q errors %v", m.Package, m.Errors)
	}
	var imports []string
	var method *ir.Func
	lastIsVar := false
	for i, s := range m.Body {
		switch s := s.(type) {
		case *ir.Import:
			imports = append(imports, s.Alias+"="+s.Module)
		case *ir.FuncDef:
			if s.Name == "H.Handle" {
				method = s.Fn
			}
		case *ir.Assign:
			lastIsVar = i == len(m.Body)-1
		}
	}
	if len(imports) != 4 || imports[2] != "lam=github.com/aws/aws-lambda-go/lambda" || imports[3] != "events=github.com/aws/aws-lambda-go/events" {
		t.Errorf("imports %v", imports)
	}
	if !lastIsVar {
		t.Error("package variables must come after the functions")
	}
	if method == nil || !method.Method || len(method.Params) != 3 || method.Params[1].Type != "context.Context" || method.Params[2].Type != "events.S3Event" {
		t.Fatalf("method lowered as %+v", method)
	}
	// r.S3.Object.Key is lowered with the event's JSON names, and err gets
	// an error value after the call.
	loop := method.Body[0].(*ir.Loop)
	var sawErr bool
	for _, s := range loop.Body {
		if a, ok := s.(*ir.Assign); ok {
			if n, ok := a.Targets[0].(*ir.Name); ok && n.ID == "err" {
				_, sawErr = a.Value.(*ir.ErrValue)
			}
			if seq, ok := a.Targets[0].(*ir.Seq); ok && len(seq.Elems) == 1 {
				call := a.Value.(*ir.Call).Fun.(*ir.Attr).X.(*ir.Call)
				key := call.Args[0].(*ir.Attr)
				if key.Name != "key" || key.X.(*ir.Attr).Name != "object" || key.X.(*ir.Attr).X.(*ir.Attr).Name != "s3" {
					t.Errorf("event selector lowered as %#v", key)
				}
			}
		}
	}
	if !sawErr {
		t.Error("err is not bound to an error value")
	}
}

func TestParseErrors(t *testing.T) {
	m, err := Parse("bad.go", []byte("package main\n\nfunc ok() {}\n\nfunc broken( {\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Errors) == 0 || m.Errors[0].Line != 5 {
		t.Errorf("errors %v, want one at line 5", m.Errors)
	}
}

func TestPackageName(t *testing.T) {
	for p, want := range map[string]string{"os/exec": "exec", "gopkg.in/yaml.v3": "yaml", "github.com/jackc/pgx/v5": "pgx",
		"github.com/go-sql-driver/mysql": "mysql", "github.com/aws/aws-sdk-go-v2/service/s3": "s3"} {
		if got := PackageName(p); got != want {
			t.Errorf("PackageName(%q) = %q, want %q", p, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"package main\nfunc main() { lambda.Start(h) }\n",
		"package p\nfunc f[T any](x T) (r T, err error) { switch v := any(x).(type) { case int: _ = v }; return }\n",
		"package p\nvar x = func() int { select { case <-c: }; return 1 }()\n",
		"package p\nfunc f() { for k, v := range m { defer g(k); go h(v) } }\n",
		"(((((((((((((((((((((",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if _, err := Parse("fuzz.go", src); err != nil {
			t.Fatal(err)
		}
	})
}
