//go:build !cgo

package javascript

import (
	"fmt"

	"github.com/wardensec/warden/internal/code/ir"
)

// Parse needs tree-sitter, which is C; this build has no cgo.
func Parse(path string, src []byte, typescript bool) (*ir.Module, error) {
	return nil, fmt.Errorf("parse %s: %w", path, ir.ErrNoCgo)
}
