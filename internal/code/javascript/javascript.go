//go:build cgo

// Package javascript lowers JavaScript and TypeScript into Warden's code IR
// with the tree-sitter grammars, which read ES modules and CommonJS,
// async/await, destructuring, optional chaining, template literals and
// TypeScript 5 syntax. Type annotations are dropped: data flow does not
// depend on them.
package javascript

import (
	"strings"

	ts "github.com/tree-sitter/go-tree-sitter"
	tsjs "github.com/tree-sitter/tree-sitter-javascript/bindings/go"
	tsts "github.com/tree-sitter/tree-sitter-typescript/bindings/go"

	"github.com/wardensec/warden/internal/code/ir"
	"github.com/wardensec/warden/internal/code/tsutil"
)

var (
	jsLang = ts.NewLanguage(tsjs.Language())
	tsLang = ts.NewLanguage(tsts.LanguageTypescript())
)

// Parse parses one JavaScript (or, with typescript, TypeScript) file.
// Syntax errors do not fail the parse: the module holds what parsed and
// lists the error positions.
func Parse(path string, src []byte, typescript bool) (*ir.Module, error) {
	lang, name := jsLang, "javascript"
	if typescript {
		lang, name = tsLang, "typescript"
	}
	l := &lowerer{file: path, src: src}
	return tsutil.ParseModule(lang, name, path, src, func(root *ts.Node) []ir.Stmt { return l.block(root, 0) })
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
	if n.Kind() != "statement_block" && n.Kind() != "program" && n.Kind() != "class_body" && n.Kind() != "switch_body" {
		return l.stmt(n, d+1)
	}
	var out []ir.Stmt
	for _, c := range tsutil.Named(n) {
		out = append(out, l.stmt(c, d+1)...)
	}
	return out
}

func hasToken(n *ts.Node, tok string) bool {
	for i := uint(0); i < n.ChildCount(); i++ {
		if c := n.Child(i); !c.IsNamed() && c.Kind() == tok {
			return true
		}
	}
	return false
}

func (l *lowerer) stmt(n *ts.Node, d int) []ir.Stmt {
	if d > tsutil.MaxDepth || n == nil {
		return nil
	}
	f := n.ChildByFieldName
	switch n.Kind() {
	case "expression_statement":
		var out []ir.Stmt
		for _, c := range tsutil.Named(n) {
			out = append(out, l.exprStmt(c, d)...)
		}
		return out
	case "lexical_declaration", "variable_declaration":
		var out []ir.Stmt
		for _, c := range tsutil.Named(n) {
			if c.Kind() != "variable_declarator" {
				continue
			}
			if v := c.ChildByFieldName("value"); v != nil {
				out = append(out, &ir.Assign{Pos: l.pos(c), Targets: []ir.Expr{l.target(c.ChildByFieldName("name"), d)}, Value: l.expr(v, d)})
			}
		}
		return out
	case "function_declaration", "generator_function_declaration", "function_signature":
		if n.Kind() == "function_signature" {
			return nil
		}
		fn := l.function(n, d)
		return []ir.Stmt{&ir.FuncDef{Name: fn.Name, Fn: fn}}
	case "class_declaration", "abstract_class_declaration", "class":
		c := &ir.ClassDef{Pos: l.pos(n), Name: l.text(f("name"))}
		if body := f("body"); body != nil {
			for _, m := range tsutil.Named(body) {
				if m.Kind() == "method_definition" {
					fn := l.function(m, d)
					c.Body = append(c.Body, &ir.FuncDef{Name: fn.Name, Fn: fn})
				}
			}
		}
		return []ir.Stmt{c}
	case "return_statement":
		r := &ir.Return{Pos: l.pos(n)}
		if k := tsutil.Named(n); len(k) > 0 {
			r.X = l.expr(k[0], d)
		}
		return []ir.Stmt{r}
	case "throw_statement":
		r := &ir.Raise{Pos: l.pos(n)}
		if k := tsutil.Named(n); len(k) > 0 {
			r.X = l.expr(k[0], d)
		}
		return []ir.Stmt{r}
	case "break_statement", "continue_statement":
		return []ir.Stmt{&ir.Jump{Pos: l.pos(n)}}
	case "if_statement":
		s := &ir.If{Pos: l.pos(n), Cond: l.expr(f("condition"), d), Then: l.block(f("consequence"), d)}
		if alt := f("alternative"); alt != nil {
			for _, c := range tsutil.Named(alt) {
				s.Else = append(s.Else, l.stmt(c, d+1)...)
			}
		}
		return []ir.Stmt{s}
	case "for_in_statement":
		return []ir.Stmt{&ir.Loop{Pos: l.pos(n), Target: l.target(f("left"), d), Iter: l.expr(f("right"), d), Body: l.block(f("body"), d)}}
	case "for_statement":
		var out []ir.Stmt
		if init := f("initializer"); init != nil {
			out = append(out, l.stmt(init, d+1)...)
		}
		lp := &ir.Loop{Pos: l.pos(n), Body: l.block(f("body"), d)}
		if c := f("condition"); c != nil {
			lp.Cond = l.expr(c, d)
		}
		if inc := f("increment"); inc != nil {
			lp.Body = append(lp.Body, l.exprStmt(inc, d)...)
		}
		return append(out, lp)
	case "while_statement", "do_statement":
		return []ir.Stmt{&ir.Loop{Pos: l.pos(n), Cond: l.expr(f("condition"), d), Body: l.block(f("body"), d)}}
	case "try_statement":
		t := &ir.Try{Pos: l.pos(n), Body: l.block(f("body"), d)}
		if h := f("handler"); h != nil {
			c := ir.Catch{Pos: l.pos(h), Body: l.block(h.ChildByFieldName("body"), d), All: true}
			if p := h.ChildByFieldName("parameter"); p != nil {
				c.Name = l.target(p, d)
			}
			t.Catches = append(t.Catches, c)
		}
		if fin := f("finalizer"); fin != nil {
			t.Finally = l.block(fin.ChildByFieldName("body"), d)
		}
		return []ir.Stmt{t}
	case "switch_statement":
		val := l.expr(f("value"), d)
		var chain []ir.Stmt
		body := f("body")
		cases := tsutil.Named(body)
		for i := len(cases) - 1; i >= 0; i-- {
			c := cases[i]
			var bs []ir.Stmt
			for _, k := range tsutil.Named(c) {
				if v := c.ChildByFieldName("value"); v != nil && k.StartByte() == v.StartByte() {
					continue
				}
				bs = append(bs, l.stmt(k, d+1)...)
			}
			chain = []ir.Stmt{&ir.If{Pos: l.pos(c), Cond: &ir.Opaque{Pos: l.pos(c), Kids: []ir.Expr{val}}, Then: bs, Else: chain}}
		}
		return chain
	case "statement_block":
		return []ir.Stmt{&ir.Block{Body: l.block(n, d)}}
	case "labeled_statement":
		return l.stmt(f("body"), d+1)
	case "import_statement":
		return []ir.Stmt{l.importStmt(n)}
	case "export_statement":
		return l.export(n, d)
	case "comment", "empty_statement", "debugger_statement", "type_alias_declaration", "interface_declaration",
		"enum_declaration", "ambient_declaration", "module", "internal_module", "import_alias", "hash_bang_line":
		return nil
	case "ERROR":
		var out []ir.Stmt
		for _, c := range tsutil.Named(n) {
			out = append(out, l.stmt(c, d+1)...)
		}
		return out
	}
	if strings.HasSuffix(n.Kind(), "_statement") || strings.HasSuffix(n.Kind(), "_declaration") {
		return nil
	}
	return l.exprStmt(n, d)
}

// exprStmt lowers an expression used as a statement; assignments become
// Assign statements.
func (l *lowerer) exprStmt(n *ts.Node, d int) []ir.Stmt {
	switch n.Kind() {
	case "assignment_expression":
		return []ir.Stmt{&ir.Assign{Pos: l.pos(n), Targets: []ir.Expr{l.target(n.ChildByFieldName("left"), d)}, Value: l.expr(n.ChildByFieldName("right"), d)}}
	case "augmented_assignment_expression":
		return []ir.Stmt{&ir.Assign{Pos: l.pos(n), Targets: []ir.Expr{l.target(n.ChildByFieldName("left"), d)}, Value: l.expr(n.ChildByFieldName("right"), d), Op: l.text(n.ChildByFieldName("operator"))}}
	case "sequence_expression":
		var out []ir.Stmt
		for _, c := range tsutil.Named(n) {
			out = append(out, l.exprStmt(c, d+1)...)
		}
		return out
	case "parenthesized_expression":
		if k := tsutil.Named(n); len(k) == 1 {
			return l.exprStmt(k[0], d+1)
		}
	}
	return []ir.Stmt{&ir.ExprStmt{X: l.expr(n, d)}}
}

func (l *lowerer) importStmt(n *ts.Node) *ir.Import {
	im := &ir.Import{Pos: l.pos(n), Module: unquote(l.text(n.ChildByFieldName("source")))}
	for _, c := range tsutil.Named(n) {
		if c.Kind() != "import_clause" {
			continue
		}
		for _, k := range tsutil.Named(c) {
			switch k.Kind() {
			case "identifier":
				im.Default = l.text(k)
			case "namespace_import":
				for _, x := range tsutil.Named(k) {
					im.Alias = l.text(x)
				}
			case "named_imports":
				for _, s := range tsutil.Named(k) {
					if s.Kind() != "import_specifier" {
						continue
					}
					name := l.text(s.ChildByFieldName("name"))
					as := name
					if a := s.ChildByFieldName("alias"); a != nil {
						as = l.text(a)
					}
					im.Names = append(im.Names, ir.ImportName{Name: unquote(name), As: as})
				}
			}
		}
	}
	return im
}

func (l *lowerer) export(n *ts.Node, d int) []ir.Stmt {
	p := l.pos(n)
	isDefault := hasToken(n, "default")
	if decl := n.ChildByFieldName("declaration"); decl != nil {
		out := l.stmt(decl, d+1)
		var names []string
		for _, s := range out {
			switch s := s.(type) {
			case *ir.FuncDef:
				names = append(names, s.Name)
			case *ir.ClassDef:
				names = append(names, s.Name)
			case *ir.Assign:
				for _, t := range s.Targets {
					names = append(names, patternNames(t)...)
				}
			}
		}
		for _, name := range names {
			out = append(out, &ir.Export{Pos: p, Name: name, Value: &ir.Name{Pos: p, ID: name}})
			if isDefault {
				out = append(out, &ir.Export{Pos: p, Name: "default", Value: &ir.Name{Pos: p, ID: name}})
			}
		}
		return out
	}
	if v := n.ChildByFieldName("value"); v != nil {
		return []ir.Stmt{&ir.Export{Pos: p, Name: "default", Value: l.expr(v, d)}}
	}
	var out []ir.Stmt
	src := n.ChildByFieldName("source")
	for _, c := range tsutil.Named(n) {
		if c.Kind() != "export_clause" {
			continue
		}
		for _, s := range tsutil.Named(c) {
			name := l.text(s.ChildByFieldName("name"))
			as := name
			if a := s.ChildByFieldName("alias"); a != nil {
				as = l.text(a)
			}
			var value ir.Expr = &ir.Name{Pos: p, ID: name}
			if src != nil {
				// export { x } from './m': bind a hidden name first.
				hidden := "\x00reexport:" + name
				out = append(out, &ir.Import{Pos: p, Module: unquote(l.text(src)), Names: []ir.ImportName{{Name: name, As: hidden}}})
				value = &ir.Name{Pos: p, ID: hidden}
			}
			out = append(out, &ir.Export{Pos: p, Name: as, Value: value})
		}
	}
	return out
}

func patternNames(t ir.Expr) []string {
	switch t := t.(type) {
	case *ir.Name:
		return []string{t.ID}
	case *ir.Seq:
		var out []string
		for _, e := range t.Elems {
			out = append(out, patternNames(e)...)
		}
		return out
	case *ir.Dict:
		var out []string
		for _, e := range t.Values {
			out = append(out, patternNames(e)...)
		}
		return out
	case *ir.Spread:
		return patternNames(t.X)
	case *ir.Walrus:
		return patternNames(t.Target)
	}
	return nil
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"' || s[0] == '`') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

func (l *lowerer) function(n *ts.Node, d int) *ir.Func {
	fn := &ir.Func{Pos: l.pos(n)}
	if nm := n.ChildByFieldName("name"); nm != nil {
		fn.Name = l.text(nm)
	}
	if ps := n.ChildByFieldName("parameters"); ps != nil {
		fn.Params = l.params(ps, d)
	} else if p := n.ChildByFieldName("parameter"); p != nil {
		fn.Params = []ir.Param{{Name: l.text(p), Pos: l.pos(p)}}
	}
	body := n.ChildByFieldName("body")
	if body == nil {
		return fn
	}
	if body.Kind() == "statement_block" {
		fn.Body = l.block(body, d)
	} else {
		fn.Body = []ir.Stmt{&ir.Return{Pos: l.pos(body), X: l.expr(body, d)}}
	}
	return fn
}

func (l *lowerer) params(n *ts.Node, d int) []ir.Param {
	var out []ir.Param
	for _, c := range tsutil.Named(n) {
		p := ir.Param{Pos: l.pos(c)}
		node := c
		// TypeScript wraps parameters: required_parameter(pattern, type, value).
		if c.Kind() == "required_parameter" || c.Kind() == "optional_parameter" {
			node = c.ChildByFieldName("pattern")
			if v := c.ChildByFieldName("value"); v != nil {
				p.Default = l.expr(v, d)
			}
			if node == nil {
				continue
			}
		}
		if node.Kind() == "assignment_pattern" {
			p.Default = l.expr(node.ChildByFieldName("right"), d)
			node = node.ChildByFieldName("left")
			if node == nil {
				continue
			}
		}
		switch node.Kind() {
		case "identifier":
			p.Name = l.text(node)
		case "rest_pattern":
			p.Rest = true
			if k := tsutil.Named(node); len(k) > 0 {
				if k[0].Kind() == "identifier" {
					p.Name = l.text(k[0])
				} else {
					p.Pattern = l.target(k[0], d)
				}
			}
		case "this", "comment":
			continue
		default:
			p.Pattern = l.target(node, d)
		}
		out = append(out, p)
	}
	return out
}

// target lowers an assignment target or binding pattern.
func (l *lowerer) target(n *ts.Node, d int) ir.Expr {
	if n == nil {
		return &ir.Opaque{}
	}
	p := l.pos(n)
	if d > tsutil.MaxDepth {
		return &ir.Opaque{Pos: p}
	}
	d++
	switch n.Kind() {
	case "identifier", "shorthand_property_identifier_pattern":
		return &ir.Name{Pos: p, ID: l.text(n)}
	case "object_pattern":
		m := &ir.Dict{Pos: p}
		for _, c := range tsutil.Named(n) {
			switch c.Kind() {
			case "shorthand_property_identifier_pattern":
				m.Keys = append(m.Keys, &ir.Const{Pos: l.pos(c), Kind: ir.Str, Value: l.text(c)})
				m.Values = append(m.Values, &ir.Name{Pos: l.pos(c), ID: l.text(c)})
			case "pair_pattern":
				m.Keys = append(m.Keys, l.key(c.ChildByFieldName("key"), d))
				m.Values = append(m.Values, l.target(c.ChildByFieldName("value"), d))
			case "object_assignment_pattern":
				left := c.ChildByFieldName("left")
				m.Keys = append(m.Keys, &ir.Const{Pos: l.pos(left), Kind: ir.Str, Value: l.text(left)})
				m.Values = append(m.Values, l.target(left, d))
			case "rest_pattern":
				m.Keys = append(m.Keys, nil)
				m.Values = append(m.Values, l.target(firstNamed(c), d))
			}
		}
		return m
	case "array_pattern":
		s := &ir.Seq{Pos: p}
		for _, c := range tsutil.Named(n) {
			s.Elems = append(s.Elems, l.target(c, d))
		}
		return s
	case "assignment_pattern":
		return l.target(n.ChildByFieldName("left"), d)
	case "rest_pattern":
		return &ir.Spread{Pos: p, X: l.target(firstNamed(n), d)}
	case "parenthesized_expression", "non_null_expression", "as_expression":
		if k := firstNamed(n); k != nil {
			return l.target(k, d)
		}
	}
	return l.expr(n, d)
}

func firstNamed(n *ts.Node) *ts.Node {
	if k := tsutil.Named(n); len(k) > 0 {
		return k[0]
	}
	return nil
}

// key lowers a property key: names and strings are constants, computed
// keys are expressions.
func (l *lowerer) key(n *ts.Node, d int) ir.Expr {
	if n == nil {
		return &ir.Opaque{}
	}
	switch n.Kind() {
	case "property_identifier", "identifier", "private_property_identifier", "shorthand_property_identifier":
		return &ir.Const{Pos: l.pos(n), Kind: ir.Str, Value: l.text(n)}
	case "string":
		return l.expr(n, d)
	case "number":
		return &ir.Const{Pos: l.pos(n), Kind: ir.Num, Value: l.text(n)}
	case "computed_property_name":
		return l.expr(firstNamed(n), d)
	}
	return l.expr(n, d)
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
	case "identifier", "shorthand_property_identifier", "this", "super":
		return &ir.Name{Pos: p, ID: l.text(n)}
	case "undefined", "null":
		return &ir.Const{Pos: p, Kind: ir.Null}
	case "true", "false":
		return &ir.Const{Pos: p, Kind: ir.Bool, Value: l.text(n)}
	case "number":
		return &ir.Const{Pos: p, Kind: ir.Num, Value: l.text(n)}
	case "string":
		var b strings.Builder
		for _, c := range tsutil.Named(n) {
			switch c.Kind() {
			case "string_fragment":
				b.WriteString(l.text(c))
			case "escape_sequence":
				b.WriteString(unescape(l.text(c)))
			}
		}
		return &ir.Const{Pos: p, Kind: ir.Str, Value: b.String()}
	case "template_string":
		fm := &ir.Format{Pos: p}
		var lit strings.Builder
		for _, c := range tsutil.Named(n) {
			switch c.Kind() {
			case "string_fragment":
				lit.WriteString(l.text(c))
			case "escape_sequence":
				lit.WriteString(unescape(l.text(c)))
			case "template_substitution":
				if lit.Len() > 0 {
					fm.Parts = append(fm.Parts, &ir.Const{Pos: p, Kind: ir.Str, Value: lit.String()})
					lit.Reset()
				}
				fm.Parts = append(fm.Parts, l.expr(firstNamed(c), d))
			}
		}
		if lit.Len() > 0 || len(fm.Parts) == 0 {
			fm.Parts = append(fm.Parts, &ir.Const{Pos: p, Kind: ir.Str, Value: lit.String()})
		}
		if len(fm.Parts) == 1 {
			if c, ok := fm.Parts[0].(*ir.Const); ok {
				c.Pos = p
				return c
			}
		}
		return fm
	case "member_expression":
		return &ir.Attr{Pos: p, X: l.expr(f("object"), d), Name: l.text(f("property"))}
	case "subscript_expression":
		return &ir.Index{Pos: p, X: l.expr(f("object"), d), Key: l.expr(f("index"), d)}
	case "call_expression":
		c := &ir.Call{Pos: p}
		fn := f("function")
		if fn != nil && fn.Kind() == "import" {
			c.Fun = &ir.Name{Pos: l.pos(fn), ID: "import"}
		} else {
			c.Fun = l.expr(fn, d)
		}
		args := f("arguments")
		if args != nil && args.Kind() == "template_string" {
			// Tagged template: tag`...` passes the parts.
			c.Args = append(c.Args, l.expr(args, d))
			return c
		}
		for _, a := range tsutil.Named(args) {
			c.Args = append(c.Args, l.expr(a, d))
		}
		return c
	case "new_expression":
		c := &ir.Call{Pos: p, Fun: l.expr(f("constructor"), d), New: true}
		for _, a := range tsutil.Named(f("arguments")) {
			c.Args = append(c.Args, l.expr(a, d))
		}
		return c
	case "assignment_expression", "augmented_assignment_expression":
		w := &ir.Walrus{Pos: p, Target: l.target(f("left"), d), Value: l.expr(f("right"), d)}
		if n.Kind() == "augmented_assignment_expression" {
			w.Value = &ir.BinOp{Pos: p, Op: strings.TrimSuffix(l.text(f("operator")), "="), X: l.expr(f("left"), d), Y: w.Value}
		}
		return w
	case "binary_expression":
		return &ir.BinOp{Pos: p, Op: l.text(f("operator")), X: l.expr(f("left"), d), Y: l.expr(f("right"), d)}
	case "unary_expression":
		return &ir.Unary{Pos: p, Op: l.text(f("operator")), X: l.expr(f("argument"), d)}
	case "update_expression":
		return &ir.Unary{Pos: p, Op: "-", X: l.expr(f("argument"), d)}
	case "await_expression", "parenthesized_expression", "non_null_expression", "as_expression", "satisfies_expression",
		"type_assertion", "yield_expression":
		if k := tsutil.Named(n); len(k) > 0 {
			return l.expr(k[0], d)
		}
	case "ternary_expression":
		return &ir.Cond{Pos: p, Test: l.expr(f("condition"), d), Then: l.expr(f("consequence"), d), Else: l.expr(f("alternative"), d)}
	case "array":
		s := &ir.Seq{Pos: p}
		for _, c := range tsutil.Named(n) {
			s.Elems = append(s.Elems, l.expr(c, d))
		}
		return s
	case "object":
		m := &ir.Dict{Pos: p}
		for _, c := range tsutil.Named(n) {
			switch c.Kind() {
			case "pair":
				m.Keys = append(m.Keys, l.key(c.ChildByFieldName("key"), d))
				m.Values = append(m.Values, l.expr(c.ChildByFieldName("value"), d))
			case "shorthand_property_identifier":
				m.Keys = append(m.Keys, &ir.Const{Pos: l.pos(c), Kind: ir.Str, Value: l.text(c)})
				m.Values = append(m.Values, &ir.Name{Pos: l.pos(c), ID: l.text(c)})
			case "spread_element":
				m.Keys = append(m.Keys, nil)
				m.Values = append(m.Values, l.expr(firstNamed(c), d))
			case "method_definition":
				fn := l.function(c, d)
				m.Keys = append(m.Keys, &ir.Const{Pos: l.pos(c), Kind: ir.Str, Value: fn.Name})
				m.Values = append(m.Values, &ir.Lambda{Pos: l.pos(c), Fn: fn})
			}
		}
		return m
	case "spread_element":
		return &ir.Spread{Pos: p, X: l.expr(firstNamed(n), d)}
	case "arrow_function", "function_expression", "function", "generator_function":
		return &ir.Lambda{Pos: p, Fn: l.function(n, d)}
	case "class":
		o := &ir.Opaque{Pos: p}
		return o
	case "sequence_expression":
		k := tsutil.Named(n)
		if len(k) > 0 {
			o := &ir.Opaque{Pos: p}
			for _, c := range k[:len(k)-1] {
				o.Kids = append(o.Kids, l.expr(c, d))
			}
			return &ir.BinOp{Pos: p, Op: ",", X: o, Y: l.expr(k[len(k)-1], d)}
		}
	case "regex":
		return &ir.Const{Pos: p, Kind: ir.Str, Value: l.text(n)}
	}
	o := &ir.Opaque{Pos: p}
	for _, c := range tsutil.Named(n) {
		o.Kids = append(o.Kids, l.expr(c, d))
	}
	return o
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
	case "\\`":
		return "`"
	}
	return s
}
