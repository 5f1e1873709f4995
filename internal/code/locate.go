package code

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/wardensec/warden/internal/code/golang"
	"github.com/wardensec/warden/internal/code/ir"
	"github.com/wardensec/warden/internal/code/javascript"
	"github.com/wardensec/warden/internal/code/python"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// Finding a function's code and the local modules it imports is shared by
// every analysis that reads handler code (the taint analysis here, the SDK
// call extraction of internal/leastpriv). It lives in one place so that
// they read the same files: a finding of one and a permission of the other
// about the same function must be about the same code.

// Entry is where a function's handler lives.
type Entry struct {
	// Lang is "python", "javascript" (TypeScript too) or "go".
	Lang string
	// Dir is the deployment package root (Lambda's task root), from which
	// absolute Python imports resolve; for Go, the main package directory.
	Dir string
	// File is the handler's file; for Go, the package directory (Go
	// handlers name the built executable, not a source file).
	File string
	// Name is the handler function (JS: possibly a.b for a nested export);
	// "" for Go, whose handler is what main passes to lambda.Start.
	Name string
}

var (
	// ErrNoCode is returned (wrapped) for functions that have no code
	// Warden reads: container images and runtimes not analysed (Java,
	// .NET, Ruby). Nothing is missing; analyses say nothing.
	ErrNoCode = errors.New("no code to analyse")
	// ErrNotLocated is returned (wrapped) when the code cannot be located
	// but that is ordinary rather than a mistake in the project: inline
	// code in the template, no handler in the model, a custom runtime
	// whose directory holds no Go main package, a Go code path that is not
	// a directory. The taint analysis stays quiet about these; an analysis
	// that must admit incompleteness (least-privilege) notes the message.
	ErrNotLocated = errors.New("code not located")
)

// locateErr is an error of Locate with its kind (nil: the code should be
// there but is not, worth a diagnostic).
type locateErr struct {
	msg  string
	kind error
}

func (e *locateErr) Error() string        { return e.msg }
func (e *locateErr) Is(target error) bool { return e.kind != nil && target == e.kind }

func locErr(kind error, format string, args ...any) error {
	return &locateErr{msg: fmt.Sprintf(format, args...), kind: kind}
}

var pyExts = []string{".py"}
var jsExts = []string{".js", ".mjs", ".cjs", ".ts", ".mts", ".cts"}

// Locate resolves f's handler to a file and function name, following
// Lambda's conventions: Python "pkg/mod.func", Node "dir/file.export" (with
// TypeScript sources standing in for built JavaScript), Go a main package
// in the code directory. An error matching ErrNoCode or ErrNotLocated is
// not a problem of the project (see there); any other error says why code
// that should be there is not, in words fit for a diagnostic.
func Locate(root *source.Root, f *model.Function) (Entry, error) {
	if f.PackageType.Is("Image") || root == nil {
		return Entry{}, ErrNoCode
	}
	rt := strings.ToLower(f.Runtime.V)
	var lang string
	switch {
	case strings.HasPrefix(rt, "python"):
		lang = "python"
	case strings.HasPrefix(rt, "nodejs"):
		lang = "javascript"
	case rt == "go1.x" || strings.HasPrefix(rt, "provided"):
		return locateGo(root, f)
	case f.Runtime.IsKnown():
		return Entry{}, ErrNoCode // Java, .NET, Ruby: not analysed yet
	}
	// Without a handler nothing is a mistake of the project yet.
	var kind error
	if !f.Handler.IsKnown() {
		kind = ErrNotLocated
	}
	cp := f.CodePath
	switch {
	case cp.State == model.Unknown:
		return Entry{}, locErr(kind, "code location %s is not resolvable statically", cp.Expr)
	case cp.IsKnown() && cp.V == f.Pos.File:
		return Entry{}, locErr(ErrNotLocated, "inline code in the template is not analysed")
	}
	if kind != nil {
		return Entry{}, locErr(kind, "handler not known")
	}
	h := f.Handler.V
	modRel, name := splitHandler(h, lang)
	if modRel == "" || name == "" {
		return Entry{}, locErr(nil, "handler %q is not of the form file.function", h)
	}
	var codeDir, file string
	if !cp.IsKnown() {
		codeDir = path.Dir(f.Pos.File)
	} else {
		st, err := root.Stat(cp.V)
		if err != nil {
			return Entry{}, locErr(nil, "code path %s: %v", cp.V, errors.Unwrap(err))
		}
		if st.IsDir() {
			codeDir = cp.V
		} else {
			ext := path.Ext(cp.V)
			if !IsCodeExt(ext) {
				return Entry{}, locErr(nil, "code path %s is a packaged artifact", cp.V)
			}
			noext := strings.TrimSuffix(cp.V, ext)
			if strings.HasSuffix(noext, modRel) {
				codeDir = path.Clean(strings.TrimSuffix(strings.TrimSuffix(noext, modRel), "/"))
				if codeDir == "" {
					codeDir = "."
				}
			} else {
				codeDir = path.Dir(cp.V)
			}
			file = cp.V
		}
	}
	if file == "" {
		exts := append(append([]string(nil), pyExts...), jsExts...)
		if lang == "python" {
			exts = pyExts
		} else if lang == "javascript" {
			exts = jsExts
		}
		file = findSource(root, path.Join(codeDir, modRel), exts)
		if file == "" && lang != "python" {
			// Built JavaScript (tsc outDir, bundlers) is not in the
			// repository; its TypeScript source usually is, under src/ or
			// beside the output directory.
			if first, rest, ok := strings.Cut(modRel, "/"); ok && builtDirs[first] {
				for _, alt := range []string{"src/" + rest, rest} {
					if file = findSource(root, path.Join(codeDir, alt), jsExts); file != "" {
						break
					}
				}
			}
		}
		if file == "" {
			return Entry{}, locErr(nil, "handler file for %q not found under %s", h, codeDir)
		}
	}
	if lang == "" {
		lang = "javascript"
		if path.Ext(file) == ".py" {
			lang = "python"
		}
	}
	return Entry{Lang: lang, Dir: codeDir, File: file, Name: name}, nil
}

// locateGo finds a Go function's main package: the code directory. Custom
// runtimes are Go only when the directory holds a main package. The
// handler string is not needed: Go's handler is what main passes to
// lambda.Start.
func locateGo(root *source.Root, f *model.Function) (Entry, error) {
	dir := ""
	switch cp := f.CodePath; {
	case cp.State == model.Unknown:
		return Entry{}, locErr(ErrNotLocated, "code location %s is not resolvable statically", cp.Expr)
	case !cp.IsKnown():
		dir = path.Dir(f.Pos.File)
	case cp.V == f.Pos.File:
		return Entry{}, locErr(ErrNotLocated, "inline code in the template is not analysed")
	default:
		st, err := root.Stat(cp.V)
		if err != nil {
			return Entry{}, locErr(ErrNotLocated, "code path %s: %v", cp.V, errors.Unwrap(err))
		}
		if !st.IsDir() {
			return Entry{}, locErr(ErrNotLocated, "code path %s is a packaged artifact", cp.V)
		}
		dir = cp.V
	}
	if !hasGoMain(root, dir) {
		var kind error
		if !strings.EqualFold(f.Runtime.V, "go1.x") {
			kind = ErrNotLocated // a custom runtime in another language
		}
		return Entry{}, locErr(kind, "no Go main package in %s", dir)
	}
	return Entry{Lang: "go", Dir: dir, File: dir}, nil
}

// builtDirs are output directories of JavaScript builds.
var builtDirs = map[string]bool{"dist": true, "build": true, "lib": true, "out": true, ".build": true, ".webpack": true, ".esbuild": true}

// findSource returns base plus the first extension naming a regular file.
func findSource(root *source.Root, base string, exts []string) string {
	for _, ext := range exts {
		if st, err := root.Stat(base + ext); err == nil && st.Mode().IsRegular() {
			return base + ext
		}
	}
	return ""
}

// IsCodeExt reports whether ext is the extension of a Python, JavaScript or
// TypeScript source file.
func IsCodeExt(ext string) bool { return ext == ".py" || isJSExt(ext) }

func isJSExt(ext string) bool {
	for _, e := range jsExts {
		if e == ext {
			return true
		}
	}
	return false
}

// splitHandler splits "src/app.lambda_handler" into its module path and
// function. Python modules are dotted ("pkg.mod.fn"); Node splits at the
// first dot of the last path element ("index.handlers.main" is the
// handlers.main export of index).
func splitHandler(h, lang string) (mod, name string) {
	dir, base := path.Split(h)
	if lang == "python" || (lang == "" && !strings.Contains(base, ".")) {
		i := strings.LastIndexByte(base, '.')
		if i <= 0 {
			return "", ""
		}
		return dir + strings.ReplaceAll(base[:i], ".", "/"), base[i+1:]
	}
	i := strings.IndexByte(base, '.')
	if i <= 0 {
		return "", ""
	}
	if lang == "" {
		// Unknown runtime: Python's convention for the file, Node's is the
		// same for the usual file.function.
		j := strings.LastIndexByte(base, '.')
		return dir + base[:j], base[j+1:]
	}
	return dir + base[:i], base[i+1:]
}

// ParseFile parses one source file with the front end its extension names
// (.py Python, .ts/.mts/.cts TypeScript, .go Go, else JavaScript).
func ParseFile(rel string, src []byte) (*ir.Module, error) {
	switch path.Ext(rel) {
	case ".py":
		return python.Parse(rel, src)
	case ".ts", ".mts", ".cts":
		return javascript.Parse(rel, src, true)
	case ".go":
		return golang.Parse(rel, src)
	default:
		return javascript.Parse(rel, src, false)
	}
}

// GoPackage lists the Go files of a package directory, without tests,
// sorted: one Go module of an analysis is a whole package.
func GoPackage(root *source.Root, dir string) []string {
	entries, err := fs.ReadDir(root.FS(), dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if e.Type().IsRegular() && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
			out = append(out, path.Join(dir, n))
		}
	}
	sort.Strings(out)
	return out
}

// hasGoMain reports whether dir holds a Go main package.
func hasGoMain(root *source.Root, dir string) bool {
	for _, f := range GoPackage(root, dir) {
		src, err := root.ReadFile(f)
		if err == nil && strings.Contains(string(src), "package main") {
			return true
		}
	}
	return false
}

// Resolver finds the local modules that a handler's code imports, the way
// Lambda's runtimes do, so that every analysis follows the same imports
// into the same files. Imports it does not resolve are packages (or files
// outside the scanned root).
type Resolver struct {
	Root  *source.Root
	Entry Entry
}

// JS resolves a relative require()/import of name from the file from: the
// file itself, with a JavaScript or TypeScript extension, the TypeScript
// source of a "./x.js" import, or a directory's index file. It returns ""
// when no such file is in the root.
func (r Resolver) JS(from, name string) string {
	base, err := source.Join(from, name)
	if err != nil {
		return ""
	}
	cands := []string{base}
	for _, ext := range jsExts {
		cands = append(cands, base+ext)
	}
	// TypeScript sources import "./x.js" for x.ts.
	if ext := path.Ext(base); ext == ".js" || ext == ".mjs" || ext == ".cjs" {
		stem := strings.TrimSuffix(base, ext)
		cands = append(cands, stem+".ts", stem+".mts", stem+".cts")
	}
	for _, ext := range jsExts {
		cands = append(cands, base+"/index"+ext)
	}
	for _, c := range cands {
		if st, err := r.Root.Stat(c); err == nil && st.Mode().IsRegular() && isJSExt(path.Ext(c)) {
			return c
		}
	}
	return ""
}

// Python finds a local Python module (dotted mod, level leading dots) from
// the file from: relative imports from the current package, absolute ones
// from the task root (and the handler's directory, which local runs put on
// sys.path). It returns "" for a module not in the root.
func (r Resolver) Python(from string, level int, mod string) string {
	var bases []string
	if level > 0 {
		dir := path.Dir(from)
		for i := 1; i < level; i++ {
			dir = path.Dir(dir)
		}
		bases = []string{dir}
	} else {
		bases = []string{r.Entry.Dir, path.Dir(r.Entry.File)}
	}
	rel := strings.ReplaceAll(mod, ".", "/")
	for _, b := range bases {
		p := path.Join(b, rel)
		for _, c := range []string{p + ".py", p + "/__init__.py"} {
			if st, err := r.Root.Stat(c); err == nil && st.Mode().IsRegular() {
				return c
			}
		}
	}
	return ""
}
