// Package analysis is Warden's analyzer framework, in the style of
// golang.org/x/tools/go/analysis: a rule is a plain value with an ID, its
// documentation and a Run function over the application model. The catalogue
// is listed by `warden rules` and its docs are generated from these values.
package analysis

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/wardensec/warden/internal/model"
)

// Severity orders findings. The zero value is invalid so that a rule that
// forgets to set one fails its catalogue test.
type Severity int

const (
	Info Severity = iota + 1
	Low
	Medium
	High
	Critical
)

var severityNames = map[Severity]string{Info: "info", Low: "low", Medium: "medium", High: "high", Critical: "critical"}

func (s Severity) String() string {
	if n, ok := severityNames[s]; ok {
		return n
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// MarshalText writes the severity as its name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseSeverity reads a severity name, case-insensitively.
func ParseSeverity(name string) (Severity, error) {
	for s, n := range severityNames {
		if strings.EqualFold(n, strings.TrimSpace(name)) {
			return s, nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want info, low, medium, high or critical)", name)
}

// Lower returns the severity one step down, never below Info.
func (s Severity) Lower() Severity {
	if s > Info {
		return s - 1
	}
	return s
}

// Example is a fix shown for one framework.
type Example struct {
	Framework model.Framework `json:"framework"`
	Code      string          `json:"code"`
}

// Rule is one check. Everything but Run is documentation data.
type Rule struct {
	// ID is stable forever: WAR-<AREA>-<NNN>.
	ID    string
	Title string
	// SAS is the OWASP Serverless Top 10 category, "SAS-1" .. "SAS-10".
	SAS      string
	CWE      []string // "CWE-306"
	Severity Severity
	// Doc explains why the rule matters (markdown).
	Doc string
	// Fix says how to fix it in prose; Examples show it per framework.
	Fix        string
	Examples   []Example
	Frameworks []model.Framework
	// NonDefault rules run only when enabled in the config.
	NonDefault bool
	Run        func(*Pass)
}

// Location is a position with an optional message, for related locations and
// code-flow steps.
type Location struct {
	Pos     model.Pos `json:"pos"`
	Message string    `json:"message,omitempty"`
}

// Suppression records why a finding is not counted against the build.
type Suppression struct {
	Kind   string    `json:"kind"` // inline, baseline
	Reason string    `json:"reason,omitempty"`
	Pos    model.Pos `json:"pos"`
}

// Finding is one result. It is plain data: reporters only format it.
type Finding struct {
	RuleID   string    `json:"rule_id"`
	Title    string    `json:"title"`
	SAS      string    `json:"sas"`
	CWE      []string  `json:"cwe,omitempty"`
	Severity Severity  `json:"severity"`
	Message  string    `json:"message"`
	Pos      model.Pos `json:"pos"`
	// Anchor is the declaration of the resource or function the finding is
	// about; inline suppressions next to it count too.
	Anchor  model.Pos  `json:"anchor"`
	Related []Location `json:"related,omitempty"`
	// CodeFlows are source-to-sink paths, one slice per path.
	CodeFlows [][]Location `json:"code_flows,omitempty"`
	Fix       string       `json:"fix,omitempty"`
	// FunctionID groups the finding under a function in text output; "" for
	// findings about shared resources.
	FunctionID string `json:"function_id,omitempty"`
	// Subject identifies what the finding is about independently of lines
	// (a logical ID plus an attribute path); it feeds the fingerprint.
	Subject     string       `json:"subject,omitempty"`
	Fingerprint string       `json:"fingerprint"`
	Suppressed  *Suppression `json:"suppressed,omitempty"`
}

// Pass is the context of one rule run over one model.
type Pass struct {
	App      *model.App
	Index    *model.Index
	Rule     *Rule
	Settings *Settings
	// Memo is shared by every rule of one Run, for work several rules need
	// (evaluating a role's IAM permissions): it lives as long as the run,
	// so nothing leaks from one scan into the next.
	Memo     *sync.Map
	findings []Finding
}

// Report adds a finding; empty rule fields are filled from the rule.
func (p *Pass) Report(f Finding) {
	r := p.Rule
	if f.RuleID == "" {
		f.RuleID = r.ID
	}
	if f.Title == "" {
		f.Title = r.Title
	}
	if f.SAS == "" {
		f.SAS = r.SAS
	}
	if f.CWE == nil {
		f.CWE = r.CWE
	}
	if f.Severity == 0 {
		f.Severity = r.Severity
	}
	if f.Fix == "" {
		f.Fix = r.Fix
	}
	if f.Anchor.IsZero() {
		f.Anchor = f.Pos
	}
	p.findings = append(p.findings, f)
}

// Findings returns what the pass reported.
func (p *Pass) Findings() []Finding { return p.findings }

// Fingerprint is stable across line moves: it hashes the rule, the file and
// the subject (or the message when no subject was given), never a line.
func Fingerprint(f Finding) string {
	subject := f.Subject
	if subject == "" {
		subject = f.Message
	}
	h := sha256.Sum256([]byte(f.RuleID + "\x00" + f.Pos.File + "\x00" + subject))
	return hex.EncodeToString(h[:16])
}

// SortFindings orders findings by file, line, column, rule and message.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Pos != b.Pos {
			return a.Pos.Less(b.Pos)
		}
		if a.RuleID != b.RuleID {
			return a.RuleID < b.RuleID
		}
		return a.Message < b.Message
	})
}
