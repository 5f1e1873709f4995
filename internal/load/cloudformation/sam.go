package cloudformation

import (
	"github.com/wardensec/warden/internal/model"
)

const (
	implicitRestAPI = "ServerlessRestApi"
	implicitHTTPAPI = "ServerlessHttpApi"
)

// apiAuth is what a SAM API says about the auth of the routes it serves.
type apiAuth struct {
	id          string
	http        bool
	def         model.Value            // DefaultAuthorizer, normalised
	defName     model.Value            // DefaultAuthorizer as written
	authorizers map[string]model.Value // name -> normalised type
	apiKey      model.Value
	openapi     bool // DefinitionBody/DefinitionUri: auth may live there
	authUnknown bool
	cors        *model.CORS
}

// buildSAM creates the elements SAM generates: APIs (explicit and
// implicit) with their auth, function triggers from Events, execution roles
// from Policies, state machines.
func (d *doc) buildSAM() {
	for _, r := range d.order {
		switch r.typ {
		case "AWS::Serverless::Api", "AWS::Serverless::HttpApi":
			d.samAPI(r.name, r.id, r.typ, r.pos, d.props(r), r.deployed)
		}
	}
	for _, r := range d.order {
		if d.ctx.Err() != nil {
			return
		}
		switch r.typ {
		case "AWS::Serverless::Function":
			f := d.fns[r.id]
			p := d.props(r)
			d.samRole(r, p, f, "lambda.amazonaws.com")
			d.samEvents(r, p, f)
		case "AWS::Serverless::StateMachine":
			p := d.props(r)
			m := d.newResource(r, model.KindStateMachine)
			setAttr(m, "type", p.get("Type").str())
			setAttr(m, model.AttrExecutionLogLevel, p.path("Logging", "Level").str())
			setAttr(m, model.AttrTracingEnabled, p.path("Tracing", "Enabled").str())
			roleID := d.samRole(r, p, nil, "states.amazonaws.com")
			d.edge(m.ID, roleID, model.EdgeUsesRole, r.pos)
		}
	}
}

// samRole gives a SAM function or state machine its role: the one named
// by Role, or the one SAM generates from Policies.
func (d *doc) samRole(r *res, p *node, f *model.Function, service string) string {
	if rv := p.get("Role").str(); rv.IsSet() {
		if p.get("Policies") != nil {
			d.diag(p.keyPos("Policies"), model.DiagWarning, "unsupported", "%s sets both Role and Policies; SAM uses Role and ignores Policies", r.name)
		}
		if f == nil {
			return d.refTo(rv, "AWS::IAM::Role")
		}
		return ""
	}
	id := d.id(r.name + "Role")
	if existing := d.roles[id]; existing != nil {
		if f != nil {
			f.RoleID = id
		}
		return id
	}
	role := &model.Role{ID: id, Name: r.name + "Role", Provider: model.AWS, Framework: d.fw, Pos: r.pos, Implicit: true,
		AssumeRolePolicy: lambdaTrust(service, r.pos)}
	if service == "lambda.amazonaws.com" {
		role.ManagedPolicies = append(role.ManagedPolicies, model.Str("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", r.pos))
		if p.get("Tracing").str().Is("Active") {
			role.ManagedPolicies = append(role.ManagedPolicies, model.Str("arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess", p.keyPos("Tracing")))
		}
		// Poll-based event sources make SAM attach the AWS managed
		// execution policy for that service.
		p.get("Events").each(func(_ string, kpos model.Pos, ev *node) {
			var arn string
			switch ev.get("Type").str().V {
			case "SQS":
				arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"
			case "Kinesis":
				arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaKinesisExecutionRole"
			case "DynamoDB":
				arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole"
			case "MSK":
				arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole"
			}
			if arn != "" {
				role.ManagedPolicies = append(role.ManagedPolicies, model.Str(arn, kpos))
			}
		})
	}
	d.samPolicies(role, p.get("Policies"))
	role.PermissionsBoundary = p.get("PermissionsBoundary").str()
	d.roles[id] = role
	d.app.Roles = append(d.app.Roles, role)
	if f != nil {
		f.RoleID = id
	}
	return id
}

// samAPI models an AWS::Serverless::Api or HttpApi (explicit or implicit)
// and its stage, and records its auth for the events that use it.
func (d *doc) samAPI(name, id, typ string, pos model.Pos, p *node, deployed model.Value) *apiAuth {
	http := typ == "AWS::Serverless::HttpApi"
	r := &res{name: name, id: id, typ: typ, pos: pos, deployed: deployed}
	m := d.newResource(r, model.KindAPI)
	d.rscTypes[id] = typ
	a := &apiAuth{id: id, http: http, authorizers: map[string]model.Value{}}
	if http {
		m.SetAttr(model.AttrProtocol, model.Str("HTTP", pos))
		a.cors = corsOf(p.get("CorsConfiguration"))
	} else {
		m.SetAttr(model.AttrProtocol, model.Str("REST", pos))
		a.cors = corsOf(p.get("Cors"))
		if ec := p.get("EndpointConfiguration"); ec != nil {
			if ec.k == nMap {
				setAttr(m, model.AttrEndpointType, ec.get("Type").str())
			} else {
				setAttr(m, model.AttrEndpointType, ec.str())
			}
		}
	}
	a.openapi = p.get("DefinitionBody") != nil || p.get("DefinitionUri") != nil
	if a.openapi {
		m.SetAttr("openapi_definition", model.Str("true", p.keyPos("DefinitionBody")))
	}
	setAttr(m, model.AttrDisableExecuteAPIEndpoint, p.get("DisableExecuteApiEndpoint").str())
	setAttr(m, model.AttrMinTLS, p.path("Domain", "SecurityPolicy").str())
	auth := p.get("Auth")
	if auth.isUnknown() {
		a.authUnknown = true
	}
	auth.get("Authorizers").each(func(k string, kpos model.Pos, v *node) {
		switch {
		case v.get("UserPoolArn") != nil:
			a.authorizers[k] = model.Str(model.AuthCognito, kpos)
		case v.get("JwtConfiguration") != nil:
			a.authorizers[k] = model.Str(model.AuthJWT, kpos)
		case v.get("FunctionArn") != nil:
			a.authorizers[k] = model.Str(model.AuthCustom, kpos)
		default:
			a.authorizers[k] = model.Unresolved("authorizer "+k, kpos)
		}
	})
	if auth.get("EnableIamAuthorizer").str().IsTrue() {
		a.authorizers["AWS_IAM"] = model.Str(model.AuthIAM, auth.keyPos("EnableIamAuthorizer"))
	}
	if dn := auth.get("DefaultAuthorizer").str(); dn.IsSet() {
		a.defName = dn
		a.def = a.resolve(d, dn)
		m.SetAttr(model.AttrDefaultAuth, a.def)
	} else if !a.openapi && !a.authUnknown {
		m.SetAttr(model.AttrDefaultAuth, model.Str(model.AuthNone, pos))
	}
	a.apiKey = auth.get("ApiKeyRequired").str()
	setAttr(m, model.AttrAPIKeyRequired, a.apiKey)
	if up := auth.get("UsagePlan"); up != nil {
		setAttr(m, "usage_plan", up.get("CreateUsagePlan").str())
	}
	if rp := auth.get("ResourcePolicy"); rp != nil {
		pol := &model.Policy{Pos: auth.keyPos("ResourcePolicy"), Source: "SAM ResourcePolicy"}
		for _, s := range rp.get("CustomStatements").list() {
			if s.k == nMap {
				pol.Statements = append(pol.Statements, d.statement(s, &pol.Unresolved))
			} else {
				pol.Unresolved = true
			}
		}
		for _, k := range []string{"AwsAccountWhitelist", "AwsAccountBlacklist", "IpRangeWhitelist", "IpRangeBlacklist", "SourceVpcWhitelist", "SourceVpcBlacklist", "IntrinsicVpcWhitelist", "IntrinsicVpceWhitelist"} {
			setList(m, "resource_policy."+k, rp.get(k).strs())
		}
		m.Policies = append(m.Policies, pol)
	}
	// The stage SAM generates with the API.
	stageName := p.get("StageName").str()
	stageID := name + "Stage"
	switch {
	case stageName.IsKnown():
		stageID = name + stageName.V + "Stage"
	case http && !stageName.IsSet():
		stageName = model.Str("$default", pos)
		stageID = name + "ApiGatewayDefaultStage"
	case !stageName.IsSet():
		// The implicit REST API deploys to SAM's "Prod" stage.
		stageName = model.Str("Prod", pos)
		stageID = name + "ProdStage"
	}
	sr := &res{name: stageID, id: d.id(stageID), typ: "AWS::ApiGateway::Stage", pos: pos, deployed: deployed}
	if http {
		sr.typ = "AWS::ApiGatewayV2::Stage"
	}
	if _, taken := d.resources[stageID]; !taken {
		st := d.newResource(sr, model.KindStage)
		d.rscTypes[sr.id] = sr.typ
		st.SetAttr(model.AttrAPI, model.Value{State: model.Unknown, Expr: "!Ref " + name, Pos: pos, Ref: id})
		setAttr(st, "stage_name", stageName)
		setAttr(st, "implicit", model.Str("true", pos))
		als := p.get("AccessLogSetting")
		if http {
			als = p.get("AccessLogSettings")
		}
		if als != nil {
			dst := als.get("DestinationArn").str()
			if !dst.IsSet() {
				dst = model.Unresolved("(access log settings without DestinationArn)", als.pos)
			}
			st.SetAttr(model.AttrAccessLog, dst)
		}
		setAttr(st, model.AttrTracingEnabled, p.get("TracingEnabled").str())
		d.methodSettings(st, p.get("MethodSettings"), p.get("DefaultRouteSettings"))
		d.edge(st.ID, id, model.EdgeAttached, pos)
	}
	d.apis[id] = a
	return a
}

// resolve maps an authorizer name used by an API or event to an auth type.
func (a *apiAuth) resolve(d *doc, name model.Value) model.Value {
	if !name.IsKnown() {
		return name
	}
	switch name.V {
	case "NONE":
		return model.Str(model.AuthNone, name.Pos)
	case "AWS_IAM":
		return model.Str(model.AuthIAM, name.Pos)
	}
	t, ok := a.authorizers[name.V]
	if !ok {
		d.diag(name.Pos, model.DiagWarning, "unresolved", "authorizer %s is not defined in the Auth.Authorizers of the API", name.V)
		d.markUnresolved(name.Pos)
		return model.Unresolved("authorizer "+name.V, name.Pos)
	}
	t.Pos = name.Pos
	return t
}

// implicitAPI returns SAM's implicit REST or HTTP API, creating it from
// Globals the first time an event needs it.
func (d *doc) implicitAPI(http bool, pos model.Pos) *apiAuth {
	name, typ, sec := implicitRestAPI, "AWS::Serverless::Api", "Api"
	if http {
		name, typ, sec = implicitHTTPAPI, "AWS::Serverless::HttpApi", "HttpApi"
	}
	id := d.id(name)
	if a := d.apis[id]; a != nil {
		return a
	}
	p := d.globals[sec]
	if p == nil {
		p = &node{k: nMap, pos: pos}
	}
	a := d.samAPI(name, id, typ, pos, p, model.Value{})
	d.rsc[id].SetAttr("implicit", model.Str("true", pos))
	return a
}

// samEvents turns a SAM function's Events into triggers.
func (d *doc) samEvents(r *res, p *node, f *model.Function) {
	p.get("Events").each(func(name string, kpos model.Pos, ev *node) {
		t := ev.get("Type").str()
		if !t.IsKnown() {
			d.diag(kpos, model.DiagWarning, "unresolved", "event %s of %s has no known Type; not modelled", name, r.name)
			return
		}
		ep := ev.get("Properties")
		tr := &model.Trigger{Type: t.V, Name: name, Pos: kpos}
		srcOf := func(key string) {
			tr.Source = ep.get(key).str()
			tr.SourceID = tr.Source.Ref
		}
		poll := func() {
			tr.BatchSize = ep.get("BatchSize").str()
			tr.Enabled = ep.get("Enabled").str()
			tr.Filter = ep.get("FilterCriteria").asJSON()
			tr.OnFailure = ep.path("DestinationConfig", "OnFailure", "Destination").str()
			setTriggerAttr(tr, "starting_position", ep.get("StartingPosition").str())
		}
		switch t.V {
		case "Api", "HttpApi":
			d.samHTTPEvent(tr, ep, t.V == "HttpApi", kpos)
		case "S3":
			tr.Kind = model.TriggerStorage
			srcOf("Bucket")
			tr.Filter = ep.get("Filter").asJSON()
			if evs := ep.get("Events"); evs != nil {
				setTriggerAttr(tr, "events", evs.asJSON())
			}
		case "SQS":
			tr.Kind = model.TriggerQueue
			srcOf("Queue")
			poll()
		case "SNS":
			tr.Kind = model.TriggerTopic
			srcOf("Topic")
			tr.Filter = ep.get("FilterPolicy").asJSON()
		case "Kinesis", "DynamoDB", "MSK":
			tr.Kind = model.TriggerStream
			srcOf("Stream")
			poll()
		case "SelfManagedKafka":
			tr.Kind = model.TriggerStream
			tr.Source = ep.get("KafkaBootstrapServers").asJSON()
			poll()
		case "MQ":
			tr.Kind = model.TriggerQueue
			srcOf("Broker")
			poll()
		case "DocumentDB":
			tr.Kind = model.TriggerStream
			srcOf("Cluster")
			poll()
		case "Schedule":
			tr.Kind = model.TriggerSchedule
			tr.Schedule = ep.get("Schedule").str()
			tr.Enabled = ep.get("Enabled").str()
			if s := ep.get("State").str(); s.IsSet() {
				tr.Enabled = stateEnabled(s)
			}
		case "ScheduleV2":
			tr.Kind = model.TriggerSchedule
			tr.Schedule = ep.get("ScheduleExpression").str()
			tr.Enabled = stateEnabled(ep.get("State").str())
		case "EventBridgeRule", "CloudWatchEvent":
			tr.Kind = model.TriggerEventBus
			tr.Filter = ep.get("Pattern").asJSON()
			if bus := ep.get("EventBusName").str(); bus.IsSet() {
				tr.Source = bus
				tr.SourceID = bus.Ref
			}
			tr.Enabled = ep.get("Enabled").str()
			if s := ep.get("State").str(); s.IsSet() {
				tr.Enabled = stateEnabled(s)
			}
		case "Cognito":
			tr.Kind = model.TriggerUserPool
			srcOf("UserPool")
			setTriggerAttr(tr, "trigger", ep.get("Trigger").asJSON())
		case "IoTRule":
			tr.Kind = model.TriggerIoT
			tr.Filter = ep.get("Sql").str()
		case "CloudWatchLogs":
			tr.Kind = model.TriggerOther
			srcOf("LogGroupName")
			tr.Filter = ep.get("FilterPattern").str()
		case "AlexaSkill":
			tr.Kind = model.TriggerOther
			setTriggerAttr(tr, "skill_id", ep.get("SkillId").str())
		default:
			d.diag(t.Pos, model.DiagWarning, "unsupported", "event type %s is not one Warden models; kept as an 'other' trigger", t.V)
			tr.Kind = model.TriggerOther
		}
		d.addTrigger(f, tr, tr.SourceID)
	})
}

// samHTTPEvent fills an Api or HttpApi event: route, the API serving it and
// the auth that applies, from the event, else the API's default.
func (d *doc) samHTTPEvent(tr *model.Trigger, ep *node, http bool, pos model.Pos) {
	tr.Kind = model.TriggerHTTP
	tr.Method = ep.get("Method").str()
	tr.Path = ep.get("Path").str()
	if http && !tr.Method.IsSet() && !tr.Path.IsSet() {
		tr.Method, tr.Path = model.Str("ANY", pos), model.Str("$default", pos)
	}
	key := "RestApiId"
	if http {
		key = "ApiId"
	}
	var api *apiAuth
	if ref := ep.get(key).str(); ref.IsSet() {
		api = d.apis[ref.Ref]
		if api == nil {
			tr.AuthType = model.Unresolved("auth of API "+ref.String(), ref.Pos)
			tr.APIID = ref.Ref
			return
		}
	} else {
		api = d.implicitAPI(http, pos)
	}
	tr.APIID = api.id
	tr.CORS = api.cors
	auth := ep.get("Auth")
	tr.Scopes = auth.get("AuthorizationScopes").strs()
	tr.APIKeyRequired = auth.get("ApiKeyRequired").str()
	if !tr.APIKeyRequired.IsSet() {
		tr.APIKeyRequired = api.apiKey
	}
	if name := auth.get("Authorizer").str(); name.IsSet() {
		tr.Authorizer = name
		tr.AuthType = api.resolve(d, name)
		return
	}
	switch {
	case auth.isUnknown() || api.authUnknown:
		tr.AuthType = model.Unresolved("Auth of "+api.id, pos)
	case api.def.IsSet():
		tr.Authorizer = api.defName
		tr.AuthType = api.def
	case api.openapi:
		tr.AuthType = model.Unresolved("auth may be defined in the OpenAPI definition of "+api.id, pos)
	default:
		tr.AuthType = model.Str(model.AuthNone, pos)
	}
}
