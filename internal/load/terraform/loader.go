// Package terraform loads one Terraform module directory (its *.tf and
// *.tf.json files and auto-loaded tfvars) into the application model. It
// evaluates what the configuration determines statically (variables with
// defaults, tfvars and --var overrides, locals, the cty standard functions,
// count and for_each over known values, local modules) and marks everything
// else Unknown with the expression and, where the expression points at a
// resource, the model ID of that resource in Value.Ref. It never runs
// terraform, never reads state and never calls a provider.
package terraform

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// Limits on module nesting: real configurations nest a handful of levels;
// a module that includes itself through a path trick must not hang the scan.
const (
	maxModuleDepth = 16
	maxModules     = 500
	maxInstances   = 10_000 // per count/for_each expansion
)

// Loader is the load.Loader for load.KindTerraform: one module directory per
// Unit.
type Loader struct{}

// Kind implements load.Loader.
func (Loader) Kind() load.Kind { return load.KindTerraform }

// Load evaluates the unit as a Terraform root module.
func (Loader) Load(ctx context.Context, root *source.Root, u load.Unit, opts load.Options) *model.App {
	l := newLoader(ctx, root, opts)
	l.loadRoot(u)
	l.finish()
	return l.app
}

type loader struct {
	ctx  context.Context
	root *source.Root
	opts load.Options
	app  *model.App
	// awsRegion is the root module's aws provider region, inherited by
	// every AWS element that does not set its own.
	awsRegion model.Value
	files     map[string]*model.File
	src       map[string][]byte
	// parsed holds every file parseFiles has read, so a module directory
	// that several module blocks use is read and parsed once.
	parsed map[string]*parsedFile
	seen   map[string]bool // diagnostic dedup

	nModules int
	rootDir  string

	fnByID   map[string]*model.Function
	roleByID map[string]*model.Role
	resByID  map[string]*model.Resource
	fnByName map[string]*model.Function
	names    map[string]string // type + "\x00" + deployed name -> model ID
	rules    map[string]ruleInfo
	instByID map[string]*inst
	fns      map[string]function.Function
	readMu   sync.Mutex
	// policyRes holds the documents of aws_iam_policy resources by model ID,
	// for attachments to copy into roles.
	policyRes map[string]*model.Policy
	// links run after every module is extracted: they join elements that
	// refer to each other (attachments, permissions, routes, triggers).
	links []func()
	// apigw keeps REST API pieces for the route assembly in finish.
	apigw *apiGateway
}

func newLoader(ctx context.Context, root *source.Root, opts load.Options) *loader {
	return &loader{
		ctx: ctx, root: root, opts: opts,
		app:       &model.App{},
		files:     map[string]*model.File{},
		src:       map[string][]byte{},
		parsed:    map[string]*parsedFile{},
		seen:      map[string]bool{},
		fnByID:    map[string]*model.Function{},
		roleByID:  map[string]*model.Role{},
		resByID:   map[string]*model.Resource{},
		fnByName:  map[string]*model.Function{},
		names:     map[string]string{},
		rules:     map[string]ruleInfo{},
		instByID:  map[string]*inst{},
		policyRes: map[string]*model.Policy{},
		apigw:     newAPIGateway(),
	}
}

// diag records a diagnostic once per position and message.
func (l *loader) diag(pos model.Pos, level model.DiagLevel, code, format string, args ...any) {
	d := load.Diag(pos, level, code, format, args...)
	k := pos.String() + "\x00" + d.Message
	if l.seen[k] {
		return
	}
	l.seen[k] = true
	l.app.Diagnostics = append(l.app.Diagnostics, d)
}

func (l *loader) file(p, kind string) *model.File {
	f := l.files[p]
	if f == nil {
		f = &model.File{Path: p, Kind: kind, Framework: model.Terraform}
		l.files[p] = f
		l.app.Files = append(l.app.Files, f)
	}
	return f
}

// unresolved counts an unknown value against its file.
func (l *loader) unresolved(pos model.Pos) {
	if f := l.files[pos.File]; f != nil {
		f.Unresolved++
	}
}

// parsedFile is one configuration or tfvars file.
type parsedFile struct {
	path string
	body hcl.Body
	syn  *hclsyntax.Body // nil for JSON
	err  error
	diag hcl.Diagnostics
	data []byte
}

func isTFVars(p string) bool {
	return strings.HasSuffix(p, ".tfvars") || strings.HasSuffix(p, ".tfvars.json")
}

func autoLoaded(p string) bool {
	b := path.Base(p)
	return b == "terraform.tfvars" || b == "terraform.tfvars.json" ||
		strings.HasSuffix(b, ".auto.tfvars") || strings.HasSuffix(b, ".auto.tfvars.json")
}

// parseFiles reads and parses files in parallel: parsing is the one part of
// a load that is independent per file, and big configurations spend much of
// their time there. A file parsed before (a module directory used by more
// than one module block) is not parsed again.
func (l *loader) parseFiles(paths []string) []*parsedFile {
	out := make([]*parsedFile, len(paths))
	var todo []int
	for i, p := range paths {
		if pf := l.parsed[p]; pf != nil {
			out[i] = pf
		} else {
			todo = append(todo, i)
		}
	}
	work := make(chan int)
	var wg sync.WaitGroup
	n := runtime.GOMAXPROCS(0)
	if n > len(todo) {
		n = len(todo)
	}
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				out[i] = parseOne(l.root, paths[i])
			}
		}()
	}
	for _, i := range todo {
		work <- i
	}
	close(work)
	wg.Wait()
	for _, i := range todo {
		pf := out[i]
		l.parsed[pf.path] = pf
		kind := "terraform"
		if isTFVars(pf.path) {
			kind = "tfvars"
		}
		f := l.file(pf.path, kind)
		if pf.err != nil {
			l.diag(model.Pos{File: pf.path}, model.DiagError, load.ReadCode(pf.err), "cannot read Terraform file: %v", pf.err)
			continue
		}
		l.src[pf.path] = pf.data
		parsed := true
		for _, d := range pf.diag {
			if d.Severity != hcl.DiagError {
				continue
			}
			parsed = false
			l.diag(rangePos(d.Subject, pf.path), model.DiagError, "parse", "%s", hclMessage(d))
		}
		// hclsyntax recovers from many errors and still returns a body;
		// keep what it could read but say the file was not fully parsed.
		f.Parsed = parsed
	}
	return out
}

func parseOne(root *source.Root, p string) (pf *parsedFile) {
	pf = &parsedFile{path: p}
	defer func() {
		if r := recover(); r != nil {
			pf.body, pf.syn = nil, nil
			pf.diag = hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "HCL parser failed", Detail: fmt.Sprint(r)}}
		}
	}()
	data, err := root.ReadFile(p)
	if err != nil {
		pf.err = err
		return pf
	}
	pf.data = data
	var f *hcl.File
	if strings.HasSuffix(p, ".json") {
		f, pf.diag = hcljson.Parse(data, p)
	} else {
		f, pf.diag = hclsyntax.ParseConfig(data, p, hcl.InitialPos)
	}
	if f != nil && f.Body != nil {
		pf.body = f.Body
		pf.syn, _ = f.Body.(*hclsyntax.Body)
	}
	return pf
}

func hclMessage(d *hcl.Diagnostic) string {
	if d.Detail != "" {
		return d.Summary + ": " + d.Detail
	}
	return d.Summary
}

func rangePos(r *hcl.Range, file string) model.Pos {
	if r == nil {
		return model.Pos{File: file}
	}
	p := model.Pos{File: r.Filename, Line: r.Start.Line, Col: r.Start.Column}
	if p.File == "" {
		p.File = file
	}
	return p
}

func posOf(r hcl.Range) model.Pos {
	return model.Pos{File: r.Filename, Line: r.Start.Line, Col: r.Start.Column}
}

// loadRoot loads the unit as the root module.
func (l *loader) loadRoot(u load.Unit) {
	var conf, vars []string
	for _, f := range u.Files {
		if isTFVars(f) {
			vars = append(vars, f)
		} else {
			conf = append(conf, f)
		}
	}
	sort.Strings(conf)
	// Terraform applies terraform.tfvars, then terraform.tfvars.json, then
	// *.auto.tfvars(.json) in lexical order; later files win.
	sort.SliceStable(vars, func(i, j int) bool { return tfvarsRank(vars[i]) < tfvarsRank(vars[j]) })
	dir := u.Dir
	if dir == "" && len(u.Files) > 0 {
		dir = path.Dir(u.Files[0])
	}
	if dir == "" {
		dir = "."
	}
	l.rootDir = dir
	parsed := l.parseFiles(append(append([]string{}, conf...), vars...))
	m := &module{l: l, dir: dir, prefix: "", depth: 0}
	var varFiles []*parsedFile
	for _, pf := range parsed {
		if isTFVars(pf.path) {
			varFiles = append(varFiles, pf)
		} else if pf.body != nil {
			m.files = append(m.files, pf)
		}
	}
	vals := map[string]cty.Value{}
	for _, pf := range varFiles {
		if pf.body == nil {
			continue
		}
		if !autoLoaded(pf.path) {
			l.diag(model.Pos{File: pf.path}, model.DiagInfo, "unsupported",
				"%s is not auto-loaded by Terraform; its values were not applied (pass them with --var)", pf.path)
			continue
		}
		attrs, diags := pf.body.JustAttributes()
		for _, d := range diags {
			if d.Severity == hcl.DiagError {
				l.diag(rangePos(d.Subject, pf.path), model.DiagError, "parse", "%s", hclMessage(d))
			}
		}
		for name, a := range attrs {
			v, vd := a.Expr.Value(&hcl.EvalContext{Functions: l.functions()})
			if vd.HasErrors() {
				l.diag(posOf(a.Expr.Range()), model.DiagWarning, "unresolved", "cannot evaluate tfvars value %s: %s", name, hclMessage(vd[0]))
				continue
			}
			vals[name] = v
		}
	}
	overrides := map[string]string{}
	for k, v := range l.opts.Vars {
		overrides[k] = v
	}
	m.load(vals, overrides, nil)
	l.awsRegion = m.providerRegion()
}

// providerRegion evaluates region in the root module's default (unaliased)
// aws provider block. Child modules inherit it, as in Terraform.
func (m *module) providerRegion() model.Value {
	for _, pf := range m.files {
		for _, pb := range mkBody(pf.body).blocks("provider", "name") {
			if pb.labels[0] != "aws" || pb.body.attr("alias") != nil {
				continue
			}
			a := pb.body.attr("region")
			if a == nil {
				continue
			}
			v, diags := a.Expr.Value(m.ctx)
			if s, ok := ctyString(v); ok && !diags.HasErrors() {
				return model.Str(s, posOf(a.Expr.Range()))
			}
			return model.Unresolved("provider region", posOf(a.Expr.Range()))
		}
	}
	return model.Value{}
}

// applyRegion gives AWS elements without their own region the provider's.
func (l *loader) applyRegion() {
	if !l.awsRegion.IsKnown() {
		return
	}
	for _, f := range l.app.Functions {
		if f.Provider == model.AWS && f.Attr(model.AttrRegion).IsAbsent() {
			f.SetAttr(model.AttrRegion, l.awsRegion)
		}
	}
	for _, r := range l.app.Resources {
		if r.Provider == model.AWS && r.Attr(model.AttrRegion).IsAbsent() {
			r.SetAttr(model.AttrRegion, l.awsRegion)
		}
	}
}

func tfvarsRank(p string) string {
	b := path.Base(p)
	switch b {
	case "terraform.tfvars":
		return "0"
	case "terraform.tfvars.json":
		return "1"
	}
	return "2" + b
}

// listModuleFiles lists the configuration files of a local module directory.
func (l *loader) listModuleFiles(dir string) ([]string, error) {
	entries, err := fs.ReadDir(l.root.FS(), dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !(strings.HasSuffix(n, ".tf") || strings.HasSuffix(n, ".tf.json")) {
			continue
		}
		if dir == "." {
			out = append(out, n)
		} else {
			out = append(out, dir+"/"+n)
		}
	}
	sort.Strings(out)
	return out, nil
}

// finish runs the joins and puts the model in order.
func (l *loader) finish() {
	for i := 0; i < len(l.links); i++ { // links may append links
		if l.ctx.Err() != nil {
			l.diag(model.Pos{File: l.rootDir}, model.DiagWarning, "limit", "load cancelled: %v", l.ctx.Err())
			break
		}
		l.links[i]()
	}
	l.apigw.assemble(l)
	l.commonEdges()
	l.applyRegion()
	l.app.Sort()
}
