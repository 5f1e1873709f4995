package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/model"
)

// A file whose only "problem" is deploy-time values must say what they are,
// so that a Terraform file full of ARNs does not read as a failure.
func TestUnresolvedCountIsExplained(t *testing.T) {
	app := &model.App{
		Files:     []*model.File{{Path: "main.tf", Kind: "terraform", Parsed: true, Unresolved: 3}},
		Functions: []*model.Function{{ID: "main.tf#f", Name: "f", Pos: model.Pos{File: "main.tf", Line: 1}}},
	}
	var buf bytes.Buffer
	if err := WriteText(&buf, &Report{Tool: "warden", App: app}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "main.tf: 3 unresolved values\n    values known only after deployment") {
		t.Errorf("unresolved count not explained:\n%s", buf.String())
	}
}
