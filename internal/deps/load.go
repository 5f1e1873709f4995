package deps

import (
	"context"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/wardensec/warden/internal/code"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
	"github.com/wardensec/warden/internal/vulndb"
)

// maxLayerDepth bounds the search for lock files inside a layer's content
// directory (python/, nodejs/, nodejs/node20/ ...).
const maxLayerDepth = 4

// Load reads the lock files and manifests that functions ship and puts the
// packages into app.Packages, each with the functions that ship it. A
// function ships the packages of the nearest lock files at or above its
// code path (walking up to the scan root, per ecosystem, so that a
// monorepo's root lock file counts when the function has none of its
// own), plus those found in the content directories of its layers. Lock
// files that do not parse become diagnostics; the scan goes on.
func Load(ctx context.Context, root *source.Root, app *model.App) error {
	l := &loader{root: root, app: app, dirs: map[string][]string{}, files: map[string][]*model.Package{}, failed: map[string]bool{}}
	for _, f := range app.Functions {
		if err := ctx.Err(); err != nil {
			return err
		}
		l.function(ctx, f)
	}
	var out []*model.Package
	for _, file := range sortedKeys(l.files) {
		for _, p := range l.files[file] {
			if len(p.Uses) > 0 {
				out = append(out, p)
			}
		}
	}
	sortPackages(out)
	app.Packages = append(app.Packages, out...)
	// The lock files count as scanned input, so the summary and the JSON
	// report list them with their parse status like templates.
	for _, file := range sortedKeys(l.files) {
		app.Files = append(app.Files, &model.File{Path: file, Kind: FormatOf(file).Name, Parsed: true})
	}
	for _, file := range sortedKeys(l.failed) {
		app.Files = append(app.Files, &model.File{Path: file, Kind: FormatOf(file).Name, Parsed: false})
	}
	sort.SliceStable(app.Files, func(i, j int) bool { return app.Files[i].Path < app.Files[j].Path })
	return nil
}

type loader struct {
	root   *source.Root
	app    *model.App
	dirs   map[string][]string // dir → lock files in it
	files  map[string][]*model.Package
	failed map[string]bool
}

// ecosystemsOf maps a runtime to the ecosystems its code can use; an
// unknown runtime (a container image, an unresolved parameter) gets all.
func ecosystemsOf(f *model.Function) map[string]bool {
	rt := strings.ToLower(f.Runtime.V)
	if f.Runtime.IsKnown() {
		switch {
		case strings.HasPrefix(rt, "python"):
			return map[string]bool{"PyPI": true}
		case strings.HasPrefix(rt, "node"):
			return map[string]bool{"npm": true}
		case strings.HasPrefix(rt, "go"), strings.HasPrefix(rt, "provided"):
			return map[string]bool{"Go": true}
		}
	}
	return map[string]bool{"npm": true, "PyPI": true, "Go": true}
}

// codeDir returns the directory a function's code lives in, or "" when the
// code is not a directory in the repository (an S3 URI, a zip, inline code
// in the template).
func (l *loader) codeDir(f *model.Function) string {
	if !f.CodePath.IsKnown() {
		return ""
	}
	c, err := source.Clean(f.CodePath.V)
	if err != nil {
		return ""
	}
	st, err := l.root.Stat(c)
	if err != nil {
		return ""
	}
	if st.IsDir() {
		return c
	}
	switch strings.ToLower(path.Ext(c)) {
	case ".py", ".js", ".mjs", ".cjs", ".ts", ".go":
		return path.Dir(c)
	}
	return ""
}

func (l *loader) function(ctx context.Context, f *model.Function) {
	ecos := ecosystemsOf(f)
	chosen := map[string]*model.Package{} // eco/name/version → package this function uses
	vias := map[*model.Package]string{}
	var order []string
	use := func(p *model.Package, via string) {
		key := p.Ecosystem + "\x00" + vulndb.NormalizeName(p.Ecosystem, p.Name) + "\x00" + p.Version
		if old, ok := chosen[key]; ok {
			// The same package from two files of one function (a dev
			// requirements file including the main one): keep one,
			// preferring the deployed copy.
			if !old.Dev || p.Dev {
				return
			}
		} else {
			order = append(order, key)
		}
		chosen[key] = p
		if _, ok := vias[p]; !ok {
			vias[p] = via
		}
	}
	if dir := l.codeDir(f); dir != "" {
		// The nearest directory with a lock file of an ecosystem wins;
		// every lock file of that ecosystem in it counts.
		foundAt := map[string]string{}
		for d := dir; ; d = path.Dir(d) {
			for _, file := range l.locks(d) {
				eco := FormatOf(file).Ecosystem
				if !ecos[eco] || (foundAt[eco] != "" && foundAt[eco] != d) {
					continue
				}
				foundAt[eco] = d
				for _, p := range l.extract(ctx, file) {
					use(p, "code")
				}
			}
			if d == "." || d == "/" || d == "" {
				break
			}
		}
	}
	for _, lv := range f.Layers {
		dir, name := l.layer(f, lv)
		if dir == "" {
			continue
		}
		for _, file := range l.locksBelow(dir, maxLayerDepth) {
			if !ecos[FormatOf(file).Ecosystem] {
				continue
			}
			for _, p := range l.extract(ctx, file) {
				use(p, "layer "+name)
			}
		}
	}
	if len(order) == 0 {
		return
	}
	imports, evidence := l.handlerImports(f)
	for _, key := range order {
		p := chosen[key]
		u := model.PackageUse{FunctionID: f.ID, Via: vias[p], ImportEvidence: evidence}
		if evidence != "" {
			u.Imported = Imported(p.Ecosystem, p.Name, imports)
		}
		p.Uses = append(p.Uses, u)
	}
}

// layer resolves one entry of a function's Layers to a content directory
// in the repository and a name for messages. A layer resource in the model
// is used when the loader made one; otherwise (the Serverless Framework
// loader keeps `{Ref: XLambdaLayer}` as an unresolved value) the reference
// is looked up in the function's own template.
func (l *loader) layer(f *model.Function, lv model.Value) (dir, name string) {
	if r := layerResource(l.app, lv); r != nil {
		return layerDir(l.root, r), r.Name
	}
	ref := ""
	switch {
	case strings.HasPrefix(lv.Expr, "!Ref "):
		ref = strings.TrimSpace(strings.TrimPrefix(lv.Expr, "!Ref "))
	case lv.IsKnown() && !strings.Contains(lv.V, ":"):
		ref = lv.V // a logical name; ARNs of published layers are not in the repo
	}
	if ref == "" || f.Pos.File == "" {
		return "", ""
	}
	data, err := l.root.ReadFile(f.Pos.File)
	if err != nil {
		return "", ""
	}
	rel := TemplateLayerPath(data, ref)
	if rel == "" {
		return "", ""
	}
	c, err := source.Join(f.Pos.File, rel)
	if err != nil {
		return "", ""
	}
	return c, ref
}

// locks lists the lock files directly in dir.
func (l *loader) locks(dir string) []string {
	if v, ok := l.dirs[dir]; ok {
		return v
	}
	var out []string
	ents, err := fs.ReadDir(l.root.FS(), dir)
	if err == nil {
		for _, e := range ents {
			if e.Type().IsRegular() && FormatOf(e.Name()) != nil {
				out = append(out, path.Join(dir, e.Name()))
			}
		}
	}
	sort.Strings(out)
	l.dirs[dir] = out
	return out
}

// locksBelow lists lock files in dir and its subdirectories up to depth,
// skipping installed-package trees, whose lock files are not the layer's.
func (l *loader) locksBelow(dir string, depth int) []string {
	out := append([]string(nil), l.locks(dir)...)
	if depth == 0 {
		return out
	}
	ents, err := fs.ReadDir(l.root.FS(), dir)
	if err != nil {
		return out
	}
	for _, e := range ents {
		if e.IsDir() && e.Name() != "node_modules" && e.Name() != "site-packages" && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, l.locksBelow(path.Join(dir, e.Name()), depth-1)...)
		}
	}
	return out
}

// extract parses a lock file once per scan.
func (l *loader) extract(ctx context.Context, file string) []*model.Package {
	if ps, ok := l.files[file]; ok || l.failed[file] {
		return ps
	}
	ps, err := Extract(ctx, l.root, file)
	if err != nil {
		l.failed[file] = true
		l.app.Diagnostics = append(l.app.Diagnostics, model.Diagnostic{Pos: model.Pos{File: file}, Level: model.DiagWarning, Code: "parse",
			Message: "cannot read dependencies: " + strings.TrimPrefix(err.Error(), "extract "+file+": ")})
		return nil
	}
	l.files[file] = ps
	return ps
}

// handlerImports returns what the function's handler imports and how that
// was learned: code analysis when it has run, else the import scan.
func (l *loader) handlerImports(f *model.Function) ([]string, string) {
	if f.Code != nil && len(f.Code.Imports) > 0 {
		return f.Code.Imports, "code analysis"
	}
	files := l.handlerFiles(f)
	if len(files) == 0 {
		return nil, ""
	}
	var imports []string
	for _, file := range files {
		data, err := l.root.ReadFile(file)
		if err != nil {
			continue
		}
		switch path.Ext(file) {
		case ".py":
			imports = append(imports, PythonImports(string(data))...)
		case ".go":
			imports = append(imports, GoImports(string(data))...)
		default:
			imports = append(imports, JSImports(string(data))...)
		}
	}
	return imports, "heuristic import scan of " + strings.Join(files, ", ")
}

// handlerFiles finds the files that hold the handler with internal/code's
// locator, so that the import scan reads the file code analysis reads (the
// handler's module; for Go, the main package's files). Functions whose code
// is not a directory in the repository have none, as for lock files.
func (l *loader) handlerFiles(f *model.Function) []string {
	if l.codeDir(f) == "" {
		return nil
	}
	loc, err := code.Locate(l.root, f)
	if err != nil {
		return nil
	}
	if loc.Lang == "go" {
		return code.GoPackage(l.root, loc.Dir)
	}
	return []string{loc.File}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
