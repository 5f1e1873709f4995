package vulndb

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzRecordAffects feeds arbitrary OSV JSON and versions through parsing,
// severity and matching, which read data downloaded from the network.
func FuzzRecordAffects(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "osv", "*", "*.json"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, "1.0.0")
	}
	f.Add([]byte(`{"id":"X","affected":[{"package":{"ecosystem":"PyPI","name":"a"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"1!0"},{"limit":"*"}]}]}]}`), "1!0.5.post1")
	f.Fuzz(func(t *testing.T, data []byte, version string) {
		r, err := ParseRecord(data)
		if err != nil {
			return
		}
		r.Rate()
		r.AdvisoryURL()
		for _, eco := range Ecosystems {
			for _, a := range r.Affected {
				r.Affects(eco, a.Package.Name, version)
			}
		}
	})
}

// FuzzOpenIndex opens corrupt index files: a damaged cache must give an
// error, never a panic or an out-of-range read.
func FuzzOpenIndex(f *testing.F) {
	f.Add([]byte("WDNIDX01\x01\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00"), []byte("{}\n"), "a")
	f.Fuzz(func(t *testing.T, idx, recs []byte, name string) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, indexFile), idx, 0o644)
		os.WriteFile(filepath.Join(dir, recordsFile), recs, 0o644)
		ix, err := openIndex(dir)
		if err != nil {
			return
		}
		defer ix.close()
		ix.lookup(name)
	})
}
