package rules

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

var idRE = regexp.MustCompile(`^WAR-[A-Z]+-\d{3}$`)

func TestCatalogueIsComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range All() {
		if !idRE.MatchString(r.ID) {
			t.Errorf("%s: ID must look like WAR-AREA-NNN", r.ID)
		}
		if seen[r.ID] {
			t.Errorf("%s: duplicate ID", r.ID)
		}
		seen[r.ID] = true
		if r.Title == "" || r.Doc == "" || r.Fix == "" || r.Severity == 0 || len(r.CWE) == 0 || SASTitle(r.SAS) == "" || len(r.Frameworks) == 0 {
			t.Errorf("%s: title, doc, fix, severity, CWE, SAS category and frameworks are all required", r.ID)
		}
	}
}

// TestDocsAreFresh fails when docs/rules does not match the catalogue; run
// `go generate ./internal/rules` to refresh it.
func TestDocsAreFresh(t *testing.T) {
	dir := filepath.Join("..", "..", "docs", "rules")
	check := func(name, want string) {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != want {
			t.Errorf("docs/rules/%s is stale or missing: run `go generate ./internal/rules`", name)
		}
	}
	for _, r := range All() {
		check(r.ID+".md", Markdown(r))
	}
	check("README.md", Index(All()))
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if id := e.Name()[:len(e.Name())-len(filepath.Ext(e.Name()))]; e.Name() != "README.md" && ByID(id) == nil {
			t.Errorf("docs/rules/%s documents a rule that no longer exists", e.Name())
		}
	}
}

// TestPeerTableNamesRealRules keeps the peer-coverage table honest: every
// rule it cites must exist.
func TestPeerTableNamesRealRules(t *testing.T) {
	for _, id := range regexp.MustCompile(`WAR-[A-Z]+-\d{3}`).FindAllString(peersTable, -1) {
		if ByID(id) == nil {
			t.Errorf("docs/rules/README.md peer table cites %s, which is not in the catalogue", id)
		}
	}
}
