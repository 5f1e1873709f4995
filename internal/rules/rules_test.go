package rules

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/analysis/analysistest"
	"github.com/wardensec/warden/internal/config"
	"github.com/wardensec/warden/internal/load/all"
)

// TestRules runs each rule over its fixture projects in
// testdata/<RULE-ID>/<case>/. Each case is a small project in one format
// whose flagged lines carry `# want "RULE-ID"`; unflagged lines must stay
// quiet, so every case holds both vulnerable and well-configured resources.
func TestRules(t *testing.T) {
	for _, r := range All() {
		if r.Run == nil {
			continue
		}
		dir := filepath.Join("testdata", r.ID)
		cases, err := os.ReadDir(dir)
		if err != nil {
			t.Errorf("%s has no fixtures in %s", r.ID, dir)
			continue
		}
		for _, c := range cases {
			if !c.IsDir() {
				continue
			}
			r, c := r, c
			t.Run(r.ID+"/"+c.Name(), func(t *testing.T) {
				caseDir := filepath.Join(dir, c.Name())
				cfg := analysis.Config{Settings: analysis.DefaultSettings()}
				// A fixture may carry its own .warden.yaml, for rules that
				// only act on configured settings.
				if loaded, err := config.Load(caseDir, "", nil); err != nil {
					t.Fatal(err)
				} else if loaded.Path != "" {
					cfg = loaded.Analysis
				}
				analysistest.Run(t, caseDir, r, analysistest.Options{Loaders: all.Loaders(), Config: cfg})
			})
		}
	}
}
