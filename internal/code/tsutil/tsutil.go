//go:build cgo

// Package tsutil holds what the tree-sitter front ends share: parsing with
// the parser and tree always closed, positions, node text and syntax-error
// collection. Tree-sitter is C (cgo), so this package and the front ends
// build only with cgo; without it the front ends are stubs.
package tsutil

import (
	"fmt"

	ts "github.com/tree-sitter/go-tree-sitter"

	"github.com/wardensec/warden/internal/code/ir"
)

// MaxDepth bounds lowering recursion: generated or hostile files can nest
// expressions thousands deep, and deeper parts become Opaque instead of
// growing the stack without limit.
const MaxDepth = 400

// MaxErrors bounds the syntax errors kept per file; one broken file must not
// flood the diagnostics.
const MaxErrors = 5

// Parse parses src with lang and calls lower with the root node. The parser
// and tree are closed before Parse returns, so lower must copy everything it
// needs into the IR (which it does by construction).
func Parse(lang *ts.Language, src []byte, lower func(root *ts.Node)) (errs []ts.Point, err error) {
	p := ts.NewParser()
	defer p.Close()
	if err := p.SetLanguage(lang); err != nil {
		return nil, fmt.Errorf("set tree-sitter language: %w", err)
	}
	tree := p.Parse(src, nil)
	if tree == nil {
		return nil, fmt.Errorf("tree-sitter returned no tree")
	}
	defer tree.Close()
	root := tree.RootNode()
	if root.HasError() {
		errs = collectErrors(root, nil)
	}
	lower(root)
	return errs, nil
}

// ParseModule parses one file into a module of language name: lower turns
// the root node into the module's body, and syntax errors become the
// module's Errors positions rather than a failure, so that the rest of a
// broken file is still analysed. Every tree-sitter front end builds its
// module this way.
func ParseModule(lang *ts.Language, name, path string, src []byte, lower func(root *ts.Node) []ir.Stmt) (*ir.Module, error) {
	m := &ir.Module{Path: path, Lang: name, Lines: Lines(src)}
	errs, err := Parse(lang, src, func(root *ts.Node) { m.Body = lower(root) })
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	for _, e := range errs {
		m.Errors = append(m.Errors, Pos(path, e))
	}
	return m, nil
}

func collectErrors(n *ts.Node, out []ts.Point) []ts.Point {
	if len(out) >= MaxErrors {
		return out
	}
	if n.IsError() || n.IsMissing() {
		return append(out, n.StartPosition())
	}
	if !n.HasError() {
		return out
	}
	for i := uint(0); i < n.ChildCount(); i++ {
		out = collectErrors(n.Child(i), out)
	}
	return out
}

// Pos converts a tree-sitter point (0-based row, byte column) into a model
// position (1-based line and column).
func Pos(file string, p ts.Point) ir.Pos {
	return ir.Pos{File: file, Line: int(p.Row) + 1, Col: int(p.Column) + 1}
}

// Text returns the source text of n.
func Text(n *ts.Node, src []byte) string {
	if n == nil {
		return ""
	}
	s, e := n.StartByte(), n.EndByte()
	if s > e || e > uint(len(src)) {
		return ""
	}
	return string(src[s:e])
}

// Named returns n's named children, skipping comments.
func Named(n *ts.Node) []*ts.Node {
	if n == nil {
		return nil
	}
	c := n.NamedChildCount()
	out := make([]*ts.Node, 0, c)
	for i := uint(0); i < c; i++ {
		k := n.NamedChild(i)
		if k == nil || k.Kind() == "comment" {
			continue
		}
		out = append(out, k)
	}
	return out
}

// Lines counts lines in src.
func Lines(src []byte) int {
	n := 0
	for _, b := range src {
		if b == '\n' {
			n++
		}
	}
	if len(src) > 0 && src[len(src)-1] != '\n' {
		n++
	}
	return n
}
