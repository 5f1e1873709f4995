package iam

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/wardensec/warden/internal/model"
)

// maxPolicyDepth bounds nesting in a policy document. Real policies nest four
// deep (document, Statement, Condition, operator); the bound keeps a hostile
// file from driving the parser's recursion.
const maxPolicyDepth = 32

// maxPolicyBytes bounds the input. AWS caps managed policies at 6,144
// characters and inline role policies at 10,240; a hundred times that is
// still a policy, anything larger is not.
const maxPolicyBytes = 1 << 20

// ParsePolicyJSON parses a raw JSON policy document into a model policy.
// Loaders meet JSON policies inside other files (a Terraform heredoc or
// jsonencode string, a CloudFormation PolicyDocument given as a string, a
// Serverless ${file()}), so the caller passes the file and the line where
// the JSON text starts, and every statement and element gets its own line
// within that file. Columns are set only when the JSON starts on line 1,
// i.e. when it is the whole file: inside another file its indentation is
// not known here.
//
// IAM's document grammar is followed leniently - keys are matched
// case-insensitively, single strings stand for one-element lists, numbers
// and booleans keep their text - because a scanner that rejects what AWS
// might accept would miss findings. Effect, Action and friends keep the
// state Absent when the document leaves them out.
func ParsePolicyJSON(file string, line int, data []byte) (*model.Policy, error) {
	if len(data) > maxPolicyBytes {
		return nil, fmt.Errorf("%s:%d: policy document of %d bytes exceeds the %d-byte limit", file, line, len(data), maxPolicyBytes)
	}
	p := &jsonParser{file: file, line: line, data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	for i, b := range data {
		if b == '\n' {
			p.nl = append(p.nl, i)
		}
	}
	root, err := p.value(0)
	if err != nil {
		return nil, fmt.Errorf("%s: policy JSON: %w", p.posAt(p.lastOff), err)
	}
	if _, err := p.dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: policy JSON: unexpected data after the document", p.posAt(p.lastOff))
	}
	if root.kind != jObject {
		return nil, fmt.Errorf("%s: policy JSON: document is not an object", root.pos)
	}
	pol := &model.Policy{Pos: root.pos, Source: "json"}
	st := root.get("Statement")
	if st == nil {
		return pol, nil
	}
	var stmts []*jnode
	switch st.kind {
	case jObject:
		stmts = []*jnode{st}
	case jArray:
		stmts = st.items
	default:
		return nil, fmt.Errorf("%s: policy JSON: Statement is neither an object nor a list", st.pos)
	}
	for _, s := range stmts {
		if s.kind != jObject {
			return nil, fmt.Errorf("%s: policy JSON: statement is not an object", s.pos)
		}
		pol.Statements = append(pol.Statements, s.statement())
	}
	return pol, nil
}

type jkind uint8

const (
	jScalar jkind = iota
	jNull
	jObject
	jArray
)

type jnode struct {
	kind  jkind
	str   string
	pos   model.Pos
	keys  []string
	kpos  []model.Pos
	vals  []*jnode
	items []*jnode
}

func (n *jnode) get(key string) *jnode {
	if n == nil || n.kind != jObject {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	for i, k := range n.keys {
		if strings.EqualFold(k, key) {
			return n.vals[i]
		}
	}
	return nil
}

func (n *jnode) value() model.Value {
	if n == nil || n.kind == jNull {
		return model.Value{}
	}
	if n.kind != jScalar {
		// A list or object where a string belongs: set, but not a value
		// the engine can reason about.
		return model.Unresolved("non-scalar", n.pos)
	}
	if templateRef(n.str) {
		return model.Unresolved(n.str, n.pos)
	}
	return model.Str(n.str, n.pos)
}

// templateRef reports whether s holds a ${...} that is a template
// reference - Terraform "${aws_s3_bucket.b.arn}", CloudFormation
// "${AWS::Region}" or "${Bucket}" - rather than an IAM policy variable
// ("${aws:username}", "${s3:prefix}", "${*}"), which IAM itself resolves
// per request. A policy read from a heredoc or a Fn::Sub string holds the
// former until deployment, so the value is unknown here, and its text is
// kept as the expression.
func templateRef(s string) bool {
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return false
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return false
		}
		if !policyVariable(s[i+2 : i+j]) {
			return true
		}
		s = s[i+j+1:]
	}
}

// policyVariable reports whether the inside of ${...} is an IAM policy
// variable: a "service:key" name (one colon, not CloudFormation's "::") or
// one of the escapes ${*}, ${?}, ${$}.
func policyVariable(v string) bool {
	switch v {
	case "*", "?", "$":
		return true
	}
	i := strings.IndexByte(v, ':')
	return i > 0 && i < len(v)-1 && !strings.Contains(v, "::") && !strings.ContainsAny(v, " .")
}

// values reads a string-or-list element.
func (n *jnode) values() []model.Value {
	if n == nil || n.kind == jNull {
		return nil
	}
	if n.kind == jArray {
		out := make([]model.Value, 0, len(n.items))
		for _, it := range n.items {
			out = append(out, it.value())
		}
		return out
	}
	return []model.Value{n.value()}
}

func (n *jnode) principals() map[string][]model.Value {
	if n == nil || n.kind == jNull {
		return nil
	}
	if n.kind != jObject {
		return map[string][]model.Value{"*": n.values()}
	}
	out := map[string][]model.Value{}
	for i, k := range n.keys {
		out[k] = n.vals[i].values()
	}
	return out
}

func (n *jnode) statement() *model.Statement {
	s := &model.Statement{Pos: n.pos}
	if sid := n.get("Sid"); sid != nil && sid.kind == jScalar {
		s.Sid = sid.str
	}
	s.Effect = n.get("Effect").value()
	s.Actions = n.get("Action").values()
	s.NotActions = n.get("NotAction").values()
	s.Resources = n.get("Resource").values()
	s.NotResources = n.get("NotResource").values()
	s.Principals = n.get("Principal").principals()
	s.NotPrincipals = n.get("NotPrincipal").principals()
	if c := n.get("Condition"); c != nil && c.kind == jObject {
		for i, op := range c.keys {
			block := c.vals[i]
			if block.kind != jObject {
				s.Conditions = append(s.Conditions, model.Condition{Operator: op, Values: []model.Value{model.Unresolved("non-object condition", block.pos)}})
				continue
			}
			for j, key := range block.keys {
				s.Conditions = append(s.Conditions, model.Condition{Operator: op, Key: key, Values: block.vals[j].values()})
			}
		}
		sort.SliceStable(s.Conditions, func(i, j int) bool {
			if s.Conditions[i].Operator != s.Conditions[j].Operator {
				return s.Conditions[i].Operator < s.Conditions[j].Operator
			}
			return s.Conditions[i].Key < s.Conditions[j].Key
		})
	}
	return s
}

type jsonParser struct {
	file    string
	line    int
	data    []byte
	nl      []int // offsets of newlines
	dec     *json.Decoder
	lastOff int
}

// posAt turns a byte offset into a position in the enclosing file.
func (p *jsonParser) posAt(off int) model.Pos {
	i := sort.SearchInts(p.nl, off) // newlines before off
	pos := model.Pos{File: p.file, Line: p.line + i}
	if p.line <= 1 {
		start := 0
		if i > 0 {
			start = p.nl[i-1] + 1
		}
		pos.Col = off - start + 1
	}
	return pos
}

// next returns the next token and the offset where it starts: the decoder
// reports the offset after the previous token, so skip the separators.
func (p *jsonParser) next() (json.Token, int, error) {
	off := int(p.dec.InputOffset())
	for off < len(p.data) {
		switch p.data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
			continue
		}
		break
	}
	p.lastOff = off
	t, err := p.dec.Token()
	return t, off, err
}

func (p *jsonParser) value(depth int) (*jnode, error) {
	if depth > maxPolicyDepth {
		return nil, fmt.Errorf("nesting deeper than %d", maxPolicyDepth)
	}
	t, off, err := p.next()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	n := &jnode{pos: p.posAt(off)}
	switch v := t.(type) {
	case json.Delim:
		switch v {
		case '{':
			n.kind = jObject
			for p.dec.More() {
				kt, koff, err := p.next()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key is not a string")
				}
				val, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k)
				n.kpos = append(n.kpos, p.posAt(koff))
				n.vals = append(n.vals, val)
			}
		case '[':
			n.kind = jArray
			for p.dec.More() {
				it, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, it)
			}
		default:
			return nil, fmt.Errorf("unexpected %q", rune(v))
		}
		if _, _, err := p.next(); err != nil { // closing delimiter
			if errors.Is(err, io.EOF) {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
	case string:
		n.str = v
	case json.Number:
		n.str = v.String()
	case bool:
		if v {
			n.str = "true"
		} else {
			n.str = "false"
		}
	case nil:
		n.kind = jNull
	}
	return n, nil
}
