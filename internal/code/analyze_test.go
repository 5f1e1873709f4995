package code

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/code/ir"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// A file that does not parse is an info diagnostic; the scan goes on and the
// rest of the file is still analysed. Without cgo, one warning says why
// nothing was analysed.
func TestAnalyzeParseErrorsAreDiagnostics(t *testing.T) {
	dir := t.TempDir()
	src := "import os\n\ndef handler(event, context):\n    os.system(event['body'])\n\ndef broken(:\n    pass\n"
	if err := os.WriteFile(filepath.Join(dir, "app.py"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := source.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	app := &model.App{Functions: []*model.Function{{ID: "f", Name: "f", Provider: model.AWS,
		Runtime: model.Str("python3.12", model.Pos{}), Handler: model.Str("app.handler", model.Pos{}),
		Pos: model.Pos{File: "template.yaml", Line: 1}, Triggers: []*model.Trigger{{Kind: model.TriggerHTTP}}}}}
	Analyze(context.Background(), root, app)
	if _, err := ParseFile("x.py", []byte("x = 1\n")); errors.Is(err, ir.ErrNoCgo) {
		if len(app.Diagnostics) != 1 || app.Diagnostics[0].Level != model.DiagWarning || !strings.Contains(app.Diagnostics[0].Message, "cgo") {
			t.Fatalf("no-cgo build: diagnostics %+v", app.Diagnostics)
		}
		return
	}
	var parse []model.Diagnostic
	for _, d := range app.Diagnostics {
		if d.Code == "parse" {
			parse = append(parse, d)
		}
		if d.Level != model.DiagInfo {
			t.Errorf("diagnostic above info: %+v", d)
		}
	}
	if len(parse) == 0 || parse[0].Pos.File != "app.py" || parse[0].Pos.Line != 6 {
		t.Errorf("parse diagnostics %+v, want one at app.py:6", parse)
	}
	f := app.Functions[0]
	if f.Code == nil || len(f.Code.Flows) != 1 || f.Code.Flows[0].Class != ClassCommand {
		t.Fatalf("the valid handler was not analysed: %+v", f.Code)
	}
	if strings.Join(f.Code.Sources, ",") != "event.body" || strings.Join(f.Code.Sinks, ",") != "command:os.system" ||
		strings.Join(f.Code.Imports, ",") != "os" || f.Code.Language != "python" || f.Code.Entry.Line != 3 {
		t.Errorf("facts %+v", f.Code)
	}
}
