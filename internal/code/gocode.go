package code

import (
	"path"
	"strings"

	"github.com/wardensec/warden/internal/code/golang"
	"github.com/wardensec/warden/internal/code/ir"
	"github.com/wardensec/warden/internal/model"
)

// Go functions: the handler is whatever main passes to lambda.Start, and a
// package (all non-test files of a directory) is one module.

// lambdaStart are the aws-lambda-go entry points whose first argument is
// the handler.
var lambdaStart = map[string]bool{
	"github.com/aws/aws-lambda-go/lambda.Start": true, "github.com/aws/aws-lambda-go/lambda.StartWithOptions": true,
	"github.com/aws/aws-lambda-go/lambda.StartWithContext": true, "github.com/aws/aws-lambda-go/lambda.StartHandler": true,
	"github.com/aws/aws-lambda-go/lambda.StartHandlerFunc": true,
}

// loadGo loads a Go package directory as one module: imports and functions
// of every file first, then package-level variables. Imports are scoped to
// their file, as in Go: each file's functions and variable initialisers see
// that file's imports (one file's "template" may be html/template, another's
// text/template) and the package scope.
func (a *analyzer) loadGo(dir string) *module {
	key := dir + "/"
	if m, ok := a.mods[key]; ok {
		return m
	}
	if len(a.mods) >= maxModules {
		return nil
	}
	merged := &ir.Module{Path: key, Lang: "go"}
	mod := &module{ir: merged, env: newEnv(nil)}
	a.mods[key] = mod
	type goFile struct {
		env           *env
		imports, vars []ir.Stmt
		funcs         []*ir.FuncDef
	}
	var files []*goFile
	for _, f := range GoPackage(a.cache.root, dir) {
		m, err := a.cache.get(f)
		if err != nil || m == nil {
			continue
		}
		merged.Lines += m.Lines
		gf := &goFile{env: newEnv(mod.env)}
		for _, s := range m.Body {
			switch s := s.(type) {
			case *ir.Import:
				gf.imports = append(gf.imports, s)
			case *ir.FuncDef:
				gf.funcs = append(gf.funcs, s)
			default:
				gf.vars = append(gf.vars, s)
			}
			merged.Body = append(merged.Body, s)
		}
		files = append(files, gf)
	}
	fr := &frame{mod: mod}
	for _, gf := range files {
		a.block(fr, gf.imports, gf.env)
		for _, d := range gf.funcs {
			mod.env.set(d.Name, &val{fn: &funcVal{fn: d.Fn, mod: mod, closure: gf.env}})
		}
	}
	for _, gf := range files {
		imported := map[string]bool{}
		for k := range gf.env.vars {
			imported[k] = true
		}
		a.block(fr, gf.vars, gf.env)
		// Package-level variables belong to the package scope.
		for k, v := range gf.env.vars {
			if !imported[k] {
				mod.env.set(k, v)
				delete(gf.env.vars, k)
			}
		}
	}
	// Methods are reachable by name from values of unknown type; a name
	// declared on two types is ambiguous and left alone.
	for k, v := range mod.env.vars {
		if i := strings.IndexByte(k, '.'); i > 0 && v.fn != nil {
			// The front end writes selectors with the event's JSON
			// spelling (Body is body), so methods go under that too.
			name := golang.FieldName(k[i+1:])
			if _, dup := a.goMethods[name]; dup {
				a.goMethods[name] = nil
			} else {
				a.goMethods[name] = v.fn
			}
		}
	}
	return mod
}

// goModule finds the module path and directory of the go.mod governing dir.
func (a *analyzer) goModule() (modPath, modDir string) {
	for dir := a.loc.Dir; ; dir = path.Dir(dir) {
		if src, err := a.cache.root.ReadFile(path.Join(dir, "go.mod")); err == nil {
			for _, line := range strings.Split(string(src), "\n") {
				if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
					return strings.Trim(f[1], `"`), dir
				}
			}
			return "", ""
		}
		if dir == "." || dir == "/" || dir == "" {
			return "", ""
		}
	}
}

func (a *analyzer) goImport(s *ir.Import, e *env) {
	a.imports[s.Module] = true
	if modPath, modDir := a.goModule(); modPath != "" && (s.Module == modPath || strings.HasPrefix(s.Module, modPath+"/")) {
		dir := path.Join(modDir, strings.TrimPrefix(strings.TrimPrefix(s.Module, modPath), "/"))
		if m := a.loadGo(dir); m != nil {
			e.set(s.Alias, &val{mod: m})
			return
		}
	}
	e.set(s.Alias, &val{q: s.Module})
}

// startGo analyses the function passed to lambda.Start with the event in
// the first parameter that is not a context.Context.
func (a *analyzer) startGo(h *val, pos model.Pos) {
	if h == nil || h.fn == nil || a.goHandler != nil {
		return
	}
	a.goHandler = h.fn
	fn := h.fn.fn
	var args []*val
	eventBound := false
	params := fn.Params
	if h.fn.self != nil && fn.Method && len(params) > 0 {
		params = params[1:]
	}
	for _, p := range params {
		switch {
		case strings.HasSuffix(p.Type, "context.Context"):
			args = append(args, a.evVal(&evPath{root: "context"}, p.Pos))
		case !eventBound:
			args = append(args, a.evVal(&evPath{root: "event"}, p.Pos))
			eventBound = true
		default:
			args = append(args, &val{})
		}
	}
	a.callFunc(h.fn, args, nil, pos)
}

// goMethod resolves x.name on a value of unknown type to the package's only
// method of that name.
func (a *analyzer) goMethod(v *val, name string) *val {
	fv := a.goMethods[name]
	if fv == nil {
		return nil
	}
	bound := *fv
	bound.self = v
	return &val{fn: &bound}
}
