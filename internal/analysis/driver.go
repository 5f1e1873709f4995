package analysis

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"runtime"
	"strings"
	"sync"

	"github.com/wardensec/warden/internal/model"
)

// Config selects and tunes rules; it comes from .warden.yaml.
type Config struct {
	// Disable turns rules off by ID.
	Disable []string
	// Enable turns on NonDefault rules by ID.
	Enable []string
	// Severity overrides a rule's default severity.
	Severity map[string]Severity
	// Exclude drops findings in matching paths (path.Match patterns against
	// the slash path, also matched against every parent directory, so
	// "test/*" and "test" both exclude test/a/b.yml).
	Exclude  []string
	Settings Settings
}

// Lines returns the lines of a scanned file for reading inline
// suppressions, or false when the file cannot be read.
type Lines func(file string) ([]string, bool)

// Run runs the enabled rules over app in parallel and returns every finding,
// with inline and baseline suppressions marked (not removed: suppressed
// findings are counted and listed, never silent), sorted.
func Run(ctx context.Context, app *model.App, rules []*Rule, cfg Config, lines Lines, baseline map[string]bool) []Finding {
	ix := model.NewIndex(app)
	settings := cfg.Settings
	var enabled []*Rule
	disabled := toSet(cfg.Disable)
	extra := toSet(cfg.Enable)
	for _, r := range rules {
		if r.Run == nil || disabled[r.ID] || (r.NonDefault && !extra[r.ID]) {
			continue
		}
		enabled = append(enabled, r)
	}

	results := make([][]Finding, len(enabled))
	memo := &sync.Map{}
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, r := range enabled {
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(i int, r *Rule) {
			defer wg.Done()
			defer func() { <-sem }()
			p := &Pass{App: app, Index: ix, Rule: r, Settings: &settings, Memo: memo}
			defer func() {
				// A rule bug must not hide every other rule's findings.
				if rec := recover(); rec != nil {
					results[i] = []Finding{{RuleID: "WAR-META-000", Title: "Rule failed", SAS: "", Severity: Medium,
						Message: fmt.Sprintf("rule %s failed on this application (%v); its results are missing. Please report it.", r.ID, rec)}}
				}
			}()
			r.Run(p)
			results[i] = p.findings
		}(i, r)
	}
	wg.Wait()

	var out []Finding
	for _, fs := range results {
		for _, f := range fs {
			if excluded(f.Pos.File, cfg.Exclude) {
				continue
			}
			if s, ok := cfg.Severity[f.RuleID]; ok {
				f.Severity = s
			}
			out = append(out, f)
		}
	}
	out = append(out, applyInline(out, lines, rules)...)
	for i := range out {
		if out[i].Fingerprint == "" {
			out[i].Fingerprint = Fingerprint(out[i])
		}
		if out[i].Suppressed == nil && baseline[out[i].Fingerprint] {
			out[i].Suppressed = &Suppression{Kind: "baseline"}
		}
	}
	SortFindings(out)
	return out
}

func toSet(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[strings.TrimSpace(x)] = true
	}
	return m
}

func excluded(file string, patterns []string) bool {
	if file == "" {
		return false
	}
	for _, p := range patterns {
		p = strings.TrimSuffix(strings.TrimPrefix(p, "./"), "/")
		for f := file; f != "." && f != "/" && f != ""; f = path.Dir(f) {
			if ok, _ := path.Match(p, f); ok {
				return true
			}
			if strings.HasSuffix(p, "/**") && (f == strings.TrimSuffix(p, "/**")) {
				return true
			}
		}
	}
	return false
}

// ignoreRE matches "warden:ignore RULE-ID[,RULE-ID] reason" after a # or //
// comment marker, the same syntax in YAML, HCL, Python and JS.
var ignoreRE = regexp.MustCompile(`(?:#|//)\s*warden:ignore\s+([A-Za-z0-9_,\-]+)[ \t]*(.*)$`)

type ignore struct {
	ids    map[string]bool
	reason string
	pos    model.Pos
}

// applyInline marks findings suppressed by comments on their line, their
// anchor's line, or the comment lines directly above either. It returns new
// findings for suppressions that give no reason: an unexplained exception
// is a finding of its own.
func applyInline(fs []Finding, lines Lines, rules []*Rule) []Finding {
	if lines == nil {
		return nil
	}
	cache := map[string][]string{}
	get := func(file string) []string {
		if l, ok := cache[file]; ok {
			return l
		}
		l, _ := lines(file)
		cache[file] = l
		return l
	}
	seenBad := map[model.Pos]bool{}
	var extra []Finding
	var meta *Rule
	for _, r := range rules {
		if r.ID == MetaSuppressionWithoutReason {
			meta = r
		}
	}
	for i := range fs {
		f := &fs[i]
		for _, at := range []model.Pos{f.Pos, f.Anchor} {
			if at.File == "" || at.Line == 0 {
				continue
			}
			for _, ig := range ignoresAt(get(at.File), at) {
				if !ig.ids[f.RuleID] && !ig.ids["all"] {
					continue
				}
				f.Suppressed = &Suppression{Kind: "inline", Reason: ig.reason, Pos: ig.pos}
				if ig.reason == "" && !seenBad[ig.pos] && meta != nil {
					seenBad[ig.pos] = true
					extra = append(extra, Finding{RuleID: meta.ID, Title: meta.Title, SAS: meta.SAS, CWE: meta.CWE,
						Severity: meta.Severity, Pos: ig.pos, Anchor: ig.pos, Fix: meta.Fix, Subject: "suppression:" + f.RuleID,
						Message: fmt.Sprintf("warden:ignore %s gives no reason; say why the finding does not apply so the next reader can judge it", f.RuleID)})
				}
			}
			if f.Suppressed != nil {
				break
			}
		}
	}
	return extra
}

// ignoresAt returns the suppressions on line at.Line and on the run of
// comment lines directly above it.
func ignoresAt(lines []string, at model.Pos) []ignore {
	if at.Line < 1 || at.Line > len(lines) {
		return nil
	}
	var out []ignore
	parse := func(n int) bool {
		m := ignoreRE.FindStringSubmatch(lines[n-1])
		if m == nil {
			return false
		}
		ids := map[string]bool{}
		for _, id := range strings.Split(m[1], ",") {
			if id = strings.TrimSpace(id); id != "" {
				ids[id] = true
			}
		}
		out = append(out, ignore{ids: ids, reason: strings.TrimSpace(m[2]), pos: model.Pos{File: at.File, Line: n, Col: strings.Index(lines[n-1], "warden:ignore") + 1}})
		return true
	}
	parse(at.Line)
	for n := at.Line - 1; n >= 1; n-- {
		t := strings.TrimSpace(lines[n-1])
		if !strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "//") {
			break
		}
		parse(n)
	}
	return out
}

// MetaSuppressionWithoutReason is the ID of the finding for an inline
// suppression that gives no reason.
const MetaSuppressionWithoutReason = "WAR-META-001"
