// Package source gives loaders read access to the scanned repository and to
// nothing else. Scanned repositories are untrusted: a template may ask for
// ${file(../../etc/passwd)}, a symlink may point at /, a file may be 2 GB of
// zeros. Every read goes through Root, which refuses all of these with an
// error that names the file.
package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// DefaultMaxFileSize bounds any single file a loader reads. Real templates
// are far below it; anything larger is generated output or an attack.
const DefaultMaxFileSize = 8 << 20

// Errors a read can fail with; loaders turn them into diagnostics.
var (
	ErrOutsideRoot = errors.New("path is outside the scanned root")
	ErrTooLarge    = errors.New("file is too large")
	ErrBinary      = errors.New("file is binary")
	ErrNotRegular  = errors.New("not a regular file")
)

// Root is a directory that reads cannot escape, built on os.Root, which also
// refuses symlinks that lead outside it.
type Root struct {
	dir         string
	root        *os.Root
	MaxFileSize int64
}

// Open opens dir as a Root.
func Open(dir string) (*Root, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	r, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	return &Root{dir: abs, root: r, MaxFileSize: DefaultMaxFileSize}, nil
}

// Dir returns the absolute path of the root.
func (r *Root) Dir() string { return r.dir }

// Close releases the root.
func (r *Root) Close() error { return r.root.Close() }

// FS returns the root as an fs.FS for walking.
func (r *Root) FS() fs.FS { return r.root.FS() }

// Clean turns a slash-separated path relative to the root into its canonical
// form, or fails with ErrOutsideRoot when it climbs out. It is purely
// lexical; symlinks are checked by os.Root at open time.
func Clean(rel string) (string, error) {
	rel = filepath.ToSlash(rel)
	if path.IsAbs(rel) || filepath.IsAbs(rel) || strings.HasPrefix(rel, "~") {
		return "", fmt.Errorf("%s: %w", rel, ErrOutsideRoot)
	}
	c := path.Clean(rel)
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("%s: %w", rel, ErrOutsideRoot)
	}
	return c, nil
}

// Join resolves ref relative to the directory of the file at from (both
// relative to the root), refusing results outside the root. It is how
// loaders follow ${file(./x.yml)}, module sources and CodeUri.
func Join(from, ref string) (string, error) {
	ref = filepath.ToSlash(ref)
	if path.IsAbs(ref) || filepath.IsAbs(ref) || strings.HasPrefix(ref, "~") {
		return "", fmt.Errorf("%s: %w", ref, ErrOutsideRoot)
	}
	return Clean(path.Join(path.Dir(from), ref))
}

// ReadFile reads a regular text file inside the root. It refuses paths
// outside the root (also through symlinks), non-regular files (FIFOs would
// block the scan forever), files over MaxFileSize, and binary files.
func (r *Root) ReadFile(rel string) ([]byte, error) {
	c, err := Clean(rel)
	if err != nil {
		return nil, err
	}
	f, err := r.root.Open(filepath.FromSlash(c))
	if err != nil {
		if strings.Contains(err.Error(), "escapes from parent") || strings.Contains(err.Error(), "path escapes") {
			return nil, fmt.Errorf("%s: %w", rel, ErrOutsideRoot)
		}
		return nil, fmt.Errorf("%s: %w", rel, unwrapPathErr(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rel, unwrapPathErr(err))
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w", rel, ErrNotRegular)
	}
	max := r.MaxFileSize
	if max <= 0 {
		max = DefaultMaxFileSize
	}
	if st.Size() > max {
		return nil, fmt.Errorf("%s: %w (%d bytes, limit %d)", rel, ErrTooLarge, st.Size(), max)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: %w (limit %d)", rel, ErrTooLarge, max)
	}
	if IsBinary(data) {
		return nil, fmt.Errorf("%s: %w", rel, ErrBinary)
	}
	return data, nil
}

// Stat returns file info for a path inside the root, without following a
// final symlink that escapes.
func (r *Root) Stat(rel string) (fs.FileInfo, error) {
	c, err := Clean(rel)
	if err != nil {
		return nil, err
	}
	return r.root.Stat(filepath.FromSlash(c))
}

// IsBinary reports whether data looks like a binary file: a NUL byte in the
// first 8 KiB, the same heuristic git uses.
func IsBinary(data []byte) bool {
	head := data
	if len(head) > 8192 {
		head = head[:8192]
	}
	return bytes.IndexByte(head, 0) >= 0
}

// unwrapPathErr drops the *PathError wrapper, whose message repeats the
// absolute path; callers prefix the relative one instead.
func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
