package code

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

func TestLocate(t *testing.T) {
	files := map[string]string{}
	for _, f := range []string{"py/src/app.py", "py/pkg/mod/handlers.py", "node/index.mjs", "node/lib/api.cjs", "ts/src/app.ts",
		"sls/handler.js", "sls/functions/users.py", "art/build.zip", "tpl/app.py", "tsc/src/handlers/api.ts"} {
		files[f] = "x\n"
	}
	root := locateRoot(t, files)
	str := func(s string) model.Value { return model.Str(s, model.Pos{File: "template.yaml", Line: 3}) }
	for _, c := range []struct {
		name                        string
		runtime, handler, codePath  string
		tplFile                     string
		wantFile, wantName, wantDir string
		wantDiag                    bool
	}{
		{"python CodeUri dir", "python3.12", "src/app.lambda_handler", "py", "py/template.yaml", "py/src/app.py", "lambda_handler", "py", false},
		{"python dotted module", "python3.11", "pkg.mod.handlers.main", "py", "", "py/pkg/mod/handlers.py", "main", "py", false},
		{"node .mjs", "nodejs20.x", "index.handler", "node", "", "node/index.mjs", "handler", "node", false},
		{"node nested export", "nodejs18.x", "lib/api.handlers.get", "node", "", "node/lib/api.cjs", "handlers.get", "node", false},
		{"typescript source", "nodejs20.x", "src/app.lambdaHandler", "ts", "", "ts/src/app.ts", "lambdaHandler", "ts", false},
		{"serverless handler file", "nodejs20.x", "handler.hello", "sls/handler.js", "sls/serverless.yml", "sls/handler.js", "hello", "sls", false},
		{"serverless nested python", "python3.12", "functions/users.get", "sls/functions/users.py", "sls/serverless.yml", "sls/functions/users.py", "get", "sls", false},
		{"no CodeUri: template dir", "python3.12", "app.handler", "", "tpl/template.yaml", "tpl/app.py", "handler", "tpl", false},
		{"tsc output dir", "nodejs20.x", "dist/handlers/api.handler", "tsc", "", "tsc/src/handlers/api.ts", "handler", "tsc", false},
		{"missing file", "python3.12", "nope.handler", "py", "", "", "", "", true},
		{"zip artifact", "python3.12", "app.handler", "art/build.zip", "", "", "", "", true},
		{"bad handler", "python3.12", "handler", "py", "", "", "", "", true},
		{"java not analysed", "java21", "com.example.Handler::handleRequest", "py", "", "", "", "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &model.Function{Name: "f", Runtime: str(c.runtime), Handler: str(c.handler), Pos: model.Pos{File: c.tplFile}}
			if c.codePath != "" {
				f.CodePath = str(c.codePath)
			}
			loc, err := Locate(root, f)
			if diag := err != nil && !errors.Is(err, ErrNoCode) && !errors.Is(err, ErrNotLocated); diag != c.wantDiag {
				t.Fatalf("err = %v, want diag %v", err, c.wantDiag)
			}
			if c.wantFile == "" {
				if err == nil {
					t.Fatalf("located %+v, want nothing", loc)
				}
				return
			}
			if err != nil || loc.File != c.wantFile || loc.Name != c.wantName || loc.Dir != c.wantDir {
				t.Fatalf("located %+v, want file %s name %s dir %s", loc, c.wantFile, c.wantName, c.wantDir)
			}
		})
	}
	// An unresolved code path is said so, not guessed.
	f := &model.Function{Name: "f", Runtime: str("python3.12"), Handler: str("app.h"), CodePath: model.Unresolved("!Ref CodeBucket", model.Pos{})}
	if loc, err := Locate(root, f); err == nil || errors.Is(err, ErrNotLocated) {
		t.Errorf("unresolved code path: loc %+v err %v", loc, err)
	}
}

// TestLocateGo checks the Go cases: the handler string is not needed (Go's
// handler is what main passes to lambda.Start), and a custom runtime
// without a Go main package is another language, not a missing file.
func TestLocateGo(t *testing.T) {
	root := locateRoot(t, map[string]string{"gofn/main.go": "package main\n\nfunc main() {}\n", "rust/bootstrap.rs": "fn main() {}\n"})
	str := func(s string) model.Value { return model.Str(s, model.Pos{File: "template.yaml"}) }
	f := &model.Function{Name: "f", Runtime: str("provided.al2023"), CodePath: str("gofn"), Pos: model.Pos{File: "template.yaml"}}
	if e, err := Locate(root, f); err != nil || e.Lang != "go" || e.Dir != "gofn" || e.File != "gofn" {
		t.Errorf("Go without a handler string: %+v, %v", e, err)
	}
	f.CodePath = str("rust")
	if _, err := Locate(root, f); !errors.Is(err, ErrNotLocated) {
		t.Errorf("custom runtime without Go: err %v, want ErrNotLocated", err)
	}
	f.Runtime = str("go1.x")
	if _, err := Locate(root, f); err == nil || errors.Is(err, ErrNotLocated) || errors.Is(err, ErrNoCode) {
		t.Errorf("go1.x without a main package: err %v, want a diagnostic", err)
	}
}

// locateRoot writes files (path: content) into a temporary root and opens it.
func locateRoot(t *testing.T, files map[string]string) *source.Root {
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
