package cloudformation

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/wardensec/warden/internal/load/yamlsafe"
	"github.com/wardensec/warden/internal/model"
)

// nkind is the shape of an evaluated template value.
type nkind uint8

const (
	nScalar  nkind = iota + 1
	nList          //
	nMap           //
	nUnknown       // set, but not statically known; v holds the Unknown value
	nNoValue       // Ref AWS::NoValue: the property is removed
)

// node is a template value after intrinsic functions were evaluated. Every
// resource handler reads nodes, never raw YAML, so that the short and long
// intrinsic forms, conditions and parameters are handled in one place.
type node struct {
	k     nkind
	v     model.Value // scalars (Known) and unknowns
	pos   model.Pos
	items []*node
	keys  []string
	kpos  []model.Pos
	vals  []*node
}

// get returns the value of key in a map node, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.k != nMap {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

// keyPos returns the position of key in a map node, or the node's position.
func (n *node) keyPos(key string) model.Pos {
	if n == nil {
		return model.Pos{}
	}
	for i, k := range n.keys {
		if k == key {
			return n.kpos[i]
		}
	}
	return n.pos
}

// path follows keys through nested maps.
func (n *node) path(keys ...string) *node {
	for _, k := range keys {
		n = n.get(k)
	}
	return n
}

// str returns the node as a scalar value: Absent for nil, Unknown for
// something that is not a scalar where one was expected.
func (n *node) str() model.Value {
	if n == nil || n.k == nNoValue {
		return model.Value{}
	}
	switch n.k {
	case nScalar, nUnknown:
		return n.v
	}
	return model.Unresolved("(a list or map where a single value was expected)", n.pos)
}

// list returns the elements of a list node. A single value counts as a
// one-element list, as IAM and many CloudFormation properties accept both.
func (n *node) list() []*node {
	if n == nil || n.k == nNoValue {
		return nil
	}
	if n.k == nList {
		return n.items
	}
	return []*node{n}
}

// strs returns the scalar values of a list.
func (n *node) strs() []model.Value {
	var out []model.Value
	for _, it := range n.list() {
		out = append(out, it.str())
	}
	return out
}

// isUnknown reports whether the node as a whole is unknown.
func (n *node) isUnknown() bool { return n != nil && n.k == nUnknown }

// each iterates over a map's pairs in source order.
func (n *node) each(fn func(k string, kpos model.Pos, v *node)) {
	if n == nil || n.k != nMap {
		return
	}
	for i, k := range n.keys {
		fn(k, n.kpos[i], n.vals[i])
	}
}

// known reports whether the node and everything in it is known.
func (n *node) known() bool {
	if n == nil {
		return true
	}
	switch n.k {
	case nUnknown:
		return false
	case nList:
		for _, it := range n.items {
			if !it.known() {
				return false
			}
		}
	case nMap:
		for _, it := range n.vals {
			if !it.known() {
				return false
			}
		}
	}
	return true
}

// jsonValue renders a known node as JSON text (event patterns, filters); an
// unknown part becomes its expression in angle brackets so the text stays
// readable, and the caller marks the whole value Unknown.
func (n *node) jsonValue() any {
	if n == nil {
		return nil
	}
	switch n.k {
	case nScalar:
		return n.v.V
	case nList:
		out := make([]any, 0, len(n.items))
		for _, it := range n.items {
			out = append(out, it.jsonValue())
		}
		return out
	case nMap:
		out := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			out[k] = n.vals[i].jsonValue()
		}
		return out
	case nUnknown:
		return "<" + n.v.Expr + ">"
	}
	return nil
}

// asJSON turns a structured node into one Value holding its JSON text.
func (n *node) asJSON() model.Value {
	if n == nil || n.k == nNoValue {
		return model.Value{}
	}
	if n.k == nScalar || n.k == nUnknown {
		return n.v
	}
	b, err := json.Marshal(n.jsonValue())
	if err != nil {
		return model.Unresolved("(unrenderable value)", n.pos)
	}
	if !n.known() {
		v := model.Unresolved(string(b), n.pos)
		return v
	}
	return model.Str(string(b), n.pos)
}

// evaluator evaluates one subtree. scope binds names for SAM policy
// templates; at, when set, replaces positions of embedded data (the policy
// templates) with the place in the scanned template that asked for them.
type evaluator struct {
	d     *doc
	scope map[string]*node
	at    *model.Pos
}

const maxEvalDepth = 64

// maxEvalNodes bounds the work one template can cause. A real template
// evaluates to far fewer values; a document of aliases that stays under the
// parser's node limit could otherwise still cost seconds per Globals merge.
const maxEvalNodes = 300_000

func (e *evaluator) posOf(y *yaml.Node) model.Pos {
	if e.at != nil {
		return *e.at
	}
	return model.Pos{File: e.d.file, Line: y.Line, Col: y.Column}
}

// intrinsic recognises an intrinsic function in either form: the short YAML
// tag (!Ref X, !GetAtt A.B, !Sub ...) or the one-key map ({"Ref": X},
// {"Fn::Sub": ...}). It returns the long name and the argument.
func intrinsic(y *yaml.Node) (string, *yaml.Node, bool) {
	if y == nil {
		return "", nil, false
	}
	if t := y.Tag; len(t) > 1 && t[0] == '!' && t[1] != '!' {
		name := t[1:]
		if name != "Ref" && name != "Condition" {
			name = "Fn::" + name
		}
		arg := *y
		arg.Tag = ""
		if arg.Kind == yaml.ScalarNode {
			arg.Tag = "!!str"
		}
		return name, &arg, true
	}
	if y.Kind == yaml.MappingNode && len(y.Content) == 2 {
		k := y.Content[0].Value
		if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
			return k, yamlsafe.Resolve(y.Content[1]), true
		}
	}
	return "", nil, false
}

// eval evaluates a YAML subtree into a node.
func (e *evaluator) eval(y *yaml.Node, depth int) *node {
	y = yamlsafe.Resolve(y)
	if y == nil {
		return nil
	}
	pos := e.posOf(y)
	if e.d.evalBudget--; e.d.evalBudget < 0 {
		if e.d.evalBudget == -1 {
			e.d.diag(pos, model.DiagError, "limit", "template expands to more than %d values (through aliases or repeated Globals); the rest is treated as unknown", maxEvalNodes)
		}
		return e.d.unknown("(evaluation limit)", pos)
	}
	if depth > maxEvalDepth {
		e.d.diag(pos, model.DiagWarning, "limit", "value nests intrinsic functions deeper than %d levels; treated as unknown", maxEvalDepth)
		return e.d.unknown("(too deeply nested)", pos)
	}
	if name, arg, ok := intrinsic(y); ok {
		// Condition inside a value position is only meaningful within
		// Fn::If/And/Or/Not, handled there; elsewhere it is a map key.
		if name != "Condition" {
			return e.fn(name, arg, pos, depth+1)
		}
	}
	switch y.Kind {
	case yaml.ScalarNode:
		if y.Tag == "!!null" {
			return &node{k: nScalar, v: model.Str("", pos), pos: pos}
		}
		return e.scalar(y.Value, pos)
	case yaml.SequenceNode:
		n := &node{k: nList, pos: pos, items: make([]*node, 0, len(y.Content))}
		for _, c := range y.Content {
			if v := e.eval(c, depth+1); v != nil && v.k != nNoValue {
				n.items = append(n.items, v)
			}
		}
		return n
	case yaml.MappingNode:
		n := &node{k: nMap, pos: pos}
		yamlsafe.Pairs(y, func(k, v *yaml.Node) {
			ev := e.eval(v, depth+1)
			if ev == nil || ev.k == nNoValue {
				return
			}
			n.keys = append(n.keys, k.Value)
			n.kpos = append(n.kpos, e.posOf(k))
			n.vals = append(n.vals, ev)
		})
		return n
	}
	return nil
}

// scalar makes a scalar node, recognising dynamic references
// ({{resolve:ssm:...}}), which CloudFormation fetches at deploy time.
func (e *evaluator) scalar(s string, pos model.Pos) *node {
	if strings.Contains(s, "{{resolve:") {
		e.d.markUnresolved(pos)
		v := model.Unresolved(s, pos)
		v.External = true
		return &node{k: nUnknown, v: v, pos: pos}
	}
	return &node{k: nScalar, v: model.Str(s, pos), pos: pos}
}

// fn evaluates one intrinsic function.
func (e *evaluator) fn(name string, arg *yaml.Node, pos model.Pos, depth int) *node {
	d := e.d
	switch name {
	case "Ref":
		if arg.Kind != yaml.ScalarNode {
			return e.bad(name, "expects a name", pos)
		}
		return e.ref(arg.Value, pos)
	case "Fn::GetAtt":
		var res, attr string
		switch arg.Kind {
		case yaml.ScalarNode:
			res, attr, _ = strings.Cut(arg.Value, ".")
		case yaml.SequenceNode:
			if len(arg.Content) == 2 {
				res = yamlsafe.Resolve(arg.Content[0]).Value
				a := e.eval(arg.Content[1], depth).str()
				if !a.IsKnown() {
					return e.bad(name, "has an attribute name that is not known", pos)
				}
				attr = a.V
			}
		}
		if res == "" || attr == "" {
			return e.bad(name, "expects Resource.Attribute", pos)
		}
		return e.getAtt(res, attr, pos)
	case "Fn::Sub":
		return e.sub(arg, pos, depth)
	case "Fn::Join":
		args := e.args(arg, depth)
		if len(args) != 2 {
			return e.bad(name, "expects [delimiter, list]", pos)
		}
		delim := args[0].str()
		if !delim.IsKnown() {
			return d.unknown("!Join with an unknown delimiter", pos)
		}
		if args[1].isUnknown() {
			return d.unknownFrom("!Join", pos, args[1])
		}
		var parts []model.Value
		for _, it := range args[1].list() {
			parts = append(parts, it.str())
		}
		return concat(parts, delim.V, pos)
	case "Fn::Select":
		args := e.args(arg, depth)
		if len(args) != 2 {
			return e.bad(name, "expects [index, list]", pos)
		}
		idx, ok := args[0].str().Int()
		if !ok || args[1].isUnknown() {
			return d.unknownFrom("!Select", pos, args[1])
		}
		items := args[1].list()
		if idx < 0 || int(idx) >= len(items) {
			d.diag(pos, model.DiagWarning, "unresolved", "Fn::Select index %d is out of range (list has %d elements)", idx, len(items))
			return d.unresolved("!Select out of range", pos)
		}
		return items[idx]
	case "Fn::Split":
		args := e.args(arg, depth)
		if len(args) != 2 {
			return e.bad(name, "expects [delimiter, string]", pos)
		}
		delim, s := args[0].str(), args[1].str()
		if !delim.IsKnown() || !s.IsKnown() || delim.V == "" {
			return d.unknownFrom("!Split", pos, args[1])
		}
		n := &node{k: nList, pos: pos}
		for _, p := range strings.Split(s.V, delim.V) {
			n.items = append(n.items, &node{k: nScalar, v: model.Str(p, s.Pos), pos: s.Pos})
		}
		return n
	case "Fn::If":
		if arg.Kind != yaml.SequenceNode || len(arg.Content) != 3 {
			return e.bad(name, "expects [condition, value if true, value if false]", pos)
		}
		cond := yamlsafe.Resolve(arg.Content[0]).Value
		switch d.condition(cond, pos, 0) {
		case triTrue:
			return e.eval(arg.Content[1], depth)
		case triFalse:
			return e.eval(arg.Content[2], depth)
		}
		a, b := e.eval(arg.Content[1], depth), e.eval(arg.Content[2], depth)
		if a != nil && b != nil && a.k == nScalar && b.k == nScalar && a.v.V == b.v.V {
			return a
		}
		u := d.unknown("!If ["+cond+", ...]", pos)
		// Keep a reference both branches agree on, so edges survive.
		if a != nil && b != nil && a.v.Ref != "" && a.v.Ref == b.v.Ref {
			u.v.Ref = a.v.Ref
		}
		return u
	case "Fn::FindInMap":
		args := e.args(arg, depth)
		if len(args) < 3 {
			return e.bad(name, "expects [map, top-level key, second-level key]", pos)
		}
		m, k1, k2 := args[0].str(), args[1].str(), args[2].str()
		if !m.IsKnown() || !k1.IsKnown() || !k2.IsKnown() {
			return d.unknownFrom("!FindInMap", pos, args[1], args[2])
		}
		v := yamlsafe.Get(yamlsafe.Get(yamlsafe.Get(d.mappings, m.V), k1.V), k2.V)
		if v == nil {
			if len(args) > 3 {
				if dv := args[3].get("DefaultValue"); dv != nil {
					return dv
				}
			}
			d.diag(pos, model.DiagWarning, "unresolved", "Fn::FindInMap: mapping %s has no entry %s/%s", m.V, k1.V, k2.V)
			return d.unresolved("!FindInMap ["+m.V+", "+k1.V+", "+k2.V+"]", pos)
		}
		// Mapping values are written elsewhere in the file; the value keeps
		// its own position there, which is where a fix goes.
		return (&evaluator{d: d}).eval(v, depth)
	case "Fn::ImportValue":
		x := e.eval(arg, depth).str()
		expr := "!ImportValue " + x.String()
		if x.IsKnown() {
			expr = "!ImportValue " + x.V
		}
		u := d.unresolved(expr, pos)
		u.v.External = true
		return u
	case "Fn::Base64":
		x := e.eval(arg, depth)
		if s := x.str(); s.IsKnown() {
			return &node{k: nScalar, v: model.Str(base64.StdEncoding.EncodeToString([]byte(s.V)), pos), pos: pos}
		}
		return d.unknownFrom("!Base64", pos, x)
	case "Fn::GetAZs":
		return d.unknown("!GetAZs", pos)
	case "Fn::Cidr":
		return d.unknown("!Cidr", pos)
	case "Fn::Length":
		x := e.eval(arg, depth)
		if x != nil && x.k == nList {
			return &node{k: nScalar, v: model.Str(strconv.Itoa(len(x.items)), pos), pos: pos}
		}
		return d.unknownFrom("!Length", pos, x)
	case "Fn::ToJsonString":
		x := e.eval(arg, depth)
		v := x.asJSON()
		return &node{k: map[bool]nkind{true: nScalar, false: nUnknown}[v.IsKnown()], v: v, pos: pos}
	case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not":
		// Condition functions used as values (rare, but legal in Conditions
		// copied into properties): evaluate to "true"/"false".
		switch d.condExpr(name, arg, pos, 0) {
		case triTrue:
			return &node{k: nScalar, v: model.Str("true", pos), pos: pos}
		case triFalse:
			return &node{k: nScalar, v: model.Str("false", pos), pos: pos}
		}
		return d.unknown("!"+strings.TrimPrefix(name, "Fn::"), pos)
	case "Fn::Transform":
		d.diag(pos, model.DiagWarning, "unsupported", "Fn::Transform (macro) cannot be expanded statically; its result is unknown")
		return d.unresolved("!Transform", pos)
	}
	d.diag(pos, model.DiagWarning, "unsupported", "unknown intrinsic function %s; its value is treated as unknown", name)
	return d.unresolved("!"+strings.TrimPrefix(name, "Fn::"), pos)
}

// bad reports a malformed intrinsic call.
func (e *evaluator) bad(name, what string, pos model.Pos) *node {
	e.d.diag(pos, model.DiagWarning, "unresolved", "%s %s; its value is treated as unknown", name, what)
	return e.d.unresolved("!"+strings.TrimPrefix(name, "Fn::"), pos)
}

// args evaluates the list argument of an intrinsic.
func (e *evaluator) args(arg *yaml.Node, depth int) []*node {
	if arg.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*node, len(arg.Content))
	for i, c := range arg.Content {
		out[i] = e.eval(c, depth)
		if out[i] == nil {
			out[i] = &node{k: nScalar, v: model.Str("", e.posOf(c)), pos: e.posOf(c)}
		}
	}
	return out
}

// ref resolves Ref to a scope name, a parameter, a pseudo parameter or a
// resource.
func (e *evaluator) ref(name string, pos model.Pos) *node {
	d := e.d
	if v, ok := e.scope[name]; ok {
		return v
	}
	if name == "AWS::NoValue" {
		return &node{k: nNoValue, pos: pos}
	}
	if strings.HasPrefix(name, "AWS::") {
		// Pseudo parameters are fixed per deployment but not written in
		// the template: unknown, and not counted as unresolved.
		return d.unknown("!Ref "+name, pos)
	}
	if p, ok := d.params[name]; ok {
		return p.value(d, pos)
	}
	if r, ok := d.resources[name]; ok {
		u := d.unknown("!Ref "+name, pos)
		u.v.Ref = r.id
		return u
	}
	if id, ok := d.implicitIDs[name]; ok {
		u := d.unknown("!Ref "+name, pos)
		u.v.Ref = id
		return u
	}
	d.diag(pos, model.DiagWarning, "unresolved", "Ref to %s, which is neither a parameter nor a resource of this template", name)
	return d.unresolved("!Ref "+name, pos)
}

// getAtt resolves Fn::GetAtt: never known statically, but it points at the
// resource, which is what rules and edges need.
func (e *evaluator) getAtt(res, attr string, pos model.Pos) *node {
	d := e.d
	expr := "!GetAtt " + res + "." + attr
	if r, ok := d.resources[res]; ok {
		u := d.unknown(expr, pos)
		u.v.Ref = r.id
		return u
	}
	if id, ok := d.implicitIDs[res]; ok {
		u := d.unknown(expr, pos)
		u.v.Ref = id
		return u
	}
	d.diag(pos, model.DiagWarning, "unresolved", "Fn::GetAtt refers to %s, which is not a resource of this template", res)
	return d.unresolved(expr, pos)
}

// sub evaluates Fn::Sub in its string and [string, variables] forms.
func (e *evaluator) sub(arg *yaml.Node, pos model.Pos, depth int) *node {
	d := e.d
	var tmpl string
	vars := map[string]*node{}
	switch arg.Kind {
	case yaml.ScalarNode:
		tmpl = arg.Value
	case yaml.SequenceNode:
		if len(arg.Content) != 2 {
			return e.bad("Fn::Sub", "expects a string or [string, variables]", pos)
		}
		t := e.eval(arg.Content[0], depth).str()
		if !t.IsKnown() {
			return d.unknownFrom("!Sub", pos)
		}
		tmpl = t.V
		yamlsafe.Pairs(yamlsafe.Resolve(arg.Content[1]), func(k, v *yaml.Node) {
			vars[k.Value] = e.eval(v, depth)
		})
	default:
		return e.bad("Fn::Sub", "expects a string or [string, variables]", pos)
	}
	var parts []model.Value
	rest := tmpl
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			parts = append(parts, model.Str(rest, pos))
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			parts = append(parts, model.Str(rest, pos))
			break
		}
		parts = append(parts, model.Str(rest[:i], pos))
		name := rest[i+2 : i+j]
		rest = rest[i+j+1:]
		if strings.HasPrefix(name, "!") {
			parts = append(parts, model.Str("${"+name[1:]+"}", pos))
			continue
		}
		name = strings.TrimSpace(name)
		var v *node
		if x, ok := vars[name]; ok {
			v = x
		} else if res, attr, ok := strings.Cut(name, "."); ok && !strings.HasPrefix(name, "AWS::") {
			v = e.getAtt(res, attr, pos)
		} else {
			v = e.ref(name, pos)
		}
		if v == nil || v.k == nNoValue {
			continue
		}
		parts = append(parts, v.str())
	}
	return concat(parts, "", pos)
}

// concat joins scalar parts. When any part is unknown the result is
// unknown, with the known parts filled in so the expression stays precise
// ("arn:${AWS::Partition}:s3:::orders-bucket/*"), and with Ref set when
// exactly one resource is referenced.
func concat(parts []model.Value, delim string, pos model.Pos) *node {
	var b strings.Builder
	known, external := true, false
	refs := map[string]bool{}
	for i, p := range parts {
		if i > 0 {
			b.WriteString(delim)
		}
		if p.Ref != "" {
			refs[p.Ref] = true
		}
		external = external || p.External
		if p.IsKnown() {
			b.WriteString(p.V)
			continue
		}
		known = false
		b.WriteString(inline(p))
	}
	if known {
		return &node{k: nScalar, v: model.Str(b.String(), pos), pos: pos}
	}
	v := model.Unresolved(b.String(), pos)
	v.External = external
	if len(refs) == 1 {
		for r := range refs {
			v.Ref = r
		}
	}
	return &node{k: nUnknown, v: v, pos: pos}
}

// inline renders an unknown value inside a larger string.
func inline(v model.Value) string {
	switch {
	case strings.HasPrefix(v.Expr, "!Ref "):
		return "${" + v.Expr[5:] + "}"
	case strings.HasPrefix(v.Expr, "!GetAtt "):
		return "${" + v.Expr[8:] + "}"
	case strings.HasPrefix(v.Expr, "${") || strings.HasPrefix(v.Expr, "{{"):
		return v.Expr
	case v.Expr == "" && v.State == model.Absent:
		return ""
	}
	return "${" + v.Expr + "}"
}

// tri is a three-valued truth: conditions over unknown parameters are
// neither true nor false.
type tri uint8

const (
	triUnknown tri = iota
	triTrue
	triFalse
)

func triOf(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

// condition evaluates a named condition, memoised, refusing cycles.
func (d *doc) condition(name string, pos model.Pos, depth int) tri {
	if t, ok := d.condMemo[name]; ok {
		return t
	}
	y, ok := d.conds[name]
	if !ok {
		d.diag(pos, model.DiagWarning, "unresolved", "condition %s is not defined in Conditions", name)
		d.markUnresolved(pos)
		return triUnknown
	}
	if d.condBusy[name] || depth > maxEvalDepth {
		d.diag(pos, model.DiagWarning, "unresolved", "condition %s refers to itself", name)
		return triUnknown
	}
	d.condBusy[name] = true
	t := d.condNode(y, depth+1)
	delete(d.condBusy, name)
	d.condMemo[name] = t
	return t
}

// condNode evaluates a condition expression.
func (d *doc) condNode(y *yaml.Node, depth int) tri {
	y = yamlsafe.Resolve(y)
	if y == nil {
		return triUnknown
	}
	pos := model.Pos{File: d.file, Line: y.Line, Col: y.Column}
	if name, arg, ok := intrinsic(y); ok {
		if name == "Condition" {
			return d.condition(arg.Value, pos, depth+1)
		}
		return d.condExpr(name, arg, pos, depth+1)
	}
	if y.Kind == yaml.ScalarNode {
		if b, err := strconv.ParseBool(y.Value); err == nil {
			return triOf(b)
		}
	}
	return triUnknown
}

// condExpr evaluates Fn::Equals/And/Or/Not.
func (d *doc) condExpr(name string, arg *yaml.Node, pos model.Pos, depth int) tri {
	if depth > maxEvalDepth || arg.Kind != yaml.SequenceNode {
		return triUnknown
	}
	switch name {
	case "Fn::Equals":
		if len(arg.Content) != 2 {
			return triUnknown
		}
		e := &evaluator{d: d}
		a, b := e.eval(arg.Content[0], depth).str(), e.eval(arg.Content[1], depth).str()
		if a.IsKnown() && b.IsKnown() {
			return triOf(a.V == b.V)
		}
		return triUnknown
	case "Fn::Not":
		if len(arg.Content) != 1 {
			return triUnknown
		}
		switch d.condNode(arg.Content[0], depth) {
		case triTrue:
			return triFalse
		case triFalse:
			return triTrue
		}
		return triUnknown
	case "Fn::And", "Fn::Or":
		and := name == "Fn::And"
		res := triOf(and)
		for _, c := range arg.Content {
			switch d.condNode(c, depth) {
			case triFalse:
				if and {
					return triFalse
				}
			case triTrue:
				if !and {
					return triTrue
				}
			default:
				res = triUnknown
			}
		}
		return res
	}
	d.diag(pos, model.DiagWarning, "unsupported", "%s cannot be used in a condition", name)
	return triUnknown
}

// unknown makes an Unknown node that is not an input problem (a resource
// attribute, a pseudo parameter).
func (d *doc) unknown(expr string, pos model.Pos) *node {
	return &node{k: nUnknown, v: model.Unresolved(expr, pos), pos: pos}
}

// unresolved makes an Unknown node and counts it against the file.
func (d *doc) unresolved(expr string, pos model.Pos) *node {
	d.markUnresolved(pos)
	return d.unknown(expr, pos)
}

// unknownFrom makes an Unknown node for a function over inputs, keeping a
// reference and the external mark of its inputs.
func (d *doc) unknownFrom(expr string, pos model.Pos, in ...*node) *node {
	u := d.unknown(expr, pos)
	for _, x := range in {
		if x == nil {
			continue
		}
		if x.v.Ref != "" && u.v.Ref == "" {
			u.v.Ref = x.v.Ref
		}
		u.v.External = u.v.External || x.v.External
	}
	return u
}

// mergeGlobals applies SAM's Globals rules: maps merge key by key (so
// Environment.Variables merge by name), lists concatenate with the global
// entries first, and scalars set on the resource win.
func mergeGlobals(global, local *node) *node {
	if global == nil {
		return local
	}
	if local == nil {
		return global
	}
	if global.k == nMap && local.k == nMap {
		out := &node{k: nMap, pos: local.pos}
		for i, k := range global.keys {
			if lv := local.get(k); lv != nil {
				continue
			}
			out.keys = append(out.keys, k)
			out.kpos = append(out.kpos, global.kpos[i])
			out.vals = append(out.vals, global.vals[i])
		}
		for i, k := range local.keys {
			v := local.vals[i]
			if gv := global.get(k); gv != nil {
				v = mergeGlobals(gv, v)
			}
			out.keys = append(out.keys, k)
			out.kpos = append(out.kpos, local.kpos[i])
			out.vals = append(out.vals, v)
		}
		return out
	}
	if global.k == nList && local.k == nList {
		out := &node{k: nList, pos: local.pos}
		out.items = append(append(out.items, global.items...), local.items...)
		return out
	}
	return local
}
