package deps

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
	"github.com/wardensec/warden/internal/vulndb"
)

func TestEnrichMatching(t *testing.T) {
	db := fixtureDB(t)
	dir := writeTree(t, map[string]string{
		"lang/go.mod":          "module a\n\ngo 1.19\n",                       // language version only
		"tool/go.mod":          "module b\n\ngo 1.19\n\ntoolchain go1.19.3\n", // a real toolchain
		"py/requirements.txt":  "pyyaml==5.3.1\nPyYAML==5.3.1\n",              // one package under two spellings: one use
		"git/requirements.txt": "requests==2.30.0\n",
	})
	root, err := source.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	app := &model.App{Functions: []*model.Function{
		fn("lang", "provided.al2023", "lang", "bootstrap"),
		fn("tool", "provided.al2023", "tool", "bootstrap"),
		fn("py", "python3.12", "py", "app.handler"),
	}}
	sum, err := Enrich(context.Background(), root, app, db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, p := range app.Packages {
		for _, v := range p.Vulns {
			got[p.Pos.File+" "+p.Name+"@"+p.Version] = append(got[p.Pos.File+" "+p.Name+"@"+p.Version], v.ID+" fixed "+v.Fixed+" aliases "+strings.Join(v.Aliases, ","))
		}
	}
	want := map[string][]string{
		"tool/go.mod stdlib@1.19.3":        {"GO-2022-1144 fixed 1.19.4 aliases CVE-2022-41717,GHSA-xrjj-mj9h-534m"},
		"py/requirements.txt PyYAML@5.3.1": {"GHSA-8q59-q68h-6hv4 fixed 5.4 aliases CVE-2020-14343,PYSEC-2021-142"},
	}
	if len(got) != len(want) {
		t.Errorf("vulnerable packages = %v, want %v", got, want)
	}
	for k, w := range want {
		if strings.Join(got[k], ";") != strings.Join(w, ";") {
			t.Errorf("%s: %v, want %v", k, got[k], w)
		}
	}
	if sum.Vulnerable != 2 || len(sum.Notes) != 0 {
		t.Errorf("summary %+v", sum)
	}
}

func TestEnrichMissingEcosystem(t *testing.T) {
	dir := writeTree(t, map[string]string{"fn/requirements.txt": "pyyaml==5.3.1\n"})
	root, _ := source.Open(dir)
	defer root.Close()
	cache := t.TempDir()
	// A database with npm only.
	if _, err := vulndb.Import(context.Background(), cache, osvTestdata+"/npm", nowForTest()); err != nil {
		t.Fatal(err)
	}
	db := vulndb.Open(cache)
	defer db.Close()
	app := &model.App{Functions: []*model.Function{fn("f", "python3.12", "fn", "app.handler")}}
	sum, err := Enrich(context.Background(), root, app, db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Notes) != 1 || !strings.Contains(sum.Notes[0], "no PyPI data") || !strings.Contains(sum.Notes[0], "--ecosystem PyPI") {
		t.Errorf("notes = %v", sum.Notes)
	}
}

func nowForTest() time.Time { return time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) }
