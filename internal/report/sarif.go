package report

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"sort"
	"strings"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/model"
)

// Hand-written SARIF 2.1.0 structs rather than go-sarif: that library emits
// every optional array empty (5 KB for one result) and pulls gojsonschema
// into the binary. Every slice here is omitempty; run.results is the one
// exception, because GitHub code scanning reads a missing results array as
// "this tool did not run" rather than "this tool found nothing".

const (
	sarifSchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	sarifVersion   = "2.1.0"
	// srcRoot is the uriBaseId GitHub code scanning resolves against the
	// checkout, so relative URIs land on the right file.
	srcRoot = "%SRCROOT%"
	// fingerprintKey versions our partial fingerprint: if the algorithm ever
	// changes, a new key keeps GitHub from matching old and new alerts.
	fingerprintKey = "warden/v1"
)

// GitHub code scanning limits (docs.github.com, "SARIF support for code
// scanning"). Past them an upload is rejected or truncated, so we cut first
// and say so in a notification.
const (
	ghMaxResults          = 25000
	ghMaxTags             = 20
	ghMaxRelated          = 1000
	ghMaxThreadFlowSteps  = 10000
	ghMaxLocationsPerItem = 1000
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                   `json:"tool"`
	Invocations        []sarifInvocation           `json:"invocations,omitempty"`
	OriginalURIBaseIDs map[string]sarifArtifactLoc `json:"originalUriBaseIds,omitempty"`
	Results            []sarifResult               `json:"results"`
	Properties         map[string]any              `json:"properties,omitempty"`
	ColumnKind         string                      `json:"columnKind,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	SemanticVer    string      `json:"semanticVersion,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules,omitempty"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifMultiformat struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string            `json:"id"`
	Name                 string            `json:"name,omitempty"`
	ShortDescription     *sarifText        `json:"shortDescription,omitempty"`
	FullDescription      *sarifText        `json:"fullDescription,omitempty"`
	Help                 *sarifMultiformat `json:"help,omitempty"`
	HelpURI              string            `json:"helpUri,omitempty"`
	DefaultConfiguration *sarifRuleConfig  `json:"defaultConfiguration,omitempty"`
	Properties           map[string]any    `json:"properties,omitempty"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level      string           `json:"level"`
	Message    sarifText        `json:"message"`
	Locations  []sarifLocation  `json:"locations,omitempty"`
	Descriptor *sarifDescriptor `json:"descriptor,omitempty"`
}

type sarifDescriptor struct {
	ID string `json:"id"`
}

type sarifArtifactLoc struct {
	URI         string     `json:"uri,omitempty"`
	URIBaseID   string     `json:"uriBaseId,omitempty"`
	Description *sarifText `json:"description,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifactLoc `json:"artifactLocation"`
	Region           *sarifRegion     `json:"region,omitempty"`
}

type sarifLocation struct {
	ID               *int           `json:"id,omitempty"`
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	Message          *sarifText     `json:"message,omitempty"`
}

type sarifThreadFlowLoc struct {
	Location sarifLocation `json:"location"`
}

type sarifThreadFlow struct {
	Locations []sarifThreadFlowLoc `json:"locations"`
}

type sarifCodeFlow struct {
	ThreadFlows []sarifThreadFlow `json:"threadFlows"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Status        string `json:"status,omitempty"`
	Justification string `json:"justification,omitempty"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations,omitempty"`
	RelatedLocations    []sarifLocation    `json:"relatedLocations,omitempty"`
	CodeFlows           []sarifCodeFlow    `json:"codeFlows,omitempty"`
	PartialFingerprints map[string]string  `json:"partialFingerprints,omitempty"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          map[string]any     `json:"properties,omitempty"`
}

// sarifLevel maps severities onto SARIF's three levels the way GitHub
// displays them: critical and high fail a check as errors.
func sarifLevel(s analysis.Severity) string {
	switch {
	case s >= analysis.High:
		return "error"
	case s == analysis.Medium:
		return "warning"
	default:
		return "note"
	}
}

// securitySeverity is GitHub's numeric security-severity: it buckets
// > 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low. Info has none,
// so GitHub shows it as a plain note rather than a security alert.
func securitySeverity(s analysis.Severity) string {
	switch s {
	case analysis.Critical:
		return "9.5"
	case analysis.High:
		return "8.0"
	case analysis.Medium:
		return "5.5"
	case analysis.Low:
		return "3.0"
	}
	return ""
}

// WriteSARIF writes a SARIF 2.1.0 log that GitHub code scanning accepts.
//
// The rules array holds the whole catalogue (plus any rule ID that only
// appears in findings, such as the driver's rule-failure finding), sorted by
// ID: the catalogue is ~100 rules, far below GitHub's 25,000, and listing
// every rule lets viewers show what was checked, not only what fired.
func WriteSARIF(w io.Writer, r *Report) error {
	log := buildSARIF(r)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(log); err != nil {
		return fmt.Errorf("write SARIF report: %w", err)
	}
	return nil
}

func buildSARIF(r *Report) sarifLog {
	rules, index := sarifRules(r)
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name: r.toolName(), Version: r.Version, InformationURI: r.InformationURI, Rules: rules,
		}},
		OriginalURIBaseIDs: map[string]sarifArtifactLoc{srcRoot: rootLocation(r.Root)},
		Results:            []sarifResult{},
		ColumnKind:         "unicodeCodePoints",
	}
	if isSemver(r.Version) {
		run.Tool.Driver.SemanticVer = r.Version
	}

	fs := append([]analysis.Finding(nil), r.Findings...)
	analysis.SortFindings(fs)
	dropped := 0
	var unplaced []sarifNotification
	for _, f := range fs {
		if !r.listed(f) {
			continue
		}
		if len(run.Results) == ghMaxResults {
			dropped++
			continue
		}
		res := sarifResultFor(f, index[f.RuleID])
		if len(res.Locations) == 0 {
			// GitHub rejects an upload with a location-less result; such
			// findings (a rule that crashed) are about the run, not the
			// code, so they become notifications instead of vanishing.
			unplaced = append(unplaced, sarifNotification{Level: res.Level, Descriptor: &sarifDescriptor{ID: f.RuleID},
				Message: sarifText{Text: res.Message.Text}})
			continue
		}
		run.Results = append(run.Results, res)
	}

	notes := append(sarifNotifications(r), unplaced...)
	if dropped > 0 {
		notes = append(notes, sarifNotification{Level: "warning", Descriptor: &sarifDescriptor{ID: "truncated"},
			Message: sarifText{Text: fmt.Sprintf("%d more results were left out to stay within GitHub's limit of %d per run; use --format json for all of them", dropped, ghMaxResults)}})
	}
	run.Invocations = []sarifInvocation{{ExecutionSuccessful: true, ToolExecutionNotifications: notes}}
	return sarifLog{Schema: sarifSchemaURI, Version: sarifVersion, Runs: []sarifRun{run}}
}

// rootLocation describes %SRCROOT%. An absolute root becomes a file URI;
// a relative one cannot (SARIF requires absolute base URIs), so it is only
// described and the consumer (GitHub: the checkout) supplies the base.
func rootLocation(root string) sarifArtifactLoc {
	if root != "" && filepath.IsAbs(root) {
		p := filepath.ToSlash(root)
		if !strings.HasPrefix(p, "/") {
			p = "/" + p // Windows drive paths: file:///C:/...
		}
		if !strings.HasSuffix(p, "/") {
			p += "/"
		}
		return sarifArtifactLoc{URI: (&url.URL{Scheme: "file", Path: p}).String()}
	}
	desc := "The directory that was scanned"
	if root != "" {
		desc += ": " + root
	}
	return sarifArtifactLoc{Description: &sarifText{Text: desc}}
}

func isSemver(v string) bool {
	v = strings.TrimPrefix(v, "v")
	parts := strings.SplitN(strings.SplitN(v, "-", 2)[0], ".", 3)
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

func sarifRules(r *Report) ([]sarifRule, map[string]int) {
	byID := map[string]*analysis.Rule{}
	for _, rule := range r.Rules {
		if rule != nil && rule.ID != "" {
			byID[rule.ID] = rule
		}
	}
	// Rules that only appear in findings get a stub built from the finding,
	// so that every result has a ruleIndex.
	for _, f := range r.Findings {
		if _, ok := byID[f.RuleID]; !ok && f.RuleID != "" {
			byID[f.RuleID] = &analysis.Rule{ID: f.RuleID, Title: f.Title, SAS: f.SAS, CWE: f.CWE, Severity: f.Severity, Fix: f.Fix}
		}
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]sarifRule, 0, len(ids))
	index := make(map[string]int, len(ids))
	for i, id := range ids {
		index[id] = i
		out = append(out, sarifRuleFor(byID[id], r.ruleSeverity(byID[id])))
	}
	return out, index
}

func sarifRuleFor(rule *analysis.Rule, sev analysis.Severity) sarifRule {
	tags := []string{"security"}
	if rule.SAS != "" {
		tags = append(tags, rule.SAS)
	}
	tags = append(tags, rule.CWE...)
	for _, fw := range rule.Frameworks {
		tags = append(tags, string(fw))
	}
	if len(tags) > ghMaxTags {
		tags = tags[:ghMaxTags]
	}
	props := map[string]any{"tags": tags}
	if ss := securitySeverity(sev); ss != "" {
		props["security-severity"] = ss
	}
	if sev != 0 {
		props["severity"] = sev.String()
	}
	out := sarifRule{
		ID:         rule.ID,
		Name:       ruleName(rule),
		Properties: props,
	}
	if rule.Title != "" {
		out.ShortDescription = &sarifText{Text: rule.Title}
	}
	if d := firstParagraph(rule.Doc); d != "" {
		out.FullDescription = &sarifText{Text: d}
	} else if rule.Title != "" {
		out.FullDescription = &sarifText{Text: rule.Title}
	}
	if text, md := ruleHelp(rule, sev); text != "" {
		out.Help = &sarifMultiformat{Text: text, Markdown: md}
	}
	if sev != 0 {
		out.DefaultConfiguration = &sarifRuleConfig{Level: sarifLevel(sev)}
	}
	return out
}

// ruleName is a PascalCase identifier from the title; SARIF viewers show it
// where an ID alone says little.
func ruleName(rule *analysis.Rule) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(rule.Title, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

func firstParagraph(doc string) string {
	doc = strings.TrimSpace(doc)
	if i := strings.Index(doc, "\n\n"); i >= 0 {
		doc = doc[:i]
	}
	return strings.Join(strings.Fields(doc), " ")
}

func ruleHelp(rule *analysis.Rule, sev analysis.Severity) (text, md string) {
	var t, m strings.Builder
	var meta []string
	if rule.SAS != "" {
		meta = append(meta, rule.SAS)
	}
	meta = append(meta, rule.CWE...)
	if sev != 0 {
		meta = append(meta, "severity "+sev.String())
	}
	if len(meta) > 0 {
		fmt.Fprintf(&t, "%s\n\n", strings.Join(meta, ", "))
		fmt.Fprintf(&m, "**%s**\n\n", strings.Join(meta, " · "))
	}
	if doc := strings.TrimSpace(rule.Doc); doc != "" {
		fmt.Fprintf(&t, "%s\n\n", doc)
		fmt.Fprintf(&m, "%s\n\n", doc)
	}
	if fix := strings.TrimSpace(rule.Fix); fix != "" {
		fmt.Fprintf(&t, "Fix: %s\n\n", fix)
		fmt.Fprintf(&m, "## Fix\n\n%s\n\n", fix)
	}
	if len(rule.Examples) > 0 {
		m.WriteString("## Examples\n\n")
		for _, ex := range rule.Examples {
			fmt.Fprintf(&t, "Example (%s):\n%s\n\n", ex.Framework, strings.TrimRight(ex.Code, "\n"))
			fence := "```"
			for strings.Contains(ex.Code, fence) {
				fence += "`"
			}
			fmt.Fprintf(&m, "%s:\n\n%s%s\n%s\n%s\n\n", ex.Framework.Title(), fence, codeLang(ex.Framework), strings.TrimRight(ex.Code, "\n"), fence)
		}
	}
	if t.Len() == 0 {
		return "", ""
	}
	return strings.TrimSpace(t.String()), strings.TrimSpace(m.String())
}

func codeLang(fw model.Framework) string {
	switch fw {
	case model.Terraform:
		return "hcl"
	case model.AzureFunctions:
		return "json"
	case "":
		return ""
	}
	return "yaml"
}

// artifactURI makes a root-relative slash path into a relative URI
// reference, escaping what URIs cannot hold (spaces, '#', '%').
func artifactURI(file string) string {
	return (&url.URL{Path: strings.TrimPrefix(filepath.ToSlash(file), "./")}).String()
}

func physical(p model.Pos) *sarifPhysical {
	if p.File == "" {
		return nil
	}
	ph := &sarifPhysical{ArtifactLocation: sarifArtifactLoc{URI: artifactURI(p.File), URIBaseID: srcRoot}}
	if p.Line > 0 {
		ph.Region = &sarifRegion{StartLine: p.Line}
		if p.Col > 0 {
			ph.Region.StartColumn = p.Col
		}
	}
	return ph
}

func msg(s string) *sarifText {
	if s == "" {
		return nil
	}
	return &sarifText{Text: s}
}

func sarifResultFor(f analysis.Finding, ruleIndex int) sarifResult {
	text := f.Message
	if text == "" {
		text = f.Title
	}
	if text == "" {
		text = f.RuleID
	}
	res := sarifResult{
		RuleID:              f.RuleID,
		RuleIndex:           ruleIndex,
		Level:               sarifLevel(f.Severity),
		Message:             sarifText{Text: text},
		PartialFingerprints: map[string]string{fingerprintKey: fingerprint(f)},
	}
	// GitHub rejects results without a location; a finding with no position
	// of its own falls back to its anchor.
	primary := f.Pos
	if primary.File == "" {
		primary = f.Anchor
	}
	if ph := physical(primary); ph != nil {
		res.Locations = []sarifLocation{{PhysicalLocation: ph}}
	}
	for i, rel := range f.Related {
		if i == ghMaxRelated {
			break
		}
		ph := physical(rel.Pos)
		if ph == nil {
			continue
		}
		id := len(res.RelatedLocations) + 1
		res.RelatedLocations = append(res.RelatedLocations, sarifLocation{ID: &id, PhysicalLocation: ph, Message: msg(rel.Message)})
	}
	for _, flow := range f.CodeFlows {
		var steps []sarifThreadFlowLoc
		for _, step := range flow {
			if len(steps) == ghMaxThreadFlowSteps {
				break
			}
			ph := physical(step.Pos)
			if ph == nil {
				continue
			}
			steps = append(steps, sarifThreadFlowLoc{Location: sarifLocation{PhysicalLocation: ph, Message: msg(step.Message)}})
		}
		if len(steps) > 0 {
			res.CodeFlows = append(res.CodeFlows, sarifCodeFlow{ThreadFlows: []sarifThreadFlow{{Locations: steps}}})
		}
	}
	if sp := f.Suppressed; sp != nil {
		kind := "external"
		if sp.Kind == "inline" {
			kind = "inSource"
		}
		just := sp.Reason
		if just == "" && sp.Kind == "baseline" {
			just = "in the baseline file"
		}
		res.Suppressions = []sarifSuppression{{Kind: kind, Status: "accepted", Justification: just}}
	}
	props := map[string]any{"severity": f.Severity.String()}
	if f.SAS != "" {
		props["sas"] = f.SAS
	}
	if f.FunctionID != "" {
		props["function"] = f.FunctionID
	}
	res.Properties = props
	return res
}

// sarifNotifications turns input problems into tool execution notifications,
// so that a file that could not be parsed is visible in SARIF viewers and
// not just absent from the results.
func sarifNotifications(r *Report) []sarifNotification {
	var out []sarifNotification
	s := Summarize(r)
	if s.NothingChecked {
		out = append(out, sarifNotification{Level: "error", Descriptor: &sarifDescriptor{ID: "nothing-checked"},
			Message: sarifText{Text: s.NothingReason}})
	}
	for _, p := range inputProblems(r.app()) {
		if p.Known && !p.Parsed && len(p.Diags) == 0 {
			n := sarifNotification{Level: "error", Descriptor: &sarifDescriptor{ID: "parse"},
				Message: sarifText{Text: fmt.Sprintf("%s could not be parsed; nothing in it was checked", p.Path)}}
			if ph := physical(model.Pos{File: p.Path}); ph != nil {
				n.Locations = []sarifLocation{{PhysicalLocation: ph}}
			}
			out = append(out, n)
		}
		for i, d := range p.Diags {
			if i == ghMaxLocationsPerItem {
				out = append(out, sarifNotification{Level: "warning", Descriptor: &sarifDescriptor{ID: "truncated"},
					Message: sarifText{Text: fmt.Sprintf("%s: %d more input problems; use --format json for all of them", p.Path, len(p.Diags)-i)}})
				break
			}
			n := sarifNotification{Level: diagLevel(d.Level), Message: sarifText{Text: d.Message}}
			if d.Code != "" {
				n.Descriptor = &sarifDescriptor{ID: d.Code}
			}
			if ph := physical(d.Pos); ph != nil {
				n.Locations = []sarifLocation{{PhysicalLocation: ph}}
			}
			out = append(out, n)
		}
	}
	return out
}

func diagLevel(l model.DiagLevel) string {
	switch l {
	case model.DiagError:
		return "error"
	case model.DiagWarning:
		return "warning"
	}
	return "note"
}
