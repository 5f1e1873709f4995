package vulndb

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Import installs OSV records from a local zip archive or directory: the
// offline path for machines that cannot reach the OSV bucket. A directory
// may use the offline layout (<dir>/<Ecosystem>/all.zip, as osv-scanner
// writes it) or simply hold OSV JSON files (and zips) at any depth.
// Records are filed under every supported ecosystem they affect.
func Import(ctx context.Context, cacheDir, path string, now time.Time) ([]Meta, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	s, err := newSession(DBDir(cacheDir), "")
	if err != nil {
		return nil, err
	}
	defer s.cleanup()
	if !st.IsDir() {
		if err := s.addZipFile(ctx, abs); err != nil {
			return nil, fmt.Errorf("import %s: %w", path, err)
		}
	} else {
		n := 0
		err := filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if d.IsDir() {
				if strings.HasPrefix(d.Name(), ".") && p != abs {
					return filepath.SkipDir
				}
				return nil
			}
			switch strings.ToLower(filepath.Ext(p)) {
			case ".zip":
				n++
				return s.addZipFile(ctx, p)
			case ".json":
				data, err := readLimited(p)
				if err != nil {
					return err
				}
				r, err := ParseRecord(data)
				if err != nil {
					return fmt.Errorf("%s: %w", p, err)
				}
				n++
				return s.add(r)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", path, err)
		}
		if n == 0 {
			return nil, fmt.Errorf("import %s: no OSV JSON files or zip archives found", path)
		}
	}
	if len(s.builders) == 0 {
		return nil, fmt.Errorf("import %s: no records for %s", path, strings.Join(Ecosystems, ", "))
	}
	return s.commit(abs, now, nil)
}

func (s *session) addZipFile(ctx context.Context, path string) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return fmt.Errorf("%s: not a valid zip archive: %w", path, err)
	}
	defer zr.Close()
	return s.addZip(ctx, &zr.Reader, path)
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxRecordSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > maxRecordSize {
		return nil, fmt.Errorf("%s: record larger than %d bytes", path, maxRecordSize)
	}
	return data, nil
}
