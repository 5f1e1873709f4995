//go:build cgo

package javascript

import (
	"testing"

	"github.com/wardensec/warden/internal/code/ir"
)

func TestParseModules(t *testing.T) {
	src := "import fs, { readFile as rf } from 'node:fs';\n" +
		"import * as cp from 'child_process';\n" +
		"const { exec, spawn: sp = null, ...rest } = require('child_process');\n" +
		"export const handler = async ({ body, headers }, context) => {\n" +
		"  const msg = `x ${body?.name ?? ''} y`;\n" +
		"  return { statusCode: 200, body: msg };\n" +
		"};\n" +
		"export default function main() {}\n" +
		"export { rest as other };\n"
	m, err := Parse("index.mjs", []byte(src), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Errors) != 0 {
		t.Errorf("errors: %v", m.Errors)
	}
	exports := map[string]bool{}
	var imp *ir.Import
	var handler *ir.Func
	for _, s := range m.Body {
		switch s := s.(type) {
		case *ir.Export:
			exports[s.Name] = true
		case *ir.Import:
			if imp == nil {
				imp = s
			}
		case *ir.Assign:
			if n, ok := s.Targets[0].(*ir.Name); ok && n.ID == "handler" {
				handler = s.Value.(*ir.Lambda).Fn
			}
		}
	}
	for _, name := range []string{"handler", "default", "main", "other"} {
		if !exports[name] {
			t.Errorf("export %s missing (have %v)", name, exports)
		}
	}
	if imp == nil || imp.Module != "node:fs" || imp.Default != "fs" || len(imp.Names) != 1 || imp.Names[0].As != "rf" {
		t.Errorf("import lowered as %+v", imp)
	}
	if handler == nil || len(handler.Params) != 2 || handler.Params[0].Pattern == nil {
		t.Fatalf("handler lowered as %+v", handler)
	}
	if d, ok := handler.Params[0].Pattern.(*ir.Dict); !ok || len(d.Keys) != 2 {
		t.Errorf("destructuring parameter lowered as %#v", handler.Params[0].Pattern)
	}
}

func TestParseTypeScript(t *testing.T) {
	src := "import type { Handler } from 'aws-lambda';\n" +
		"interface Q { id?: string }\n" +
		"enum E { A = 1 }\n" +
		"export const handler: Handler = async (event: any): Promise<any> => {\n" +
		"  const q = event.queryStringParameters as Q satisfies Q;\n" +
		"  return q!.id;\n" +
		"};\n" +
		"class C<T> { #x = 1; accessor y = 2; constructor(private readonly s: string) {} m(): void {} }\n"
	m, err := Parse("index.ts", []byte(src), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Errors) != 0 {
		t.Errorf("TypeScript reported as errors: %v", m.Errors)
	}
	if m.Lang != "typescript" {
		t.Errorf("lang = %s", m.Lang)
	}
	// Parsed as JavaScript, the same source has errors: the grammar matters.
	js, err := Parse("index.js", []byte(src), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(js.Errors) == 0 {
		t.Error("TypeScript parsed as JavaScript without errors; the test proves nothing")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"exports.handler = async (event) => ({ statusCode: 200, body: event.body });",
		"import x, { y as z } from './m.js'; export default class { #p; static { } }",
		"const { a: [b, ...c] = [], ...d } = e; label: for (const [k, v] of Object.entries(o)) continue label;",
		"`${`${`${a}`}`}` ?? b?.[c]?.(d)",
		"(((((((((((((((((((((((((((((((((",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, src []byte, typescript bool) {
		m, err := Parse("fuzz.js", src, typescript)
		if err != nil {
			t.Fatal(err)
		}
		if m == nil {
			t.Fatal("nil module")
		}
	})
}
