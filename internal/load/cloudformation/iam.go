package cloudformation

import (
	_ "embed"
	"encoding/json"
	"sort"
	"strconv"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/wardensec/warden/internal/load/yamlsafe"
	"github.com/wardensec/warden/internal/model"
)

// policyTemplatesJSON is AWS's published list of SAM policy templates; see
// data/README.md for its source and version.
//
//go:embed data/policy_templates.json
var policyTemplatesJSON []byte

type policyTemplate struct {
	params     []string
	definition *yaml.Node
}

var (
	templatesOnce sync.Once
	templates     map[string]*policyTemplate
	templatesErr  error
)

// samTemplates parses the embedded templates once. The parsed nodes are
// shared read-only between goroutines: evaluation never mutates YAML.
func samTemplates() (map[string]*policyTemplate, error) {
	templatesOnce.Do(func() {
		var raw struct {
			Templates map[string]struct {
				Parameters map[string]json.RawMessage
				Definition json.RawMessage
			}
		}
		if err := json.Unmarshal(policyTemplatesJSON, &raw); err != nil {
			templatesErr = err
			return
		}
		templates = make(map[string]*policyTemplate, len(raw.Templates))
		for name, t := range raw.Templates {
			var n yaml.Node
			if err := yaml.Unmarshal(t.Definition, &n); err != nil {
				templatesErr = err
				return
			}
			def := &n
			if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
				def = n.Content[0]
			}
			pt := &policyTemplate{definition: def}
			for p := range t.Parameters {
				pt.params = append(pt.params, p)
			}
			sort.Strings(pt.params)
			templates[name] = pt
		}
	})
	return templates, templatesErr
}

// policyDoc reads an IAM policy document.
func (d *doc) policyDoc(n *node, name model.Value, src string, pos model.Pos) *model.Policy {
	p := &model.Policy{Name: name, Pos: pos, Source: src}
	if n == nil {
		return p
	}
	if n.k == nScalar {
		// JSON text is accepted where a document is expected (and is what
		// jsonencode-like tools produce).
		if y, err := yamlsafe.Parse(d.file, []byte(n.v.V)); err == nil {
			if body := yamlsafe.Body(y); body.Kind == yaml.MappingNode {
				ev := &evaluator{d: d, at: &n.pos}
				n = ev.eval(body, 0)
			}
		}
	}
	if n.k != nMap {
		p.Unresolved = true
		if n.k == nUnknown {
			d.markUnresolved(n.pos)
		}
		return p
	}
	if !pos.IsZero() && n.pos.Line > 0 {
		p.Pos = n.pos
	}
	st := n.get("Statement")
	if st == nil {
		p.Unresolved = n.isUnknown()
		return p
	}
	if st.isUnknown() {
		p.Unresolved = true
		return p
	}
	for _, s := range st.list() {
		if s.k != nMap {
			p.Unresolved = true
			continue
		}
		p.Statements = append(p.Statements, d.statement(s, &p.Unresolved))
	}
	return p
}

// statement reads one IAM statement.
func (d *doc) statement(s *node, unresolved *bool) *model.Statement {
	st := &model.Statement{Pos: s.pos}
	if sid := s.get("Sid").str(); sid.IsKnown() {
		st.Sid = sid.V
	}
	st.Effect = s.get("Effect").str()
	st.Actions = scalars(s.get("Action"), unresolved)
	st.NotActions = scalars(s.get("NotAction"), unresolved)
	st.Resources = scalars(s.get("Resource"), unresolved)
	st.NotResources = scalars(s.get("NotResource"), unresolved)
	st.Principals = principals(s.get("Principal"), unresolved)
	st.NotPrincipals = principals(s.get("NotPrincipal"), unresolved)
	s.get("Condition").each(func(op string, _ model.Pos, keys *node) {
		if keys.k != nMap {
			*unresolved = true
			return
		}
		keys.each(func(k string, _ model.Pos, vals *node) {
			st.Conditions = append(st.Conditions, model.Condition{Operator: op, Key: k, Values: scalars(vals, unresolved)})
		})
	})
	if s.get("Condition").isUnknown() || !st.Effect.IsKnown() {
		*unresolved = true
	}
	return st
}

func scalars(n *node, unresolved *bool) []model.Value {
	var out []model.Value
	for _, it := range n.list() {
		v := it.str()
		if it.k == nMap || it.k == nList {
			*unresolved = true
		}
		out = append(out, v)
	}
	return out
}

// principals reads a Principal: "*" or a map of type to values.
func principals(n *node, unresolved *bool) map[string][]model.Value {
	if n == nil {
		return nil
	}
	if n.k == nScalar || n.k == nUnknown {
		if n.k == nUnknown {
			*unresolved = true
		}
		return map[string][]model.Value{"*": {n.v}}
	}
	out := map[string][]model.Value{}
	n.each(func(k string, _ model.Pos, v *node) {
		out[k] = scalars(v, unresolved)
	})
	return out
}

// samPolicies reads the Policies property of a SAM function or state
// machine into role: managed policy names/ARNs, inline documents, and
// policy templates expanded from AWS's published list.
func (d *doc) samPolicies(role *model.Role, n *node) {
	for i, it := range n.list() {
		switch it.k {
		case nScalar, nUnknown:
			role.ManagedPolicies = append(role.ManagedPolicies, it.v)
		case nMap:
			if it.get("Statement") != nil {
				p := d.policyDoc(it, model.Value{}, "inline", it.pos)
				p.Name = model.Str(role.Name+"Policy"+strconv.Itoa(i), it.pos)
				role.Policies = append(role.Policies, p)
				continue
			}
			if len(it.keys) != 1 {
				d.diag(it.pos, model.DiagWarning, "unsupported", "policy entry is neither a policy document nor a single SAM policy template; not modelled")
				role.Policies = append(role.Policies, &model.Policy{Pos: it.pos, Source: "inline", Unresolved: true})
				d.markUnresolved(it.pos)
				continue
			}
			role.Policies = append(role.Policies, d.expandTemplate(it.keys[0], it.kpos[0], it.vals[0]))
		default:
			role.Policies = append(role.Policies, &model.Policy{Pos: it.pos, Source: "inline", Unresolved: true})
		}
	}
}

// expandTemplate expands one SAM policy template. Template parameters take
// the values the template gives them; AWS::Partition, AWS::Region and
// AWS::AccountId stay unknown, so a resource such as
// arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/Orders
// is Unknown with that exact text as its Expr (and Ref set to the table when
// the name came from a Ref to a table in the template). We do not render
// them as "*": that would make a precise grant look like a wildcard one.
func (d *doc) expandTemplate(name string, pos model.Pos, args *node) *model.Policy {
	p := &model.Policy{Name: model.Str(name, pos), Pos: pos, Source: "SAM template " + name}
	tmpls, err := samTemplates()
	if err != nil {
		d.diag(pos, model.DiagError, "internal", "embedded SAM policy templates are unreadable: %v", err)
		p.Unresolved = true
		return p
	}
	t, ok := tmpls[name]
	if !ok {
		d.diag(pos, model.DiagWarning, "unsupported", "%s is not a SAM policy template Warden knows; its statements are unknown", name)
		d.markUnresolved(pos)
		p.Unresolved = true
		return p
	}
	scope := map[string]*node{}
	if args != nil && args.k == nUnknown {
		p.Unresolved = true
	}
	for _, param := range t.params {
		v := args.get(param)
		if v == nil {
			d.diag(pos, model.DiagWarning, "unresolved", "SAM policy template %s needs parameter %s", name, param)
			v = d.unresolved("(missing "+param+")", pos)
		}
		scope[param] = v
	}
	ev := &evaluator{d: d, scope: scope, at: &pos}
	doc := ev.eval(t.definition, 0)
	exp := d.policyDoc(doc, p.Name, p.Source, pos)
	exp.Pos = pos
	exp.Unresolved = exp.Unresolved || p.Unresolved
	for _, s := range exp.Statements {
		s.Pos = pos
	}
	return exp
}

// roleFromProps builds an AWS::IAM::Role.
func (d *doc) roleFromProps(r *res, p *node) *model.Role {
	role := &model.Role{ID: r.id, Name: r.name, Provider: model.AWS, Framework: d.fw, Pos: r.pos}
	role.RoleName = p.get("RoleName").str()
	if a := p.get("AssumeRolePolicyDocument"); a != nil {
		role.AssumeRolePolicy = d.policyDoc(a, model.Value{}, "trust", p.keyPos("AssumeRolePolicyDocument"))
	}
	for _, it := range p.get("Policies").list() {
		if it.k != nMap {
			role.Policies = append(role.Policies, &model.Policy{Pos: it.pos, Source: "inline", Unresolved: true})
			continue
		}
		role.Policies = append(role.Policies, d.policyDoc(it.get("PolicyDocument"), it.get("PolicyName").str(), "inline", it.pos))
	}
	role.ManagedPolicies = p.get("ManagedPolicyArns").strs()
	role.PermissionsBoundary = p.get("PermissionsBoundary").str()
	d.roles[role.ID] = role
	d.app.Roles = append(d.app.Roles, role)
	return role
}

// lambdaTrust is the trust policy SAM gives the roles it generates.
func lambdaTrust(service string, pos model.Pos) *model.Policy {
	return &model.Policy{Pos: pos, Source: "SAM generated", Statements: []*model.Statement{{
		Pos:        pos,
		Effect:     model.Str("Allow", pos),
		Actions:    []model.Value{model.Str("sts:AssumeRole", pos)},
		Principals: map[string][]model.Value{"Service": {model.Str(service, pos)}},
	}}}
}
