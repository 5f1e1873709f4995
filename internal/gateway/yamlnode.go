package gateway

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/wardensec/warden/internal/gateway/confpath"
)

// Issue is one configuration problem, located in the file.
type Issue struct {
	File string
	Line int
	Path string
	Msg  string
}

func (i Issue) String() string {
	var b strings.Builder
	b.WriteString(i.File)
	if i.Line > 0 {
		b.WriteString(":" + strconv.Itoa(i.Line))
	}
	b.WriteString(": ")
	if i.Path != "" {
		b.WriteString(i.Path + ": ")
	}
	b.WriteString(i.Msg)
	return b.String()
}

// ConfigError lists every problem found in a config file, each with its line,
// so that one run of `warden gateway validate` shows them all.
type ConfigError struct{ Issues []Issue }

func (e *ConfigError) Error() string {
	var lines []string
	for _, i := range e.Issues {
		lines = append(lines, i.String())
	}
	return strings.Join(lines, "\n")
}

var (
	yamlNodeType    = reflect.TypeOf(yaml.Node{})
	unmarshalerType = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()
)

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		return deref(n.Content[0])
	}
	return n
}

func joinPath(base, key string) string {
	if base == "" {
		return key
	}
	return base + "." + key
}

// yamlFields maps the yaml keys of struct t to their field types, following
// ",inline" fields.
func yamlFields(t reflect.Type, out map[string]reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(opts, "inline") {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				yamlFields(ft, out)
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name) // yaml.v3's default
		}
		out[name] = f.Type
	}
}

// checkFields walks n alongside type t and reports mapping keys that t does
// not declare. yaml.Node.Decode has no KnownFields switch, so this is how a
// typo ("upsteam:") becomes an error with a line instead of a silently
// ignored setting.
func checkFields(n *yaml.Node, t reflect.Type, path string, issues *[]Issue) {
	n = deref(n)
	if n == nil {
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == yamlNodeType || reflect.PointerTo(t).Implements(unmarshalerType) {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return
		}
		fields := map[string]reflect.Type{}
		yamlFields(t, fields)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "<<" {
				continue
			}
			ft, ok := fields[k.Value]
			if !ok {
				*issues = append(*issues, Issue{Line: k.Line, Path: joinPath(path, k.Value), Msg: "unknown field" + suggest(k.Value, fields)})
				continue
			}
			checkFields(v, ft, joinPath(path, k.Value), issues)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			checkFields(n.Content[i+1], t.Elem(), joinPath(path, n.Content[i].Value), issues)
		}
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			return
		}
		for i, c := range n.Content {
			checkFields(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i), issues)
		}
	}
}

func suggest(key string, fields map[string]reflect.Type) string {
	var names []string
	for n := range fields {
		names = append(names, n)
	}
	sort.Strings(names)
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(key, n); d < bestD {
			best, bestD = n, d
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

func editDistance(a, b string) int {
	if len(a) > 40 || len(b) > 40 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// decodeNode decodes n into v (a pointer), reporting type errors and unknown
// fields as issues under path.
func decodeNode(n *yaml.Node, v any, path string) []Issue {
	var issues []Issue
	if n == nil || n.Kind == 0 {
		return nil
	}
	if err := n.Decode(v); err != nil {
		issues = append(issues, yamlErrIssues(err, path, n.Line)...)
	}
	checkFields(n, reflect.TypeOf(v), path, &issues)
	return issues
}

// yamlErrIssues turns yaml's "line N: ..." messages into issues.
func yamlErrIssues(err error, path string, line int) []Issue {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		var out []Issue
		for _, e := range te.Errors {
			out = append(out, lineMsg(e, path, line))
		}
		return out
	}
	return []Issue{lineMsg(err.Error(), path, line)}
}

func lineMsg(msg, path string, line int) Issue {
	msg = strings.TrimPrefix(msg, "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, tail, ok := strings.Cut(rest, ": "); ok {
			if l, err := strconv.Atoi(num); err == nil {
				return Issue{Line: l, Path: path, Msg: tail}
			}
		}
	}
	return Issue{Line: line, Path: path, Msg: msg}
}

// pathAtLine names the field whose value starts on line, so that a type
// error from the YAML decoder ("line 14: cannot unmarshal ...") can say
// which field it is about.
func pathAtLine(n *yaml.Node, line int, base string) (string, bool) {
	n = deref(n)
	if n == nil {
		return "", false
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], deref(n.Content[i+1])
			p := joinPath(base, k.Value)
			if v != nil && (v.Kind == yaml.MappingNode || v.Kind == yaml.SequenceNode) {
				if sub, ok := pathAtLine(v, line, p); ok {
					return sub, true
				}
			}
			if k.Line == line || v != nil && v.Line == line && v.Kind == yaml.ScalarNode {
				return p, true
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", base, i)
			if sub, ok := pathAtLine(c, line, p); ok {
				return sub, true
			}
			if c.Line == line && c.Kind == yaml.ScalarNode {
				return p, true
			}
		}
	}
	return "", false
}

// lookupLine finds the line of a dotted, indexed path ("routes[1].upstream")
// in the document; when the path runs out of the document (a default value,
// an imported route), it returns the line of the deepest node found.
func lookupLine(root *yaml.Node, path string) int {
	n := deref(root)
	if n == nil {
		return 0
	}
	line := n.Line
	for _, seg := range splitPath(path) {
		var next *yaml.Node
		if idx, ok := seg.index(); ok {
			if n.Kind == yaml.SequenceNode && idx < len(n.Content) {
				next = n.Content[idx]
				line = next.Line
			}
		} else if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == string(seg) {
					next = n.Content[i+1]
					line = n.Content[i].Line // the key is where a reader looks
					break
				}
			}
		}
		if next = deref(next); next == nil {
			break
		}
		n = next
	}
	return line
}

type segment string

func (s segment) index() (int, bool) {
	if len(s) >= 2 && s[0] == '[' && s[len(s)-1] == ']' {
		i, err := strconv.Atoi(string(s[1 : len(s)-1]))
		return i, err == nil
	}
	return 0, false
}

func splitPath(p string) []segment {
	var out []segment
	for _, part := range strings.Split(p, ".") {
		for part != "" {
			i := strings.IndexByte(part, '[')
			switch {
			case i < 0:
				out = append(out, segment(part))
				part = ""
			case i > 0:
				out = append(out, segment(part[:i]))
				part = part[i:]
			default:
				j := strings.IndexByte(part, ']')
				if j < 0 {
					out = append(out, segment(part))
					part = ""
				} else {
					out = append(out, segment(part[:j+1]))
					part = part[j+1:]
				}
			}
		}
	}
	return out
}

// issuesFrom turns a section validator's error (confpath errors, possibly
// joined) into located issues. prefix places the section in the file.
func issuesFrom(err error, prefix string, root *yaml.Node, fallbackLine int) []Issue {
	if err == nil {
		return nil
	}
	var out []Issue
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, issuesFrom(e, prefix, root, fallbackLine)...)
		}
		return out
	}
	var ce *confpath.Error
	if errors.As(err, &ce) {
		p := confpath.Prefix(prefix, ce).(*confpath.Error)
		if prefix == "" {
			p = ce
		}
		line := 0
		if root != nil {
			line = lookupLine(root, p.Path)
		}
		if line == 0 || root == nil {
			line = fallbackLine
		}
		return []Issue{{Line: line, Path: p.Path, Msg: p.Msg}}
	}
	line := fallbackLine
	if root != nil && prefix != "" {
		if l := lookupLine(root, prefix); l > 0 {
			line = l
		}
	}
	return []Issue{{Line: line, Path: prefix, Msg: err.Error()}}
}
