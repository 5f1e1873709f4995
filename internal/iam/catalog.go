package iam

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
)

//go:generate go run ./internal/gen -src ../../../shared/data/iam -out data

//go:embed data/catalog.tsv.gz
var catalogGz []byte

// AccessLevel is the AWS classification of what an action does. Rules key
// on it: a wildcard over Read actions is a data-exposure question, over
// Write or Permissions management a tampering and escalation one.
type AccessLevel string

const (
	List                  AccessLevel = "List"
	Read                  AccessLevel = "Read"
	Write                 AccessLevel = "Write"
	PermissionsManagement AccessLevel = "Permissions management"
	Tagging               AccessLevel = "Tagging"
	// AccessUnknown is the level of an action the catalogue does not list
	// (a typo, or an action newer than the embedded data).
	AccessUnknown AccessLevel = "Unknown"
)

var levelByCode = map[string]AccessLevel{"L": List, "R": Read, "W": Write, "P": PermissionsManagement, "T": Tagging}

// Service is one AWS service's entry in the Service Authorization Reference.
type Service struct {
	Prefix  string // "s3"
	Name    string // "Amazon S3"
	Actions []*Action
	// ResourceTypes by name, with their ARN templates.
	ResourceTypes map[string]*ResourceType
	// ConditionKeys maps a condition key to its type (String, ARN, Bool, ...).
	ConditionKeys map[string]string

	// scopePrefixes are the literal starts of the resource part of this
	// service's ARN templates, up to the first variable: a pattern whose
	// wildcard begins right there names every resource of that type.
	scopePrefixes []string
}

// ResourceType is a kind of resource an action can be scoped to.
type ResourceType struct {
	Name string
	ARN  string // template, e.g. arn:${Partition}:s3:::${BucketName}
}

// ActionResource is a resource type an action accepts in Resource.
type ActionResource struct {
	Type     *ResourceType
	Required bool
}

// Action is one IAM action.
type Action struct {
	Service *Service
	Name    string // "GetObject", as AWS spells it
	Access  AccessLevel
	// Resources is empty when the action does not support resource-level
	// permissions: then only Resource "*" can grant it, and a wildcard
	// resource on it is no finding.
	Resources []ActionResource

	full      string // "s3:GetObject"
	key       string // lower-cased "s3:getobject"
	rank      int    // position in Catalog.Actions
	condKeys  string // comma-separated, split on demand
	dependent string
}

// ConditionKeys lists the condition keys the action supports.
func (a *Action) ConditionKeys() []string { return splitList(a.condKeys) }

// Dependent lists actions AWS requires in addition to this one. The
// upstream format carries them, but the 2026-09-26 data lists none; the
// generator keeps the column so that a refresh picks them up.
func (a *Action) Dependent() []string { return splitList(a.dependent) }

// String returns the action as written in policies, "s3:GetObject".
func (a *Action) String() string { return a.full }

// ResourceLevel reports whether the action can be scoped to resources.
func (a *Action) ResourceLevel() bool { return len(a.Resources) > 0 }

// Catalog is the action catalogue.
type Catalog struct {
	services []*Service
	byPrefix map[string]*Service
	byName   map[string]*Action // lower-cased "s3:getobject"
	all      []*Action          // sorted by String()
}

var (
	catalogOnce sync.Once
	catalog     *Catalog
	catalogErr  error
)

// Catalogue returns the embedded action catalogue. It is decoded on first
// use and then shared, so that commands which never look at IAM do not pay
// for it. The data is compiled in and covered by tests, so a decoding error
// is a build defect and panics rather than burdening every caller with an
// error that cannot happen in a released binary.
func Catalogue() *Catalog {
	catalogOnce.Do(func() { catalog, catalogErr = parseCatalog(catalogGz) })
	if catalogErr != nil {
		panic(catalogErr)
	}
	return catalog
}

func parseCatalog(gz []byte) (*Catalog, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("iam catalogue: %w", err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("iam catalogue: %w", err)
	}
	return parseCatalogText(data)
}

func parseCatalogText(data []byte) (*Catalog, error) {
	// One string for the whole text: names, templates and keys are then
	// substrings of it and cost no allocation of their own.
	text := string(data)
	nActions := strings.Count(text, "\nA\t")
	actions := make([]Action, nActions)
	c := &Catalog{byPrefix: map[string]*Service{}, byName: make(map[string]*Action, nActions), all: make([]*Action, 0, nActions)}
	var svc *Service
	line := 0
	for len(text) > 0 {
		line++
		var l string
		l, text, _ = strings.Cut(text, "\n")
		if line == 1 {
			if !strings.HasPrefix(l, "#warden-iam-catalog\t1") {
				return nil, fmt.Errorf("iam catalogue: unexpected header %q", l)
			}
			continue
		}
		kind, rest, _ := strings.Cut(l, "\t")
		if kind != "S" && svc == nil {
			return nil, fmt.Errorf("iam catalogue line %d: %s record before any service", line, kind)
		}
		f1, rest, ok1 := strings.Cut(rest, "\t")
		switch {
		case kind == "S" && ok1 && !strings.Contains(rest, "\t"):
			svc = &Service{Prefix: f1, Name: rest, ResourceTypes: map[string]*ResourceType{}, ConditionKeys: map[string]string{}}
			c.services = append(c.services, svc)
			c.byPrefix[svc.Prefix] = svc
		case kind == "R" && ok1 && !strings.Contains(rest, "\t"):
			svc.ResourceTypes[f1] = &ResourceType{Name: f1, ARN: rest}
			if p, ok := templateScopePrefix(rest); ok {
				svc.scopePrefixes = append(svc.scopePrefixes, p)
			}
		case kind == "A" && ok1 && strings.Count(rest, "\t") == 3:
			if len(c.all) == nActions {
				return nil, fmt.Errorf("iam catalogue line %d: malformed record", line)
			}
			lvc, rest, _ := strings.Cut(rest, "\t")
			rts, rest, _ := strings.Cut(rest, "\t")
			keys, dep, _ := strings.Cut(rest, "\t")
			lv, ok := levelByCode[lvc]
			if !ok {
				return nil, fmt.Errorf("iam catalogue line %d: access level %q", line, lvc)
			}
			a := &actions[len(c.all)]
			*a = Action{Service: svc, Name: f1, Access: lv, condKeys: keys, dependent: dep}
			a.full = svc.Prefix + ":" + f1
			a.key = strings.ToLower(a.full)
			if rts != "" {
				a.Resources = make([]ActionResource, 0, strings.Count(rts, ",")+1)
				for rt := range strings.SplitSeq(rts, ",") {
					name, req := strings.CutSuffix(rt, "*")
					t := svc.ResourceTypes[name]
					if t == nil {
						// Upstream occasionally names a resource type it
						// does not define; keep the name so the action
						// stays scoped.
						t = &ResourceType{Name: name}
					}
					a.Resources = append(a.Resources, ActionResource{Type: t, Required: req})
				}
			}
			svc.Actions = append(svc.Actions, a)
			c.byName[a.key] = a
			c.all = append(c.all, a)
		case kind == "K" && ok1 && !strings.Contains(rest, "\t"):
			svc.ConditionKeys[f1] = rest
		case l == "" && len(text) == 0:
		default:
			return nil, fmt.Errorf("iam catalogue line %d: malformed record", line)
		}
	}
	if len(c.all) == 0 {
		return nil, fmt.Errorf("iam catalogue: no actions")
	}
	sort.Slice(c.all, func(i, j int) bool { return c.all[i].full < c.all[j].full })
	for i, a := range c.all {
		a.rank = i
	}
	return c, nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// templateScopePrefix returns the literal start of an ARN template's
// resource part, up to its first variable ("table/" for DynamoDB tables,
// "" for S3 buckets).
func templateScopePrefix(tmpl string) (string, bool) {
	parts := strings.SplitN(tmpl, ":", 6)
	if len(parts) < 6 {
		return "", false
	}
	res := parts[5]
	i := strings.Index(res, "${")
	if i < 0 {
		return "", false
	}
	return strings.ToLower(res[:i]), true
}

// Services lists the services, sorted by prefix.
func (c *Catalog) Services() []*Service { return c.services }

// Service returns a service by its prefix, case-insensitively.
func (c *Catalog) Service(prefix string) (*Service, bool) {
	s, ok := c.byPrefix[strings.ToLower(prefix)]
	return s, ok
}

// Action returns an action by its full name ("s3:GetObject"),
// case-insensitively as IAM compares actions.
func (c *Catalog) Action(name string) (*Action, bool) {
	a, ok := c.byName[strings.ToLower(name)]
	return a, ok
}

// Actions lists every action, sorted by full name. The slice is shared and
// must not be modified.
func (c *Catalog) Actions() []*Action { return c.all }

// Expand returns the actions a policy action pattern covers ("s3:Get*",
// "*", "iam:?ut*"), sorted. Matching is case-insensitive, as in IAM. A
// pattern naming an action the catalogue lacks expands to nothing. The
// result may share memory with the catalogue and must not be modified: "*"
// is expanded on every role with administrator access, and copying 22,000
// pointers each time is waste.
func (c *Catalog) Expand(pattern string) []*Action {
	p := strings.ToLower(strings.TrimSpace(pattern))
	if p == "*" {
		return c.all
	}
	svcPat, namePat, ok := strings.Cut(p, ":")
	if !ok {
		return nil
	}
	var out []*Action
	for _, s := range c.servicesMatching(svcPat) {
		if namePat == "*" {
			if len(out) == 0 && !strings.ContainsAny(svcPat, "*?") {
				return s.Actions // shared, like Actions: callers must not modify
			}
			out = append(out, s.Actions...)
			continue
		}
		for _, a := range s.Actions {
			if globMatch(namePat, a.key[len(s.Prefix)+1:]) {
				out = append(out, a)
			}
		}
	}
	if !strings.ContainsAny(svcPat, "*?") {
		return out // one service: already in name order
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rank < out[j].rank })
	return out
}

func (c *Catalog) servicesMatching(svcPat string) []*Service {
	if !strings.ContainsAny(svcPat, "*?") {
		if s, ok := c.byPrefix[svcPat]; ok {
			return []*Service{s}
		}
		return nil
	}
	var out []*Service
	for _, s := range c.services {
		if globMatch(svcPat, s.Prefix) {
			out = append(out, s)
		}
	}
	return out
}
