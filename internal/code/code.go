// Package code is Warden's function code analysis: it finds each
// function's handler from the model (runtime, handler string and code
// path), parses the handler's file and the local modules it imports with
// the language front ends, and follows data from the event fields that the
// function's triggers make attacker-controlled to dangerous sinks. What it
// finds goes into model.Function.Code, where rules read it.
//
// The engine is language-neutral: it runs over internal/code/ir. Calls into
// functions of the scanned code are analysed per distinct argument taint
// (bounded in depth and count), so a flow through a helper in another file
// is found and a helper called with constants stays quiet.
package code

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/wardensec/warden/internal/code/ir"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// maxModules bounds the files loaded for one function.
const maxModules = 200

// Analyze fills f.Code for every deployable AWS function whose code lies in
// the scanned root. It never runs scanned code. Parse errors and handlers
// that cannot be found become info diagnostics; nothing here stops a scan.
func Analyze(ctx context.Context, root *source.Root, app *model.App) {
	c := &cache{root: root, files: map[string]*parsed{}}
	for _, f := range app.Functions {
		if ctx.Err() != nil {
			return
		}
		if f.Provider != model.AWS || !model.IsDeployed(f.Deployed) {
			continue
		}
		loc, err := Locate(root, f)
		if err != nil {
			if !errors.Is(err, ErrNoCode) && !errors.Is(err, ErrNotLocated) {
				app.Diagnostics = append(app.Diagnostics, model.Diagnostic{Pos: f.Handler.PosOr(f.Pos), Level: model.DiagInfo, Code: "code", Message: fmt.Sprintf("function %s: %v; code not analysed", f.Name, err)})
			}
			continue
		}
		facts, msg := newAnalyzer(ctx, c, f, &loc).run()
		if msg != "" {
			app.Diagnostics = append(app.Diagnostics, model.Diagnostic{Pos: f.Handler.PosOr(f.Pos), Level: model.DiagInfo, Code: "code", Message: fmt.Sprintf("function %s: %s", f.Name, msg)})
		}
		if facts != nil {
			f.Code = facts
		}
	}
	app.Diagnostics = append(app.Diagnostics, c.diags...)
}

// parsed is one file's parse result, shared by every function using it.
type parsed struct {
	mod *ir.Module
	err error
}

type cache struct {
	root  *source.Root
	files map[string]*parsed
	diags []model.Diagnostic
	noCgo bool
}

func (c *cache) get(rel string) (*ir.Module, error) {
	if p, ok := c.files[rel]; ok {
		return p.mod, p.err
	}
	p := &parsed{}
	c.files[rel] = p
	src, err := c.root.ReadFile(rel)
	if err != nil {
		p.err = err
		c.diags = append(c.diags, model.Diagnostic{Pos: model.Pos{File: rel}, Level: model.DiagInfo, Code: "read", Message: fmt.Sprintf("code not analysed: %v", err)})
		return nil, err
	}
	p.mod, p.err = ParseFile(rel, src)
	if errors.Is(p.err, ir.ErrNoCgo) {
		// Said once per scan, not once per file.
		if !c.noCgo {
			c.noCgo = true
			c.diags = append(c.diags, model.Diagnostic{Pos: model.Pos{File: rel}, Level: model.DiagWarning, Code: "unsupported", Message: ir.ErrNoCgo.Error()})
		}
		return nil, p.err
	}
	if p.err != nil {
		c.diags = append(c.diags, model.Diagnostic{Pos: model.Pos{File: rel}, Level: model.DiagInfo, Code: "parse", Message: p.err.Error()})
		return nil, p.err
	}
	for _, e := range p.mod.Errors {
		c.diags = append(c.diags, model.Diagnostic{Pos: e, Level: model.DiagInfo, Code: "parse",
			Message: fmt.Sprintf("syntax error in %s; the rest of the file is still analysed", p.mod.Lang)})
	}
	return p.mod, nil
}

func newAnalyzer(ctx context.Context, c *cache, f *model.Function, loc *Entry) *analyzer {
	return &analyzer{ctx: ctx, cache: c, fn: f, loc: loc, sources: functionSources(f), http: isHTTPFunction(f), storage: hasTrigger(f, model.TriggerStorage),
		mods: map[string]*module{}, memo: map[string]*val{}, seen: map[string]bool{}, goMethods: map[string]*funcVal{},
		sourcesUsed: map[string]bool{}, sinksHit: map[string]bool{}, imports: map[string]bool{}}
}

// analyzer holds the state of one function's analysis.
type analyzer struct {
	ctx     context.Context
	cache   *cache
	fn      *model.Function
	loc     *Entry
	sources []sourcePattern
	http    bool
	storage bool // triggered by object uploads

	mods  map[string]*module
	memo  map[string]*val
	depth int
	calls int
	work  int
	loops int

	goMethods map[string]*funcVal
	goHandler *funcVal
	// routes are functions a web framework registered (Powertools, Chalice,
	// Flask-style decorators), analysed with their path parameters as
	// sources.
	routes []route

	flows       []model.CodeFlow
	seen        map[string]bool
	sourcesUsed map[string]bool
	sinksHit    map[string]bool
	imports     map[string]bool
}

func (a *analyzer) run() (*model.CodeFacts, string) {
	if a.loc.Lang == "go" {
		return a.runGo()
	}
	m := a.load(a.loc.File)
	if m == nil {
		return nil, ""
	}
	facts := &model.CodeFacts{Language: m.ir.Lang}
	h := a.handler(m)
	if h == nil || h.fn == nil {
		if len(a.flows) == 0 && len(a.routes) == 0 {
			return facts, fmt.Sprintf("handler %s not found in %s", a.loc.Name, a.loc.File)
		}
	} else {
		facts.Entry = h.fn.fn.Pos
		event := a.evVal(&evPath{root: "event"}, h.fn.fn.Pos)
		ctxv := a.evVal(&evPath{root: "context"}, h.fn.fn.Pos)
		a.callFunc(h.fn, []*val{event, ctxv, {cb: true}}, nil, h.fn.fn.Pos)
	}
	a.runRoutes()
	if (h == nil || h.fn == nil) && len(a.routes) > 0 {
		facts.Entry = a.routes[0].fn.fn.Pos
	}
	if facts.Entry.IsZero() {
		facts.Entry = model.Pos{File: a.loc.File, Line: 1}
	}
	a.finish(facts)
	return facts, ""
}

// runGo analyses a Go main package from its main function.
func (a *analyzer) runGo() (*model.CodeFacts, string) {
	m := a.loadGo(a.loc.File)
	if m == nil {
		return nil, ""
	}
	facts := &model.CodeFacts{Language: "go"}
	if main, ok := m.env.get("main"); ok && main.fn != nil {
		a.callFunc(main.fn, nil, nil, main.fn.fn.Pos)
	}
	if a.goHandler == nil {
		return facts, "no lambda.Start(handler) call found in package main of " + a.loc.File
	}
	facts.Entry = a.goHandler.fn.Pos
	a.finish(facts)
	return facts, ""
}

// finish copies what the analysis found into facts.
func (a *analyzer) finish(facts *model.CodeFacts) {
	facts.Sources = keys(a.sourcesUsed)
	facts.Sinks = keys(a.sinksHit)
	facts.Imports = keys(a.imports)
	sort.SliceStable(a.flows, func(i, j int) bool {
		x, y := a.flows[i].Steps[len(a.flows[i].Steps)-1].Pos, a.flows[j].Steps[len(a.flows[j].Steps)-1].Pos
		if x != y {
			return x.Less(y)
		}
		return a.flows[i].Class < a.flows[j].Class
	})
	facts.Flows = a.flows
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// handler finds the handler function value in the entry module.
func (a *analyzer) handler(m *module) *val {
	parts := strings.Split(a.loc.Name, ".")
	var v *val
	if m.js {
		exp := a.exportsOf(m)
		v = exp.fields[parts[0]]
		if v == nil {
			v, _ = m.env.get(parts[0])
		}
	} else {
		v, _ = m.env.get(parts[0])
	}
	for _, p := range parts[1:] {
		if v == nil {
			return nil
		}
		v = v.fields[p]
	}
	return v
}

// load parses a file and runs its top-level statements, once per function
// analysis; import cycles see the partly initialised module, as at run
// time.
func (a *analyzer) load(rel string) *module {
	if m, ok := a.mods[rel]; ok {
		return m
	}
	if len(a.mods) >= maxModules {
		return nil
	}
	irm, err := a.cache.get(rel)
	if err != nil || irm == nil {
		a.mods[rel] = nil
		return nil
	}
	m := &module{ir: irm, env: newEnv(nil), js: irm.Lang != "python"}
	if m.js {
		m.exports = &val{fields: map[string]*val{}}
		m.modObj = &val{fields: map[string]*val{"exports": m.exports}}
		m.env.set("exports", m.exports)
		m.env.set("module", m.modObj)
	}
	a.mods[rel] = m
	m.loading = true
	a.block(&frame{mod: m}, irm.Body, m.env)
	m.loading = false
	return m
}

// resolver finds the local modules of the function's code.
func (a *analyzer) resolver() Resolver { return Resolver{Root: a.cache.root, Entry: *a.loc} }

// moduleVal is the value of an imported local module.
func (a *analyzer) moduleVal(m *module) *val {
	if m.js {
		return a.exportsOf(m)
	}
	return &val{mod: m}
}

// require resolves a JS require()/import() of name from the current file.
func (a *analyzer) require(fr *frame, name string, pos model.Pos) *val {
	if strings.HasPrefix(name, ".") && fr.mod != nil {
		if rel := a.resolver().JS(fr.mod.ir.Path, name); rel != "" {
			a.imports[rel] = true
			if m := a.load(rel); m != nil {
				return a.moduleVal(m)
			}
		}
		return &val{}
	}
	n := strings.TrimPrefix(name, "node:")
	a.imports[n] = true
	return &val{q: strings.ReplaceAll(n, "/", ".")}
}

func (a *analyzer) importStmt(fr *frame, s *ir.Import, e *env) {
	from := ""
	if fr.mod != nil {
		from = fr.mod.ir.Path
	}
	if fr.mod != nil && fr.mod.ir.Lang == "go" {
		a.goImport(s, e)
		return
	}
	js := fr.mod != nil && fr.mod.js
	if js {
		v := a.require(fr, s.Module, s.Pos)
		if s.Alias != "" {
			e.set(s.Alias, v)
		}
		if s.Default != "" {
			d := v
			if v.fields != nil && v.fields["default"] != nil {
				d = v.fields["default"]
			}
			e.set(s.Default, d)
		}
		for _, n := range s.Names {
			e.set(n.As, a.member(v, n.Name, s.Pos))
		}
		return
	}
	local := a.resolver().Python(from, s.Level, s.Module)
	var mv *val
	if local != "" {
		a.imports[local] = true
		if m := a.load(local); m != nil {
			mv = a.moduleVal(m)
		}
	} else if s.Level == 0 {
		a.imports[s.Module] = true
	}
	if mv == nil {
		mv = &val{q: s.Module}
		if s.Level > 0 {
			mv = &val{}
		}
	}
	switch {
	case s.Alias != "":
		e.set(s.Alias, mv)
	case s.Bind != "":
		if local != "" && s.Bind != s.Module {
			// import pkg.mod binds pkg; pkg.mod is reached through it.
			e.set(s.Bind, &val{fields: map[string]*val{strings.TrimPrefix(s.Module, s.Bind+"."): mv}})
		} else if local != "" {
			e.set(s.Bind, mv)
		} else {
			e.set(s.Bind, &val{q: s.Bind})
		}
	}
	for _, n := range s.Names {
		var v *val
		if mv.mod != nil {
			if x, ok := mv.mod.env.get(n.Name); ok {
				v = x
			}
		}
		if v == nil {
			// from pkg import submodule
			sub := s.Module
			if sub != "" {
				sub += "."
			}
			if p := a.resolver().Python(from, s.Level, sub+n.Name); p != "" {
				a.imports[p] = true
				if m := a.load(p); m != nil {
					v = a.moduleVal(m)
				}
			}
		}
		if v == nil {
			if mv.q != "" {
				v = &val{q: mv.q + "." + n.Name}
			} else {
				v = &val{}
			}
		}
		e.set(n.As, v)
	}
	if s.Star && mv.mod != nil {
		for k, v := range mv.mod.env.vars {
			if !strings.HasPrefix(k, "_") {
				e.set(k, v)
			}
		}
	}
}
