package vulndb

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// maxRecordSize bounds one OSV JSON file inside an archive. Real records
// are a few KB (the largest, with thousands of listed versions, are under
// 1 MB); anything bigger is a corrupt or hostile archive.
const maxRecordSize = 16 << 20

// session builds new ecosystem directories next to the live ones and swaps
// them in only when everything was read and verified, so that a failed or
// interrupted update never leaves a half-written database behind.
type session struct {
	dbDir    string
	only     string // when set, the one ecosystem this session builds
	builders map[string]*builder
	tmps     map[string]string
	invalid  map[string]int
	zipSum   map[string]string
	// other counts records of ecosystems Warden does not handle.
	other int
}

func newSession(dbDir, only string) (*session, error) {
	if err := os.MkdirAll(dbDir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dbDir, err)
	}
	return &session{dbDir: dbDir, only: only, builders: map[string]*builder{}, tmps: map[string]string{}, invalid: map[string]int{}, zipSum: map[string]string{}}, nil
}

func (s *session) tmpDir(eco string) (string, error) {
	if d, ok := s.tmps[eco]; ok {
		return d, nil
	}
	d, err := os.MkdirTemp(s.dbDir, ".new-"+eco+"-")
	if err != nil {
		return "", fmt.Errorf("create a temporary directory in %s: %w", s.dbDir, err)
	}
	s.tmps[eco] = d
	return d, nil
}

func (s *session) builder(eco string) (*builder, error) {
	if b := s.builders[eco]; b != nil {
		return b, nil
	}
	d, err := s.tmpDir(eco)
	if err != nil {
		return nil, err
	}
	b, err := newBuilder(eco, d)
	if err != nil {
		return nil, err
	}
	s.builders[eco] = b
	return b, nil
}

// add files r under every supported ecosystem it affects.
func (s *session) add(r *Record) error {
	ecos := map[string]bool{}
	for _, a := range r.Affected {
		if e := SupportedEcosystem(ecoBase(a.Package.Ecosystem)); e != "" && e == ecoBase(a.Package.Ecosystem) {
			if s.only == "" || s.only == e {
				ecos[e] = true
			}
		}
	}
	if len(ecos) == 0 {
		s.other++
		return nil
	}
	for e := range ecos {
		b, err := s.builder(e)
		if err != nil {
			return err
		}
		if err := b.add(r); err != nil {
			return err
		}
	}
	return nil
}

// addZip reads every .json entry of an archive. Reading an entry to its end
// checks its CRC-32, so a truncated or corrupted download fails here.
func (s *session) addZip(ctx context.Context, zr *zip.Reader, name string) error {
	n := 0
	for _, f := range zr.File {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if f.FileInfo().IsDir() || !strings.HasSuffix(strings.ToLower(f.Name), ".json") {
			continue
		}
		if f.UncompressedSize64 > maxRecordSize {
			return fmt.Errorf("%s: %s: record larger than %d bytes", name, f.Name, maxRecordSize)
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("%s: open %s: %w", name, f.Name, err)
		}
		data, err := io.ReadAll(io.LimitReader(rc, maxRecordSize+1))
		rc.Close()
		if err != nil {
			return fmt.Errorf("%s: read %s: %w", name, f.Name, err)
		}
		r, err := ParseRecord(data)
		if err != nil {
			return fmt.Errorf("%s: %s: %w", name, f.Name, err)
		}
		if err := s.add(r); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("%s: no OSV records in the archive", name)
	}
	return nil
}

// commit finishes every builder, writes the metadata and swaps each
// ecosystem directory in. wanted ecosystems that received no record still
// get an (empty) database, so that status shows they were updated.
func (s *session) commit(source string, now time.Time, wanted []string) ([]Meta, error) {
	for _, e := range wanted {
		if _, err := s.builder(e); err != nil {
			return nil, err
		}
	}
	ecos := make([]string, 0, len(s.builders))
	for e := range s.builders {
		ecos = append(ecos, e)
	}
	sort.Strings(ecos)
	var metas []Meta
	for _, e := range ecos {
		b := s.builders[e]
		if err := b.finish(); err != nil {
			return metas, fmt.Errorf("%s: %w", e, err)
		}
		m := Meta{Ecosystem: e, Source: source, Updated: now.UTC(), Records: b.records, Withdrawn: b.withdrawn,
			Packages: len(b.names), Invalid: s.invalid[e], ZipSHA256: s.zipSum[e], Format: formatVersion}
		data, err := json.MarshalIndent(m, "", "  ")
		if err != nil {
			return metas, fmt.Errorf("%s: encode metadata: %w", e, err)
		}
		if err := os.WriteFile(filepath.Join(b.dir, metaFile), append(data, '\n'), 0o644); err != nil {
			return metas, fmt.Errorf("%s: write metadata: %w", e, err)
		}
		if err := swap(s.dbDir, e, b.dir); err != nil {
			return metas, err
		}
		delete(s.tmps, e)
		metas = append(metas, m)
	}
	return metas, nil
}

// cleanup removes whatever was not swapped in.
func (s *session) cleanup() {
	for _, b := range s.builders {
		if b.f != nil {
			b.f.Close()
		}
	}
	for _, d := range s.tmps {
		os.RemoveAll(d)
	}
}

// swap replaces dbDir/eco with the fully written directory fresh. Two
// renames on one filesystem: a reader sees the old or the new database,
// never a mix, and a scan that has the old one mapped keeps reading it.
func swap(dbDir, eco, fresh string) error {
	final := filepath.Join(dbDir, eco)
	old := filepath.Join(dbDir, ".old-"+eco)
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("%s: remove %s: %w", eco, old, err)
	}
	hadOld := true
	if err := os.Rename(final, old); err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s: move the old database aside: %w", eco, err)
		}
		hadOld = false
	}
	if err := os.Rename(fresh, final); err != nil {
		if hadOld {
			os.Rename(old, final)
		}
		return fmt.Errorf("%s: install the new database: %w", eco, err)
	}
	os.RemoveAll(old)
	return nil
}
