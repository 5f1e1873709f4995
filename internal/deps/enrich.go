package deps

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
	"github.com/wardensec/warden/internal/vulndb"
)

// Options tune Enrich.
type Options struct {
	// HideDev leaves development-only packages out of the model entirely.
	// By default they stay, and their findings are lowered to info: they
	// are not deployed, but a developer machine or CI runner still runs them.
	HideDev bool
}

// Summary is what Enrich found, for the CLI to print.
type Summary struct {
	Packages   int
	Vulnerable int // packages with at least one vulnerability
	// Notes are messages for the user (stderr): a missing database and how
	// to get one, ecosystems the database lacks.
	Notes []string
}

// NoDatabaseHint tells users how to get a database; it is printed by scans
// that run without one.
const NoDatabaseHint = "run `warden db update` to download the OSV database (npm, PyPI, Go) into the cache, " +
	"or `warden db import PATH` with an OSV zip or directory on machines without network access"

// Enrich is the dependency step of a scan, to run after the template
// loaders: it loads the packages functions ship (Load) and attaches the
// vulnerabilities of their exact versions from db, offline. With db nil or
// empty it still loads packages (so unpinned requirements and the SBOM
// work) and says how to get a database; other analyzers are unaffected.
func Enrich(ctx context.Context, root *source.Root, app *model.App, db *vulndb.DB, opts Options) (*Summary, error) {
	if err := Load(ctx, root, app); err != nil {
		return nil, fmt.Errorf("load dependencies: %w", err)
	}
	if opts.HideDev {
		kept := app.Packages[:0]
		for _, p := range app.Packages {
			if !p.Dev {
				kept = append(kept, p)
			}
		}
		app.Packages = kept
	}
	sum := &Summary{Packages: len(app.Packages)}
	if len(app.Packages) == 0 {
		return sum, nil
	}
	if db.Empty() {
		msg := "no vulnerability database, so dependencies were not checked for known vulnerabilities: " + NoDatabaseHint
		if db != nil && len(db.Problems) > 0 {
			msg = "the vulnerability database could not be opened (" + strings.Join(db.Problems, "; ") + "): " + NoDatabaseHint
		}
		sum.Notes = append(sum.Notes, msg)
		app.Diagnostics = append(app.Diagnostics, model.Diagnostic{Level: model.DiagWarning, Code: "no-vulndb", Message: msg})
		return sum, nil
	}
	missing := map[string]bool{}
	for _, p := range app.Packages {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		if p.Version == "" || p.Source != "" {
			continue // unpinned, git, file and workspace packages name no release
		}
		if p.Ecosystem == "Go" && p.Name == "stdlib" && strings.Count(p.Version, ".") < 2 {
			// `go 1.22` is the language version, not the toolchain that
			// builds the function: matching it would flag every patch
			// release's advisories. A toolchain line (go1.22.5) is checked.
			continue
		}
		if !db.Has(p.Ecosystem) {
			missing[p.Ecosystem] = true
			continue
		}
		ms, err := db.Match(p.Ecosystem, p.Name, p.Version)
		if err != nil {
			return sum, fmt.Errorf("match %s %s: %w", p.Name, p.Version, err)
		}
		p.Vulns = MergeAliases(p.Ecosystem, p.Name, ms)
		if len(p.Vulns) > 0 {
			sum.Vulnerable++
		}
	}
	for _, eco := range sortedKeys(missing) {
		msg := fmt.Sprintf("the vulnerability database has no %s data, so %s packages were not checked: run `warden db update --ecosystem %s`", eco, eco, eco)
		sum.Notes = append(sum.Notes, msg)
		app.Diagnostics = append(app.Diagnostics, model.Diagnostic{Level: model.DiagWarning, Code: "no-vulndb", Message: msg})
	}
	return sum, nil
}

// idRank orders the IDs of one vulnerability for choosing the one to show:
// the advisory databases that carry ranges and severities first, CVEs
// (which OSV only lists as aliases here) last.
func idRank(id string) int {
	switch {
	case strings.HasPrefix(id, "GHSA-"):
		return 0
	case strings.HasPrefix(id, "GO-"):
		return 1
	case strings.HasPrefix(id, "PYSEC-"):
		return 2
	case strings.HasPrefix(id, "CVE-"):
		return 4
	}
	return 3
}

var sevRank = map[string]int{"": 0, "none": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}

// MergeAliases folds records that describe the same vulnerability (they
// share an ID or alias: GHSA-8q59-q68h-6hv4 and PYSEC-2021-142 are both
// CVE-2020-14343) into one Vuln, with the highest severity of the group
// and the highest of their fixed versions, so that upgrading to it fixes
// what every database says.
func MergeAliases(eco, name string, ms []vulndb.Match) []model.Vuln {
	parent := make([]int, len(ms))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	owner := map[string]int{}
	for i, m := range ms {
		for _, id := range append([]string{m.Record.ID}, m.Record.Aliases...) {
			if j, ok := owner[id]; ok {
				parent[find(i)] = find(j)
			} else {
				owner[id] = i
			}
		}
	}
	groups := map[int][]vulndb.Match{}
	for i, m := range ms {
		groups[find(i)] = append(groups[find(i)], m)
	}
	var out []model.Vuln
	for _, g := range groups {
		sort.Slice(g, func(i, j int) bool {
			a, b := g[i].Record.ID, g[j].Record.ID
			if idRank(a) != idRank(b) {
				return idRank(a) < idRank(b)
			}
			return a < b
		})
		v := model.Vuln{ID: g[0].Record.ID, URL: g[0].Record.AdvisoryURL()}
		ids := map[string]bool{}
		for _, m := range g {
			r := m.Record
			ids[r.ID] = true
			for _, a := range r.Aliases {
				ids[a] = true
			}
			if v.Summary == "" {
				v.Summary = r.Summary
			}
			rt := r.Rate()
			if sevRank[rt.Severity] > sevRank[v.Severity] || (rt.Severity == v.Severity && rt.Score > v.Score) {
				v.Severity, v.Score, v.Vector = rt.Severity, rt.Score, rt.Vector
			}
			if m.Fixed != "" && (v.Fixed == "" || lessVer(eco, v.Fixed, m.Fixed)) {
				v.Fixed = m.Fixed
			}
		}
		if eco == "Go" && v.Fixed != "" && !strings.HasPrefix(v.Fixed, "v") && name != "stdlib" && name != "toolchain" {
			// OSV writes Go versions without the "v" that go.mod and
			// `go get` use; show the one users type.
			v.Fixed = "v" + v.Fixed
		}
		delete(ids, v.ID)
		for id := range ids {
			v.Aliases = append(v.Aliases, id)
		}
		sort.Slice(v.Aliases, func(i, j int) bool {
			a, b := v.Aliases[i], v.Aliases[j]
			if idRank(a) != idRank(b) {
				return idRank(a) > idRank(b) // CVE first among aliases: the name people search for
			}
			return a < b
		})
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func lessVer(eco, a, b string) bool {
	c, err := vulndb.CompareVersions(eco, a, b)
	return err == nil && c < 0
}
