package serverless

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/load/yamlsafe"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// Limits on variable resolution. Real projects nest a handful of levels and
// resolve a few thousand variables; a hostile document (a self-reference,
// a chain that doubles a string at each step) stops here with a diagnostic.
const (
	maxVarDepth   = 48
	maxVarWork    = 4_000_000 // variable evaluations plus bytes produced
	maxScalarSize = 1 << 20
)

// unknownInfo marks a resolved node whose value Warden cannot know.
type unknownInfo struct {
	expr     string
	external bool
}

// include is a file read through ${file(...)}.
type include struct {
	body *yaml.Node // nil when the file could not be read or parsed
	err  error
	code string // diagnostic code of err
}

// resolver resolves Serverless Framework variables over the yaml.Node tree.
// It never changes the parsed document: a scalar with variables becomes a
// new node at the same line and column, and a subtree without variables is
// returned as is. Results are memoised per node, so a document that refers
// to one value many times costs what its text costs, not more.
type resolver struct {
	root *source.Root
	file string     // the serverless file, relative to the root
	body *yaml.Node // its top mapping, unresolved
	opts load.Options

	memo    map[*yaml.Node]*yaml.Node
	busy    map[*yaml.Node]bool
	unknown map[*yaml.Node]unknownInfo
	// fileOf maps nodes that came from an included file to that file;
	// nodes of the serverless file itself are not listed.
	fileOf   map[*yaml.Node]string
	includes map[string]*include
	incOrder []string
	// sites are unknown results of a scalar in the source, keyed by the
	// result node, with the file they were written in; File.Unresolved
	// counts them.
	sites map[*yaml.Node]string

	diags    []model.Diagnostic
	diagSeen load.DiagOnce

	depth     int
	work      int
	stopped   bool
	stageMemo *yaml.Node
	inStage   bool
}

func newResolver(root *source.Root, file string, body *yaml.Node, opts load.Options) *resolver {
	return &resolver{
		root: root, file: file, body: body, opts: opts,
		memo:     map[*yaml.Node]*yaml.Node{},
		busy:     map[*yaml.Node]bool{},
		unknown:  map[*yaml.Node]unknownInfo{},
		fileOf:   map[*yaml.Node]string{},
		includes: map[string]*include{},
		sites:    map[*yaml.Node]string{},
		diagSeen: load.DiagOnce{},
	}
}

// fileFor returns the file a node was written in.
func (r *resolver) fileFor(n *yaml.Node) string {
	if f, ok := r.fileOf[n]; ok {
		return f
	}
	return r.file
}

func (r *resolver) pos(n *yaml.Node) model.Pos {
	if n == nil {
		return model.Pos{File: r.file}
	}
	return model.Pos{File: r.fileFor(n), Line: n.Line, Col: n.Column}
}

func (r *resolver) diag(pos model.Pos, level model.DiagLevel, code, format string, args ...any) {
	r.diagSeen.Add(&r.diags, load.Diag(pos, level, code, format, args...))
}

// mkUnknown makes an unknown scalar at the place of site.
func (r *resolver) mkUnknown(site *yaml.Node, expr string, external bool) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: expr, Line: site.Line, Column: site.Column}
	if f, ok := r.fileOf[site]; ok {
		r.fileOf[n] = f
	}
	r.unknown[n] = unknownInfo{expr: expr, external: external}
	return n
}

// scalarAt makes a known scalar at the place of site.
func (r *resolver) scalarAt(site *yaml.Node, value, tag string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value, Line: site.Line, Column: site.Column}
	if f, ok := r.fileOf[site]; ok {
		r.fileOf[n] = f
	}
	return n
}

// resolve returns n with every variable in it resolved.
func (r *resolver) resolve(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	if out, ok := r.memo[n]; ok {
		return out
	}
	if r.busy[n] {
		r.diag(r.pos(n), model.DiagWarning, "limit", "variable recursion too deep: the value at this line refers back to itself; treated as unknown")
		return r.mkUnknown(n, strings.TrimSpace(n.Value), false)
	}
	r.busy[n] = true
	var out *yaml.Node
	switch n.Kind {
	case yaml.DocumentNode:
		out = r.resolveChildren(n, false)
	case yaml.AliasNode:
		out = r.resolve(n.Alias)
	case yaml.ScalarNode:
		out = n
		if strings.Contains(n.Value, "${") {
			out = r.resolveScalar(n)
		}
	case yaml.MappingNode:
		out = r.resolveChildren(n, true)
	case yaml.SequenceNode:
		out = r.resolveChildren(n, false)
	default:
		out = n
	}
	delete(r.busy, n)
	r.memo[n] = out
	return out
}

// resolveChildren resolves the values (not the keys) of a collection,
// copying it only when something changed.
func (r *resolver) resolveChildren(n *yaml.Node, mapping bool) *yaml.Node {
	var cp *yaml.Node
	for i, c := range n.Content {
		if mapping && i%2 == 0 {
			continue
		}
		rc := r.resolve(c)
		if rc == c {
			continue
		}
		if cp == nil {
			cp = &yaml.Node{}
			*cp = *n
			cp.Content = append([]*yaml.Node(nil), n.Content...)
			if f, ok := r.fileOf[n]; ok {
				r.fileOf[cp] = f
			}
		}
		cp.Content[i] = rc
	}
	if cp == nil {
		return n
	}
	return cp
}

// resolveScalar resolves the variables of one scalar.
func (r *resolver) resolveScalar(n *yaml.Node) *yaml.Node {
	segs := splitTemplate(n.Value)
	hasVar := false
	for _, s := range segs {
		hasVar = hasVar || s.isVar
	}
	if !hasVar {
		return n
	}
	out := r.interpolate(n, n.Value, segs, true)
	if r.isUnknown(out) {
		r.sites[out] = r.fileFor(n)
	}
	return out
}

// interpolate evaluates a template string at site. whole allows a single
// variable to yield a mapping or list, as it may when it is the entire
// value.
func (r *resolver) interpolate(site *yaml.Node, text string, segs []segment, whole bool) *yaml.Node {
	if r.stopped {
		return r.mkUnknown(site, text, false)
	}
	r.depth++
	defer func() { r.depth-- }()
	if r.depth > maxVarDepth {
		r.diag(r.pos(site), model.DiagWarning, "limit", "variable recursion too deep (more than %d nested variables); treated as unknown", maxVarDepth)
		return r.mkUnknown(site, text, false)
	}
	if len(segs) == 1 && segs[0].isVar && whole {
		res, found, why := r.evalVar(site, segs[0].lit)
		if !found {
			r.diag(r.pos(site), model.DiagWarning, "unresolved", "cannot resolve ${%s}: %s; treated as unknown", segs[0].lit, why)
			return r.mkUnknown(site, text, false)
		}
		if info, unk := r.unknown[res]; unk {
			// A value at the place that uses it; a fallback chain shows
			// whole, a single reference shows what it ended at (the SSM
			// path behind ${self:custom.dbPassword}).
			expr := info.expr
			if len(splitFallbacks(segs[0].lit)) > 1 {
				expr = text
			}
			return r.mkUnknown(site, expr, info.external)
		}
		if res.Kind != yaml.ScalarNode {
			return res
		}
		return r.scalarAt(site, res.Value, res.Tag)
	}
	var b strings.Builder
	external, unknown := false, false
	for _, s := range segs {
		if !s.isVar {
			b.WriteString(s.lit)
			continue
		}
		res, found, why := r.evalVar(site, s.lit)
		switch {
		case !found:
			r.diag(r.pos(site), model.DiagWarning, "unresolved", "cannot resolve ${%s}: %s; treated as unknown", s.lit, why)
			unknown = true
		case r.isUnknown(res):
			unknown = true
			external = external || r.unknown[res].external
		case res.Kind != yaml.ScalarNode:
			r.diag(r.pos(site), model.DiagWarning, "unresolved", "${%s} is a %s and cannot be part of a string; treated as unknown", s.lit, kindName(res))
			unknown = true
		case res.Tag == "!!null":
			b.WriteString("null")
		default:
			b.WriteString(res.Value)
		}
		if b.Len() > maxScalarSize {
			r.diag(r.pos(site), model.DiagWarning, "limit", "variable recursion too deep: the value grows beyond %d bytes; treated as unknown", maxScalarSize)
			return r.mkUnknown(site, text, false)
		}
	}
	if r.charge(b.Len(), site) {
		return r.mkUnknown(site, text, false)
	}
	if unknown {
		return r.mkUnknown(site, text, external)
	}
	return r.scalarAt(site, b.String(), "!!str")
}

// charge counts work and reports once when the budget is spent.
func (r *resolver) charge(n int, site *yaml.Node) bool {
	r.work += n + 1
	if r.work > maxVarWork && !r.stopped {
		r.stopped = true
		r.diag(r.pos(site), model.DiagWarning, "limit", "variable recursion too deep: resolution stopped after %d steps; the remaining variables are unknown", maxVarWork)
	}
	return r.stopped
}

func (r *resolver) isUnknown(n *yaml.Node) bool {
	_, ok := r.unknown[n]
	return ok
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	return "value"
}

var sourceRE = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_]*)(?:\((.*?)\))?(?::(.*))?$`)

// evalVar evaluates the body of one variable with its fallback chain. found
// is false when no alternative had a value; why then says what was missing.
// An alternative that is set but unknown (an SSM parameter, an environment
// variable Warden cannot see) ends the chain: the fallback may or may not
// be used at deploy time, so the result is unknown.
func (r *resolver) evalVar(site *yaml.Node, body string) (*yaml.Node, bool, string) {
	if r.charge(0, site) {
		return r.mkUnknown(site, "${"+body+"}", false), true, ""
	}
	alts := splitFallbacks(body)
	var whys []string
	for _, alt := range alts {
		res, found, why := r.evalAlt(site, alt)
		if found {
			if res.Tag == "!!null" && len(alts) > 1 && alt != alts[len(alts)-1] {
				continue
			}
			return res, true, ""
		}
		whys = append(whys, why)
	}
	return nil, false, strings.Join(whys, "; ")
}

// evalAlt evaluates one alternative of a fallback chain: a literal, a
// nested variable, or a source reference.
func (r *resolver) evalAlt(site *yaml.Node, alt string) (*yaml.Node, bool, string) {
	if alt == "" {
		return nil, false, "empty variable"
	}
	switch c := alt[0]; {
	case (c == '\'' || c == '"') && len(alt) >= 2 && alt[len(alt)-1] == c:
		return r.scalarAt(site, alt[1:len(alt)-1], "!!str"), true, ""
	case c == '-' || c >= '0' && c <= '9':
		if _, err := strconv.ParseFloat(alt, 64); err == nil {
			tag := "!!float"
			if _, err := strconv.ParseInt(alt, 10, 64); err == nil {
				tag = "!!int"
			}
			return r.scalarAt(site, alt, tag), true, ""
		}
	}
	switch alt {
	case "true", "false":
		return r.scalarAt(site, alt, "!!bool"), true, ""
	case "null":
		return r.scalarAt(site, "", "!!null"), true, ""
	}
	if strings.HasPrefix(alt, "${") && matchBrace(alt, 2) == len(alt)-1 {
		return r.evalVar(site, alt[2:len(alt)-1])
	}
	// Nested variables inside a reference are resolved first:
	// self:custom.${opt:stage}.domain.
	if strings.Contains(alt, "${") {
		inner := r.interpolate(site, alt, splitTemplate(alt), false)
		if r.isUnknown(inner) {
			return r.mkUnknown(site, "${"+alt+"}", r.unknown[inner].external), true, ""
		}
		alt = inner.Value
	}
	m := sourceRE.FindStringSubmatch(alt)
	if m == nil {
		r.diag(r.pos(site), model.DiagWarning, "unresolved", "malformed variable ${%s}; treated as unknown", alt)
		return r.mkUnknown(site, "${"+alt+"}", false), true, ""
	}
	return r.source(site, m[1], strings.TrimSpace(m[2]), strings.TrimSpace(m[3]), alt)
}

// source evaluates one variable source.
func (r *resolver) source(site *yaml.Node, typ, param, addr, text string) (*yaml.Node, bool, string) {
	expr := "${" + text + "}"
	switch typ {
	case "self":
		return r.selfPath(site, addr, text)
	case "opt":
		if v, ok := r.opts.Vars[addr]; ok {
			return r.scalarAt(site, v, "!!str"), true, ""
		}
		return nil, false, fmt.Sprintf("option --%s is not set (pass --var %s=VALUE)", addr, addr)
	case "env":
		if r.opts.Env == nil {
			r.diag(r.pos(site), model.DiagInfo, "unresolved", "%s depends on the deploy environment, which the scan does not read; treated as unknown", expr)
			return r.mkUnknown(site, expr, false), true, ""
		}
		if v, ok := r.opts.Env(addr); ok {
			return r.scalarAt(site, v, "!!str"), true, ""
		}
		return nil, false, fmt.Sprintf("environment variable %s is not set", addr)
	case "sls":
		switch addr {
		case "stage":
			return r.stage(site), true, ""
		case "instanceId":
			return r.mkUnknown(site, expr, false), true, ""
		}
	case "aws":
		if addr == "region" {
			if reg := r.region(site); reg != nil {
				return reg, true, ""
			}
		}
		r.diag(r.pos(site), model.DiagInfo, "unresolved", "%s is looked up in AWS at deploy time; treated as unknown", expr)
		return r.mkUnknown(site, expr, true), true, ""
	case "ssm", "cf", "s3", "secretsmanager", "param":
		if typ == "param" {
			if v := r.param(site, addr); v != nil {
				return v, true, ""
			}
		}
		r.diag(r.pos(site), model.DiagInfo, "unresolved", "%s is fetched at deploy time; treated as unknown", expr)
		return r.mkUnknown(site, expr, true), true, ""
	case "file":
		return r.file_(site, param, addr, expr)
	case "strToBool":
		p := strings.Trim(param, `'"`)
		switch strings.ToLower(strings.TrimSpace(p)) {
		case "true", "1":
			return r.scalarAt(site, "true", "!!bool"), true, ""
		case "false", "0":
			return r.scalarAt(site, "false", "!!bool"), true, ""
		}
		return r.mkUnknown(site, expr, false), true, ""
	}
	r.diag(r.pos(site), model.DiagWarning, "unsupported", "unknown variable source %q in %s; treated as unknown", typ, expr)
	return r.mkUnknown(site, expr, false), true, ""
}

// selfPath follows a ${self:a.b.c} path through the serverless file.
func (r *resolver) selfPath(site *yaml.Node, addr, text string) (*yaml.Node, bool, string) {
	n, found, why := r.walk(r.body, addr, site, "${"+text+"}")
	if !found {
		return nil, false, why
	}
	return n, true, ""
}

// walk follows a dotted path from start, resolving variables met on the
// way, and returns the resolved value at its end. A null value counts as
// not found, so a fallback applies, as in the framework.
func (r *resolver) walk(start *yaml.Node, addr string, site *yaml.Node, expr string) (*yaml.Node, bool, string) {
	cur := yamlsafe.Resolve(start)
	addr = strings.TrimSpace(addr)
	if addr != "" {
		for _, seg := range strings.Split(addr, ".") {
			if cur != nil && cur.Kind == yaml.ScalarNode {
				cur = r.resolve(cur)
			}
			if cur == nil {
				return nil, false, fmt.Sprintf("%s does not exist", addr)
			}
			if r.isUnknown(cur) {
				return r.mkUnknown(site, expr, r.unknown[cur].external), true, ""
			}
			switch cur.Kind {
			case yaml.MappingNode:
				cur = yamlsafe.Get(cur, seg)
			case yaml.SequenceNode:
				i, err := strconv.Atoi(seg)
				if err != nil || i < 0 || i >= len(cur.Content) {
					return nil, false, fmt.Sprintf("%s does not exist", addr)
				}
				cur = yamlsafe.Resolve(cur.Content[i])
			default:
				cur = nil
			}
			if cur == nil {
				return nil, false, fmt.Sprintf("%s does not exist", addr)
			}
		}
	}
	res := r.resolve(cur)
	if res == nil || res.Kind == yaml.ScalarNode && res.Tag == "!!null" && !r.isUnknown(res) {
		return nil, false, fmt.Sprintf("%s is not set", strings.TrimSpace(addr))
	}
	return res, true, ""
}

// stage is ${sls:stage}: --var stage, else provider.stage, else "dev",
// as the framework decides it.
func (r *resolver) stage(site *yaml.Node) *yaml.Node {
	if v, ok := r.opts.Vars["stage"]; ok {
		return r.scalarAt(site, v, "!!str")
	}
	if r.inStage {
		r.diag(r.pos(site), model.DiagWarning, "limit", "variable recursion too deep: provider.stage refers to ${sls:stage}; treated as unknown")
		return r.mkUnknown(site, "${sls:stage}", false)
	}
	if r.stageMemo == nil {
		r.inStage = true
		n, found, _ := r.walk(r.body, "provider.stage", site, "${sls:stage}")
		r.inStage = false
		if !found || n.Kind != yaml.ScalarNode {
			n = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "dev"}
		}
		r.stageMemo = n
	}
	if r.isUnknown(r.stageMemo) {
		return r.mkUnknown(site, "${sls:stage}", r.unknown[r.stageMemo].external)
	}
	return r.scalarAt(site, r.stageMemo.Value, "!!str")
}

// region is ${aws:region}: --var region, else provider.region; nil when
// neither is set (the deploying profile decides).
func (r *resolver) region(site *yaml.Node) *yaml.Node {
	if v, ok := r.opts.Vars["region"]; ok {
		return r.scalarAt(site, v, "!!str")
	}
	n, found, _ := r.walk(r.body, "provider.region", site, "${aws:region}")
	if !found || n.Kind != yaml.ScalarNode {
		return nil
	}
	if r.isUnknown(n) {
		return n
	}
	return r.scalarAt(site, n.Value, "!!str")
}

// param is ${param:key}: the params block for the stage, then its
// default entry. nil means it is not in the file (a dashboard or CLI
// parameter).
func (r *resolver) param(site *yaml.Node, key string) *yaml.Node {
	st := r.stage(site)
	if !r.isUnknown(st) {
		if n, found, _ := r.walk(r.body, "params."+st.Value+"."+key, site, "${param:"+key+"}"); found {
			return n
		}
	}
	if n, found, _ := r.walk(r.body, "params.default."+key, site, "${param:"+key+"}"); found {
		if r.isUnknown(st) {
			return r.mkUnknown(site, "${param:"+key+"}", false)
		}
		return n
	}
	return nil
}

// file_ is ${file(path):address}. The path is resolved against the file
// that holds the variable and read only through the source root.
func (r *resolver) file_(site *yaml.Node, param, addr, expr string) (*yaml.Node, bool, string) {
	p := strings.Trim(strings.TrimSpace(param), `'"`)
	if p == "" {
		r.diag(r.pos(site), model.DiagWarning, "unresolved", "%s names no file; treated as unknown", expr)
		return r.mkUnknown(site, expr, false), true, ""
	}
	from := r.fileFor(site)
	rel, err := source.Join(from, p)
	if err != nil {
		r.diag(r.pos(site), model.DiagError, "outside-root", "%s reads %s, outside the scanned directory; not read, treated as unknown", expr, p)
		return r.mkUnknown(site, expr, false), true, ""
	}
	switch strings.ToLower(path.Ext(rel)) {
	case ".js", ".cjs", ".mjs", ".ts":
		r.diag(r.pos(site), model.DiagWarning, "unsupported", "%s runs JavaScript, which Warden never executes; treated as unknown", expr)
		return r.mkUnknown(site, expr, false), true, ""
	}
	inc := r.readInclude(site, rel, expr)
	if inc == nil {
		return r.mkUnknown(site, expr, false), true, ""
	}
	if inc.body == nil {
		if errors.Is(inc.err, errMissing) {
			return nil, false, fmt.Sprintf("file %s does not exist", rel)
		}
		return r.mkUnknown(site, expr, false), true, ""
	}
	return r.walk(inc.body, addr, site, expr)
}

var errMissing = errors.New("file does not exist")

// readInclude reads and parses an included file once. Problems are
// reported at the variable that asked for the file.
func (r *resolver) readInclude(site *yaml.Node, rel, expr string) *include {
	if inc, ok := r.includes[rel]; ok {
		if inc.err != nil && !errors.Is(inc.err, errMissing) {
			r.diag(r.pos(site), model.DiagWarning, inc.code, "%s: %v; treated as unknown", expr, inc.err)
		}
		return inc
	}
	inc := &include{}
	r.includes[rel] = inc
	r.incOrder = append(r.incOrder, rel)
	data, err := r.root.ReadFile(rel)
	if err != nil {
		code := load.ReadCode(err)
		if code == "read" && isNotExist(err) {
			inc.err = errMissing
			return inc
		}
		inc.err, inc.code = err, code
		r.diag(r.pos(site), model.DiagError, code, "%s cannot be read (%v); treated as unknown", expr, err)
		return inc
	}
	ext := strings.ToLower(path.Ext(rel))
	if ext != ".yml" && ext != ".yaml" && ext != ".json" {
		// The framework includes other files as plain text.
		n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: string(data), Line: 1, Column: 1}
		r.fileOf[n] = rel
		inc.body = n
		return inc
	}
	doc, err := yamlsafe.Parse(rel, data)
	if err != nil {
		inc.err, inc.code = err, "parse"
		pos := model.Pos{File: rel}
		var ye *yamlsafe.Error
		if errors.As(err, &ye) {
			pos.Line = ye.Line
		}
		r.diag(pos, model.DiagError, "parse", "cannot parse %s, included by %s at line %d: %v", rel, r.fileFor(site), site.Line, err)
		return inc
	}
	body := yamlsafe.Body(doc)
	r.markFile(body, rel, 0)
	inc.body = body
	return inc
}

// markFile records that every node of an included tree belongs to file.
func (r *resolver) markFile(n *yaml.Node, file string, depth int) {
	if n == nil || depth > yamlsafe.DefaultLimits.MaxDepth+8 {
		return
	}
	if _, ok := r.fileOf[n]; ok {
		return
	}
	r.fileOf[n] = file
	for _, c := range n.Content {
		r.markFile(c, file, depth+1)
	}
	if n.Kind == yaml.AliasNode {
		r.markFile(n.Alias, file, depth+1)
	}
}

func isNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist)
}
