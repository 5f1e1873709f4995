package rules

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/analysis/analysistest"
	"github.com/wardensec/warden/internal/load/all"
)

// Code rules read what code analysis put into the model; TestMain
// (main_test.go) makes every fixture load run it, as `warden scan` does.

// The severity of an injection follows the most exposed trigger through
// which its source is attacker-controlled, and every finding carries the
// path from source to sink.
func TestInjectionSeverityAndFlows(t *testing.T) {
	cfg := analysis.Config{Settings: analysis.DefaultSettings()}
	run := func(dir, id string) []analysis.Finding {
		return analysistest.Run(t, filepath.Join("testdata", id, dir), ByID(id), analysistest.Options{Loaders: all.Loaders(), Config: cfg})
	}
	want := map[string]analysis.Severity{"Public": analysis.Critical, "Uploads": analysis.Medium, "Jobs": analysis.Medium, "Nightly": analysis.Low}
	seen := map[string]bool{}
	for _, f := range run("sam-python", "WAR-INJ-001") {
		name := f.FunctionID[strings.LastIndex(f.FunctionID, "#")+1:]
		if w, ok := want[name]; ok && f.Severity != w {
			t.Errorf("%s: %s severity %s, want %s", f.Pos, name, f.Severity, w)
		}
		seen[name] = true
		if len(f.CodeFlows) != 1 || len(f.CodeFlows[0]) < 2 {
			t.Fatalf("%s: code flow %+v", f.Pos, f.CodeFlows)
		}
		flow := f.CodeFlows[0]
		if !strings.HasPrefix(flow[0].Message, "source: event") || !strings.HasPrefix(flow[len(flow)-1].Message, "sink: ") {
			t.Errorf("%s: flow runs %q .. %q", f.Pos, flow[0].Message, flow[len(flow)-1].Message)
		}
		if flow[len(flow)-1].Pos != f.Pos {
			t.Errorf("%s: flow ends at %s, not at the finding", f.Pos, flow[len(flow)-1].Pos)
		}
		if len(f.Related) < 2 || !strings.HasPrefix(f.Related[1].Message, "trigger: ") || f.Related[1].Pos.File != "template.yaml" {
			t.Errorf("%s: related %+v, want the source and the trigger", f.Pos, f.Related)
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("no finding for %s", name)
		}
	}
	// IAM-authorized route: high.
	for _, f := range run("serverless-node", "WAR-INJ-001") {
		if strings.HasSuffix(f.FunctionID, "api") && f.Severity != analysis.High {
			t.Errorf("%s: authenticated route severity %s, want high", f.Pos, f.Severity)
		}
	}
	// Cross-file flow: the path goes through the helper module's parameter.
	for _, f := range run("sam-python", "WAR-INJ-001") {
		if f.Pos.File != "src/lib/shell.py" || f.Pos.Line != 9 {
			continue
		}
		var files []string
		for _, s := range f.CodeFlows[0] {
			files = append(files, s.Pos.File)
		}
		if files[0] != "src/app.py" || !slices.Contains(files, "src/lib/shell.py") {
			t.Errorf("cross-file flow through %v", files)
		}
	}
	// Error disclosure: medium on a public route.
	for _, f := range run("sam-python", "WAR-ERR-001") {
		if f.Severity != analysis.Medium {
			t.Errorf("%s: public error disclosure severity %s, want medium", f.Pos, f.Severity)
		}
	}
}
