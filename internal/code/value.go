package code

import (
	"sort"
	"strings"

	"github.com/wardensec/warden/internal/code/ir"
	"github.com/wardensec/warden/internal/model"
)

// Sink classes, one per injection rule, plus "error" for exception details
// sent to a client (SAS-10).
const (
	ClassCommand = "command"
	ClassCode    = "code"
	ClassSQL     = "sql"
	ClassPath    = "path"
	ClassSSRF    = "ssrf"
	ClassDeser   = "deserialization"
	ClassSSTI    = "ssti"
	ClassXSS     = "xss"
	ClassError   = "error"
)

// classMask records the sink classes a sanitizer made a value safe for.
type classMask uint16

const (
	mCommand classMask = 1 << iota
	mCode
	mSQL
	mPath
	mSSRF
	mDeser
	mSSTI
	mXSS
	mAll classMask = 1<<iota - 1
)

var classBits = map[string]classMask{ClassCommand: mCommand, ClassCode: mCode, ClassSQL: mSQL, ClassPath: mPath, ClassSSRF: mSSRF, ClassDeser: mDeser, ClassSSTI: mSSTI, ClassXSS: mXSS}

// step is one location on a taint trail, newest first; trails share their
// tails, so copying a value to a new variable costs one step.
type step struct {
	pos  model.Pos
	msg  string
	prev *step
	n    int
}

// maxSteps bounds a trail: a flow through a long loop of assignments shows
// its first steps and its sink, which is what a reader needs.
const maxSteps = 24

func (s *step) add(pos model.Pos, msg string) *step {
	if s != nil && s.n >= maxSteps {
		return s
	}
	if s != nil && s.pos == pos && s.msg == msg {
		return s
	}
	n := 1
	if s != nil {
		n = s.n + 1
	}
	return &step{pos: pos, msg: msg, prev: s, n: n}
}

func (s *step) list() []model.CodeStep {
	var out []model.CodeStep
	for ; s != nil; s = s.prev {
		out = append(out, model.CodeStep{Pos: s.pos, Message: s.msg})
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// taint is one reason a value is dangerous: data from an attacker-controlled
// source, or details of a caught exception (err).
type taint struct {
	err     bool
	source  string
	trail   *step
	cleared classMask
}

// maxTaints bounds the taints a value carries; more sources add no new
// finding at a sink that already has one.
const maxTaints = 4

// val is the abstract value of an expression.
type val struct {
	taints []*taint
	// ev is set while the value is (a part of) the handler's event, context
	// or request object; whether it is attacker-controlled depends on the
	// path, so taint is computed from it, not inherited.
	ev *evPath
	// q is the qualified name of a module or module member ("os.path.join",
	// "child_process.exec"); calls of it have q+"()".
	q string
	// fields of dict/object literals, class members and module exports.
	fields map[string]*val
	fn     *funcVal
	mod    *module
	// lit is the literal value when the value is a constant.
	lit    *ir.Const
	seq    bool   // a list/tuple/array literal
	built  bool   // a string built by concatenation or formatting
	prefix string // known constant prefix of a string
	// fixedHead is set when the string is known not to start with
	// attacker data (it starts with a constant or a configured value), so
	// a tainted tail cannot choose a URL's scheme and host.
	fixedHead bool
	parsed    bool // parsed from JSON: may be an object, not a string
	resp      bool // an HTTP response object (Express res)
	cb        bool // the Lambda callback
	// facade marks a framework's view of the event (Powertools
	// app.current_event, Chalice app.current_request), whose properties
	// have Python names.
	facade bool
}

type evPath struct {
	root string
	segs []string
}

func (p *evPath) child(seg string) *evPath {
	segs := make([]string, len(p.segs)+1)
	copy(segs, p.segs)
	segs[len(p.segs)] = seg
	return &evPath{root: p.root, segs: segs}
}

func (p *evPath) String() string {
	var b strings.Builder
	b.WriteString(p.root)
	for _, s := range p.segs {
		if s == "*" {
			b.WriteString("[*]")
			continue
		}
		b.WriteByte('.')
		b.WriteString(s)
	}
	return b.String()
}

type funcVal struct {
	fn      *ir.Func
	mod     *module
	closure *env
	self    *val
}

func (v *val) tainted() bool { return v != nil && len(v.taints) > 0 }

// attacker returns the attacker taints not cleared for class.
func (v *val) attacker(class string) []*taint {
	if v == nil {
		return nil
	}
	bit := classBits[class]
	var out []*taint
	for _, t := range v.taints {
		if !t.err && t.cleared&bit == 0 {
			out = append(out, t)
		}
	}
	return out
}

func (v *val) errs() []*taint {
	if v == nil {
		return nil
	}
	var out []*taint
	for _, t := range v.taints {
		if t.err {
			out = append(out, t)
		}
	}
	return out
}

func addTaints(dst []*taint, src ...*taint) []*taint {
	for _, t := range src {
		dup := false
		for _, d := range dst {
			if d == t || (d.err == t.err && d.source == t.source && d.cleared == t.cleared) {
				dup = true
				break
			}
		}
		if !dup && len(dst) < maxTaints {
			dst = append(dst, t)
		}
	}
	return dst
}

// derive returns a value carrying the taints of all of vs (and nothing
// else): the result of an operation on them.
func derive(vs ...*val) *val {
	out := &val{}
	for _, v := range vs {
		if v == nil {
			continue
		}
		out.taints = addTaints(out.taints, v.taints...)
		out.parsed = out.parsed || v.parsed
	}
	return out
}

// join is the value of "either a or b", after branches.
func join(a, b *val) *val {
	if a == nil {
		return b
	}
	if b == nil || a == b {
		return a
	}
	out := &val{taints: addTaints(append([]*taint(nil), a.taints...), b.taints...)}
	switch {
	case a.ev != nil && b.ev != nil && a.ev.String() == b.ev.String():
		out.ev = a.ev
	case a.ev != nil && b.ev == nil && inert(b):
		// event.get('x') or {}: still the event's part.
		out.ev = a.ev
	case b.ev != nil && a.ev == nil && inert(a):
		out.ev = b.ev
	}
	if a.q == b.q {
		out.q = a.q
	}
	out.fn = a.fn
	if out.fn == nil {
		out.fn = b.fn
	}
	out.mod = a.mod
	if out.mod == nil {
		out.mod = b.mod
	}
	if a.lit != nil && b.lit != nil && *a.lit == *b.lit {
		out.lit = a.lit
	}
	if a.fields != nil || b.fields != nil {
		out.fields = map[string]*val{}
		for k, v := range a.fields {
			out.fields[k] = v
		}
		for k, v := range b.fields {
			out.fields[k] = join(out.fields[k], v)
		}
	}
	out.seq = a.seq && b.seq
	out.built = a.built || b.built
	out.prefix = commonPrefix(a.prefix, b.prefix)
	out.fixedHead = a.fixedHead && b.fixedHead
	out.parsed = a.parsed || b.parsed
	out.resp = a.resp || b.resp
	out.cb = a.cb || b.cb
	return out
}

func commonPrefix(a, b string) string {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	return a[:i]
}

// withStep copies v with every taint's trail extended by one step.
func (v *val) withStep(pos model.Pos, msg string) *val {
	if v == nil || len(v.taints) == 0 {
		return v
	}
	c := *v
	c.taints = make([]*taint, len(v.taints))
	for i, t := range v.taints {
		nt := *t
		nt.trail = t.trail.add(pos, msg)
		c.taints[i] = &nt
	}
	// Members carry the step too (one level), so a response's body shows
	// that it was returned.
	if len(v.fields) > 0 {
		c.fields = make(map[string]*val, len(v.fields))
		for k, f := range v.fields {
			if f != nil && len(f.taints) > 0 && len(f.fields) == 0 {
				f = f.withStep(pos, msg)
			}
			c.fields[k] = f
		}
	}
	return &c
}

// cleared copies v with its attacker taints marked safe for mask.
func (v *val) clear(mask classMask) *val {
	if v == nil || len(v.taints) == 0 {
		return v
	}
	c := *v
	c.taints = nil
	for _, t := range v.taints {
		if t.err {
			c.taints = append(c.taints, t)
			continue
		}
		nt := *t
		nt.cleared |= mask
		if nt.cleared&mAll == mAll {
			continue
		}
		c.taints = append(c.taints, &nt)
	}
	c.ev = nil
	return &c
}

// str returns the literal string value, if v is a constant.
func (v *val) str() (string, bool) {
	if v == nil || v.lit == nil {
		return "", false
	}
	switch v.lit.Kind {
	case ir.Str, ir.Num:
		return v.lit.Value, true
	}
	return "", false
}

// truth reports a constant's truthiness: known is false when v is not a
// constant.
func (v *val) truth() (value, known bool) {
	if v == nil || v.lit == nil {
		return false, false
	}
	switch v.lit.Kind {
	case ir.Null:
		return false, true
	case ir.Bool:
		return v.lit.Value == "true", true
	case ir.Num:
		s := strings.TrimSpace(v.lit.Value)
		return !(s == "0" || s == "0.0" || s == "0x0"), true
	case ir.Str:
		return v.lit.Value != "", true
	}
	return false, false
}

// env is one scope. Branches copy the innermost frame and join afterwards.
type env struct {
	vars   map[string]*val
	parent *env
}

func newEnv(parent *env) *env { return &env{vars: map[string]*val{}, parent: parent} }

func (e *env) get(name string) (*val, bool) {
	for s := e; s != nil; s = s.parent {
		if v, ok := s.vars[name]; ok {
			return v, true
		}
	}
	return nil, false
}

func (e *env) set(name string, v *val) { e.vars[name] = v }

func (e *env) clone() *env {
	c := &env{vars: make(map[string]*val, len(e.vars)), parent: e.parent}
	for k, v := range e.vars {
		c.vars[k] = v
	}
	return c
}

// joinEnvs merges branch scopes; a nil scope is a branch that returned.
func joinEnvs(base *env, es ...*env) *env {
	var live []*env
	for _, e := range es {
		if e != nil {
			live = append(live, e)
		}
	}
	if len(live) == 0 {
		return nil
	}
	if len(live) == 1 {
		return live[0]
	}
	out := &env{vars: map[string]*val{}, parent: base.parent}
	keys := map[string]bool{}
	for _, e := range live {
		for k := range e.vars {
			keys[k] = true
		}
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		var v *val
		for _, e := range live {
			if x, ok := e.vars[k]; ok {
				v = join(v, x)
			} else if x, ok := base.get(k); ok {
				v = join(v, x)
			}
		}
		out.vars[k] = v
	}
	return out
}

// inert reports whether v is a plain constant or empty literal, which adds
// nothing to what it is joined with.
func inert(v *val) bool {
	return len(v.taints) == 0 && v.fn == nil && v.mod == nil && v.q == "" && len(v.fields) == 0
}

// headFixed reports whether a string built with v at its start starts with
// something other than attacker data: a non-empty constant, a configured
// value (environment, constant table), or a string that itself has a
// fixed head.
func headFixed(v *val) bool {
	if v == nil {
		return false
	}
	if s, ok := v.str(); ok {
		return s != ""
	}
	return v.fixedHead || len(v.attacker(ClassSSRF)) == 0 && v.lit == nil
}
