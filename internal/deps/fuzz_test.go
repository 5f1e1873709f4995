package deps

import (
	"testing"
)

// Fuzz targets for the parsers written for Warden rather than taken from
// osv-scalibr: the import scan, the dev-dependency readers and the layer
// path reader. They read untrusted repository files, so they must never
// panic or hang.

func FuzzPythonImports(f *testing.F) {
	f.Add("import os, sys\nfrom yaml import load\nfrom . import x\nimport a.b as c\n")
	f.Add("import (\nfrom\n")
	f.Fuzz(func(t *testing.T, src string) {
		for _, m := range PythonImports(src) {
			if m == "" || !isIdent(m) {
				t.Fatalf("bad module %q", m)
			}
		}
	})
}

func FuzzJSImports(f *testing.F) {
	f.Add("const _ = require('lodash');\nimport x from \"@a/b/c\";\nexport * from './y';\nimport('z')")
	f.Add("require(''); import '@';")
	f.Fuzz(func(t *testing.T, src string) {
		for _, p := range JSImports(src) {
			if p == "" || p[0] == '.' || p[0] == '/' {
				t.Fatalf("bad package %q", p)
			}
		}
	})
}

func FuzzGoImports(f *testing.F) {
	f.Add("package main\nimport (\n\t\"fmt\"\n\t_ \"golang.org/x/net/http2\"\n)\n")
	f.Fuzz(func(t *testing.T, src string) {
		GoImports(src)
	})
}

func FuzzDevReaders(f *testing.F) {
	f.Add([]byte(`{"dependencies":{"a":"1"},"devDependencies":{"b":"2","a":"1"}}`))
	f.Add([]byte("importers:\n  .:\n    devDependencies:\n      nodemon:\n        specifier: ^2\n        version: 2.0.22\n"))
	f.Add([]byte("[[package]]\nname = \"x\"\nsource = { virtual = \".\" }\n[package.dev-dependencies]\ndev = [{ name = \"pytest\" }]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		packageJSONDev(data)
		pnpmDev(data)
		uvDev(data)
	})
}

func FuzzTemplateLayerPath(f *testing.F) {
	f.Add([]byte("Resources:\n  L:\n    Properties:\n      ContentUri: layer/\n"), "L")
	f.Add([]byte("layers:\n  deps:\n    path: layer\n"), "DepsLambdaLayer")
	f.Add([]byte("&a [*a, *a]"), "x")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		TemplateLayerPath(data, name)
	})
}
