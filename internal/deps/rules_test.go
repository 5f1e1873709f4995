package deps

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/analysis/analysistest"
	"github.com/wardensec/warden/internal/load/all"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
	"github.com/wardensec/warden/internal/vulndb"
)

var (
	testDBOnce sync.Once
	testDB     *vulndb.DB
	testDBDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if testDB != nil {
		testDB.Close()
		os.RemoveAll(testDBDir)
	}
	os.Exit(code)
}

// fixtureDB imports the real test advisories once per test binary.
func fixtureDB(t *testing.T) *vulndb.DB {
	testDBOnce.Do(func() {
		dir, err := os.MkdirTemp("", "warden-deps-db-")
		if err != nil {
			t.Fatal(err)
		}
		testDBDir = dir
		if _, err := vulndb.Import(context.Background(), dir, osvTestdata, time.Now()); err != nil {
			t.Fatal(err)
		}
		testDB = vulndb.Open(dir)
	})
	return testDB
}

// TestRuleFixtures runs the rules over fixture projects whose flagged
// lines carry `# want` comments (or a .want sidecar for JSON), the same
// harness internal/rules uses, with Enrich as the scan runs it.
func TestRuleFixtures(t *testing.T) {
	db := fixtureDB(t)
	for _, r := range Rules {
		cases, err := os.ReadDir(filepath.Join("testdata", "rules", r.ID))
		if err != nil {
			t.Fatalf("%s: no fixtures: %v", r.ID, err)
		}
		for _, c := range cases {
			r, dir := r, filepath.Join("testdata", "rules", r.ID, c.Name())
			t.Run(r.ID+"/"+c.Name(), func(t *testing.T) {
				analysistest.Run(t, dir, r, analysistest.Options{Loaders: all.Loaders(), Config: analysis.Config{Settings: analysis.DefaultSettings()},
					Enrich: func(ctx context.Context, root *source.Root, app *model.App) {
						if _, err := Enrich(ctx, root, app, db, Options{}); err != nil {
							t.Fatal(err)
						}
					}})
			})
		}
	}
}
