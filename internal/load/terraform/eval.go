package terraform

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

var (
	funcsOnce sync.Once
	funcs     map[string]function.Function
)

// unknownFn stands for a Terraform function Warden does not evaluate:
// those that read files, hash, encode bytes, or depend on time and
// randomness. Calls succeed with an unknown result, so the expression is
// Unknown rather than an error.
var unknownFn = function.New(&function.Spec{
	VarParam: &function.Parameter{Name: "args", Type: cty.DynamicPseudoType, AllowUnknown: true, AllowNull: true, AllowDynamicType: true},
	Type:     function.StaticReturnType(cty.DynamicPseudoType),
	Impl: func([]cty.Value, cty.Type) (cty.Value, error) {
		return cty.DynamicVal, nil
	},
})

// maxCollection bounds collections built by functions.
const maxCollection = 100_000

var wideFormat = regexp.MustCompile(`%[-+# 0]*(\d{4,}|\*)`)

// bounded wraps fn so that it returns unknown when ok rejects the
// arguments. Arguments reach ok known and non-null.
func bounded(fn function.Function, ok func([]cty.Value) bool) function.Function {
	spec := &function.Spec{
		Params:   fn.Params(),
		VarParam: fn.VarParam(),
		Type: func(args []cty.Value) (cty.Type, error) {
			return fn.ReturnTypeForValues(args)
		},
		Impl: func(args []cty.Value, ret cty.Type) (cty.Value, error) {
			for _, a := range args {
				if !a.IsWhollyKnown() || a.IsNull() {
					return fn.Call(args)
				}
			}
			if !ok(args) {
				return cty.UnknownVal(ret), nil
			}
			return fn.Call(args)
		},
	}
	return function.New(spec)
}

// functions is Terraform's function table as far as the cty standard
// library implements it with Terraform's semantics.
func (l *loader) functions() map[string]function.Function {
	funcsOnce.Do(func() {
		funcs = map[string]function.Function{
			"abs": stdlib.AbsoluteFunc, "ceil": stdlib.CeilFunc, "floor": stdlib.FloorFunc, "log": stdlib.LogFunc,
			"max": stdlib.MaxFunc, "min": stdlib.MinFunc, "pow": stdlib.PowFunc, "signum": stdlib.SignumFunc,
			"parseint": stdlib.ParseIntFunc, "chomp": stdlib.ChompFunc, "format": stdlib.FormatFunc,
			"formatlist": stdlib.FormatListFunc, "indent": stdlib.IndentFunc, "join": stdlib.JoinFunc,
			"lower": stdlib.LowerFunc, "upper": stdlib.UpperFunc, "regex": stdlib.RegexFunc,
			"regexall": stdlib.RegexAllFunc, "replace": stdlib.ReplaceFunc, "split": stdlib.SplitFunc,
			"strrev": stdlib.ReverseFunc, "substr": stdlib.SubstrFunc, "title": stdlib.TitleFunc,
			"trim": stdlib.TrimFunc, "trimprefix": stdlib.TrimPrefixFunc, "trimsuffix": stdlib.TrimSuffixFunc,
			"trimspace": stdlib.TrimSpaceFunc, "chunklist": stdlib.ChunklistFunc, "coalesce": stdlib.CoalesceFunc,
			"coalescelist": stdlib.CoalesceListFunc, "compact": stdlib.CompactFunc, "concat": stdlib.ConcatFunc,
			"contains": stdlib.ContainsFunc, "distinct": stdlib.DistinctFunc, "element": stdlib.ElementFunc,
			"flatten": stdlib.FlattenFunc, "index": stdlib.IndexFunc, "keys": stdlib.KeysFunc,
			"length": stdlib.LengthFunc, "lookup": stdlib.LookupFunc, "merge": stdlib.MergeFunc,
			"range": stdlib.RangeFunc, "reverse": stdlib.ReverseListFunc, "setintersection": stdlib.SetIntersectionFunc,
			"setproduct": stdlib.SetProductFunc, "setsubtract": stdlib.SetSubtractFunc, "setunion": stdlib.SetUnionFunc,
			"slice": stdlib.SliceFunc, "sort": stdlib.SortFunc, "values": stdlib.ValuesFunc, "zipmap": stdlib.ZipmapFunc,
			"jsondecode": stdlib.JSONDecodeFunc, "jsonencode": stdlib.JSONEncodeFunc, "csvdecode": stdlib.CSVDecodeFunc,
			"formatdate": stdlib.FormatDateFunc, "timeadd": stdlib.TimeAddFunc,
			"tostring": stdlib.MakeToFunc(cty.String), "tonumber": stdlib.MakeToFunc(cty.Number),
			"tobool": stdlib.MakeToFunc(cty.Bool), "toset": stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
			"tolist": stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)), "tomap": stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
			"try": tryfunc.TryFunc, "can": tryfunc.CanFunc,
		}
		// Functions whose output size a tiny input controls are bounded,
		// so that range(1e9) or format("%999999999d", 1) in a scanned file
		// becomes an unknown value instead of a scan that eats the machine.
		funcs["range"] = bounded(stdlib.RangeFunc, func(args []cty.Value) bool {
			var nums []float64
			for _, a := range args {
				f, _ := a.AsBigFloat().Float64()
				nums = append(nums, f)
			}
			start, end, step := 0.0, 0.0, 1.0
			switch len(nums) {
			case 1:
				end = nums[0]
			case 2:
				start, end = nums[0], nums[1]
			case 3:
				start, end, step = nums[0], nums[1], nums[2]
			}
			if step == 0 {
				return true
			}
			n := (end - start) / step
			return n < maxCollection
		})
		wide := func(args []cty.Value) bool {
			return len(args) == 0 || args[0].Type() != cty.String || !wideFormat.MatchString(args[0].AsString())
		}
		funcs["format"] = bounded(stdlib.FormatFunc, wide)
		funcs["formatlist"] = bounded(stdlib.FormatListFunc, wide)
		funcs["indent"] = bounded(stdlib.IndentFunc, func(args []cty.Value) bool {
			n, _ := args[0].AsBigFloat().Float64()
			return n < 1000
		})
		funcs["setproduct"] = bounded(stdlib.SetProductFunc, func(args []cty.Value) bool {
			total := 1.0
			for _, a := range args {
				if a.CanIterateElements() {
					total *= float64(a.LengthInt())
				}
			}
			return total < maxCollection
		})
		for _, n := range []string{"fileexists", "fileset", "filebase64", "filemd5", "filesha1", "filesha256",
			"filesha512", "filebase64sha256", "filebase64sha512", "templatestring", "base64encode", "base64decode",
			"base64gzip", "base64sha256", "base64sha512", "md5", "sha1", "sha256", "sha512", "bcrypt", "uuid", "uuidv5",
			"timestamp", "plantimestamp", "cidrhost", "cidrnetmask", "cidrsubnet", "cidrsubnets", "urlencode",
			"yamldecode", "yamlencode", "textencodebase64", "textdecodebase64", "abspath", "dirname", "basename",
			"pathexpand", "one", "sum", "alltrue", "anytrue", "transpose", "matchkeys", "nonsensitive", "sensitive",
			"type", "startswith", "endswith", "strcontains", "issensitive", "ephemeralasnull", "tobase64", "rsadecrypt"} {
			funcs[n] = unknownFn
		}
	})
	return funcs
}

// moduleFunctions adds to the shared table the functions that read files:
// file and templatefile read through the source root, relative to the root
// module as Terraform does, so they can never read outside the scan.
func (l *loader) moduleFunctions() map[string]function.Function {
	if l.fns != nil {
		return l.fns
	}
	base := l.functions()
	l.fns = make(map[string]function.Function, len(base)+2)
	for k, v := range base {
		l.fns[k] = v
	}
	l.fns["file"] = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			_, s, err := l.readRel(args[0].AsString())
			if err != nil {
				return cty.UnknownVal(cty.String), err
			}
			return cty.StringVal(s), nil
		},
	})
	inner := make(map[string]function.Function, len(base))
	for k, v := range l.fns {
		inner[k] = v
	}
	l.fns["templatefile"] = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}, {Name: "vars", Type: cty.DynamicPseudoType}},
		Type:   function.StaticReturnType(cty.DynamicPseudoType),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			rel, s, err := l.readRel(args[0].AsString())
			if err != nil {
				return cty.DynamicVal, err
			}
			vars := args[1]
			if !(vars.Type().IsObjectType() || vars.Type().IsMapType()) {
				return cty.DynamicVal, fmt.Errorf("templatefile: vars must be a map or object")
			}
			x, d := hclsyntax.ParseTemplate([]byte(s), rel, hcl.InitialPos)
			if d.HasErrors() {
				return cty.DynamicVal, fmt.Errorf("templatefile %s: %s", rel, hclMessage(d[0]))
			}
			vm := map[string]cty.Value{}
			for it := vars.ElementIterator(); it.Next(); {
				k, v := it.Element()
				if ks, ok := ctyString(k); ok {
					vm[ks] = v
				}
			}
			// templatefile is not available inside templates, as in
			// Terraform, which also rules out recursion.
			v, d := x.Value(&hcl.EvalContext{Variables: vm, Functions: inner})
			if d.HasErrors() {
				return cty.DynamicVal, fmt.Errorf("templatefile %s: %s", rel, hclMessage(d[0]))
			}
			return v, nil
		},
	})
	return l.fns
}

// readRel reads a file named relative to the root module.
func (l *loader) readRel(p string) (string, string, error) {
	rel, err := source.Join(path.Join(l.rootDir, "main.tf"), p)
	if err != nil {
		return "", "", err
	}
	b, err := l.root.ReadFile(rel)
	if err != nil {
		return "", "", err
	}
	if !utf8.Valid(b) {
		return "", "", fmt.Errorf("%s is not valid UTF-8", rel)
	}
	l.readMu.Lock()
	if l.files[rel] == nil {
		l.file(rel, "terraform-file").Parsed = true
	}
	l.readMu.Unlock()
	return rel, string(b), nil
}

// srcText is the source of a range, on one line and bounded, for messages
// and Value.Expr.
func (m *module) srcText(r hcl.Range) string {
	b := m.l.src[r.Filename]
	if r.Start.Byte < 0 || r.End.Byte > len(b) || r.Start.Byte >= r.End.Byte {
		return ""
	}
	s := strings.Join(strings.Fields(string(b[r.Start.Byte:r.End.Byte])), " ")
	if len(s) > 200 {
		s = s[:197] + "..."
	}
	return s
}

// refID returns the model ID of the first resource, data source or module
// output the expression refers to, or "".
func (m *module) refID(x hcl.Expression) string {
	for _, id := range m.refIDs(x) {
		return id
	}
	return ""
}

func (m *module) refIDs(x hcl.Expression) []string {
	if x == nil {
		return nil
	}
	var out []string
	for _, t := range x.Variables() {
		if id := m.traversalID(t); id != "" {
			out = append(out, id)
		}
	}
	return out
}

func indexKey(t hcl.Traverser) (string, bool) {
	ix, ok := t.(hcl.TraverseIndex)
	if !ok || !ix.Key.IsKnown() || ix.Key.IsNull() {
		return "", false
	}
	switch ix.Key.Type() {
	case cty.String:
		return "[" + strconv.Quote(ix.Key.AsString()) + "]", true
	case cty.Number:
		n, _ := ix.Key.AsBigFloat().Int64()
		return "[" + strconv.FormatInt(n, 10) + "]", true
	}
	return "", false
}

func attrName(t hcl.Traverser) string {
	if a, ok := t.(hcl.TraverseAttr); ok {
		return a.Name
	}
	return ""
}

func (m *module) traversalID(t hcl.Traversal) string {
	root := t.RootName()
	switch root {
	case "var":
		if len(t) > 1 {
			return m.varRefs[attrName(t[1])]
		}
		return ""
	case "local", "path", "terraform", "count", "each", "self":
		return ""
	case "module":
		if len(t) < 3 {
			return ""
		}
		name := attrName(t[1])
		rest := t[2:]
		if _, ok := indexKey(rest[0]); ok && len(rest) > 1 {
			rest = rest[1:]
		}
		return m.modOut[name+"."+attrName(rest[0])]
	case "data":
		if len(t) < 3 {
			return ""
		}
		base := "data." + attrName(t[1]) + "." + attrName(t[2])
		if len(t) > 3 {
			if k, ok := indexKey(t[3]); ok {
				if id := m.addrs[base+k]; id != "" {
					return id
				}
			}
		}
		return m.addrs[base]
	}
	if len(t) < 2 {
		return ""
	}
	base := root + "." + attrName(t[1])
	if len(t) > 2 {
		if k, ok := indexKey(t[2]); ok {
			if id := m.addrs[base+k]; id != "" {
				return id
			}
		}
	}
	return m.addrs[base]
}

// refersToObjects reports whether the expression reads resources, data
// sources or modules: errors about their attributes are expected, since
// Warden does not know every attribute a provider computes.
func refersToObjects(x hcl.Expression) bool {
	for _, t := range x.Variables() {
		switch t.RootName() {
		case "var", "local", "path", "terraform", "count", "each", "self":
			continue
		}
		return true
	}
	return false
}

// reportEval turns evaluation errors into diagnostics, except those that
// only say a provider-computed attribute is not known.
func (m *module) reportEval(x hcl.Expression, diags hcl.Diagnostics) {
	objects := refersToObjects(x)
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		if objects && (d.Summary == "Unsupported attribute" || d.Summary == "Invalid index" ||
			d.Summary == "Attempt to get attribute from null value" || strings.HasPrefix(d.Summary, "Invalid function argument")) {
			continue
		}
		pos := rangePos(d.Subject, x.Range().Filename)
		m.l.diag(pos, model.DiagWarning, "unresolved", "cannot evaluate %s: %s", m.srcText(x.Range()), hclMessage(d))
	}
}

// externalSources are data sources whose values come from a secret or
// parameter store at plan time.
var externalSources = []string{"data.aws_ssm_parameter", "data.aws_secretsmanager_secret", "data.azurerm_key_vault_secret",
	"data.google_secret_manager_secret", "data.vault_", "data.aws_kms_secrets"}

// unknownVal is the Unknown value of an expression, with its source text
// and the model ID it refers to.
func (m *module) unknownVal(x hcl.Expression) model.Value {
	pos := posOf(x.Range())
	v := model.Unresolved(m.srcText(x.Range()), pos)
	v.Ref = m.refID(x)
	for _, e := range externalSources {
		if strings.Contains(v.Expr, e) {
			v.External = true
		}
	}
	m.l.unresolved(pos)
	return v
}

// val evaluates a scalar expression into a model value.
func (m *module) val(x hcl.Expression, ctx *hcl.EvalContext) model.Value {
	if x == nil {
		return model.Value{}
	}
	v, d := x.Value(ctx)
	if d.HasErrors() {
		m.reportEval(x, d)
		return m.unknownVal(x)
	}
	if v.IsNull() {
		return model.Value{}
	}
	if !v.IsWhollyKnown() {
		return m.unknownVal(x)
	}
	out := ctyToValue(v, posOf(x.Range()))
	out.Ref = m.refID(x)
	return out
}

// attrVal evaluates a body attribute; Absent when not set.
func (in *inst) attrVal(b body, name string) model.Value {
	a := b.attr(name)
	if a == nil {
		return model.Value{}
	}
	return in.m.val(a.Expr, in.ctx)
}

func (in *inst) a(name string) model.Value { return in.attrVal(in.rb.body, name) }

// blockVal reads an attribute of the first nested block typ.
func (in *inst) blockVal(b body, typ, name string) model.Value {
	nb, ok := b.first(typ)
	if !ok {
		return model.Value{}
	}
	return in.attrVal(nb, name)
}

// list evaluates a list attribute; literal elements keep their own
// positions, and an unknown list is one Unknown value.
func (in *inst) list(b body, name string) []model.Value {
	a := b.attr(name)
	if a == nil {
		return nil
	}
	return in.listExpr(a.Expr)
}

func (in *inst) listExpr(x hcl.Expression) []model.Value {
	m := in.m
	if tc, ok := x.(*hclsyntax.TupleConsExpr); ok {
		var out []model.Value
		for _, e := range tc.Exprs {
			v, d := e.Value(in.ctx)
			if !d.HasErrors() && v.IsKnown() && !v.IsNull() && (v.Type().IsListType() || v.Type().IsTupleType() || v.Type().IsSetType()) {
				out = append(out, in.flatten(v, e)...)
				continue
			}
			if mv := m.val(e, in.ctx); mv.IsSet() {
				out = append(out, mv)
			}
		}
		return out
	}
	v, d := x.Value(in.ctx)
	if d.HasErrors() {
		m.reportEval(x, d)
		return []model.Value{m.unknownVal(x)}
	}
	if v.IsNull() {
		return nil
	}
	if !v.IsKnown() {
		return []model.Value{m.unknownVal(x)}
	}
	if v.Type().IsListType() || v.Type().IsTupleType() || v.Type().IsSetType() {
		return in.flatten(v, x)
	}
	return []model.Value{m.val(x, in.ctx)}
}

func (in *inst) flatten(v cty.Value, x hcl.Expression) []model.Value {
	pos := posOf(x.Range())
	ref := in.m.refID(x)
	var out []model.Value
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() {
			continue
		}
		if !e.IsWhollyKnown() {
			u := model.Unresolved(in.m.srcText(x.Range()), pos)
			u.Ref = ref
			in.m.l.unresolved(pos)
			out = append(out, u)
			continue
		}
		mv := ctyToValue(e, pos)
		mv.Ref = ref
		out = append(out, mv)
	}
	return out
}

// kv is one entry of a map attribute.
type kv struct {
	key string
	pos model.Pos
	val model.Value
}

// mapAttr reads a map attribute such as environment variables. Literal
// object entries keep their positions; a map computed as a whole gets the
// attribute's position. ok is false when the map itself is unknown.
func (in *inst) mapAttr(b body, name string) (out []kv, set bool, ok bool) {
	a := b.attr(name)
	if a == nil {
		return nil, false, true
	}
	return in.mapExpr(a.Expr)
}

func (in *inst) mapExpr(x hcl.Expression) (out []kv, set bool, ok bool) {
	m := in.m
	// merge(a, {...}) entry by entry, so literal entries keep their
	// positions and references; later arguments win as in merge.
	if fc, isCall := x.(*hclsyntax.FunctionCallExpr); isCall && fc.Name == "merge" && !fc.ExpandFinal && len(fc.Args) > 0 {
		idx := map[string]int{}
		for _, arg := range fc.Args {
			kvs, _, aok := in.mapExpr(arg)
			if !aok {
				return out, true, false
			}
			for _, e := range kvs {
				if i, dup := idx[e.key]; dup {
					out[i] = e
					continue
				}
				idx[e.key] = len(out)
				out = append(out, e)
			}
		}
		return out, true, true
	}
	if oc, isObj := x.(*hclsyntax.ObjectConsExpr); isObj {
		for _, it := range oc.Items {
			kvv, d := it.KeyExpr.Value(in.ctx)
			k, kok := "", false
			if !d.HasErrors() {
				k, kok = ctyString(kvv)
			}
			if !kok {
				k = m.srcText(it.KeyExpr.Range())
			}
			out = append(out, kv{key: k, pos: posOf(it.KeyExpr.Range()), val: m.val(it.ValueExpr, in.ctx)})
		}
		return out, true, true
	}
	v, d := x.Value(in.ctx)
	if d.HasErrors() {
		m.reportEval(x, d)
		m.unknownVal(x)
		return nil, true, false
	}
	if v.IsNull() {
		return nil, false, true
	}
	if !v.IsKnown() || !(v.Type().IsMapType() || v.Type().IsObjectType()) {
		m.unknownVal(x)
		return nil, true, false
	}
	pos := posOf(x.Range())
	ref := m.refID(x)
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		ks, _ := ctyString(k)
		var mv model.Value
		if e.IsWhollyKnown() {
			mv = ctyToValue(e, pos)
		} else {
			mv = model.Unresolved(m.srcText(x.Range())+"["+strconv.Quote(ks)+"]", pos)
			mv.Ref = ref
			m.l.unresolved(pos)
		}
		out = append(out, kv{key: ks, pos: pos, val: mv})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out, true, true
}
