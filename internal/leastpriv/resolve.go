package leastpriv

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/wardensec/warden/internal/iam"
	"github.com/wardensec/warden/internal/model"
)

// Resource is the resource a Use acts on: an ARN pattern, and the project
// resources it was built from.
type Resource struct {
	// ARN is the pattern for a policy: "*" only for actions that do not
	// support resource-level permissions, or where Notes say why.
	ARN string `json:"arn"`
	// Slots are the parts of ARN that stand for project resources whose
	// names are chosen at deploy time; ARN has "*" there. Template outputs
	// write references to the resources instead.
	Slots []Slot `json:"slots,omitempty"`
	// Template is ARN with each slot i written as "\x00i\x00", for the
	// template outputs to fill.
	Template string `json:"-"`
	// Notes say what could not be resolved. Empty means the ARN is exactly
	// what the code names, up to the slots.
	Notes []string `json:"notes,omitempty"`
	// SlotNotes explain each slot: which parameter names which project
	// resource. The JSON ARN has "*" for them; template outputs reference
	// the resource instead.
	SlotNotes []string `json:"slot_notes,omitempty"`
}

// Ref returns the project resource the ARN names when it names exactly
// one (the iam.Target Ref for rules).
func (r Resource) Ref() string {
	if len(r.Slots) == 1 {
		return r.Slots[0].Ref
	}
	return ""
}

// Slot is one project resource inside an ARN.
type Slot struct {
	Ref     string             `json:"ref"`     // model ID
	Logical string             `json:"logical"` // logical name in the template
	Kind    model.ResourceKind `json:"kind,omitempty"`
	Type    string             `json:"type,omitempty"` // AWS::DynamoDB::Table, aws_dynamodb_table
	// Function is true when the slot is a function (Lambda Invoke).
	Function bool `json:"function,omitempty"`
	// Name is the resource's name when the template fixes it (Terraform
	// name = "orders"); the ARN then names it, and the slot still tells
	// rules which project resource it is.
	Name string `json:"name,omitempty"`
}

// resolver turns calls into Uses for one function.
type resolver struct {
	app *model.App
	idx *model.Index
	fn  *model.Function
}

// uses maps one call to its IAM actions and resources; why is set when the
// call cannot be mapped.
func (r *resolver) uses(c Call) ([]Use, string) {
	if c.Service == "" {
		return nil, "the client's service is chosen at run time"
	}
	if c.Op == "" {
		return nil, "the operation is chosen at run time"
	}
	m, err := Map()
	if err != nil {
		return nil, err.Error()
	}
	res, ok := m.Resolve(c.Service, c.Op)
	if !ok {
		return nil, fmt.Sprintf("%s is neither in the SDK-to-IAM map nor an IAM action of the catalogue", c.Key())
	}
	if res.Free {
		return nil, ""
	}
	if c.Service == "DynamoDB" && c.Op == "ExecuteStatement" {
		if st, ok := c.Params["statement"].Literal(); ok {
			if m := partiqlTable.FindStringSubmatch(st); m != nil {
				p := map[string]Str{"tablename": lit(m[1])}
				for k, v := range c.Params {
					p[k] = v
				}
				c.Params = p
			}
		}
	}
	var out []Use
	for _, v := range res.Variants {
		pick, optional := r.condition(v, c)
		if !pick {
			continue
		}
		for _, rs := range r.resources(v, c) {
			out = append(out, Use{Action: canonical(v.Action), Resource: rs, Pos: c.Pos, Optional: optional})
		}
	}
	return out, ""
}

// partiqlTable finds the table a PartiQL statement names.
var partiqlTable = regexp.MustCompile(`(?i)\b(?:from|into|update)\s+"?([A-Za-z0-9_.-]+)"?`)

// canonical spells an action as the catalogue does.
func canonical(a string) string {
	if x, ok := iam.Catalogue().Action(a); ok {
		return x.String()
	}
	return a
}

// condition decides whether a conditional variant applies to the call.
// optional is true when the code does not show it (a PartiQL statement
// built at run time): the action is then kept, marked optional.
func (r *resolver) condition(v Variant, c Call) (pick, optional bool) {
	if v.Conditions == nil {
		return true, false
	}
	lhs := strings.ToLower(v.Conditions.LHS)
	val, present := c.Params[lhs]
	switch v.Conditions.Op {
	case "Exists":
		return present, false
	case "NotExists":
		return !present, false
	case "IContains":
		if s, ok := val.Literal(); ok {
			return strings.Contains(strings.ToUpper(s), strings.ToUpper(v.Conditions.RHS)), false
		}
		return true, true
	case "NotEquals":
		if s, ok := val.Literal(); ok {
			return s != v.Conditions.RHS, false
		}
		return true, true
	}
	return true, true
}

// resources builds the ARN patterns of one variant for a call.
func (r *resolver) resources(v Variant, c Call) []Resource {
	b := &arnBuilder{r: r, c: c}
	if v.ARNOverride != nil && v.ARNOverride.Template != "" {
		arn := b.expr(v.ARNOverride.Template)
		if id, ok := c.Params["secretid"].Literal(); ok && strings.HasPrefix(v.Action, "secretsmanager:") && !strings.HasPrefix(id, "arn:") {
			// A secret named without its ARN: the real ARN ends in "-"
			// and six random characters.
			arn += "-??????"
		}
		return []Resource{b.finish(arn)}
	}
	act, ok := iam.Catalogue().Action(v.Action)
	if !ok || len(act.Resources) == 0 {
		// No resource-level permissions: "*" is the only possible
		// Resource, and no widening.
		return []Resource{{ARN: "*", Template: "*"}}
	}
	var out []Resource
	for _, t := range chooseTypes(act, v, c) {
		b := &arnBuilder{r: r, c: c}
		if tmpl, ok := lookupFold(v.ResourceARNMappings, t.Name); ok {
			arn := b.expr(tmpl)
			if whole := isSlot(arn) || arn == "*"; !whole {
				out = append(out, b.finish(arn))
				continue
			}
			// The whole ARN is a referenced resource or unknown: write the
			// type's ARN with the name in place, so the service and the
			// resource type stay pinned.
			out = append(out, b.finish(b.fillWith(t.ARN, arn)))
			continue
		}
		out = append(out, b.finish(b.fill(t.ARN, &v)))
	}
	if len(out) == 0 {
		return []Resource{{ARN: "*", Template: "*", Notes: []string{"no resource type of " + v.Action + " fits the call"}}}
	}
	return out
}

// isSlot reports whether s is exactly one slot mark.
func isSlot(s string) bool {
	return len(s) >= 3 && s[0] == 0 && s[len(s)-1] == 0 && strings.Count(s, "\x00") == 2 && s[1] >= '0' && s[1] <= '9'
}

// fillWith expands a catalogue ARN template with every resource variable
// set to name.
func (b *arnBuilder) fillWith(tmpl, name string) string {
	return varRe.ReplaceAllStringFunc(tmpl, func(s string) string {
		if m, ok := pseudo(s[2 : len(s)-1]); ok {
			return m
		}
		return name
	})
}

func pseudo(name string) (string, bool) {
	switch name {
	case "Partition":
		return markPartition, true
	case "Region":
		return markRegion, true
	case "Account":
		return markAccount, true
	}
	return "", false
}

func lookupFold(m map[string]string, k string) (string, bool) {
	for kk, v := range m {
		if strings.EqualFold(kk, k) {
			return v, true
		}
	}
	return "", false
}

// chooseTypes picks the resource types a call's ARN should name: the
// required ones, or else the one whose template variables the map fills
// from the call (s3:GetObject names "object", not "accesspointobject").
func chooseTypes(act *iam.Action, v Variant, c Call) []*iam.ResourceType {
	var req []*iam.ResourceType
	for _, ar := range act.Resources {
		if ar.Required && ar.Type != nil {
			req = append(req, ar.Type)
		}
	}
	if len(req) > 0 {
		// Optional types the call names too (a Query with an IndexName
		// needs the index ARN as well as the table's).
		for _, ar := range act.Resources {
			if !ar.Required && ar.Type != nil && covered(ar.Type.ARN, v) && callNames(ar.Type.ARN, v, c) {
				req = append(req, ar.Type)
			}
		}
		if len(req) > 1 {
			// Several required types (rare): keep those the map fills.
			var filled []*iam.ResourceType
			for _, t := range req {
				if covered(t.ARN, v) {
					filled = append(filled, t)
				}
			}
			if len(filled) > 0 {
				return filled
			}
		}
		return req
	}
	for _, ar := range act.Resources {
		if ar.Type != nil && covered(ar.Type.ARN, v) {
			return []*iam.ResourceType{ar.Type}
		}
	}
	if len(act.Resources) > 0 && act.Resources[0].Type != nil {
		return []*iam.ResourceType{act.Resources[0].Type}
	}
	return nil
}

var varRe = regexp.MustCompile(`\$\{([A-Za-z0-9_.\[\]]+)\}`)

// callNames reports whether every parameter the type's variables come
// from is present in the call.
func callNames(tmpl string, v Variant, c Call) bool {
	for _, m := range varRe.FindAllStringSubmatch(tmpl, -1) {
		if _, ok := pseudo(m[1]); ok {
			continue
		}
		rm, ok := v.ResourceMappings[m[1]]
		if !ok {
			return false
		}
		for _, pm := range varRe.FindAllStringSubmatch(rm.Template, -1) {
			if _, ok := c.Params[strings.ToLower(pm[1])]; !ok {
				return false
			}
		}
	}
	return true
}

// covered reports whether the map fills every variable of an ARN template
// but the partition, region and account.
func covered(tmpl string, v Variant) bool {
	if _, ok := lookupFold(v.ResourceARNMappings, ""); ok {
		return true
	}
	for _, m := range varRe.FindAllStringSubmatch(tmpl, -1) {
		switch m[1] {
		case "Partition", "Region", "Account":
			continue
		}
		if _, ok := v.ResourceMappings[m[1]]; !ok {
			return false
		}
	}
	return true
}

// arnBuilder fills one ARN template from a call's parameters.
type arnBuilder struct {
	r         *resolver
	c         Call
	slots     []Slot
	notes     []string
	slotNotes []string
}

func (b *arnBuilder) slotNote(s string) {
	if !lpHas(b.slotNotes, s) {
		b.slotNotes = append(b.slotNotes, s)
	}
}

func (b *arnBuilder) note(s string) {
	for _, n := range b.notes {
		if n == s {
			return
		}
	}
	b.notes = append(b.notes, s)
}

// Marks for the deployment's partition, region and account in a
// Resource's Template: the ARN reads them as aws, * and *, template outputs
// as the stack's own values.
const (
	markPartition = "\x00p\x00"
	markRegion    = "\x00r\x00"
	markAccount   = "\x00a\x00"
)

func (b *arnBuilder) finish(tmpl string) Resource {
	return Resource{ARN: Render(tmpl, b.slots, func(_ int, s Slot) string {
		if s.Name != "" {
			return s.Name
		}
		return "*"
	}, "aws", "*", "*"), Template: tmpl, Slots: b.slots, Notes: b.notes, SlotNotes: b.slotNotes}
}

// Render fills a Resource template: each slot with slot(i, s), and the
// partition, region and account marks with the given strings.
func Render(tmpl string, slots []Slot, slot func(int, Slot) string, partition, region, account string) string {
	out := tmpl
	for i, s := range slots {
		out = strings.ReplaceAll(out, slotMark(i), slot(i, s))
	}
	return strings.NewReplacer(markPartition, partition, markRegion, region, markAccount, account).Replace(out)
}

func slotMark(i int) string { return fmt.Sprintf("\x00%d\x00", i) }

// fill expands a template: a catalogue ARN template (variables filled from
// v's resource mappings) or a map template over the call's parameters.
func (b *arnBuilder) fill(tmpl string, v *Variant) string {
	out := varRe.ReplaceAllStringFunc(tmpl, func(s string) string {
		name := s[2 : len(s)-1]
		if m, ok := pseudo(name); ok {
			return m
		}
		if v != nil {
			m, ok := v.ResourceMappings[name]
			if !ok {
				if _, has := b.c.Params[strings.ToLower(name)]; has {
					// The map leaves it out, the call names it (a
					// PartiQL statement's table).
					return b.param(name)
				}
				b.note(fmt.Sprintf("%s: the map gives no value for ${%s}", b.c.Key(), name))
				return "*"
			}
			out := b.expr(m.Template)
			if strings.HasSuffix(name, "WithoutLeadingSlash") {
				// SSM parameter ARNs drop the name's leading slash.
				out = strings.TrimPrefix(out, "/")
			}
			return out
		}
		return b.param(name)
	})
	return out
}

var (
	macroRe = regexp.MustCompile(`%%(regex|urlencode|iftemplatematch|many|iftruthy)%(.*?)%%`)
	regexRe = regexp.MustCompile(`^(\$\{[^}]+\})%/(.*)/g$`)
)

// expr evaluates one map template ("${Bucket}", "%%regex%${QueueUrl}%/re/g%%").
func (b *arnBuilder) expr(t string) string {
	if t == "*" {
		return "*"
	}
	t = macroRe.ReplaceAllStringFunc(t, func(s string) string {
		m := macroRe.FindStringSubmatch(s)
		switch m[1] {
		case "urlencode", "iftemplatematch":
			return m[2]
		case "regex":
			rm := regexRe.FindStringSubmatch(m[2])
			if rm == nil {
				return "*"
			}
			return "\x01" + rm[1] + "\x01" + rm[2] + "\x01"
		}
		b.note(fmt.Sprintf("%s: the map's template %s is not evaluated", b.c.Key(), s))
		return "*"
	})
	// Regex macros apply to one parameter: evaluate it, then the regex.
	for {
		i := strings.Index(t, "\x01")
		if i < 0 {
			break
		}
		rest := t[i+1:]
		j := strings.Index(rest, "\x01")
		k := strings.Index(rest[j+1:], "\x01")
		if j < 0 || k < 0 {
			break
		}
		ref, re := rest[:j], rest[j+1:j+1+k]
		val := b.paramRaw(ref[2 : len(ref)-1])
		t = t[:i] + b.applyRegex(val, re) + rest[j+1+k+1:]
	}
	return varRe.ReplaceAllStringFunc(t, func(s string) string { return b.param(s[2 : len(s)-1]) })
}

// applyRegex extracts the first group of re from a resolved value; a
// value with slots or wildcards is kept when the regex would only strip a
// prefix it cannot see (a queue URL from a referenced queue).
func (b *arnBuilder) applyRegex(v string, re string) string {
	if strings.Contains(v, "\x00") || v == "*" {
		// A slot stands for the resource's name already.
		if i := strings.LastIndex(v, "\x00"); i >= 0 {
			j := strings.LastIndex(v[:i], "\x00")
			if j >= 0 {
				return v[j : i+1]
			}
		}
		return v
	}
	rx, err := compiled(re)
	if err != nil {
		return "*"
	}
	m := rx.FindStringSubmatch(v)
	if len(m) < 2 {
		if strings.Contains(v, "*") {
			return "*"
		}
		b.note(fmt.Sprintf("%s: %q does not have the expected form", b.c.Key(), v))
		return "*"
	}
	return m[1]
}

// regexCache holds the map's regexes compiled: there are a handful, used
// once per call.
var regexCache sync.Map // string -> *regexp.Regexp

func compiled(re string) (*regexp.Regexp, error) {
	if v, ok := regexCache.Load(re); ok {
		return v.(*regexp.Regexp), nil
	}
	rx, err := regexp.Compile(re)
	if err != nil {
		return nil, fmt.Errorf("map regex %q: %w", re, err)
	}
	regexCache.Store(re, rx)
	return rx, nil
}

// param resolves a call parameter for an ARN.
func (b *arnBuilder) param(name string) string { return b.paramRaw(name) }

func (b *arnBuilder) paramRaw(name string) string {
	if m, ok := pseudo(name); ok {
		return m
	}
	s, ok := b.c.Params[strings.ToLower(name)]
	if !ok {
		b.note(fmt.Sprintf("%s: parameter %s is not visible in the call (passed in a variable Warden cannot follow)", b.c.Key(), name))
		return "*"
	}
	if !s.Known() {
		b.note(fmt.Sprintf("%s: %s is computed at run time", b.c.Key(), name))
		return "*"
	}
	var out strings.Builder
	for _, p := range s.Parts {
		switch {
		case p.Lit != "":
			out.WriteString(p.Lit)
		case p.Unknown:
			b.note(fmt.Sprintf("%s: part of %s is computed at run time", b.c.Key(), name))
			out.WriteString("*")
		case p.Env != "":
			out.WriteString(b.env(p.Env, name))
		case p.Event != "":
			out.WriteString(b.event(p.Event, name))
		}
	}
	return out.String()
}

// env resolves an environment variable of the function: a literal value,
// a reference to a project resource (a slot), or "*" with a note.
func (b *arnBuilder) env(name, param string) string {
	var ev *model.EnvVar
	for i := range b.r.fn.Environment {
		if b.r.fn.Environment[i].Name == name {
			ev = &b.r.fn.Environment[i]
		}
	}
	if ev == nil {
		b.note(fmt.Sprintf("%s: environment variable %s is not set in the template", b.c.Key(), name))
		return "*"
	}
	v := ev.Value
	if v.Ref != "" {
		if res, ok := b.r.idx.Resources[v.Ref]; ok {
			sl := Slot{Ref: res.ID, Logical: res.Name, Kind: res.Kind, Type: res.Type}
			if v.IsKnown() && v.V != "" && !strings.Contains(v.V, "://") && !strings.HasPrefix(v.V, "arn:") {
				// The template fixes the name (Terraform name = "orders").
				sl.Name = v.V
				b.slots = append(b.slots, sl)
				b.slotNote(fmt.Sprintf("%s: %s is %s (%s %s)", b.c.Key(), param, v.V, res.Type, res.Name))
				return slotMark(len(b.slots) - 1)
			}
			b.slots = append(b.slots, sl)
			b.slotNote(fmt.Sprintf("%s: %s is %s (%s %s); its name is chosen at deploy time", b.c.Key(), param, exprOr(v), res.Type, res.Name))
			return slotMark(len(b.slots) - 1)
		}
		if fn, ok := b.r.idx.Functions[v.Ref]; ok {
			if fn.FunctionName.IsKnown() {
				return fn.FunctionName.V
			}
			b.slots = append(b.slots, Slot{Ref: fn.ID, Logical: fn.Name, Function: true, Type: "function"})
			b.slotNote(fmt.Sprintf("%s: %s is %s (function %s); its name is chosen at deploy time", b.c.Key(), param, exprOr(v), fn.Name))
			return slotMark(len(b.slots) - 1)
		}
	}
	if v.IsKnown() {
		return v.V
	}
	b.note(fmt.Sprintf("%s: environment variable %s = %s cannot be resolved to a project resource", b.c.Key(), name, exprOr(v)))
	return "*"
}

// event resolves a value read from the handler's event through the
// function's triggers: the bucket of an S3 notification is the bucket that
// triggers the function.
func (b *arnBuilder) event(path, param string) string {
	if !strings.HasSuffix(path, "s3.bucket.name") && path != "detail.bucket.name" {
		b.note(fmt.Sprintf("%s: %s comes from the event (%s)", b.c.Key(), param, path))
		return "*"
	}
	var refs []string
	for _, t := range b.r.fn.Triggers {
		if t.Kind != model.TriggerStorage && !(t.Kind == model.TriggerEventBus && path == "detail.bucket.name") {
			continue
		}
		if t.SourceID == "" {
			b.note(fmt.Sprintf("%s: %s is the bucket of trigger %s, which Warden cannot resolve", b.c.Key(), param, exprOr(t.Source)))
			return "*"
		}
		if !lpHas(refs, t.SourceID) {
			refs = append(refs, t.SourceID)
		}
	}
	if len(refs) != 1 {
		b.note(fmt.Sprintf("%s: %s comes from the event of %d S3 triggers", b.c.Key(), param, len(refs)))
		return "*"
	}
	res, ok := b.r.idx.Resources[refs[0]]
	if !ok {
		b.note(fmt.Sprintf("%s: %s is the bucket of a trigger outside the model", b.c.Key(), param))
		return "*"
	}
	b.slots = append(b.slots, Slot{Ref: res.ID, Logical: res.Name, Kind: res.Kind, Type: res.Type})
	b.slotNote(fmt.Sprintf("%s: %s is the bucket that triggers the function (%s %s); its name is chosen at deploy time", b.c.Key(), param, res.Type, res.Name))
	return slotMark(len(b.slots) - 1)
}

func lpHas(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func exprOr(v model.Value) string {
	if v.Expr != "" {
		return v.Expr
	}
	return v.String()
}
