// Package golang lowers Go source into Warden's code IR with the standard
// library's go/parser, which needs no cgo and reads every Go version the
// toolchain reads. Types are not checked: the taint engine works from
// names, as it does for Python and JavaScript, so a handler whose
// dependencies are not downloaded is still analysed.
package golang

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"path"
	"strconv"
	"strings"

	"github.com/wardensec/warden/internal/code/ir"
)

// maxDepth bounds lowering recursion on hostile input.
const maxDepth = 400

// Parse parses one Go file. Syntax errors do not fail the parse: the module
// holds what parsed and lists the error positions.
func Parse(file string, src []byte) (*ir.Module, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.SkipObjectResolution|parser.AllErrors)
	m := &ir.Module{Path: file, Lang: "go", Lines: strings.Count(string(src), "\n") + 1}
	if err != nil {
		if list, ok := err.(scanner.ErrorList); ok {
			for i, e := range list {
				if i >= 5 {
					break
				}
				m.Errors = append(m.Errors, ir.Pos{File: file, Line: e.Pos.Line, Col: e.Pos.Column})
			}
		} else if f == nil {
			return nil, fmt.Errorf("parse %s: %w", file, err)
		}
	}
	if f == nil {
		return m, nil
	}
	l := &lowerer{fset: fset, file: file, pkgs: map[string]bool{}}
	m.Package = f.Name.Name
	for _, im := range f.Imports {
		p, _ := strconv.Unquote(im.Path.Value)
		name := PackageName(p)
		if im.Name != nil {
			name = im.Name.Name
		}
		if name == "_" || name == "." {
			continue
		}
		l.pkgs[name] = true
		m.Body = append(m.Body, &ir.Import{Pos: l.pos(im), Module: p, Alias: name})
	}
	// Functions first: Go declarations do not depend on order, and
	// package-level variables may call functions declared later.
	var vars []ir.Stmt
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			m.Body = append(m.Body, l.funcDecl(d))
		case *ast.GenDecl:
			vars = append(vars, l.genDecl(d, 0)...)
		}
	}
	m.Body = append(m.Body, vars...)
	return m, nil
}

// PackageName guesses a package's name from its import path: the last
// element without a major-version suffix or a "go-" prefix.
func PackageName(p string) string {
	base := path.Base(p)
	if len(base) > 1 && base[0] == 'v' && strings.Trim(base[1:], "0123456789") == "" {
		base = path.Base(path.Dir(p))
	}
	if i := strings.Index(base, ".v"); i > 0 {
		base = base[:i]
	}
	base = strings.TrimPrefix(base, "go-")
	return strings.ReplaceAll(base, "-", "_")
}

type lowerer struct {
	fset *token.FileSet
	file string
	pkgs map[string]bool // imported package names in this file
}

func (l *lowerer) pos(n ast.Node) ir.Pos {
	p := l.fset.Position(n.Pos())
	return ir.Pos{File: l.file, Line: p.Line, Col: p.Column}
}

// FieldName maps the Go field names of github.com/aws/aws-lambda-go/events
// to the JSON names of the event, which is what the source patterns and
// response checks use. Other names, methods among them, are kept.
func FieldName(n string) string {
	if j, ok := eventFields[n]; ok {
		return j
	}
	return n
}

var eventFields = map[string]string{
	"Body": "body", "QueryStringParameters": "queryStringParameters", "MultiValueQueryStringParameters": "multiValueQueryStringParameters",
	"PathParameters": "pathParameters", "Headers": "headers", "MultiValueHeaders": "multiValueHeaders", "RawPath": "rawPath",
	"RawQueryString": "rawQueryString", "Path": "path", "Cookies": "cookies", "RequestContext": "requestContext", "HTTP": "http",
	"Identity": "identity", "UserAgent": "userAgent", "S3": "s3", "Object": "object", "Key": "key", "Bucket": "bucket",
	"SNS": "Sns", "Change": "dynamodb", "Kinesis": "kinesis", "Data": "data", "Request": "request",
	"UserAttributes": "userAttributes", "ValidationData": "validationData", "ClientMetadata": "clientMetadata",
	"UserName": "userName", "Detail": "detail", "MessageAttributes": "messageAttributes", "StatusCode": "statusCode",
}

func (l *lowerer) funcDecl(d *ast.FuncDecl) ir.Stmt {
	fn := l.function(d.Name.Name, d.Type, d.Body, d.Pos())
	if d.Recv != nil && len(d.Recv.List) > 0 {
		// Methods take the receiver as their first parameter; the engine
		// binds it when the method is reached through a value.
		recv := l.params(d.Recv)
		fn.Params = append(recv, fn.Params...)
		fn.Method = true
		return &ir.FuncDef{Name: recvType(d.Recv.List[0].Type) + "." + d.Name.Name, Fn: fn}
	}
	return &ir.FuncDef{Name: d.Name.Name, Fn: fn}
}

func recvType(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return recvType(t.X)
	case *ast.Ident:
		return t.Name
	case *ast.IndexExpr:
		return recvType(t.X)
	case *ast.IndexListExpr:
		return recvType(t.X)
	}
	return "?"
}

func (l *lowerer) function(name string, t *ast.FuncType, body *ast.BlockStmt, pos token.Pos) *ir.Func {
	p := l.fset.Position(pos)
	fn := &ir.Func{Name: name, Pos: ir.Pos{File: l.file, Line: p.Line, Col: p.Column}}
	if t != nil {
		fn.Params = l.params(t.Params)
	}
	if body != nil {
		fn.Body = l.block(body.List, 0)
	}
	return fn
}

func (l *lowerer) params(fl *ast.FieldList) []ir.Param {
	if fl == nil {
		return nil
	}
	var out []ir.Param
	for _, f := range fl.List {
		typ := l.typeString(f.Type)
		_, variadic := f.Type.(*ast.Ellipsis)
		if len(f.Names) == 0 {
			out = append(out, ir.Param{Name: "_", Pos: l.pos(f), Type: typ, Rest: variadic})
			continue
		}
		for _, n := range f.Names {
			out = append(out, ir.Param{Name: n.Name, Pos: l.pos(n), Type: typ, Rest: variadic})
		}
	}
	return out
}

func (l *lowerer) typeString(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.SelectorExpr:
		return l.typeString(t.X) + "." + t.Sel.Name
	case *ast.StarExpr:
		return "*" + l.typeString(t.X)
	case *ast.ArrayType:
		return "[]" + l.typeString(t.Elt)
	case *ast.MapType:
		return "map[" + l.typeString(t.Key) + "]" + l.typeString(t.Value)
	case *ast.Ellipsis:
		return "..." + l.typeString(t.Elt)
	case *ast.InterfaceType:
		return "interface{}"
	}
	return "?"
}

func (l *lowerer) genDecl(d *ast.GenDecl, depth int) []ir.Stmt {
	if d.Tok != token.VAR && d.Tok != token.CONST {
		return nil
	}
	var out []ir.Stmt
	for _, s := range d.Specs {
		vs, ok := s.(*ast.ValueSpec)
		if !ok {
			continue
		}
		var lhs []ast.Expr
		for _, n := range vs.Names {
			lhs = append(lhs, n)
		}
		if len(vs.Values) > 0 {
			out = append(out, l.assign(lhs, vs.Values, l.pos(vs), "", depth)...)
			continue
		}
		// A declared variable without a value is unknown, not a global
		// of some library.
		for _, n := range vs.Names {
			out = append(out, &ir.Assign{Pos: l.pos(n), Targets: []ir.Expr{&ir.Name{Pos: l.pos(n), ID: n.Name}}, Value: &ir.Opaque{Pos: l.pos(n)}})
		}
	}
	return out
}

func (l *lowerer) block(list []ast.Stmt, depth int) []ir.Stmt {
	var out []ir.Stmt
	for _, s := range list {
		out = append(out, l.stmt(s, depth+1)...)
	}
	return out
}

func isErrName(n string) bool {
	return n == "err" || strings.HasSuffix(n, "Err") || strings.HasSuffix(n, "err")
}

// assign lowers lhs op rhs. A call returning several values whose last
// target is named like an error binds that target to an error value.
func (l *lowerer) assign(lhs, rhs []ast.Expr, pos ir.Pos, op string, depth int) []ir.Stmt {
	if len(lhs) == len(rhs) {
		var out []ir.Stmt
		for i := range lhs {
			a := &ir.Assign{Pos: pos, Targets: []ir.Expr{l.target(lhs[i], depth)}, Value: l.expr(rhs[i], depth)}
			if op != "" && op != "=" && op != ":=" {
				a.Op = op
			}
			if id, ok := lhs[i].(*ast.Ident); ok && isErrName(id.Name) {
				if _, call := rhs[i].(*ast.CallExpr); call {
					out = append(out, &ir.ExprStmt{X: a.Value})
					a.Value = &ir.ErrValue{Pos: pos}
				}
			}
			out = append(out, a)
		}
		return out
	}
	if len(rhs) != 1 {
		return nil
	}
	value := l.expr(rhs[0], depth)
	targets := lhs
	var errTarget ast.Expr
	if id, ok := lhs[len(lhs)-1].(*ast.Ident); ok && isErrName(id.Name) {
		if _, call := rhs[0].(*ast.CallExpr); call {
			errTarget, targets = id, lhs[:len(lhs)-1]
		}
	}
	var out []ir.Stmt
	if len(targets) == 1 {
		out = append(out, &ir.Assign{Pos: pos, Targets: []ir.Expr{l.target(targets[0], depth)}, Value: value})
	} else {
		seq := &ir.Seq{Pos: pos}
		for _, t := range targets {
			seq.Elems = append(seq.Elems, l.target(t, depth))
		}
		out = append(out, &ir.Assign{Pos: pos, Targets: []ir.Expr{seq}, Value: value})
	}
	if errTarget != nil {
		out = append(out, &ir.Assign{Pos: pos, Targets: []ir.Expr{l.target(errTarget, depth)}, Value: &ir.ErrValue{Pos: pos}})
	}
	return out
}

func (l *lowerer) target(e ast.Expr, depth int) ir.Expr {
	if id, ok := e.(*ast.Ident); ok && id.Name == "_" {
		return &ir.Name{Pos: l.pos(id), ID: "_"}
	}
	return l.expr(e, depth)
}

func (l *lowerer) stmt(s ast.Stmt, depth int) []ir.Stmt {
	if s == nil || depth > maxDepth {
		return nil
	}
	switch s := s.(type) {
	case *ast.AssignStmt:
		return l.assign(s.Lhs, s.Rhs, l.pos(s), s.Tok.String(), depth)
	case *ast.DeclStmt:
		if g, ok := s.Decl.(*ast.GenDecl); ok {
			return l.genDecl(g, depth)
		}
	case *ast.ExprStmt:
		return []ir.Stmt{&ir.ExprStmt{X: l.expr(s.X, depth)}}
	case *ast.GoStmt:
		return []ir.Stmt{&ir.ExprStmt{X: l.expr(s.Call, depth)}}
	case *ast.DeferStmt:
		return []ir.Stmt{&ir.ExprStmt{X: l.expr(s.Call, depth)}}
	case *ast.ReturnStmt:
		r := &ir.Return{Pos: l.pos(s)}
		var out []ir.Stmt
		for i, x := range s.Results {
			if i == 0 {
				r.X = l.expr(x, depth)
			} else {
				out = append(out, &ir.ExprStmt{X: l.expr(x, depth)})
			}
		}
		return append(out, r)
	case *ast.BranchStmt:
		if s.Tok == token.FALLTHROUGH {
			return nil
		}
		return []ir.Stmt{&ir.Jump{Pos: l.pos(s)}}
	case *ast.BlockStmt:
		return []ir.Stmt{&ir.Block{Body: l.block(s.List, depth)}}
	case *ast.LabeledStmt:
		return l.stmt(s.Stmt, depth+1)
	case *ast.IfStmt:
		out := l.stmt(s.Init, depth+1)
		i := &ir.If{Pos: l.pos(s), Cond: l.expr(s.Cond, depth), Then: l.block(s.Body.List, depth)}
		if s.Else != nil {
			i.Else = l.stmt(s.Else, depth+1)
		}
		return append(out, i)
	case *ast.ForStmt:
		out := l.stmt(s.Init, depth+1)
		lp := &ir.Loop{Pos: l.pos(s), Body: l.block(s.Body.List, depth)}
		if s.Cond != nil {
			lp.Cond = l.expr(s.Cond, depth)
		}
		lp.Body = append(lp.Body, l.stmt(s.Post, depth+1)...)
		return append(out, lp)
	case *ast.RangeStmt:
		lp := &ir.Loop{Pos: l.pos(s), Iter: l.expr(s.X, depth), Body: l.block(s.Body.List, depth)}
		if s.Value != nil {
			lp.Target = l.target(s.Value, depth)
		}
		if s.Key != nil {
			// The key of a slice is an index; of a map, data: keep it as
			// an element too when there is no value.
			if s.Value == nil {
				lp.Target = l.target(s.Key, depth)
			} else {
				lp.Body = append([]ir.Stmt{&ir.Assign{Pos: l.pos(s), Targets: []ir.Expr{l.target(s.Key, depth)}, Value: &ir.Const{Pos: l.pos(s), Kind: ir.Num, Value: "0"}}}, lp.Body...)
			}
		}
		return []ir.Stmt{lp}
	case *ast.SwitchStmt:
		out := l.stmt(s.Init, depth+1)
		var tag ir.Expr = &ir.Opaque{Pos: l.pos(s)}
		if s.Tag != nil {
			tag = l.expr(s.Tag, depth)
		}
		return append(out, l.cases(s.Body, tag, depth)...)
	case *ast.TypeSwitchStmt:
		out := l.stmt(s.Init, depth+1)
		var tag ir.Expr = &ir.Opaque{Pos: l.pos(s)}
		if as, ok := s.Assign.(*ast.AssignStmt); ok && len(as.Lhs) == 1 && len(as.Rhs) == 1 {
			x := l.expr(as.Rhs[0], depth)
			out = append(out, &ir.Assign{Pos: l.pos(as), Targets: []ir.Expr{l.target(as.Lhs[0], depth)}, Value: x})
			tag = x
		} else if es, ok := s.Assign.(*ast.ExprStmt); ok {
			tag = l.expr(es.X, depth)
		}
		return append(out, l.cases(s.Body, tag, depth)...)
	case *ast.SelectStmt:
		return l.cases(s.Body, &ir.Opaque{Pos: l.pos(s)}, depth)
	case *ast.SendStmt:
		return []ir.Stmt{&ir.ExprStmt{X: &ir.Opaque{Pos: l.pos(s), Kids: []ir.Expr{l.expr(s.Chan, depth), l.expr(s.Value, depth)}}}}
	case *ast.IncDecStmt:
		return nil
	}
	return nil
}

// cases lowers switch and select bodies into a chain of ifs whose
// conditions are unknown.
func (l *lowerer) cases(body *ast.BlockStmt, tag ir.Expr, depth int) []ir.Stmt {
	var chain []ir.Stmt
	for i := len(body.List) - 1; i >= 0; i-- {
		var stmts []ir.Stmt
		pos := l.pos(body.List[i])
		switch c := body.List[i].(type) {
		case *ast.CaseClause:
			stmts = l.block(c.Body, depth)
		case *ast.CommClause:
			stmts = append(l.stmt(c.Comm, depth+1), l.block(c.Body, depth)...)
		}
		chain = []ir.Stmt{&ir.If{Pos: pos, Cond: &ir.Opaque{Pos: pos, Kids: []ir.Expr{tag}}, Then: stmts, Else: chain}}
	}
	return chain
}

func (l *lowerer) expr(e ast.Expr, depth int) ir.Expr {
	if e == nil {
		return &ir.Opaque{}
	}
	p := l.pos(e)
	if depth > maxDepth {
		return &ir.Opaque{Pos: p}
	}
	depth++
	switch e := e.(type) {
	case *ast.Ident:
		switch e.Name {
		case "true", "false":
			return &ir.Const{Pos: p, Kind: ir.Bool, Value: e.Name}
		case "nil":
			return &ir.Const{Pos: p, Kind: ir.Null}
		}
		return &ir.Name{Pos: p, ID: e.Name}
	case *ast.BasicLit:
		switch e.Kind {
		case token.STRING, token.CHAR:
			s, err := strconv.Unquote(e.Value)
			if err != nil {
				s = e.Value
			}
			return &ir.Const{Pos: p, Kind: ir.Str, Value: s}
		default:
			return &ir.Const{Pos: p, Kind: ir.Num, Value: e.Value}
		}
	case *ast.CompositeLit:
		if len(e.Elts) > 0 {
			if _, kv := e.Elts[0].(*ast.KeyValueExpr); kv {
				d := &ir.Dict{Pos: p}
				for _, el := range e.Elts {
					kv, ok := el.(*ast.KeyValueExpr)
					if !ok {
						continue
					}
					if id, ok := kv.Key.(*ast.Ident); ok {
						d.Keys = append(d.Keys, &ir.Const{Pos: l.pos(id), Kind: ir.Str, Value: FieldName(id.Name)})
					} else {
						d.Keys = append(d.Keys, l.expr(kv.Key, depth))
					}
					d.Values = append(d.Values, l.expr(kv.Value, depth))
				}
				return d
			}
		}
		s := &ir.Seq{Pos: p}
		for _, el := range e.Elts {
			s.Elems = append(s.Elems, l.expr(el, depth))
		}
		return s
	case *ast.SelectorExpr:
		if id, ok := e.X.(*ast.Ident); ok && l.pkgs[id.Name] {
			return &ir.Attr{Pos: p, X: l.expr(e.X, depth), Name: e.Sel.Name}
		}
		return &ir.Attr{Pos: p, X: l.expr(e.X, depth), Name: FieldName(e.Sel.Name)}
	case *ast.IndexExpr:
		return &ir.Index{Pos: p, X: l.expr(e.X, depth), Key: l.expr(e.Index, depth)}
	case *ast.IndexListExpr:
		return l.expr(e.X, depth)
	case *ast.SliceExpr:
		return &ir.Opaque{Pos: p, Kids: []ir.Expr{l.expr(e.X, depth)}}
	case *ast.CallExpr:
		c := &ir.Call{Pos: p, Fun: l.expr(e.Fun, depth)}
		for _, a := range e.Args {
			c.Args = append(c.Args, l.expr(a, depth))
		}
		return c
	case *ast.StarExpr:
		return l.expr(e.X, depth)
	case *ast.UnaryExpr:
		switch e.Op {
		case token.AND:
			return &ir.Unary{Pos: p, Op: "&", X: l.expr(e.X, depth)}
		case token.NOT:
			return &ir.Unary{Pos: p, Op: "!", X: l.expr(e.X, depth)}
		case token.ARROW:
			return &ir.Opaque{Pos: p, Kids: []ir.Expr{l.expr(e.X, depth)}}
		}
		return &ir.Unary{Pos: p, Op: "-", X: l.expr(e.X, depth)}
	case *ast.BinaryExpr:
		return &ir.BinOp{Pos: p, Op: e.Op.String(), X: l.expr(e.X, depth), Y: l.expr(e.Y, depth)}
	case *ast.ParenExpr:
		return l.expr(e.X, depth)
	case *ast.FuncLit:
		return &ir.Lambda{Pos: p, Fn: l.function("", e.Type, e.Body, e.Pos())}
	case *ast.TypeAssertExpr:
		return l.expr(e.X, depth)
	case *ast.KeyValueExpr:
		return &ir.Opaque{Pos: p, Kids: []ir.Expr{l.expr(e.Value, depth)}}
	}
	return &ir.Opaque{Pos: p}
}
