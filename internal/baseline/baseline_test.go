package baseline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/model"
)

// issue is what the test rule reports: a subject at a line.
type issue struct {
	subject string
	line    int
}

// scan runs one rule through the real driver, so the fingerprints are the
// ones users get.
func scan(baseline map[string]bool, issues ...issue) []analysis.Finding {
	rule := &analysis.Rule{ID: "WAR-TEST-001", Title: "Test", SAS: "SAS-3", Severity: analysis.High,
		Run: func(p *analysis.Pass) {
			for _, is := range issues {
				p.Report(analysis.Finding{Message: "bucket " + is.subject + " is public", Subject: is.subject,
					Pos: model.Pos{File: "template.yaml", Line: is.line, Col: 5}})
			}
		}}
	return analysis.Run(context.Background(), &model.App{}, []*analysis.Rule{rule}, analysis.Config{}, nil, baseline)
}

func roundTrip(t *testing.T, fs []analysis.Finding) map[string]bool {
	t.Helper()
	path := filepath.Join(t.TempDir(), "baseline.json")
	if err := WriteFile(path, "warden 0.1.0", fs); err != nil {
		t.Fatal(err)
	}
	set, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestMovedFindingStaysBaselined(t *testing.T) {
	set := roundTrip(t, scan(nil, issue{"Logs", 10}))
	if len(set) != 1 {
		t.Fatalf("baseline has %d entries, want 1", len(set))
	}
	// Someone added 30 lines above the bucket, and a new public bucket.
	got := scan(set, issue{"Logs", 40}, issue{"Uploads", 55})
	if len(got) != 2 {
		t.Fatalf("got %d findings", len(got))
	}
	moved, added := got[0], got[1]
	if moved.Pos.Line != 40 || moved.Suppressed == nil || moved.Suppressed.Kind != "baseline" {
		t.Errorf("moved finding not baselined: %+v", moved)
	}
	if added.Suppressed != nil {
		t.Errorf("new finding was baselined: %+v", added)
	}
}

func TestBuildKeepsBaselinedDropsInline(t *testing.T) {
	fs := scan(nil, issue{"A", 1}, issue{"B", 2}, issue{"C", 3})
	fs[1].Suppressed = &analysis.Suppression{Kind: "baseline"}
	fs[2].Suppressed = &analysis.Suppression{Kind: "inline", Reason: "public website"}
	b := Build("warden test", fs)
	var subjects []string
	for _, e := range b.Findings {
		subjects = append(subjects, strings.Fields(e.Message)[1])
	}
	if !reflect.DeepEqual(subjects, []string{"A", "B"}) {
		t.Errorf("baseline holds %v, want [A B]: re-baselining must keep accepted findings and leave inline ones to the source", subjects)
	}
}

func TestWriteIsSortedAndDeduplicated(t *testing.T) {
	fs := []analysis.Finding{
		{RuleID: "WAR-B", Pos: model.Pos{File: "b.yaml", Line: 1}, Message: "m", Fingerprint: "02"},
		{RuleID: "WAR-A", Pos: model.Pos{File: "b.yaml", Line: 9}, Message: "m", Fingerprint: "03"},
		{RuleID: "WAR-Z", Pos: model.Pos{File: "a.yaml", Line: 5}, Message: "m<&>", Fingerprint: "01"},
		{RuleID: "WAR-Z", Pos: model.Pos{File: "a.yaml", Line: 6}, Message: "m<&>", Fingerprint: "01"},
	}
	var buf bytes.Buffer
	if err := Write(&buf, "warden 0.1.0", fs); err != nil {
		t.Fatal(err)
	}
	want := `{
  "schema_version": "1.0.0",
  "generated_by": "warden 0.1.0",
  "findings": [
    {
      "fingerprint": "01",
      "rule_id": "WAR-Z",
      "file": "a.yaml",
      "message": "m<&>"
    },
    {
      "fingerprint": "03",
      "rule_id": "WAR-A",
      "file": "b.yaml",
      "message": "m"
    },
    {
      "fingerprint": "02",
      "rule_id": "WAR-B",
      "file": "b.yaml",
      "message": "m"
    }
  ]
}
`
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestEmptyBaselineIsAList(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, "w", nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"findings": []`) {
		t.Errorf("empty baseline: %s", buf.String())
	}
	set, err := Read(&buf)
	if err != nil || len(set) != 0 {
		t.Errorf("read empty: %v, %v", set, err)
	}
}

func TestReadRejects(t *testing.T) {
	for name, tc := range map[string]struct{ doc, want string }{
		"not json":       {"fingerprint,rule\n", "not a Warden baseline"},
		"no version":     {`{"findings":[]}`, "no schema_version"},
		"future major":   {`{"schema_version":"2.0.0","findings":[]}`, "schema_version 2.0.0 is not supported"},
		"no fingerprint": {`{"schema_version":"1.0.0","findings":[{"rule_id":"WAR-X","file":"a.yaml"}]}`, "finding 0 (WAR-X in a.yaml) has no fingerprint"},
		"wrong shape":    {`{"schema_version":"1.0.0","findings":{}}`, "not a Warden baseline"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
	// A newer minor version with extra fields is read.
	set, err := Read(strings.NewReader(`{"schema_version":"1.3.0","extra":1,"findings":[{"fingerprint":"ab","note":"x"}]}`))
	if err != nil || !set["ab"] {
		t.Errorf("1.3.0: %v, %v", set, err)
	}
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadFile(filepath.Join(dir, "missing.json")); err == nil || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: err = %v", err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad file error does not name the file: %v", err)
	}
}

func TestWriteFileReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "baseline.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, "w", scan(nil, issue{"A", 1})); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	var f File
	if err := json.Unmarshal(data, &f); err != nil || len(f.Findings) != 1 {
		t.Errorf("file = %s (%v)", data, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	if err := WriteFile(filepath.Join(dir, "no", "such", "dir.json"), "w", nil); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}
