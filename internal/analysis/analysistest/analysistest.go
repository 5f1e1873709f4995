// Package analysistest runs a rule over annotated fixture projects, the way
// golang.org/x/tools/go/analysis/analysistest does for Go analyzers. A line
// that must be flagged carries a comment with the expected rule ID (or a
// regexp over "RULE-ID message"):
//
//	Runtime: python3.7   # want "WAR-CFG-001"
//	runtime = "nodejs14.x" // want "WAR-CFG-001 .*nodejs14"
//
// JSON has no comments, so file.json takes its expectations from a sidecar
// file.json.want with lines of the form `LINE "regexp" ...`.
//
// Every expectation must be met by a finding on that line, and every finding
// must be expected: an unexpected finding is a false positive, and fails.
package analysistest

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/scan"
	"github.com/wardensec/warden/internal/source"
)

// Options adjust a run.
type Options struct {
	Loaders map[load.Kind]load.Loader
	Config  analysis.Config
	Vars    map[string]string
	// AllowErrors accepts loader error diagnostics (fixtures about broken input).
	AllowErrors bool
	// Enrich runs after loading and before the rule, for analyses that add
	// to the model the way `warden scan` does (code analysis). Nil means
	// DefaultEnrich.
	Enrich func(ctx context.Context, root *source.Root, app *model.App)
}

// DefaultEnrich is the Enrich used when Options leave it nil. A test
// package sets it once (in an init) when all its fixtures need the same
// enrichment, so harness callers it does not own need not change.
var DefaultEnrich func(ctx context.Context, root *source.Root, app *model.App)

var wantRE = regexp.MustCompile(`(?:#|//)\s*want\s+((?:"(?:[^"\\]|\\.)*"\s*)+)`)
var quotedRE = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)

type key struct {
	file string
	line int
}

type expectation struct {
	re  *regexp.Regexp
	raw string
	met bool
}

// Run loads dir as a project, runs rule over it and checks the findings
// against the fixtures' expectations. It returns the findings for extra
// assertions.
func Run(t testing.TB, dir string, rule *analysis.Rule, opts Options) []analysis.Finding {
	t.Helper()
	root, err := source.Open(dir)
	if err != nil {
		t.Fatalf("open fixture %s: %v", dir, err)
	}
	defer root.Close()
	app, err := scan.Load(context.Background(), root, scan.Options{Loaders: opts.Loaders, Load: load.Options{Vars: opts.Vars}})
	if err != nil {
		t.Fatalf("load fixture %s: %v", dir, err)
	}
	enrich := opts.Enrich
	if enrich == nil {
		enrich = DefaultEnrich
	}
	if enrich != nil {
		enrich(context.Background(), root, app)
	}
	if !opts.AllowErrors {
		for _, d := range app.Diagnostics {
			if d.Level == model.DiagError {
				t.Errorf("fixture problem: %s: %s", d.Pos, d.Message)
			}
		}
	}
	parsed := 0
	for _, f := range app.Files {
		if f.Parsed {
			parsed++
		}
	}
	if parsed == 0 {
		t.Fatalf("fixture %s: no template was loaded; the test would pass vacuously", dir)
	}
	rules := []*analysis.Rule{rule}
	cfg := opts.Config
	// The rule under test runs even when it is off by default.
	cfg.Enable = append(append([]string(nil), cfg.Enable...), rule.ID)
	findings := analysis.Run(context.Background(), app, rules, cfg, nil, nil)

	wants, err := readWants(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		k := key{f.Pos.File, f.Pos.Line}
		text := f.RuleID + " " + f.Message
		matched := false
		for _, e := range wants[k] {
			if !e.met && e.re.MatchString(text) {
				e.met, matched = true, true
				break
			}
		}
		if !matched {
			t.Errorf("%s: unexpected finding: %s", f.Pos, text)
		}
	}
	var keys []key
	for k := range wants {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].file != keys[j].file {
			return keys[i].file < keys[j].file
		}
		return keys[i].line < keys[j].line
	})
	for _, k := range keys {
		for _, e := range wants[k] {
			if !e.met && (strings.HasPrefix(e.raw, rule.ID) || !strings.HasPrefix(e.raw, "WAR-")) {
				t.Errorf("%s:%d: no finding matched %q", k.file, k.line, e.raw)
			}
		}
	}
	return findings
}

// readWants collects expectations from every file under dir. Expectations
// for other rules are kept but only this rule's must be met, so one fixture
// project can serve several rules.
func readWants(dir string) (map[key][]*expectation, error) {
	wants := map[key][]*expectation{}
	add := func(file string, line int, raws []string) error {
		for _, raw := range raws {
			re, err := regexp.Compile(raw)
			if err != nil {
				return fmt.Errorf("%s:%d: bad want regexp %q: %v", file, line, raw, err)
			}
			k := key{file, line}
			wants[k] = append(wants[k], &expectation{re: re, raw: raw})
		}
		return nil
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if strings.HasSuffix(p, ".want") {
			target := strings.TrimSuffix(rel, ".want")
			return readSidecar(p, func(line int, raws []string) error { return add(target, line, raws) })
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for n := 1; sc.Scan(); n++ {
			m := wantRE.FindStringSubmatch(sc.Text())
			if m == nil {
				continue
			}
			if err := add(rel, n, unquoteAll(m[1])); err != nil {
				return err
			}
		}
		return nil
	})
	return wants, err
}

func readSidecar(p string, fn func(line int, raws []string) error) error {
	data, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	for i, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		num, rest, _ := strings.Cut(l, " ")
		line, err := strconv.Atoi(num)
		if err != nil {
			return fmt.Errorf("%s:%d: want line must start with a line number", p, i+1)
		}
		if err := fn(line, unquoteAll(rest)); err != nil {
			return err
		}
	}
	return nil
}

func unquoteAll(s string) []string {
	var out []string
	for _, m := range quotedRE.FindAllStringSubmatch(s, -1) {
		u, err := strconv.Unquote(`"` + m[1] + `"`)
		if err != nil {
			u = m[1]
		}
		out = append(out, u)
	}
	return out
}
