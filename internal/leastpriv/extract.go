package leastpriv

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/wardensec/warden/internal/code"
	"github.com/wardensec/warden/internal/code/ir"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// Call is one AWS SDK call found in a function's code.
type Call struct {
	Pos model.Pos `json:"pos"`
	// SDK is boto3, js-v2, js-v3 or go-v2.
	SDK string `json:"sdk"`
	// Service is the SDK's service name as the map spells it ("S3",
	// "DynamoDB"), or as written when the map does not know it; "" when
	// the code chose the service at run time.
	Service string `json:"service"`
	// Op is the API operation in PascalCase ("GetObject"); "" when the
	// method name was computed.
	Op string `json:"op"`
	// Params are the call's parameters that could name a resource, by
	// lower-cased name.
	Params map[string]Str `json:"params,omitempty"`
}

// Key is the map key the call looks up, "S3.GetObject".
func (c Call) Key() string { return c.Service + "." + c.Op }

// Limits keep one function's extraction bounded on hostile or generated
// code.
const (
	maxModules = 200
	maxDepth   = 40
)

// module is one parsed file (for Go, one package) with its top-level
// bindings.
type module struct {
	ir      *ir.Module
	files   []*ir.Module // Go: every file of the package
	env     *env
	exports *val // JS: module.exports
	js      bool
	lang    string
	funcs   []*fnRef
}

type env struct {
	vars   map[string]*val
	parent *env
}

func newEnv(parent *env) *env { return &env{vars: map[string]*val{}, parent: parent} }

func (e *env) get(n string) (*val, bool) {
	for x := e; x != nil; x = x.parent {
		if v, ok := x.vars[n]; ok {
			return v, true
		}
	}
	return nil, false
}

func (e *env) set(n string, v *val) { e.vars[n] = v }

// extractor finds the SDK calls reachable from one handler.
type extractor struct {
	root  *source.Root
	parse func(rel string) (*ir.Module, error)
	// res finds local imports as internal/code does, so that the two
	// analyses of a function read the same files.
	res    code.Resolver
	entry0 *ir.Func // the handler

	mods    map[string]*module
	walked  map[*ir.Func]bool
	results map[*ir.Func]*val
	// attrs are values assigned to attributes of any object (self.table =
	// ..., h.db = ..., struct literal fields), found by attribute name:
	// clients kept on objects are the norm in handler code.
	attrs map[string]*val
	// methods index class and Go methods by their bare name, so that a
	// call on an object the extractor cannot type still reaches them.
	methods map[string][]*fnRef
	depth   int

	calls     []Call
	seen      map[string]bool
	problems  []string
	problemAt map[string]bool
}

func newExtractor(root *source.Root, parse func(string) (*ir.Module, error)) *extractor {
	if parse == nil {
		parse = fileParser(root)
	}
	return &extractor{root: root, parse: parse, mods: map[string]*module{}, walked: map[*ir.Func]bool{},
		results: map[*ir.Func]*val{}, attrs: map[string]*val{}, methods: map[string][]*fnRef{},
		seen: map[string]bool{}, problemAt: map[string]bool{}}
}

// fileParser reads files through root and parses each by its extension
// once: a module imported by several handlers is parsed once per Analyze,
// not once per function. Extraction only reads the IR, so sharing a parsed
// module between functions is safe.
func fileParser(root *source.Root) func(rel string) (*ir.Module, error) {
	type parsed struct {
		mod *ir.Module
		err error
	}
	done := map[string]parsed{}
	return func(rel string) (*ir.Module, error) {
		if p, ok := done[rel]; ok {
			return p.mod, p.err
		}
		var p parsed
		src, err := root.ReadFile(rel)
		if err != nil {
			p.err = err
		} else {
			p.mod, p.err = code.ParseFile(rel, src)
		}
		done[rel] = p
		return p.mod, p.err
	}
}

// problem records something that makes the extraction incomplete; the
// suggestion and the rules say so instead of guessing.
func (x *extractor) problem(pos model.Pos, msg string) {
	k := pos.String() + msg
	if x.problemAt[k] {
		return
	}
	x.problemAt[k] = true
	if !pos.IsZero() {
		msg = pos.String() + ": " + msg
	}
	x.problems = append(x.problems, msg)
}

// load parses a file and evaluates its top level once.
func (x *extractor) load(rel string) *module {
	if m, ok := x.mods[rel]; ok {
		return m
	}
	if len(x.mods) >= maxModules {
		x.problem(model.Pos{File: rel}, "too many modules; the rest is not analysed")
		x.mods[rel] = nil
		return nil
	}
	x.mods[rel] = nil
	irm, err := x.parse(rel)
	if err != nil || irm == nil {
		x.problem(model.Pos{File: rel}, fmt.Sprintf("not parsed: %v", err))
		return nil
	}
	m := &module{ir: irm, env: newEnv(nil), lang: irm.Lang, js: irm.Lang == "javascript" || irm.Lang == "typescript"}
	if m.js {
		m.exports = &val{k: kDict, dict: map[string]*val{}}
	}
	x.mods[rel] = m
	x.topLevel(m, irm.Body)
	return m
}

// loadGo parses every non-test Go file of a directory as one package.
func (x *extractor) loadGo(dir string) *module {
	if m, ok := x.mods[dir]; ok {
		return m
	}
	x.mods[dir] = nil
	m := &module{env: newEnv(nil), lang: "go"}
	for _, rel := range code.GoPackage(x.root, dir) {
		irm, err := x.parse(rel)
		if err != nil || irm == nil {
			x.problem(model.Pos{File: rel}, fmt.Sprintf("not parsed: %v", err))
			continue
		}
		if irm.Package != "main" {
			continue
		}
		m.files = append(m.files, irm)
	}
	if len(m.files) == 0 {
		return nil
	}
	m.ir = m.files[0]
	x.mods[dir] = m
	// Go's package scope sees every file's declarations: bind them all
	// before evaluating any initialiser.
	for _, f := range m.files {
		x.declare(m, f.Body)
	}
	for _, f := range m.files {
		x.topLevel(m, f.Body)
	}
	return m
}

// declare binds functions and classes so that code above their definition
// (and Go's package scope) finds them.
func (x *extractor) declare(m *module, body []ir.Stmt) {
	for _, s := range body {
		switch s := s.(type) {
		case *ir.FuncDef:
			r := &fnRef{mod: m, fn: s.Fn}
			m.funcs = append(m.funcs, r)
			name := s.Name
			if i := strings.LastIndexByte(name, '.'); i >= 0 && m.lang == "go" {
				// Go method "Recv.Method": reachable by method name.
				x.methods[name[i+1:]] = append(x.methods[name[i+1:]], r)
				continue
			}
			m.env.set(name, &val{k: kFunc, fn: r})
		case *ir.ClassDef:
			cls := &fnRef{mod: m}
			for _, b := range s.Body {
				fd, ok := b.(*ir.FuncDef)
				if !ok {
					continue
				}
				r := &fnRef{mod: m, fn: fd.Fn}
				x.methods[fd.Name] = append(x.methods[fd.Name], r)
				if fd.Name == "__init__" || fd.Name == "constructor" {
					cls.class = append(cls.class, r)
				}
			}
			m.env.set(s.Name, &val{k: kFunc, fn: cls})
		}
	}
}

func (x *extractor) topLevel(m *module, body []ir.Stmt) {
	x.declare(m, body)
	fr := &frame{m: m, env: m.env, top: true}
	x.block(fr, body)
}

// frame is the context a statement runs in.
type frame struct {
	m   *module
	env *env
	// top is true for a module's top level, where function bodies are
	// values and run only when something reachable calls them.
	top bool
	ret *val
}

func (x *extractor) block(fr *frame, body []ir.Stmt) {
	for _, s := range body {
		x.stmt(fr, s)
	}
}

func (x *extractor) stmt(fr *frame, s ir.Stmt) {
	switch s := s.(type) {
	case *ir.Assign:
		v := x.eval(fr, s.Value)
		for _, t := range s.Targets {
			if s.Op != "" {
				if n, ok := t.(*ir.Name); ok {
					old, _ := fr.env.get(n.ID)
					v = strVal(concat(old.asStr(), v.asStr()))
				}
			}
			x.bind(fr, t, v)
		}
	case *ir.ExprStmt:
		x.eval(fr, s.X)
	case *ir.Return:
		if s.X != nil {
			v := x.eval(fr, s.X)
			if fr.ret == nil || fr.ret.k == kUnknown {
				fr.ret = v
			}
		}
	case *ir.Raise:
		if s.X != nil {
			x.eval(fr, s.X)
		}
	case *ir.If:
		x.eval(fr, s.Cond)
		x.block(fr, s.Then)
		x.block(fr, s.Else)
	case *ir.Loop:
		var it *val = unknown
		if s.Iter != nil {
			it = x.eval(fr, s.Iter)
		}
		if s.Cond != nil {
			x.eval(fr, s.Cond)
		}
		if s.Target != nil {
			x.bind(fr, s.Target, it.elem())
		}
		x.block(fr, s.Body)
		x.block(fr, s.Else)
	case *ir.Try:
		x.block(fr, s.Body)
		for _, c := range s.Catches {
			x.block(fr, c.Body)
		}
		x.block(fr, s.Else)
		x.block(fr, s.Finally)
	case *ir.FuncDef:
		r := &fnRef{mod: fr.m, fn: s.Fn}
		if fr.top {
			if v, ok := fr.env.vars[s.Name]; !ok || v.fn == nil || v.fn.fn != s.Fn {
				fr.env.set(s.Name, &val{k: kFunc, fn: r})
			}
			return
		}
		// A function defined inside reachable code is there to be called.
		fr.env.set(s.Name, &val{k: kFunc, fn: r})
		x.walk(r, fr.env)
	case *ir.ClassDef:
		if !fr.top {
			for _, b := range s.Body {
				if fd, ok := b.(*ir.FuncDef); ok {
					x.walk(&fnRef{mod: fr.m, fn: fd.Fn}, fr.env)
				}
			}
		}
	case *ir.Import:
		x.importStmt(fr, s)
	case *ir.Export:
		v := x.eval(fr, s.Value)
		if fr.m.exports != nil {
			fr.m.exports.dict[s.Name] = v
		}
	case *ir.Block:
		x.block(fr, s.Body)
	}
}

// bind assigns v to an assignment target.
func (x *extractor) bind(fr *frame, t ir.Expr, v *val) {
	switch t := t.(type) {
	case *ir.Name:
		// Assigning a variable of an enclosing scope updates it there:
		// clients created lazily (`if (!client) client = new S3Client()`,
		// Go's init()) are kept in package or module variables.
		if !fr.top {
			if _, local := fr.env.vars[t.ID]; !local {
				for e := fr.env.parent; e != nil; e = e.parent {
					if old, ok := e.vars[t.ID]; ok {
						if v.k != kUnknown || old.k == kUnknown {
							e.vars[t.ID] = v
						}
						return
					}
				}
			}
		}
		fr.env.set(t.ID, v)
	case *ir.Attr:
		// exports.x = ..., module.exports.x = ..., module.exports = {...}
		if fr.m.exports != nil {
			if n, ok := t.X.(*ir.Name); ok && n.ID == "exports" {
				fr.m.exports.dict[t.Name] = v
				return
			}
			if a, ok := t.X.(*ir.Attr); ok && a.Name == "exports" {
				if n, ok := a.X.(*ir.Name); ok && n.ID == "module" {
					fr.m.exports.dict[t.Name] = v
					return
				}
			}
			if n, ok := t.X.(*ir.Name); ok && n.ID == "module" && t.Name == "exports" {
				if v.k == kDict {
					for k, fv := range v.dict {
						fr.m.exports.dict[k] = fv
					}
				} else {
					fr.m.exports.dict["="] = v
				}
				return
			}
		}
		x.eval(fr, t.X)
		// self.table = ..., self.bucket = os.environ[...]: kept by
		// attribute name, since the extractor does not type objects.
		if v.sdkObject() || (v.k == kStr && v.str.Known()) {
			x.attrs[t.Name] = v
		}
	case *ir.Dict:
		// Destructuring: const { S3 } = require('aws-sdk'); const { TABLE } = process.env.
		for i, k := range t.Keys {
			c, ok := k.(*ir.Const)
			if !ok || i >= len(t.Values) {
				if i < len(t.Values) {
					x.bind(fr, t.Values[i], unknown)
				}
				continue
			}
			target := t.Values[i]
			if c2, ok := target.(*ir.Const); ok {
				target = &ir.Name{Pos: c2.Pos, ID: c2.Value}
			}
			x.bind(fr, target, x.member(fr, v, c.Value, k.At()))
		}
	case *ir.Seq:
		for _, e := range t.Elems {
			x.bind(fr, e, unknown)
		}
	case *ir.Spread:
		x.bind(fr, t.X, unknown)
	case *ir.Index:
		x.eval(fr, t.X)
		x.eval(fr, t.Key)
	}
}

// walk runs a function's body once, in an environment below the one it
// was defined in, and remembers its return value.
func (x *extractor) walk(r *fnRef, parent *env) *val {
	if r == nil {
		return unknown
	}
	if r.class != nil {
		for _, c := range r.class {
			x.walk(c, parent)
		}
		return unknown
	}
	if r.fn == nil {
		return unknown
	}
	if x.walked[r.fn] {
		if v, ok := x.results[r.fn]; ok {
			return v
		}
		return unknown
	}
	if x.depth >= maxDepth {
		x.problem(r.fn.Pos, "call chain too deep; calls below it are not analysed")
		return unknown
	}
	x.walked[r.fn] = true
	if parent == nil {
		parent = r.mod.env
	}
	fr := &frame{m: r.mod, env: newEnv(parent)}
	for i, p := range r.fn.Params {
		if p.Name != "" {
			v := unknown
			if i == 0 && r.fn == x.entry0 {
				// The handler's event: resources it names come from the
				// trigger (the bucket of an S3 notification).
				v = &val{k: kEvent}
			}
			fr.env.set(p.Name, v)
		}
	}
	x.depth++
	x.block(fr, r.fn.Body)
	x.depth--
	ret := fr.ret
	if ret == nil {
		ret = unknown
	}
	x.results[r.fn] = ret
	return ret
}

// awsWrappers are libraries that call AWS themselves. Their calls are not
// in the code Warden reads, so a function importing one cannot be said to
// never use a permission.
var awsWrappers = []string{
	// Python
	"pynamodb", "awswrangler", "aioboto3", "aiobotocore", "botocore.session", "s3fs", "smart_open",
	"aws_lambda_powertools.utilities.parameters", "aws_lambda_powertools.utilities.idempotency",
	"aws_lambda_powertools.utilities.feature_flags", "aws_lambda_powertools.utilities.streaming",
	// JavaScript
	"dynamoose", "electrodb", "dynamodb-toolbox", "@aws-lambda-powertools/parameters",
	"@aws-lambda-powertools/idempotency", "@middy/ssm", "@middy/secrets-manager", "@middy/s3-object-response",
	"@middy/sts", "@middy/rds-signer", "@middy/dynamodb", "@middy/appconfig",
	// Go
	"github.com/guregu/dynamo", "github.com/aws/aws-sdk-go-v2/feature/s3/manager", "github.com/aws/aws-sdk-go-v2/feature/rds/auth",
}

// noteWrapper records an import of a library that calls AWS itself.
func (x *extractor) noteWrapper(pos model.Pos, mod string) {
	for _, w := range awsWrappers {
		if mod == w || strings.HasPrefix(mod, w+".") || strings.HasPrefix(mod, w+"/") {
			x.problem(pos, fmt.Sprintf("imports %s, which calls AWS itself; its calls are not mapped", mod))
			return
		}
	}
}

func (x *extractor) importStmt(fr *frame, s *ir.Import) {
	m := fr.m
	if s.Level == 0 && !m.js {
		// JS imports go through require, which notes them.
		x.noteWrapper(s.Pos, s.Module)
		for _, n := range s.Names {
			// from aws_lambda_powertools.utilities import parameters
			x.noteWrapper(s.Pos, s.Module+"."+n.Name)
		}
	}
	switch m.lang {
	case "go":
		name := s.Alias
		if name == "" {
			name = path.Base(s.Module)
		}
		m.env.set(name, &val{k: kMod, mod: s.Module})
		return
	case "python":
		mv := x.pyModule(fr, s.Level, s.Module)
		switch {
		case s.Alias != "":
			fr.env.set(s.Alias, mv)
		case s.Bind != "":
			if mv.k == kLocal && s.Bind != s.Module {
				fr.env.set(s.Bind, &val{k: kDict, dict: map[string]*val{strings.ToLower(strings.TrimPrefix(s.Module, s.Bind+".")): mv}})
			} else if mv.k == kLocal {
				fr.env.set(s.Bind, mv)
			} else {
				fr.env.set(s.Bind, &val{k: kMod, mod: s.Bind})
			}
		}
		for _, n := range s.Names {
			v := x.member(fr, mv, n.Name, s.Pos)
			if v.k == kUnknown {
				sub := s.Module
				if sub != "" {
					sub += "."
				}
				if sm := x.pyModule(fr, s.Level, sub+n.Name); sm.k == kLocal {
					v = sm
				}
			}
			fr.env.set(n.As, v)
		}
		if s.Star && mv.k == kLocal {
			for k, v := range mv.lm.env.vars {
				fr.env.set(k, v)
			}
		}
	default:
		mv := x.require(fr, s.Module)
		if s.Alias != "" {
			fr.env.set(s.Alias, mv)
		}
		if s.Default != "" {
			d := mv
			if dv := x.member(fr, mv, "default", s.Pos); dv.k != kUnknown {
				d = dv
			}
			fr.env.set(s.Default, d)
		}
		for _, n := range s.Names {
			fr.env.set(n.As, x.member(fr, mv, n.Name, s.Pos))
		}
	}
}

// pyModule resolves a Python import to a local module or a named one.
func (x *extractor) pyModule(fr *frame, level int, mod string) *val {
	if c := x.res.Python(fr.m.ir.Path, level, mod); c != "" {
		if lm := x.load(c); lm != nil {
			return &val{k: kLocal, lm: lm}
		}
		return unknown
	}
	if level > 0 {
		return unknown
	}
	return &val{k: kMod, mod: mod}
}

// require resolves a JS module name: a local file, an AWS SDK package, or
// another package (unknown).
func (x *extractor) require(fr *frame, name string) *val {
	if !strings.HasPrefix(name, ".") {
		n := strings.TrimPrefix(name, "node:")
		x.noteWrapper(model.Pos{File: fr.m.ir.Path}, n)
		if strings.HasPrefix(n, "aws-sdk/clients/") {
			return &val{k: kClientClass, svc: x.service(strings.TrimPrefix(n, "aws-sdk/clients/")), sdk: "js-v2"}
		}
		return &val{k: kMod, mod: n}
	}
	if c := x.res.JS(fr.m.ir.Path, name); c != "" {
		if lm := x.load(c); lm != nil {
			return &val{k: kLocal, lm: lm}
		}
	}
	return unknown
}

// service maps an SDK's client name to the map's service name, keeping
// the name as written when the map does not know it.
func (x *extractor) service(name string) string {
	m, err := Map()
	if err == nil {
		if s := m.Service(name); s != "" {
			return s
		}
	}
	return name
}

// record adds one SDK call, once per position and operation.
func (x *extractor) record(c Call) {
	k := c.Pos.String() + "|" + c.Key()
	if x.seen[k] {
		return
	}
	x.seen[k] = true
	x.calls = append(x.calls, c)
}

// sortedCalls returns the calls in source order.
func (x *extractor) sortedCalls() []Call {
	out := append([]Call(nil), x.calls...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Pos != out[j].Pos {
			return out[i].Pos.Less(out[j].Pos)
		}
		return out[i].Key() < out[j].Key()
	})
	return out
}
