// Package yamlsafe parses untrusted YAML and JSON into yaml.Node trees with
// limits, so that an alias bomb, a 100,000-level nesting or a parser panic in
// one scanned file becomes an error that names the file instead of a hung or
// crashed scan. CloudFormation and Serverless Framework loaders share it.
package yamlsafe

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Limits bound the shape of a document.
type Limits struct {
	MaxDepth int // nesting of mappings and sequences
	MaxNodes int // nodes after alias expansion
}

// DefaultLimits are far above any real template and far below what hurts.
var DefaultLimits = Limits{MaxDepth: 200, MaxNodes: 2_000_000}

// Error is a parse or limit error with the line it happened on.
type Error struct {
	File string
	Line int
	Msg  string
	// Limit is set when the document was refused for its shape (nesting
	// depth, alias expansion) rather than for its syntax, so loaders can
	// report a "limit" diagnostic without matching message text.
	Limit bool
}

// IsLimit reports whether err is a yamlsafe limit refusal.
func IsLimit(err error) bool {
	var ye *Error
	return errors.As(err, &ye) && ye.Limit
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

var lineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// Parse parses data into a document node. It never panics.
func Parse(file string, data []byte) (doc *yaml.Node, err error) {
	return ParseWith(file, data, DefaultLimits)
}

// ParseWith is Parse with explicit limits.
func ParseWith(file string, data []byte, lim Limits) (doc *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			doc, err = nil, &Error{File: file, Msg: fmt.Sprintf("YAML parser failed: %v", r)}
		}
	}()
	// A cheap pre-check: the parser itself recurses per nesting level, so
	// refuse absurd nesting before handing the bytes over.
	if d := bracketDepth(data); d > lim.MaxDepth*2+64 {
		return nil, &Error{File: file, Msg: fmt.Sprintf("document nests deeper than %d levels", lim.MaxDepth), Limit: true}
	}
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		return nil, toError(file, err)
	}
	if n.Kind == 0 {
		return nil, &Error{File: file, Msg: "empty document"}
	}
	if err := Check(file, &n, lim); err != nil {
		return nil, err
	}
	return &n, nil
}

func toError(file string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		err = errors.New(te.Errors[0])
	}
	msg := err.Error()
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		ln, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: ln, Msg: m[2]}
	}
	if len(msg) > 6 && msg[:6] == "yaml: " {
		msg = msg[6:]
	}
	return &Error{File: file, Msg: msg}
}

// Check walks n counting nodes as if aliases were expanded, so a billion-laughs
// document is refused before any loader expands it.
func Check(file string, n *yaml.Node, lim Limits) error {
	count := 0
	// memo holds the expanded size of anchored nodes already measured, so
	// that checking costs O(document), not O(expansion).
	memo := map[*yaml.Node]int{}
	var size func(n *yaml.Node, depth int, stack map[*yaml.Node]bool) (int, error)
	size = func(n *yaml.Node, depth int, stack map[*yaml.Node]bool) (int, error) {
		if depth > lim.MaxDepth {
			return 0, &Error{File: file, Line: n.Line, Msg: fmt.Sprintf("document nests deeper than %d levels", lim.MaxDepth), Limit: true}
		}
		if n.Kind == yaml.AliasNode {
			if n.Alias == nil {
				return 1, nil
			}
			if stack[n.Alias] {
				return 0, &Error{File: file, Line: n.Line, Msg: "recursive alias"}
			}
			if s, ok := memo[n.Alias]; ok {
				return s, nil
			}
			stack[n.Alias] = true
			s, err := size(n.Alias, depth, stack)
			delete(stack, n.Alias)
			if err != nil {
				return 0, err
			}
			memo[n.Alias] = s
			return s, nil
		}
		total := 1
		for _, c := range n.Content {
			s, err := size(c, depth+1, stack)
			if err != nil {
				return 0, err
			}
			total += s
			if total > lim.MaxNodes {
				return 0, &Error{File: file, Line: n.Line, Msg: fmt.Sprintf("document expands to more than %d nodes (alias bomb?)", lim.MaxNodes), Limit: true}
			}
		}
		return total, nil
	}
	s, err := size(n, 0, map[*yaml.Node]bool{})
	if err != nil {
		return err
	}
	count += s
	if count > lim.MaxNodes {
		return &Error{File: file, Msg: fmt.Sprintf("document expands to more than %d nodes (alias bomb?)", lim.MaxNodes), Limit: true}
	}
	return nil
}

// bracketDepth measures the deepest flow nesting ([ and {) outside quotes;
// block nesting is bounded by line indentation and checked after parsing.
func bracketDepth(data []byte) int {
	depth, max := 0, 0
	var quote byte
	for _, c := range data {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"':
			quote = c
		case c == '[' || c == '{':
			depth++
			if depth > max {
				max = depth
			}
		case c == ']' || c == '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return max
}

// Resolve follows alias nodes to their target.
func Resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 64; i++ {
		n = n.Alias
	}
	return n
}

// Body returns the top mapping of a document node.
func Body(doc *yaml.Node) *yaml.Node {
	if doc != nil && doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		return Resolve(doc.Content[0])
	}
	return Resolve(doc)
}

// Get returns the value for key in a mapping node, following aliases and
// YAML merge keys ("<<"), or nil.
func Get(m *yaml.Node, key string) *yaml.Node {
	_, v := GetPair(m, key)
	return v
}

// GetPair returns the key and value nodes for key in a mapping, or nils.
func GetPair(m *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	m = Resolve(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key && m.Content[i].Tag != "!!merge" {
			return m.Content[i], Resolve(m.Content[i+1])
		}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Tag == "!!merge" {
			src := Resolve(m.Content[i+1])
			if src.Kind == yaml.SequenceNode {
				for _, s := range src.Content {
					if k, v := GetPair(s, key); v != nil {
						return k, v
					}
				}
			} else if k, v := GetPair(src, key); v != nil {
				return k, v
			}
		}
	}
	return nil, nil
}

// Pairs calls fn for each key/value of a mapping in source order, with merge
// keys expanded (explicit keys win, as YAML specifies).
func Pairs(m *yaml.Node, fn func(k, v *yaml.Node)) {
	m = Resolve(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Tag != "!!merge" {
			seen[m.Content[i].Value] = true
		}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], Resolve(m.Content[i+1])
		if k.Tag == "!!merge" {
			var srcs []*yaml.Node
			if v.Kind == yaml.SequenceNode {
				srcs = v.Content
			} else {
				srcs = []*yaml.Node{v}
			}
			for _, s := range srcs {
				Pairs(s, func(k2, v2 *yaml.Node) {
					if !seen[k2.Value] {
						seen[k2.Value] = true
						fn(k2, v2)
					}
				})
			}
			continue
		}
		fn(k, v)
	}
}
