package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/model"
)

// JSONSchemaVersion is the version of the JSON report document described in
// docs/json-schema.md and docs/warden-report.schema.json. Adding a field is a
// minor bump; removing or changing one is a major bump, so that scripts can
// refuse documents they do not understand.
const JSONSchemaVersion = "1.0.0"

// The json* types are the published document. They are declared here rather
// than reusing the model's and analysis's own tags, so that an internal
// rename cannot silently change a public format.

type jsonDoc struct {
	SchemaVersion string           `json:"schema_version"`
	Tool          jsonTool         `json:"tool"`
	Root          string           `json:"root"`
	MinSeverity   string           `json:"min_severity"`
	Summary       jsonSummary      `json:"summary"`
	Files         []jsonFile       `json:"files"`
	Diagnostics   []jsonDiagnostic `json:"diagnostics"`
	Findings      []jsonFinding    `json:"findings"`
}

type jsonTool struct {
	Name           string `json:"name"`
	Version        string `json:"version"`
	InformationURI string `json:"information_uri,omitempty"`
}

type jsonSeverityCounts struct {
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	Info     int `json:"info"`
}

type jsonFileCounts struct {
	Scanned    int `json:"scanned"`
	Parsed     int `json:"parsed"`
	Failed     int `json:"failed"`
	Unresolved int `json:"unresolved"`
}

type jsonDiagCounts struct {
	Error   int `json:"error"`
	Warning int `json:"warning"`
	Info    int `json:"info"`
}

type jsonSummary struct {
	Total            int                `json:"total"`
	BySeverity       jsonSeverityCounts `json:"by_severity"`
	BySAS            map[string]int     `json:"by_sas"`
	Suppressed       int                `json:"suppressed"`
	SuppressedByKind map[string]int     `json:"suppressed_by_kind"`
	BelowThreshold   int                `json:"below_threshold"`
	Files            jsonFileCounts     `json:"files"`
	Diagnostics      jsonDiagCounts     `json:"diagnostics"`
	NothingChecked   bool               `json:"nothing_checked"`
	NothingReason    string             `json:"nothing_reason,omitempty"`
}

type jsonLocation struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

type jsonFile struct {
	Path        string `json:"path"`
	Kind        string `json:"kind"`
	Framework   string `json:"framework,omitempty"`
	Parsed      bool   `json:"parsed"`
	Unresolved  int    `json:"unresolved"`
	Diagnostics int    `json:"diagnostics"`
}

type jsonDiagnostic struct {
	Location jsonLocation `json:"location"`
	Level    string       `json:"level"`
	Code     string       `json:"code"`
	Message  string       `json:"message"`
}

type jsonRelated struct {
	Location jsonLocation `json:"location"`
	Message  string       `json:"message,omitempty"`
}

type jsonSuppression struct {
	Kind     string        `json:"kind"`
	Reason   string        `json:"reason,omitempty"`
	Location *jsonLocation `json:"location,omitempty"`
}

type jsonFinding struct {
	RuleID       string           `json:"rule_id"`
	Title        string           `json:"title"`
	Severity     string           `json:"severity"`
	SAS          string           `json:"sas,omitempty"`
	CWE          []string         `json:"cwe,omitempty"`
	Message      string           `json:"message"`
	Location     jsonLocation     `json:"location"`
	Anchor       *jsonLocation    `json:"anchor,omitempty"`
	Related      []jsonRelated    `json:"related,omitempty"`
	CodeFlows    [][]jsonRelated  `json:"code_flows,omitempty"`
	Fix          string           `json:"fix,omitempty"`
	FunctionID   string           `json:"function_id,omitempty"`
	FunctionName string           `json:"function_name,omitempty"`
	Fingerprint  string           `json:"fingerprint"`
	Suppressed   bool             `json:"suppressed"`
	Suppression  *jsonSuppression `json:"suppression,omitempty"`
}

func loc(p model.Pos) jsonLocation { return jsonLocation{File: p.File, Line: p.Line, Column: p.Col} }

func related(ls []analysis.Location) []jsonRelated {
	if len(ls) == 0 {
		return nil
	}
	out := make([]jsonRelated, len(ls))
	for i, l := range ls {
		out[i] = jsonRelated{Location: loc(l.Pos), Message: l.Message}
	}
	return out
}

// WriteJSON writes the versioned JSON document. Suppressed findings are
// included and marked; findings below MinSeverity are left out and counted
// in summary.below_threshold.
func WriteJSON(w io.Writer, r *Report) error {
	doc := buildJSON(r)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write JSON report: %w", err)
	}
	return nil
}

func buildJSON(r *Report) jsonDoc {
	s := Summarize(r)
	app := r.app()
	minSev := r.MinSeverity
	if minSev == 0 {
		minSev = analysis.Info
	}
	doc := jsonDoc{
		SchemaVersion: JSONSchemaVersion,
		Tool:          jsonTool{Name: r.toolName(), Version: r.Version, InformationURI: r.InformationURI},
		Root:          r.Root,
		MinSeverity:   minSev.String(),
		Summary: jsonSummary{
			Total: s.Shown,
			BySeverity: jsonSeverityCounts{
				Critical: s.BySeverity[analysis.Critical], High: s.BySeverity[analysis.High],
				Medium: s.BySeverity[analysis.Medium], Low: s.BySeverity[analysis.Low], Info: s.BySeverity[analysis.Info],
			},
			BySAS:            s.BySAS,
			Suppressed:       s.Suppressed,
			SuppressedByKind: s.SuppressedByKind,
			BelowThreshold:   s.BelowThreshold,
			Files:            jsonFileCounts{Scanned: s.FilesScanned, Parsed: s.FilesParsed, Failed: s.FilesFailed, Unresolved: s.Unresolved},
			Diagnostics: jsonDiagCounts{Error: s.DiagByLevel[model.DiagError], Warning: s.DiagByLevel[model.DiagWarning],
				Info: s.DiagByLevel[model.DiagInfo]},
			NothingChecked: s.NothingChecked,
			NothingReason:  s.NothingReason,
		},
		Files:       []jsonFile{},
		Diagnostics: []jsonDiagnostic{},
		Findings:    []jsonFinding{},
	}
	// Uncategorised findings are keyed "" in the summary; JSON readers are
	// better served by a name.
	if n, ok := doc.Summary.BySAS[""]; ok {
		delete(doc.Summary.BySAS, "")
		doc.Summary.BySAS["none"] = n
	}

	diagsPerFile := map[string]int{}
	for _, d := range app.Diagnostics {
		diagsPerFile[d.Pos.File]++
	}
	for _, p := range inputProblems(app) {
		for _, d := range p.Diags {
			doc.Diagnostics = append(doc.Diagnostics, jsonDiagnostic{Location: loc(d.Pos), Level: string(d.Level), Code: d.Code, Message: d.Message})
		}
	}
	files := append([]*model.File(nil), app.Files...)
	sortFiles(files)
	for _, f := range files {
		if f == nil {
			continue
		}
		doc.Files = append(doc.Files, jsonFile{Path: f.Path, Kind: f.Kind, Framework: string(f.Framework),
			Parsed: f.Parsed, Unresolved: f.Unresolved, Diagnostics: diagsPerFile[f.Path]})
	}

	fnNames := map[string]string{}
	for _, fn := range app.Functions {
		if fn != nil {
			fnNames[fn.ID] = fn.Name
		}
	}
	fs := append([]analysis.Finding(nil), r.Findings...)
	analysis.SortFindings(fs)
	for _, f := range fs {
		if !r.listed(f) {
			continue
		}
		jf := jsonFinding{
			RuleID: f.RuleID, Title: f.Title, Severity: f.Severity.String(), SAS: f.SAS, CWE: f.CWE,
			Message: f.Message, Location: loc(f.Pos), Related: related(f.Related), Fix: f.Fix,
			FunctionID: f.FunctionID, FunctionName: fnNames[f.FunctionID],
			Fingerprint: fingerprint(f), Suppressed: f.Suppressed != nil,
		}
		if !f.Anchor.IsZero() && f.Anchor != f.Pos {
			a := loc(f.Anchor)
			jf.Anchor = &a
		}
		for _, flow := range f.CodeFlows {
			if steps := related(flow); len(steps) > 0 {
				jf.CodeFlows = append(jf.CodeFlows, steps)
			}
		}
		if sp := f.Suppressed; sp != nil {
			jf.Suppression = &jsonSuppression{Kind: sp.Kind, Reason: sp.Reason}
			if !sp.Pos.IsZero() {
				l := loc(sp.Pos)
				jf.Suppression.Location = &l
			}
		}
		doc.Findings = append(doc.Findings, jf)
	}
	return doc
}

// fingerprint uses the driver's fingerprint, computing it for findings that
// did not pass through analysis.Run (tests, future producers), so that the
// field is never empty.
func fingerprint(f analysis.Finding) string {
	if f.Fingerprint != "" {
		return f.Fingerprint
	}
	return analysis.Fingerprint(f)
}

// sortFiles orders files by path; nil entries go last. App.Sort usually did
// this already, but the output must not depend on the caller remembering.
func sortFiles(fs []*model.File) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a == nil || b == nil {
			return b == nil && a != nil
		}
		return a.Path < b.Path
	})
}
