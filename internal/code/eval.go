package code

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/wardensec/warden/internal/code/ir"
	"github.com/wardensec/warden/internal/model"
)

// module is one source file being analysed for one function: its IR, its
// top-level scope after running the top-level statements, and (for JS) its
// exports object.
type module struct {
	ir      *ir.Module
	env     *env
	exports *val // module.exports / exports
	modObj  *val // the `module` object
	js      bool
	loading bool
}

// frame is one function activation: where its returns go.
type frame struct {
	fn  *ir.Func
	mod *module
	ret *val
}

// Limits that keep analysis of hostile or huge code bounded.
const (
	maxCallDepth = 12
	maxCalls     = 4000
	// maxWork bounds the statements and expressions evaluated for one
	// function: past it, analysis stops and reports what it found so far.
	maxWork = 2_000_000
	// maxLoopRepeat is the loop nesting up to which loop bodies run twice
	// (so late assignments reach the start); deeper loops run once, or
	// nested loops would cost 2^depth.
	maxLoopRepeat = 3
)

func (a *analyzer) block(fr *frame, stmts []ir.Stmt, e *env) *env {
	for _, s := range stmts {
		if e == nil {
			return nil
		}
		if a.ctx.Err() != nil || a.work > maxWork {
			return e
		}
		a.work++
		e = a.stmt(fr, s, e)
	}
	return e
}

// stmt runs one statement and returns the scope after it, or nil when the
// path ends (return, raise, break).
func (a *analyzer) stmt(fr *frame, s ir.Stmt, e *env) *env {
	switch s := s.(type) {
	case *ir.ExprStmt:
		a.exprStmt(fr, s, e)
	case *ir.Assign:
		v := a.eval(fr, e, s.Value)
		if s.Op != "" {
			if len(s.Targets) == 1 {
				old := a.eval(fr, e, s.Targets[0])
				v = a.binop(s.Op[:len(s.Op)-1], old, v)
			}
		}
		for _, t := range s.Targets {
			a.assign(fr, e, t, v, s.Value, s.Pos)
		}
	case *ir.Return:
		var v *val
		if s.X != nil {
			v = a.eval(fr, e, s.X)
			a.checkResponse(v, s.Pos)
			v = v.withStep(s.Pos, "returned from "+fnName(fr.fn))
		}
		fr.ret = join(fr.ret, v)
		return nil
	case *ir.Raise:
		if s.X != nil {
			a.eval(fr, e, s.X)
		}
		return nil
	case *ir.Jump:
		return nil
	case *ir.If:
		return a.ifStmt(fr, s, e)
	case *ir.Loop:
		return a.loop(fr, s, e)
	case *ir.Try:
		body := a.block(fr, s.Body, e.clone())
		// A handler may run after any statement of the body.
		start := joinEnvs(e, e, body)
		var outs []*env
		if body != nil {
			outs = append(outs, a.block(fr, s.Else, body))
		}
		for _, c := range s.Catches {
			if c.All && !handles(c.Body) {
				a.swallowed(c.Pos)
			}
			ce := start.clone()
			if c.Name != nil {
				ev := &val{taints: []*taint{{err: true, source: "exception", trail: (*step)(nil).add(c.Pos, "exception caught")}}}
				a.assign(fr, ce, c.Name, ev, nil, c.Pos)
			}
			outs = append(outs, a.block(fr, c.Body, ce))
		}
		out := joinEnvs(e, outs...)
		if len(s.Finally) > 0 {
			fe := out
			if fe == nil {
				fe = start.clone()
			}
			fe = a.block(fr, s.Finally, fe)
			if out != nil {
				out = fe
			}
		}
		return out
	case *ir.FuncDef:
		fv := &funcVal{fn: s.Fn, mod: fr.mod, closure: e}
		e.set(s.Name, &val{fn: fv})
		for _, d := range s.Decorators {
			a.decorator(fr, e, d, fv)
		}
	case *ir.ClassDef:
		cls := &val{fields: map[string]*val{}}
		ce := newEnv(e)
		a.block(fr, s.Body, ce)
		for k, v := range ce.vars {
			cls.fields[k] = v
		}
		e.set(s.Name, cls)
	case *ir.Import:
		a.importStmt(fr, s, e)
	case *ir.Export:
		if fr.mod != nil && fr.mod.exports != nil {
			v := a.eval(fr, e, s.Value)
			exp := a.exportsOf(fr.mod)
			exp.fields[s.Name] = v
		}
	case *ir.Block:
		return a.block(fr, s.Body, e)
	}
	return e
}

func fnName(f *ir.Func) string {
	if f == nil {
		return "module"
	}
	if f.Name == "" {
		return "function"
	}
	return f.Name + "()"
}

func (a *analyzer) exportsOf(m *module) *val {
	if m.modObj != nil {
		if ex := m.modObj.fields["exports"]; ex != nil {
			if ex.fields == nil {
				ex.fields = map[string]*val{}
			}
			return ex
		}
	}
	return m.exports
}

func (a *analyzer) exprStmt(fr *frame, s *ir.ExprStmt, e *env) {
	v := a.eval(fr, e, s.X)
	_ = v
	// Validation calls that raise on bad input (jsonschema.validate) clean
	// the names they checked for the rest of the path.
	if c, ok := s.X.(*ir.Call); ok {
		if name := calleeName(c); name == "validate" || strings.HasSuffix(name, ".validate") {
			for _, x := range c.Args {
				a.narrowName(e, x)
			}
			for _, k := range c.Kw {
				if k.Name == "instance" {
					a.narrowName(e, k.X)
				}
			}
		}
	}
}

func calleeName(c *ir.Call) string {
	switch f := c.Fun.(type) {
	case *ir.Name:
		return f.ID
	case *ir.Attr:
		return f.Name
	}
	return ""
}

func (a *analyzer) narrowName(e *env, x ir.Expr) {
	switch x := x.(type) {
	case *ir.Name:
		if v, ok := e.get(x.ID); ok && v.tainted() {
			e.set(x.ID, v.clear(mAll))
		}
	case *ir.Attr:
		a.narrowField(e, x.X, x.Name, x.Pos)
	case *ir.Index:
		if c, ok := x.Key.(*ir.Const); ok && c.Kind == ir.Str {
			a.narrowField(e, x.X, c.Value, x.Pos)
		}
	}
}

// narrowField cleans name.key in one scope by giving that scope a copy of
// the object with the checked member replaced.
func (a *analyzer) narrowField(e *env, base ir.Expr, key string, pos model.Pos) {
	n, ok := base.(*ir.Name)
	if !ok {
		return
	}
	v, ok := e.get(n.ID)
	if !ok {
		return
	}
	m := a.member(v, key, pos)
	if !m.tainted() {
		return
	}
	c := *v
	c.fields = make(map[string]*val, len(v.fields)+1)
	for k, f := range v.fields {
		c.fields[k] = f
	}
	c.fields[key] = m.clear(mAll)
	e.set(n.ID, &c)
}

func (a *analyzer) ifStmt(fr *frame, s *ir.If, e *env) *env {
	c := a.eval(fr, e, s.Cond)
	if t, known := c.truth(); known {
		// A branch that cannot run is not analysed (dead code).
		if t {
			return a.block(fr, s.Then, e.clone())
		}
		return a.block(fr, s.Else, e.clone())
	}
	thenE, elseE := e.clone(), e.clone()
	a.narrow(s.Cond, thenE, elseE)
	return joinEnvs(e, a.block(fr, s.Then, thenE), a.block(fr, s.Else, elseE))
}

// narrow applies allowlist and validation checks in a condition: in the
// branch where the check passed, the checked variable is clean.
func (a *analyzer) narrow(cond ir.Expr, thenE, elseE *env) {
	switch c := cond.(type) {
	case *ir.Unary:
		if c.Op == "not" || c.Op == "!" {
			a.narrow(c.X, elseE, thenE)
		}
	case *ir.BinOp:
		switch c.Op {
		case "and", "&&":
			a.narrow(c.X, thenE, newEnv(nil))
			a.narrow(c.Y, thenE, newEnv(nil))
		case "or", "||":
			a.narrow(c.X, newEnv(nil), elseE)
			a.narrow(c.Y, newEnv(nil), elseE)
		case "in":
			a.narrowName(thenE, c.X)
		case "not in":
			a.narrowName(elseE, c.X)
		case "==", "===", "is":
			if isConst(c.Y) {
				a.narrowName(thenE, c.X)
				if u, ok := c.X.(*ir.Unary); ok && u.Op == "typeof" {
					if k, ok := c.Y.(*ir.Const); ok && (k.Value == "number" || k.Value == "boolean") {
						a.narrowName(thenE, u.X)
					}
				}
			}
		case "!=", "!==", "is not":
			if isConst(c.Y) {
				a.narrowName(elseE, c.X)
			}
		}
	case *ir.Call:
		name := calleeName(c)
		switch name {
		case "includes", "has", "test", "match", "fullmatch", "validate", "isValid", "is_valid",
			"isdigit", "isalnum", "isnumeric", "isdecimal", "isidentifier", "isalpha", "isInteger", "isSafeInteger",
			"isinstance", "isUUID", "isAlphanumeric", "isNumeric", "isInt", "isEmail":
			for _, x := range c.Args {
				if name == "isinstance" {
					a.narrowName(thenE, x)
					break
				}
				a.narrowName(thenE, x)
			}
			if at, ok := c.Fun.(*ir.Attr); ok && strings.HasPrefix(name, "is") && len(c.Args) == 0 {
				a.narrowName(thenE, at.X)
			}
		}
	}
}

func isConst(x ir.Expr) bool {
	_, ok := x.(*ir.Const)
	return ok
}

func (a *analyzer) loop(fr *frame, s *ir.Loop, e *env) *env {
	var it *val
	if s.Iter != nil {
		it = a.eval(fr, e, s.Iter)
	}
	if s.Cond != nil {
		a.eval(fr, e, s.Cond)
	}
	cur := e
	// Twice, so that values assigned late in the body reach its start.
	rounds := 2
	if a.loops >= maxLoopRepeat {
		rounds = 1
	}
	a.loops++
	defer func() { a.loops-- }()
	for i := 0; i < rounds; i++ {
		be := cur.clone()
		if s.Target != nil {
			a.assign(fr, be, s.Target, a.elem(it, s.Target.At()), nil, s.Target.At())
		}
		out := a.block(fr, s.Body, be)
		next := joinEnvs(e, cur, out)
		if next == nil {
			break
		}
		cur = next
	}
	if len(s.Else) > 0 {
		return a.block(fr, s.Else, cur)
	}
	return cur
}

// elem is the value of one element of a container.
func (a *analyzer) elem(v *val, pos model.Pos) *val {
	if v == nil {
		return &val{}
	}
	if v.ev != nil {
		return a.evVal(v.ev.child("*"), pos)
	}
	out := derive(v)
	if v.fields != nil && len(v.taints) == 0 {
		for _, f := range v.fields {
			out.taints = addTaints(out.taints, f.taints...)
			if f.ev != nil && len(v.fields) == 1 {
				return f
			}
		}
	}
	return out
}

// assign binds v to a target: a name, a pattern, or an attribute or index
// of an object (which is updated in place: objects are shared).
func (a *analyzer) assign(fr *frame, e *env, t ir.Expr, v *val, src ir.Expr, pos model.Pos) {
	if v == nil {
		v = &val{}
	}
	switch t := t.(type) {
	case *ir.Name:
		e.set(t.ID, v.withStep(t.Pos, "assigned to "+t.ID))
	case *ir.Seq:
		if s, ok := src.(*ir.Seq); ok && len(s.Elems) == len(t.Elems) {
			for i, x := range t.Elems {
				a.assign(fr, e, x, a.eval(fr, e, s.Elems[i]), s.Elems[i], pos)
			}
			return
		}
		for i, x := range t.Elems {
			if sp, ok := x.(*ir.Spread); ok {
				a.assign(fr, e, sp.X, derive(v), nil, pos)
				continue
			}
			ev := a.elem(v, x.At())
			if f := v.fields[strconv.Itoa(i)]; f != nil {
				ev = f
			} else if i == 0 && v.q != "" && fr != nil && fr.mod != nil && fr.mod.ir.Lang == "go" {
				// A Go call's value stands for its first result, as in
				// `t, err := f()`: `t, _ := template.ParseFiles(...)`
				// keeps where t came from too.
				c := *ev
				c.q = v.q
				ev = &c
			}
			a.assign(fr, e, x, ev, nil, pos)
		}
	case *ir.Dict:
		// Object pattern: { body, headers: h, x = 1, ...rest }.
		for i, k := range t.Keys {
			if k == nil {
				a.assign(fr, e, t.Values[i], derive(v), nil, pos)
				continue
			}
			key, ok := a.constKey(fr, e, k)
			if !ok {
				a.assign(fr, e, t.Values[i], derive(v), nil, pos)
				continue
			}
			a.assign(fr, e, t.Values[i], a.member(v, key, k.At()), nil, pos)
		}
	case *ir.Attr:
		obj := a.eval(fr, e, t.X)
		a.setField(obj, t.Name, v)
	case *ir.Index:
		obj := a.eval(fr, e, t.X)
		if key, ok := a.constKey(fr, e, t.Key); ok {
			a.setField(obj, key, v)
		} else {
			obj.taints = addTaints(obj.taints, v.taints...)
		}
	case *ir.Spread:
		a.assign(fr, e, t.X, v, src, pos)
	case *ir.Walrus:
		a.assign(fr, e, t.Target, v, src, pos)
	case *ir.Lambda, *ir.Const:
	default:
		// Assignment with a default (JS `{ a = 1 }` lowered as Walrus) or
		// something unusual: evaluate for effects only.
		a.eval(fr, e, t)
	}
}

func (a *analyzer) setField(obj *val, key string, v *val) {
	if obj == nil {
		return
	}
	if obj.fields == nil {
		obj.fields = map[string]*val{}
	}
	obj.fields[key] = v
	// A container holding tainted data is tainted as a whole.
	obj.taints = addTaints(obj.taints, v.taints...)
}

func (a *analyzer) constKey(fr *frame, e *env, k ir.Expr) (string, bool) {
	if c, ok := k.(*ir.Const); ok {
		if c.Kind == ir.Num {
			return "*", true
		}
		return c.Value, true
	}
	return "", false
}

// member is v.key or v[key] for a constant key.
func (a *analyzer) member(v *val, key string, pos model.Pos) *val {
	if v == nil {
		return &val{}
	}
	if f, ok := v.fields[key]; ok && v.ev != nil {
		return f
	}
	if v.ev != nil && v.facade {
		return a.facadeMember(v, key, pos)
	}
	if v.ev != nil {
		return a.evVal(v.ev.child(key), pos)
	}
	if isWebApp(v.q) && (key == "current_event" || key == "current_request") {
		out := a.evVal(&evPath{root: "event"}, pos)
		out.facade = true
		return out
	}
	if v.mod != nil {
		if m, ok := v.mod.env.get(key); ok {
			return m
		}
		if v.mod.js {
			if f := a.exportsOf(v.mod).fields[key]; f != nil {
				return f
			}
		}
		return &val{}
	}
	if f, ok := v.fields[key]; ok {
		if f.fn != nil && f.fn.fn.Method && f.fn.self == nil {
			bound := *f.fn
			bound.self = v
			return &val{fn: &bound}
		}
		return f
	}
	if v.q != "" {
		return &val{q: v.q + "." + key, taints: v.taints}
	}
	if len(a.goMethods) > 0 {
		if m := a.goMethod(v, key); m != nil {
			return m
		}
	}
	out := derive(v)
	out.resp = v.resp
	return out
}

// evVal is a part of a handler argument; it is tainted when its path is (or
// contains) an attacker-controlled part for the function's triggers.
func (a *analyzer) evVal(p *evPath, pos model.Pos) *val {
	v := &val{ev: p}
	for _, sp := range a.sources {
		inside, contains := sp.match(p.root, p.segs)
		if !inside && !contains {
			continue
		}
		label := p.String()
		if inside {
			a.sourcesUsed[label] = true
		}
		v.taints = addTaints(v.taints, &taint{source: label, trail: (*step)(nil).add(pos, "source: "+label)})
		break
	}
	return v
}

func (a *analyzer) eval(fr *frame, e *env, x ir.Expr) *val {
	if x == nil || a.work > maxWork {
		return &val{}
	}
	a.work++
	switch x := x.(type) {
	case *ir.Name:
		if v, ok := e.get(x.ID); ok {
			return v
		}
		return &val{q: x.ID}
	case *ir.Const:
		v := &val{lit: x}
		if x.Kind == ir.Str {
			v.prefix = x.Value
		}
		return v
	case *ir.Attr:
		return a.member(a.eval(fr, e, x.X), x.Name, x.Pos)
	case *ir.Index:
		obj := a.eval(fr, e, x.X)
		kv := a.eval(fr, e, x.Key)
		if s, ok := kv.str(); ok {
			if kv.lit.Kind == ir.Num {
				s = "*"
			}
			return a.member(obj, s, x.Pos)
		}
		if obj.ev != nil {
			return a.evVal(obj.ev.child("*"), x.Pos)
		}
		return derive(obj)
	case *ir.Call:
		return a.call(fr, e, x)
	case *ir.BinOp:
		l := a.eval(fr, e, x.X)
		r := a.eval(fr, e, x.Y)
		return a.binop(x.Op, l, r)
	case *ir.Unary:
		v := a.eval(fr, e, x.X)
		switch x.Op {
		case "not", "!":
			if t, known := v.truth(); known {
				return &val{lit: boolConst(!t)}
			}
			return &val{}
		case "-", "+", "~", "typeof", "void", "delete":
			return &val{}
		}
		return v
	case *ir.Format:
		out := &val{built: true}
		fixed := true
		for i, p := range x.Parts {
			v := a.eval(fr, e, p)
			if i == 0 {
				out.fixedHead = headFixed(v)
			}
			out.taints = addTaints(out.taints, v.taints...)
			if s, ok := v.str(); ok && fixed {
				out.prefix += s
			} else {
				if fixed {
					out.prefix += v.prefix
				}
				fixed = false
			}
		}
		return out
	case *ir.Seq:
		out := &val{seq: true, fields: map[string]*val{}}
		for i, el := range x.Elems {
			v := a.eval(fr, e, el)
			out.taints = addTaints(out.taints, v.taints...)
			out.fields[strconv.Itoa(i)] = v
		}
		return out
	case *ir.Dict:
		out := &val{fields: map[string]*val{}}
		for i, k := range x.Keys {
			v := a.eval(fr, e, x.Values[i])
			out.taints = addTaints(out.taints, v.taints...)
			if k == nil {
				for fk, fv := range v.fields {
					out.fields[fk] = fv
				}
				continue
			}
			if key, ok := a.constKey(fr, e, k); ok {
				out.fields[key] = v
			} else {
				a.eval(fr, e, k)
			}
		}
		a.checkObject(out, x.Pos)
		return out
	case *ir.Lambda:
		return &val{fn: &funcVal{fn: x.Fn, mod: fr.mod, closure: e}}
	case *ir.Cond:
		t := a.eval(fr, e, x.Test)
		if b, known := t.truth(); known {
			if b {
				return a.eval(fr, e, x.Then)
			}
			return a.eval(fr, e, x.Else)
		}
		return join(a.eval(fr, e, x.Then), a.eval(fr, e, x.Else))
	case *ir.Comp:
		ce := newEnv(e)
		for i, t := range x.Targets {
			it := a.eval(fr, ce, x.Iters[i])
			a.assign(fr, ce, t, a.elem(it, t.At()), nil, t.At())
		}
		for _, c := range x.Conds {
			a.eval(fr, ce, c)
		}
		return derive(a.eval(fr, ce, x.Elt))
	case *ir.Spread:
		return a.eval(fr, e, x.X)
	case *ir.Walrus:
		v := a.eval(fr, e, x.Value)
		a.assign(fr, e, x.Target, v, x.Value, x.Pos)
		return v
	case *ir.ErrValue:
		return &val{taints: []*taint{{err: true, source: "exception", trail: (*step)(nil).add(x.Pos, "error value")}}}
	case *ir.Opaque:
		out := &val{}
		for _, k := range x.Kids {
			out.taints = addTaints(out.taints, a.eval(fr, e, k).taints...)
		}
		return out
	}
	return &val{}
}

func boolConst(b bool) *ir.Const {
	return &ir.Const{Kind: ir.Bool, Value: strconv.FormatBool(b)}
}

// conditionsPrefix marks boto3 condition builders: Attr('x').eq(v) is a
// parameterized DynamoDB expression, not a string.
const conditionsPrefix = "boto3.dynamodb.conditions"

func (a *analyzer) binop(op string, l, r *val) *val {
	switch op {
	case "+":
		out := derive(l, r)
		ls, lok := l.str()
		_, rok := r.str()
		if lok && rok && l.lit.Kind == ir.Str && r.lit.Kind == ir.Str {
			return &val{lit: &ir.Const{Kind: ir.Str, Value: ls + r.lit.Value}, prefix: ls + r.lit.Value}
		}
		out.built = true
		if lok && l.lit.Kind == ir.Str {
			out.prefix = ls + r.prefix
			out.fixedHead = ls != "" || r.fixedHead
		} else {
			out.prefix = l.prefix
			out.fixedHead = headFixed(l)
		}
		return out
	case "%":
		out := derive(l, r)
		if s, ok := l.str(); ok && l.lit.Kind == ir.Str {
			out.built = true
			out.prefix, _, _ = strings.Cut(s, "%")
			out.fixedHead = out.prefix != ""
		}
		return out
	case "and", "or", "&&", "||", "??":
		if t, known := l.truth(); known {
			if (op == "and" || op == "&&") != t {
				return l
			}
			return r
		}
		out := join(l, r)
		return out
	case "==", "!=", "===", "!==", "<", ">", "<=", ">=", "in", "not in", "is", "is not", "instanceof", "cmp":
		return &val{}
	case "&", "|":
		out := derive(l, r)
		if strings.HasPrefix(l.q, conditionsPrefix) {
			out.q = l.q
		}
		return out
	}
	return derive(l, r)
}

// sig summarises the arguments of a call for memoisation: the same callee
// with the same kinds of taint gives the same result.
func sig(args []*val) string {
	var b strings.Builder
	for _, v := range args {
		b.WriteByte('|')
		if v == nil {
			continue
		}
		for _, t := range v.taints {
			fmt.Fprintf(&b, "%t:%s:%d;", t.err, t.source, t.cleared)
		}
		if v.ev != nil {
			b.WriteString(v.ev.String())
		}
		if v.fn != nil {
			fmt.Fprintf(&b, "f%p", v.fn.fn)
		}
		if v.resp {
			b.WriteString("R")
		}
		if v.cb {
			b.WriteString("C")
		}
		if v.parsed {
			b.WriteString("P")
		}
		b.WriteString(v.q)
	}
	return b.String()
}

// callFunc analyses a call of a function defined in the scanned code. It is
// memoised per argument signature and bounded in depth and count, which
// keeps recursion and huge call graphs finite.
func (a *analyzer) callFunc(fv *funcVal, args []*val, kw map[string]*val, pos model.Pos) *val {
	if fv.self != nil && fv.fn.Method {
		args = append([]*val{fv.self}, args...)
	}
	if a.depth >= maxCallDepth || a.calls >= maxCalls {
		return derive(args...)
	}
	key := fmt.Sprintf("%p%s", fv.fn, sig(args))
	if r, ok := a.memo[key]; ok {
		return r
	}
	a.memo[key] = &val{}
	a.calls++
	a.depth++
	defer func() { a.depth-- }()
	e := newEnv(fv.closure)
	name := fnName(fv.fn)
	for i, p := range fv.fn.Params {
		var v *val
		switch {
		case p.Rest:
			v = derive(args[min(i, len(args)):]...)
		case p.KwRest:
			v = &val{}
			for _, x := range kw {
				v.taints = addTaints(v.taints, x.taints...)
			}
		case kw[p.Name] != nil:
			v = kw[p.Name]
		case i < len(args):
			v = args[i]
		case p.Default != nil:
			v = a.eval(&frame{fn: fv.fn, mod: fv.mod}, e, p.Default)
		default:
			v = &val{}
		}
		if p.Pattern != nil {
			a.assign(&frame{fn: fv.fn, mod: fv.mod}, e, p.Pattern, v.withStep(p.Pos, "argument of "+name), nil, p.Pos)
			continue
		}
		if p.Name != "" {
			e.set(p.Name, v.withStep(p.Pos, "parameter "+p.Name+" of "+name))
		}
	}
	fr := &frame{fn: fv.fn, mod: fv.mod}
	a.block(fr, fv.fn.Body, e)
	r := fr.ret
	if r == nil {
		r = &val{}
	}
	a.memo[key] = r
	return r
}
