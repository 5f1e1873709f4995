package code

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

func TestLocate(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"py/src/app.py", "py/pkg/mod/handlers.py", "node/index.mjs", "node/lib/api.cjs", "ts/src/app.ts",
		"sls/handler.js", "sls/functions/users.py", "art/build.zip", "tpl/app.py", "tsc/src/handlers/api.ts"} {
		p := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root, err := source.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
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
			loc, diag := locate(root, f)
			if (diag != "") != c.wantDiag {
				t.Fatalf("diag = %q, want diag %v", diag, c.wantDiag)
			}
			if c.wantFile == "" {
				if loc != nil {
					t.Fatalf("located %+v, want nothing", loc)
				}
				return
			}
			if loc == nil || loc.file != c.wantFile || loc.name != c.wantName || loc.codeDir != c.wantDir {
				t.Fatalf("located %+v, want file %s name %s dir %s", loc, c.wantFile, c.wantName, c.wantDir)
			}
		})
	}
	// An unresolved code path is said so, not guessed.
	f := &model.Function{Name: "f", Runtime: str("python3.12"), Handler: str("app.h"), CodePath: model.Unresolved("!Ref CodeBucket", model.Pos{})}
	if loc, diag := locate(root, f); loc != nil || diag == "" {
		t.Errorf("unresolved code path: loc %+v diag %q", loc, diag)
	}
}
