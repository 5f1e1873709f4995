package iam

import (
	"bufio"
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

	lower []string // lower-cased action names, parallel to Actions
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
	Resources     []ActionResource
	ConditionKeys []string
	// Dependent lists actions AWS requires in addition to this one.
	Dependent []string
}

// String returns the action as written in policies, "s3:GetObject".
func (a *Action) String() string { return a.Service.Prefix + ":" + a.Name }

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
	c := &Catalog{byPrefix: map[string]*Service{}, byName: make(map[string]*Action, 24000)}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	var svc *Service
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if line == 1 {
			if !strings.HasPrefix(text, "#warden-iam-catalog\t1") {
				return nil, fmt.Errorf("iam catalogue: unexpected header %q", text)
			}
			continue
		}
		f := strings.Split(text, "\t")
		if f[0] != "S" && svc == nil {
			return nil, fmt.Errorf("iam catalogue line %d: %s record before any service", line, f[0])
		}
		switch {
		case f[0] == "S" && len(f) == 3:
			svc = &Service{Prefix: f[1], Name: f[2], ResourceTypes: map[string]*ResourceType{}, ConditionKeys: map[string]string{}}
			c.services = append(c.services, svc)
			c.byPrefix[svc.Prefix] = svc
		case f[0] == "R" && len(f) == 3:
			svc.ResourceTypes[f[1]] = &ResourceType{Name: f[1], ARN: f[2]}
			if p, ok := templateScopePrefix(f[2]); ok {
				svc.scopePrefixes = append(svc.scopePrefixes, p)
			}
		case f[0] == "A" && len(f) == 6:
			lv, ok := levelByCode[f[2]]
			if !ok {
				return nil, fmt.Errorf("iam catalogue line %d: access level %q", line, f[2])
			}
			a := &Action{Service: svc, Name: f[1], Access: lv, ConditionKeys: splitList(f[4]), Dependent: splitList(f[5])}
			for _, rt := range splitList(f[3]) {
				name, req := strings.CutSuffix(rt, "*")
				t := svc.ResourceTypes[name]
				if t == nil {
					// Upstream occasionally names a resource type it does
					// not define; keep the name so the action stays scoped.
					t = &ResourceType{Name: name}
				}
				a.Resources = append(a.Resources, ActionResource{Type: t, Required: req})
			}
			svc.Actions = append(svc.Actions, a)
			svc.lower = append(svc.lower, strings.ToLower(a.Name))
			c.byName[strings.ToLower(a.String())] = a
			c.all = append(c.all, a)
		case f[0] == "K" && len(f) == 3:
			svc.ConditionKeys[f[1]] = f[2]
		default:
			return nil, fmt.Errorf("iam catalogue line %d: malformed record", line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("iam catalogue: %w", err)
	}
	if len(c.all) == 0 {
		return nil, fmt.Errorf("iam catalogue: no actions")
	}
	sort.Slice(c.all, func(i, j int) bool { return c.all[i].String() < c.all[j].String() })
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

// Actions lists every action, sorted by full name.
func (c *Catalog) Actions() []*Action { return c.all }

// Expand returns the actions a policy action pattern covers ("s3:Get*",
// "*", "iam:?ut*"), sorted. Matching is case-insensitive, as in IAM. A
// pattern naming an action the catalogue lacks expands to nothing.
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
			out = append(out, s.Actions...)
			continue
		}
		for i, n := range s.lower {
			if globMatch(namePat, n) {
				out = append(out, s.Actions[i])
			}
		}
	}
	if !strings.ContainsAny(svcPat, "*?") {
		return out // one service: already in name order
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
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
