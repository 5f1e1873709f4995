package deps

import (
	"archive/zip"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/load/all"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/scan"
	"github.com/wardensec/warden/internal/source"
	"github.com/wardensec/warden/internal/vulndb"
)

// osvTestdata holds the real advisories shipped with vulndb's tests.
var osvTestdata = filepath.Join("..", "vulndb", "testdata", "osv")

// serveOSV serves the real test advisories as per-ecosystem all.zip
// archives, in the OSV bucket layout, on 127.0.0.1.
func serveOSV(t testing.TB) string {
	t.Helper()
	zips := map[string][]byte{}
	for _, eco := range vulndb.Ecosystems {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		files, _ := filepath.Glob(filepath.Join(osvTestdata, eco, "*.json"))
		if len(files) == 0 {
			t.Fatalf("no advisories for %s in %s", eco, osvTestdata)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			w, _ := zw.Create(filepath.Base(f))
			w.Write(data)
		}
		zw.Close()
		zips["/osv/"+eco+"/all.zip"] = buf.Bytes()
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if data, ok := zips[r.URL.Path]; ok {
			w.Write(data)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/osv"
}

// scanExample loads examples/vulnerable-deps the way `warden scan` does,
// enriches it from the cache, and runs the dependency rules.
func scanExample(t *testing.T, cache string, opts Options) (*model.App, []analysis.Finding, *Summary) {
	t.Helper()
	root, err := source.Open(filepath.Join("..", "..", "examples", "vulnerable-deps"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	ctx := context.Background()
	app, err := scan.Load(ctx, root, scan.Options{Loaders: all.Loaders()})
	if err != nil {
		t.Fatal(err)
	}
	db := vulndb.Open(cache)
	t.Cleanup(func() { db.Close() })
	sum, err := Enrich(ctx, root, app, db, opts)
	if err != nil {
		t.Fatal(err)
	}
	return app, analysis.Run(ctx, app, Rules, analysis.Config{}, nil, nil), sum
}

func TestEndToEndUpdateThenScan(t *testing.T) {
	cache := t.TempDir()
	if _, err := vulndb.Update(context.Background(), cache, vulndb.UpdateOptions{Source: serveOSV(t)}); err != nil {
		t.Fatal(err)
	}
	app, findings, sum := scanExample(t, cache, Options{})
	if len(sum.Notes) != 0 {
		t.Errorf("notes with a full database: %v", sum.Notes)
	}
	type want struct {
		fn, pkg, installed, fixed, id string
		sev                           analysis.Severity
		reach                         string
	}
	wants := []want{
		// Imported by the handler: CVSS 9.8 stays critical.
		{"OrdersFunction", "PyYAML", "5.3.1", "5.4", "GHSA-8q59-q68h-6hv4", analysis.Critical, "imported by the handler"},
		// From the layer, not imported: CVSS 6.1 medium lowered to low.
		{"OrdersFunction", "requests", "2.30.0", "2.31.0", "GHSA-j8r2-6x86-q33q", analysis.Low, "transitive, not imported"},
		// lodash: CVSS 7.2 high, imported.
		{"NotifyFunction", "lodash", "4.17.20", "4.17.21", "GHSA-35jh-r3h4-6jhm", analysis.High, "imported by the handler"},
		// minimist: critical 9.8, transitive through mkdirp: high.
		{"NotifyFunction", "minimist", "1.2.5", "1.2.6", "GHSA-xvch-5gv4-984h", analysis.High, "transitive, not imported"},
		// Go's database rates nothing: medium, imported (x/image/webp).
		{"ResizeFunction", "golang.org/x/image", "v0.17.0", "v0.18.0", "GO-2024-2937", analysis.Medium, "imported by the handler"},
		{"ResizeFunction", "golang.org/x/net", "v0.3.0", "v0.4.0", "GO-2022-1144", analysis.Low, "transitive, not imported"},
	}
	var vulnFindings []analysis.Finding
	for _, f := range findings {
		if f.RuleID == Rule.ID {
			vulnFindings = append(vulnFindings, f)
		}
	}
	for _, w := range wants {
		found := false
		for _, f := range vulnFindings {
			m := f.Message
			if !strings.Contains(m, "function "+w.fn+" ") || !strings.Contains(m, w.pkg+" "+w.installed+" ") || !strings.Contains(m, w.id) {
				continue
			}
			found = true
			if !strings.Contains(m, "installed "+w.installed+", fixed in "+w.fixed) {
				t.Errorf("%s %s: message lacks installed/fixed versions: %s", w.fn, w.pkg, m)
			}
			if !strings.Contains(m, w.reach) {
				t.Errorf("%s %s: want %q in: %s", w.fn, w.pkg, w.reach, m)
			}
			if f.Severity != w.sev {
				t.Errorf("%s %s: severity %s, want %s (%s)", w.fn, w.pkg, f.Severity, w.sev, m)
			}
			if !strings.Contains(f.Fix, w.fixed) || f.FunctionID == "" || f.Pos.File == "" || f.Pos.Line == 0 {
				t.Errorf("%s %s: fix %q, function %q, pos %s", w.fn, w.pkg, f.Fix, f.FunctionID, f.Pos)
			}
		}
		if !found {
			t.Errorf("no finding for %s in %s %s (%s)", w.id, w.pkg, w.installed, w.fn)
		}
	}
	// PyYAML's GHSA and PYSEC records are one vulnerability: one finding.
	n := 0
	for _, f := range vulnFindings {
		if strings.Contains(f.Message, "PyYAML 5.3.1") {
			n++
			if !strings.Contains(f.Message, "PYSEC-2021-142") || !strings.Contains(f.Message, "CVE-2020-14343") {
				t.Errorf("aliases missing: %s", f.Message)
			}
		}
	}
	if n != 1 {
		t.Errorf("PyYAML: %d findings, want 1 (aliases merged)", n)
	}
	// Fixed versions and dev-only packages.
	for _, f := range vulnFindings {
		for _, clean := range []string{"gogo/protobuf", "certifi", "aws-lambda-go", "mkdirp"} {
			if strings.Contains(f.Message, clean) && !strings.Contains(f.Message, "minimist") {
				t.Errorf("false positive: %s", f.Message)
			}
		}
	}
	if len(vulnFindings) != len(wants) {
		for _, f := range vulnFindings {
			t.Log(f.Severity, f.Message)
		}
		t.Errorf("got %d vulnerability findings, want %d", len(vulnFindings), len(wants))
	}
	// Unpinned boto3 is its own low finding.
	unpinned := 0
	for _, f := range findings {
		if f.RuleID == UnpinnedRule.ID {
			unpinned++
			if !strings.Contains(f.Message, `"boto3"`) || f.Severity != analysis.Low || f.Pos.File != "orders/requirements.txt" || f.Pos.Line != 4 {
				t.Errorf("unpinned finding: %+v", f)
			}
		}
	}
	if unpinned != 1 {
		t.Errorf("got %d unpinned findings, want 1", unpinned)
	}
	// nodemon is dev only and is in the model, flagged.
	for _, p := range app.Packages {
		if p.Name == "nodemon" && !p.Dev {
			t.Error("nodemon not flagged as a dev dependency")
		}
	}
}

func TestScanWithoutDatabase(t *testing.T) {
	app, findings, sum := scanExample(t, t.TempDir(), Options{})
	if len(sum.Notes) != 1 || !strings.Contains(sum.Notes[0], "warden db update") || !strings.Contains(sum.Notes[0], "warden db import") {
		t.Errorf("notes = %v, want how to get a database", sum.Notes)
	}
	diag := false
	for _, d := range app.Diagnostics {
		if d.Code == "no-vulndb" {
			diag = true
		}
	}
	if !diag {
		t.Error("no no-vulndb diagnostic in the model")
	}
	for _, f := range findings {
		if f.RuleID == Rule.ID {
			t.Errorf("vulnerability finding without a database: %s", f.Message)
		}
	}
	// Packages are still loaded (for WAR-DEP-002 and the SBOM).
	if len(app.Packages) == 0 {
		t.Error("no packages loaded without a database")
	}
}

func TestHideDev(t *testing.T) {
	app, _, _ := scanExample(t, t.TempDir(), Options{HideDev: true})
	for _, p := range app.Packages {
		if p.Dev {
			t.Errorf("dev package %s kept with HideDev", p.Name)
		}
	}
}
