package deps

import (
	"encoding/json"
	"path"
	"strings"

	"github.com/BurntSushi/toml"
	"go.yaml.in/yaml/v3"

	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
	"github.com/wardensec/warden/internal/vulndb"
)

// Some lock files do not say which packages are development-only in a way
// the extractors read: yarn.lock never records it (package.json does),
// pnpm v9 moved it from packages to importers, and scalibr reads uv's
// dev groups from whichever package happens to come last. The functions
// below read the direct dev dependencies of the project from the file that
// does record them. Transitive dev-only packages stay unflagged there: the
// cautious side, since a flagged package has its findings lowered.

// devOnlyDirect returns the direct dependencies declared only as
// development dependencies, keyed by normalised name.
type devSet map[string]bool

// packageJSONDev reads devDependencies that are not also dependencies.
func packageJSONDev(data []byte) devSet {
	var pj struct {
		Dependencies         map[string]any `json:"dependencies"`
		DevDependencies      map[string]any `json:"devDependencies"`
		OptionalDependencies map[string]any `json:"optionalDependencies"`
	}
	if json.Unmarshal(data, &pj) != nil {
		return nil
	}
	out := devSet{}
	for n := range pj.DevDependencies {
		if _, prod := pj.Dependencies[n]; prod {
			continue
		}
		if _, opt := pj.OptionalDependencies[n]; opt {
			continue
		}
		out[n] = true
	}
	return out
}

// pnpmDev reads a pnpm-lock.yaml v9 importers section: a package is dev
// only when some importer lists it under devDependencies and none under
// dependencies or optionalDependencies.
func pnpmDev(data []byte) devSet {
	var lock struct {
		Importers map[string]map[string]map[string]any `yaml:"importers"`
	}
	if yaml.Unmarshal(data, &lock) != nil {
		return nil
	}
	dev, prod := devSet{}, devSet{}
	for _, imp := range lock.Importers {
		for group, deps := range imp {
			for n := range deps {
				switch group {
				case "devDependencies":
					dev[n] = true
				case "dependencies", "optionalDependencies":
					prod[n] = true
				}
			}
		}
	}
	for n := range prod {
		delete(dev, n)
	}
	return dev
}

// uvDev reads the dev-dependencies of uv.lock's project packages (those
// whose source is the project itself).
func uvDev(data []byte) devSet {
	type dep struct {
		Name string `toml:"name"`
	}
	var lock struct {
		Package []struct {
			Name   string `toml:"name"`
			Source struct {
				Virtual  string `toml:"virtual"`
				Editable string `toml:"editable"`
			} `toml:"source"`
			Dependencies    []dep            `toml:"dependencies"`
			DevDependencies map[string][]dep `toml:"dev-dependencies"`
		} `toml:"package"`
	}
	if _, err := toml.Decode(string(data), &lock); err != nil {
		return nil
	}
	dev, prod := devSet{}, devSet{}
	for _, p := range lock.Package {
		if p.Source.Virtual == "" && p.Source.Editable == "" {
			continue
		}
		for _, d := range p.Dependencies {
			prod[vulndb.NormalizeName("PyPI", d.Name)] = true
		}
		for _, ds := range p.DevDependencies {
			for _, d := range ds {
				dev[vulndb.NormalizeName("PyPI", d.Name)] = true
			}
		}
	}
	for n := range prod {
		delete(dev, n)
	}
	return dev
}

// markDev applies the dev sets that the lock file's format needs.
func markDev(root *source.Root, rel string, data []byte, pkgs []*model.Package) {
	fixNPMLocal(rel, data, pkgs)
	var dev devSet
	switch path.Base(rel) {
	case "yarn.lock":
		pj, err := root.ReadFile(path.Join(path.Dir(rel), "package.json"))
		if err != nil {
			return
		}
		dev = packageJSONDev(pj)
	case "pnpm-lock.yaml":
		dev = pnpmDev(data)
	case "uv.lock":
		dev = uvDev(data)
	default:
		return
	}
	for _, p := range pkgs {
		if dev[vulndb.NormalizeName(p.Ecosystem, p.Name)] {
			p.Dev = true
		}
	}
}

// npmWorkspaces reads the package-lock.json (v2/v3) entries that are the
// project's own workspace packages: keys outside node_modules. scalibr
// marks every entry without a "resolved" URL as local, which would also
// skip registry packages in lock files written without resolved URLs
// (npm's omit-lockfile-registry-resolved); this tells the two apart.
func npmWorkspaces(data []byte) (devSet, bool) {
	var lock struct {
		Packages map[string]struct {
			Name string `json:"name"`
		} `json:"packages"`
	}
	if json.Unmarshal(data, &lock) != nil || lock.Packages == nil {
		return nil, false
	}
	out := devSet{}
	for key, e := range lock.Packages {
		if key == "" || strings.Contains(key, "node_modules/") {
			continue
		}
		name := e.Name
		if name == "" {
			name = path.Base(key)
		}
		out[name] = true
	}
	return out, true
}

// fixNPMLocal clears the "file" source scalibr gives registry packages that
// merely lack a resolved URL, so they are matched against the database.
func fixNPMLocal(rel string, data []byte, pkgs []*model.Package) {
	switch path.Base(rel) {
	case "package-lock.json", "npm-shrinkwrap.json":
	default:
		return
	}
	ws, ok := npmWorkspaces(data)
	if !ok {
		return
	}
	for _, p := range pkgs {
		if p.Source == "file" && p.Version != "" && !isLocalVersion(p.Version) && !ws[p.Name] {
			p.Source = ""
		}
	}
}

// isLocalVersion reports versions that name no registry release: yarn
// berry's workspace placeholder and npm's file:/link: specifiers.
func isLocalVersion(v string) bool {
	return v == "0.0.0-use.local" || strings.HasPrefix(v, "file:") || strings.HasPrefix(v, "link:")
}
