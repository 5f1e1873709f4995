package rules

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/wardensec/warden/internal/analysis/analysistest"
	"github.com/wardensec/warden/internal/code"
	"github.com/wardensec/warden/internal/deps"
	"github.com/wardensec/warden/internal/leastpriv"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/secrets"
	"github.com/wardensec/warden/internal/source"
	"github.com/wardensec/warden/internal/vulndb"
)

// TestMain gives rule fixtures the same pipeline as `warden scan`: template
// loaders, then code analysis, then dependencies matched against the real
// OSV sample records that internal/vulndb ships as test data.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "warden-rules-vulndb")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if _, err := vulndb.Import(context.Background(), dir, "../vulndb/testdata/osv", time.Now()); err != nil {
		fmt.Fprintln(os.Stderr, "import test OSV data:", err)
		os.Exit(2)
	}
	db := vulndb.Open(dir)
	analysistest.DefaultEnrich = func(ctx context.Context, root *source.Root, app *model.App) {
		code.Analyze(ctx, root, app)
		leastpriv.Analyze(ctx, root, app)
		secrets.Scan(ctx, root, app)
		if _, err := deps.Enrich(ctx, root, app, db, deps.Options{}); err != nil {
			panic(err)
		}
	}
	code := m.Run()
	db.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}
