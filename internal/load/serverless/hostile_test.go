package serverless

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// project writes files into a fresh directory and opens it as the root.
func project(t *testing.T, files map[string]string) (string, *source.Root) {
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
	return dir, root
}

// loadIn loads serverless.yml of a project within a time bound, so that a
// hostile document that makes resolution loop fails the test instead of
// hanging it.
func loadIn(t *testing.T, root *source.Root, file string) *model.App {
	t.Helper()
	done := make(chan *model.App, 1)
	go func() {
		done <- load.Safely(context.Background(), Loader{}, root, load.Unit{Kind: load.KindServerless, Files: []string{file}}, load.Options{})
	}()
	select {
	case app := <-done:
		for _, d := range app.Diagnostics {
			if d.Code == "internal" {
				t.Fatalf("loader panicked: %s", d.Message)
			}
			if d.Pos.File == "" {
				t.Errorf("diagnostic without a file: %+v", d)
			}
		}
		return app
	case <-time.After(20 * time.Second):
		t.Fatal("loader did not finish in 20s")
	}
	return nil
}

// srcLine is the 1-based line of needle in body.
func srcLine(body, needle string) int {
	i := strings.Index(body, needle)
	if i < 0 {
		panic("needle not in fixture: " + needle)
	}
	return strings.Count(body[:i], "\n") + 1
}

const okFunction = `
functions:
  survivor:
    handler: handler.main
    events:
      - http: GET /still-here
`

func TestHostileIncludes(t *testing.T) {
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.yml"), []byte("x: stolen\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	main := `service: hostile
provider:
  name: aws
  environment:
    DOTDOT: ${file(../../etc/passwd)}
    ABSOLUTE: ${file(/etc/passwd)}
    LINKED: ${file(./link.yml):x}
    DIRLINK: ${file(./escape/secret.yml):x}
    BROKEN: ${file(./broken.yml):a}
    BINARY: ${file(./blob.yml)}
    NOFILE: ${file(./missing.yml):a}
    EMPTY: ${file()}
` + okFunction
	dir, root := project(t, map[string]string{
		"serverless.yml": main,
		"broken.yml":     "a: [1, 2\nb: }\n",
		"blob.yml":       "a: \x00\x01\x02",
		"handler.js":     "",
	})
	if err := os.Symlink(filepath.Join(outside, "secret.yml"), filepath.Join(dir, "link.yml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "escape")); err != nil {
		t.Fatal(err)
	}
	app := loadIn(t, root, "serverless.yml")
	f := findFn(t, app, "serverless.yml#survivor")
	if len(f.Triggers) != 1 || !f.Triggers[0].Path.Is("/still-here") {
		t.Errorf("the rest of the file did not load: %+v", f.Triggers)
	}
	for _, c := range []struct{ name, code, msg string }{
		{"DOTDOT", "outside-root", "../../etc/passwd"},
		{"ABSOLUTE", "outside-root", "/etc/passwd"},
		{"LINKED", "outside-root", "link.yml"},
		{"DIRLINK", "outside-root", "escape/secret.yml"},
		{"BROKEN", "parse", "broken.yml"},
		{"BINARY", "read", "binary"},
		{"NOFILE", "unresolved", "missing.yml"},
		{"EMPTY", "unresolved", "names no file"},
	} {
		ln := srcLine(main, "    "+c.name+":")
		e, ok := env(f, c.name)
		if !ok {
			t.Errorf("%s missing", c.name)
			continue
		}
		if !e.Value.IsUnknown() || e.Value.Pos.Line != ln {
			t.Errorf("%s = %+v, want unknown at line %d", c.name, e.Value, ln)
		}
		// A parse error points into the included file; everything else at
		// the variable.
		file, line := "serverless.yml", ln
		if c.code == "parse" {
			file, line = "broken.yml", 0
		}
		if !hasDiag(app, c.code, file, line, c.msg) {
			t.Errorf("%s: no %s diagnostic at %s:%d mentioning %q:%s", c.name, c.code, file, line, c.msg, diagList(app))
		}
	}
	for _, e := range f.Environment {
		if strings.Contains(e.Value.V, "stolen") || strings.Contains(e.Value.V, "root:") {
			t.Fatalf("%s read a file outside the root: %q", e.Name, e.Value.V)
		}
	}
	if !hasDiag(app, "parse", "broken.yml", 0, "included by serverless.yml at line "+fmt.Sprint(srcLine(main, "BROKEN:"))) {
		t.Errorf("include parse error should name the included file, its line and the including line:%s", diagList(app))
	}
}

func TestHostileRecursion(t *testing.T) {
	cases := map[string]struct {
		doc    string
		needle string // line that the diagnostic names
		msg    string
	}{
		"self reference": {
			doc:    "service: s\ncustom:\n  a: ${self:custom.a}\nprovider:\n  name: aws\n  environment:\n    A: ${self:custom.a}\n" + okFunction,
			needle: "  a: ${self:custom.a}", msg: "variable recursion too deep",
		},
		"mutual reference": {
			doc:    "service: s\ncustom:\n  a: ${self:custom.b}\n  b: x-${self:custom.a}\nprovider:\n  name: aws\n  environment:\n    A: ${self:custom.a}\n" + okFunction,
			needle: "  a: ${self:custom.b}", msg: "variable recursion too deep",
		},
		"whole document": {
			doc:    "service: s\ncustom:\n  all: ${self:}\nprovider:\n  name: aws\n" + okFunction,
			needle: "service: s", msg: "variable recursion too deep",
		},
		"stage refers to itself": {
			doc:    "service: s\nprovider:\n  name: aws\n  stage: ${sls:stage}\n" + okFunction,
			needle: "  stage: ${sls:stage}", msg: "variable recursion too deep",
		},
		"exponential string": {
			doc:    expDoc(40),
			needle: "", msg: "variable recursion too deep",
		},
		"long chain": {
			doc:    chainDoc(200),
			needle: "", msg: "variable recursion too deep",
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, root := project(t, map[string]string{"serverless.yml": c.doc})
			app := loadIn(t, root, "serverless.yml")
			line := 0
			if c.needle != "" {
				line = srcLine(c.doc, c.needle)
			}
			if !hasDiag(app, "limit", "serverless.yml", line, c.msg) {
				t.Errorf("no limit diagnostic at line %d:%s", line, diagList(app))
			}
			findFn(t, app, "serverless.yml#survivor")
		})
	}
}

// expDoc doubles a string at every level: 2^n bytes if expanded.
func expDoc(n int) string {
	var sb strings.Builder
	sb.WriteString("service: s\ncustom:\n  v0: xxxxxxxxxxxxxxxx\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&sb, "  v%d: ${self:custom.v%d}${self:custom.v%d}\n", i, i-1, i-1)
	}
	fmt.Fprintf(&sb, "provider:\n  name: aws\n  environment:\n    BIG: ${self:custom.v%d}\n", n)
	sb.WriteString(okFunction)
	return sb.String()
}

// chainDoc makes a -> b -> c ... n levels deep.
func chainDoc(n int) string {
	var sb strings.Builder
	sb.WriteString("service: s\ncustom:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "  v%d: ${self:custom.v%d}\n", i, i+1)
	}
	fmt.Fprintf(&sb, "  v%d: end\nprovider:\n  name: aws\n  environment:\n    DEEP: ${self:custom.v0}\n", n)
	sb.WriteString(okFunction)
	return sb.String()
}

func TestHostileFiles(t *testing.T) {
	bomb := "service: s\nprovider: {name: aws}\na: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
	cases := map[string]struct {
		body string
		code string
		line int
	}{
		"alias bomb":     {bomb, "limit", 0},
		"binary":         {"service: s\x00\x01provider:", "read", 0},
		"malformed yaml": {"service: s\nprovider:\n  name: aws\n functions: [\n", "parse", 0},
		"not a mapping":  {"- just\n- a list\n", "parse", 1},
		"scalar":         {"hello\n", "parse", 1},
		"empty":          {"", "parse", 0},
		"huge":           {"service: s\n" + strings.Repeat("# padding\n", 200), "too-large", 0},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, root := project(t, map[string]string{"serverless.yml": c.body})
			root.MaxFileSize = 1024
			app := loadIn(t, root, "serverless.yml")
			if len(app.Files) != 1 || app.Files[0].Parsed || app.Files[0].Path != "serverless.yml" {
				t.Errorf("file entry = %+v, want one unparsed entry", app.Files)
			}
			if !hasDiag(app, c.code, "serverless.yml", c.line, "") {
				t.Errorf("no %s diagnostic:%s", c.code, diagList(app))
			}
		})
	}
}

func TestHostileShapes(t *testing.T) {
	doc := `service: shapes
provider:
  name: aws
  iam:
    role:
      statements:
        - just a string
        - ${ssm:/policy}
        - Effect: Allow
          Action: !NotAFunction x
          Resource: '*'
functions:
  scalarFn: 3
  badEvents:
    handler: h.main
    events:
      - 42
      - [a, b]
      - http: ${ssm:/route}
      - http:
          path: /x
          method: get
          authorizer: ${ssm:/authorizer-name}
      - http:
          path: /y
          method: get
          private: ${env:PRIVATE}
      - httpApi:
          method: get
          path: /z
          authorizer:
            name: undeclared
      - sqs:
  nullFn:
  listEnv:
    handler: h.main
    environment: [a, b]
    url: ${env:URL_ON}
resources: ${ssm:/resources}
`
	_, root := project(t, map[string]string{"serverless.yml": doc})
	app := loadIn(t, root, "serverless.yml")
	if len(app.Functions) != 4 {
		t.Fatalf("functions = %d, want 4", len(app.Functions))
	}
	for _, c := range []struct{ code, needle, msg string }{
		{"parse", "  scalarFn: 3", "not a mapping"},
		{"parse", "      - 42", "not a mapping"},
		{"unsupported", "Action: !NotAFunction", "unknown intrinsic"},
		{"unresolved", "- just a string", "cannot be read"},
		{"unresolved", "name: undeclared", "not declared"},
		{"parse", "environment: [a, b]", "not a mapping"},
		{"unresolved", "resources: ${ssm:/resources}", "not modelled"},
	} {
		if !hasDiag(app, c.code, "serverless.yml", srcLine(doc, c.needle), c.msg) {
			t.Errorf("no %s diagnostic at %q:%s", c.code, c.needle, diagList(app))
		}
	}
	f := findFn(t, app, "serverless.yml#badEvents")
	var auths []string
	for _, tr := range f.Triggers {
		auths = append(auths, tr.Type+"="+tr.AuthType.String())
	}
	want := []string{"http=<unknown: ${ssm:/route}>", "http=<unknown: ${ssm:/authorizer-name}>", "http=<unknown: private: <unknown: ${env:PRIVATE}>>", "httpApi=<unknown: authorizer undeclared>", "sqs=<unset>"}
	if strings.Join(auths, " ") != strings.Join(want, " ") {
		t.Errorf("auth types:\n got %v\nwant %v", auths, want)
	}
	for _, tr := range f.Triggers[:4] {
		if tr.HasAuth() {
			t.Errorf("%s trigger with unknown auth reports HasAuth", tr.Type)
		}
	}
	role := findRole(app, "serverless.yml#IamRoleLambdaExecution")
	if role == nil || !role.Policies[0].Unresolved || len(role.Policies[0].Statements) != 1 {
		t.Errorf("policy with unreadable statements must be marked unresolved: %+v", role)
	}
	lu := findFn(t, app, "serverless.yml#listEnv")
	if lu.URL == nil {
		t.Fatal("url with unknown value dropped")
	}
	wantUnknown(t, "url auth", lu.URL.AuthType, false, "serverless.yml", srcLine(doc, "url: ${env:URL_ON}"))
}

func TestCancelledContext(t *testing.T) {
	_, root := project(t, map[string]string{"serverless.yml": "service: s\nprovider:\n  name: aws\n" + okFunction})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	app := Loader{}.Load(ctx, root, load.Unit{Kind: load.KindServerless, Files: []string{"serverless.yml"}}, load.Options{})
	if len(app.Files) != 1 || app.Files[0].Parsed || len(app.Diagnostics) != 1 {
		t.Errorf("cancelled load = %+v %+v", app.Files, app.Diagnostics)
	}
}

// TestSharedSubtreeBlowup: a list that includes the previous one twice at
// every level is tiny as text and as a resolved DAG, but 2^40 values when
// walked. Where nobody walks it (custom) it is harmless; under functions it
// stops the file with a diagnostic instead of a hung scan.
func TestSharedSubtreeBlowup(t *testing.T) {
	gen := func(useInFunction bool) string {
		var sb strings.Builder
		sb.WriteString("service: s\ncustom:\n  l0: [x, y]\n")
		for i := 1; i <= 40; i++ {
			fmt.Fprintf(&sb, "  l%d:\n    - ${self:custom.l%d}\n    - ${self:custom.l%d}\n", i, i-1, i-1)
		}
		sb.WriteString("provider:\n  name: aws\n")
		sb.WriteString(okFunction)
		if useInFunction {
			sb.WriteString("    layers: ${self:custom.l40}\n")
		}
		return sb.String()
	}
	_, root := project(t, map[string]string{"serverless.yml": gen(false)})
	app := loadIn(t, root, "serverless.yml")
	findFn(t, app, "serverless.yml#survivor")

	doc := gen(true)
	_, root = project(t, map[string]string{"serverless.yml": doc})
	app = loadIn(t, root, "serverless.yml")
	if !hasDiag(app, "limit", "serverless.yml", srcLine(doc, "functions:"), "variable recursion too deep") {
		t.Errorf("no limit diagnostic:%s", diagList(app))
	}
	if app.Files[0].Parsed {
		t.Error("file marked parsed although it was not modelled")
	}
}
