//go:build !cgo

package python

import (
	"fmt"

	"github.com/wardensec/warden/internal/code/ir"
)

// Parse needs tree-sitter, which is C; this build has no cgo.
func Parse(path string, src []byte) (*ir.Module, error) {
	return nil, fmt.Errorf("parse %s: %w", path, ir.ErrNoCgo)
}
