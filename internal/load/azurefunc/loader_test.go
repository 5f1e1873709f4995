package azurefunc

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

func loadAll(t testing.TB) *model.App {
	t.Helper()
	root, err := source.Open("testdata")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	var files []string
	err = fs.WalkDir(root.FS(), "app", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == "function.json" {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	files = append(files, "app/Missing/function.json")
	return load.Safely(context.Background(), Loader{}, root, load.Unit{Kind: load.KindAzureFunction, Dir: "app", Files: files}, load.Options{})
}

// lineOf is the first line of file containing text.
func lineOf(t testing.TB, file, text string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	for i, ln := range strings.Split(string(b), "\n") {
		if strings.Contains(ln, text) {
			return i + 1
		}
	}
	t.Fatalf("%s has no %q", file, text)
	return 0
}

func TestFunctionJSON(t *testing.T) {
	app := loadAll(t)
	fns := map[string]*model.Function{}
	for _, f := range app.Functions {
		fns[f.Name] = f
	}
	cases := []struct {
		fn       string
		kind     model.TriggerKind
		typ      string
		auth     string // "" for non-HTTP
		authText string // line of the auth value ("" = the binding's line)
		method   string
		path     string
		source   string
		schedule string
	}{
		{fn: "HttpAnon", kind: model.TriggerHTTP, typ: "httpTrigger", auth: model.AuthNone, authText: `"authLevel": "anonymous"`, method: "GET,POST", path: "products/{id}"},
		{fn: "HttpDefault", kind: model.TriggerHTTP, typ: "httpTrigger", auth: model.AuthFunction},
		{fn: "HttpAdmin", kind: model.TriggerHTTP, typ: "httpTrigger", auth: model.AuthAdmin, authText: `"authLevel": "admin"`, method: "DELETE"},
		{fn: "QueueWorker", kind: model.TriggerQueue, typ: "queueTrigger", source: "orders-in"},
		{fn: "Nightly", kind: model.TriggerSchedule, typ: "timerTrigger", schedule: "0 0 2 * * *"},
		{fn: "Thumbnails", kind: model.TriggerStorage, typ: "blobTrigger", source: "uploads/{name}"},
		{fn: "Orders", kind: model.TriggerTopic, typ: "serviceBusTrigger", source: "orders"},
		{fn: "Telemetry", kind: model.TriggerStream, typ: "eventHubTrigger"},
		{fn: "ChangeFeed", kind: model.TriggerStream, typ: "cosmosDBTrigger", source: "shop/items"},
	}
	for _, c := range cases {
		f := fns[c.fn]
		if f == nil {
			t.Errorf("no function %s", c.fn)
			continue
		}
		file := "app/" + c.fn + "/function.json"
		if f.ID != file+"#"+c.fn || f.Provider != model.Azure || f.Framework != model.AzureFunctions || f.Pos.File != file {
			t.Errorf("%s header = %s %s %s %s", c.fn, f.ID, f.Provider, f.Framework, f.Pos)
		}
		if len(f.Triggers) != 1 {
			t.Errorf("%s triggers = %d", c.fn, len(f.Triggers))
			continue
		}
		tr := f.Triggers[0]
		if tr.Kind != c.kind || tr.Type != c.typ {
			t.Errorf("%s trigger %s/%s, want %s/%s", c.fn, tr.Kind, tr.Type, c.kind, c.typ)
		}
		// The trigger points at its binding object, which opens on the
		// line before (or the line of) its "type".
		if tl := lineOf(t, file, `"type": "`+c.typ); tr.Pos.File != file || tr.Pos.Line > tl || !strings.Contains(lineText(t, file, tr.Pos.Line), "{") {
			t.Errorf("%s trigger at %s, not at its binding (type on line %d)", c.fn, tr.Pos, tl)
		}
		if c.auth != "" {
			if !tr.AuthType.Is(c.auth) {
				t.Errorf("%s auth = %s, want %s", c.fn, tr.AuthType.String(), c.auth)
			}
			want := tr.Pos.Line
			if c.authText != "" {
				want = lineOf(t, file, c.authText)
			}
			if tr.AuthType.Pos.Line != want {
				t.Errorf("%s auth at line %d, want %d", c.fn, tr.AuthType.Pos.Line, want)
			}
		}
		if c.method != "" && !tr.Method.Is(c.method) {
			t.Errorf("%s method = %s", c.fn, tr.Method.String())
		}
		if c.path != "" && !tr.Path.Is(c.path) {
			t.Errorf("%s route = %s", c.fn, tr.Path.String())
		}
		if c.source != "" && !tr.Source.Is(c.source) {
			t.Errorf("%s source = %s", c.fn, tr.Source.String())
		}
		if c.schedule != "" && (!tr.Schedule.Is(c.schedule) || tr.Schedule.Pos.Line != lineOf(t, file, "schedule")) {
			t.Errorf("%s schedule = %s at %s", c.fn, tr.Schedule.String(), tr.Schedule.Pos)
		}
	}
	if !fns["HttpAdmin"].Deployed.IsFalse() {
		t.Errorf("disabled function deployed = %s", fns["HttpAdmin"].Deployed.String())
	}
	if d := fns["HttpDefault"]; !d.Handler.Is("run") || !d.CodePath.Is("app/dist/HttpDefault/index.js") {
		t.Errorf("entry point %s, code %s", d.Handler.String(), d.CodePath.String())
	}
	if tr := fns["Telemetry"].Triggers[0]; !tr.Source.IsUnknown() || tr.Source.Expr != "%HubName%" {
		t.Errorf("app setting reference = %+v", tr.Source)
	}
	if c := fns["Thumbnails"].Triggers[0].Attrs["connection"]; !c.IsUnknown() {
		t.Errorf("connection = %+v", c)
	}
}

func lineText(t testing.TB, file string, line int) string {
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil || line < 1 {
		return ""
	}
	lines := strings.Split(string(b), "\n")
	if line > len(lines) {
		return ""
	}
	return lines[line-1]
}

func TestHostileFunctionJSON(t *testing.T) {
	app := loadAll(t)
	want := []struct {
		file, code, text string
		line             int
	}{
		{"app/Broken/function.json", "parse", "cannot parse", lineOf(t, "app/Broken/function.json", `"anonymous"`)},
		{"app/Escape/function.json", "outside-root", "outside the scanned root", lineOf(t, "app/Escape/function.json", "scriptFile")},
		{"app/Missing/function.json", "read", "cannot read", 0},
	}
	for _, w := range want {
		found := false
		for _, d := range app.Diagnostics {
			if d.Pos.File == w.file && d.Code == w.code && strings.Contains(d.Message, w.text) && (w.line == 0 || d.Pos.Line == w.line) {
				found = true
			}
		}
		if !found {
			t.Errorf("no %s diagnostic for %s:%d; have %v", w.code, w.file, w.line, app.Diagnostics)
		}
	}
	var esc *model.Function
	for _, f := range app.Functions {
		if f.Name == "Escape" {
			esc = f
		}
	}
	if esc == nil || !esc.Triggers[0].AuthType.IsUnknown() || !esc.CodePath.IsUnknown() {
		t.Fatalf("escape = %+v", esc)
	}
	parsed := map[string]bool{}
	for _, f := range app.Files {
		parsed[f.Path] = f.Parsed
	}
	if len(parsed) != 12 || parsed["app/Broken/function.json"] || parsed["app/Missing/function.json"] || !parsed["app/Escape/function.json"] {
		t.Errorf("files = %v", parsed)
	}
	if len(app.Functions) != 10 {
		t.Errorf("functions = %d, want 10 (all but the broken and missing files)", len(app.Functions))
	}
}

func FuzzLoad(f *testing.F) {
	err := filepath.WalkDir("testdata/app", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, rerr := os.ReadFile(p)
			if rerr != nil {
				return rerr
			}
			f.Add(b)
		}
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "Fn"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "Fn", "function.json"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		root, err := source.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer root.Close()
		app := Loader{}.Load(context.Background(), root, load.Unit{Kind: load.KindAzureFunction, Files: []string{"Fn/function.json"}}, load.Options{})
		if len(app.Files) != 1 {
			t.Fatalf("files = %v", app.Files)
		}
		if !app.Files[0].Parsed && len(app.Diagnostics) == 0 {
			t.Fatal("unparsed file without a diagnostic")
		}
	})
}

func BenchmarkLoad1000Functions(b *testing.B) {
	dir := b.TempDir()
	var files []string
	for i := 0; i < 1000; i++ {
		d := filepath.Join(dir, fmt.Sprintf("Fn%04d", i))
		if err := os.MkdirAll(d, 0o755); err != nil {
			b.Fatal(err)
		}
		js := fmt.Sprintf(`{"scriptFile": "__init__.py", "bindings": [{"authLevel": "function", "type": "httpTrigger", "direction": "in", "name": "req", "methods": ["get"], "route": "fn/%d"}, {"type": "http", "direction": "out", "name": "$return"}]}`, i)
		if err := os.WriteFile(filepath.Join(d, "function.json"), []byte(js), 0o600); err != nil {
			b.Fatal(err)
		}
		files = append(files, fmt.Sprintf("Fn%04d/function.json", i))
	}
	root, err := source.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer root.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		app := Loader{}.Load(context.Background(), root, load.Unit{Kind: load.KindAzureFunction, Files: files}, load.Options{})
		if len(app.Functions) != 1000 {
			b.Fatal(len(app.Functions))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/function")
}
