// Package leastpriv derives least-privilege IAM policies from the AWS SDK
// calls in each function's code (OWASP Serverless Top 10 SAS-4). It finds
// boto3, AWS SDK for JavaScript v2/v3 and aws-sdk-go-v2 calls in the
// language-neutral IR of internal/code/ir, maps them to IAM actions with the
// embedded SDK-to-IAM map (data/README.md), and resolves the resources they
// touch from literals and from environment variables that the template
// points at its own resources. What it cannot resolve it says, and never
// widens to "*" silently: a policy that looks least-privilege but is not is
// worse than one that admits where it guessed.
//
// Analyze records the actions per function in model.Function.Code.SDKActions
// for correlating rules, and keeps the full Usage (calls, resources, notes)
// for the iam suggest command and the excess/missing permission rules.
package leastpriv

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"weak"

	"github.com/wardensec/warden/internal/code"
	"github.com/wardensec/warden/internal/code/ir"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// Usage is what one function's code does with AWS.
type Usage struct {
	FunctionID string `json:"function_id"`
	// Located is true when the handler's code was found and parsed.
	Located  bool   `json:"located"`
	Language string `json:"language,omitempty"`
	// Calls are the SDK calls reachable from the handler, in source order.
	Calls []Call `json:"calls,omitempty"`
	// Uses are the IAM actions the calls need, each on one resource.
	Uses []Use `json:"uses,omitempty"`
	// Unmapped are calls whose service or operation neither the map nor
	// the catalogue knows, or that the code chose at run time.
	Unmapped []Unmapped `json:"unmapped,omitempty"`
	// Notes say what the analysis could not see: files not parsed, calls
	// chosen at run time, a handler not found.
	Notes []string `json:"notes,omitempty"`
}

// Complete reports whether Uses can be taken as everything the code does
// with AWS: code located and parsed, every call mapped. Rules that read
// "never used" from Uses require it.
func (u *Usage) Complete() bool {
	return u != nil && u.Located && len(u.Unmapped) == 0 && len(u.Notes) == 0
}

// Actions returns the distinct IAM actions of Uses, sorted.
func (u *Usage) Actions() []string {
	if u == nil {
		return nil
	}
	set := map[string]bool{}
	for _, x := range u.Uses {
		set[x.Action] = true
	}
	out := make([]string, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// Use is one IAM action a call needs on one resource.
type Use struct {
	Action   string    `json:"action"`
	Resource Resource  `json:"resource"`
	Pos      model.Pos `json:"pos"`
	// Optional marks actions that only some forms of the call need (PartiQL
	// by statement verb, HeadObject with a VersionId) when the code does
	// not show which.
	Optional bool `json:"optional,omitempty"`
}

// Unmapped is an SDK call Warden could not map to IAM.
type Unmapped struct {
	Call   Call   `json:"call"`
	Reason string `json:"reason"`
}

// The Usage of each function is kept beside the model rather than in it:
// model.CodeFacts has only the action list (for correlating rules), and the
// model is shared by other analyzers. Weak keys let a scanned App be
// collected with its functions.
var (
	usageMu sync.Mutex
	usages  = map[weak.Pointer[model.Function]]*Usage{}
)

func setUsage(f *model.Function, u *Usage) {
	k := weak.Make(f)
	usageMu.Lock()
	_, had := usages[k]
	usages[k] = u
	usageMu.Unlock()
	if !had {
		runtime.AddCleanup(f, func(k weak.Pointer[model.Function]) {
			usageMu.Lock()
			delete(usages, k)
			usageMu.Unlock()
		}, k)
	}
}

// UsageOf returns what Analyze found for a function, nil when it did not
// analyse it (not an AWS function, no code in the scanned root, Analyze not
// run).
func UsageOf(f *model.Function) *Usage {
	usageMu.Lock()
	defer usageMu.Unlock()
	return usages[weak.Make(f)]
}

// Analyze extracts the SDK calls of every deployable AWS function whose
// code lies in root, resolves them to IAM actions and resources, and
// records the actions in f.Code.SDKActions. It never runs scanned code and
// never fails a scan: what it cannot read becomes a note on the Usage.
func Analyze(ctx context.Context, root *source.Root, app *model.App) {
	idx := model.NewIndex(app)
	parse := fileParser(root)
	for _, f := range app.Functions {
		if ctx.Err() != nil {
			return
		}
		u := AnalyzeFunction(root, app, idx, f, parse)
		if u == nil {
			continue
		}
		setUsage(f, u)
		if !u.Located {
			continue
		}
		if f.Code == nil {
			f.Code = &model.CodeFacts{Language: u.Language}
		}
		f.Code.SDKActions = u.Actions()
	}
}

// AnalyzeFunction analyses one function. parse replaces the file parser
// (nil: read through root and parse by extension); Analyze passes one
// parser to every function, and tests and benchmarks their own. It
// returns nil for functions that are not AWS Lambda code Warden can read
// (containers, other clouds, not deployed).
func AnalyzeFunction(root *source.Root, app *model.App, idx *model.Index, f *model.Function, parse func(string) (*ir.Module, error)) *Usage {
	if f.Provider != model.AWS || !model.IsDeployed(f.Deployed) {
		return nil
	}
	// internal/code's locator, so that findings and permissions of a
	// function are about the same file. What it cannot locate is a note:
	// the Usage must not pass for complete.
	loc, err := code.Locate(root, f)
	if errors.Is(err, code.ErrNoCode) {
		return nil
	}
	u := &Usage{FunctionID: f.ID}
	if err != nil {
		u.Notes = append(u.Notes, err.Error())
		return u
	}
	x := newExtractor(root, parse)
	x.res = code.Resolver{Root: root, Entry: loc}
	var h *fnRef
	if loc.Lang == "go" {
		m := x.loadGo(loc.Dir)
		if m == nil {
			u.Notes = append(u.Notes, append([]string{"no Go main package in " + loc.Dir}, x.problems...)...)
			return u
		}
		u.Language = "go"
		// Go runs every init function before main.
		for _, r := range m.funcs {
			if r.fn != nil && r.fn.Name == "init" {
				x.walk(r, nil)
			}
		}
		if v, ok := m.env.vars["main"]; ok && v.fn != nil {
			h = v.fn
		}
	} else {
		m := x.load(loc.File)
		if m == nil {
			u.Notes = append(u.Notes, x.problems...)
			return u
		}
		u.Language = m.lang
		h = handlerOf(m, loc.Name)
	}
	u.Located = true
	if h == nil {
		u.Notes = append(u.Notes, fmt.Sprintf("handler %s not found in %s", loc.Name, loc.File))
	} else {
		if loc.Lang != "go" {
			x.entry0 = h.fn
		}
		x.walk(h, nil)
	}
	u.Calls = x.sortedCalls()
	u.Notes = append(u.Notes, x.problems...)
	r := &resolver{app: app, idx: idx, fn: f}
	for _, c := range u.Calls {
		uses, why := r.uses(c)
		if why != "" {
			u.Unmapped = append(u.Unmapped, Unmapped{Call: c, Reason: why})
			continue
		}
		u.Uses = append(u.Uses, uses...)
	}
	return u
}

// handlerOf finds the handler function in the entry module: a Python
// function, a JS export (possibly nested, "handlers.main").
func handlerOf(m *module, name string) *fnRef {
	parts := strings.Split(name, ".")
	var v *val
	if m.js {
		v = m.exports.dict[parts[0]]
		if v == nil {
			// module.exports = { myHandler }: object keys are kept
			// lower-cased, like call parameters.
			v = m.exports.dict[strings.ToLower(parts[0])]
		}
		if v == nil {
			if def, ok := m.exports.dict["="]; ok && def.k == kDict {
				v = def.dict[strings.ToLower(parts[0])]
			} else if ok && def.k == kFunc && len(parts) == 1 {
				v = def
			}
		}
	}
	if v == nil {
		v = m.env.vars[parts[0]]
	}
	for _, p := range parts[1:] {
		if v == nil || v.k != kDict {
			return nil
		}
		v = v.field(p)
	}
	if v == nil || v.k != kFunc {
		return nil
	}
	return v.fn
}
