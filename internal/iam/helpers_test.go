package iam

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/wardensec/warden/internal/model"
)

// loadPolicy parses a fixture the way a loader would hand a JSON policy to
// the engine.
func loadPolicy(t testing.TB, path string) *model.Policy {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", path))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParsePolicyJSON("testdata/"+path, 1, data)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	p.Name = model.Str(filepath.Base(path), p.Pos)
	return p
}

// roleWith builds a role from policy fixtures and managed policy names.
func roleWith(t testing.TB, files []string, managed ...string) *model.Role {
	t.Helper()
	r := &model.Role{ID: "template.yaml#FnRole", Name: "FnRole", Provider: model.AWS, Pos: model.Pos{File: "template.yaml", Line: 10}}
	for _, f := range files {
		r.Policies = append(r.Policies, loadPolicy(t, f))
	}
	for i, m := range managed {
		r.ManagedPolicies = append(r.ManagedPolicies, model.Str(m, model.Pos{File: "template.yaml", Line: 20 + i}))
	}
	return r
}

func stmtOf(effect string, actions, resources []string) *model.Statement {
	pos := model.Pos{File: "t.yaml", Line: 1}
	s := &model.Statement{Pos: pos, Effect: model.Str(effect, pos)}
	for _, a := range actions {
		s.Actions = append(s.Actions, model.Str(a, pos))
	}
	for _, r := range resources {
		s.Resources = append(s.Resources, model.Str(r, pos))
	}
	return s
}

func roleOf(stmts ...*model.Statement) *model.Role {
	return &model.Role{ID: "r", Name: "r", Policies: []*model.Policy{{Source: "inline", Statements: stmts}}}
}

func pathIDs(ps []Path) map[string]Path {
	out := map[string]Path{}
	for _, p := range ps {
		out[p.ID] = p
	}
	return out
}
