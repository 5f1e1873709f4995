// Package rules is Warden's rule catalogue. Each rule is written once against
// the application model and so applies to SAM/CloudFormation, the Serverless
// Framework and Terraform alike. Rules must treat Unknown values as unknown:
// they neither flag nor clear them.
package rules

import (
	"sort"
	"strings"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/model"
)

var catalogue []*analysis.Rule

// register adds a rule at package init; IDs are checked for uniqueness by
// the catalogue test.
func register(r *analysis.Rule) *analysis.Rule {
	catalogue = append(catalogue, r)
	return r
}

// All returns the catalogue sorted by ID.
func All() []*analysis.Rule {
	out := append([]*analysis.Rule(nil), catalogue...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ByID finds a rule.
func ByID(id string) *analysis.Rule {
	for _, r := range catalogue {
		if strings.EqualFold(r.ID, id) {
			return r
		}
	}
	return nil
}

var allFrameworks = []model.Framework{model.SAM, model.CloudFormation, model.Serverless, model.Terraform}

// functions returns the functions that may be deployed.
func functions(p *analysis.Pass) []*model.Function {
	var out []*model.Function
	for _, f := range p.App.Functions {
		if model.IsDeployed(f.Deployed) {
			out = append(out, f)
		}
	}
	return out
}

// resources returns the deployed resources of the given kinds.
func resources(p *analysis.Pass, kinds ...model.ResourceKind) []*model.Resource {
	var out []*model.Resource
	for _, r := range p.App.Resources {
		if !model.IsDeployed(r.Deployed) {
			continue
		}
		for _, k := range kinds {
			if r.Kind == k {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// publicEntry returns the first way anyone on the internet can call f
// without credentials, or nil.
func publicEntry(f *model.Function) (pos model.Pos, what string, ok bool) {
	if f.URL != nil && f.URL.AuthType.Is(model.AuthNone) {
		return f.URL.AuthType.PosOr(f.URL.Pos), "function URL without auth", true
	}
	for _, t := range f.Triggers {
		if t.IsHTTP() && t.AuthType.Is(model.AuthNone) && !t.Method.Is("OPTIONS") {
			return t.AuthType.PosOr(t.Pos), "unauthenticated " + routeName(t), true
		}
	}
	return model.Pos{}, "", false
}

func routeName(t *model.Trigger) string {
	m, p := "ANY", "/"
	if t.Method.IsKnown() && t.Method.V != "" {
		m = strings.ToUpper(t.Method.V)
	}
	if t.Path.IsKnown() && t.Path.V != "" {
		p = t.Path.V
	}
	if t.Kind == model.TriggerWebSocket {
		return "WebSocket route " + p
	}
	return "route " + m + " " + p
}

// fnLabel names a function in messages.
func fnLabel(f *model.Function) string {
	if f.FunctionName.IsKnown() && f.FunctionName.V != "" && f.FunctionName.V != f.Name {
		return f.Name + " (" + f.FunctionName.V + ")"
	}
	return f.Name
}

// subject builds a line-independent identity for fingerprints.
func subject(id string, parts ...string) string {
	return strings.Join(append([]string{id}, parts...), "|")
}
