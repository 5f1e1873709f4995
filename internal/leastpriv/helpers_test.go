package leastpriv

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// project writes files into a temporary root and opens it.
func project(t testing.TB, files map[string]string) *source.Root {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root, err := source.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return root
}

// function is a deployable AWS function for tests.
func function(runtime, handler, codePath string, env ...model.EnvVar) *model.Function {
	f := &model.Function{ID: "template.yaml#Fn", Name: "Fn", Provider: model.AWS, Framework: model.SAM,
		Pos: model.Pos{File: "template.yaml", Line: 1}, Runtime: model.Str(runtime, model.Pos{}),
		Handler: model.Str(handler, model.Pos{}), Environment: env}
	if codePath != "" {
		f.CodePath = model.Str(codePath, model.Pos{})
	}
	return f
}

// analyse runs AnalyzeFunction on one function in a one-function app.
func analyse(t testing.TB, root *source.Root, f *model.Function, res ...*model.Resource) *Usage {
	t.Helper()
	app := &model.App{Functions: []*model.Function{f}, Resources: res}
	u := AnalyzeFunction(root, app, model.NewIndex(app), f, nil)
	if u == nil {
		t.Fatal("function not analysed")
	}
	return u
}
