//go:build cgo

package code

import (
	"strings"
	"testing"
	"time"

	"github.com/wardensec/warden/internal/source"
)

// Deeply nested loops must not cost 2^depth.
func TestNestedLoopsStayCheap(t *testing.T) {
	var b strings.Builder
	b.WriteString("import os\ndef handler(event, context):\n    x = event['body']\n")
	ind := "    "
	for i := 0; i < 40; i++ {
		b.WriteString(ind + "for i" + strings.Repeat("x", i) + " in range(3):\n")
		ind += " "
	}
	b.WriteString(ind + "os.system(x)\n")
	root, err := source.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	facts := analyzeSource(t, root, "h.py", "python", []byte(b.String()))
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("40 nested loops took %v", d)
	}
	if facts == nil || len(facts.Flows) != 1 {
		t.Errorf("flow through nested loops not found: %+v", facts)
	}
}
