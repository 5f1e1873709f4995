//go:build cgo

package code_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/code"
	"github.com/wardensec/warden/internal/load/all"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/report"
	"github.com/wardensec/warden/internal/rules"
	"github.com/wardensec/warden/internal/scan"
	"github.com/wardensec/warden/internal/source"
)

// scanDir loads a project, runs code analysis and every rule, as `warden
// scan` does once code.Analyze is wired in after loading.
func scanDir(t *testing.T, dir string) (*model.App, []analysis.Finding, *source.Root) {
	t.Helper()
	root, err := source.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	app, err := scan.Load(context.Background(), root, scan.Options{Loaders: all.Loaders()})
	if err != nil {
		t.Fatal(err)
	}
	code.Analyze(context.Background(), root, app)
	findings := analysis.Run(context.Background(), app, rules.All(), analysis.Config{Settings: analysis.DefaultSettings()}, nil, nil)
	return app, findings, root
}

// The sample app reports each planted flaw, with its source-to-sink path in
// SARIF codeFlows.
func TestVulnerableCodeSample(t *testing.T) {
	dir := filepath.Join("..", "..", "examples", "vulnerable-code")
	app, findings, _ := scanDir(t, dir)
	want := map[string]string{
		"WAR-INJ-003 orders/app.py:25":       "critical",
		"WAR-INJ-003 orders/app.py:28":       "critical",
		"WAR-ERR-001 orders/app.py:33":       "medium",
		"WAR-INJ-001 orders/app.py:39":       "critical",
		"WAR-INJ-005 orders/app.py:41":       "critical",
		"WAR-INJ-007 orders/reports.py:7":    "critical",
		"WAR-INJ-004 thumbnails/index.js:15": "medium",
		"WAR-INJ-001 thumbnails/index.js:17": "medium",
		"WAR-INJ-006 jobs/worker.js:12":      "medium",
		"WAR-INJ-003 jobs/worker.js:15":      "medium",
		"WAR-INJ-002 jobs/rules.js:4":        "medium",
	}
	got := map[string]string{}
	for _, f := range findings {
		if strings.HasPrefix(f.RuleID, "WAR-INJ-") || strings.HasPrefix(f.RuleID, "WAR-ERR-") {
			got[fmt.Sprintf("%s %s:%d", f.RuleID, f.Pos.File, f.Pos.Line)] = f.Severity.String()
		}
	}
	for k, sev := range want {
		if got[k] == "" {
			t.Errorf("missing %s", k)
		} else if got[k] != sev {
			t.Errorf("%s: severity %s, want %s", k, got[k], sev)
		}
	}
	for k := range got {
		if want[k] == "" {
			t.Errorf("unexpected %s", k)
		}
	}
	for _, f := range app.Functions {
		if f.Code == nil || len(f.Code.Sources) == 0 || len(f.Code.Sinks) == 0 {
			t.Errorf("%s: code facts %+v", f.Name, f.Code)
		}
	}

	var buf bytes.Buffer
	rep := &report.Report{Tool: "warden", Version: "test", Root: dir, App: app, Findings: findings, Rules: rules.All()}
	if err := report.Write(&buf, "sarif", rep); err != nil {
		t.Fatal(err)
	}
	var sarif struct {
		Runs []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				CodeFlows []struct {
					ThreadFlows []struct {
						Locations []struct {
							Location struct {
								PhysicalLocation struct {
									ArtifactLocation struct {
										URI string `json:"uri"`
									} `json:"artifactLocation"`
								} `json:"physicalLocation"`
							} `json:"location"`
						} `json:"locations"`
					} `json:"threadFlows"`
				} `json:"codeFlows"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &sarif); err != nil {
		t.Fatal(err)
	}
	flows := 0
	for _, r := range sarif.Runs[0].Results {
		if !strings.HasPrefix(r.RuleID, "WAR-INJ-") {
			continue
		}
		if len(r.CodeFlows) != 1 || len(r.CodeFlows[0].ThreadFlows[0].Locations) < 2 {
			t.Errorf("%s: SARIF result without a source-to-sink code flow", r.RuleID)
			continue
		}
		flows++
		if r.RuleID == "WAR-INJ-007" {
			var files []string
			for _, l := range r.CodeFlows[0].ThreadFlows[0].Locations {
				files = append(files, l.Location.PhysicalLocation.ArtifactLocation.URI)
			}
			if !strings.HasSuffix(files[0], "orders/app.py") || !strings.HasSuffix(files[len(files)-1], "orders/reports.py") {
				t.Errorf("cross-file flow runs through %v", files)
			}
		}
	}
	if flows != 10 {
		t.Errorf("%d injection results with code flows in SARIF, want 10", flows)
	}
}

// The other bundled samples: the secure twin and the dependency sample must
// stay clean; the IaC sample's code has exactly its planted flaws (an
// exception text returned by the API and not logged, an SQS body in
// os.system).
func TestOtherSamplesCodeFindings(t *testing.T) {
	want := map[string][]string{
		"secure":          nil,
		"vulnerable-deps": nil,
		"vulnerable": {
			"WAR-ERR-001 sam/src/app.py:15", "WAR-ERR-001 serverless/src/app.py:15",
			"WAR-ERR-002 sam/src/app.py:14", "WAR-ERR-002 serverless/src/app.py:14",
			"WAR-INJ-001 sam/src/app.py:24", "WAR-INJ-001 serverless/src/app.py:24",
		},
	}
	for d, w := range want {
		_, findings, _ := scanDir(t, filepath.Join("..", "..", "examples", d))
		var got []string
		for _, f := range findings {
			if strings.HasPrefix(f.RuleID, "WAR-INJ-") || strings.HasPrefix(f.RuleID, "WAR-ERR-") {
				got = append(got, fmt.Sprintf("%s %s:%d", f.RuleID, f.Pos.File, f.Pos.Line))
			}
		}
		sort.Strings(got)
		if strings.Join(got, "\n") != strings.Join(w, "\n") {
			t.Errorf("examples/%s: code findings\n%s\nwant\n%s", d, strings.Join(got, "\n"), strings.Join(w, "\n"))
		}
	}
}
