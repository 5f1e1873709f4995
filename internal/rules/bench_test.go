package rules

import (
	"context"
	"fmt"
	"testing"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/load/all"
	"github.com/wardensec/warden/internal/scan"
	"github.com/wardensec/warden/internal/source"
	"github.com/wardensec/warden/internal/testgen"
)

// BenchmarkAllRules runs the whole catalogue over generated projects of 1k
// and 10k functions. Loading is outside the timer; ns/function should stay
// flat between the two sizes if rules are linear.
func BenchmarkAllRules(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("functions=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			if _, err := testgen.Project(dir, n); err != nil {
				b.Fatal(err)
			}
			root, err := source.Open(dir)
			if err != nil {
				b.Fatal(err)
			}
			defer root.Close()
			app, err := scan.Load(context.Background(), root, scan.Options{Loaders: all.Loaders(), Load: load.Options{}})
			if err != nil {
				b.Fatal(err)
			}
			if len(app.Functions) != n {
				b.Fatalf("loaded %d functions, want %d", len(app.Functions), n)
			}
			cfg := analysis.Config{Settings: analysis.DefaultSettings()}
			rules := All()
			b.ReportAllocs()
			b.ResetTimer()
			var findings int
			for i := 0; i < b.N; i++ {
				findings = len(analysis.Run(context.Background(), app, rules, cfg, nil, nil))
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/function")
			b.ReportMetric(float64(findings), "findings")
		})
	}
}
