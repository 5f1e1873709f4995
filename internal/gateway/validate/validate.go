// Package validate checks requests against JSON Schemas before they reach the
// WAF and the function: body, content type, query and path parameters. It
// runs before the WAF because a schema rejects malformed input for about a
// hundredth of CRS's cost, and because every field the schema forbids is one
// the function never has to defend against (event injection).
package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/wardensec/warden/internal/gateway/confpath"
	"github.com/wardensec/warden/internal/gateway/reqctx"
)

// maxBodyRead bounds the body read when the limits stage did not run (it
// normally has already capped and buffered the body).
const maxBodyRead = 8 << 20

// Config is the validate section.
type Config struct {
	// MaxErrors caps how many failing locations the 400 body lists.
	MaxErrors int `yaml:"max_errors"`
	// AssertFormat makes "format" (email, date-time, ...) an assertion
	// rather than an annotation.
	AssertFormat bool `yaml:"assert_format"`
}

// Validate checks the section.
func (c *Config) Validate() error {
	if c.MaxErrors < 0 {
		return confpath.Errorf("max_errors", "must not be negative")
	}
	return nil
}

// SchemaRef points into a document that holds schemas, such as an OpenAPI
// file, so that $refs inside it resolve against the whole document.
type SchemaRef struct {
	URL     string            // resource URL of Doc, e.g. "file:///srv/openapi.yaml"
	Doc     any               // the document as decoded JSON
	Pointer string            // JSON pointer of the schema within Doc
	Draft   *jsonschema.Draft // draft for schemas without $schema
	Type    string            // the schema's "type", to coerce parameter strings
}

// Param is one query or path parameter.
type Param struct {
	Required bool           `yaml:"required"`
	Schema   map[string]any `yaml:"schema"`
	// Ref is set by the OpenAPI importer instead of Schema.
	Ref *SchemaRef `yaml:"-"`
}

// RouteConfig is the per-route validation.
type RouteConfig struct {
	Disabled bool `yaml:"disabled"`
	// ContentTypes are the media types a request body may have; any other
	// gets 415. Defaults to application/json when a body schema is set.
	ContentTypes []string `yaml:"content_types"`
	// Body is an inline JSON Schema; BodyFile a JSON or YAML file holding
	// one, relative to the gateway config.
	Body        map[string]any   `yaml:"body"`
	BodyFile    string           `yaml:"body_file"`
	RequireBody bool             `yaml:"require_body"`
	Query       map[string]Param `yaml:"query"`
	Path        map[string]Param `yaml:"path"`
	// RejectUnknownQuery refuses query parameters the route does not
	// declare: a function cannot be surprised by a parameter it never saw.
	RejectUnknownQuery bool `yaml:"reject_unknown_query"`

	// BodyRef is set by the OpenAPI importer instead of Body/BodyFile.
	BodyRef *SchemaRef `yaml:"-"`
	// BaseDir resolves BodyFile; set by the config loader.
	BaseDir string `yaml:"-"`
}

// Validate checks what can be checked without compiling.
func (c *RouteConfig) Validate() error {
	var errs []error
	if c.Body != nil && c.BodyFile != "" {
		errs = append(errs, confpath.Errorf("body_file", "set either body or body_file, not both"))
	}
	for i, ct := range c.ContentTypes {
		if _, _, err := mime.ParseMediaType(ct); err != nil {
			errs = append(errs, confpath.Errorf(fmt.Sprintf("content_types[%d]", i), "not a media type: %v", err))
		}
	}
	return errors.Join(errs...)
}

// Options is empty; it keeps New's signature in line with the other stages.
type Options struct{}

// Middleware is one config generation of the stage.
type Middleware struct{ cfg Config }

// New builds the stage.
func New(cfg Config, _ Options) (*Middleware, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.MaxErrors == 0 {
		cfg.MaxErrors = 5
	}
	return &Middleware{cfg: cfg}, nil
}

// Close releases nothing.
func (m *Middleware) Close() error { return nil }

type param struct {
	name     string
	loc      string // "/path/NAME" or "/query/NAME", the pointer in error messages
	required bool
	typ      string
	items    string
	schema   *jsonschema.Schema
}

type route struct {
	contentTypes []string
	body         *jsonschema.Schema
	requireBody  bool
	query, path  []param
	known        map[string]bool
	rejectQuery  bool
	maxErrors    int
}

func (m *Middleware) compiler(draft *jsonschema.Draft) *jsonschema.Compiler {
	c := jsonschema.NewCompiler()
	if draft == nil {
		draft = jsonschema.Draft2020
	}
	c.DefaultDraft(draft)
	if m.cfg.AssertFormat {
		c.AssertFormat()
	}
	return c // no URLLoader: a schema can never make the gateway fetch a URL or read a file
}

// toJSONValue turns a YAML-decoded value into what jsonschema expects
// (json.Number numbers, map[string]any objects) by a JSON round trip.
func toJSONValue(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}

func (m *Middleware) compileInline(name string, v map[string]any) (*jsonschema.Schema, error) {
	doc, err := toJSONValue(v)
	if err != nil {
		return nil, fmt.Errorf("schema is not JSON-compatible: %w", err)
	}
	c := m.compiler(nil)
	url := "urn:warden:" + name
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
}

func (m *Middleware) compileRef(ref *SchemaRef) (*jsonschema.Schema, error) {
	c := m.compiler(ref.Draft)
	if err := c.AddResource(ref.URL, ref.Doc); err != nil {
		return nil, err
	}
	return c.Compile(ref.URL + "#" + ref.Pointer)
}

func loadSchemaFile(path string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var v map[string]any
	if err := yaml.Unmarshal(b, &v); err != nil { // YAML is a superset of JSON
		return nil, fmt.Errorf("parse %s: %w", filepath.Base(path), err)
	}
	return v, nil
}

func schemaType(s map[string]any) (typ, items string) {
	typ, _ = s["type"].(string)
	if it, ok := s["items"].(map[string]any); ok {
		items, _ = it["type"].(string)
	}
	return typ, items
}

// Compile checks that every schema of rc compiles; the config loader calls it
// so that a bad schema is a load error with a line number.
func (m *Middleware) Compile(name string, rc RouteConfig) error {
	_, err := m.build(name, rc)
	return err
}

func (m *Middleware) build(name string, rc RouteConfig) (*route, error) {
	if err := rc.Validate(); err != nil {
		return nil, err
	}
	rt := &route{contentTypes: rc.ContentTypes, requireBody: rc.RequireBody, rejectQuery: rc.RejectUnknownQuery, known: map[string]bool{}, maxErrors: m.cfg.MaxErrors}
	var errs []error
	body := rc.Body
	if rc.BodyFile != "" {
		p := rc.BodyFile
		if !filepath.IsAbs(p) {
			p = filepath.Join(rc.BaseDir, p)
		}
		b, err := loadSchemaFile(p)
		if err != nil {
			errs = append(errs, confpath.Errorf("body_file", "%v", err))
		}
		body = b
	}
	var err error
	switch {
	case rc.BodyRef != nil:
		rt.body, err = m.compileRef(rc.BodyRef)
	case body != nil:
		rt.body, err = m.compileInline(name+"/body", body)
	}
	if err != nil {
		errs = append(errs, confpath.Errorf("body", "schema does not compile: %v", err))
	}
	if rt.body != nil && len(rt.contentTypes) == 0 {
		rt.contentTypes = []string{"application/json"}
	}
	compileParams := func(kind string, ps map[string]Param) []param {
		var out []param
		for _, n := range sortedKeys(ps) {
			p := ps[n]
			pp := param{name: n, loc: "/" + kind + "/" + n, required: p.Required || kind == "path"}
			var err error
			switch {
			case p.Ref != nil:
				pp.typ = p.Ref.Type
				pp.schema, err = m.compileRef(p.Ref)
			case p.Schema != nil:
				pp.typ, pp.items = schemaType(p.Schema)
				pp.schema, err = m.compileInline(name+"/"+kind+"/"+n, p.Schema)
			}
			if err != nil {
				errs = append(errs, confpath.Errorf(kind+"."+n+".schema", "schema does not compile: %v", err))
			}
			out = append(out, pp)
		}
		return out
	}
	rt.query = compileParams("query", rc.Query)
	rt.path = compileParams("path", rc.Path)
	for _, q := range rt.query {
		rt.known[q.name] = true
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return rt, nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Wrap returns the validating handler for one route.
func (m *Middleware) Wrap(name string, rc RouteConfig, next http.Handler) (http.Handler, error) {
	if rc.Disabled {
		return next, nil
	}
	rt, err := m.build(name, rc)
	if err != nil {
		return nil, err
	}
	if rt.body == nil && len(rt.contentTypes) == 0 && len(rt.query) == 0 && len(rt.path) == 0 && !rt.rejectQuery && !rt.requireBody {
		return next, nil
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt.serve(w, r, next)
	}), nil
}

func hasBody(r *http.Request) bool {
	return r.ContentLength > 0 || r.ContentLength < 0 && r.Body != nil && r.Body != http.NoBody
}

func (rt *route) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	var fails []string
	// Parameters first: they are cheap and need no body read.
	for _, p := range rt.path {
		v := r.PathValue(p.name)
		fails = append(fails, p.check([]string{v}, v != "")...)
	}
	q := r.URL.Query()
	for _, p := range rt.query {
		vs, ok := q[p.name]
		fails = append(fails, p.check(vs, ok)...)
	}
	if rt.rejectQuery {
		for k := range q {
			if !rt.known[k] {
				fails = append(fails, "/query/"+escape(k)+": not allowed")
			}
		}
	}
	if len(fails) > 0 {
		reject(w, r, "validate.params", fails, rt.maxErrors)
		return
	}
	if !hasBody(r) {
		if rt.requireBody {
			reqctx.Reject(w, r, http.StatusBadRequest, "validate.body.missing", "request body required")
			return
		}
		next.ServeHTTP(w, r)
		return
	}
	if len(rt.contentTypes) > 0 {
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || !slices.Contains(rt.contentTypes, mt) {
			reqctx.Reject(w, r, http.StatusUnsupportedMediaType, "validate.content_type", "unsupported content type")
			return
		}
	}
	if rt.body == nil {
		next.ServeHTTP(w, r)
		return
	}
	data, err := readBody(r)
	if err != nil {
		reqctx.Reject(w, r, http.StatusBadRequest, "validate.body.read", "request body could not be read")
		return
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		reqctx.Reject(w, r, http.StatusBadRequest, "validate.body.syntax", "request body is not valid JSON")
		return
	}
	if err := rt.body.Validate(doc); err != nil {
		reject(w, r, "validate.body", leafErrors("/body", err), rt.maxErrors)
		return
	}
	next.ServeHTTP(w, r)
}

// readBody returns the body and leaves r.Body readable again for the stages
// after this one.
func readBody(r *http.Request) ([]byte, error) {
	if r.GetBody != nil {
		rc, err := r.GetBody()
		if err == nil {
			defer rc.Close()
			return io.ReadAll(io.LimitReader(rc, maxBodyRead))
		}
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBodyRead+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxBodyRead {
		return nil, errors.New("body too large")
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	return data, nil
}

func (p param) check(vs []string, present bool) []string {
	loc := p.loc
	if !present || len(vs) == 0 {
		if p.required {
			return []string{loc + ": required"}
		}
		return nil
	}
	if p.schema == nil {
		return nil
	}
	var v any
	if p.typ == "array" {
		arr := make([]any, 0, len(vs))
		for _, s := range vs {
			arr = append(arr, coerce(s, p.items))
		}
		v = arr
	} else {
		if len(vs) > 1 {
			return []string{loc + ": repeated"}
		}
		v = coerce(vs[0], p.typ)
	}
	if err := p.schema.Validate(v); err != nil {
		return leafErrors(loc, err)
	}
	return nil
}

// coerce turns a parameter string into the JSON value its schema expects.
// A string that does not parse stays a string, so the schema reports a type
// error at the right location.
func coerce(s, typ string) any {
	switch typ {
	case "integer":
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			return json.Number(s)
		}
	case "number":
		if f, err := strconv.ParseFloat(s, 64); err == nil && !isInfNaN(f) {
			return json.Number(s)
		}
	case "boolean":
		switch s {
		case "true":
			return true
		case "false":
			return false
		}
	}
	return s
}

func isInfNaN(f float64) bool { return f != f || f > 1e308 || f < -1e308 }

// leafErrors flattens a validation error to the JSON pointers of the values
// that failed (the deepest causes), each with the failing keyword.
func leafErrors(prefix string, err error) []string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []string{prefix + ": invalid"}
	}
	var out []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			kw := "invalid"
			if e.ErrorKind != nil {
				if kp := e.ErrorKind.KeywordPath(); len(kp) > 0 {
					kw = kp[len(kp)-1]
				}
			}
			var sb strings.Builder
			sb.WriteString(prefix)
			for _, t := range e.InstanceLocation {
				sb.WriteByte('/')
				sb.WriteString(escape(t))
			}
			out = append(out, sb.String()+": "+kw)
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	return out
}

// escape makes a JSON-pointer token, cut short: a hostile key of a megabyte
// must not come back in the error body.
func escape(t string) string {
	if len(t) > 64 {
		t = t[:64] + "..."
	}
	t = strings.ReplaceAll(t, "~", "~0")
	t = strings.ReplaceAll(t, "/", "~1")
	return strconvQuoteInner(t)
}

// strconvQuoteInner escapes control and non-ASCII bytes so that the pointer
// is safe to embed anywhere.
func strconvQuoteInner(s string) string {
	q := strconv.QuoteToASCII(s)
	return q[1 : len(q)-1]
}

func reject(w http.ResponseWriter, r *http.Request, reason string, fails []string, max int) {
	slices.Sort(fails)
	fails = slices.Compact(fails)
	extra := 0
	if len(fails) > max {
		extra = len(fails) - max
		fails = fails[:max]
	}
	msg := "request does not match the schema: " + strings.Join(fails, "; ")
	if extra > 0 {
		msg += fmt.Sprintf(" (and %d more)", extra)
	}
	reqctx.Reject(w, r, http.StatusBadRequest, reason, msg)
}
