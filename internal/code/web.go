package code

import (
	"strings"

	"github.com/wardensec/warden/internal/code/ir"
	"github.com/wardensec/warden/internal/model"
)

// Python web frameworks used inside Lambda functions: AWS Lambda Powertools
// event handlers and Chalice register route functions with decorators and
// expose the event as app.current_event / app.current_request.

type route struct {
	fn *funcVal
}

// webAppPrefixes are the qualified names of resolver and app objects.
var webAppPrefixes = []string{"aws_lambda_powertools.event_handler.", "chalice.Chalice", "chalice.app.Chalice"}

func isWebApp(q string) bool {
	if !strings.HasSuffix(q, "()") {
		return false
	}
	for _, p := range webAppPrefixes {
		if strings.HasPrefix(q, p) {
			return true
		}
	}
	return false
}

var routeDecorators = map[string]bool{"get": true, "post": true, "put": true, "patch": true, "delete": true,
	"route": true, "head": true, "options": true}

// decorator registers fv as a route when d is @app.get(...) on a web app.
func (a *analyzer) decorator(fr *frame, e *env, d ir.Expr, fv *funcVal) {
	c, ok := d.(*ir.Call)
	if !ok {
		return
	}
	at, ok := c.Fun.(*ir.Attr)
	if !ok || !routeDecorators[at.Name] {
		return
	}
	if app := a.eval(fr, e, at.X); isWebApp(app.q) {
		a.routes = append(a.routes, route{fn: fv})
	}
}

// runRoutes analyses registered routes: their parameters are path
// parameters of the request.
func (a *analyzer) runRoutes() {
	if !a.http {
		return
	}
	for _, r := range a.routes {
		var args []*val
		for _, p := range r.fn.fn.Params {
			args = append(args, a.evVal(&evPath{root: "event", segs: []string{"pathParameters", p.Name}}, p.Pos))
		}
		a.callFunc(r.fn, args, nil, r.fn.fn.Pos)
	}
}

// facadeProps maps the frameworks' event properties to event paths.
var facadeProps = map[string][]string{
	"json_body": {"body"}, "body": {"body"}, "raw_body": {"body"}, "decoded_body": {"body"},
	"query_string_parameters": {"queryStringParameters"}, "query_params": {"queryStringParameters"},
	"multi_value_query_string_parameters": {"multiValueQueryStringParameters"},
	"path_parameters":                     {"pathParameters"}, "uri_params": {"pathParameters"}, "headers": {"headers"},
	"multi_value_headers": {"multiValueHeaders"}, "path": {"path"}, "raw_path": {"rawPath"}, "cookies": {"cookies"},
	"raw_query_string": {"rawQueryString"},
}

func (a *analyzer) facadeMember(v *val, key string, pos model.Pos) *val {
	p, ok := facadeProps[key]
	if !ok {
		return a.evVal(v.ev.child(key), pos)
	}
	out := a.evVal(&evPath{root: v.ev.root, segs: append(append([]string(nil), v.ev.segs...), p...)}, pos)
	out.parsed = key == "json_body"
	return out
}

// facadeMethod models the accessor methods (get_query_string_value,
// get_header_value); nil means not one of them.
func (a *analyzer) facadeMethod(recv *val, method string, args []*val, kw map[string]*val, pos model.Pos) *val {
	var part string
	switch method {
	case "get_query_string_value", "get_multi_value_query_string_values":
		part = "queryStringParameters"
	case "get_header_value":
		part = "headers"
	case "get_path_parameter":
		part = "pathParameters"
	default:
		return nil
	}
	name := "*"
	n := kw["name"]
	if n == nil && len(args) > 0 {
		n = args[0]
	}
	if s, ok := n.str(); ok {
		name = s
	}
	return a.evVal(recv.ev.child(part).child(name), pos)
}
