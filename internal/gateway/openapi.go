package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/wardensec/warden/internal/gateway/validate"
)

// importOpenAPI turns the operations of routes_from into routes. kin-openapi
// loads and validates the document (external $refs are refused: the config
// must not make the gateway read arbitrary files or URLs); the schemas are
// compiled by jsonschema against the raw document, so that local $refs keep
// resolving against it.
func (c *Config) importOpenAPI() ([]Route, []Issue) {
	rf := c.RoutesFrom
	fail := func(format string, args ...any) ([]Route, []Issue) {
		return nil, []Issue{{Line: rf.line, Path: "routes_from", Msg: fmt.Sprintf(format, args...)}}
	}
	if rf.File == "" {
		return fail("file is required")
	}
	path := c.path(rf.File)
	data, err := readLimited(path)
	if err != nil {
		return fail("%v", err)
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	loader.Context = context.Background()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return fail("%s: %v", rf.File, err)
	}
	if err := doc.Validate(loader.Context, openapi3.DisableExamplesValidation()); err != nil {
		return fail("%s is not a valid OpenAPI document: %v", rf.File, err)
	}
	raw, err := rawJSON(data)
	if err != nil {
		return fail("%s: %v", rf.File, err)
	}
	draft := jsonschema.Draft4 // OpenAPI 3.0 schemas are draft-4-like
	if strings.HasPrefix(doc.OpenAPI, "3.1") {
		draft = jsonschema.Draft2020
	}
	docURL := (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()

	var routes []Route
	var issues []Issue
	used := map[string]bool{}
	paths := doc.Paths.Map()
	keys := make([]string, 0, len(paths))
	for k := range paths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, p := range keys {
		item := paths[p]
		ops := item.Operations()
		mkeys := make([]string, 0, len(ops))
		for m := range ops {
			mkeys = append(mkeys, m)
		}
		sort.Strings(mkeys)
		for _, m := range mkeys {
			op := ops[m]
			name := op.OperationID
			if name == "" {
				name = m + " " + p
			}
			where := fmt.Sprintf("routes_from(%s)", name)
			r := Route{Name: name, Method: m, Path: p, where: where, line: rf.line}
			r.Upstream = firstString(op.Extensions["x-warden-upstream"], item.Extensions["x-warden-upstream"], doc.Extensions["x-warden-upstream"], rf.Upstream)
			opPtr := "/paths/" + escapePtr(p) + "/" + strings.ToLower(m)
			vr, err := schemasFor(raw, docURL, draft, opPtr, "/paths/"+escapePtr(p), op, item)
			if err != nil {
				issues = append(issues, Issue{Line: rf.line, Path: where, Msg: err.Error()})
				continue
			}
			if ov, ok := rf.Overrides[op.OperationID]; ok && op.OperationID != "" {
				used[op.OperationID] = true
				ovPath := "routes_from.overrides." + op.OperationID
				var o Route
				if iss := decodeNode(&ov, &o, ovPath); len(iss) > 0 {
					issues = append(issues, iss...)
					continue
				}
				if o.Method != "" || o.Path != "" || o.Name != "" {
					issues = append(issues, Issue{Line: ov.Line, Path: ovPath, Msg: "name, method and path come from the OpenAPI document"})
				}
				if o.Upstream != "" {
					r.Upstream = o.Upstream
				}
				r.Limits, r.CORS, r.Proxy, r.ResponseFilter = o.Limits, o.CORS, o.Proxy, o.ResponseFilter
				r.Auth, r.Authn, r.Authz, r.Throttle, r.WAF = o.Auth, o.Authn, o.Authz, o.Throttle, o.WAF
				// Keep the document's schemas; the override may only add
				// settings such as reject_unknown_query or disable.
				o.Validate.BodyRef, o.Validate.Query, o.Validate.Path = vr.BodyRef, mergeParams(vr.Query, o.Validate.Query), mergeParams(vr.Path, o.Validate.Path)
				if o.Validate.ContentTypes == nil {
					o.Validate.ContentTypes = vr.ContentTypes
				}
				o.Validate.RequireBody = o.Validate.RequireBody || vr.RequireBody
				vr = o.Validate
				r.line = ov.Line
			}
			r.Validate = vr
			routes = append(routes, r)
		}
	}
	for id, ov := range rf.Overrides {
		if !used[id] {
			issues = append(issues, Issue{Line: ov.Line, Path: "routes_from.overrides." + id, Msg: fmt.Sprintf("no operation with operationId %q in %s", id, rf.File)})
		}
	}
	return routes, issues
}

func mergeParams(base, extra map[string]validate.Param) map[string]validate.Param {
	if len(extra) == 0 {
		return base
	}
	out := map[string]validate.Param{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

func firstString(vs ...any) string {
	for _, v := range vs {
		if s, ok := v.(string); ok && s != "" {
			return s
		}
	}
	return ""
}

func escapePtr(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// rawJSON decodes the document (YAML or JSON) into jsonschema's value model,
// rewriting OpenAPI 3.0's "nullable" into JSON Schema.
func rawJSON(data []byte) (any, error) {
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("document is not JSON-compatible: %w", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	nullable(doc, 0)
	return doc, nil
}

func nullable(v any, depth int) {
	if depth > 200 {
		return
	}
	switch t := v.(type) {
	case map[string]any:
		if b, ok := t["nullable"].(bool); ok && b {
			if s, ok := t["type"].(string); ok {
				t["type"] = []any{s, "null"}
			}
			if e, ok := t["enum"].([]any); ok {
				t["enum"] = append(e, nil)
			}
		}
		for _, c := range t {
			nullable(c, depth+1)
		}
	case []any:
		for _, c := range t {
			nullable(c, depth+1)
		}
	}
}

// follow resolves local "$ref"s at ptr in the raw document.
func follow(raw any, ptr string) (string, any, error) {
	for hops := 0; hops < 16; hops++ {
		v, err := at(raw, ptr)
		if err != nil {
			return "", nil, err
		}
		m, ok := v.(map[string]any)
		if !ok {
			return ptr, v, nil
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return ptr, v, nil
		}
		if !strings.HasPrefix(ref, "#") {
			return "", nil, fmt.Errorf("external $ref %q is not supported", ref)
		}
		ptr = strings.TrimPrefix(ref, "#")
	}
	return "", nil, fmt.Errorf("$ref chain too long at %s", ptr)
}

func at(raw any, ptr string) (any, error) {
	v := raw
	if ptr == "" {
		return v, nil
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch t := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = t[tok]; !ok {
				return nil, fmt.Errorf("%s not found", ptr)
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(t) {
				return nil, fmt.Errorf("%s not found", ptr)
			}
			v = t[i]
		default:
			return nil, fmt.Errorf("%s not found", ptr)
		}
	}
	return v, nil
}

func schemaTypeOf(s *openapi3.SchemaRef) string {
	if s == nil || s.Value == nil || s.Value.Type == nil {
		return ""
	}
	for _, t := range s.Value.Type.Slice() {
		if t != "null" {
			return t
		}
	}
	return ""
}

// schemasFor builds the validate settings of one operation.
func schemasFor(raw any, docURL string, draft *jsonschema.Draft, opPtr, itemPtr string, op *openapi3.Operation, item *openapi3.PathItem) (validate.RouteConfig, error) {
	var vr validate.RouteConfig
	ref := func(ptr, typ string) *validate.SchemaRef {
		return &validate.SchemaRef{URL: docURL, Doc: raw, Pointer: ptr, Draft: draft, Type: typ}
	}
	if rb := op.RequestBody; rb != nil && rb.Value != nil {
		vr.RequireBody = rb.Value.Required
		rbPtr, _, err := follow(raw, opPtr+"/requestBody")
		if err != nil {
			return vr, err
		}
		var cts []string
		for ct := range rb.Value.Content {
			cts = append(cts, ct)
		}
		sort.Strings(cts)
		vr.ContentTypes = cts
		for _, ct := range cts {
			if ct == "application/json" || strings.HasSuffix(ct, "+json") {
				if rb.Value.Content[ct].Schema != nil {
					vr.BodyRef = ref(rbPtr+"/content/"+escapePtr(ct)+"/schema", "")
				}
				break
			}
		}
	}
	type pkey struct{ in, name string }
	params := map[pkey]validate.Param{}
	add := func(base string, list openapi3.Parameters) error {
		for i, pr := range list {
			if pr == nil || pr.Value == nil {
				continue
			}
			p := pr.Value
			if p.In != "query" && p.In != "path" {
				continue // headers and cookies: the auth stage owns those
			}
			ptr, _, err := follow(raw, fmt.Sprintf("%s/parameters/%d", base, i))
			if err != nil {
				return err
			}
			vp := validate.Param{Required: p.Required || p.In == "path"}
			if p.Schema != nil {
				vp.Ref = ref(ptr+"/schema", schemaTypeOf(p.Schema))
			}
			params[pkey{p.In, p.Name}] = vp
		}
		return nil
	}
	if err := add(itemPtr, item.Parameters); err != nil {
		return vr, err
	}
	if err := add(opPtr, op.Parameters); err != nil { // operation-level wins
		return vr, err
	}
	for k, v := range params {
		if k.in == "query" {
			if vr.Query == nil {
				vr.Query = map[string]validate.Param{}
			}
			vr.Query[k.name] = v
		} else {
			if vr.Path == nil {
				vr.Path = map[string]validate.Param{}
			}
			vr.Path[k.name] = v
		}
	}
	return vr, nil
}
