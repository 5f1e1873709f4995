package deps

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardensec/warden/internal/source"
	"github.com/wardensec/warden/internal/vulndb"
)

// The benchmark database is generated from the shapes of the real
// advisories in testdata: each synthetic record copies a real record's
// ranges, versions lists, severities and aliases layout, under an ID and
// package names that are obviously synthetic (WARDEN-BENCH-*, bench-*), so
// no advisory is attributed to a real package.
const (
	benchRecords  = 50_000
	benchPackages = 5_000
)

// benchShare is the share of records per ecosystem, roughly that of OSV.
var benchShare = map[string]int{"npm": 30_000, "PyPI": 12_000, "Go": 8_000}

func benchName(eco string, n int) string {
	switch eco {
	case "npm":
		return fmt.Sprintf("bench-pkg-%05d", n)
	case "PyPI":
		return fmt.Sprintf("Bench_Py.%05d", n) // normalised on both sides
	}
	return fmt.Sprintf("example.com/bench/mod%05d", n)
}

// benchDB writes a 50,000-record database in the offline layout and
// imports it, so the index is on disk exactly as `warden db import`
// leaves it. It returns the cache directory.
func benchDB(b *testing.B) string {
	b.Helper()
	templates := map[string][]map[string]any{}
	for _, eco := range vulndb.Ecosystems {
		files, _ := filepath.Glob(filepath.Join(osvTestdata, eco, "*.json"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(data, &m); err != nil {
				b.Fatal(err)
			}
			templates[eco] = append(templates[eco], m)
		}
	}
	src := b.TempDir()
	id := 0
	for _, eco := range vulndb.Ecosystems {
		n := benchShare[eco]
		if err := os.MkdirAll(filepath.Join(src, eco), 0o755); err != nil {
			b.Fatal(err)
		}
		f, err := os.Create(filepath.Join(src, eco, "all.zip"))
		if err != nil {
			b.Fatal(err)
		}
		zw := zip.NewWriter(f)
		for i := 0; i < n; i++ {
			id++
			tmpl := templates[eco][i%len(templates[eco])]
			rec := map[string]any{}
			for k, v := range tmpl {
				rec[k] = v
			}
			rec["id"] = fmt.Sprintf("WARDEN-BENCH-%06d", id)
			rec["aliases"] = []string{fmt.Sprintf("CVE-BENCH-%06d", id)}
			// ~2.5 records per package name, as for popular packages.
			name := benchName(eco, i*2/5)
			var aff []any
			for _, a := range tmpl["affected"].([]any) {
				am := map[string]any{}
				for k, v := range a.(map[string]any) {
					am[k] = v
				}
				am["package"] = map[string]any{"ecosystem": eco, "name": name}
				aff = append(aff, am)
			}
			rec["affected"] = aff
			data, _ := json.Marshal(rec)
			w, err := zw.Create(rec["id"].(string) + ".json")
			if err != nil {
				b.Fatal(err)
			}
			w.Write(data)
		}
		if err := zw.Close(); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	cache := b.TempDir()
	metas, err := vulndb.Import(context.Background(), cache, src, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	total := 0
	for _, m := range metas {
		total += m.Records
	}
	if total != benchRecords {
		b.Fatalf("database has %d records, want %d", total, benchRecords)
	}
	return cache
}

// benchLock writes a package-lock.json (v3) with 5,000 packages that all
// exist in the database, half at versions inside the copied ranges.
func benchLock(b *testing.B) (*source.Root, string) {
	b.Helper()
	var sb strings.Builder
	sb.WriteString(`{"name":"bench","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"bench","version":"1.0.0"}`)
	for i := 0; i < benchPackages; i++ {
		v := "1.0.0"
		if i%2 == 1 {
			v = "99.0.0"
		}
		fmt.Fprintf(&sb, `,"node_modules/%s":{"version":"%s","resolved":"https://registry.npmjs.org/%s/-/%s-%s.tgz","integrity":"sha512-AAAA"}`,
			benchName("npm", i), v, benchName("npm", i), benchName("npm", i), v)
	}
	sb.WriteString("}}\n")
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "package-lock.json"), []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	root, err := source.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { root.Close() })
	return root, "package-lock.json"
}

// peakHeap samples the live heap while fn runs.
func peakHeap(fn func()) uint64 {
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(stop)
	wg.Wait()
	return peak.Load()
}

// BenchmarkMatchLockFile measures what a scan does per lock file: open the
// on-disk database (mapping its index), parse a 5,000-package
// package-lock.json, and match every package against 50,000 records.
//
//	go test ./internal/deps -run '^$' -bench MatchLockFile -benchtime 5x
func BenchmarkMatchLockFile(b *testing.B) {
	cache := benchDB(b)
	root, lock := benchLock(b)
	var size int64
	for _, eco := range vulndb.Ecosystems {
		for _, f := range []string{"index.bin", "records.jsonl"} {
			if st, err := os.Stat(filepath.Join(vulndb.DBDir(cache), eco, f)); err == nil {
				size += st.Size()
			}
		}
	}
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	var peak uint64
	vulns := 0
	for i := 0; i < b.N; i++ {
		p := peakHeap(func() {
			db := vulndb.Open(cache)
			pkgs, err := Extract(context.Background(), root, lock)
			if err != nil {
				b.Fatal(err)
			}
			vulns = 0
			for _, pkg := range pkgs {
				ms, err := db.Match(pkg.Ecosystem, pkg.Name, pkg.Version)
				if err != nil {
					b.Fatal(err)
				}
				vulns += len(MergeAliases(pkg.Ecosystem, pkg.Name, ms))
			}
			db.Close()
			if len(pkgs) != benchPackages {
				b.Fatalf("extracted %d packages", len(pkgs))
			}
		})
		peak = max(peak, p)
	}
	b.StopTimer()
	if vulns == 0 {
		b.Fatal("no package matched: the benchmark measures nothing")
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(size)/(1<<20), "db-on-disk-MB")
	b.ReportMetric(float64(vulns), "vulns")
}

// BenchmarkMatchOnly separates the database side from lock-file parsing:
// open the on-disk index and match 5,000 already-extracted packages
// against 50,000 records.
//
//	go test ./internal/deps -run '^$' -bench MatchOnly -benchtime 20x
func BenchmarkMatchOnly(b *testing.B) {
	cache := benchDB(b)
	root, lock := benchLock(b)
	pkgs, err := Extract(context.Background(), root, lock)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	var peak uint64
	vulns := 0
	for i := 0; i < b.N; i++ {
		p := peakHeap(func() {
			db := vulndb.Open(cache)
			vulns = 0
			for _, pkg := range pkgs {
				ms, err := db.Match(pkg.Ecosystem, pkg.Name, pkg.Version)
				if err != nil {
					b.Fatal(err)
				}
				vulns += len(MergeAliases(pkg.Ecosystem, pkg.Name, ms))
			}
			db.Close()
		})
		peak = max(peak, p)
	}
	b.StopTimer()
	if vulns == 0 {
		b.Fatal("no package matched: the benchmark measures nothing")
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(vulns), "vulns")
}
