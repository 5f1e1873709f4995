package vulndb

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// CacheEnv overrides the cache directory (tests, CI caches, air-gapped
// machines that keep the database on a shared volume).
const CacheEnv = "WARDEN_CACHE_DIR"

// DefaultSource is the public OSV bucket; each ecosystem's archive is at
// <source>/<Ecosystem>/all.zip.
const DefaultSource = "https://osv-vulnerabilities.storage.googleapis.com"

// CacheDir returns Warden's cache directory: $WARDEN_CACHE_DIR, else
// os.UserCacheDir()/warden.
func CacheDir() (string, error) {
	if d := os.Getenv(CacheEnv); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find the user cache directory (set %s): %w", CacheEnv, err)
	}
	return filepath.Join(d, "warden"), nil
}

// DBDir is where the OSV database lives inside a cache directory.
func DBDir(cacheDir string) string { return filepath.Join(cacheDir, "osv") }

// Meta describes one ecosystem's database: what it was built from and when.
type Meta struct {
	Ecosystem string    `json:"ecosystem"`
	Source    string    `json:"source"` // URL or local path
	Updated   time.Time `json:"updated"`
	Records   int       `json:"records"`   // indexed records
	Withdrawn int       `json:"withdrawn"` // left out because withdrawn
	Packages  int       `json:"packages"`  // distinct package names
	// Invalid counts archive entries that were not OSV JSON; they are
	// skipped, and a non-zero count is shown by `warden db status`.
	Invalid   int    `json:"invalid,omitempty"`
	ZipSHA256 string `json:"zip_sha256,omitempty"`
	Format    int    `json:"format"`
}

// formatVersion is written into Meta; Open refuses other values.
const formatVersion = 1

// DB is an opened database: one mapped index per ecosystem found.
type DB struct {
	dir   string
	ecos  map[string]*index
	metas map[string]Meta
	// Problems lists ecosystems that are present but could not be opened.
	Problems []string
}

// Open opens the database of a cache directory. It never fails: a missing
// or damaged database gives a DB without those ecosystems, so that a scan
// still runs every other analyzer and says what is missing.
func Open(cacheDir string) *DB {
	db := &DB{dir: DBDir(cacheDir), ecos: map[string]*index{}, metas: map[string]Meta{}}
	for _, eco := range Ecosystems {
		dir := filepath.Join(db.dir, eco)
		recoverSwap(db.dir, eco)
		m, err := readMeta(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err == nil && m.Format != formatVersion {
			err = errBadIndex
		}
		var ix *index
		if err == nil {
			ix, err = openIndex(dir)
		}
		if err != nil {
			db.Problems = append(db.Problems, fmt.Sprintf("%s: %v", eco, err))
			continue
		}
		db.ecos[eco] = ix
		db.metas[eco] = m
	}
	return db
}

func readMeta(dir string) (Meta, error) {
	var m Meta
	data, err := os.ReadFile(filepath.Join(dir, metaFile))
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("read %s: %w", filepath.Join(dir, metaFile), err)
	}
	return m, nil
}

// Dir returns the database directory.
func (db *DB) Dir() string { return db.dir }

// Close unmaps the indexes.
func (db *DB) Close() error {
	var errs []error
	for _, ix := range db.ecos {
		errs = append(errs, ix.close())
	}
	db.ecos = map[string]*index{}
	return errors.Join(errs...)
}

// Has reports whether the ecosystem's database is present.
func (db *DB) Has(eco string) bool { return db != nil && db.ecos[eco] != nil }

// Empty reports whether no ecosystem is present at all.
func (db *DB) Empty() bool { return db == nil || len(db.ecos) == 0 }

// Metas returns the metadata of the present ecosystems, sorted.
func (db *DB) Metas() []Meta {
	var out []Meta
	for _, m := range db.metas {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ecosystem < out[j].Ecosystem })
	return out
}

// Lookup returns every record filed under the package name.
func (db *DB) Lookup(eco, name string) ([]*Record, error) {
	if db == nil {
		return nil, nil
	}
	ix := db.ecos[eco]
	if ix == nil {
		return nil, nil
	}
	raws, err := ix.lookup(NormalizeName(eco, name))
	if err != nil {
		return nil, fmt.Errorf("look up %s %s: %w", eco, name, err)
	}
	out := make([]*Record, 0, len(raws))
	for _, raw := range raws {
		r, err := ParseRecord(raw)
		if err != nil {
			return nil, fmt.Errorf("look up %s %s: %w", eco, name, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// Match is one record that affects a package version.
type Match struct {
	Record *Record
	Fixed  string
}

// Match returns the records that affect this version of the package.
func (db *DB) Match(eco, name, version string) ([]Match, error) {
	recs, err := db.Lookup(eco, name)
	if err != nil || len(recs) == 0 {
		return nil, err
	}
	v, verr := ParseVersion(eco, version)
	want := NormalizeName(eco, name)
	var out []Match
	for _, r := range recs {
		if ok, fixed := r.affects(eco, want, version, v, verr); ok {
			out = append(out, Match{Record: r, Fixed: fixed})
		}
	}
	return out, nil
}

// recoverSwap puts the previous database back when an update stopped
// between its two renames (the old directory moved aside, the new one not
// yet in place).
func recoverSwap(dbDir, eco string) {
	final := filepath.Join(dbDir, eco)
	if _, err := os.Stat(final); !errors.Is(err, fs.ErrNotExist) {
		return
	}
	old := filepath.Join(dbDir, ".old-"+eco)
	if _, err := os.Stat(filepath.Join(old, metaFile)); err == nil {
		os.Rename(old, final)
	}
}
