package vulndb

import (
	"archive/zip"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// zipDir packs the JSON files of testdata/osv/<eco> as OSV publishes them:
// one record per entry, at the root of the archive.
func zipDir(t testing.TB, eco string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	files, err := filepath.Glob(filepath.Join("testdata", "osv", eco, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test records for %s: %v", eco, err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(filepath.Base(f))
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// osvServer serves the test records in the bucket layout on 127.0.0.1.
func osvServer(t testing.TB, override map[string][]byte) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	zips := map[string][]byte{}
	for _, e := range Ecosystems {
		zips["/osv/"+e+"/all.zip"] = zipDir(t, e)
	}
	for k, v := range override {
		zips[k] = v
	}
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		data, ok := zips[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/zip")
		w.Write(data)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestUpdateFromLocalServer(t *testing.T) {
	srv, _ := osvServer(t, nil)
	cache := t.TempDir()
	var progressed atomic.Int64
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	metas, err := Update(context.Background(), cache, UpdateOptions{Source: srv.URL + "/osv", Now: func() time.Time { return now },
		Progress: func(eco string, done, total int64) { progressed.Store(done) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(metas) != 3 {
		t.Fatalf("got %d ecosystems, want 3: %+v", len(metas), metas)
	}
	if progressed.Load() == 0 {
		t.Error("progress was never reported")
	}
	db := Open(cache)
	defer db.Close()
	if db.Empty() || len(db.Problems) > 0 {
		t.Fatalf("database not usable: %v", db.Problems)
	}
	got := map[string]Meta{}
	for _, m := range db.Metas() {
		got[m.Ecosystem] = m
	}
	want := map[string]int{"npm": 2, "PyPI": 3, "Go": 3}
	for eco, n := range want {
		m := got[eco]
		if m.Records != n || !m.Updated.Equal(now) || m.Source != srv.URL+"/osv/"+eco+"/all.zip" || m.ZipSHA256 == "" {
			t.Errorf("%s meta = %+v, want %d records from the test server at %v", eco, m, n, now)
		}
	}
	// The archive is kept in the osv-scanner layout.
	if _, err := os.Stat(filepath.Join(cache, "osv", "npm", "all.zip")); err != nil {
		t.Error(err)
	}
	ms, err := db.Match("PyPI", "PyYAML", "5.3.1")
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, m := range ms {
		ids = append(ids, m.Record.ID)
	}
	if len(ms) != 2 || !strings.Contains(strings.Join(ids, ","), "GHSA-8q59-q68h-6hv4") || !strings.Contains(strings.Join(ids, ","), "PYSEC-2021-142") {
		t.Errorf("PyYAML 5.3.1 matched %v, want the GHSA and the PYSEC record", ids)
	}
	if ms, _ := db.Match("npm", "lodash", "4.17.21"); len(ms) != 0 {
		t.Errorf("fixed lodash matched %d records", len(ms))
	}
	if ms, _ := db.Match("npm", "left-pad", "1.0.0"); len(ms) != 0 {
		t.Errorf("unknown package matched %d records", len(ms))
	}
}

// A corrupt download must fail verification and leave the previous
// database in place.
func TestUpdateKeepsOldDatabaseOnBadArchive(t *testing.T) {
	cache := t.TempDir()
	srv, _ := osvServer(t, nil)
	if _, err := Update(context.Background(), cache, UpdateOptions{Source: srv.URL + "/osv", Ecosystems: []string{"npm"}}); err != nil {
		t.Fatal(err)
	}
	good := zipDir(t, "npm")
	truncated := good[:len(good)-40]
	corrupt := append([]byte(nil), good...)
	// Flip bytes inside the first entry's compressed data: the CRC check fails.
	for i := 60; i < 80; i++ {
		corrupt[i] ^= 0xff
	}
	var notJSON bytes.Buffer
	zw := zip.NewWriter(&notJSON)
	w, _ := zw.Create("GHSA-xxxx.json")
	w.Write([]byte("{not json"))
	zw.Close()
	for name, body := range map[string][]byte{"truncated": truncated, "corrupt": corrupt, "not json": notJSON.Bytes(), "empty": {}} {
		bad, _ := osvServer(t, map[string][]byte{"/osv/npm/all.zip": body})
		_, err := Update(context.Background(), cache, UpdateOptions{Source: bad.URL + "/osv", Ecosystems: []string{"npm"}})
		if err == nil {
			t.Errorf("%s archive: update succeeded", name)
		}
		db := Open(cache)
		if ms, _ := db.Match("npm", "lodash", "4.17.20"); len(ms) != 1 {
			t.Errorf("%s archive: the old database was lost (%d matches)", name, len(ms))
		}
		db.Close()
		left, _ := filepath.Glob(filepath.Join(cache, "osv", ".new-*"))
		if len(left) > 0 {
			t.Errorf("%s archive: temporary directories left behind: %v", name, left)
		}
	}
	_, err := Update(context.Background(), cache, UpdateOptions{Source: srv.URL + "/missing"})
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("missing archive: err = %v, want a 404", err)
	}
	if _, err := Update(context.Background(), cache, UpdateOptions{Source: srv.URL + "/osv", Ecosystems: []string{"Maven"}}); err == nil {
		t.Error("unsupported ecosystem accepted")
	}
}

func TestImportDirectoryAndZip(t *testing.T) {
	cache := t.TempDir()
	metas, err := Import(context.Background(), cache, filepath.Join("testdata", "osv"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(metas) != 3 {
		t.Fatalf("imported %d ecosystems, want 3", len(metas))
	}
	db := Open(cache)
	if ms, _ := db.Match("Go", "github.com/gogo/protobuf", "v1.3.1"); len(ms) != 1 || ms[0].Fixed != "1.3.2" {
		t.Errorf("gogo/protobuf v1.3.1: %+v", ms)
	}
	db.Close()

	// A zip in the offline layout replaces just its ecosystem.
	zpath := filepath.Join(t.TempDir(), "all.zip")
	if err := os.WriteFile(zpath, zipDir(t, "npm"), 0o644); err != nil {
		t.Fatal(err)
	}
	metas, err = Import(context.Background(), cache, zpath, time.Now())
	if err != nil || len(metas) != 1 || metas[0].Ecosystem != "npm" || metas[0].Records != 2 {
		t.Fatalf("zip import: %+v, %v", metas, err)
	}
	db = Open(cache)
	defer db.Close()
	if len(db.Metas()) != 3 {
		t.Errorf("zip import dropped other ecosystems: %+v", db.Metas())
	}
	if _, err := Import(context.Background(), cache, t.TempDir(), time.Now()); err == nil {
		t.Error("empty directory imported")
	}
}

func TestOpenMissingAndDamaged(t *testing.T) {
	cache := t.TempDir()
	db := Open(cache)
	if !db.Empty() {
		t.Error("empty cache gave a database")
	}
	if ms, err := db.Match("npm", "lodash", "4.17.20"); err != nil || len(ms) != 0 {
		t.Errorf("match on empty database: %v %v", ms, err)
	}
	if _, err := Import(context.Background(), cache, filepath.Join("testdata", "osv"), time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cache, "osv", "npm", "index.bin"), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	db = Open(cache)
	defer db.Close()
	if db.Has("npm") || !db.Has("PyPI") || len(db.Problems) != 1 || !strings.Contains(db.Problems[0], "npm") {
		t.Errorf("damaged npm index: has npm %v, problems %v", db.Has("npm"), db.Problems)
	}
}

// An update interrupted between its renames leaves the old database aside;
// the next Open puts it back.
func TestOpenRecoversInterruptedSwap(t *testing.T) {
	cache := t.TempDir()
	if _, err := Import(context.Background(), cache, filepath.Join("testdata", "osv"), time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(cache, "osv", "npm"), filepath.Join(cache, "osv", ".old-npm")); err != nil {
		t.Fatal(err)
	}
	db := Open(cache)
	defer db.Close()
	if !db.Has("npm") {
		t.Error("the moved-aside npm database was not recovered")
	}
}
