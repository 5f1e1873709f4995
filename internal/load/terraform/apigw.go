package terraform

import (
	"strings"

	"github.com/wardensec/warden/internal/model"
)

// apiGateway collects the pieces of REST and HTTP APIs. Terraform spreads a
// route over several resources (resource tree, method, integration; route,
// integration), and the HTTP trigger on a function can only be built once
// all of them are read.
type apiGateway struct {
	restRes      map[string]*restResource
	methods      map[string]*restMethod
	integrations []*restIntegration
	v2Integ      map[string]model.Value // integration ID -> integration_uri
	v2Routes     []*v2Route
	v2APIs       map[string]*v2API
}

type restResource struct {
	parent, part model.Value
}

type restMethod struct {
	in                  *inst
	api, resource, verb model.Value
	auth, authorizer    model.Value
	apiKey              model.Value
	scopes              []model.Value
}

type restIntegration struct {
	in                  *inst
	api, resource, verb model.Value
	uri                 model.Value
}

type v2Route struct {
	in                       *inst
	api, key, target         model.Value
	auth, authorizer, apiKey model.Value
	scopes                   []model.Value
}

type v2API struct {
	protocol model.Value
	cors     *model.CORS
}

func newAPIGateway() *apiGateway {
	return &apiGateway{restRes: map[string]*restResource{}, methods: map[string]*restMethod{},
		v2Integ: map[string]model.Value{}, v2APIs: map[string]*v2API{}}
}

func (in *inst) apiGateway() {
	l := in.m.l
	g := l.apigw
	b := in.rb.body
	undeployed := in.deployed.IsFalse()
	switch in.rb.typ {
	case "aws_api_gateway_rest_api":
		r := in.newResource(model.KindAPI, model.AWS)
		in.nameIt(in.a("name"))
		r.SetAttr(model.AttrProtocol, model.Str("REST", in.pos))
		if types := in.blockList(b, "endpoint_configuration", "types"); len(types) > 0 {
			r.SetAttr(model.AttrEndpointType, types[0])
		}
		setIf(r.SetAttr, model.AttrDisableExecuteAPIEndpoint, in.a("disable_execute_api_endpoint"))
		if p := in.policyAttr(b, "policy", "aws_api_gateway_rest_api policy"); p != nil {
			r.Policies = append(r.Policies, p)
		}
		if b.attr("body") != nil {
			l.diag(posOf(b.attr("body").NameRange), model.DiagInfo, "unsupported",
				"%s: routes defined in an OpenAPI body are not modelled", in.name())
		}
	case "aws_api_gateway_rest_api_policy":
		api := in.a("rest_api_id")
		p := in.policyAttr(b, "policy", "aws_api_gateway_rest_api_policy")
		in.link(func() {
			if r := l.target(api, "aws_api_gateway_rest_api"); r != nil && p != nil {
				r.Policies = append(r.Policies, p)
				l.edge(in.id, r.ID, model.EdgeAttached, in.pos)
			}
		})
	case "aws_api_gateway_resource":
		g.restRes[in.id] = &restResource{parent: in.a("parent_id"), part: in.a("path_part")}
	case "aws_api_gateway_method":
		r := in.newResource(model.KindRoute, model.AWS)
		mt := &restMethod{in: in, api: in.a("rest_api_id"), resource: in.a("resource_id"), verb: in.a("http_method"),
			auth: normAuth(in.a("authorization")), authorizer: in.a("authorizer_id"), apiKey: in.a("api_key_required"),
			scopes: in.list(b, "authorization_scopes")}
		r.SetAttr(model.AttrAPI, mt.api)
		r.SetAttr(model.AttrDefaultAuth, mt.auth)
		if mt.apiKey.IsSet() {
			r.SetAttr(model.AttrAPIKeyRequired, mt.apiKey)
		}
		if !undeployed {
			g.methods[in.id] = mt
		}
	case "aws_api_gateway_integration":
		if !undeployed {
			g.integrations = append(g.integrations, &restIntegration{in: in, api: in.a("rest_api_id"),
				resource: in.a("resource_id"), verb: in.a("http_method"), uri: in.a("uri")})
		}
	case "aws_api_gateway_stage":
		r := in.newResource(model.KindStage, model.AWS)
		in.nameIt(in.a("stage_name"))
		r.SetAttr(model.AttrAPI, in.a("rest_api_id"))
		if lb, ok := b.first("access_log_settings"); ok {
			r.SetAttr(model.AttrAccessLog, in.attrVal(lb, "destination_arn"))
		}
		setIf(r.SetAttr, model.AttrTracingEnabled, in.a("xray_tracing_enabled"))
	case "aws_api_gateway_method_settings":
		stage := in.a("stage_name")
		all := in.a("method_path").Is("*/*")
		sb, ok := b.first("settings")
		if !ok || undeployed {
			return
		}
		vals := map[string]model.Value{
			model.AttrExecutionLogLevel: in.attrVal(sb, "logging_level"),
			model.AttrThrottleRate:      in.attrVal(sb, "throttling_rate_limit"),
			model.AttrThrottleBurst:     in.attrVal(sb, "throttling_burst_limit"),
			model.AttrCacheEncrypted:    in.attrVal(sb, "cache_data_encrypted"),
		}
		in.link(func() {
			r := l.target(stage, "aws_api_gateway_stage")
			if r == nil {
				in.notFound("stage", stage)
				return
			}
			for k, v := range vals {
				if v.IsSet() && (all || r.Attr(k).IsAbsent()) {
					r.SetAttr(k, v)
				}
			}
		})
	case "aws_api_gateway_authorizer":
		r := in.newResource(model.KindAuthorizer, model.AWS)
		t := in.a("type")
		if t.IsAbsent() {
			t = model.Str("TOKEN", in.pos) // the provider's default
		}
		r.SetAttr(model.AttrDefaultAuth, normAuth(t))
		r.SetAttr(model.AttrAPI, in.a("rest_api_id"))
	case "aws_api_gateway_usage_plan":
		r := in.newResource(model.KindUsagePlan, model.AWS)
		for _, ab := range b.blocks("api_stages") {
			if r.Lists == nil {
				r.Lists = map[string][]model.Value{}
			}
			r.Lists[model.AttrUsagePlanAPIs] = append(r.Lists[model.AttrUsagePlanAPIs], in.attrVal(ab.body, "api_id"))
		}
		if tb, ok := b.first("throttle_settings"); ok {
			if v := in.attrVal(tb, "rate_limit"); v.IsSet() {
				r.SetAttr(model.AttrThrottleRate, v)
			}
			if v := in.attrVal(tb, "burst_limit"); v.IsSet() {
				r.SetAttr(model.AttrThrottleBurst, v)
			}
		}
	case "aws_api_gateway_api_key":
		r := in.newResource(model.KindAPIKey, model.AWS)
		setIf(r.SetAttr, model.AttrValue, in.a("value"))
	case "aws_api_gateway_domain_name", "aws_apigatewayv2_domain_name":
		r := in.newResource(model.KindDomain, model.AWS)
		sp := in.a("security_policy")
		if sp.IsAbsent() {
			sp = in.blockVal(b, "domain_name_configuration", "security_policy")
		}
		if sp.IsSet() {
			r.SetAttr(model.AttrMinTLS, sp)
		}
		if types := in.blockList(b, "endpoint_configuration", "types"); len(types) > 0 {
			r.SetAttr(model.AttrEndpointType, types[0])
		}
	case "aws_apigatewayv2_api":
		r := in.newResource(model.KindAPI, model.AWS)
		in.nameIt(in.a("name"))
		proto := in.a("protocol_type")
		r.SetAttr(model.AttrProtocol, proto)
		setIf(r.SetAttr, model.AttrDisableExecuteAPIEndpoint, in.a("disable_execute_api_endpoint"))
		info := &v2API{protocol: proto, cors: in.cors(b, "cors_configuration", "allow_")}
		g.v2APIs[in.id] = info
		// Quick create: target on the API makes a $default route with no auth.
		if tgt := in.a("target"); tgt.IsSet() && !undeployed {
			ta := b.attr("target")
			g.v2Routes = append(g.v2Routes, &v2Route{in: in, api: model.Value{State: model.Known, Ref: in.id, Pos: in.pos},
				key: model.Str("$default", posOf(ta.NameRange)), target: tgt, auth: model.Str(model.AuthNone, posOf(ta.NameRange))})
		}
	case "aws_apigatewayv2_integration":
		g.v2Integ[in.id] = in.a("integration_uri")
	case "aws_apigatewayv2_route":
		r := in.newResource(model.KindRoute, model.AWS)
		rt := &v2Route{in: in, api: in.a("api_id"), key: in.a("route_key"), target: in.a("target"),
			auth: normAuth(in.a("authorization_type")), authorizer: in.a("authorizer_id"), apiKey: in.a("api_key_required"),
			scopes: in.list(b, "authorization_scopes")}
		if rt.auth.IsAbsent() {
			// The route's documented default is NONE: anyone may call it.
			rt.auth = model.Str(model.AuthNone, in.pos)
		}
		r.SetAttr(model.AttrAPI, rt.api)
		r.SetAttr(model.AttrDefaultAuth, rt.auth)
		if rt.apiKey.IsSet() {
			r.SetAttr(model.AttrAPIKeyRequired, rt.apiKey)
		}
		if !undeployed {
			g.v2Routes = append(g.v2Routes, rt)
		}
	case "aws_apigatewayv2_stage":
		r := in.newResource(model.KindStage, model.AWS)
		in.nameIt(in.a("name"))
		r.SetAttr(model.AttrAPI, in.a("api_id"))
		if lb, ok := b.first("access_log_settings"); ok {
			r.SetAttr(model.AttrAccessLog, in.attrVal(lb, "destination_arn"))
		}
		if db, ok := b.first("default_route_settings"); ok {
			for k, a := range map[string]string{model.AttrExecutionLogLevel: "logging_level",
				model.AttrThrottleRate: "throttling_rate_limit", model.AttrThrottleBurst: "throttling_burst_limit"} {
				if v := in.attrVal(db, a); v.IsSet() {
					r.SetAttr(k, v)
				}
			}
		}
	case "aws_apigatewayv2_authorizer":
		r := in.newResource(model.KindAuthorizer, model.AWS)
		r.SetAttr(model.AttrDefaultAuth, normAuth(in.a("authorizer_type")))
		r.SetAttr(model.AttrAPI, in.a("api_id"))
	}
}

// blockList reads a list attribute of the first nested block typ.
func (in *inst) blockList(b body, typ, name string) []model.Value {
	nb, ok := b.first(typ)
	if !ok {
		return nil
	}
	return in.list(nb, name)
}

// restPath builds a REST resource's path from its parents.
func (g *apiGateway) restPath(l *loader, v model.Value, depth int) model.Value {
	if depth > 64 {
		return model.Unresolved("resource tree too deep", v.Pos)
	}
	if r := l.resByID[v.Ref]; r != nil && r.Type == "aws_api_gateway_rest_api" {
		return model.Str("/", v.Pos)
	}
	rr := g.restRes[v.Ref]
	if rr == nil {
		if v.IsKnown() {
			return model.Unresolved("resource "+v.V, v.Pos)
		}
		return model.Unresolved(v.Expr, v.Pos)
	}
	parent := g.restPath(l, rr.parent, depth+1)
	if !parent.IsKnown() || !rr.part.IsKnown() {
		expr := parent.String()
		if parent.IsKnown() {
			expr = parent.V
		}
		return model.Unresolved(strings.TrimSuffix(expr, "/")+"/"+rr.part.String(), rr.part.Pos)
	}
	return model.Str(strings.TrimSuffix(parent.V, "/")+"/"+rr.part.V, rr.part.Pos)
}

// assemble turns integrations and routes into HTTP triggers on functions.
func (g *apiGateway) assemble(l *loader) {
	for _, ig := range g.integrations {
		f := l.findFunction(ig.uri)
		if f == nil {
			continue // HTTP, mock and service integrations
		}
		mt := g.methods[ig.verb.Ref]
		if mt == nil {
			for _, cand := range g.methods {
				if cand.resource.Ref != "" && cand.resource.Ref == ig.resource.Ref && ig.verb.IsKnown() && cand.verb.Is(ig.verb.V) {
					mt = cand
					break
				}
			}
		}
		t := &model.Trigger{Kind: model.TriggerHTTP, Type: "aws_api_gateway_integration", Name: ig.in.name(), Pos: ig.in.pos,
			Method: ig.verb}
		resource := ig.resource
		api := ig.api
		if mt != nil {
			t.Type = "aws_api_gateway_method"
			t.Name = mt.in.name()
			t.Pos = mt.in.pos
			t.Method = mt.verb
			t.AuthType = mt.auth
			if t.AuthType.IsAbsent() {
				t.AuthType = model.Unresolved("authorization not set", mt.in.pos)
			}
			t.Authorizer = mt.authorizer
			t.APIKeyRequired = mt.apiKey
			t.Scopes = mt.scopes
			resource = mt.resource
			api = mt.api
		} else {
			t.AuthType = model.Unresolved("method "+ig.verb.String()+" not found", ig.in.pos)
		}
		t.Path = g.restPath(l, resource, 0)
		if r := l.target(api, "aws_api_gateway_rest_api"); r != nil {
			t.APIID = r.ID
			l.edge(r.ID, f.ID, model.EdgeServes, t.Pos)
			l.edge(f.ID, r.ID, model.EdgeTriggeredBy, t.Pos)
		}
		f.Triggers = append(f.Triggers, t)
	}
	for _, rt := range g.v2Routes {
		uri := rt.target
		if iu, ok := g.v2Integ[rt.target.Ref]; ok {
			uri = iu
		}
		f := l.findFunction(uri)
		if f == nil {
			continue
		}
		t := &model.Trigger{Kind: model.TriggerHTTP, Type: "aws_apigatewayv2_route", Name: rt.in.name(), Pos: rt.in.pos,
			AuthType: rt.auth, Authorizer: rt.authorizer, APIKeyRequired: rt.apiKey, Scopes: rt.scopes}
		if rt.in.rb.typ == "aws_apigatewayv2_api" {
			t.Type = "aws_apigatewayv2_api"
		}
		if rt.key.IsKnown() {
			if verb, p, ok := strings.Cut(rt.key.V, " "); ok {
				t.Method = model.Str(verb, rt.key.Pos)
				t.Path = model.Str(p, rt.key.Pos)
			} else {
				t.Path = rt.key
				if rt.key.V == "$default" {
					t.Method = model.Str("ANY", rt.key.Pos)
				}
			}
		} else {
			t.Path = rt.key
			t.Method = rt.key
		}
		if r := l.target(rt.api, "aws_apigatewayv2_api"); r != nil {
			t.APIID = r.ID
			if info := g.v2APIs[r.ID]; info != nil {
				if info.protocol.Is("WEBSOCKET") {
					t.Kind = model.TriggerWebSocket
					t.Method = model.Value{}
				}
				t.CORS = info.cors
			}
			l.edge(r.ID, f.ID, model.EdgeServes, t.Pos)
			l.edge(f.ID, r.ID, model.EdgeTriggeredBy, t.Pos)
		}
		f.Triggers = append(f.Triggers, t)
	}
}
