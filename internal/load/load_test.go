package load

import (
	"fmt"
	"io/fs"
	"testing"

	"github.com/wardensec/warden/internal/model"
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

// TestDiagOnce checks that a diagnostic repeats only at another position
// or with another message.
func TestDiagOnce(t *testing.T) {
	var out []model.Diagnostic
	once := DiagOnce{}
	a := model.Pos{File: "t.yaml", Line: 3}
	b := model.Pos{File: "t.yaml", Line: 4}
	for _, d := range []model.Diagnostic{
		Diag(a, model.DiagWarning, "x", "m"), Diag(a, model.DiagWarning, "x", "m"),
		Diag(b, model.DiagWarning, "x", "m"), Diag(a, model.DiagWarning, "x", "n"),
	} {
		once.Add(&out, d)
	}
	if len(out) != 3 {
		t.Errorf("kept %d diagnostics, want 3: %v", len(out), out)
	}
}
