package cloudformation

import (
	"strings"

	"github.com/wardensec/warden/internal/model"
)

// restPath builds the path of an AWS::ApiGateway::Resource from its
// ParentId chain.
func (d *doc) restPath(v model.Value, depth int) model.Value {
	if depth > 32 {
		return model.Unresolved("(resource tree too deep)", v.Pos)
	}
	if v.IsUnknown() && strings.HasSuffix(v.Expr, ".RootResourceId") {
		return model.Str("/", v.Pos)
	}
	name := strings.TrimPrefix(v.Ref, d.file+"#")
	r := d.resources[name]
	if r == nil || r.typ != "AWS::ApiGateway::Resource" {
		return model.Unresolved("path of "+v.String(), v.Pos)
	}
	p := d.props(r)
	part := p.get("PathPart").str()
	parent := d.restPath(p.get("ParentId").str(), depth+1)
	if !part.IsKnown() || !parent.IsKnown() {
		return model.Unresolved(strings.TrimSuffix(inline(parent), "/")+"/"+inline(part), part.PosOr(r.pos))
	}
	return model.Str(strings.TrimSuffix(parent.V, "/")+"/"+part.V, part.Pos)
}

// restMethod turns an AWS::ApiGateway::Method into an HTTP trigger on the
// function its integration invokes.
func (d *doc) restMethod(r *res) {
	p := d.props(r)
	m := d.rsc[r.id]
	api := p.get("RestApiId").str()
	method := p.get("HttpMethod").str()
	path := d.restPath(p.get("ResourceId").str(), 0)
	auth := p.get("AuthorizationType").str()
	if !auth.IsSet() {
		auth = model.Str(model.AuthNone, r.pos)
	}
	auth = authValue(auth)
	if m != nil {
		setAttr(m, model.AttrAPI, api)
		setAttr(m, "method", method)
		setAttr(m, "path", path)
		setAttr(m, "auth_type", auth)
		setAttr(m, model.AttrAPIKeyRequired, p.get("ApiKeyRequired").str())
		d.edge(m.ID, api.Ref, model.EdgeAttached, r.pos)
	}
	uri := p.path("Integration", "Uri").str()
	f := d.fns[uri.Ref]
	if f == nil {
		return
	}
	tr := &model.Trigger{Kind: model.TriggerHTTP, Type: r.typ, Name: r.name, Pos: r.pos, Method: method, Path: path,
		APIID: api.Ref, AuthType: auth, Authorizer: p.get("AuthorizerId").str(), APIKeyRequired: p.get("ApiKeyRequired").str(),
		Scopes: p.get("AuthorizationScopes").strs()}
	if r.deployed.IsFalse() {
		tr.Enabled = r.deployed
	}
	d.addTrigger(f, tr, api.Ref)
}

// httpRoute turns an AWS::ApiGatewayV2::Route into an HTTP or WebSocket
// trigger on the function behind its integration.
func (d *doc) httpRoute(r *res) {
	p := d.props(r)
	m := d.rsc[r.id]
	api := p.get("ApiId").str()
	key := p.get("RouteKey").str()
	auth := p.get("AuthorizationType").str()
	if !auth.IsSet() {
		auth = model.Str(model.AuthNone, r.pos)
	}
	auth = authValue(auth)
	method, path := model.Value{}, key
	if key.IsKnown() {
		if a, b, ok := strings.Cut(key.V, " "); ok {
			method, path = model.Str(a, key.Pos), model.Str(b, key.Pos)
		} else {
			method = model.Str("ANY", key.Pos)
		}
	}
	if m != nil {
		setAttr(m, model.AttrAPI, api)
		setAttr(m, "route_key", key)
		setAttr(m, "auth_type", auth)
		setAttr(m, model.AttrAPIKeyRequired, p.get("ApiKeyRequired").str())
		d.edge(m.ID, api.Ref, model.EdgeAttached, r.pos)
	}
	target := p.get("Target").str()
	var f *model.Function
	if ir := d.resources[strings.TrimPrefix(target.Ref, d.file+"#")]; ir != nil && ir.typ == "AWS::ApiGatewayV2::Integration" {
		f = d.fns[d.props(ir).get("IntegrationUri").str().Ref]
	}
	if f == nil {
		return
	}
	kind := model.TriggerHTTP
	if a := d.rsc[api.Ref]; a != nil && a.Attr(model.AttrProtocol).Is("WEBSOCKET") {
		// WebSocket route keys ($connect, sendMessage) are not HTTP methods.
		kind, method = model.TriggerWebSocket, model.Value{}
	}
	tr := &model.Trigger{Kind: kind, Type: r.typ, Name: r.name, Pos: r.pos, Method: method, Path: path, APIID: api.Ref,
		AuthType: auth, Authorizer: p.get("AuthorizerId").str(), APIKeyRequired: p.get("ApiKeyRequired").str(),
		Scopes: p.get("AuthorizationScopes").strs()}
	if a := d.resources[strings.TrimPrefix(api.Ref, d.file+"#")]; a != nil && a.typ == "AWS::ApiGatewayV2::Api" {
		tr.CORS = corsOf(d.props(a).get("CorsConfiguration"))
	}
	if r.deployed.IsFalse() {
		tr.Enabled = r.deployed
	}
	d.addTrigger(f, tr, api.Ref)
}

// link resolves references between elements once all exist: execution
// roles, managed policies declared in the template, log groups,
// environment references and encryption keys.
func (d *doc) link() {
	for _, role := range d.app.Roles {
		for _, mp := range role.ManagedPolicies {
			if pol := d.policies[mp.Ref]; pol != nil && !d.attached[mp.Ref+"\x00"+role.ID] {
				d.attached[mp.Ref+"\x00"+role.ID] = true
				role.Policies = append(role.Policies, pol)
				d.edge(mp.Ref, role.ID, model.EdgeAttached, mp.Pos)
			}
		}
	}
	var logGroups []*model.Resource
	for _, m := range d.app.Resources {
		if m.Kind == model.KindLogGroup {
			logGroups = append(logGroups, m)
		}
		if k := m.Attr(model.AttrKMSKey); k.Ref != "" && d.rscTypes[k.Ref] == "AWS::KMS::Key" {
			d.edge(k.Ref, m.ID, model.EdgeEncrypts, k.Pos)
		}
	}
	for _, f := range d.app.Functions {
		if f.RoleID == "" && f.RoleRef.Ref != "" {
			if d.roles[f.RoleRef.Ref] != nil {
				f.RoleID = f.RoleRef.Ref
			}
		}
		if f.RoleID == "" && f.RoleRef.IsKnown() {
			for _, role := range d.app.Roles {
				if role.RoleName.IsKnown() && strings.HasSuffix(f.RoleRef.V, ":role/"+role.RoleName.V) {
					f.RoleID = role.ID
				}
			}
		}
		d.edge(f.ID, f.RoleID, model.EdgeUsesRole, f.RoleRef.PosOr(f.Pos))
		for _, e := range f.Environment {
			if e.Value.Ref != f.ID && d.isModel(e.Value.Ref) {
				d.edge(f.ID, e.Value.Ref, model.EdgeReferences, e.Pos)
			}
		}
		if f.EnvKMSKey.Ref != "" && d.rscTypes[f.EnvKMSKey.Ref] == "AWS::KMS::Key" {
			d.edge(f.EnvKMSKey.Ref, f.ID, model.EdgeEncrypts, f.EnvKMSKey.Pos)
		}
		if lg := d.logGroupFor(f, logGroups); lg != nil {
			f.LogGroupID = lg.ID
			d.edge(f.ID, lg.ID, model.EdgeLogsTo, lg.Pos)
		}
	}
	// A fragment's log group may be the one of a function declared outside
	// it (the Serverless Framework's /aws/lambda/${HelloLambdaFunction}).
	for _, f := range d.outsideFns {
		if lg := d.logGroupFor(f, logGroups); lg != nil && f.LogGroupID == "" {
			f.LogGroupID = lg.ID
			d.edge(f.ID, lg.ID, model.EdgeLogsTo, lg.Pos)
		}
	}
}

// logGroupFor finds the log group a function writes to: the one its
// LoggingConfig names, else the one named /aws/lambda/<function name>.
func (d *doc) logGroupFor(f *model.Function, groups []*model.Resource) *model.Resource {
	if lg := f.Attr("log_group"); lg.IsSet() {
		for _, g := range groups {
			if lg.Ref == g.ID {
				return g
			}
			if n := g.Attr("log_group_name"); n.IsKnown() && lg.IsKnown() && n.V == lg.V {
				return g
			}
		}
		return nil
	}
	for _, g := range groups {
		n := g.Attr("log_group_name")
		switch {
		case n.IsKnown() && f.FunctionName.IsKnown() && n.V == "/aws/lambda/"+f.FunctionName.V:
			return g
		case n.IsUnknown() && n.Ref == f.ID && strings.HasPrefix(n.Expr, "/aws/lambda/"):
			return g
		}
	}
	return nil
}
