package vulndb

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// UpdateOptions configure a download.
type UpdateOptions struct {
	// Source is the base URL; each ecosystem is fetched from
	// <Source>/<Ecosystem>/all.zip. Default DefaultSource.
	Source string
	// Ecosystems to update; default all of Ecosystems.
	Ecosystems []string
	Client     *http.Client
	// Progress, when set, is called as bytes arrive; total is -1 when the
	// server does not say.
	Progress func(eco string, done, total int64)
	Now      func() time.Time
}

// Update downloads, verifies, indexes and installs each ecosystem's archive
// into cacheDir. Ecosystems are independent: one that fails keeps its
// previous database and the others are still updated; the error lists
// every failure.
func Update(ctx context.Context, cacheDir string, opts UpdateOptions) ([]Meta, error) {
	src := strings.TrimRight(opts.Source, "/")
	if src == "" {
		src = DefaultSource
	}
	ecos := opts.Ecosystems
	if len(ecos) == 0 {
		ecos = Ecosystems
	}
	client := opts.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Minute}
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	var metas []Meta
	var errs []error
	for _, e := range ecos {
		eco := SupportedEcosystem(e)
		if eco == "" {
			errs = append(errs, fmt.Errorf("ecosystem %q is not supported (want %s)", e, strings.Join(Ecosystems, ", ")))
			continue
		}
		m, err := updateOne(ctx, cacheDir, src, eco, client, opts.Progress, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("update %s: %w", eco, err))
			continue
		}
		metas = append(metas, m...)
	}
	return metas, errors.Join(errs...)
}

func updateOne(ctx context.Context, cacheDir, src, eco string, client *http.Client, progress func(string, int64, int64), now func() time.Time) ([]Meta, error) {
	s, err := newSession(DBDir(cacheDir), eco)
	if err != nil {
		return nil, err
	}
	defer s.cleanup()
	dir, err := s.tmpDir(eco)
	if err != nil {
		return nil, err
	}
	url := src + "/" + eco + "/all.zip"
	zpath := filepath.Join(dir, zipFile)
	sum, err := download(ctx, client, url, zpath, func(done, total int64) {
		if progress != nil {
			progress(eco, done, total)
		}
	})
	if err != nil {
		return nil, err
	}
	s.zipSum[eco] = sum
	zr, err := zip.OpenReader(zpath)
	if err != nil {
		return nil, fmt.Errorf("%s: not a valid zip archive: %w", url, err)
	}
	defer zr.Close()
	if err := s.addZip(ctx, &zr.Reader, url); err != nil {
		return nil, err
	}
	return s.commit(url, now(), []string{eco})
}

// download writes url to path and returns the file's SHA-256.
func download(ctx context.Context, client *http.Client, url, path string, progress func(done, total int64)) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", fmt.Errorf("download %s: %w", url, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("download %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("download %s: %s", url, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return "", fmt.Errorf("download %s: %w", url, err)
	}
	h := sha256.New()
	pw := &progressWriter{total: resp.ContentLength, fn: progress}
	n, err := io.Copy(io.MultiWriter(f, h, pw), resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("download %s: %w", url, err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return "", fmt.Errorf("download %s: got %d of %d bytes", url, n, resp.ContentLength)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

type progressWriter struct {
	done, total int64
	fn          func(done, total int64)
}

func (p *progressWriter) Write(b []byte) (int, error) {
	p.done += int64(len(b))
	if p.fn != nil {
		p.fn(p.done, p.total)
	}
	return len(b), nil
}
