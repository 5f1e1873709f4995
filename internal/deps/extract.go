package deps

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"path"
	"strings"

	cpb "github.com/google/osv-scalibr/binary/proto/config_go_proto"
	"github.com/google/osv-scalibr/extractor"
	"github.com/google/osv-scalibr/extractor/filesystem"
	"github.com/google/osv-scalibr/extractor/filesystem/language/golang/gomod"
	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/metadata"
	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/packagelockjson"
	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/pnpmlock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/yarnlock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/pipfilelock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/poetrylock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/requirements"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/uvlock"
	"github.com/google/osv-scalibr/extractor/filesystem/osv"
	scalibrfs "github.com/google/osv-scalibr/fs"

	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// Format is one kind of lock file or manifest.
type Format struct {
	Name      string // what users call it: "package-lock.json", "requirements.txt"
	Ecosystem string // OSV ecosystem
	match     func(base string) bool
	newEx     func(*cpb.PluginConfig) (filesystem.Extractor, error)
}

// Formats are the files Warden reads. Every one is parsed by an osv-scalibr
// extractor: they are maintained alongside osv-scanner against real-world
// lock files, follow format changes (yarn berry, pnpm v9, package-lock v3)
// and report line numbers and dependency groups, which is everything
// attribution needs. Warden's own code only finds the files, reads them
// through source.Root, and maps the result into the model.
var Formats = []Format{
	{"package-lock.json", "npm", eq("package-lock.json"), packagelockjson.New},
	{"npm-shrinkwrap.json", "npm", eq("npm-shrinkwrap.json"), packagelockjson.New},
	{"yarn.lock", "npm", eq("yarn.lock"), yarnlock.New},
	{"pnpm-lock.yaml", "npm", eq("pnpm-lock.yaml"), pnpmlock.New},
	{"requirements.txt", "PyPI", isRequirements, requirements.New},
	{"poetry.lock", "PyPI", eq("poetry.lock"), poetrylock.New},
	{"Pipfile.lock", "PyPI", eq("Pipfile.lock"), pipfilelock.New},
	{"uv.lock", "PyPI", eq("uv.lock"), uvlock.New},
	{"go.mod", "Go", eq("go.mod"), gomod.New},
}

func eq(name string) func(string) bool { return func(b string) bool { return b == name } }

// isRequirements accepts the names pip projects use: requirements.txt,
// requirements-prod.txt, dev-requirements.txt, requirements_test.txt.
func isRequirements(base string) bool {
	return strings.HasSuffix(base, ".txt") && strings.Contains(strings.ToLower(base), "requirements")
}

// FormatOf returns the format of a file name, or nil.
func FormatOf(name string) *Format {
	base := path.Base(name)
	for i := range Formats {
		if Formats[i].match(base) {
			return &Formats[i]
		}
	}
	return nil
}

// devGroups are the dependency groups that never reach a deployment.
var devGroups = map[string]bool{"dev": true, "develop": true, "development": true, "test": true, "tests": true, "lint": true, "docs": true, "typing": true}

// devFileWords mark requirements files that install development tools.
var devFileWords = []string{"dev", "test", "lint", "docs", "ci"}

// isDevRequirements reports whether a requirements file is for development
// only, by its name: requirements-dev.txt, test-requirements.txt.
func isDevRequirements(base string) bool {
	b := strings.TrimSuffix(strings.ToLower(base), ".txt")
	for _, part := range strings.FieldsFunc(b, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		for _, w := range devFileWords {
			if part == w {
				return true
			}
		}
	}
	return false
}

// Extract reads one lock file or manifest (rel, relative to the root) into
// model packages. It reads the file through root, so size limits and the
// refusal to leave the root apply; requirements.txt includes (-r) are
// followed through root's file system, which cannot leave the root either.
func Extract(ctx context.Context, root *source.Root, rel string) ([]*model.Package, error) {
	f := FormatOf(rel)
	if f == nil {
		return nil, fmt.Errorf("extract %s: not a supported lock file or manifest", rel)
	}
	data, err := root.ReadFile(rel)
	if err != nil {
		return nil, fmt.Errorf("extract %s: %w", rel, err)
	}
	fsys, ok := root.FS().(scalibrfs.FS)
	if !ok {
		return nil, fmt.Errorf("extract %s: the scan root does not support directory listing", rel)
	}
	pkgs, err := extractBytes(ctx, f, fsys, root.Dir(), rel, data)
	if err != nil {
		return nil, err
	}
	markDev(root, rel, data, pkgs)
	return pkgs, nil
}

func extractBytes(ctx context.Context, f *Format, fsys scalibrfs.FS, rootDir, rel string, data []byte) (pkgs []*model.Package, err error) {
	defer func() {
		// An extractor bug on a hostile file must not take the scan down.
		if r := recover(); r != nil {
			pkgs, err = nil, fmt.Errorf("extract %s: extractor failed: %v", rel, r)
		}
	}()
	ex, err := f.newEx(&cpb.PluginConfig{})
	if err != nil {
		return nil, fmt.Errorf("extract %s: %w", rel, err)
	}
	var info fs.FileInfo
	if fsys != nil {
		info, _ = fs.Stat(fsys, rel)
	}
	inv, err := ex.Extract(ctx, &filesystem.ScanInput{FS: fsys, Path: rel, Root: rootDir, Info: info, Reader: bytes.NewReader(data)})
	if err != nil {
		return nil, fmt.Errorf("extract %s: %w", rel, err)
	}
	devFile := f.Name == "requirements.txt" && isDevRequirements(path.Base(rel))
	lines := strings.Split(string(data), "\n")
	seen := map[string]*model.Package{}
	for _, p := range inv.Packages {
		mp := convert(f, rel, p, lines)
		if mp == nil {
			continue
		}
		if devFile {
			mp.Dev = true
		}
		key := mp.Pos.File + "\x00" + mp.Name + "\x00" + mp.Version
		if old := seen[key]; old != nil {
			// The same version twice (hoisted and nested copies): one
			// package, dev only if every copy is.
			old.Dev = old.Dev && mp.Dev
			if mp.Pos.Line > 0 && (old.Pos.Line == 0 || mp.Pos.Line < old.Pos.Line) {
				old.Pos.Line = mp.Pos.Line
			}
			continue
		}
		seen[key] = mp
		pkgs = append(pkgs, mp)
	}
	sortPackages(pkgs)
	return pkgs, nil
}

// convert maps a scalibr package into the model, or nil for entries that
// are not third-party packages (the Go module itself).
func convert(f *Format, rel string, p *extractor.Package, lines []string) *model.Package {
	if p.Name == "" {
		return nil
	}
	mp := &model.Package{Ecosystem: f.Ecosystem, Name: p.Name, Version: p.Version, Pos: model.Pos{File: rel}}
	file := rel
	if d := p.Location.Descriptor; d != nil && d.File != nil {
		if d.File.Path != "" {
			file = strings.TrimPrefix(d.File.Path, "./")
		}
		mp.Pos.Line = d.File.LineNumber
	}
	mp.Pos.File = file
	if p.SourceCode != nil && p.SourceCode.Commit != "" {
		mp.Source = "git"
	}
	if isLocalVersion(mp.Version) {
		mp.Source = "workspace"
	}
	if f.Ecosystem == "Go" && mp.Name != "stdlib" && mp.Version != "" && !strings.HasPrefix(mp.Version, "v") {
		// scalibr drops the "v" that Go module versions always carry;
		// put it back so that versions read as in go.mod and in purls.
		mp.Version = "v" + mp.Version
	}
	switch m := p.Metadata.(type) {
	case *metadata.JavascriptPackageMetadata:
		switch m.Source {
		case metadata.Local:
			mp.Source = "file"
		}
		mp.Dev = isDevOnly(m.DepGroups())
	case *requirements.Metadata:
		if m.VersionComparator != "==" && m.VersionComparator != "===" {
			// Only == pins a version; ~=, >= and friends give a lower
			// bound that scalibr reports as the version.
			mp.Requirement = strings.TrimSpace(m.Requirement)
			mp.Version = ""
		}
	case osv.DepGroups:
		mp.Dev = isDevOnly(m.DepGroups())
	}
	if f.Name == "requirements.txt" && mp.Version == "" && mp.Requirement == "" {
		mp.Requirement = requirementLine(lines, mp.Pos.Line, p.Name)
	}
	return mp
}

// requirementLine returns the requirement as written on a line, for the
// message of an unpinned requirement.
func requirementLine(lines []string, line int, name string) string {
	if line < 1 || line > len(lines) {
		return name
	}
	l := lines[line-1]
	if i := strings.Index(l, " #"); i >= 0 {
		l = l[:i]
	}
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(l), "\\"))
}

// isDevOnly reports whether every group a package belongs to is a
// development group. A package in no group is a production dependency.
func isDevOnly(groups []string) bool {
	if len(groups) == 0 {
		return false
	}
	for _, g := range groups {
		if !devGroups[strings.ToLower(g)] {
			return false
		}
	}
	return true
}
