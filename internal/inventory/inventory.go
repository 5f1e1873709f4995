// Package inventory presents the application model function by function:
// what `warden inventory` prints. It is the quickest way for a user to check
// that Warden understood their project before trusting its findings.
package inventory

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/wardensec/warden/internal/model"
)

// View is the JSON shape of `warden inventory --format json`. It is a
// projection of the model keyed for reading, with positions everywhere.
type View struct {
	SchemaVersion string             `json:"schema_version"`
	Root          string             `json:"root"`
	Functions     []Function         `json:"functions"`
	Files         []*model.File      `json:"files"`
	Diagnostics   []model.Diagnostic `json:"diagnostics"`
}

// Function is one function with everything attached to it.
type Function struct {
	ID          string             `json:"id"`
	Name        string             `json:"name"`
	Provider    model.Provider     `json:"provider"`
	Framework   model.Framework    `json:"framework"`
	Pos         model.Pos          `json:"pos"`
	Runtime     model.Value        `json:"runtime"`
	Handler     model.Value        `json:"handler"`
	CodePath    model.Value        `json:"code_path"`
	Deployed    string             `json:"deployed"`
	Triggers    []Trigger          `json:"triggers"`
	URL         *model.FunctionURL `json:"url,omitempty"`
	Role        *Role              `json:"role,omitempty"`
	Environment []EnvKey           `json:"environment"`
	Touches     []Touch            `json:"touches"`
}

// Trigger is an event source with its auth.
type Trigger struct {
	Kind       model.TriggerKind `json:"kind"`
	Type       string            `json:"type"`
	Pos        model.Pos         `json:"pos"`
	Method     string            `json:"method,omitempty"`
	Path       string            `json:"path,omitempty"`
	Auth       string            `json:"auth,omitempty"`
	Authorizer string            `json:"authorizer,omitempty"`
	Source     string            `json:"source,omitempty"`
	Schedule   string            `json:"schedule,omitempty"`
}

// Role is the execution role and what it grants.
type Role struct {
	ID              string        `json:"id"`
	Name            string        `json:"name"`
	Pos             model.Pos     `json:"pos"`
	Implicit        bool          `json:"implicit,omitempty"`
	ManagedPolicies []model.Value `json:"managed_policies,omitempty"`
	Statements      []Statement   `json:"statements"`
}

// Statement is one policy statement, flattened to strings.
type Statement struct {
	Pos        model.Pos `json:"pos"`
	Source     string    `json:"source"`
	Effect     string    `json:"effect"`
	Actions    []string  `json:"actions,omitempty"`
	NotActions []string  `json:"not_actions,omitempty"`
	Resources  []string  `json:"resources,omitempty"`
}

// EnvKey lists an environment variable by name only: values may be secrets.
type EnvKey struct {
	Name     string    `json:"name"`
	Pos      model.Pos `json:"pos"`
	External bool      `json:"external,omitempty"`
	Ref      string    `json:"ref,omitempty"`
}

// Touch is a resource the function is connected to.
type Touch struct {
	ID   string             `json:"id"`
	Kind model.ResourceKind `json:"kind"`
	Name string             `json:"name"`
	Pos  model.Pos          `json:"pos"`
	Via  model.EdgeKind     `json:"via"`
}

// Build makes the view of app.
func Build(app *model.App) *View {
	ix := model.NewIndex(app)
	v := &View{SchemaVersion: "1.0.0", Root: ".", Files: app.Files, Diagnostics: app.Diagnostics, Functions: []Function{}}
	if v.Files == nil {
		v.Files = []*model.File{}
	}
	if v.Diagnostics == nil {
		v.Diagnostics = []model.Diagnostic{}
	}
	for _, f := range app.Functions {
		fn := Function{ID: f.ID, Name: f.Name, Provider: f.Provider, Framework: f.Framework, Pos: f.Pos, Runtime: f.Runtime,
			Handler: f.Handler, CodePath: f.CodePath, URL: f.URL, Deployed: deployed(f.Deployed), Triggers: []Trigger{}, Environment: []EnvKey{}, Touches: []Touch{}}
		for _, t := range f.Triggers {
			tr := Trigger{Kind: t.Kind, Type: t.Type, Pos: t.Pos, Method: show(t.Method), Path: show(t.Path), Auth: show(t.AuthType),
				Authorizer: show(t.Authorizer), Source: show(t.Source), Schedule: show(t.Schedule)}
			fn.Triggers = append(fn.Triggers, tr)
		}
		if r := ix.Roles[f.RoleID]; r != nil {
			role := &Role{ID: r.ID, Name: r.Name, Pos: r.Pos, Implicit: r.Implicit, ManagedPolicies: r.ManagedPolicies, Statements: []Statement{}}
			for _, p := range r.Policies {
				for _, st := range p.Statements {
					role.Statements = append(role.Statements, Statement{Pos: st.Pos, Source: p.Source, Effect: show(st.Effect),
						Actions: shows(st.Actions), NotActions: shows(st.NotActions), Resources: shows(st.Resources)})
				}
			}
			fn.Role = role
		}
		for _, e := range f.Environment {
			fn.Environment = append(fn.Environment, EnvKey{Name: e.Name, Pos: e.Pos, External: e.Value.External, Ref: e.Value.Ref})
		}
		seen := map[string]bool{}
		for _, e := range app.Edges {
			other := ""
			switch {
			case e.From == f.ID:
				other = e.To
			case e.To == f.ID:
				other = e.From
			default:
				continue
			}
			r := ix.Resources[other]
			if r == nil || seen[r.ID+string(e.Kind)] {
				continue
			}
			seen[r.ID+string(e.Kind)] = true
			fn.Touches = append(fn.Touches, Touch{ID: r.ID, Kind: r.Kind, Name: r.Name, Pos: r.Pos, Via: e.Kind})
		}
		sort.Slice(fn.Touches, func(i, j int) bool {
			return fn.Touches[i].ID+string(fn.Touches[i].Via) < fn.Touches[j].ID+string(fn.Touches[j].Via)
		})
		v.Functions = append(v.Functions, fn)
	}
	return v
}

func deployed(v model.Value) string {
	switch {
	case v.IsFalse():
		return "no"
	case v.IsUnknown():
		return "unknown"
	}
	return "yes"
}

func show(v model.Value) string {
	if v.IsAbsent() {
		return ""
	}
	return v.String()
}

func shows(vs []model.Value) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.String())
	}
	return out
}

// Text writes the human-readable inventory.
func Text(w io.Writer, v *View) error {
	ew := &errWriter{w: w}
	if len(v.Functions) == 0 {
		ew.printf("No functions found.\n")
	}
	for _, f := range v.Functions {
		ew.printf("%s  [%s/%s]  %s\n", f.Name, f.Provider, f.Framework, f.Pos)
		if f.Deployed != "yes" {
			ew.printf("  deployed:  %s\n", f.Deployed)
		}
		ew.printf("  runtime:   %s\n  handler:   %s\n", orDash(show(f.Runtime)), orDash(show(f.Handler)))
		if c := show(f.CodePath); c != "" {
			ew.printf("  code:      %s\n", c)
		}
		if f.URL != nil {
			ew.printf("  url:       auth %s  (%s)\n", orDash(show(f.URL.AuthType)), f.URL.Pos)
		}
		for _, t := range f.Triggers {
			desc := string(t.Kind) + " " + t.Type
			switch {
			case t.Kind == model.TriggerHTTP || t.Kind == model.TriggerWebSocket:
				desc += fmt.Sprintf(" %s %s  auth=%s", orDash(t.Method), orDash(t.Path), orDash(t.Auth))
				if t.Authorizer != "" {
					desc += " (" + t.Authorizer + ")"
				}
			case t.Schedule != "":
				desc += " " + t.Schedule
			case t.Source != "":
				desc += " " + t.Source
			}
			ew.printf("  trigger:   %s  (%s)\n", desc, t.Pos)
		}
		if f.Role != nil {
			imp := ""
			if f.Role.Implicit {
				imp = ", generated"
			}
			ew.printf("  role:      %s (%s%s)\n", f.Role.Name, f.Role.Pos, imp)
			for _, mp := range f.Role.ManagedPolicies {
				ew.printf("    managed  %s\n", mp.String())
			}
			for _, st := range f.Role.Statements {
				acts := strings.Join(st.Actions, ", ")
				if len(st.NotActions) > 0 {
					acts = "NOT " + strings.Join(st.NotActions, ", ")
				}
				ew.printf("    %-5s %s on %s  (%s)\n", st.Effect, acts, strings.Join(st.Resources, ", "), st.Pos)
			}
		}
		if len(f.Environment) > 0 {
			var names []string
			for _, e := range f.Environment {
				names = append(names, e.Name)
			}
			ew.printf("  env:       %s\n", strings.Join(names, ", "))
		}
		for _, t := range f.Touches {
			ew.printf("  %-10s %s %s (%s)\n", string(t.Via)+":", t.Kind, t.Name, t.Pos)
		}
		ew.printf("\n")
	}
	return ew.err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
