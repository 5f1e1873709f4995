package iam

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/wardensec/warden/internal/model"
)

// Where is one place in the scanned project that grants or denies
// something: what a finding points at.
type Where struct {
	// Pos is the statement; for an AWS managed policy, where the role
	// attaches it (the document itself is not in the project).
	Pos model.Pos
	// Element is the Action element that matched, when the statement
	// lists the action (zero when it matched through NotAction, and for
	// managed policies).
	Element model.Pos
	// Policy names the policy for messages: its name, or its source
	// ("SAM template S3CrudPolicy", "inline").
	Policy string
	// Managed is the AWS managed policy's name, "" for the role's own.
	Managed   string
	Sid       string
	Statement *model.Statement
}

// ResourceGrant is one statement's grant of one action on a set of
// resources.
type ResourceGrant struct {
	// Pattern is the Resource pattern: "*", an ARN with wildcards, or for
	// an unresolved value the matching pattern derived from its expression
	// (unresolved ${...} parts read as "*").
	Pattern string
	// Except holds NotResource patterns: the grant covers every resource
	// but these, and Pattern is "*".
	Except []string
	// Value is the Resource element as the model has it, with its
	// position, expression and Ref (zero for NotResource).
	Value model.Value
	// Wide is true when the grant names every resource of some type
	// rather than particular ones (see IsWideResource), or every resource
	// but some (NotResource).
	Wide bool
	// Unknown is true when the resource or the statement's effect could
	// not be resolved: the grant may reach anything.
	Unknown bool
	// Conditions are the statement's conditions, all of them; see
	// Conditional for whether they narrow the grant.
	Conditions []model.Condition
	Where      Where
	// DeniedBy lists Deny statements that apply to this grant. For a grant
	// in Grant.Denied, the first one removed it; for one still standing,
	// they apply only under a condition or to part of its resources.
	DeniedBy []Where
}

// Conditional reports whether a condition narrows the grant, so that it is
// not available to whoever holds the role's credentials in every request.
func (g *ResourceGrant) Conditional() bool {
	for _, c := range g.Conditions {
		if Narrows(c) {
			return true
		}
	}
	return false
}

// ConditionValues returns the values of a condition key (any operator),
// known ones only, and whether the key appears at all.
func (g *ResourceGrant) ConditionValues(key string) ([]string, bool) {
	var out []string
	found := false
	for _, c := range g.Conditions {
		if strings.EqualFold(c.Key, key) {
			found = true
			for _, v := range c.Values {
				if v.IsKnown() {
					out = append(out, v.V)
				}
			}
		}
	}
	return out, found
}

// Grant is what a role may do with one action after Deny statements.
type Grant struct {
	Action string  // "s3:GetObject" as the catalogue spells it, or as written when the catalogue lacks it
	Info   *Action // nil when the catalogue lacks the action
	Access AccessLevel
	// Resources are the grants that stand, in statement order.
	Resources []ResourceGrant
	// Denied are grants an unconditional explicit Deny removes.
	Denied []ResourceGrant
}

// Allowed reports whether any grant stands.
func (g *Grant) Allowed() bool { return g != nil && len(g.Resources) > 0 }

// Unconditional reports whether a grant stands with no narrowing condition
// and a resolved resource.
func (g *Grant) Unconditional() bool {
	for i := range g.Resources {
		if !g.Resources[i].Conditional() && !g.Resources[i].Unknown {
			return true
		}
	}
	return false
}

// Unresolved is a part of a role that Warden could not evaluate.
type Unresolved struct {
	Pos    model.Pos
	Reason string
}

// Permissions is the evaluated permission set of a role: its inline and
// expanded policies and the AWS managed policies it attaches. Queries are
// lazy and cached; a Permissions is not safe for concurrent use.
type Permissions struct {
	Role *model.Role
	// Unresolved lists what may add permissions that Warden cannot see: an
	// unresolved action or effect, an unresolved policy, a managed policy
	// that is neither an AWS one nor in the project. Answers are complete
	// only when it is empty.
	Unresolved []Unresolved
	// Narrower lists what may only remove permissions and was not applied
	// (a permissions boundary Warden cannot read, a Deny whose action or
	// resource is unresolved): answers may overstate.
	Narrower []Unresolved

	allows   []*stmt
	denies   []*stmt
	boundary []*stmt // nil: no boundary applied
	cache    map[string]*Grant
	grants   []*Grant
}

type actPat struct {
	p   string // lower-cased
	pos model.Pos
}

type resPat struct {
	pattern string
	wide    bool
	unknown bool
	value   model.Value
}

// stmt is a statement prepared for evaluation.
type stmt struct {
	where         Where
	deny          bool
	effectUnknown bool
	acts          []actPat
	notAct        bool
	actUnknown    bool
	res           []resPat
	notRes        bool
	noRes         bool
	conds         []model.Condition
	// bySvc indexes acts by service prefix, anySvc lists the patterns with
	// a wildcard in the service part; nil for short lists.
	bySvc  map[string][]int
	anySvc []int
	// writes are the catalogue ranks of the Write and Permissions-
	// management actions the statement allows on Resource "*", computed
	// once (see writeCandidates).
	writes     []int
	writesDone bool
}

// Evaluate prepares a role's permissions. It is cheap: statements are
// matched per question, and the full expansion (Grants) happens only when
// asked for.
func Evaluate(r *model.Role) *Permissions {
	p := &Permissions{Role: r, cache: map[string]*Grant{}}
	if r == nil {
		return p
	}
	for _, pol := range r.Policies {
		p.addPolicy(pol, model.Pos{}, "")
	}
	for _, mv := range r.ManagedPolicies {
		at := mv.PosOr(r.Pos)
		if m, ok := managedRef(mv); ok {
			stmts, err := m.stmts()
			if err != nil {
				p.Unresolved = append(p.Unresolved, Unresolved{at, err.Error()})
				continue
			}
			p.addManaged(stmts, at)
			continue
		}
		if mv.Ref != "" {
			// A managed policy declared in the project: the loaders copy
			// its statements into Policies.
			continue
		}
		p.Unresolved = append(p.Unresolved, Unresolved{at, fmt.Sprintf("managed policy %s is not an AWS managed policy Warden knows, nor declared in the project", mv)})
	}
	if b := r.PermissionsBoundary; b.IsSet() {
		if m, ok := managedRef(b); ok {
			if stmts, err := m.stmts(); err == nil {
				p.boundary = stmts
			}
		}
		if p.boundary == nil {
			p.Narrower = append(p.Narrower, Unresolved{b.PosOr(r.Pos), fmt.Sprintf("permissions boundary %s is not applied: effective permissions may be narrower", b)})
		}
	}
	return p
}

// EvaluatePolicies prepares the permissions that a set of identity policies
// grant, without a role: for a policy document on its own.
func EvaluatePolicies(pols ...*model.Policy) *Permissions {
	p := &Permissions{cache: map[string]*Grant{}}
	for _, pol := range pols {
		p.addPolicy(pol, model.Pos{}, "")
	}
	return p
}

// addManaged adds a managed policy's shared statements, each copied so that
// it can carry this role's attachment position.
func (p *Permissions) addManaged(stmts []*stmt, at model.Pos) {
	for _, s := range stmts {
		cp := *s
		cp.where.Pos = at
		if cp.deny {
			p.denies = append(p.denies, &cp)
		} else {
			p.allows = append(p.allows, &cp)
		}
	}
}

func policyLabel(pol *model.Policy) string {
	if pol.Name.IsKnown() && pol.Name.V != "" {
		return pol.Name.V
	}
	if pol.Source != "" {
		return pol.Source
	}
	return "policy"
}

func (p *Permissions) addPolicy(pol *model.Policy, attach model.Pos, managed string) {
	if pol == nil {
		return
	}
	if pol.Unresolved {
		p.Unresolved = append(p.Unresolved, Unresolved{pol.Pos, fmt.Sprintf("policy %s could not be fully resolved", policyLabel(pol))})
	}
	for _, st := range pol.Statements {
		if st == nil {
			continue
		}
		s := p.prepare(st, pol, attach, managed)
		if s.deny {
			p.denies = append(p.denies, s)
		} else {
			p.allows = append(p.allows, s)
		}
	}
}

func (p *Permissions) prepare(st *model.Statement, pol *model.Policy, attach model.Pos, managed string) *stmt {
	s := &stmt{where: Where{Pos: st.Pos, Policy: policyLabel(pol), Managed: managed, Sid: st.Sid, Statement: st}, conds: st.Conditions}
	if managed != "" {
		s.where.Pos = attach
		s.where.Policy = managed + " (AWS managed)"
	}
	switch {
	case st.Effect.Is("Allow"):
	case st.Effect.Is("Deny"):
		s.deny = true
	default:
		// Read as a possible Allow: an unresolved Deny must never remove a
		// grant, and an unresolved Allow must never look like nothing.
		s.effectUnknown = true
		p.Unresolved = append(p.Unresolved, Unresolved{st.Effect.PosOr(st.Pos), fmt.Sprintf("statement effect %s is unresolved", st.Effect)})
	}
	acts := st.Actions
	if len(st.NotActions) > 0 {
		s.notAct, acts = true, st.NotActions
	}
	for _, v := range acts {
		if v.IsKnown() {
			s.acts = append(s.acts, actPat{strings.ToLower(strings.TrimSpace(v.V)), v.Pos})
			continue
		}
		s.actUnknown = true
		if s.deny {
			p.Narrower = append(p.Narrower, Unresolved{v.PosOr(st.Pos), fmt.Sprintf("denied action %s is unresolved and not applied", v)})
		} else {
			p.Unresolved = append(p.Unresolved, Unresolved{v.PosOr(st.Pos), fmt.Sprintf("action %s is unresolved: the statement may grant anything", v)})
		}
	}
	res := st.Resources
	if len(st.NotResources) > 0 {
		s.notRes, res = true, st.NotResources
	}
	if len(res) == 0 {
		s.noRes = true
	}
	for _, v := range res {
		r := resourcePattern(v)
		if r.unknown && s.deny {
			p.Narrower = append(p.Narrower, Unresolved{v.PosOr(st.Pos), fmt.Sprintf("denied resource %s is unresolved and not applied", v)})
		}
		s.res = append(s.res, r)
	}
	s.index()
	return s
}

// pseudoParams are CloudFormation pseudo parameters left unresolved in
// ARNs: they name the one partition, region or account of the deployment,
// so an ARN that is unresolved only in them is still precise.
var pseudoParams = []string{"${AWS::Partition}", "${AWS::Region}", "${AWS::AccountId}", "${AWS::URLSuffix}"}

// resourcePattern turns a Resource element into a matching pattern. The
// loaders keep an unresolved ARN's known parts in its expression
// ("arn:${AWS::Partition}:s3:::${Bucket}/*"); such a value names particular
// resources, so it is matched with its unknown parts as "*" but is neither
// wide nor unknown. A value with no ARN shape and no reference to a project
// element could be anything, "*" included, and stays unknown.
func resourcePattern(v model.Value) resPat {
	switch {
	case v.IsKnown():
		// IAM policy variables (${aws:username}) stand for one value per
		// request; matching reads them as "*", which only makes a grant
		// look broader to a Deny, never narrower.
		pat := replaceVars(strings.TrimSpace(v.V), "*")
		return resPat{pattern: pat, wide: IsWideResource(replaceVars(strings.TrimSpace(v.V), "x")), value: v}
	case v.IsUnknown():
		if expr, ok := arnExpr(v.Expr); ok {
			wideText := expr
			for _, pp := range pseudoParams {
				wideText = strings.ReplaceAll(wideText, pp, "*")
			}
			return resPat{pattern: replaceVars(expr, "*"), wide: IsWideResource(replaceVars(wideText, "x")), value: v}
		}
		if v.Ref != "" {
			return resPat{pattern: replaceVars(v.Expr, "*"), value: v}
		}
	}
	return resPat{pattern: "*", unknown: true, wide: true, value: v}
}

// arnExpr returns the ARN template inside an unresolved value's expression:
// loaders write it bare ("arn:${AWS::Partition}:s3:::${Bucket}/*"), after
// the intrinsic that built it ("!Sub arn:...", "Fn::Sub: arn:..."), or
// quoted as in HCL.
func arnExpr(expr string) (string, bool) {
	e := strings.TrimSpace(expr)
	for _, p := range []string{"!Sub", "Fn::Sub:", "Fn::Sub"} {
		if rest, ok := strings.CutPrefix(e, p); ok {
			e = strings.TrimSpace(rest)
			break
		}
	}
	e = strings.Trim(e, "\"'")
	return e, strings.HasPrefix(e, "arn:")
}

// replaceVars replaces every ${...} in s with r.
func replaceVars(s, r string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.Index(s[i:], "}")
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(r)
		s = s[i+j+1:]
	}
}

// matchAction reports whether the statement applies to an action (lower
// case), and the element that matched. An unresolved NotAction element
// makes an Allow apply (it might not exclude the action) and a Deny not
// apply (it might not cover it): either way the error is towards risk.
func (s *stmt) matchAction(action string) (model.Pos, bool) {
	pos, hit := s.firstMatch(action)
	if s.notAct {
		if hit || s.actUnknown && s.deny {
			return model.Pos{}, false
		}
		return model.Pos{}, true
	}
	return pos, hit
}

// indexFrom is the number of action patterns from which a statement indexes
// them by service: ReadOnlyAccess lists thousands, and every question would
// otherwise match each of them.
const indexFrom = 16

// firstMatch finds an action pattern of the statement that covers the
// action.
func (s *stmt) firstMatch(action string) (model.Pos, bool) {
	if s.bySvc == nil {
		for _, a := range s.acts {
			if globMatch(a.p, action) {
				return a.pos, true
			}
		}
		return model.Pos{}, false
	}
	svc, _, _ := strings.Cut(action, ":")
	for _, i := range s.bySvc[svc] {
		if globMatch(s.acts[i].p, action) {
			return s.acts[i].pos, true
		}
	}
	for _, i := range s.anySvc {
		if globMatch(s.acts[i].p, action) {
			return s.acts[i].pos, true
		}
	}
	return model.Pos{}, false
}

// writeCandidates returns the ranks of the Write and Permissions-management
// actions a statement with a "*" (or NotResource, or unknown) resource
// covers: WildcardWrites' candidates, before Denies.
func (s *stmt) writeCandidates() []int {
	if s.writesDone {
		return s.writes
	}
	s.writesDone = true
	star := s.notRes || s.noRes
	for _, r := range s.res {
		star = star || r.pattern == "*"
	}
	if !star || s.deny {
		return nil
	}
	cat := Catalogue()
	isWrite := func(a *Action) bool { return a.Access == Write || a.Access == PermissionsManagement }
	if s.notAct {
		for _, a := range cat.all {
			if isWrite(a) {
				if _, ok := s.matchAction(a.key); ok {
					s.writes = append(s.writes, a.rank)
				}
			}
		}
		return s.writes
	}
	for _, ap := range s.acts {
		for _, a := range cat.Expand(ap.p) {
			if isWrite(a) {
				s.writes = append(s.writes, a.rank)
			}
		}
	}
	return s.writes
}

// index builds bySvc and anySvc for a statement with many action patterns.
func (s *stmt) index() {
	if len(s.acts) < indexFrom {
		return
	}
	s.bySvc = map[string][]int{}
	for i, a := range s.acts {
		svc, _, ok := strings.Cut(a.p, ":")
		if !ok || strings.ContainsAny(svc, "*?") {
			s.anySvc = append(s.anySvc, i)
			continue
		}
		s.bySvc[svc] = append(s.bySvc[svc], i)
	}
}

// grants builds the statement's resource grants for a matched action.
func (s *stmt) grants(elem model.Pos) []ResourceGrant {
	w := s.where
	if w.Managed == "" {
		w.Element = elem
	}
	base := ResourceGrant{Conditions: s.conds, Where: w, Unknown: s.effectUnknown}
	switch {
	case s.noRes:
		base.Pattern, base.Wide, base.Unknown = "*", true, true
		return []ResourceGrant{base}
	case s.notRes:
		base.Pattern, base.Wide = "*", true
		for _, r := range s.res {
			base.Except = append(base.Except, r.pattern)
		}
		return []ResourceGrant{base}
	}
	out := make([]ResourceGrant, 0, len(s.res))
	for _, r := range s.res {
		g := base
		g.Pattern, g.Wide, g.Value = r.pattern, r.wide, r.value
		g.Unknown = g.Unknown || r.unknown
		out = append(out, g)
	}
	return out
}

// denyEffect tells how a Deny statement applies to a grant: it covers the
// whole of it, or part of it.
func (s *stmt) denyEffect(g *ResourceGrant) (covers, overlaps bool) {
	if s.noRes {
		return false, false
	}
	if s.notRes {
		// Denies everything but the exceptions.
		for _, r := range s.res {
			if r.unknown {
				return false, true
			}
			if !g.Unknown && len(g.Except) == 0 && resourceCovers(r.pattern, g.Pattern) {
				return false, false // the grant lies inside an exception
			}
		}
		if g.Unknown || len(g.Except) > 0 {
			return false, true
		}
		for _, r := range s.res {
			if resourceOverlaps(r.pattern, g.Pattern) {
				return false, true
			}
		}
		return true, true
	}
	for _, r := range s.res {
		if r.unknown {
			continue
		}
		if r.pattern == "*" {
			return true, true
		}
		if g.Unknown || len(g.Except) > 0 {
			overlaps = true
			continue
		}
		if resourceCovers(r.pattern, g.Pattern) {
			return true, true
		}
		if resourceOverlaps(r.pattern, g.Pattern) {
			overlaps = true
		}
	}
	return false, overlaps
}

// applyDenies reports whether an unconditional Deny removes the grant, and
// records the Deny statements that apply to it.
func (p *Permissions) applyDenies(action string, g *ResourceGrant) bool {
	for _, d := range p.denies {
		if _, ok := d.matchAction(action); !ok {
			continue
		}
		covers, overlaps := d.denyEffect(g)
		if !overlaps {
			continue
		}
		g.DeniedBy = append(g.DeniedBy, d.where)
		if covers && len(d.conds) == 0 {
			g.DeniedBy = []Where{d.where}
			return true
		}
	}
	return false
}

// boundaryAllows reports whether the permissions boundary, when one is
// applied, lets the action through at all.
func (p *Permissions) boundaryAllows(action string) bool {
	if p.boundary == nil {
		return true
	}
	allowed := false
	for _, s := range p.boundary {
		if _, ok := s.matchAction(action); !ok {
			continue
		}
		if s.deny && len(s.conds) == 0 && !s.notRes && slices.ContainsFunc(s.res, func(r resPat) bool { return r.pattern == "*" }) {
			return false
		}
		if !s.deny {
			allowed = true
		}
	}
	return allowed
}

// Query returns what the role may do with one action ("s3:GetObject", any
// case). It never returns nil.
func (p *Permissions) Query(action string) *Grant {
	key := strings.ToLower(strings.TrimSpace(action))
	if g, ok := p.cache[key]; ok {
		return g
	}
	a, _ := Catalogue().Action(key)
	g := p.eval(key, strings.TrimSpace(action), a)
	p.cache[key] = g
	return g
}

// eval computes a Grant; a is the catalogue entry, nil when there is none.
func (p *Permissions) eval(key, name string, a *Action) *Grant {
	g := &Grant{Action: name, Access: AccessUnknown}
	if a != nil {
		g.Action, g.Info, g.Access = a.String(), a, a.Access
	}
	inBoundary := p.boundaryAllows(key)
	for _, s := range p.allows {
		elem, ok := s.matchAction(key)
		if !ok {
			continue
		}
		for _, rg := range s.grants(elem) {
			switch {
			case !inBoundary:
				g.Denied = append(g.Denied, rg)
			case p.applyDenies(key, &rg):
				g.Denied = append(g.Denied, rg)
			default:
				g.Resources = append(g.Resources, rg)
			}
		}
	}
	return g
}

// Grants expands every statement against the catalogue and returns one
// Grant per action that some statement allows, sorted by action, including
// those a Deny removes entirely (their Resources are empty). Actions that
// the catalogue lacks appear when a statement names them without a
// wildcard.
func (p *Permissions) Grants() []*Grant {
	if p.grants != nil {
		return p.grants
	}
	cat := Catalogue()
	keys := map[string]bool{}
	for _, s := range p.allows {
		if s.notAct {
			for _, a := range cat.all {
				if _, ok := s.matchAction(a.key); ok {
					keys[a.key] = true
				}
			}
			continue
		}
		for _, a := range s.acts {
			exp := cat.Expand(a.p)
			for _, x := range exp {
				keys[x.key] = true
			}
			if len(exp) == 0 && !strings.ContainsAny(a.p, "*?") && strings.Contains(a.p, ":") {
				keys[a.p] = true
			}
		}
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	out := make([]*Grant, 0, len(sorted))
	for _, k := range sorted {
		out = append(out, p.Query(k))
	}
	p.grants = out
	return out
}

// ServiceAccess is the allowed actions of one service at one access level.
type ServiceAccess struct {
	Service string
	Level   AccessLevel
	Actions []*Grant
}

var levelOrder = map[AccessLevel]int{List: 0, Read: 1, Write: 2, PermissionsManagement: 3, Tagging: 4, AccessUnknown: 5}

// Summary groups the allowed actions by service and access level: the view
// "what can this role do" that reports and the least-privilege generator
// start from. Actions that a Deny removes entirely are left out.
func (p *Permissions) Summary() []ServiceAccess {
	by := map[[2]string]*ServiceAccess{}
	for _, g := range p.Grants() {
		if !g.Allowed() {
			continue
		}
		svc, _, _ := strings.Cut(g.Action, ":")
		k := [2]string{strings.ToLower(svc), string(g.Access)}
		sa := by[k]
		if sa == nil {
			sa = &ServiceAccess{Service: strings.ToLower(svc), Level: g.Access}
			by[k] = sa
		}
		sa.Actions = append(sa.Actions, g)
	}
	out := make([]ServiceAccess, 0, len(by))
	for _, sa := range by {
		out = append(out, *sa)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Service != out[j].Service {
			return out[i].Service < out[j].Service
		}
		return levelOrder[out[i].Level] < levelOrder[out[j].Level]
	})
	return out
}

// nonNarrowing are condition keys whose value the holder of a role's
// credentials chooses or always satisfies: TLS, the region called, the time
// of the request, headers the client sets. A grant guarded only by them is
// as good as unconditional to an attacker who has stolen the credentials
// from a compromised function. aws:SecureTransport is still carried in
// Conditions, where the rules about TLS enforcement read it.
var nonNarrowing = map[string]bool{
	"aws:securetransport":     true,
	"aws:requestedregion":     true,
	"aws:currenttime":         true,
	"aws:epochtime":           true,
	"aws:tokenissuetime":      true,
	"aws:useragent":           true,
	"aws:referer":             true,
	"s3:signatureversion":     true,
	"s3:x-amz-content-sha256": true,
	"s3:authtype":             true,
	"s3:signatureage":         true,
	"s3:tlsversion":           true,
}

// principalKeys describe the calling principal. In a role's own policy they
// evaluate the same way for every session of the role - the attacker with
// its credentials is that principal - so they do not narrow there; in a
// resource policy they are exactly what restricts who may call.
func principalKey(key string) bool {
	k := strings.ToLower(key)
	switch k {
	case "aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount", "aws:principalarn",
		"aws:principaltype", "aws:userid", "aws:username", "aws:principalisawsservice", "aws:principalservicename",
		"aws:principalservicenameslist":
		return true
	}
	return strings.HasPrefix(k, "aws:principaltag/")
}

// Narrows reports whether a condition in a role's policy restricts a grant
// in a way the holder of the role's credentials cannot simply satisfy.
// Conditions on where a request comes from or what it acts on -
// aws:SourceArn, aws:SourceAccount, aws:SourceVpce, aws:SourceIp,
// iam:PassedToService, aws:ResourceTag/..., kms:ViaService, s3:prefix and
// the like - narrow. Those in nonNarrowing do not; nor do keys about the
// principal (aws:PrincipalOrgID, aws:PrincipalTag/...), which are constant
// for the role; nor does an ...IfExists operator (the key may be absent,
// and then the condition holds); nor a Like operator whose only value is
// "*". An unresolved value still narrows: the condition is there, only its
// value is not known. For resource policies, use RestrictsCaller.
func Narrows(c model.Condition) bool {
	if principalKey(c.Key) {
		return false
	}
	return restricts(c)
}

// RestrictsCaller reports whether a condition in a resource policy (bucket,
// queue, topic, key, function policy) restricts who can use a grant:
// aws:SourceArn, aws:SourceAccount, aws:PrincipalOrgID, aws:PrincipalArn,
// aws:SourceVpce, aws:SourceIp and the like. A statement for Principal "*"
// with such a condition is not public; one with only aws:SecureTransport
// is.
func RestrictsCaller(c model.Condition) bool { return restricts(c) }

func restricts(c model.Condition) bool {
	op := strings.ToLower(c.Operator)
	if strings.HasSuffix(op, "ifexists") {
		return false
	}
	if nonNarrowing[strings.ToLower(c.Key)] {
		return false
	}
	if c.Key == "" {
		return true // an unreadable condition block: present, value unknown
	}
	if strings.Contains(op, "like") && !strings.Contains(op, "not") {
		all := len(c.Values) > 0
		for _, v := range c.Values {
			if !v.Is("*") {
				all = false
			}
		}
		if all {
			return false
		}
	}
	if op == "null" {
		// {"Null": {"aws:SourceArn": "false"}} demands the key be present
		// and narrows; "true" demands it be absent, which a direct call
		// by the credential holder usually satisfies (aws:SourceArn is
		// absent then). Counting it as not narrowing errs towards
		// reporting.
		for _, v := range c.Values {
			if !v.Is("false") {
				return false
			}
		}
	}
	return true
}

// IsPublic reports whether a resource-policy statement allows anyone: an
// Allow for Principal "*" (or {"AWS": "*"}) with no condition restricting
// the caller. unknown is true when the principal or a condition value is
// unresolved, so the answer may be wrong in either direction.
func IsPublic(st *model.Statement) (public, unknown bool) {
	if st == nil || !st.Effect.Is("Allow") && st.Effect.IsKnown() {
		return false, false
	}
	unknown = !st.Effect.IsKnown()
	anyone := false
	for typ, vals := range st.Principals {
		if typ != "*" && !strings.EqualFold(typ, "AWS") {
			continue
		}
		for _, v := range vals {
			switch {
			case v.Is("*"):
				anyone = true
			case !v.IsKnown():
				unknown = true
			}
		}
	}
	if len(st.NotPrincipals) > 0 {
		anyone = true // Allow with NotPrincipal: everyone but a few
	}
	if !anyone {
		return false, unknown
	}
	for _, c := range st.Conditions {
		if RestrictsCaller(c) {
			for _, v := range c.Values {
				if !v.IsKnown() {
					unknown = true
				}
			}
			return false, unknown
		}
	}
	return true, unknown
}
