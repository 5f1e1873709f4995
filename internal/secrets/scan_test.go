package secrets

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/discover"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

func writeTree(t testing.TB, files map[string]string) string {
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
	return dir
}

func TestScanRecordsAndAttributes(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"template.yaml":             "Resources:\n  Fn:\n    Properties:\n      Environment:\n        Variables:\n          GH: " + githubPAT + "\n",
		"serverless.yml":            "provider:\n  environment:\n    STRIPE: " + stripeLive + "\n",
		"orders/app.py":             "DSN = \"postgres://app:" + dbPassword + "@db/orders\"\n",
		"orders/lib/util.py":        "TOKEN = \"" + slackBot + "\"\n",
		"shared/handler.js":         "const stripe = \"" + stripeLive + "\";\n",
		"loose/tool.go":             "const gh = \"" + githubPAT + "\"\n",
		"orders/package-lock.json":  "{\"x\": {\"api_key\": \"" + githubPAT + "\"}}\n",
		"node_modules/dep/index.js": "const k = \"" + githubPAT + "\";\n",
		"orders/bundle.js":          strings.Repeat("var a=\""+githubPAT+"\";", 200),
		"big/data.json":             "{\"k\": \"" + githubPAT + "\"}" + strings.Repeat(" ", 70000),
		"ignored/.gitignore":        "secret.py\n",
		"ignored/secret.py":         "K = \"" + githubPAT + "\"\n",
	})
	root, err := source.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	app := &model.App{Functions: []*model.Function{
		{ID: "template.yaml#Orders", CodePath: model.Str("orders", model.Pos{}),
			Environment: []model.EnvVar{{Name: "GH", Pos: model.Pos{File: "template.yaml", Line: 6}}}},
		// Provider-wide environment: the same variable position in both functions.
		{ID: "serverless.yml#a", CodePath: model.Str("shared/handler.js", model.Pos{}),
			Environment: []model.EnvVar{{Name: "STRIPE", Pos: model.Pos{File: "serverless.yml", Line: 3}}}},
		{ID: "serverless.yml#b", CodePath: model.Str("shared/handler.js", model.Pos{}),
			Environment: []model.EnvVar{{Name: "STRIPE", Pos: model.Pos{File: "serverless.yml", Line: 3}}}},
	}}
	st, err := ScanWith(context.Background(), root, app, Options{MaxFileSize: 64 << 10, Walk: discover.Options{}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*model.SecretHit{}
	for _, h := range app.Secrets {
		got[h.Pos.File] = h
		if strings.Contains(h.Redacted, githubPAT) || h.Length == 0 {
			t.Errorf("%s: bad redaction %q", h.Pos, h.Redacted)
		}
	}
	want := map[string]struct{ detector, fn string }{
		"template.yaml":      {"github-pat", "template.yaml#Orders"}, // by environment variable line
		"orders/app.py":      {ruleConnURL, "template.yaml#Orders"},  // in the code directory
		"orders/lib/util.py": {"slack-bot-token", "template.yaml#Orders"},
		"shared/handler.js":  {"stripe-access-token", ""}, // shared by two functions
		"serverless.yml":     {"stripe-access-token", ""}, // provider-wide variable of two functions
		"loose/tool.go":      {"github-pat", ""},
	}
	for file, w := range want {
		h := got[file]
		if h == nil {
			t.Errorf("%s: no secret recorded", file)
			continue
		}
		if h.Detector != w.detector || h.FunctionID != w.fn {
			t.Errorf("%s: detector %s function %q, want %s %q", file, h.Detector, h.FunctionID, w.detector, w.fn)
		}
	}
	for _, f := range []string{"shared/handler.js", "serverless.yml"} {
		if h := got[f]; h != nil && strings.Join(h.FunctionIDs, ",") != "serverless.yml#a,serverless.yml#b" {
			t.Errorf("%s: functions = %v, want both", f, h.FunctionIDs)
		}
	}
	if len(app.Secrets) != len(want) {
		for _, h := range app.Secrets {
			t.Logf("recorded %s %s", h.Pos, h.Detector)
		}
		t.Errorf("recorded %d secrets, want %d (lock file, node_modules, minified bundle, oversized and ignored files must be skipped)", len(app.Secrets), len(want))
	}
	if st.TooLarge != 1 {
		t.Errorf("TooLarge = %d, want 1", st.TooLarge)
	}
	diag := false
	for _, d := range app.Diagnostics {
		diag = diag || (d.Pos.File == "big/data.json" && d.Code == "too-large")
	}
	if !diag {
		t.Errorf("no too-large diagnostic for big/data.json: %+v", app.Diagnostics)
	}
}

func TestScanStopsOnCancelledContext(t *testing.T) {
	dir := writeTree(t, map[string]string{"a.py": "K = \"" + githubPAT + "\"\n"})
	root, err := source.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	app := &model.App{}
	if _, err := ScanWith(ctx, root, app, Options{}); err == nil {
		t.Error("no error from a cancelled scan")
	}
}
