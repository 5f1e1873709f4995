package code

import (
	"regexp"
	"strings"

	"github.com/wardensec/warden/internal/code/ir"
	"github.com/wardensec/warden/internal/model"
)

// call evaluates a call: into analysed code when the callee is a function
// of the scanned project, otherwise by a model of the library function
// (sink, sanitizer, source, or plain propagation of its inputs).
func (a *analyzer) call(fr *frame, e *env, c *ir.Call) *val {
	var recv, callee *val
	method := ""
	if at, ok := c.Fun.(*ir.Attr); ok {
		recv = a.eval(fr, e, at.X)
		method = at.Name
		if recv.ev == nil {
			callee = a.member(recv, method, at.Pos)
		}
	} else {
		callee = a.eval(fr, e, c.Fun)
	}
	args := make([]*val, len(c.Args))
	for i, x := range c.Args {
		args[i] = a.eval(fr, e, x)
	}
	kw := map[string]*val{}
	for _, k := range c.Kw {
		v := a.eval(fr, e, k.X)
		if k.Name == "" {
			for fk, fv := range v.fields {
				kw[fk] = fv
			}
			continue
		}
		kw[k.Name] = v
	}

	// Methods of the event object: event.get('body') is event['body'].
	if recv != nil && recv.ev != nil && recv.facade {
		if v := a.facadeMethod(recv, method, args, kw, c.Pos); v != nil {
			return v
		}
	}
	if recv != nil && recv.ev != nil {
		switch method {
		case "get", "pop", "getlist", "getAll", "getOrDefault":
			if len(args) > 0 {
				if s, ok := args[0].str(); ok {
					return a.evVal(recv.ev.child(s), c.Pos)
				}
			}
			return a.evVal(recv.ev.child("*"), c.Pos)
		case "values", "items", "keys", "entries":
			v := a.evVal(recv.ev.child("*"), c.Pos)
			return &val{taints: v.taints, fields: map[string]*val{"*": v}}
		}
		callee = &val{}
	}

	if callee != nil && callee.fn != nil {
		return a.callFunc(callee.fn, args, kw, c.Pos)
	}
	// A class of the scanned code: run its constructor on the instance.
	if callee != nil && callee.fields != nil && callee.q == "" && callee.mod == nil && !callee.seq {
		for _, init := range []string{"__init__", "constructor"} {
			if f := callee.fields[init]; f != nil && f.fn != nil {
				bound := *f.fn
				bound.self = callee
				a.callFunc(&bound, args, kw, c.Pos)
			}
		}
		return callee
	}
	q := ""
	if callee != nil {
		q = normQ(callee.q)
	}
	if c.New && q != "" {
		q = strings.TrimPrefix(q, "new ")
	}
	if (q == "require" || q == "import") && len(args) == 1 {
		if s, ok := args[0].str(); ok {
			return a.require(fr, s, c.Pos)
		}
	}
	if lambdaStart[q] && len(args) > 0 {
		a.startGo(args[0], c.Pos)
		return &val{}
	}
	a.outParams(fr, e, c, q, recv, args)
	if callee != nil && callee.cb && len(args) > 1 {
		a.checkResponse(args[1], c.Args[1].At())
	}
	sc := &sinkCall{q: q, method: method, recv: recv, args: args, kw: kw, pos: c.Pos, call: c, js: fr.mod != nil && fr.mod.js}
	if fr.mod != nil {
		sc.lang = fr.mod.ir.Lang
	}
	a.checkSinks(sc)
	out := a.result(sc, callee)
	a.uploadedObject(sc, out)
	a.callbacks(sc)
	return out
}

// normQ drops call markers, so requests.Session().get matches
// requests.Session.get.
func normQ(q string) string {
	q = strings.ReplaceAll(q, "().", ".")
	return strings.TrimPrefix(q, "node:")
}

type sinkCall struct {
	q, method string
	recv      *val
	args      []*val
	kw        map[string]*val
	pos       model.Pos
	call      *ir.Call
	js        bool
	lang      string
}

// outParams models Go functions that write their result through a pointer
// argument: json.Unmarshal(data, &v) makes v carry data's taint.
func (a *analyzer) outParams(fr *frame, e *env, c *ir.Call, q string, recv *val, args []*val) {
	from, to := -1, -1
	var src *val
	switch q {
	case "encoding/json.Unmarshal", "encoding/xml.Unmarshal", "gopkg.in/yaml.v3.Unmarshal", "sigs.k8s.io/yaml.Unmarshal":
		from, to = 0, 1
	case "fmt.Sscanf", "fmt.Sscan":
		from, to = 0, 2
	case "encoding/json.NewDecoder.Decode":
		src, to = recv, 0
	default:
		return
	}
	if from >= 0 && from < len(args) {
		src = args[from]
	}
	if src == nil || !src.tainted() {
		return
	}
	for i := to; i < len(c.Args); i++ {
		v := derive(src)
		v.parsed = true
		t := c.Args[i]
		if u, ok := t.(*ir.Unary); ok && u.Op == "&" {
			t = u.X
		}
		a.assign(fr, e, t, v, nil, c.Pos)
		if q != "fmt.Sscanf" && q != "fmt.Sscan" {
			break
		}
	}
}

func (s *sinkCall) arg(i int) *val {
	if i < len(s.args) {
		return s.args[i]
	}
	return nil
}

// argOrKw is positional argument i or keyword name.
func (s *sinkCall) argOrKw(i int, name string) *val {
	if v := s.kw[name]; v != nil {
		return v
	}
	return s.arg(i)
}

// Calls whose result carries no data from their arguments (numeric casts,
// lengths, predicates).
var cleanCalls = map[string]bool{
	"int": true, "float": true, "bool": true, "len": true, "abs": true, "round": true, "hash": true, "ord": true,
	"uuid.UUID": true, "decimal.Decimal": true, "isinstance": true, "id": true, "type": true,
	"Number": true, "parseInt": true, "parseFloat": true, "Boolean": true, "Number.parseInt": true,
	"Number.parseFloat": true, "Date.parse": true, "isNaN": true, "Number.isInteger": true, "Array.isArray": true,
	"strconv.Atoi": true, "strconv.ParseInt": true, "strconv.ParseUint": true, "strconv.ParseFloat": true,
	"strconv.ParseBool": true, "github.com/google/uuid.Parse": true,
}

var cleanMethods = map[string]bool{
	"startswith": true, "endswith": true, "isdigit": true, "isalnum": true, "isnumeric": true, "isalpha": true,
	"includes": true, "startsWith": true, "endsWith": true, "test": true, "has": true, "indexOf": true,
	"count": true, "hasOwnProperty": true, "toFixed": true, "getTime": true, "__len__": true,
}

// Sanitizers that make a value safe for some sink classes only.
var clearCalls = map[string]classMask{
	"shlex.quote": mCommand, "pipes.quote": mCommand, "shellescape": mCommand, "shell-quote.quote": mCommand,
	"shescape.quote": mCommand, "shell-escape": mCommand,
	"os.path.basename": mPath, "posixpath.basename": mPath, "ntpath.basename": mPath, "path.basename": mPath,
	"path/filepath.Base": mPath, "path.Base": mPath, "net/url.PathEscape": mPath | mCommand | mSSRF,
	"net/url.QueryEscape":            mPath | mCommand | mSSRF,
	"werkzeug.utils.secure_filename": mPath, "secure_filename": mPath, "sanitize-filename": mPath,
	"encodeURIComponent": mPath | mCommand | mSSRF, "urllib.parse.quote_plus": mPath | mCommand,
	"psycopg2.sql.Literal": mSQL, "psycopg2.sql.Identifier": mSQL, "mysql.escape": mSQL, "sqlstring.escape": mSQL,
	"pymysql.converters.escape_string": mSQL, "mongo-sanitize": mSQL, "express-mongo-sanitize.sanitize": mSQL,
	"html.EscapeString": mXSS, "text/template.HTMLEscapeString": mXSS, "html/template.HTMLEscapeString": mXSS,
	"text/template.HTMLEscaper": mXSS, "html/template.HTMLEscaper": mXSS,
	"github.com/microcosm-cc/bluemonday.UGCPolicy.Sanitize": mXSS, "github.com/microcosm-cc/bluemonday.StrictPolicy.Sanitize": mXSS,
	"github.com/microcosm-cc/bluemonday.NewPolicy.Sanitize": mXSS, "github.com/microcosm-cc/bluemonday.UGCPolicy.SanitizeBytes": mXSS,
	"github.com/microcosm-cc/bluemonday.StrictPolicy.SanitizeBytes": mXSS, "github.com/microcosm-cc/bluemonday.NewPolicy.SanitizeBytes": mXSS,
}

var clearMethods = map[string]classMask{
	"escape": mSQL, "escapeId": mSQL, "escape_string": mSQL, "quote_identifier": mSQL,
}

var parseCalls = map[string]bool{
	"json.loads": true, "json.load": true, "JSON.parse": true, "ujson.loads": true, "simplejson.loads": true,
	"orjson.loads": true, "yaml.safe_load": true, "js-yaml.load": true, "querystring.parse": true,
	"urllib.parse.parse_qs": true, "base64.b64decode": true,
}

var errCalls = map[string]bool{
	"traceback.format_exc": true, "traceback.format_exception": true, "traceback.format_exception_only": true,
	"traceback.format_tb": true, "traceback.format_stack": true, "sys.exc_info": true,
}

// result models what a library call returns.
func (a *analyzer) result(s *sinkCall, callee *val) *val {
	q, m := s.q, s.method
	switch {
	case cleanCalls[q] || strings.HasPrefix(q, "Math."):
		return &val{}
	case m != "" && cleanMethods[m]:
		return &val{}
	case errCalls[q]:
		return &val{built: true, taints: []*taint{{err: true, source: "exception", trail: (*step)(nil).add(s.pos, "exception details from "+q+"()")}}}
	case q == "util.promisify" || q == "promisify":
		if v := s.arg(0); v != nil {
			return v
		}
	case q == "fmt.Sprintf" || q == "fmt.Sprint" || q == "fmt.Sprintln":
		out := derive(s.args...)
		out.built = true
		if p, ok := s.arg(0).str(); ok && q == "fmt.Sprintf" {
			out.prefix, _, _ = strings.Cut(p, "%")
			out.fixedHead = out.prefix != ""
		}
		return out
	case q == "fmt.Errorf" || q == "errors.New":
		// A constructed error carries its arguments, not exception details.
		return derive(s.args...)
	}
	if mask, ok := clearCalls[q]; ok {
		return derive(s.args...).clear(mask)
	}
	if mask, ok := clearMethods[m]; ok && m != "" && len(s.args) > 0 {
		return derive(s.args...).clear(mask)
	}
	if parseCalls[q] {
		out := derive(s.arg(0))
		out.parsed = true
		return out
	}
	all := append([]*val{s.recv}, s.args...)
	for _, v := range s.kw {
		all = append(all, v)
	}
	out := derive(all...)
	switch q {
	case "str", "repr", "String", "JSON.stringify", "json.dumps", "format", "String.raw":
		out.built, out.parsed = true, false
		return out
	}
	if s.recv != nil && s.recv.resp {
		out.resp = true
		return out
	}
	if m != "" && s.recv != nil && s.recv.q == "" {
		switch m {
		case "append", "push", "extend", "add", "insert", "update", "unshift", "set", "setdefault", "appendleft":
			// In-place mutation: the container now holds the data.
			s.recv.taints = addTaints(s.recv.taints, derive(s.args...).taints...)
			return &val{}
		case "format":
			out.built = true
			if p, ok := s.recv.str(); ok {
				out.prefix, _, _ = strings.Cut(p, "{")
				out.fixedHead = out.prefix != ""
			}
		case "join", "concat", "replace", "strip", "lstrip", "rstrip", "lower", "upper", "trim", "toLowerCase",
			"toUpperCase", "decode", "encode", "substring", "slice", "padStart", "padEnd", "title", "capitalize":
			out.built = true
			out.parsed = false
			if m == "join" || m == "concat" {
				out.prefix = ""
			} else {
				out.prefix = s.recv.prefix
			}
		}
	}
	if callee != nil && callee.q != "" {
		out.q = callee.q + "()"
	}
	if m != "" && s.recv != nil {
		out.parsed = out.parsed || s.recv.parsed
	}
	return out
}

var routeMethods = map[string]bool{"get": true, "post": true, "put": true, "patch": true, "delete": true, "del": true,
	"all": true, "use": true, "options": true, "head": true}

// callbacks analyses function values passed to library calls: array
// callbacks see the elements (event.Records.map(r => ...)), promise
// handlers see the value or the error, and Express-style routes see the
// request as a source and the response as a response.
func (a *analyzer) callbacks(s *sinkCall) {
	for i, v := range s.args {
		if v == nil || v.fn == nil {
			continue
		}
		var params []*val
		switch {
		case a.http && routeMethods[s.method] && s.recv != nil && s.recv.q != "" || a.http && routeMethods[s.method] && (len(s.args) > 1 && isStrArg(s.args[0]) || s.method == "use"):
			params = []*val{a.evVal(&evPath{root: "req"}, v.fn.fn.Pos), {resp: true}, {}}
		case s.method == "catch" || (s.method == "then" && i == 1):
			params = []*val{{taints: []*taint{{err: true, source: "exception", trail: (*step)(nil).add(v.fn.fn.Pos, "promise rejection caught")}}}}
		case s.recv != nil:
			params = []*val{a.elem(s.recv, v.fn.fn.Pos), {}, s.recv}
		default:
			var others []*val
			for j, o := range s.args {
				if j != i {
					others = append(others, o)
				}
			}
			d := derive(others...)
			params = []*val{d, d, d}
		}
		a.callFunc(v.fn, params, nil, s.pos)
	}
}

func isStrArg(v *val) bool {
	_, ok := v.str()
	return ok || v.q == "" && v.lit == nil && v.fields == nil && v.fn == nil && len(v.taints) == 0
}

// hostFixedRE matches a URL prefix that already fixes scheme and host: data
// after it can change the path but not where the request goes.
var hostFixedRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]+[/?#]`)

// schemeOnlyRE matches a prefix that fixes the scheme but leaves the host
// open ("https://" + host).
var schemeOnlyRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*$`)

// report records a flow from v's taints to a sink.
func (a *analyzer) report(class, sink string, pos model.Pos, v *val) {
	if v == nil {
		return
	}
	var ts []*taint
	if class == ClassError {
		ts = v.errs()
	} else {
		ts = v.attacker(class)
	}
	if len(ts) == 0 {
		return
	}
	if class == ClassSSRF && (hostFixedRE.MatchString(v.prefix) || v.fixedHead && !schemeOnlyRE.MatchString(v.prefix)) {
		// The request goes to a host the code chose: attacker data is
		// only in the path or query.
		return
	}
	key := class + "\x00" + pos.String()
	t := ts[0]
	steps := t.trail.list()
	if class == ClassError {
		// A response built and returned by a helper, then returned again by
		// the handler, is one disclosure: skip flows through a reported sink.
		for _, s := range steps {
			if a.seen[class+"\x00"+s.Pos.String()] {
				return
			}
		}
	}
	if a.seen[key] {
		return
	}
	a.seen[key] = true
	steps = append(steps, model.CodeStep{Pos: pos, Message: "sink: " + sink})
	a.flows = append(a.flows, model.CodeFlow{Class: class, Source: t.source, Sink: sink, Steps: steps})
	if class != ClassError {
		a.sinksHit[class+":"+sink] = true
	}
}

// checkResponse reports exception details in the body of an HTTP response
// (a Lambda proxy response or a callback's response).
func (a *analyzer) checkResponse(v *val, pos model.Pos) {
	if !a.http || v == nil || v.fields == nil {
		return
	}
	if b := v.fields["body"]; b != nil {
		a.report(ClassError, "HTTP response body", pos, b)
	}
}

// checkObject reports MongoDB $where built from attacker data, in any
// object literal.
func (a *analyzer) checkObject(v *val, pos model.Pos) {
	if w := v.fields["$where"]; w != nil {
		a.report(ClassSQL, "MongoDB $where", pos, w)
	}
}

var dynamoExprKeys = []string{"FilterExpression", "KeyConditionExpression", "ConditionExpression", "ProjectionExpression", "UpdateExpression", "Statement"}

func (a *analyzer) dynamo(s *sinkCall, fields map[string]*val) {
	for _, k := range dynamoExprKeys {
		v := fields[k]
		if v == nil {
			// Go struct literals arrive with the JSON spelling.
			v = fields[strings.ToLower(k[:1])+k[1:]]
		}
		if v == nil || strings.HasPrefix(v.q, conditionsPrefix) {
			continue
		}
		if k == "Statement" {
			a.report(ClassSQL, "DynamoDB PartiQL Statement", s.pos, v)
			continue
		}
		a.report(ClassSQL, "DynamoDB "+k, s.pos, v)
	}
}

// uploadedObject taints what a storage-triggered function reads back about
// an object (head_object/get_object: metadata, content type, body): whoever
// uploaded the object chose all of it, as they chose its key.
func (a *analyzer) uploadedObject(s *sinkCall, out *val) {
	if !a.storage || s.recv == nil {
		return
	}
	switch s.method {
	case "get_object", "head_object", "getObject", "headObject":
	case "send":
		c := s.arg(0)
		if c == nil || !(strings.HasSuffix(c.q, "GetObjectCommand()") || strings.HasSuffix(c.q, "HeadObjectCommand()")) {
			return
		}
	default:
		return
	}
	const label = "event.Records[*].s3.object"
	a.sourcesUsed[label] = true
	out.taints = addTaints(out.taints, &taint{source: label, trail: (*step)(nil).add(s.pos, "source: "+label+" (the uploaded object: metadata and content)")})
	out.parsed = true
}
