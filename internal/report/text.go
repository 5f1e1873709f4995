package report

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/model"
)

// maxDiagsPerFile bounds the messages printed per file: a template with 500
// unresolved variables should not bury the findings, and the JSON output
// keeps the full list.
const maxDiagsPerFile = 5

// Plain ANSI rather than fatih/color: that package keeps global state
// decided by the process's own stdout, and the CLI has already decided.
const (
	ansiReset   = "\x1b[0m"
	ansiBold    = "\x1b[1m"
	ansiDim     = "\x1b[2m"
	ansiRed     = "\x1b[31m"
	ansiYellow  = "\x1b[33m"
	ansiBlue    = "\x1b[34m"
	ansiMagenta = "\x1b[35m"
	ansiCyan    = "\x1b[36m"
)

type textWriter struct {
	w     *bufio.Writer
	color bool
}

func (t *textWriter) paint(s string, codes ...string) string {
	if !t.color || s == "" {
		return s
	}
	return strings.Join(codes, "") + s + ansiReset
}

func (t *textWriter) printf(format string, args ...any) {
	fmt.Fprintf(t.w, format, args...)
}

func (t *textWriter) badge(s analysis.Severity) string {
	label := fmt.Sprintf("%-8s", strings.ToUpper(s.String()))
	switch s {
	case analysis.Critical:
		return t.paint(label, ansiBold, ansiMagenta)
	case analysis.High:
		return t.paint(label, ansiBold, ansiRed)
	case analysis.Medium:
		return t.paint(label, ansiYellow)
	case analysis.Low:
		return t.paint(label, ansiCyan)
	default:
		return t.paint(label, ansiDim)
	}
}

// group is the findings under one heading of the text report.
type group struct {
	fn       *model.Function // nil for "Other resources"
	findings []analysis.Finding
}

// groupByFunction puts each visible finding under its function, functions in
// source order; findings whose FunctionID is empty or unknown to the model go
// to a final group so that none is dropped.
func groupByFunction(r *Report) []group {
	app := r.app()
	fns := map[string]*model.Function{}
	for _, f := range app.Functions {
		if f != nil {
			fns[f.ID] = f
		}
	}
	byFn := map[string][]analysis.Finding{}
	var other []analysis.Finding
	for _, f := range r.Findings {
		if !r.visible(f) {
			continue
		}
		if fn, ok := fns[f.FunctionID]; ok && f.FunctionID != "" {
			byFn[fn.ID] = append(byFn[fn.ID], f)
			continue
		}
		other = append(other, f)
	}
	var out []group
	for id, fs := range byFn {
		out = append(out, group{fn: fns[id], findings: fs})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].fn, out[j].fn
		if a.Pos != b.Pos {
			return a.Pos.Less(b.Pos)
		}
		return a.ID < b.ID
	})
	if len(other) > 0 {
		out = append(out, group{findings: other})
	}
	for i := range out {
		fs := append([]analysis.Finding(nil), out[i].findings...)
		analysis.SortFindings(fs)
		// Most severe first: the reader triages a function from the top.
		sort.SliceStable(fs, func(a, b int) bool { return fs[a].Severity > fs[b].Severity })
		out[i].findings = fs
	}
	return out
}

// WriteText writes the human-readable report: findings grouped by function,
// then input problems, then a summary.
func WriteText(w io.Writer, r *Report) error {
	t := &textWriter{w: bufio.NewWriter(w), color: r.Options.Color}
	s := Summarize(r)
	if s.NothingChecked && !r.Options.Quiet {
		t.printf("%s\n\n", t.paint("WARNING: "+s.NothingReason, ansiBold, ansiRed))
	}
	for _, g := range groupByFunction(r) {
		if g.fn != nil {
			fw := string(g.fn.Framework)
			if fw == "" {
				fw = string(g.fn.Provider)
			}
			t.printf("%s %s (%s) %s\n", t.paint("Function", ansiBold), t.paint(g.fn.Name, ansiBold), fw, g.fn.Pos)
		} else {
			t.printf("%s\n", t.paint("Other resources", ansiBold))
		}
		for _, f := range g.findings {
			t.finding(f, r.Options.Quiet)
		}
		t.printf("\n")
	}
	if !r.Options.Quiet {
		t.inputProblems(r.app())
		t.summary(r, s)
	} else {
		t.printf("%s\n", oneLine(s))
	}
	if err := t.w.Flush(); err != nil {
		return fmt.Errorf("write text report: %w", err)
	}
	return nil
}

func (t *textWriter) finding(f analysis.Finding, quiet bool) {
	t.printf("  %s %s %s\n", t.badge(f.Severity), t.paint(f.RuleID, ansiBold), f.Title)
	const indent = "           "
	where := f.Pos.String()
	if f.Pos.IsZero() {
		where = "(no location)"
	}
	t.printf("%s%s\n", indent, t.paint(where, ansiBlue))
	if f.Message != "" {
		t.printf("%s%s\n", indent, indentLines(f.Message, indent))
	}
	if quiet {
		return
	}
	for _, rel := range f.Related {
		msg := rel.Message
		if msg != "" {
			msg = ": " + msg
		}
		t.printf("%s%s %s%s\n", indent, t.paint("see", ansiDim), rel.Pos, msg)
	}
	if f.Fix != "" {
		t.printf("%s%s %s\n", indent, t.paint("Fix:", ansiBold), indentLines(f.Fix, indent))
	}
}

func indentLines(s, indent string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+indent)
}

func (t *textWriter) inputProblems(app *model.App) {
	probs := inputProblems(app)
	if len(probs) == 0 {
		return
	}
	t.printf("%s\n", t.paint("Input problems", ansiBold, ansiYellow))
	for _, p := range probs {
		name := p.Path
		if name == "" {
			name = "(no file)"
		}
		var what []string
		if p.Known && !p.Parsed {
			what = append(what, "could not be parsed; nothing in it was checked")
		}
		if p.Unresolved > 0 {
			what = append(what, plural(p.Unresolved, "unresolved value", "unresolved values"))
		}
		if n := len(p.Diags); n > 0 {
			what = append(what, plural(n, "diagnostic", "diagnostics"))
		}
		t.printf("  %s: %s\n", t.paint(name, ansiBold), strings.Join(what, ", "))
		if p.Unresolved > 0 && len(p.Diags) == 0 {
			// Without a diagnostic these are values only known at deploy
			// time (ARNs, IDs); say so, or the count reads as a failure.
			t.printf("    values known only after deployment (ARNs, IDs, parameters without defaults); rules treat them as unknown\n")
		}
		for i, d := range p.Diags {
			if i == maxDiagsPerFile {
				t.printf("    ... and %d more (see --format json)\n", len(p.Diags)-maxDiagsPerFile)
				break
			}
			t.printf("    %s %s [%s] %s\n", d.Pos, d.Level, d.Code, indentLines(d.Message, "      "))
		}
	}
	t.printf("\n")
}

func (t *textWriter) summary(r *Report, s Summary) {
	t.printf("%s\n", t.paint("Summary", ansiBold))
	var parts []string
	for _, sev := range severities {
		parts = append(parts, fmt.Sprintf("%d %s", s.BySeverity[sev], sev))
	}
	t.printf("  Findings:    %d (%s)\n", s.Shown, strings.Join(parts, ", "))
	if len(s.BySAS) > 0 {
		var cats []string
		for _, k := range sortedSAS(s.BySAS) {
			name := k
			if name == "" {
				name = "uncategorised"
			}
			cats = append(cats, fmt.Sprintf("%s %d", name, s.BySAS[k]))
		}
		t.printf("  By category: %s\n", strings.Join(cats, ", "))
	}
	if s.Suppressed > 0 {
		kinds := make([]string, 0, len(s.SuppressedByKind))
		for k := range s.SuppressedByKind {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		var ks []string
		for _, k := range kinds {
			ks = append(ks, fmt.Sprintf("%s %d", k, s.SuppressedByKind[k]))
		}
		t.printf("  Suppressed:  %d (%s)\n", s.Suppressed, strings.Join(ks, ", "))
	} else {
		t.printf("  Suppressed:  0\n")
	}
	if s.BelowThreshold > 0 {
		t.printf("  Hidden:      %d below severity %s\n", s.BelowThreshold, r.MinSeverity)
	}
	t.printf("  Files:       %d scanned, %d parsed, %d failed, %d unresolved values\n",
		s.FilesScanned, s.FilesParsed, s.FilesFailed, s.Unresolved)
	if n := s.DiagByLevel[model.DiagError] + s.DiagByLevel[model.DiagWarning] + s.DiagByLevel[model.DiagInfo]; n > 0 {
		t.printf("  Input:       %s, %s, %s (see Input problems above)\n",
			plural(s.DiagByLevel[model.DiagError], "error", "errors"), plural(s.DiagByLevel[model.DiagWarning], "warning", "warnings"),
			plural(s.DiagByLevel[model.DiagInfo], "note", "notes"))
	}
	if s.NothingChecked {
		t.printf("  %s\n", t.paint("WARNING: "+s.NothingReason, ansiBold, ansiRed))
	}
}

// oneLine is the quiet summary. It still names input problems and an empty
// scan, because --quiet must not turn a scan that read nothing into silence.
func oneLine(s Summary) string {
	var parts []string
	for _, sev := range severities {
		if n := s.BySeverity[sev]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, sev))
		}
	}
	line := plural(s.Shown, "finding", "findings")
	if len(parts) > 0 {
		line += " (" + strings.Join(parts, ", ") + ")"
	}
	line += fmt.Sprintf(", %d suppressed", s.Suppressed)
	if s.BelowThreshold > 0 {
		line += fmt.Sprintf(", %d below threshold", s.BelowThreshold)
	}
	line += fmt.Sprintf("; %d/%d files parsed", s.FilesParsed, s.FilesScanned)
	if s.Unresolved > 0 {
		line += fmt.Sprintf(", %s", plural(s.Unresolved, "unresolved value", "unresolved values"))
	}
	if s.NothingChecked {
		line += "; WARNING: " + s.NothingReason
	}
	return line
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
