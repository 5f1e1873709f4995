package terraform

import (
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"go.yaml.in/yaml/v3"

	"github.com/wardensec/warden/internal/load/yamlsafe"
	"github.com/wardensec/warden/internal/model"
)

// jnode is a JSON document whose leaves are model values with positions.
// Policies written as jsonencode({...}), as heredoc or quoted JSON, or as
// a value computed elsewhere all become a jnode, and one function reads
// IAM statements from it.
type jnode struct {
	kind  byte // 'o' object, 'a' array, 's' scalar
	keys  []string
	vals  []*jnode
	items []*jnode
	val   model.Value
	pos   model.Pos
}

func (j *jnode) get(k string) *jnode {
	if j == nil || j.kind != 'o' {
		return nil
	}
	for i, key := range j.keys {
		if key == k {
			return j.vals[i]
		}
	}
	for i, key := range j.keys {
		if strings.EqualFold(key, k) {
			return j.vals[i]
		}
	}
	return nil
}

// policyAttr reads a policy argument; nil when the argument is not set.
func (in *inst) policyAttr(b body, name, src string) *model.Policy {
	a := b.attr(name)
	if a == nil {
		return nil
	}
	return in.policyExpr(a.Expr, src)
}

// policyExpr reads a policy document from any of the ways Terraform
// configurations write one.
func (in *inst) policyExpr(x hcl.Expression, src string) *model.Policy {
	m := in.m
	pos := posOf(x.Range())
	pol := &model.Policy{Pos: pos, Source: src}
	// data.aws_iam_policy_document.X.json
	for _, t := range x.Variables() {
		if t.RootName() != "data" || len(t) < 3 || attrName(t[1]) != "aws_iam_policy_document" {
			continue
		}
		addr := "data.aws_iam_policy_document." + attrName(t[2])
		if len(t) > 3 {
			if k, ok := indexKey(t[3]); ok && m.byAddr[addr+k] != nil {
				addr += k
			}
		}
		d := m.byAddr[addr]
		if d == nil {
			pol.Unresolved = true
			m.l.diag(pos, model.DiagWarning, "unresolved", "policy document %s is not declared in this module", addr)
			return pol
		}
		doc := d.docPolicy()
		pol.Statements = append(pol.Statements, doc.Statements...)
		pol.Unresolved = doc.Unresolved
		pol.Source = src + " from aws_iam_policy_document"
		return pol
	}
	j := in.jdoc(x)
	if j == nil {
		pol.Unresolved = true
		m.l.diag(pos, model.DiagWarning, "unresolved", "policy is not valid JSON (or depends on values Warden cannot see); its statements are unknown")
		return pol
	}
	in.statements(j, pol)
	return pol
}

// jdoc reads a JSON document argument (jsonencode, heredoc, or a known
// string). An unknown value is an unknown scalar; nil means the text is
// not JSON.
func (in *inst) jdoc(x hcl.Expression) *jnode {
	switch e := x.(type) {
	case *hclsyntax.FunctionCallExpr:
		if e.Name == "jsonencode" && len(e.Args) == 1 {
			return in.jFromHCL(e.Args[0])
		}
	case *hclsyntax.TemplateExpr:
		return in.jFromTemplate(e)
	}
	if e, ok := x.(*hclsyntax.FunctionCallExpr); ok && e.Name == "file" && len(e.Args) == 1 {
		// A policy kept in its own JSON file: positions in that file.
		if pv, d := e.Args[0].Value(in.ctx); !d.HasErrors() {
			if p, ok := ctyString(pv); ok {
				if rel, text, err := in.m.l.readRel(p); err == nil {
					return in.jFromJSON(text, model.Pos{File: rel, Line: 1, Col: 1}, 0, nil)
				}
			}
		}
	}
	v := in.m.val(x, in.ctx)
	if !v.IsKnown() {
		return &jnode{kind: 's', pos: v.Pos, val: v}
	}
	return in.jFromJSON(v.V, v.Pos, v.Pos.Line-1, nil)
}

// jFromHCL converts object and tuple constructors node by node, so each
// action and resource keeps its own line.
func (in *inst) jFromHCL(x hcl.Expression) *jnode {
	m := in.m
	pos := posOf(x.Range())
	switch e := x.(type) {
	case *hclsyntax.ObjectConsExpr:
		j := &jnode{kind: 'o', pos: pos}
		for _, it := range e.Items {
			kv, d := it.KeyExpr.Value(in.ctx)
			k, ok := "", false
			if !d.HasErrors() {
				k, ok = ctyString(kv)
			}
			if !ok {
				k = m.srcText(it.KeyExpr.Range())
			}
			j.keys = append(j.keys, k)
			j.vals = append(j.vals, in.jFromHCL(it.ValueExpr))
		}
		return j
	case *hclsyntax.TupleConsExpr:
		j := &jnode{kind: 'a', pos: pos}
		for _, it := range e.Exprs {
			j.items = append(j.items, in.jFromHCL(it))
		}
		return j
	}
	v, d := x.Value(in.ctx)
	if d.HasErrors() {
		m.reportEval(x, d)
		return &jnode{kind: 's', pos: pos, val: m.unknownVal(x)}
	}
	return in.jFromCty(v, x)
}

func (in *inst) jFromCty(v cty.Value, x hcl.Expression) *jnode {
	pos := posOf(x.Range())
	if !v.IsKnown() {
		return &jnode{kind: 's', pos: pos, val: in.m.unknownVal(x)}
	}
	if v.IsNull() {
		return &jnode{kind: 's', pos: pos}
	}
	t := v.Type()
	switch {
	case t.IsObjectType() || t.IsMapType():
		j := &jnode{kind: 'o', pos: pos}
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			ks, _ := ctyString(k)
			j.keys = append(j.keys, ks)
			j.vals = append(j.vals, in.jFromCty(e, x))
		}
		return j
	case t.IsListType() || t.IsTupleType() || t.IsSetType():
		j := &jnode{kind: 'a', pos: pos}
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			j.items = append(j.items, in.jFromCty(e, x))
		}
		return j
	}
	mv := ctyToValue(v, pos)
	mv.Ref = in.m.refID(x)
	return &jnode{kind: 's', pos: pos, val: mv}
}

const phPrefix = "${__warden"

type placeholder struct {
	expr string
	ref  string
}

// jFromTemplate renders a quoted or heredoc template with every unknown
// interpolation kept as a placeholder, then reads it as JSON, so that a
// heredoc policy naming ${aws_s3_bucket.b.arn} still yields its actions.
func (in *inst) jFromTemplate(e *hclsyntax.TemplateExpr) *jnode {
	m := in.m
	if len(e.Parts) == 0 {
		return nil
	}
	var sb strings.Builder
	phs := map[string]placeholder{}
	for _, p := range e.Parts {
		if lit, ok := p.(*hclsyntax.LiteralValueExpr); ok && lit.Val.Type() == cty.String && lit.Val.IsKnown() {
			sb.WriteString(lit.Val.AsString())
			continue
		}
		v, d := p.Value(in.ctx)
		if !d.HasErrors() && v.IsWhollyKnown() && !v.IsNull() {
			if s, ok := ctyString(v); ok {
				sb.WriteString(s)
				continue
			}
		}
		if d.HasErrors() {
			m.reportEval(p, d)
		}
		key := phPrefix + strconv.Itoa(len(phs)) + "}"
		phs[key] = placeholder{expr: "${" + m.srcText(p.Range()) + "}", ref: m.refID(p)}
		sb.WriteString(key)
	}
	first := posOf(e.Parts[0].Range())
	return in.jFromJSON(sb.String(), first, first.Line-1, phs)
}

// jFromJSON parses JSON text whose first line is at line lineOff+1 of the
// file; positions fall back to base when the text is on one line.
func (in *inst) jFromJSON(text string, base model.Pos, lineOff int, phs map[string]placeholder) *jnode {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	doc, err := yamlsafe.Parse(base.File, []byte(text))
	if err != nil {
		return nil
	}
	return in.jFromYAML(yamlsafe.Body(doc), base, lineOff, phs)
}

func (in *inst) jFromYAML(n *yaml.Node, base model.Pos, lineOff int, phs map[string]placeholder) *jnode {
	if n == nil {
		return nil
	}
	n = yamlsafe.Resolve(n)
	pos := model.Pos{File: base.File, Line: lineOff + n.Line, Col: n.Column}
	if n.Line == 1 {
		pos.Col = base.Col + n.Column - 1
	}
	switch n.Kind {
	case yaml.MappingNode:
		j := &jnode{kind: 'o', pos: pos}
		yamlsafe.Pairs(n, func(k, v *yaml.Node) {
			j.keys = append(j.keys, k.Value)
			j.vals = append(j.vals, in.jFromYAML(v, base, lineOff, phs))
		})
		return j
	case yaml.SequenceNode:
		j := &jnode{kind: 'a', pos: pos}
		for _, c := range n.Content {
			j.items = append(j.items, in.jFromYAML(c, base, lineOff, phs))
		}
		return j
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return &jnode{kind: 's', pos: pos}
		}
		s := n.Value
		if strings.Contains(s, phPrefix) {
			expr, ref := s, ""
			for k, p := range phs {
				if strings.Contains(expr, k) {
					expr = strings.ReplaceAll(expr, k, p.expr)
					if ref == "" {
						ref = p.ref
					}
				}
			}
			v := model.Unresolved(expr, pos)
			v.Ref = ref
			for _, e := range externalSources {
				if strings.Contains(expr, e) {
					v.External = true
				}
			}
			in.m.l.unresolved(pos)
			return &jnode{kind: 's', pos: pos, val: v}
		}
		return &jnode{kind: 's', pos: pos, val: model.Str(s, pos)}
	}
	return nil
}

// statements reads the IAM statements of a policy document.
func (in *inst) statements(j *jnode, pol *model.Policy) {
	if j.kind == 's' {
		if j.val.IsUnknown() {
			pol.Unresolved = true
		}
		return
	}
	st := j.get("Statement")
	if st == nil {
		return
	}
	var list []*jnode
	switch st.kind {
	case 'a':
		list = st.items
	case 'o':
		list = []*jnode{st}
	default:
		pol.Unresolved = true
		return
	}
	for _, s := range list {
		if s == nil || s.kind != 'o' {
			pol.Unresolved = true
			continue
		}
		stmt := &model.Statement{Pos: s.pos}
		if sid := s.get("Sid"); sid != nil && sid.val.IsKnown() {
			stmt.Sid = sid.val.V
		}
		if e := s.get("Effect"); e != nil {
			stmt.Effect = e.val
		}
		stmt.Actions = jvals(s.get("Action"))
		stmt.NotActions = jvals(s.get("NotAction"))
		stmt.Resources = jvals(s.get("Resource"))
		stmt.NotResources = jvals(s.get("NotResource"))
		stmt.Principals = jprincipals(s.get("Principal"))
		stmt.NotPrincipals = jprincipals(s.get("NotPrincipal"))
		if c := s.get("Condition"); c != nil && c.kind == 'o' {
			for i, op := range c.keys {
				ck := c.vals[i]
				if ck == nil || ck.kind != 'o' {
					continue
				}
				for k, key := range ck.keys {
					stmt.Conditions = append(stmt.Conditions, model.Condition{Operator: op, Key: key, Values: jvals(ck.vals[k])})
				}
			}
		}
		pol.Statements = append(pol.Statements, stmt)
	}
}

func jvals(j *jnode) []model.Value {
	if j == nil {
		return nil
	}
	switch j.kind {
	case 'a':
		var out []model.Value
		for _, it := range j.items {
			out = append(out, jvals(it)...)
		}
		return out
	case 's':
		if j.val.IsSet() {
			return []model.Value{j.val}
		}
		return nil
	}
	return []model.Value{model.Unresolved("{...}", j.pos)}
}

func jprincipals(j *jnode) map[string][]model.Value {
	if j == nil {
		return nil
	}
	if j.kind == 'o' {
		out := map[string][]model.Value{}
		for i, k := range j.keys {
			out[k] = append(out[k], jvals(j.vals[i])...)
		}
		return out
	}
	return map[string][]model.Value{"*": jvals(j)}
}

// docPolicy builds the document of a data "aws_iam_policy_document"
// instance, once; documents may include each other.
func (in *inst) docPolicy() *model.Policy {
	m := in.m
	st := m.docs[in.addr]
	if st == nil {
		st = &docState{}
		m.docs[in.addr] = st
	}
	if st.done {
		return st.pol
	}
	if st.busy {
		m.l.diag(in.pos, model.DiagWarning, "unresolved", "%s includes itself through source or override documents", in.addr)
		return &model.Policy{Pos: in.pos, Unresolved: true}
	}
	st.busy = true
	b := in.rb.body
	pol := &model.Policy{Pos: in.pos, Source: "aws_iam_policy_document", Name: model.Str(m.prefix+in.addr, in.pos)}
	for _, name := range []string{"source_policy_documents", "source_json"} {
		for _, sub := range in.subDocs(b, name) {
			pol.Statements = append(pol.Statements, sub.Statements...)
			pol.Unresolved = pol.Unresolved || sub.Unresolved
		}
	}
	for _, sb := range b.blocks("statement") {
		pol.Statements = append(pol.Statements, in.docStatement(sb))
	}
	if b.hasDynamic("statement") {
		pol.Unresolved = true
		m.l.diag(in.pos, model.DiagInfo, "unsupported", "%s has dynamic statement blocks; those statements are not modelled", in.addr)
	}
	for _, name := range []string{"override_policy_documents", "override_json"} {
		for _, sub := range in.subDocs(b, name) {
			pol.Unresolved = pol.Unresolved || sub.Unresolved
			for _, s := range sub.Statements {
				replaced := false
				if s.Sid != "" {
					for i, old := range pol.Statements {
						if old.Sid == s.Sid {
							pol.Statements[i] = s
							replaced = true
							break
						}
					}
				}
				if !replaced {
					pol.Statements = append(pol.Statements, s)
				}
			}
		}
	}
	st.busy, st.done, st.pol = false, true, pol
	return pol
}

func (in *inst) subDocs(b body, name string) []*model.Policy {
	a := b.attr(name)
	if a == nil {
		return nil
	}
	if tc, ok := a.Expr.(*hclsyntax.TupleConsExpr); ok {
		var out []*model.Policy
		for _, e := range tc.Exprs {
			out = append(out, in.policyExpr(e, "aws_iam_policy_document"))
		}
		return out
	}
	return []*model.Policy{in.policyExpr(a.Expr, "aws_iam_policy_document")}
}

func (in *inst) docStatement(sb block) *model.Statement {
	b := sb.body
	s := &model.Statement{Pos: posOf(sb.def)}
	if sid := in.attrVal(b, "sid"); sid.IsKnown() {
		s.Sid = sid.V
	}
	s.Effect = in.attrVal(b, "effect")
	if s.Effect.IsAbsent() {
		// The data source's documented default.
		s.Effect = model.Str("Allow", posOf(sb.def))
	}
	s.Actions = in.list(b, "actions")
	s.NotActions = in.list(b, "not_actions")
	s.Resources = in.list(b, "resources")
	s.NotResources = in.list(b, "not_resources")
	s.Principals = in.docPrincipals(b, "principals")
	s.NotPrincipals = in.docPrincipals(b, "not_principals")
	for _, cb := range b.blocks("condition") {
		c := model.Condition{Values: in.list(cb.body, "values")}
		if t := in.attrVal(cb.body, "test"); t.IsKnown() {
			c.Operator = t.V
		} else {
			c.Operator = t.String()
		}
		if v := in.attrVal(cb.body, "variable"); v.IsKnown() {
			c.Key = v.V
		} else {
			c.Key = v.String()
		}
		s.Conditions = append(s.Conditions, c)
	}
	return s
}

func (in *inst) docPrincipals(b body, typ string) map[string][]model.Value {
	pbs := b.blocks(typ)
	if len(pbs) == 0 {
		return nil
	}
	out := map[string][]model.Value{}
	for _, pb := range pbs {
		t := in.attrVal(pb.body, "type")
		key := t.V
		if !t.IsKnown() {
			key = t.String()
		}
		out[key] = append(out[key], in.list(pb.body, "identifiers")...)
	}
	return out
}
