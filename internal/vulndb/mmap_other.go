//go:build !unix

package vulndb

import "os"

// mapFile reads the file where memory mapping is not wired up; the index is
// compact (a few bytes per package name), so this stays cheap.
func mapFile(path string) ([]byte, func() error, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	return b, func() error { return nil }, nil
}
