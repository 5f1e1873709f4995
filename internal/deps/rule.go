package deps

import (
	"fmt"
	"strings"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/model"
)

// Rule reports packages with known vulnerabilities, once per function that
// ships them. It reads what Enrich put into the model; with no database it
// finds nothing, and the scan's diagnostics say why.
var Rule = &analysis.Rule{
	ID:       "WAR-DEP-001",
	Title:    "Vulnerable dependency",
	SAS:      "SAS-6",
	CWE:      []string{"CWE-1395"},
	Severity: analysis.High,
	Doc: "A function ships a third-party package version with a published vulnerability (OSV: GitHub, PyPA and Go advisories). " +
		"Serverless functions are small, so most of their code is dependencies, and a vulnerable parser or HTTP client is reachable " +
		"from the event the function handles.\n\n" +
		"The severity comes from the advisory's CVSS vector (v4.0 preferred, else v3.x), else from the database's own rating; " +
		"unrated advisories are medium. When the handler does not import the package (it is only a transitive dependency), " +
		"the severity is lowered one step; when it does, it is kept. Development-only dependencies are reported at info: they " +
		"are not deployed. Matching is offline, against the database that `warden db update` or `warden db import` installs.",
	Fix: "Upgrade the package to the fixed version the finding names (or later) and regenerate the lock file. " +
		"When no fix exists, replace the package or accept the risk with an inline suppression that gives the reason.",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "# src/requirements.txt, shipped by the function whose CodeUri is src/\nPyYAML==5.4     # was 5.3.1 (GHSA-8q59-q68h-6hv4)\nrequests==2.32.3"},
		{Framework: model.Serverless, Code: "# package-lock.json next to serverless.yml: upgrade, then commit the lock file\nnpm install lodash@4.17.21 minimist@1.2.6"},
		{Framework: model.Terraform, Code: "# the directory that data \"archive_file\" zips (source_dir) holds go.mod:\ngo get golang.org/x/net@v0.23.0 && go mod tidy"},
	},
	Frameworks: []model.Framework{model.SAM, model.CloudFormation, model.Serverless, model.Terraform},
	Run:        runVulnerable,
}

// UnpinnedRule reports requirements without an exact version.
var UnpinnedRule = &analysis.Rule{
	ID:       "WAR-DEP-002",
	Title:    "Unpinned dependency",
	SAS:      "SAS-6",
	CWE:      []string{"CWE-1357"},
	Severity: analysis.Low,
	Doc: "A requirements file names a package without pinning its version with ==. Each build may install a different release, " +
		"so builds are not reproducible, a release with a new vulnerability (or a compromised one) slips in unnoticed, " +
		"and Warden cannot check the version that will be deployed.",
	Fix: "Pin every requirement (`requests==2.31.0`), ideally with hashes (`pip-compile --generate-hashes`), or use a lock " +
		"file (poetry.lock, uv.lock, Pipfile.lock).",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "# src/requirements.txt\nrequests==2.32.3 \\\n    --hash=sha256:70761cfe03c773ceb22aa2f671b4757976145175cdfca038c02654d061d6dcc6"},
		{Framework: model.Serverless, Code: "# requirements.txt packaged by serverless-python-requirements\nboto3==1.35.36\nPyJWT==2.9.0"},
		{Framework: model.Terraform, Code: "# lambda/requirements.txt (the archive_file source_dir)\nurllib3==2.2.3"},
	},
	Frameworks: []model.Framework{model.SAM, model.CloudFormation, model.Serverless, model.Terraform},
	Run:        runUnpinned,
}

// Rules are the dependency rules, for the catalogue.
var Rules = []*analysis.Rule{Rule, UnpinnedRule}

func severityOf(v model.Vuln) (analysis.Severity, string) {
	switch v.Severity {
	case "":
		return analysis.Medium, "not rated by the database"
	case "none":
		return analysis.Info, ""
	}
	s, err := analysis.ParseSeverity(v.Severity)
	if err != nil {
		return analysis.Medium, "not rated by the database"
	}
	if v.Score > 0 {
		return s, fmt.Sprintf("CVSS %.1f", v.Score)
	}
	return s, "rated " + v.Severity + " by the database"
}

func runVulnerable(p *analysis.Pass) {
	for _, pkg := range p.App.Packages {
		for _, v := range pkg.Vulns {
			for _, u := range pkg.Uses {
				f := p.Index.Functions[u.FunctionID]
				if f == nil || !model.IsDeployed(f.Deployed) {
					continue
				}
				sev, why := severityOf(v)
				rc := reachability(f, pkg, u)
				switch {
				case pkg.Dev:
					sev = analysis.Info
					rc = reach{text: "development-only dependency, not deployed; reported at info"}
				case rc.lowered:
					sev = sev.Lower()
				}
				ids := v.ID
				if len(v.Aliases) > 0 {
					ids += " (" + strings.Join(v.Aliases, ", ") + ")"
				}
				var b strings.Builder
				fmt.Fprintf(&b, "%s %s (%s) has %s", pkg.Name, pkg.Version, pkg.Ecosystem, ids)
				if v.Summary != "" {
					fmt.Fprintf(&b, ": %s", strings.TrimSuffix(v.Summary, "."))
				}
				if v.Fixed != "" {
					fmt.Fprintf(&b, "; installed %s, fixed in %s", pkg.Version, v.Fixed)
				} else {
					fmt.Fprintf(&b, "; installed %s, no fixed version known", pkg.Version)
				}
				if why != "" {
					fmt.Fprintf(&b, " [%s]", why)
				}
				fmt.Fprintf(&b, ". Shipped by function %s via %s (%s); %s.", f.Name, u.Via, pkg.Pos.File, rc.text)
				fix := fmt.Sprintf("Upgrade %s to %s or later and regenerate %s.", pkg.Name, v.Fixed, pkg.Pos.File)
				if v.Fixed == "" {
					fix = fmt.Sprintf("No release of %s fixes %s yet: replace the package, or suppress this finding inline with the reason the vulnerable code is not reachable.", pkg.Name, v.ID)
				}
				if v.URL != "" {
					fix += " Advisory: " + v.URL
				}
				p.Report(analysis.Finding{
					Severity:   sev,
					Message:    b.String(),
					Pos:        pkg.Pos,
					Anchor:     f.Pos,
					Related:    []analysis.Location{{Pos: f.Pos, Message: "function " + f.Name}},
					Fix:        fix,
					FunctionID: f.ID,
					Subject:    fmt.Sprintf("dep:%s:%s/%s@%s:%s", f.ID, pkg.Ecosystem, pkg.Name, pkg.Version, v.ID),
				})
			}
		}
	}
}

type reach struct {
	text    string
	lowered bool
}

// reachability says whether the handler imports the package. Code analysis
// results, when present at rule time, win over the import scan done while
// loading. Unknown (no handler file found) keeps the severity: never lower
// what could not be checked.
func reachability(f *model.Function, pkg *model.Package, u model.PackageUse) reach {
	imported, evidence := u.Imported, u.ImportEvidence
	if f.Code != nil && len(f.Code.Imports) > 0 {
		imported, evidence = Imported(pkg.Ecosystem, pkg.Name, f.Code.Imports), "code analysis"
	}
	switch {
	case evidence == "":
		return reach{text: "the handler code was not found, so whether it imports the package was not checked"}
	case imported:
		return reach{text: "imported by the handler (" + evidence + ")"}
	}
	return reach{text: "transitive, not imported by the handler (" + evidence + "); severity lowered one step", lowered: true}
}

func runUnpinned(p *analysis.Pass) {
	for _, pkg := range p.App.Packages {
		if pkg.Version != "" || pkg.Source != "" || pkg.Ecosystem != "PyPI" {
			continue
		}
		var fns []string
		var anchor model.Pos
		fid := ""
		for _, u := range pkg.Uses {
			f := p.Index.Functions[u.FunctionID]
			if f == nil || !model.IsDeployed(f.Deployed) {
				continue
			}
			fns = append(fns, f.Name)
			if fid == "" {
				fid, anchor = f.ID, f.Pos
			}
		}
		if len(fns) == 0 {
			continue
		}
		req := pkg.Requirement
		if req == "" {
			req = pkg.Name
		}
		sev := analysis.Low
		note := ""
		if pkg.Dev {
			sev, note = analysis.Info, " (development-only requirements file)"
		}
		p.Report(analysis.Finding{
			Severity: sev,
			Message: fmt.Sprintf("requirement %q does not pin an exact version%s: each build may install a different release of %s, "+
				"and Warden cannot check which one ships. Used by %s.", req, note, pkg.Name, strings.Join(fns, ", ")),
			Pos:        pkg.Pos,
			Anchor:     anchor,
			FunctionID: fid,
			Subject:    "unpinned:" + pkg.Pos.File + ":" + pkg.Name,
		})
	}
}
