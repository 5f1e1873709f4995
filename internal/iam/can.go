package iam

import (
	"strings"
)

// Decision answers "may the role do this action on this resource?".
type Decision uint8

const (
	// No: no grant reaches the resource, or an explicit Deny removes it.
	No Decision = iota
	// Unknown: a grant that rests on unresolved values may reach it.
	Unknown
	// Conditionally: a grant reaches it, but only under a narrowing
	// condition.
	Conditionally
	// Yes: a grant reaches it without a narrowing condition.
	Yes
)

func (d Decision) String() string {
	switch d {
	case Yes:
		return "yes"
	case Conditionally:
		return "conditionally"
	case Unknown:
		return "unknown"
	}
	return "no"
}

// Target names a resource for Can. Either or both may be set: the ARN when
// it is known (or a pattern, "arn:aws:s3:::uploads/*"), the model ID when
// the resource is declared in the project - loaders set Value.Ref on
// resource elements that refer to it, which identifies the resource even
// while its ARN is unresolved.
type Target struct {
	ARN string
	Ref string
}

// Can reports whether the role may perform an action on a resource, and
// the grants that reach it. Correlating rules ask it: can the function
// triggered by bucket X write to bucket X (a recursive loop), can the
// function behind a public route read the table that holds card numbers.
func (p *Permissions) Can(action string, t Target) (Decision, []ResourceGrant) {
	key := strings.ToLower(strings.TrimSpace(action))
	g := p.Query(key)
	if t.ARN != "" {
		// A Deny may cover the target without covering the whole grant.
		probe := ResourceGrant{Pattern: t.ARN}
		if p.applyDenies(key, &probe) {
			return No, nil
		}
	}
	best := No
	var via []ResourceGrant
	for _, rg := range g.Resources {
		d := reach(&rg, t)
		if d == No {
			continue
		}
		if d == Yes && rg.Conditional() {
			d = Conditionally
		}
		via = append(via, rg)
		best = max(best, d)
	}
	return best, via
}

// reach tells whether one grant reaches the target: Yes, Unknown or No
// (conditions are applied by the caller).
func reach(g *ResourceGrant, t Target) Decision {
	if g.Unknown {
		return Unknown
	}
	if g.Value.Ref != "" && t.Ref != "" {
		// Both sides name a project resource: that settles it, whatever
		// the unresolved ARNs would match.
		if g.Value.Ref == t.Ref {
			return Yes
		}
		return No
	}
	if len(g.Except) > 0 {
		if t.ARN == "" {
			return Unknown
		}
		for _, e := range g.Except {
			if resourceCovers(e, t.ARN) {
				return No
			}
		}
		return Yes
	}
	if g.Pattern == "*" {
		return Yes
	}
	if t.ARN == "" {
		return Unknown
	}
	// An unresolved resource matches through its known parts only; what
	// the unresolved parts hold decides the rest.
	exact := Yes
	if g.Value.IsUnknown() {
		expr, isARN := arnExpr(g.Value.Expr)
		if !isARN {
			return Unknown // "!GetAtt Bucket.Arn" with no Ref on the target
		}
		for _, pp := range pseudoParams {
			expr = strings.ReplaceAll(expr, pp, "")
		}
		if strings.Contains(expr, "${") {
			exact = Unknown
		}
	}
	if strings.ContainsAny(t.ARN, "*?") {
		if resourceOverlaps(g.Pattern, t.ARN) {
			return exact
		}
		return No
	}
	if MatchResource(g.Pattern, t.ARN) {
		return exact
	}
	return No
}
