package serverless

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/wardensec/warden/internal/load/cloudformation"
	"github.com/wardensec/warden/internal/model"
)

// loadResources hands the `resources` section to the CloudFormation
// loader. It is a template fragment (Resources, Conditions, Outputs) or a
// list of them, typically ${file(...)} includes; each fragment is loaded
// under the file it was written in, so IDs and positions point there.
func (b *builder) loadResources(n *yaml.Node) {
	if isNull(n) {
		return
	}
	if b.r.isUnknown(n) {
		b.diag(b.pos(n), model.DiagWarning, "unresolved", "resources is %s, which cannot be resolved; its resources are not modelled", b.r.unknown[n].expr)
		return
	}
	var frags []*yaml.Node
	if n.Kind == yamlSequence {
		frags = b.items(n)
	} else {
		frags = []*yaml.Node{n}
	}
	type loaded struct {
		file string
		app  *model.App
	}
	var subs []loaded
	for _, frag := range frags {
		if b.ctx.Err() != nil {
			return
		}
		if b.r.isUnknown(frag) {
			b.diag(b.pos(frag), model.DiagWarning, "unresolved", "resources entry %s cannot be resolved; its resources are not modelled", b.r.unknown[frag].expr)
			continue
		}
		if frag.Kind != yamlMapping {
			b.diag(b.pos(frag), model.DiagWarning, "parse", "resources entry is not a mapping with Resources, Outputs...; skipped")
			continue
		}
		if b.get(frag, "Resources") == nil {
			// Outputs or Conditions alone declare nothing to model.
			continue
		}
		file := b.r.fileFor(frag)
		doc := b.markUnknowns(frag, map[*yaml.Node]*yaml.Node{}, 0)
		sub := cloudformation.LoadDocument(b.ctx, b.root, file, doc, model.Serverless, b.opts)
		subs = append(subs, loaded{file, sub})
		for _, r := range sub.Resources {
			b.logical[r.Name] = r.ID
			b.ids[r.ID] = true
		}
		for _, r := range sub.Roles {
			b.logical[r.Name] = r.ID
		}
		for _, f := range sub.Functions {
			b.logical[f.Name] = f.ID
		}
	}
	for _, s := range subs {
		b.mergeCFN(s.app)
	}
}

// mergeCFN adds a CloudFormation result, folding its file entries into
// the serverless file's and dropping its complaints about references to
// logical IDs the framework generates or another fragment declares.
func (b *builder) mergeCFN(sub *model.App) {
	for _, f := range sub.Files {
		if f.Path == b.file {
			b.entry.Unresolved += f.Unresolved
			if !f.Parsed {
				b.entry.Parsed = false
			}
			continue
		}
		f.Kind, f.Framework = b.entry.Kind, model.Serverless
		b.app.Files = append(b.app.Files, f)
	}
	for _, d := range sub.Diagnostics {
		if b.knownRefDiag(d.Message) {
			continue
		}
		b.app.Diagnostics = append(b.app.Diagnostics, d)
	}
	b.app.Functions = append(b.app.Functions, sub.Functions...)
	b.app.Roles = append(b.app.Roles, sub.Roles...)
	b.app.Resources = append(b.app.Resources, sub.Resources...)
	for _, p := range sub.Permissions {
		if p.FunctionID == "" {
			p.FunctionID = b.functionFor(p.FunctionRef)
		}
		b.app.Permissions = append(b.app.Permissions, p)
	}
	b.app.Edges = append(b.app.Edges, sub.Edges...)
	b.app.Inputs = append(b.app.Inputs, sub.Inputs...)
}

// knownRefDiag recognises the CloudFormation loader's "not a resource of
// this template" warnings for names this loader knows.
func (b *builder) knownRefDiag(msg string) bool {
	var name string
	switch {
	case strings.HasPrefix(msg, "Ref to "):
		name, _, _ = strings.Cut(strings.TrimPrefix(msg, "Ref to "), ",")
	case strings.HasPrefix(msg, "Fn::GetAtt refers to "):
		name, _, _ = strings.Cut(strings.TrimPrefix(msg, "Fn::GetAtt refers to "), ",")
	default:
		return false
	}
	_, ok := b.logical[strings.TrimSpace(name)]
	return ok
}

// markUnknowns copies a fragment, replacing values whose variables could
// not be resolved by Fn::ImportValue of the variable text: the
// CloudFormation loader then reads them as unknown (and counts them)
// instead of as the literal "${ssm:...}" string. Unchanged subtrees are
// shared.
func (b *builder) markUnknowns(n *yaml.Node, memo map[*yaml.Node]*yaml.Node, depth int) *yaml.Node {
	if n == nil || depth > 400 {
		return n
	}
	if out, ok := memo[n]; ok {
		return out
	}
	if info, ok := b.r.unknown[n]; ok {
		delete(b.r.sites, n)
		key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "Fn::ImportValue", Line: n.Line, Column: n.Column}
		val := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: info.expr, Line: n.Line, Column: n.Column}
		out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Column: n.Column, Content: []*yaml.Node{key, val}}
		memo[n] = out
		return out
	}
	memo[n] = n
	var cp *yaml.Node
	for i, c := range n.Content {
		rc := b.markUnknowns(c, memo, depth+1)
		if rc == c {
			continue
		}
		if cp == nil {
			cp = &yaml.Node{}
			*cp = *n
			cp.Content = append([]*yaml.Node(nil), n.Content...)
		}
		cp.Content[i] = rc
	}
	if cp != nil {
		memo[n] = cp
		return cp
	}
	return n
}

// functionFor finds the function a CloudFormation reference written in
// resources points at: !Ref or !GetAtt of the logical ID the framework
// gives it (HelloLambdaFunction), which the CloudFormation loader cannot
// know.
func (b *builder) functionFor(v model.Value) string {
	var name string
	switch {
	case v.Ref != "":
		return ""
	case v.IsUnknown() && strings.HasPrefix(v.Expr, "!GetAtt "):
		name, _, _ = strings.Cut(strings.TrimPrefix(v.Expr, "!GetAtt "), ".")
	case v.IsUnknown() && strings.HasPrefix(v.Expr, "!Ref "):
		name = strings.TrimPrefix(v.Expr, "!Ref ")
	case v.IsKnown():
		for _, fi := range b.fns {
			if fi.fn != nil && fi.fn.FunctionName.IsKnown() && fi.fn.FunctionName.V == v.V {
				return fi.fn.ID
			}
		}
		return ""
	}
	if !strings.HasSuffix(name, "LambdaFunction") {
		return ""
	}
	return b.logical[strings.TrimSpace(name)]
}
