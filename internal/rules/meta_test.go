package rules

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/load/all"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/scan"
	"github.com/wardensec/warden/internal/source"
)

// TestSuppressionFixtures covers WAR-META-001, which the driver reports
// while it applies inline suppressions rather than from a Run function, so
// TestRules cannot run it. Each case in testdata/WAR-META-001/<case>/ is
// scanned with the whole catalogue and the file lines, as `warden scan`
// does. A `warden:ignore` comment takes the rest of its line as the reason,
// so expectations live in sidecar files (template.yaml.want: `LINE
// "regexp"`). Every WAR-META-001 finding must be expected and every
// expectation met, and every warden:ignore line must suppress a finding.
func TestSuppressionFixtures(t *testing.T) {
	dir := filepath.Join("testdata", analysis.MetaSuppressionWithoutReason)
	cases, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if !c.IsDir() {
			continue
		}
		caseDir := filepath.Join(dir, c.Name())
		t.Run(c.Name(), func(t *testing.T) {
			root, err := source.Open(caseDir)
			if err != nil {
				t.Fatal(err)
			}
			defer root.Close()
			app, err := scan.Load(context.Background(), root, scan.Options{Loaders: all.Loaders(), Load: load.Options{}})
			if err != nil {
				t.Fatal(err)
			}
			parsed := 0
			for _, f := range app.Files {
				if f.Parsed {
					parsed++
				}
			}
			if parsed == 0 {
				t.Fatalf("no template was loaded from %s", caseDir)
			}
			for _, d := range app.Diagnostics {
				if d.Level == model.DiagError {
					t.Errorf("fixture problem: %s: %s", d.Pos, d.Message)
				}
			}
			lines := func(file string) ([]string, bool) {
				data, err := root.ReadFile(filepath.ToSlash(file))
				if err != nil {
					return nil, false
				}
				return strings.Split(string(data), "\n"), true
			}
			findings := analysis.Run(context.Background(), app, All(), analysis.Config{Settings: analysis.DefaultSettings()}, lines, nil)

			wants, ignores := readSuppressionCase(t, caseDir)
			suppressedAt := map[string]bool{}
			for _, f := range findings {
				if f.Suppressed != nil && f.Suppressed.Kind == "inline" {
					suppressedAt[f.Suppressed.Pos.File+":"+strconv.Itoa(f.Suppressed.Pos.Line)] = true
				}
				if f.RuleID != analysis.MetaSuppressionWithoutReason {
					continue
				}
				k := f.Pos.File + ":" + strconv.Itoa(f.Pos.Line)
				matched := false
				for _, w := range wants[k] {
					if !w.met && w.re.MatchString(f.RuleID+" "+f.Message) {
						w.met, matched = true, true
						break
					}
				}
				if !matched {
					t.Errorf("%s: unexpected finding: %s %s", f.Pos, f.RuleID, f.Message)
				}
			}
			for k, ws := range wants {
				for _, w := range ws {
					if !w.met {
						t.Errorf("%s: no finding matched %q", k, w.re)
					}
				}
			}
			for _, k := range ignores {
				if !suppressedAt[k] {
					t.Errorf("%s: warden:ignore suppresses no finding", k)
				}
			}
		})
	}
}

type suppressionWant struct {
	re  *regexp.Regexp
	met bool
}

var ignoreLineRE = regexp.MustCompile(`(?:#|//)\s*warden:ignore\s`)

// readSuppressionCase reads the sidecar expectations and the positions of
// warden:ignore comments of a case, keyed "file:line".
func readSuppressionCase(t *testing.T, dir string) (map[string][]*suppressionWant, []string) {
	t.Helper()
	wants := map[string][]*suppressionWant{}
	var ignores []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !strings.HasSuffix(rel, ".want") {
			for i, l := range strings.Split(string(data), "\n") {
				if ignoreLineRE.MatchString(l) {
					ignores = append(ignores, rel+":"+strconv.Itoa(i+1))
				}
			}
			return nil
		}
		target := strings.TrimSuffix(rel, ".want")
		for i, l := range strings.Split(string(data), "\n") {
			l = strings.TrimSpace(l)
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			num, rest, _ := strings.Cut(l, " ")
			if _, err := strconv.Atoi(num); err != nil {
				t.Fatalf("%s:%d: want line must start with a line number", p, i+1)
			}
			for _, q := range regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`).FindAllStringSubmatch(rest, -1) {
				wants[target+":"+num] = append(wants[target+":"+num], &suppressionWant{re: regexp.MustCompile(q[1])})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return wants, ignores
}
