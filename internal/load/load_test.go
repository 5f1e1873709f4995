package load

import (
	"fmt"
	"io/fs"
	"testing"

	"github.com/wardensec/warden/internal/source"
)

// TestReadCode checks the codes every loader gives read failures, wrapped
// as the root wraps them.
func TestReadCode(t *testing.T) {
	for err, want := range map[error]string{
		fmt.Errorf("../x.yaml: %w", source.ErrOutsideRoot): "outside-root",
		fmt.Errorf("big.yaml: %w", source.ErrTooLarge):     "too-large",
		fmt.Errorf("open gone.yaml: %w", fs.ErrNotExist):   "read",
	} {
		if got := ReadCode(err); got != want {
			t.Errorf("ReadCode(%v) = %q, want %q", err, got, want)
		}
	}
}
