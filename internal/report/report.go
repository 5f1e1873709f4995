// Package report formats the result of a scan as text, JSON or SARIF.
//
// Reporters only format: they never decide what is a finding. Every format is
// deterministic for a given input (sorted, no map iteration order, no
// timestamps) so that output can be diffed, cached and golden-tested, and
// every format carries the input problems of the scan, because a file that
// was silently skipped looks exactly like a clean one.
package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/model"
)

// Options change how text is presented; they do not change what is in it.
type Options struct {
	// Color enables ANSI colour. The CLI decides (TTY, NO_COLOR,
	// --no-color); reporters never look at the terminal themselves, so that
	// output is a function of the Report alone.
	Color bool
	// Quiet prints only findings and a one-line summary.
	Quiet bool
}

// Report is everything a reporter needs. It is built once by the CLI and
// handed to every requested format, so that text, JSON and SARIF never
// disagree about what was found.
type Report struct {
	Tool    string // "warden"
	Version string
	// InformationURI is the project home page, shown in SARIF.
	InformationURI string
	// Root is the scan root as the user gave it (or made absolute). Finding
	// paths are relative to it.
	Root string
	App  *model.App
	// Findings as returned by analysis.Run: sorted, with Suppressed set.
	Findings []analysis.Finding
	// Rules is the catalogue; SARIF takes rule metadata from it.
	Rules []*analysis.Rule
	// SeverityOverrides are the config's per-rule severities, so that SARIF
	// rule metadata agrees with the severities of the results.
	SeverityOverrides map[string]analysis.Severity
	// MinSeverity hides findings below it (0 shows everything). Hidden
	// findings are still counted in the summary.
	MinSeverity analysis.Severity
	Options     Options
}

// Formats lists the names Write accepts.
func Formats() []string { return []string{"json", "sarif", "text"} }

// Write renders r in the named format.
func Write(w io.Writer, format string, r *Report) error {
	switch strings.ToLower(format) {
	case "text", "":
		return WriteText(w, r)
	case "json":
		return WriteJSON(w, r)
	case "sarif":
		return WriteSARIF(w, r)
	}
	return fmt.Errorf("unknown report format %q (want %s)", format, strings.Join(Formats(), ", "))
}

// severities from most to least severe, the order every summary uses.
var severities = []analysis.Severity{analysis.Critical, analysis.High, analysis.Medium, analysis.Low, analysis.Info}

// Summary is the tally every format shows. It is computed once here so the
// formats cannot drift apart.
type Summary struct {
	// Shown counts unsuppressed findings at or above MinSeverity.
	Shown      int
	BySeverity map[analysis.Severity]int
	// BySAS counts shown findings per SAS category ("" for none).
	BySAS map[string]int
	// Suppressed counts findings suppressed inline or by the baseline, at any
	// severity.
	Suppressed       int
	SuppressedByKind map[string]int
	// BelowThreshold counts unsuppressed findings hidden by MinSeverity.
	BelowThreshold int

	FilesScanned, FilesParsed, FilesFailed, Unresolved int
	DiagByLevel                                        map[model.DiagLevel]int
	// NothingChecked is set when no file could be parsed, or when the parsed
	// files held no function, role or resource: a scan that looked at nothing
	// must never read as a clean one.
	NothingChecked bool
	NothingReason  string
}

// visible reports whether a finding is listed individually at r's threshold.
func (r *Report) visible(f analysis.Finding) bool {
	return f.Suppressed == nil && f.Severity >= r.MinSeverity
}

// listed reports whether a finding appears in machine-readable output:
// suppressed findings are listed (marked) so that nothing is silent, but the
// severity threshold still applies.
func (r *Report) listed(f analysis.Finding) bool {
	return f.Severity >= r.MinSeverity
}

func (r *Report) app() *model.App {
	if r.App == nil {
		return &model.App{Root: r.Root}
	}
	return r.App
}

// Summarize tallies r.
func Summarize(r *Report) Summary {
	s := Summary{
		BySeverity:       map[analysis.Severity]int{},
		BySAS:            map[string]int{},
		SuppressedByKind: map[string]int{},
		DiagByLevel:      map[model.DiagLevel]int{},
	}
	for _, f := range r.Findings {
		switch {
		case f.Suppressed != nil:
			s.Suppressed++
			s.SuppressedByKind[f.Suppressed.Kind]++
		case f.Severity < r.MinSeverity:
			s.BelowThreshold++
		default:
			s.Shown++
			s.BySeverity[f.Severity]++
			s.BySAS[f.SAS]++
		}
	}
	app := r.app()
	for _, f := range app.Files {
		if f == nil {
			continue
		}
		s.FilesScanned++
		if f.Parsed {
			s.FilesParsed++
		} else {
			s.FilesFailed++
		}
		s.Unresolved += f.Unresolved
	}
	for _, d := range app.Diagnostics {
		s.DiagByLevel[d.Level]++
	}
	root := r.Root
	if root == "" {
		root = "."
	}
	switch {
	case s.FilesParsed == 0:
		s.NothingChecked = true
		if s.FilesScanned == 0 {
			s.NothingReason = fmt.Sprintf("No serverless template was found under %s: nothing was checked.", root)
		} else {
			s.NothingReason = fmt.Sprintf("No serverless template could be parsed under %s (%d found, all failed): nothing was checked.", root, s.FilesScanned)
		}
	case len(app.Functions) == 0 && len(app.Resources) == 0 && len(app.Roles) == 0 && len(app.Permissions) == 0:
		s.NothingChecked = true
		s.NothingReason = fmt.Sprintf("%d file(s) parsed under %s, but they declare no function, role or resource: nothing was checked.", s.FilesParsed, root)
	}
	return s
}

// sortedSAS returns the SAS keys in category order (SAS-2 before SAS-10).
func sortedSAS(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return lessSAS(keys[i], keys[j]) })
	return keys
}

func lessSAS(a, b string) bool {
	na, oka := sasNumber(a)
	nb, okb := sasNumber(b)
	if oka && okb && na != nb {
		return na < nb
	}
	if oka != okb {
		return oka // numbered categories first, "" and oddities last
	}
	return a < b
}

func sasNumber(s string) (int, bool) {
	var n int
	if _, err := fmt.Sscanf(s, "SAS-%d", &n); err != nil {
		return 0, false
	}
	return n, true
}

// fileProblems is what went wrong with one input file.
type fileProblems struct {
	Path       string
	Known      bool // listed in App.Files
	Parsed     bool
	Unresolved int
	Diags      []model.Diagnostic
}

// inputProblems groups diagnostics and unparsed or partly resolved files by
// file, in path order; diagnostics without a file come last under "".
func inputProblems(app *model.App) []fileProblems {
	byPath := map[string]*fileProblems{}
	var order []string
	get := func(p string) *fileProblems {
		if fp, ok := byPath[p]; ok {
			return fp
		}
		fp := &fileProblems{Path: p, Parsed: true}
		byPath[p] = fp
		order = append(order, p)
		return fp
	}
	for _, f := range app.Files {
		if f == nil || (f.Parsed && f.Unresolved == 0) {
			continue
		}
		fp := get(f.Path)
		fp.Known, fp.Parsed, fp.Unresolved = true, f.Parsed, f.Unresolved
	}
	for _, d := range app.Diagnostics {
		fp := get(d.Pos.File)
		fp.Diags = append(fp.Diags, d)
	}
	sort.Slice(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if (a == "") != (b == "") {
			return b == ""
		}
		return a < b
	})
	out := make([]fileProblems, 0, len(order))
	for _, p := range order {
		fp := byPath[p]
		sort.SliceStable(fp.Diags, func(i, j int) bool {
			x, y := fp.Diags[i], fp.Diags[j]
			if x.Pos != y.Pos {
				return x.Pos.Less(y.Pos)
			}
			if x.Code != y.Code {
				return x.Code < y.Code
			}
			return x.Message < y.Message
		})
		out = append(out, *fp)
	}
	return out
}

// ruleSeverity is the severity a rule runs at after config overrides.
func (r *Report) ruleSeverity(rule *analysis.Rule) analysis.Severity {
	if s, ok := r.SeverityOverrides[rule.ID]; ok {
		return s
	}
	return rule.Severity
}

// toolName falls back to "warden" so that a half-filled Report still yields
// valid SARIF (driver.name is required).
func (r *Report) toolName() string {
	if r.Tool == "" {
		return "warden"
	}
	return r.Tool
}

// Failing counts the findings that should fail the build at failOn: those
// not suppressed and at or above it. It ignores MinSeverity on purpose, so
// that hiding low findings from the screen never changes the exit code.
// failOn 0 means "never fail" and returns 0.
func Failing(fs []analysis.Finding, failOn analysis.Severity) int {
	if failOn == 0 {
		return 0
	}
	n := 0
	for _, f := range fs {
		if f.Suppressed == nil && f.Severity >= failOn {
			n++
		}
	}
	return n
}
