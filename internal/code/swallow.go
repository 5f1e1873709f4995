package code

import (
	"regexp"

	"github.com/wardensec/warden/internal/code/ir"
	"github.com/wardensec/warden/internal/model"
)

// ClassSwallow marks a catch-all handler that neither logs, reports nor
// re-raises (SAS-5): failures and attacks it absorbs leave no trace.
const ClassSwallow = "swallow"

// handlerCallRE matches calls that make a failure visible: logging,
// printing, error reporting, metrics, or a re-raise through a helper.
var handlerCallRE = regexp.MustCompile(`(?i)log|print|warn|err|exception|critical|fatal|sentry|capture|report|notify|alert|metric|trace|debug|info|emit|publish|abort|fail|panic|reject|next|throw|raise`)

// handles reports whether a handler body makes the failure visible: it
// raises, or calls something whose name says it logs or reports.
func handles(body []ir.Stmt) bool {
	found := false
	var expr func(ir.Expr)
	var stmts func([]ir.Stmt)
	expr = func(x ir.Expr) {
		if found || x == nil {
			return
		}
		switch x := x.(type) {
		case *ir.Call:
			if handlerCallRE.MatchString(calleeText(x.Fun)) {
				found = true
				return
			}
			expr(x.Fun)
			for _, a := range x.Args {
				expr(a)
			}
			for _, k := range x.Kw {
				expr(k.X)
			}
		case *ir.Attr:
			expr(x.X)
		case *ir.Index:
			expr(x.X)
			expr(x.Key)
		case *ir.BinOp:
			expr(x.X)
			expr(x.Y)
		case *ir.Unary:
			expr(x.X)
		case *ir.Format:
			for _, p := range x.Parts {
				expr(p)
			}
		case *ir.Seq:
			for _, e := range x.Elems {
				expr(e)
			}
		case *ir.Dict:
			for _, v := range x.Values {
				expr(v)
			}
		case *ir.Cond:
			expr(x.Test)
			expr(x.Then)
			expr(x.Else)
		case *ir.Opaque:
			for _, k := range x.Kids {
				expr(k)
			}
		case *ir.Walrus:
			expr(x.Value)
		case *ir.Spread:
			expr(x.X)
		}
	}
	stmts = func(ss []ir.Stmt) {
		for _, s := range ss {
			if found {
				return
			}
			switch s := s.(type) {
			case *ir.Raise:
				found = true
			case *ir.ExprStmt:
				expr(s.X)
			case *ir.Assign:
				expr(s.Value)
			case *ir.Return:
				expr(s.X)
			case *ir.If:
				expr(s.Cond)
				stmts(s.Then)
				stmts(s.Else)
			case *ir.Loop:
				stmts(s.Body)
			case *ir.Try:
				stmts(s.Body)
				for _, c := range s.Catches {
					stmts(c.Body)
				}
				stmts(s.Finally)
			case *ir.Block:
				stmts(s.Body)
			}
		}
	}
	stmts(body)
	return found
}

func calleeText(x ir.Expr) string {
	switch x := x.(type) {
	case *ir.Name:
		return x.ID
	case *ir.Attr:
		return calleeText(x.X) + "." + x.Name
	}
	return ""
}

// swallowed records a catch-all handler that hides failures, once per
// location.
func (a *analyzer) swallowed(pos model.Pos) {
	key := ClassSwallow + "\x00" + pos.String()
	if a.seen[key] {
		return
	}
	a.seen[key] = true
	a.flows = append(a.flows, model.CodeFlow{Class: ClassSwallow, Source: "exception", Sink: "catch-all handler",
		Steps: []model.CodeStep{{Pos: pos, Message: "catch-all handler neither logs nor re-raises"}}})
}
