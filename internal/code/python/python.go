//go:build cgo

// Package python lowers Python 3 source into Warden's code IR with the
// tree-sitter Python grammar, which parses the syntax Lambda code uses
// today (f-strings, match, walrus, async, PEP 695) where the pure-Go
// parsers stop at Python 3.4.
package python

import (
	"strings"

	ts "github.com/tree-sitter/go-tree-sitter"
	tspy "github.com/tree-sitter/tree-sitter-python/bindings/go"

	"github.com/wardensec/warden/internal/code/ir"
	"github.com/wardensec/warden/internal/code/tsutil"
)

var language = ts.NewLanguage(tspy.Language())

// Parse parses one Python file. Syntax errors do not fail the parse: the
// module holds what parsed and lists the error positions.
func Parse(path string, src []byte) (*ir.Module, error) {
	l := &lowerer{file: path, src: src}
	return tsutil.ParseModule(language, "python", path, src, func(root *ts.Node) []ir.Stmt { return l.block(root, 0) })
}

type lowerer struct {
	file string
	src  []byte
}

func (l *lowerer) pos(n *ts.Node) ir.Pos  { return tsutil.Pos(l.file, n.StartPosition()) }
func (l *lowerer) text(n *ts.Node) string { return tsutil.Text(n, l.src) }

func (l *lowerer) block(n *ts.Node, d int) []ir.Stmt {
	if n == nil {
		return nil
	}
	var out []ir.Stmt
	for _, c := range tsutil.Named(n) {
		out = append(out, l.stmt(c, d+1)...)
	}
	return out
}

func (l *lowerer) stmt(n *ts.Node, d int) []ir.Stmt {
	if d > tsutil.MaxDepth {
		return nil
	}
	f := n.ChildByFieldName
	switch n.Kind() {
	case "expression_statement":
		var out []ir.Stmt
		for _, c := range tsutil.Named(n) {
			switch c.Kind() {
			case "assignment", "augmented_assignment":
				out = append(out, l.assign(c, d))
			default:
				out = append(out, &ir.ExprStmt{X: l.expr(c, d)})
			}
		}
		return out
	case "return_statement":
		r := &ir.Return{Pos: l.pos(n)}
		if k := tsutil.Named(n); len(k) > 0 {
			r.X = l.exprList(k, n, d)
		}
		return []ir.Stmt{r}
	case "raise_statement":
		r := &ir.Raise{Pos: l.pos(n)}
		if k := tsutil.Named(n); len(k) > 0 {
			r.X = l.expr(k[0], d)
		}
		return []ir.Stmt{r}
	case "break_statement", "continue_statement":
		return []ir.Stmt{&ir.Jump{Pos: l.pos(n)}}
	case "if_statement":
		return []ir.Stmt{l.ifStmt(n, d)}
	case "for_statement":
		lp := &ir.Loop{Pos: l.pos(n), Target: l.expr(f("left"), d), Iter: l.expr(f("right"), d), Body: l.block(f("body"), d)}
		if e := f("alternative"); e != nil {
			lp.Else = l.block(e.ChildByFieldName("body"), d)
		}
		return []ir.Stmt{lp}
	case "while_statement":
		lp := &ir.Loop{Pos: l.pos(n), Cond: l.expr(f("condition"), d), Body: l.block(f("body"), d)}
		if e := f("alternative"); e != nil {
			lp.Else = l.block(e.ChildByFieldName("body"), d)
		}
		return []ir.Stmt{lp}
	case "try_statement":
		t := &ir.Try{Pos: l.pos(n), Body: l.block(f("body"), d)}
		for _, c := range tsutil.Named(n) {
			switch c.Kind() {
			case "except_clause", "except_group_clause":
				ct := ir.Catch{Pos: l.pos(c), All: true}
				for _, k := range tsutil.Named(c) {
					switch k.Kind() {
					case "block":
						ct.Body = l.block(k, d)
					case "as_pattern":
						if a := k.ChildByFieldName("alias"); a != nil {
							ct.Name = l.target(a, d)
						}
						if typ := firstNamed(k); typ != nil {
							ct.All = catchAll(l.text(typ))
						}
					default:
						ct.All = catchAll(l.text(k))
					}
				}
				if a := c.ChildByFieldName("alias"); a != nil && ct.Name == nil {
					ct.Name = l.target(a, d)
				}
				t.Catches = append(t.Catches, ct)
			case "else_clause":
				t.Else = l.block(c.ChildByFieldName("body"), d)
			case "finally_clause":
				for _, k := range tsutil.Named(c) {
					if k.Kind() == "block" {
						t.Finally = l.block(k, d)
					}
				}
			}
		}
		return []ir.Stmt{t}
	case "with_statement":
		var out []ir.Stmt
		for _, c := range tsutil.Named(n) {
			if c.Kind() != "with_clause" {
				continue
			}
			for _, item := range tsutil.Named(c) {
				v := item.ChildByFieldName("value")
				if v == nil {
					continue
				}
				if v.Kind() == "as_pattern" {
					x := tsutil.Named(v)
					if len(x) > 0 {
						if a := v.ChildByFieldName("alias"); a != nil {
							out = append(out, &ir.Assign{Pos: l.pos(v), Targets: []ir.Expr{l.target(a, d)}, Value: l.expr(x[0], d)})
							continue
						}
					}
				}
				out = append(out, &ir.ExprStmt{X: l.expr(v, d)})
			}
		}
		return append(out, &ir.Block{Body: l.block(f("body"), d)})
	case "function_definition":
		fn := l.function(n, d)
		return []ir.Stmt{&ir.FuncDef{Name: fn.Name, Fn: fn}}
	case "decorated_definition":
		if def := f("definition"); def != nil {
			out := l.stmt(def, d)
			if len(out) == 1 {
				if fd, ok := out[0].(*ir.FuncDef); ok {
					for _, k := range tsutil.Named(n) {
						if k.Kind() == "decorator" {
							if x := firstNamed(k); x != nil {
								fd.Decorators = append(fd.Decorators, l.expr(x, d))
							}
						}
					}
				}
			}
			return out
		}
	case "class_definition":
		c := &ir.ClassDef{Pos: l.pos(n), Name: l.text(f("name"))}
		for _, s := range l.block(f("body"), d) {
			if fd, ok := s.(*ir.FuncDef); ok {
				fd.Fn.Method = true
			}
			c.Body = append(c.Body, s)
		}
		return []ir.Stmt{c}
	case "import_statement":
		var out []ir.Stmt
		for _, c := range tsutil.Named(n) {
			im := &ir.Import{Pos: l.pos(n)}
			switch c.Kind() {
			case "aliased_import":
				im.Module = l.text(c.ChildByFieldName("name"))
				im.Alias = l.text(c.ChildByFieldName("alias"))
			default:
				im.Module = l.text(c)
				im.Bind, _, _ = strings.Cut(im.Module, ".")
			}
			out = append(out, im)
		}
		return out
	case "import_from_statement", "future_import_statement":
		im := &ir.Import{Pos: l.pos(n)}
		mod := f("module_name")
		if mod != nil && mod.Kind() == "relative_import" {
			for _, k := range tsutil.Named(mod) {
				switch k.Kind() {
				case "import_prefix":
					im.Level = strings.Count(l.text(k), ".")
				case "dotted_name":
					im.Module = l.text(k)
				}
			}
		} else {
			im.Module = l.text(mod)
		}
		for _, c := range tsutil.Named(n) {
			if mod != nil && c.StartByte() == mod.StartByte() && c.Kind() == mod.Kind() {
				continue
			}
			switch c.Kind() {
			case "dotted_name":
				im.Names = append(im.Names, ir.ImportName{Name: l.text(c), As: l.text(c)})
			case "aliased_import":
				im.Names = append(im.Names, ir.ImportName{Name: l.text(c.ChildByFieldName("name")), As: l.text(c.ChildByFieldName("alias"))})
			case "wildcard_import":
				im.Star = true
			}
		}
		return []ir.Stmt{im}
	case "match_statement":
		subj := l.expr(f("subject"), d)
		var branches [][]ir.Stmt
		if body := f("body"); body != nil {
			for _, c := range tsutil.Named(body) {
				if c.Kind() != "case_clause" {
					continue
				}
				var bs []ir.Stmt
				// Names captured by the pattern take (part of) the subject.
				for _, name := range l.captures(c, nil, d) {
					bs = append(bs, &ir.Assign{Pos: name.Pos, Targets: []ir.Expr{name}, Value: subj})
				}
				bs = append(bs, l.block(c.ChildByFieldName("consequence"), d)...)
				branches = append(branches, bs)
			}
		}
		// A match is a chain of ifs with unknown conditions.
		var chain []ir.Stmt
		for i := len(branches) - 1; i >= 0; i-- {
			chain = []ir.Stmt{&ir.If{Pos: l.pos(n), Cond: &ir.Opaque{Pos: l.pos(n), Kids: []ir.Expr{subj}}, Then: branches[i], Else: chain}}
		}
		return chain
	case "block", "module":
		return l.block(n, d)
	case "global_statement", "nonlocal_statement", "pass_statement", "comment", "type_alias_statement", "print_statement", "exec_statement":
		if n.Kind() == "exec_statement" {
			// Python 2's exec statement; still evaluate its operand.
			return []ir.Stmt{&ir.ExprStmt{X: l.call("exec", n, d)}}
		}
		return nil
	case "delete_statement", "assert_statement":
		var kids []ir.Expr
		for _, c := range tsutil.Named(n) {
			kids = append(kids, l.expr(c, d))
		}
		return []ir.Stmt{&ir.ExprStmt{X: &ir.Opaque{Pos: l.pos(n), Kids: kids}}}
	case "ERROR":
		// Keep whatever statements the error node still holds.
		var out []ir.Stmt
		for _, c := range tsutil.Named(n) {
			out = append(out, l.stmt(c, d+1)...)
		}
		return out
	}
	if strings.HasSuffix(n.Kind(), "_statement") {
		return nil
	}
	return []ir.Stmt{&ir.ExprStmt{X: l.expr(n, d)}}
}

// call builds a call of a builtin over n's named children (for statement
// forms of what are calls in Python 3).
func (l *lowerer) call(name string, n *ts.Node, d int) ir.Expr {
	c := &ir.Call{Pos: l.pos(n), Fun: &ir.Name{Pos: l.pos(n), ID: name}}
	for _, k := range tsutil.Named(n) {
		c.Args = append(c.Args, l.expr(k, d))
	}
	return c
}

func (l *lowerer) captures(n *ts.Node, out []*ir.Name, d int) []*ir.Name {
	if d > tsutil.MaxDepth || n == nil {
		return out
	}
	for _, c := range tsutil.Named(n) {
		switch c.Kind() {
		case "block":
			continue
		case "identifier":
			if p := c.Parent(); p != nil && p.Kind() != "dotted_name" && p.Kind() != "keyword_pattern" {
				out = append(out, &ir.Name{Pos: l.pos(c), ID: l.text(c)})
			} else if p != nil && p.Kind() == "keyword_pattern" {
				continue
			}
		case "dotted_name":
			// A bare dotted_name of one identifier is a capture; longer ones
			// are value patterns.
			if k := tsutil.Named(c); len(k) == 1 {
				out = append(out, &ir.Name{Pos: l.pos(c), ID: l.text(c)})
			}
		default:
			out = l.captures(c, out, d+1)
		}
	}
	return out
}

func (l *lowerer) ifStmt(n *ts.Node, d int) *ir.If {
	s := &ir.If{Pos: l.pos(n), Cond: l.expr(n.ChildByFieldName("condition"), d), Then: l.block(n.ChildByFieldName("consequence"), d)}
	// alternative is repeated: elif clauses then an else clause.
	cur := s
	var alts []*ts.Node
	for i := uint(0); i < n.NamedChildCount(); i++ {
		k := n.NamedChild(i)
		if k.Kind() == "elif_clause" || k.Kind() == "else_clause" {
			alts = append(alts, k)
		}
	}
	for _, a := range alts {
		if a.Kind() == "elif_clause" {
			next := &ir.If{Pos: l.pos(a), Cond: l.expr(a.ChildByFieldName("condition"), d), Then: l.block(a.ChildByFieldName("consequence"), d)}
			cur.Else = []ir.Stmt{next}
			cur = next
		} else {
			cur.Else = l.block(a.ChildByFieldName("body"), d)
		}
	}
	return s
}

func (l *lowerer) function(n *ts.Node, d int) *ir.Func {
	fn := &ir.Func{Name: l.text(n.ChildByFieldName("name")), Pos: l.pos(n)}
	fn.Params = l.params(n.ChildByFieldName("parameters"), d)
	body := n.ChildByFieldName("body")
	if n.Kind() == "lambda" {
		if body != nil {
			fn.Body = []ir.Stmt{&ir.Return{Pos: l.pos(body), X: l.expr(body, d)}}
		}
		return fn
	}
	fn.Body = l.block(body, d)
	return fn
}

func (l *lowerer) params(n *ts.Node, d int) []ir.Param {
	var out []ir.Param
	for _, c := range tsutil.Named(n) {
		p := ir.Param{Pos: l.pos(c)}
		switch c.Kind() {
		case "identifier":
			p.Name = l.text(c)
		case "typed_parameter":
			for _, k := range tsutil.Named(c) {
				switch k.Kind() {
				case "identifier":
					p.Name = l.text(k)
				case "list_splat_pattern":
					p.Name, p.Rest = l.text(firstNamed(k)), true
				case "dictionary_splat_pattern":
					p.Name, p.KwRest = l.text(firstNamed(k)), true
				}
				if p.Name != "" {
					break
				}
			}
		case "default_parameter", "typed_default_parameter":
			p.Name = l.text(c.ChildByFieldName("name"))
			p.Default = l.expr(c.ChildByFieldName("value"), d)
		case "list_splat_pattern":
			p.Name, p.Rest = l.text(firstNamed(c)), true
		case "dictionary_splat_pattern":
			p.Name, p.KwRest = l.text(firstNamed(c)), true
		default:
			continue
		}
		out = append(out, p)
	}
	return out
}

func firstNamed(n *ts.Node) *ts.Node {
	if k := tsutil.Named(n); len(k) > 0 {
		return k[0]
	}
	return nil
}

func (l *lowerer) assign(n *ts.Node, d int) ir.Stmt {
	a := &ir.Assign{Pos: l.pos(n)}
	left, right := n.ChildByFieldName("left"), n.ChildByFieldName("right")
	if n.Kind() == "augmented_assignment" {
		a.Op = l.text(n.ChildByFieldName("operator"))
	}
	// a = b = c nests: the right side is itself an assignment.
	for right != nil && right.Kind() == "assignment" {
		a.Targets = append(a.Targets, l.target(left, d))
		left, right = right.ChildByFieldName("left"), right.ChildByFieldName("right")
	}
	a.Targets = append(a.Targets, l.target(left, d))
	if right != nil {
		a.Value = l.expr(right, d)
	}
	return a
}

// target lowers an assignment target or pattern.
func (l *lowerer) target(n *ts.Node, d int) ir.Expr {
	if n == nil {
		return &ir.Opaque{}
	}
	switch n.Kind() {
	case "pattern_list", "tuple_pattern", "list_pattern", "expression_list", "tuple", "list":
		s := &ir.Seq{Pos: l.pos(n)}
		for _, c := range tsutil.Named(n) {
			s.Elems = append(s.Elems, l.target(c, d+1))
		}
		return s
	case "list_splat_pattern", "list_splat":
		return &ir.Spread{Pos: l.pos(n), X: l.target(firstNamed(n), d+1)}
	case "as_pattern_target", "parenthesized_expression":
		if k := firstNamed(n); k != nil {
			return l.target(k, d+1)
		}
	}
	return l.expr(n, d)
}

func (l *lowerer) exprList(k []*ts.Node, n *ts.Node, d int) ir.Expr {
	if len(k) == 1 {
		return l.expr(k[0], d)
	}
	s := &ir.Seq{Pos: l.pos(n)}
	for _, c := range k {
		s.Elems = append(s.Elems, l.expr(c, d))
	}
	return s
}

func (l *lowerer) expr(n *ts.Node, d int) ir.Expr {
	if n == nil {
		return &ir.Opaque{}
	}
	p := l.pos(n)
	if d > tsutil.MaxDepth {
		return &ir.Opaque{Pos: p}
	}
	d++
	f := n.ChildByFieldName
	switch n.Kind() {
	case "identifier":
		return &ir.Name{Pos: p, ID: l.text(n)}
	case "string":
		return l.str(n, d)
	case "concatenated_string":
		fm := &ir.Format{Pos: p}
		for _, c := range tsutil.Named(n) {
			fm.Parts = append(fm.Parts, l.str(c, d))
		}
		return fm
	case "integer", "float":
		return &ir.Const{Pos: p, Kind: ir.Num, Value: l.text(n)}
	case "true", "false":
		return &ir.Const{Pos: p, Kind: ir.Bool, Value: strings.ToLower(l.text(n))}
	case "none":
		return &ir.Const{Pos: p, Kind: ir.Null}
	case "attribute":
		return &ir.Attr{Pos: p, X: l.expr(f("object"), d), Name: l.text(f("attribute"))}
	case "subscript":
		x := l.expr(f("value"), d)
		kids := tsutil.Named(n)
		if len(kids) == 2 {
			return &ir.Index{Pos: p, X: x, Key: l.expr(kids[1], d)}
		}
		o := &ir.Opaque{Pos: p}
		for _, k := range kids[min(1, len(kids)):] {
			o.Kids = append(o.Kids, l.expr(k, d))
		}
		return &ir.Index{Pos: p, X: x, Key: o}
	case "call":
		c := &ir.Call{Pos: p, Fun: l.expr(f("function"), d)}
		args := f("arguments")
		if args != nil && args.Kind() == "generator_expression" {
			c.Args = append(c.Args, l.expr(args, d))
			return c
		}
		for _, a := range tsutil.Named(args) {
			switch a.Kind() {
			case "keyword_argument":
				c.Kw = append(c.Kw, ir.Keyword{Name: l.text(a.ChildByFieldName("name")), X: l.expr(a.ChildByFieldName("value"), d)})
			case "dictionary_splat":
				c.Kw = append(c.Kw, ir.Keyword{X: l.expr(firstNamed(a), d)})
			default:
				c.Args = append(c.Args, l.expr(a, d))
			}
		}
		return c
	case "binary_operator":
		return &ir.BinOp{Pos: p, Op: l.text(f("operator")), X: l.expr(f("left"), d), Y: l.expr(f("right"), d)}
	case "boolean_operator":
		return &ir.BinOp{Pos: p, Op: l.text(f("operator")), X: l.expr(f("left"), d), Y: l.expr(f("right"), d)}
	case "comparison_operator":
		kids := tsutil.Named(n)
		if len(kids) == 2 {
			op := ""
			for i := uint(0); i < n.ChildCount(); i++ {
				c := n.Child(i)
				if !c.IsNamed() {
					op = strings.Join(strings.Fields(op+" "+c.Kind()), " ")
				}
			}
			return &ir.BinOp{Pos: p, Op: op, X: l.expr(kids[0], d), Y: l.expr(kids[1], d)}
		}
		o := &ir.Opaque{Pos: p}
		for _, c := range kids {
			o.Kids = append(o.Kids, l.expr(c, d))
		}
		return &ir.BinOp{Pos: p, Op: "cmp", X: o, Y: &ir.Const{Pos: p, Kind: ir.Bool, Value: "true"}}
	case "not_operator":
		return &ir.Unary{Pos: p, Op: "not", X: l.expr(f("argument"), d)}
	case "unary_operator":
		return &ir.Unary{Pos: p, Op: l.text(f("operator")), X: l.expr(f("argument"), d)}
	case "await":
		return l.expr(firstNamed(n), d)
	case "parenthesized_expression":
		if k := tsutil.Named(n); len(k) == 1 {
			return l.expr(k[0], d)
		}
	case "conditional_expression":
		k := tsutil.Named(n)
		if len(k) == 3 {
			return &ir.Cond{Pos: p, Then: l.expr(k[0], d), Test: l.expr(k[1], d), Else: l.expr(k[2], d)}
		}
	case "list", "tuple", "set", "expression_list", "pattern_list":
		s := &ir.Seq{Pos: p}
		for _, c := range tsutil.Named(n) {
			s.Elems = append(s.Elems, l.expr(c, d))
		}
		return s
	case "dictionary":
		m := &ir.Dict{Pos: p}
		for _, c := range tsutil.Named(n) {
			switch c.Kind() {
			case "pair":
				m.Keys = append(m.Keys, l.expr(c.ChildByFieldName("key"), d))
				m.Values = append(m.Values, l.expr(c.ChildByFieldName("value"), d))
			case "dictionary_splat":
				m.Keys = append(m.Keys, nil)
				m.Values = append(m.Values, l.expr(firstNamed(c), d))
			}
		}
		return m
	case "list_splat", "dictionary_splat", "list_splat_pattern":
		return &ir.Spread{Pos: p, X: l.expr(firstNamed(n), d)}
	case "lambda":
		return &ir.Lambda{Pos: p, Fn: l.function(n, d)}
	case "named_expression":
		return &ir.Walrus{Pos: p, Target: l.target(f("name"), d), Value: l.expr(f("value"), d)}
	case "list_comprehension", "set_comprehension", "generator_expression", "dictionary_comprehension":
		c := &ir.Comp{Pos: p}
		body := f("body")
		if body != nil && body.Kind() == "pair" {
			c.Elt = &ir.Seq{Pos: p, Elems: []ir.Expr{l.expr(body.ChildByFieldName("key"), d), l.expr(body.ChildByFieldName("value"), d)}}
		} else {
			c.Elt = l.expr(body, d)
		}
		for _, k := range tsutil.Named(n) {
			switch k.Kind() {
			case "for_in_clause":
				c.Targets = append(c.Targets, l.target(k.ChildByFieldName("left"), d))
				c.Iters = append(c.Iters, l.expr(k.ChildByFieldName("right"), d))
			case "if_clause":
				if x := firstNamed(k); x != nil {
					c.Conds = append(c.Conds, l.expr(x, d))
				}
			}
		}
		return c
	case "keyword_argument":
		return l.expr(f("value"), d)
	case "slice":
		o := &ir.Opaque{Pos: p}
		for _, c := range tsutil.Named(n) {
			o.Kids = append(o.Kids, l.expr(c, d))
		}
		return o
	}
	o := &ir.Opaque{Pos: p}
	for _, c := range tsutil.Named(n) {
		o.Kids = append(o.Kids, l.expr(c, d))
	}
	return o
}

// str lowers a string literal: plain strings become Const, f-strings Format.
func (l *lowerer) str(n *ts.Node, d int) ir.Expr {
	p := l.pos(n)
	if n.Kind() != "string" {
		return l.expr(n, d)
	}
	var parts []ir.Expr
	var lit strings.Builder
	interp := false
	for _, c := range tsutil.Named(n) {
		switch c.Kind() {
		case "string_content":
			lit.WriteString(l.text(c))
		case "escape_sequence":
			lit.WriteString(unescape(l.text(c)))
		case "interpolation":
			interp = true
			if lit.Len() > 0 {
				parts = append(parts, &ir.Const{Pos: p, Kind: ir.Str, Value: lit.String()})
				lit.Reset()
			}
			parts = append(parts, l.expr(c.ChildByFieldName("expression"), d))
		}
	}
	if !interp {
		return &ir.Const{Pos: p, Kind: ir.Str, Value: lit.String()}
	}
	if lit.Len() > 0 {
		parts = append(parts, &ir.Const{Pos: p, Kind: ir.Str, Value: lit.String()})
	}
	return &ir.Format{Pos: p, Parts: parts}
}

func unescape(s string) string {
	switch s {
	case `\n`:
		return "\n"
	case `\t`:
		return "\t"
	case `\\`:
		return `\`
	case `\'`:
		return "'"
	case `\"`:
		return `"`
	}
	return s
}

// catchAll reports whether an except clause's type catches everything.
func catchAll(typ string) bool {
	for _, t := range strings.FieldsFunc(typ, func(r rune) bool { return r == '(' || r == ')' || r == ',' || r == ' ' }) {
		if t == "Exception" || t == "BaseException" || t == "builtins.Exception" {
			return true
		}
	}
	return false
}
