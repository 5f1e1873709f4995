package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/deps"
	"github.com/wardensec/warden/internal/vulndb"
)

var osvTestdata = filepath.Join("..", "..", "internal", "vulndb", "testdata", "osv")

// osvTestServer serves the real test advisories in the OSV bucket layout
// on 127.0.0.1.
func osvTestServer(t *testing.T) string {
	t.Helper()
	zips := map[string][]byte{}
	for _, eco := range vulndb.Ecosystems {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		files, _ := filepath.Glob(filepath.Join(osvTestdata, eco, "*.json"))
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

// TestDBUpdateStatusThenScan is the end-to-end path: `warden db update
// --source http://127.0.0.1:PORT/osv`, `warden db status`, then the scan's
// dependency step over examples/vulnerable-deps, offline from the cache.
func TestDBUpdateStatusThenScan(t *testing.T) {
	cache := t.TempDir()
	t.Setenv(vulndb.CacheEnv, cache)
	src := osvTestServer(t)

	out, _, code := runCLI(t, "db", "status")
	if code != 0 || strings.Count(out, "missing") != 3 || !strings.Contains(out, "warden db update") {
		t.Fatalf("status before update (exit %d):\n%s", code, out)
	}
	out, errOut, code := runCLI(t, "db", "update", "--source", src)
	if code != 0 {
		t.Fatalf("db update exit %d: %s %s", code, out, errOut)
	}
	for _, want := range []string{"npm: 2 advisories", "PyPI: 3 advisories", "Go: 3 advisories", src + "/Go/all.zip"} {
		if !strings.Contains(out, want) {
			t.Errorf("db update output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(errOut, "\r") {
		t.Error("progress bar drawn on a non-terminal")
	}
	out, _, code = runCLI(t, "db", "status")
	if code != 0 || strings.Contains(out, "missing") || !strings.Contains(out, src+"/npm/all.zip") {
		t.Errorf("status after update (exit %d):\n%s", code, out)
	}

	// The scan's dependency step, as cmd/warden/scan.go runs it.
	app, root, err := loadProject(context.Background(), filepath.Join("..", "..", "examples", "vulnerable-deps"), loadFlags{quiet: true}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	db := vulndb.Open(cache)
	defer db.Close()
	sum, err := deps.Enrich(context.Background(), root, app, db, deps.Options{})
	if err != nil || len(sum.Notes) > 0 {
		t.Fatalf("enrich: %v %v", err, sum.Notes)
	}
	findings := analysis.Run(context.Background(), app, deps.Rules, analysis.Config{}, nil, nil)
	var msgs []string
	for _, f := range findings {
		msgs = append(msgs, f.Message)
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{
		"lodash 4.17.20 (npm) has GHSA-35jh-r3h4-6jhm",
		"installed 4.17.20, fixed in 4.17.21",
		"Shipped by function NotifyFunction",
		"PyYAML 5.3.1 (PyPI) has GHSA-8q59-q68h-6hv4",
		"golang.org/x/net v0.3.0 (Go) has GO-2022-1144",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("findings lack %q:\n%s", want, all)
		}
	}

	// Failing source: non-zero exit, database kept.
	if _, _, code = runCLI(t, "db", "update", "--source", src+"/nope", "--ecosystem", "npm"); code != exitError {
		t.Errorf("bad source: exit %d, want %d", code, exitError)
	}
	out, _, _ = runCLI(t, "db", "status")
	if strings.Contains(out, "missing") {
		t.Errorf("a failed update lost the database:\n%s", out)
	}

	// The SBOM can carry the same vulnerabilities, offline.
	out, errOut, code = runCLI(t, "sbom", filepath.Join("..", "..", "examples", "vulnerable-deps"), "--vulns")
	if code != 0 || !strings.Contains(out, `"id": "GHSA-35jh-r3h4-6jhm"`) || !strings.Contains(out, `"ref": "pkg:npm/lodash@4.17.20"`) {
		t.Errorf("sbom --vulns: exit %d %s\n%.400s", code, errOut, out)
	}
}

func TestDBImport(t *testing.T) {
	t.Setenv(vulndb.CacheEnv, t.TempDir())
	out, errOut, code := runCLI(t, "db", "import", osvTestdata)
	if code != 0 || !strings.Contains(out, "PyPI: 3 advisories") {
		t.Fatalf("import exit %d: %s %s", code, out, errOut)
	}
	if _, _, code := runCLI(t, "db", "import", filepath.Join(t.TempDir(), "missing.zip")); code != exitError {
		t.Errorf("import of a missing file: exit %d", code)
	}
}

func TestSBOMCommand(t *testing.T) {
	file := filepath.Join(t.TempDir(), "bom.json")
	_, errOut, code := runCLI(t, "sbom", filepath.Join("..", "..", "examples", "vulnerable-deps"), "--format", "cyclonedx", "--output", file)
	if code != 0 {
		t.Fatalf("sbom exit %d: %s", code, errOut)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var bom struct {
		SpecVersion string `json:"specVersion"`
		Components  []struct {
			Name, PURL string
		} `json:"components"`
	}
	if err := json.Unmarshal(data, &bom); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, c := range bom.Components {
		names[c.Name] = true
	}
	if bom.SpecVersion != "1.5" || !names["NotifyFunction"] || !names["lodash"] || !names["PyYAML"] || names["nodemon"] {
		t.Errorf("sbom: spec %s, components %v", bom.SpecVersion, names)
	}
	out, _, code := runCLI(t, "sbom", filepath.Join("..", "..", "examples", "vulnerable-deps"), "--format", "spdx")
	if code != 0 || !strings.Contains(out, `"spdxVersion": "SPDX-2.3"`) {
		t.Errorf("spdx: exit %d\n%.300s", code, out)
	}
	if _, _, code := runCLI(t, "sbom", ".", "--format", "xml"); code != exitError {
		t.Errorf("bad format: exit %d", code)
	}
}
