// Package ir is the small language-neutral program form that Warden's code
// analysis runs on. Each language front end (internal/code/python,
// internal/code/javascript) lowers its syntax tree into it and then frees the
// tree, so the taint engine in internal/code is written once, holds no cgo
// memory, and can be tested without a parser.
//
// The IR keeps only what data flow needs: bindings, calls, attribute and
// index access, string building, containers, branches, loops, exception
// handlers and returns. Everything else is an Opaque node whose children
// still carry taint, so an unknown construct loses precision, never flow.
package ir

import (
	"errors"

	"github.com/wardensec/warden/internal/model"
)

// Pos is a position in a scanned file (relative to the scan root).
type Pos = model.Pos

// Module is one parsed source file.
type Module struct {
	Path string // relative to the scan root, forward slashes
	Lang string // python, javascript, typescript, go
	// Package is the Go package clause ("main"); empty for other languages.
	Package string
	Body    []Stmt
	// Lines is the number of lines in the file, for benchmarks and limits.
	Lines int
	// Errors are the positions of syntax errors; analysis goes on with what
	// parsed, and the scan reports them as info diagnostics.
	Errors []Pos
}

// Func is a function, method, lambda or arrow function.
type Func struct {
	Name   string
	Pos    Pos
	Params []Param
	Body   []Stmt
	// Method is true for Python methods, whose first parameter is the
	// instance.
	Method bool
}

// Param is one formal parameter. Pattern is set for destructuring
// parameters (JS `({ body }) => ...`); Name is "" then.
type Param struct {
	Name    string
	Pattern Expr
	Default Expr
	Rest    bool // *args, ...rest
	KwRest  bool // **kwargs
	Pos     Pos
	// Type is the declared type as written, when the language has one
	// ("context.Context", "events.APIGatewayProxyRequest"); Go handlers
	// are recognised by it.
	Type string
}

// Stmt is a statement.
type Stmt interface{ stmtNode() }

// Expr is an expression.
type Expr interface{ At() Pos }

// Assign binds Value to each target. Targets may be names, attribute or index
// expressions, or patterns (Seq for tuples and arrays, Dict for object
// patterns). Op is set for augmented assignment ("+=").
type Assign struct {
	Pos     Pos
	Targets []Expr
	Value   Expr
	Op      string
}

// ExprStmt evaluates an expression for its effects.
type ExprStmt struct{ X Expr }

// Return leaves the function, with a value or nil.
type Return struct {
	Pos Pos
	X   Expr
}

// Raise leaves the function by an exception (raise, throw).
type Raise struct {
	Pos Pos
	X   Expr
}

// Jump is break or continue: it ends the current path through a loop body.
type Jump struct{ Pos Pos }

// If runs Then or Else. Elif chains nest in Else.
type If struct {
	Pos  Pos
	Cond Expr
	Then []Stmt
	Else []Stmt
}

// Loop is for, for-in/of and while. Target is bound to elements of Iter
// (nil for while loops, whose Cond is in Iter's place as Cond).
type Loop struct {
	Pos    Pos
	Target Expr
	Iter   Expr
	Cond   Expr
	Body   []Stmt
	Else   []Stmt
}

// Try is try/except/finally (try/catch/finally).
type Try struct {
	Pos     Pos
	Body    []Stmt
	Catches []Catch
	Else    []Stmt
	Finally []Stmt
}

// Catch is one exception handler; Name is the bound exception (nil if none).
type Catch struct {
	Pos  Pos
	Name Expr
	Body []Stmt
	// All is set for catch-all handlers (bare except, except Exception,
	// every JS catch), the ones that can hide any failure.
	All bool
}

// FuncDef binds a function to a name in the current scope.
type FuncDef struct {
	Name string
	Fn   *Func
	// Decorators are the decorator expressions (Python @app.get("/x")),
	// outermost first; web frameworks register routes through them.
	Decorators []Expr
}

// ClassDef binds a class; its methods are FuncDefs in Body.
type ClassDef struct {
	Pos  Pos
	Name string
	Body []Stmt
}

// Import binds names from a module. Python `import a.b as c` has Alias "c";
// `import a.b` binds "a" (Bind). `from m import x as y` has Names. JS
// `import d, { x as y } from 'm'` has Default "d" and Names; `import * as
// ns` has Alias "ns". Level counts leading dots of Python relative imports.
type Import struct {
	Pos     Pos
	Module  string
	Level   int
	Alias   string
	Bind    string
	Default string
	Names   []ImportName
	Star    bool
}

// ImportName is one imported member.
type ImportName struct {
	Name string
	As   string
}

// Export records a JS module export: exports[Name] = Value.
type Export struct {
	Pos   Pos
	Name  string
	Value Expr
}

// Block groups statements that belong together (a with-statement's body, a
// match case); it has no scope of its own.
type Block struct{ Body []Stmt }

func (*Assign) stmtNode()   {}
func (*ExprStmt) stmtNode() {}
func (*Return) stmtNode()   {}
func (*Raise) stmtNode()    {}
func (*Jump) stmtNode()     {}
func (*If) stmtNode()       {}
func (*Loop) stmtNode()     {}
func (*Try) stmtNode()      {}
func (*FuncDef) stmtNode()  {}
func (*ClassDef) stmtNode() {}
func (*Import) stmtNode()   {}
func (*Export) stmtNode()   {}
func (*Block) stmtNode()    {}

// Name is a variable reference.
type Name struct {
	Pos Pos
	ID  string
}

// ConstKind says what a constant is.
type ConstKind uint8

const (
	Str ConstKind = iota + 1
	Num
	Bool
	Null // None, null, undefined
)

// Const is a literal. Value is the string content, the number as written,
// or "true"/"false".
type Const struct {
	Pos   Pos
	Kind  ConstKind
	Value string
}

// Attr is X.Name (also X?.Name).
type Attr struct {
	Pos  Pos
	X    Expr
	Name string
}

// Index is X[Key].
type Index struct {
	Pos Pos
	X   Expr
	Key Expr
}

// Call is Fun(Args..., Kw...). New marks JS `new`.
type Call struct {
	Pos  Pos
	Fun  Expr
	Args []Expr
	Kw   []Keyword
	New  bool
}

// Keyword is a keyword argument (Python name=value).
type Keyword struct {
	Name string // "" for **kwargs
	X    Expr
}

// BinOp is a binary operation: arithmetic and string operators ("+", "%"),
// boolean ones ("and", "or", "&&", "||", "??"), comparisons ("==", "in",
// "not in", "instanceof").
type BinOp struct {
	Pos  Pos
	Op   string
	X, Y Expr
}

// Unary is a prefix operation ("not", "!", "-", "+", "typeof", "await"...).
type Unary struct {
	Pos Pos
	Op  string
	X   Expr
}

// Format is a string built from parts: an f-string or a template literal.
// Constant parts are Const nodes.
type Format struct {
	Pos   Pos
	Parts []Expr
}

// Seq is a list, tuple, set or array; as an assignment target it is a
// positional pattern.
type Seq struct {
	Pos   Pos
	Elems []Expr
}

// Dict is a dict or object literal. A nil key marks a spread (**x, ...x);
// a Name key is a computed key. As an assignment target, it is an object
// pattern whose values are the targets.
type Dict struct {
	Pos    Pos
	Keys   []Expr
	Values []Expr
}

// Lambda is a function expression.
type Lambda struct {
	Pos Pos
	Fn  *Func
}

// Cond is the conditional expression (a if t else b, t ? a : b).
type Cond struct {
	Pos              Pos
	Test, Then, Else Expr
}

// Comp is a comprehension: Elt evaluated with each Target bound to elements
// of the matching Iter, filtered by Conds.
type Comp struct {
	Pos     Pos
	Elt     Expr
	Targets []Expr
	Iters   []Expr
	Conds   []Expr
}

// Spread is *x, **x or ...x in a call or literal, and a rest pattern.
type Spread struct {
	Pos Pos
	X   Expr
}

// Walrus is an assignment expression (Python :=, JS a = b used as a value).
type Walrus struct {
	Pos    Pos
	Target Expr
	Value  Expr
}

// ErrValue is an error value returned by a call (Go's `v, err := f()`):
// it carries exception details the way a caught exception does.
type ErrValue struct{ Pos Pos }

// Opaque is any other expression; its children are evaluated and their
// taint flows into the result.
type Opaque struct {
	Pos  Pos
	Kids []Expr
}

func (e *Name) At() Pos     { return e.Pos }
func (e *Const) At() Pos    { return e.Pos }
func (e *Attr) At() Pos     { return e.Pos }
func (e *Index) At() Pos    { return e.Pos }
func (e *Call) At() Pos     { return e.Pos }
func (e *BinOp) At() Pos    { return e.Pos }
func (e *Unary) At() Pos    { return e.Pos }
func (e *Format) At() Pos   { return e.Pos }
func (e *Seq) At() Pos      { return e.Pos }
func (e *Dict) At() Pos     { return e.Pos }
func (e *Lambda) At() Pos   { return e.Pos }
func (e *Cond) At() Pos     { return e.Pos }
func (e *Comp) At() Pos     { return e.Pos }
func (e *Spread) At() Pos   { return e.Pos }
func (e *Walrus) At() Pos   { return e.Pos }
func (e *Opaque) At() Pos   { return e.Pos }
func (e *ErrValue) At() Pos { return e.Pos }

// ErrNoCgo is what the front ends return in a build without cgo: the
// tree-sitter parsers are C, and a scan says so instead of silently
// reporting nothing.
var ErrNoCgo = errors.New("code analysis needs a cgo build (tree-sitter parsers are C); rebuild with CGO_ENABLED=1")
