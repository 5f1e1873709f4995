// Package sbom writes a software bill of materials per function: which
// third-party packages each deployed function ships, as CycloneDX 1.5 JSON
// or SPDX 2.3 JSON. The input is the application model after deps.Load,
// so the SBOM lists exactly what the dependency findings are about.
//
// Output is deterministic for a given repository: components are sorted,
// identifiers are derived from content, and the only clock reading (SPDX
// requires a creation time) honours SOURCE_DATE_EPOCH.
package sbom

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/osv-scalibr/purl"

	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/vulndb"
)

// Options describe the document.
type Options struct {
	// Name of the application (the scanned directory's name).
	Name string
	// ToolVersion is Warden's version.
	ToolVersion string
	// Created is the SPDX creation time; zero means now.
	Created time.Time
	// IncludeDev keeps development-only packages, which are not deployed.
	IncludeDev bool
}

// PURL returns the package URL of a package (https://github.com/package-url/purl-spec).
func PURL(p *model.Package) string {
	u := purl.PackageURL{Version: p.Version}
	switch p.Ecosystem {
	case "npm":
		u.Type = purl.TypeNPM
		if strings.HasPrefix(p.Name, "@") {
			ns, name, _ := strings.Cut(p.Name, "/")
			u.Namespace, u.Name = ns, name
		} else {
			u.Name = p.Name
		}
	case "PyPI":
		u.Type = purl.TypePyPi
		u.Name = vulndb.NormalizeName("PyPI", p.Name)
	case "Go":
		u.Type = purl.TypeGolang
		if i := strings.LastIndex(p.Name, "/"); i > 0 {
			u.Namespace, u.Name = p.Name[:i], p.Name[i+1:]
		} else {
			u.Name = p.Name
		}
	default:
		u.Type, u.Name = "generic", p.Name
	}
	return u.String()
}

// function is one deployed function and the packages it ships.
type function struct {
	f    *model.Function
	pkgs []*component
}

// component is one distinct package (by purl) and where it was found.
type component struct {
	purl  string
	pkg   *model.Package
	files []string
	dev   bool
}

// collect groups the model's packages per function, deduplicated by purl.
func collect(app *model.App, includeDev bool) ([]*function, []*component) {
	byPURL := map[string]*component{}
	fns := map[string]*function{}
	for _, p := range app.Packages {
		if p.Dev && !includeDev {
			continue
		}
		key := PURL(p)
		c := byPURL[key]
		if c == nil {
			c = &component{purl: key, pkg: p, dev: true}
			byPURL[key] = c
		}
		c.dev = c.dev && p.Dev
		if !contains(c.files, p.Pos.File) {
			c.files = append(c.files, p.Pos.File)
		}
		for _, u := range p.Uses {
			fn := fns[u.FunctionID]
			if fn == nil {
				for _, f := range app.Functions {
					if f.ID == u.FunctionID {
						fn = &function{f: f}
					}
				}
				if fn == nil || !model.IsDeployed(fn.f.Deployed) {
					continue
				}
				fns[u.FunctionID] = fn
			}
			if !containsC(fn.pkgs, c) {
				fn.pkgs = append(fn.pkgs, c)
			}
		}
	}
	var fs []*function
	for _, fn := range fns {
		sort.Slice(fn.pkgs, func(i, j int) bool { return fn.pkgs[i].purl < fn.pkgs[j].purl })
		fs = append(fs, fn)
	}
	// Functions without packages are still deployed code: list them too.
	for _, f := range app.Functions {
		if _, ok := fns[f.ID]; !ok && model.IsDeployed(f.Deployed) {
			fs = append(fs, &function{f: f})
		}
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].f.ID < fs[j].f.ID })
	var cs []*component
	for _, c := range byPURL {
		sort.Strings(c.files)
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].purl < cs[j].purl })
	return fs, cs
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func containsC(xs []*component, x *component) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// digest identifies the document's content, for the identifiers that the
// formats want unique (serial number, namespace) without a random source.
func digest(name string, fs []*function, cs []*component) string {
	h := sha256.New()
	fmt.Fprintln(h, name)
	for _, f := range fs {
		fmt.Fprintln(h, "f", f.f.ID)
		for _, c := range f.pkgs {
			fmt.Fprintln(h, " ", c.purl)
		}
	}
	for _, c := range cs {
		fmt.Fprintln(h, "c", c.purl, strings.Join(c.files, ","))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func runtimeOf(f *model.Function) string {
	if f.Runtime.IsKnown() {
		return f.Runtime.V
	}
	return ""
}
