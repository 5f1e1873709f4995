package terraform

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// body reads attributes and nested blocks the same way from native HCL
// and from JSON bodies, which only know what is a block through a schema.
type body struct {
	syn *hclsyntax.Body
	gen hcl.Body
}

func mkBody(b hcl.Body) body {
	if s, ok := b.(*hclsyntax.Body); ok {
		return body{syn: s}
	}
	return body{gen: b}
}

func (b body) attr(name string) *hcl.Attribute {
	if b.syn != nil {
		a := b.syn.Attributes[name]
		if a == nil {
			return nil
		}
		return a.AsHCLAttribute()
	}
	if b.gen == nil {
		return nil
	}
	c, _, _ := b.gen.PartialContent(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: name}}})
	if c == nil {
		return nil
	}
	return c.Attributes[name]
}

type block struct {
	typ    string
	labels []string
	body   body
	def    hcl.Range
}

func (b body) blocks(typ string, labels ...string) []block {
	var out []block
	if b.syn != nil {
		for _, x := range b.syn.Blocks {
			if x.Type == typ && len(x.Labels) == len(labels) {
				out = append(out, block{typ: typ, labels: x.Labels, body: body{syn: x.Body}, def: x.DefRange()})
			}
		}
		return out
	}
	if b.gen == nil {
		return nil
	}
	c, _, _ := b.gen.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: typ, LabelNames: labels}}})
	if c == nil {
		return nil
	}
	for _, x := range c.Blocks {
		out = append(out, block{typ: typ, labels: x.Labels, body: mkBody(x.Body), def: x.DefRange})
	}
	return out
}

// first returns the first nested block of a type, or an empty body.
func (b body) first(typ string) (body, bool) {
	bs := b.blocks(typ)
	if len(bs) == 0 {
		return body{}, false
	}
	return bs[0].body, true
}

// hasDynamic reports a `dynamic "typ"` block, whose expansion is not
// modelled: callers mark what they build from typ blocks as incomplete.
func (b body) hasDynamic(typ string) bool {
	if b.syn == nil {
		return false
	}
	for _, x := range b.syn.Blocks {
		if x.Type == "dynamic" && len(x.Labels) == 1 && x.Labels[0] == typ {
			return true
		}
	}
	return false
}

// attrs returns every attribute (for JSON bodies, every property).
func (b body) attrs() map[string]*hcl.Attribute {
	out := map[string]*hcl.Attribute{}
	if b.syn != nil {
		for n, a := range b.syn.Attributes {
			out[n] = a.AsHCLAttribute()
		}
		return out
	}
	if b.gen == nil {
		return out
	}
	as, _ := b.gen.JustAttributes()
	for n, a := range as {
		out[n] = a
	}
	return out
}

// rblock is a resource or data block.
type rblock struct {
	mode      string // "resource" or "data"
	typ, name string
	file      string
	body      body
	def       hcl.Range
	insts     []*inst
	multi     string // "", "count" or "for_each": how instances are keyed
	unknownN  bool
}

func (r *rblock) addr() string {
	if r.mode == "data" {
		return "data." + r.typ + "." + r.name
	}
	return r.typ + "." + r.name
}

// inst is one instance of a resource block after count/for_each expansion.
type inst struct {
	rb       *rblock
	m        *module
	addr     string // address in the module: aws_x.y, aws_x.y["k"], aws_x.y[1]
	id       string
	ctx      *hcl.EvalContext
	deployed model.Value
	pos      model.Pos
	key      string // for_each key
}

// mblock is a module call.
type mblock struct {
	name string
	file string
	b    block
}

// module is one instance of a module: its files, evaluation context and
// the addresses of its resources.
type module struct {
	l      *loader
	dir    string
	prefix string // "module.a.module.b." for nested modules
	depth  int
	stack  []string // directories of the enclosing modules, for cycles

	files     []*parsedFile
	variables []block
	localAttr map[string]*hcl.Attribute
	localOrd  []string
	resources []*rblock
	modules   []*mblock
	outputs   map[string]*hcl.Attribute

	ctx    *hcl.EvalContext
	addrs  map[string]string // module-relative address -> model ID
	byAddr map[string]*inst
	// modOut maps "name.output" of child modules to the model ID the output
	// points at, so references through module outputs still resolve.
	modOut  map[string]string
	varRefs map[string]string // variable -> model ID its module argument refers to
	outRefs map[string]string
	docs    map[string]*docState

	refAttrs map[string]map[string]bool
	refAll   bool
}

type docState struct {
	busy bool
	done bool
	pol  *model.Policy
}

// load collects the module's blocks, resolves its variables and locals,
// expands its resources and child modules, and extracts the model.
// vals are values from tfvars (root) or module arguments (children);
// overrides are --var strings and apply to the root only.
func (m *module) load(vals map[string]cty.Value, overrides map[string]string, call *mblock) {
	l := m.l
	m.addrs = map[string]string{}
	m.byAddr = map[string]*inst{}
	m.modOut = map[string]string{}
	m.outRefs = map[string]string{}
	m.docs = map[string]*docState{}
	m.localAttr = map[string]*hcl.Attribute{}
	m.outputs = map[string]*hcl.Attribute{}
	for _, pf := range m.files {
		b := mkBody(pf.body)
		m.variables = append(m.variables, b.blocks("variable", "name")...)
		for _, lb := range b.blocks("locals") {
			for n, a := range lb.body.attrs() {
				if prev := m.localAttr[n]; prev != nil {
					l.diag(posOf(a.NameRange), model.DiagWarning, "parse", "duplicate local value %q (first defined at %s)", n, posOf(prev.NameRange))
					continue
				}
				m.localAttr[n] = a
			}
		}
		for _, mode := range []string{"resource", "data"} {
			for _, rb := range b.blocks(mode, "type", "name") {
				r := &rblock{mode: mode, typ: rb.labels[0], name: rb.labels[1], file: pf.path, body: rb.body, def: rb.def}
				m.resources = append(m.resources, r)
			}
		}
		for _, mb := range b.blocks("module", "name") {
			m.modules = append(m.modules, &mblock{name: mb.labels[0], file: pf.path, b: mb})
		}
		for _, ob := range b.blocks("output", "name") {
			if a := ob.body.attr("value"); a != nil {
				m.outputs[ob.labels[0]] = a
			}
		}
	}
	m.collectRefs()
	m.ctx = &hcl.EvalContext{Variables: map[string]cty.Value{}, Functions: l.moduleFunctions()}
	m.ctx.Variables["var"] = m.variableValues(vals, overrides, call)
	m.ctx.Variables["path"] = cty.ObjectVal(map[string]cty.Value{
		"module": cty.StringVal(m.relToRoot()),
		"root":   cty.StringVal("."),
		"cwd":    cty.StringVal("."),
	})
	m.ctx.Variables["terraform"] = cty.ObjectVal(map[string]cty.Value{"workspace": cty.StringVal("default")})
	m.placeholders()
	m.orderLocals()
	m.evalLocals(true)
	m.expand()
	m.loadChildren()
	m.refine()
	m.evalLocals(false)
	for _, r := range m.resources {
		for _, in := range r.insts {
			if l.ctx.Err() != nil {
				return
			}
			m.extract(in)
		}
	}
	for name, a := range m.outputs {
		if id := m.refID(a.Expr); id != "" {
			m.outRefs[name] = id
		}
	}
}

// relToRoot is path.module: the module directory relative to the root
// module, which is how Terraform resolves relative paths in arguments.
func (m *module) relToRoot() string {
	rel, err := filepath.Rel(filepath.FromSlash(m.l.rootDir), filepath.FromSlash(m.dir))
	if err != nil {
		return m.dir
	}
	return filepath.ToSlash(rel)
}

// variableValues builds var.*: module arguments or tfvars, then --var
// overrides (root only), then defaults; the rest stay unknown.
func (m *module) variableValues(vals map[string]cty.Value, overrides map[string]string, call *mblock) cty.Value {
	l := m.l
	out := map[string]cty.Value{}
	for _, vb := range m.variables {
		name := vb.labels[0]
		id := vb.def.Filename + "#" + m.prefix + "var." + name
		in := &model.Input{ID: id, Name: m.prefix + "var." + name, Framework: model.Terraform, Pos: posOf(vb.def)}
		ty := cty.DynamicPseudoType
		if ta := vb.body.attr("type"); ta != nil {
			in.Type = model.Str(m.srcText(ta.Expr.Range()), posOf(ta.Expr.Range()))
			if t, d := typeexpr.TypeConstraint(ta.Expr); !d.HasErrors() {
				ty = t
			}
		}
		if sa := vb.body.attr("sensitive"); sa != nil {
			if v, d := sa.Expr.Value(nil); !d.HasErrors() && v.Type() == cty.Bool && v.IsKnown() && !v.IsNull() {
				in.Masked = model.Str(strconv.FormatBool(v.True()), posOf(sa.Expr.Range()))
			}
		}
		var def cty.Value
		hasDef := false
		if da := vb.body.attr("default"); da != nil {
			v, d := da.Expr.Value(&hcl.EvalContext{Functions: l.functions()})
			if !d.HasErrors() {
				def, hasDef = v, true
				in.Default = ctyToValue(v, posOf(da.Expr.Range()))
			}
		}
		l.app.Inputs = append(l.app.Inputs, in)
		var v cty.Value
		switch {
		case overrides != nil && hasKey(overrides, name):
			v = parseVarFlag(overrides[name], ty)
		case vals != nil && hasVal(vals, name):
			v = vals[name]
		case call == nil && m.l.opts.Env != nil && envVar(m.l.opts.Env, name, ty, &v):
			// TF_VAR_name, below tfvars and --var as in Terraform.
		case hasDef:
			v = def
		default:
			v = cty.DynamicVal
			if call == nil {
				l.diag(posOf(vb.def), model.DiagWarning, "unresolved",
					"variable %q has no default and no value was given (tfvars or --var %s=...); values that depend on it are unknown", name, name)
			} else {
				l.diag(posOf(call.b.def), model.DiagWarning, "unresolved",
					"module %q does not set required variable %q; values that depend on it are unknown", call.name, name)
			}
		}
		if ty != cty.DynamicPseudoType && v.IsKnown() && !v.IsNull() {
			if cv, err := convert.Convert(v, ty); err == nil {
				v = cv
			}
		}
		out[name] = v
	}
	return cty.ObjectVal(out)
}

func envVar(env func(string) (string, bool), name string, ty cty.Type, out *cty.Value) bool {
	s, ok := env("TF_VAR_" + name)
	if ok {
		*out = parseVarFlag(s, ty)
	}
	return ok
}

func hasKey(m map[string]string, k string) bool    { _, ok := m[k]; return ok }
func hasVal(m map[string]cty.Value, k string) bool { _, ok := m[k]; return ok }

// parseVarFlag reads a --var value the way Terraform does: literally for
// strings, as an HCL expression for other types.
func parseVarFlag(s string, ty cty.Type) cty.Value {
	if ty == cty.String || ty == cty.DynamicPseudoType {
		return cty.StringVal(s)
	}
	x, d := hclsyntax.ParseExpression([]byte(s), "--var", hcl.InitialPos)
	if d.HasErrors() {
		return cty.StringVal(s)
	}
	v, d := x.Value(nil)
	if d.HasErrors() {
		return cty.StringVal(s)
	}
	return v
}

// placeholders puts every resource, data source and module in the context
// as unknown, so that expressions referring to them evaluate to unknown
// rather than failing, before their own attributes are known.
func (m *module) placeholders() {
	m.setResourceVars(func(*rblock) (cty.Value, bool) { return cty.DynamicVal, true })
	mods := map[string]cty.Value{}
	for _, mb := range m.modules {
		mods[mb.name] = cty.DynamicVal
	}
	m.ctx.Variables["module"] = cty.ObjectVal(mods)
}

var reserved = map[string]bool{"var": true, "local": true, "data": true, "module": true, "path": true,
	"terraform": true, "count": true, "each": true, "self": true}

// orderLocals sorts locals so each comes after the locals it uses; locals
// in a cycle are reported and stay unknown.
func (m *module) orderLocals() {
	names := make([]string, 0, len(m.localAttr))
	for n := range m.localAttr {
		names = append(names, n)
	}
	sort.Strings(names)
	deps := map[string][]string{}
	for _, n := range names {
		for _, t := range m.localAttr[n].Expr.Variables() {
			if t.RootName() != "local" || len(t) < 2 {
				continue
			}
			if a, ok := t[1].(hcl.TraverseAttr); ok {
				if _, ok := m.localAttr[a.Name]; ok {
					deps[n] = append(deps[n], a.Name)
				}
			}
		}
	}
	state := map[string]int{} // 0 new, 1 visiting, 2 done
	var cyc []string
	var visit func(n string) bool
	visit = func(n string) bool {
		switch state[n] {
		case 1:
			return false
		case 2:
			return true
		}
		state[n] = 1
		ok := true
		for _, d := range deps[n] {
			if !visit(d) {
				ok = false
			}
		}
		state[n] = 2
		if ok {
			m.localOrd = append(m.localOrd, n)
		} else {
			cyc = append(cyc, n)
		}
		return ok
	}
	for _, n := range names {
		visit(n)
	}
	for _, n := range cyc {
		a := m.localAttr[n]
		m.l.diag(posOf(a.NameRange), model.DiagWarning, "unresolved", "local.%s is part of a reference cycle; it is unknown", n)
	}
}

// evalLocals evaluates locals in dependency order. Errors are reported
// only on the final pass, when resources are as known as they will be.
func (m *module) evalLocals(first bool) {
	vals := map[string]cty.Value{}
	for n := range m.localAttr {
		vals[n] = cty.DynamicVal
	}
	m.ctx.Variables["local"] = cty.ObjectVal(vals)
	for _, n := range m.localOrd {
		a := m.localAttr[n]
		v, d := a.Expr.Value(m.ctx)
		if d.HasErrors() {
			if !first {
				m.reportEval(a.Expr, d)
			}
			v = cty.DynamicVal
		}
		vals[n] = v
		m.ctx.Variables["local"] = cty.ObjectVal(vals)
	}
}

// expand evaluates count and for_each and registers each instance's
// address and model ID.
func (m *module) expand() {
	l := m.l
	declared := map[string]bool{}
	for _, r := range m.resources {
		base := r.addr()
		pos := posOf(r.def)
		if declared[base] {
			l.diag(pos, model.DiagWarning, "unsupported", "%s is declared more than once (override files are not merged); this block is ignored", base)
			continue
		}
		mk := func(addr string, c *hcl.EvalContext, dep model.Value) {
			in := &inst{rb: r, m: m, addr: addr, ctx: c, deployed: dep, pos: pos}
			in.id = r.file + "#" + m.prefix + addr
			r.insts = append(r.insts, in)
			m.addrs[addr] = in.id
			m.byAddr[addr] = in
			m.l.instByID[in.id] = in
		}
		declared[base] = true
		if ca := r.body.attr("count"); ca != nil {
			r.multi = "count"
			cpos := posOf(ca.Expr.Range())
			v, d := ca.Expr.Value(m.ctx)
			n, ok := knownInt(v)
			if d.HasErrors() || !ok {
				if d.HasErrors() {
					m.reportEval(ca.Expr, d)
				}
				r.unknownN = true
				c := m.ctx.NewChild()
				c.Variables = map[string]cty.Value{"count": cty.ObjectVal(map[string]cty.Value{"index": cty.UnknownVal(cty.Number)})}
				mk(base, c, m.unknownVal(ca.Expr))
				continue
			}
			if n <= 0 {
				c := m.ctx.NewChild()
				c.Variables = map[string]cty.Value{"count": cty.ObjectVal(map[string]cty.Value{"index": cty.NumberIntVal(0)})}
				mk(base, c, model.Str("false", cpos))
				continue
			}
			if n > maxInstances {
				l.diag(cpos, model.DiagWarning, "limit", "count = %d is above the limit of %d instances; modelled once", n, maxInstances)
				n = 1
			}
			for i := int64(0); i < n; i++ {
				c := m.ctx.NewChild()
				c.Variables = map[string]cty.Value{"count": cty.ObjectVal(map[string]cty.Value{"index": cty.NumberIntVal(i)})}
				addr := base
				if n > 1 {
					addr = fmt.Sprintf("%s[%d]", base, i)
				}
				mk(addr, c, model.Str("true", cpos))
			}
			continue
		}
		if fa := r.body.attr("for_each"); fa != nil {
			r.multi = "for_each"
			fpos := posOf(fa.Expr.Range())
			v, d := fa.Expr.Value(m.ctx)
			if d.HasErrors() || !v.IsWhollyKnown() || v.IsNull() || !(v.CanIterateElements()) {
				if d.HasErrors() {
					m.reportEval(fa.Expr, d)
				}
				r.unknownN = true
				c := m.ctx.NewChild()
				c.Variables = map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": cty.UnknownVal(cty.String), "value": cty.DynamicVal})}
				mk(base, c, m.unknownVal(fa.Expr))
				continue
			}
			if v.LengthInt() == 0 {
				c := m.ctx.NewChild()
				c.Variables = map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(""), "value": cty.DynamicVal})}
				mk(base, c, model.Str("false", fpos))
				continue
			}
			n := 0
			for it := v.ElementIterator(); it.Next(); {
				k, ev := it.Element()
				if v.Type().IsSetType() || v.Type().IsListType() || v.Type().IsTupleType() {
					k = ev
				}
				ks, ok := ctyString(k)
				if !ok {
					continue
				}
				if n++; n > maxInstances {
					l.diag(fpos, model.DiagWarning, "limit", "for_each has more than %d elements; the rest are not modelled", maxInstances)
					break
				}
				c := m.ctx.NewChild()
				c.Variables = map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(ks), "value": ev})}
				mk(fmt.Sprintf("%s[%s]", base, strconv.Quote(ks)), c, model.Str("true", fpos))
				r.insts[len(r.insts)-1].key = ks
			}
			continue
		}
		mk(base, m.ctx, model.Value{})
	}
}

func knownInt(v cty.Value) (int64, bool) {
	if v.IsNull() || !v.IsKnown() {
		return 0, false
	}
	v, err := convert.Convert(v, cty.Number)
	if err != nil || v.IsNull() || !v.IsKnown() {
		return 0, false
	}
	bf := v.AsBigFloat()
	n, _ := bf.Int64()
	return n, true
}

func ctyString(v cty.Value) (string, bool) {
	if v.IsNull() || !v.IsKnown() {
		return "", false
	}
	s, err := convert.Convert(v, cty.String)
	if err != nil || s.IsNull() || !s.IsKnown() {
		return "", false
	}
	return s.AsString(), true
}

// refine replaces the placeholders with each instance's evaluated
// arguments, so that one resource reading another's name or bucket gets
// the known value. Attributes computed by the provider stay unknown.
func (m *module) refine() {
	m.setResourceVars(func(r *rblock) (cty.Value, bool) {
		if len(r.insts) == 0 {
			return cty.NilVal, false
		}
		var v cty.Value
		want, referenced := m.refAttrs[r.addr()]
		switch {
		case !m.refAll && !referenced:
			// Nothing reads it: the placeholder stays.
			v = cty.DynamicVal
		case r.unknownN:
			v = cty.DynamicVal
		case r.multi == "count" && len(r.insts) == 1 && r.insts[0].deployed.IsFalse():
			v = cty.EmptyTupleVal
		case r.multi == "for_each" && len(r.insts) == 1 && r.insts[0].deployed.IsFalse():
			v = cty.EmptyObjectVal
		case r.multi == "count":
			var els []cty.Value
			for _, in := range r.insts {
				els = append(els, m.instObject(in, want))
			}
			v = cty.TupleVal(els)
		case r.multi == "for_each":
			els := map[string]cty.Value{}
			for _, in := range r.insts {
				els[in.key] = m.instObject(in, want)
			}
			v = cty.ObjectVal(els)
		default:
			v = m.instObject(r.insts[0], want)
		}
		return v, true
	})
}

// setResourceVars puts resources and data sources in the evaluation
// context by type and name ("data.<type>.<name>" for data sources), with
// the value val gives each (ok false leaves a resource out). Types named
// like Terraform's own namespaces (var, local, ...) are not set.
func (m *module) setResourceVars(val func(r *rblock) (v cty.Value, ok bool)) {
	byType := map[string]map[string]cty.Value{}
	data := map[string]map[string]cty.Value{}
	for _, r := range m.resources {
		v, ok := val(r)
		if !ok {
			continue
		}
		t := byType
		if r.mode == "data" {
			t = data
		}
		if t[r.typ] == nil {
			t[r.typ] = map[string]cty.Value{}
		}
		t[r.typ][r.name] = v
	}
	for t, names := range byType {
		if reserved[t] {
			continue
		}
		m.ctx.Variables[t] = cty.ObjectVal(names)
	}
	dv := map[string]cty.Value{}
	for t, names := range data {
		dv[t] = cty.ObjectVal(names)
	}
	m.ctx.Variables["data"] = cty.ObjectVal(dv)
}

// computed are attributes providers set at apply time that configurations
// commonly read; they are unknown unless the configuration sets them.
var computed = []string{"id", "arn", "name", "invoke_arn", "qualified_arn", "qualified_invoke_arn", "version",
	"function_name", "execution_arn", "root_resource_id", "api_endpoint", "url", "function_url", "key_id",
	"bucket", "bucket_domain_name", "bucket_regional_domain_name", "stream_arn", "json", "minified_json",
	"unique_id", "invoke_url", "stage_name", "http_method", "resource_id", "rest_api_id", "api_id", "path",
	"output_path", "output_base64sha256", "output_md5", "output_sha", "source_dir", "source_file",
	"service_config", "https_trigger_url", "identity", "default_hostname", "secret_string", "value",
	"endpoint", "domain_name", "uri", "location", "project", "region", "account_id", "email", "policy"}

// instObject evaluates the arguments other expressions read (want; all
// of them when want holds "*" or references could not be collected).
func (m *module) instObject(in *inst, want map[string]bool) cty.Value {
	all := m.refAll || want["*"]
	obj := map[string]cty.Value{}
	if all {
		for n, a := range in.rb.body.attrs() {
			if n == "count" || n == "for_each" || n == "depends_on" || n == "provider" || n == "lifecycle" {
				continue
			}
			v, d := a.Expr.Value(in.ctx)
			if d.HasErrors() {
				v = cty.DynamicVal
			}
			obj[n] = v
		}
		for _, n := range computed {
			if _, ok := obj[n]; !ok {
				obj[n] = cty.DynamicVal
			}
		}
		return cty.ObjectVal(obj)
	}
	for n := range want {
		v := cty.DynamicVal
		if a := in.rb.body.attr(n); a != nil {
			if ev, d := a.Expr.Value(in.ctx); !d.HasErrors() {
				v = ev
			}
		}
		obj[n] = v
	}
	return cty.ObjectVal(obj)
}

// collectRefs records which attributes of which resources the module's
// expressions read, so refine evaluates only those. JSON files hide their
// references in strings; with one present, everything is evaluated.
func (m *module) collectRefs() {
	m.refAttrs = map[string]map[string]bool{}
	for _, pf := range m.files {
		if pf.syn == nil {
			m.refAll = true
			return
		}
		hclsyntax.VisitAll(pf.syn, func(n hclsyntax.Node) hcl.Diagnostics {
			if st, ok := n.(*hclsyntax.ScopeTraversalExpr); ok {
				m.noteRef(st.Traversal)
			}
			return nil
		})
	}
}

func (m *module) noteRef(t hcl.Traversal) {
	root := t.RootName()
	if reserved[root] && root != "data" {
		return
	}
	key, rest := "", hcl.Traversal(nil)
	if root == "data" {
		if len(t) < 3 {
			return
		}
		key, rest = "data."+attrName(t[1])+"."+attrName(t[2]), t[3:]
	} else {
		if len(t) < 2 {
			return
		}
		key, rest = root+"."+attrName(t[1]), t[2:]
	}
	if len(rest) > 0 {
		if _, ok := rest[0].(hcl.TraverseIndex); ok {
			rest = rest[1:]
		}
	}
	attr := "*"
	if len(rest) > 0 {
		if a := attrName(rest[0]); a != "" {
			attr = a
		}
	}
	if m.refAttrs[key] == nil {
		m.refAttrs[key] = map[string]bool{}
	}
	m.refAttrs[key][attr] = true
}

// loadChildren follows local module calls.
func (m *module) loadChildren() {
	l := m.l
	mods := map[string]cty.Value{}
	for _, mb := range m.modules {
		mods[mb.name] = cty.DynamicVal
	}
	for _, mb := range m.modules {
		pos := posOf(mb.b.def)
		sa := mb.b.body.attr("source")
		if sa == nil {
			l.diag(pos, model.DiagWarning, "parse", "module %q has no source", mb.name)
			continue
		}
		sv, d := sa.Expr.Value(nil)
		src, ok := "", false
		if !d.HasErrors() {
			src, ok = ctyString(sv)
		}
		if !ok {
			l.diag(posOf(sa.Expr.Range()), model.DiagWarning, "unresolved", "module %q: source must be a literal string", mb.name)
			continue
		}
		if !(strings.HasPrefix(src, "./") || strings.HasPrefix(src, "../")) {
			l.diag(posOf(sa.Expr.Range()), model.DiagWarning, "unresolved",
				"module %q comes from %q, which is not a local path; its resources are not in the model", mb.name, src)
			continue
		}
		dir, err := source.Join(mb.file, src)
		if err != nil {
			l.diag(posOf(sa.Expr.Range()), model.DiagError, "outside-root",
				"module %q: source %q is outside the scanned root; its resources are not in the model", mb.name, src)
			continue
		}
		if m.depth+1 > maxModuleDepth || l.nModules >= maxModules {
			l.diag(pos, model.DiagWarning, "limit", "module %q is not loaded: module nesting or count limit reached", mb.name)
			continue
		}
		for _, s := range append(m.stack, m.dir) {
			if s == dir {
				l.diag(pos, model.DiagWarning, "limit", "module %q includes itself (%s); not followed", mb.name, dir)
				dir = ""
				break
			}
		}
		if dir == "" {
			continue
		}
		if ca := mb.b.body.attr("count"); ca != nil {
			if v, d := ca.Expr.Value(m.ctx); !d.HasErrors() {
				if n, ok := knownInt(v); ok && n == 0 {
					l.diag(posOf(ca.Expr.Range()), model.DiagInfo, "unsupported",
						"module %q has count = 0: it is not deployed, so its resources are not in the model", mb.name)
					continue
				}
			}
		}
		if mb.b.body.attr("for_each") != nil || mb.b.body.attr("count") != nil {
			l.diag(pos, model.DiagInfo, "unsupported", "module %q uses count or for_each; it is modelled once", mb.name)
		}
		paths, err := l.listModuleFiles(dir)
		if err != nil || len(paths) == 0 {
			code := "read"
			if err != nil {
				code = load.ReadCode(err)
			}
			l.diag(posOf(sa.Expr.Range()), model.DiagWarning, code, "module %q: no Terraform files found in %s", mb.name, dir)
			continue
		}
		l.nModules++
		child := &module{l: l, dir: dir, prefix: m.prefix + "module." + mb.name + ".", depth: m.depth + 1,
			stack: append(append([]string{}, m.stack...), m.dir)}
		for _, pf := range l.parseFiles(paths) {
			if pf.body != nil {
				child.files = append(child.files, pf)
			}
		}
		args := map[string]cty.Value{}
		child.varRefs = map[string]string{}
		for n, a := range mb.b.body.attrs() {
			switch n {
			case "source", "version", "count", "for_each", "providers", "depends_on":
				continue
			}
			v, d := a.Expr.Value(m.ctx)
			if d.HasErrors() {
				m.reportEval(a.Expr, d)
				v = cty.DynamicVal
			}
			args[n] = v
			if id := m.refID(a.Expr); id != "" {
				child.varRefs[n] = id
			}
		}
		child.load(args, nil, mb)
		outs := map[string]cty.Value{}
		for name, a := range child.outputs {
			v, d := a.Expr.Value(child.ctx)
			if d.HasErrors() {
				v = cty.DynamicVal
			}
			outs[name] = v
			if id := child.outRefs[name]; id != "" {
				m.modOut[mb.name+"."+name] = id
			}
		}
		mods[mb.name] = cty.ObjectVal(outs)
	}
	m.ctx.Variables["module"] = cty.ObjectVal(mods)
}

// ctyToValue turns a known value into a model value; collections become
// their JSON text.
func ctyToValue(v cty.Value, pos model.Pos) model.Value {
	if v.IsNull() {
		return model.Value{}
	}
	if !v.IsWhollyKnown() {
		return model.Value{State: model.Unknown, Pos: pos}
	}
	v, _ = v.Unmark()
	switch {
	case v.Type() == cty.String:
		return model.Str(v.AsString(), pos)
	case v.Type() == cty.Number:
		bf := v.AsBigFloat()
		if bf.IsInt() {
			i, _ := bf.Int64()
			return model.Str(strconv.FormatInt(i, 10), pos)
		}
		return model.Str(bf.Text('g', -1), pos)
	case v.Type() == cty.Bool:
		return model.Str(strconv.FormatBool(v.True()), pos)
	}
	b, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return model.Value{State: model.Unknown, Pos: pos}
	}
	return model.Str(string(b), pos)
}
