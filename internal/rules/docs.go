package rules

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/wardensec/warden/internal/analysis"
)

// Markdown renders one rule's documentation page. docs/rules/<ID>.md is
// generated from it, and `warden rules ID` prints it, so the two never
// disagree.
func Markdown(r *analysis.Rule) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: %s\n\n", r.ID, r.Title)
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| Category | %s (%s) |\n", r.SAS, SASTitle(r.SAS))
	fmt.Fprintf(&b, "| Severity | %s |\n", r.Severity)
	fmt.Fprintf(&b, "| CWE | %s |\n", strings.Join(r.CWE, ", "))
	var fws []string
	for _, f := range r.Frameworks {
		fws = append(fws, string(f))
	}
	fmt.Fprintf(&b, "| Applies to | %s |\n", strings.Join(fws, ", "))
	if r.NonDefault {
		fmt.Fprintf(&b, "| Enabled | only when listed under rules.enable |\n")
	}
	fmt.Fprintf(&b, "\n## Why it matters\n\n%s\n\n## How to fix it\n\n%s\n", r.Doc, r.Fix)
	for _, ex := range r.Examples {
		fmt.Fprintf(&b, "\n### %s\n\n```%s\n%s\n```\n", ex.Framework.Title(), fenceLang(string(ex.Framework)), ex.Code)
	}
	fmt.Fprintf(&b, "\n## Suppressing it\n\nIf the finding does not apply, say why next to the flagged line:\n\n```\n# warden:ignore %s <reason>\n```\n", r.ID)
	return b.String()
}

// Index renders docs/rules/README.md.
func Index(rs []*analysis.Rule) string {
	var b strings.Builder
	b.WriteString("# Warden rules\n\nGenerated from the rule definitions by `go generate ./internal/rules`; do not edit by hand.\n\n")
	b.WriteString("| ID | Title | Category | Severity |\n|---|---|---|---|\n")
	for _, r := range rs {
		fmt.Fprintf(&b, "| [%s](%s.md) | %s | %s | %s |\n", r.ID, r.ID, r.Title, r.SAS, r.Severity)
	}
	b.WriteString("\n")
	b.WriteString(peersTable)
	return b.String()
}

//go:embed data/peers.md
var peersTable string

var sasTitles = map[string]string{
	"SAS-1": "Function event-data injection", "SAS-2": "Broken authentication", "SAS-3": "Insecure serverless deployment configuration",
	"SAS-4": "Over-privileged function permissions and roles", "SAS-5": "Inadequate function monitoring and logging",
	"SAS-6": "Insecure third-party dependencies", "SAS-7": "Insecure application secrets storage",
	"SAS-8": "Denial of service and financial resource exhaustion", "SAS-9": "Serverless business logic manipulation",
	"SAS-10": "Improper exception handling and verbose error messages",
}

// SASTitle names an OWASP Serverless Top 10 category.
func SASTitle(id string) string { return sasTitles[id] }

func fenceLang(f string) string {
	if f == "terraform" {
		return "hcl"
	}
	return "yaml"
}
