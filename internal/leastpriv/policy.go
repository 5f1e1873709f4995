package leastpriv

import (
	"sort"
	"strings"

	"github.com/wardensec/warden/internal/model"
)

// Policy is the least-privilege policy of one function.
type Policy struct {
	Function *model.Function `json:"-"`
	Usage    *Usage          `json:"-"`
	// Statements group the actions by resource, one statement per
	// resource, actions sorted.
	Statements []Statement `json:"statements"`
}

// Statement allows some actions on one resource.
type Statement struct {
	Actions  []string `json:"actions"`
	Resource Resource `json:"resource"`
	// Optional lists actions that only some forms of the calls need.
	Optional []string `json:"optional,omitempty"`
	// Calls are where the code makes the calls, for comments.
	Calls []model.Pos `json:"calls,omitempty"`
}

// Suggest builds the policy for a function from its Usage.
func Suggest(f *model.Function, u *Usage) *Policy {
	p := &Policy{Function: f, Usage: u}
	if u == nil {
		return p
	}
	byRes := map[string]*Statement{}
	var order []string
	for _, use := range u.Uses {
		k := use.Resource.Template + "\x01" + slotKey(use.Resource.Slots)
		st := byRes[k]
		if st == nil {
			st = &Statement{Resource: use.Resource}
			byRes[k] = st
			order = append(order, k)
		}
		st.Resource.Notes = mergeNotes(st.Resource.Notes, use.Resource.Notes)
		st.Resource.SlotNotes = mergeNotes(st.Resource.SlotNotes, use.Resource.SlotNotes)
		if !contains(st.Actions, use.Action) {
			st.Actions = append(st.Actions, use.Action)
		}
		if use.Optional && !contains(st.Optional, use.Action) {
			st.Optional = append(st.Optional, use.Action)
		}
		if !containsPos(st.Calls, use.Pos) {
			st.Calls = append(st.Calls, use.Pos)
		}
	}
	for _, k := range order {
		st := byRes[k]
		sort.Strings(st.Actions)
		sort.Strings(st.Optional)
		sort.Slice(st.Calls, func(i, j int) bool { return st.Calls[i].Less(st.Calls[j]) })
		p.Statements = append(p.Statements, *st)
	}
	sort.SliceStable(p.Statements, func(i, j int) bool {
		a, b := p.Statements[i].Resource.ARN, p.Statements[j].Resource.ARN
		if a != b {
			return a < b
		}
		return strings.Join(p.Statements[i].Actions, ",") < strings.Join(p.Statements[j].Actions, ",")
	})
	return p
}

func slotKey(s []Slot) string {
	var b strings.Builder
	for _, x := range s {
		b.WriteString(x.Ref + ";")
	}
	return b.String()
}

func mergeNotes(a, b []string) []string {
	for _, n := range b {
		if !contains(a, n) {
			a = append(a, n)
		}
	}
	return a
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func containsPos(xs []model.Pos, p model.Pos) bool {
	for _, x := range xs {
		if x == p {
			return true
		}
	}
	return false
}
