package serverless

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/wardensec/warden/internal/load/yamlsafe"
	"github.com/wardensec/warden/internal/model"
)

// event reads one entry of a function's events list: a one-key mapping
// whose key is the event type.
func (b *builder) event(fi *fnInfo, ev *yaml.Node) {
	if b.r.isUnknown(ev) {
		b.diag(b.pos(ev), model.DiagWarning, "unresolved", "event %s cannot be resolved; this trigger of %s is unknown", b.r.unknown[ev].expr, fi.name)
		fi.fn.Triggers = append(fi.fn.Triggers, &model.Trigger{Kind: model.TriggerOther, Type: "unknown", Pos: b.pos(ev),
			Source: b.val(ev), AuthType: b.val(ev)})
		return
	}
	if ev.Kind != yamlMapping || len(ev.Content) < 2 {
		b.diag(b.pos(ev), model.DiagWarning, "parse", "event of %s is not a mapping like `- http: ...`; skipped", fi.name)
		return
	}
	k, v := ev.Content[0], yamlsafe.Resolve(ev.Content[1])
	typ := k.Value
	pos := b.pos(k)
	var ts []*model.Trigger
	switch typ {
	case "http":
		ts = b.httpEvent(fi, v, pos)
	case "httpApi":
		ts = b.httpAPIEvent(fi, v, pos)
	case "alb":
		ts = b.albEvent(v, pos)
	case "websocket":
		ts = b.websocketEvent(fi, v, pos)
	case "s3":
		ts = b.s3Event(v, pos)
	case "sqs":
		t := b.pollEvent(model.TriggerQueue, typ, v, pos)
		fi.sqsArns = append(fi.sqsArns, t.Source)
		ts = []*model.Trigger{t}
	case "stream":
		t := b.pollEvent(model.TriggerStream, typ, v, pos)
		st := strings.ToLower(b.str(b.get(v, "type")))
		if st == "" && t.Source.IsKnown() {
			st = arnService(t.Source.V)
		}
		switch st {
		case "dynamodb":
			fi.ddbArns = append(fi.ddbArns, t.Source)
		case "kinesis":
			fi.kinesisArns = append(fi.kinesisArns, t.Source)
		}
		ts = []*model.Trigger{t}
	case "kafka", "msk":
		t := b.pollEvent(model.TriggerStream, typ, v, pos)
		if t.Source.IsAbsent() {
			t.Source = first(b.val(b.get(v, "bootstrapServers")), b.val(b.get(v, "topic")))
		}
		ts = []*model.Trigger{t}
	case "activemq", "rabbitmq":
		t := b.pollEvent(model.TriggerQueue, typ, v, pos)
		t.Source = first(b.val(b.get(v, "basicAuthArn")), t.Source)
		if q := b.val(b.get(v, "queue")); q.IsSet() {
			t.Source = q
		}
		ts = []*model.Trigger{t}
	case "sns":
		ts = b.snsEvent(v, pos)
	case "schedule":
		ts = b.scheduleEvent(v, pos)
	case "eventBridge", "cloudwatchEvent":
		t := &model.Trigger{Kind: model.TriggerEventBus, Type: typ, Pos: pos}
		t.Source = b.val(b.get(v, "eventBus"))
		t.SourceID = t.Source.Ref
		t.Filter = b.jsonValue(first2(b.get(v, "pattern"), b.get(v, "event")))
		t.Schedule = b.val(b.get(v, "schedule"))
		t.Enabled = b.val(b.get(v, "enabled"))
		t.OnFailure = b.val(b.get(v, "deadLetterQueueArn"))
		ts = []*model.Trigger{t}
	case "cognitoUserPool":
		t := &model.Trigger{Kind: model.TriggerUserPool, Type: typ, Pos: pos}
		t.Source = b.val(b.get(v, "pool"))
		t.Filter = b.val(b.get(v, "trigger"))
		if t.Source.IsKnown() {
			t.SourceID = b.logical["CognitoUserPool"+alnumNormalize(t.Source.V)]
		}
		ts = []*model.Trigger{t}
	case "iot":
		t := &model.Trigger{Kind: model.TriggerIoT, Type: typ, Pos: pos}
		t.Filter = b.val(b.get(v, "sql"))
		t.Enabled = b.val(b.get(v, "enabled"))
		ts = []*model.Trigger{t}
	case "cloudwatchLog":
		t := &model.Trigger{Kind: model.TriggerOther, Type: typ, Pos: pos}
		if v.Kind == yamlMapping {
			t.Source = b.val(b.get(v, "logGroup"))
			t.Filter = b.val(b.get(v, "filter"))
		} else {
			t.Source = b.val(v)
		}
		ts = []*model.Trigger{t}
	case "alexaSkill", "alexaSmartHome", "cloudFront", "iotFleetProvisioning":
		t := &model.Trigger{Kind: model.TriggerOther, Type: typ, Pos: pos}
		if v.Kind == yamlMapping {
			t.Source = first(b.val(b.get(v, "appId")), b.val(b.get(v, "skillId")), b.val(b.get(v, "eventType")))
		} else {
			t.Source = b.val(v)
		}
		ts = []*model.Trigger{t}
	default:
		b.diag(pos, model.DiagInfo, "unsupported", "event type %q of %s is not modelled; recorded as an other trigger", typ, fi.name)
		ts = []*model.Trigger{{Kind: model.TriggerOther, Type: typ, Pos: pos, Source: b.val(v)}}
	}
	for _, t := range ts {
		fi.fn.Triggers = append(fi.fn.Triggers, t)
		b.edge(fi.fn.ID, t.SourceID, model.EdgeTriggeredBy, t.Pos)
		if t.APIID != "" {
			b.edge(t.APIID, fi.fn.ID, model.EdgeServes, t.Pos)
		}
	}
}

func first2(a, b *yaml.Node) *yaml.Node {
	if a != nil {
		return a
	}
	return b
}

// arnService returns the service part of an ARN ("dynamodb" for a
// table stream), or "".
func arnService(arn string) string {
	parts := strings.SplitN(arn, ":", 4)
	if len(parts) < 4 || parts[0] != "arn" {
		return ""
	}
	return parts[2]
}

// alnumNormalize is the framework's normalizeNameToAlphaNumericOnly, used
// for logical IDs of buckets, topics and user pools it creates.
func alnumNormalize(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		if isAlnum(s[i]) {
			sb.WriteByte(s[i])
		}
	}
	return normalize(sb.String())
}

// routeOf reads "GET /path" or {method, path}.
func (b *builder) routeOf(v *yaml.Node) (method, p model.Value) {
	if v.Kind == yamlMapping && !b.r.isUnknown(v) {
		method = b.val(b.get(v, "method"))
		p = b.val(b.get(v, "path"))
	} else {
		sv := b.val(v)
		if !sv.IsKnown() {
			return sv, sv
		}
		fields := strings.Fields(sv.V)
		switch len(fields) {
		case 1:
			method, p = model.Str(fields[0], sv.Pos), model.Str(fields[0], sv.Pos)
		case 0:
		default:
			method, p = model.Str(fields[0], sv.Pos), model.Str(fields[1], sv.Pos)
		}
	}
	if method.IsKnown() {
		method.V = strings.ToUpper(method.V)
	}
	return method, p
}

// httpEvent is a REST API route.
func (b *builder) httpEvent(fi *fnInfo, v *yaml.Node, pos model.Pos) []*model.Trigger {
	t := &model.Trigger{Kind: model.TriggerHTTP, Type: "http", Pos: pos}
	t.Method, t.Path = b.routeOf(v)
	t.APIID = b.restAPIFor(pos)
	if v.Kind == yamlMapping && !b.r.isUnknown(v) {
		t.Private = b.val(b.get(v, "private"))
		if t.Private.IsSet() {
			t.APIKeyRequired = t.Private
		}
		b.restAuth(t, b.get(v, "authorizer"))
		t.CORS = b.cors(b.get(v, "cors"), restCORSDefaults)
	}
	if t.AuthType.IsAbsent() {
		switch {
		case b.r.isUnknown(v):
			// The whole event is unknown: it may hold an authorizer.
			t.AuthType = b.val(v)
		case t.Private.IsTrue():
			t.AuthType = model.Str(model.AuthAPIKey, t.Private.Pos)
		case t.Private.IsUnknown():
			t.AuthType = model.Unresolved("private: "+t.Private.String(), t.Private.Pos)
		default:
			t.AuthType = model.Str(model.AuthNone, pos)
		}
	}
	return []*model.Trigger{t}
}

// restAuth reads an http event's authorizer: a function name, an ARN,
// aws_iam, or {name|arn|authorizerId, type, scopes}.
func (b *builder) restAuth(t *model.Trigger, a *yaml.Node) {
	if isNull(a) {
		return
	}
	if a.Kind != yamlMapping || b.r.isUnknown(a) {
		v := b.val(a)
		t.Authorizer = v
		if !v.IsKnown() {
			t.AuthType = v
			return
		}
		switch {
		case strings.EqualFold(v.V, "aws_iam"):
			t.AuthType = model.Str(model.AuthIAM, v.Pos)
		case strings.Contains(v.V, ":cognito-idp:"):
			t.AuthType = model.Str(model.AuthCognito, v.Pos)
		default:
			t.AuthType = model.Str(model.AuthCustom, v.Pos)
		}
		return
	}
	pos := b.pos(a)
	name, arn, id := b.val(b.get(a, "name")), b.val(b.get(a, "arn")), b.val(b.get(a, "authorizerId"))
	t.Authorizer = first(name, arn, id)
	t.Scopes = b.list(b.get(a, "scopes"))
	typ := b.val(b.get(a, "type"))
	switch {
	case typ.IsUnknown():
		t.AuthType = typ
	case typ.Is("aws_iam"):
		t.AuthType = model.Str(model.AuthIAM, typ.Pos)
	case typ.Is("cognito_user_pools"):
		t.AuthType = model.Str(model.AuthCognito, typ.Pos)
	case typ.Is("token"), typ.Is("request"), typ.Is("custom"):
		t.AuthType = model.Str(model.AuthCustom, typ.Pos)
	case typ.IsKnown():
		b.diag(typ.Pos, model.DiagWarning, "unsupported", "authorizer type %q is not one the framework knows; auth is unknown", typ.V)
		t.AuthType = model.Unresolved(typ.V, typ.Pos)
	case arn.IsKnown() && strings.Contains(arn.V, ":cognito-idp:"):
		t.AuthType = model.Str(model.AuthCognito, pos)
	case t.Authorizer.IsUnknown() && !id.IsSet():
		t.AuthType = model.Unresolved(t.Authorizer.Expr, pos)
	case t.Authorizer.IsSet():
		t.AuthType = model.Str(model.AuthCustom, pos)
	default:
		b.diag(pos, model.DiagWarning, "unresolved", "authorizer names no function, ARN or authorizerId; auth is unknown")
		t.AuthType = model.Unresolved(render(a, 120), pos)
	}
}

// httpAPIEvent is an HTTP API route.
func (b *builder) httpAPIEvent(fi *fnInfo, v *yaml.Node, pos model.Pos) []*model.Trigger {
	t := &model.Trigger{Kind: model.TriggerHTTP, Type: "httpApi", Pos: pos}
	t.Method, t.Path = b.routeOf(v)
	t.APIID = b.httpAPIFor(pos)
	if v.Kind == yamlMapping && !b.r.isUnknown(v) {
		b.httpAPIAuth(t, b.get(v, "authorizer"))
	}
	if t.AuthType.IsAbsent() {
		t.AuthType = model.Str(model.AuthNone, pos)
		if b.r.isUnknown(v) {
			t.AuthType = b.val(v)
		}
	}
	t.CORS = b.cors(b.getPath(b.provider, "httpApi", "cors"), httpCORSDefaults)
	return []*model.Trigger{t}
}

// httpAPIAuth reads {name, scopes}, {type: aws_iam} or {id, type}; names
// refer to provider.httpApi.authorizers.
func (b *builder) httpAPIAuth(t *model.Trigger, a *yaml.Node) {
	if isNull(a) {
		return
	}
	if a.Kind != yamlMapping || b.r.isUnknown(a) {
		v := b.val(a)
		if v.IsKnown() {
			b.authByName(t, v)
			return
		}
		t.Authorizer, t.AuthType = v, v
		return
	}
	pos := b.pos(a)
	t.Scopes = b.list(b.get(a, "scopes"))
	typ := b.val(b.get(a, "type"))
	name, id := b.val(b.get(a, "name")), b.val(b.get(a, "id"))
	switch {
	case typ.Is("aws_iam"):
		t.Authorizer = typ
		t.AuthType = model.Str(model.AuthIAM, typ.Pos)
	case typ.IsUnknown():
		t.Authorizer, t.AuthType = first(name, id, typ), typ
	case name.IsKnown():
		b.authByName(t, name)
	case id.IsSet():
		t.Authorizer = id
		if typ.Is("request") {
			t.AuthType = model.Str(model.AuthCustom, typ.Pos)
		} else {
			t.AuthType = model.Str(model.AuthJWT, id.Pos)
		}
	case name.IsUnknown():
		t.Authorizer, t.AuthType = name, name
	default:
		b.diag(pos, model.DiagWarning, "unresolved", "httpApi authorizer names no authorizer; auth is unknown")
		t.AuthType = model.Unresolved(render(a, 120), pos)
	}
}

// authByName resolves an HTTP API authorizer declared under
// provider.httpApi.authorizers.
func (b *builder) authByName(t *model.Trigger, name model.Value) {
	t.Authorizer = name
	decl := b.get(b.getPath(b.provider, "httpApi", "authorizers"), name.V)
	if decl == nil {
		b.diag(name.Pos, model.DiagWarning, "unresolved", "httpApi authorizer %q is not declared in provider.httpApi.authorizers; auth is unknown", name.V)
		t.AuthType = model.Unresolved("authorizer "+name.V, name.Pos)
		return
	}
	typ := b.val(b.get(decl, "type"))
	switch {
	case typ.IsUnknown():
		t.AuthType = typ
	case typ.Is("request"):
		t.AuthType = model.Str(model.AuthCustom, typ.Pos)
	case typ.Is("jwt") || typ.IsAbsent():
		t.AuthType = model.Str(model.AuthJWT, name.Pos)
	default:
		b.diag(typ.Pos, model.DiagWarning, "unsupported", "httpApi authorizer type %q is not one the framework knows; auth is unknown", typ.V)
		t.AuthType = model.Unresolved(typ.V, typ.Pos)
	}
}

// albEvent is an Application Load Balancer listener rule; one trigger per
// path condition and method.
func (b *builder) albEvent(v *yaml.Node, pos model.Pos) []*model.Trigger {
	listener := b.val(b.get(v, "listenerArn"))
	conds := b.get(v, "conditions")
	paths := b.list(b.get(conds, "path"))
	methods := b.list(b.get(conds, "method"))
	if len(paths) == 0 {
		paths = []model.Value{{}}
	}
	if len(methods) == 0 {
		methods = []model.Value{{}}
	}
	authType, authz := model.Str(model.AuthNone, pos), model.Value{}
	if a := b.get(v, "authorizer"); !isNull(a) {
		names := b.list(a)
		authType = model.Value{}
		for _, n := range names {
			authz = n
			if !n.IsKnown() {
				authType = n
				break
			}
			typ := b.val(b.get(b.getPath(b.provider, "alb", "authorizers", n.V), "type"))
			switch {
			case typ.Is("cognito"):
				authType = model.Str(model.AuthCognito, n.Pos)
			case typ.Is("oidc"):
				authType = model.Str(model.AuthJWT, n.Pos)
			default:
				b.diag(n.Pos, model.DiagWarning, "unresolved", "alb authorizer %q is not declared in provider.alb.authorizers with type cognito or oidc; auth is unknown", n.V)
				authType = model.Unresolved("authorizer "+n.V, n.Pos)
			}
		}
	}
	var out []*model.Trigger
	for _, p := range paths {
		for _, m := range methods {
			if m.IsKnown() {
				m.V = strings.ToUpper(m.V)
			}
			out = append(out, &model.Trigger{
				Kind: model.TriggerHTTP, Type: "alb", Pos: pos, Source: listener, SourceID: listener.Ref,
				Path: p, Method: m, AuthType: authType, Authorizer: authz,
			})
		}
	}
	return out
}

// websocketEvent is a WebSocket API route. Only $connect carries an
// authorizer; messages on other routes arrive over a connection $connect
// admitted, so they inherit its auth (see finishWebsocket).
func (b *builder) websocketEvent(fi *fnInfo, v *yaml.Node, pos model.Pos) []*model.Trigger {
	t := &model.Trigger{Kind: model.TriggerWebSocket, Type: "websocket", Pos: pos}
	var auth *yaml.Node
	if v.Kind == yamlMapping && !b.r.isUnknown(v) {
		t.Path = b.val(b.get(v, "route"))
		auth = b.get(v, "authorizer")
	} else {
		t.Path = b.val(v)
	}
	t.APIID = b.wsAPIFor(pos)
	if t.Path.Is("$connect") {
		switch {
		case isNull(auth):
			t.AuthType = model.Str(model.AuthNone, pos)
		default:
			a := b.val(auth)
			if auth.Kind == yamlMapping && !b.r.isUnknown(auth) {
				a = first(b.val(b.get(auth, "name")), b.val(b.get(auth, "arn")))
			}
			t.Authorizer = a
			if a.IsUnknown() {
				t.AuthType = a
			} else {
				t.AuthType = model.Str(model.AuthCustom, b.pos(auth))
			}
		}
		b.connectFns = append(b.connectFns, t)
	} else {
		if !isNull(auth) {
			b.diag(b.pos(auth), model.DiagWarning, "unsupported", "websocket authorizers apply to the $connect route only; this one is ignored by API Gateway")
		}
		b.wsRoutes = append(b.wsRoutes, t)
	}
	return []*model.Trigger{t}
}

// finishWebsocket gives message routes the auth of $connect, or NONE when
// the service declares no $connect route (API Gateway then admits every
// connection).
func (b *builder) finishWebsocket() {
	for _, t := range b.wsRoutes {
		if t.Path.IsUnknown() {
			t.AuthType = t.Path
			continue
		}
		if len(b.connectFns) == 0 {
			t.AuthType = model.Str(model.AuthNone, t.Pos)
			continue
		}
		c := b.connectFns[0]
		t.AuthType, t.Authorizer = c.AuthType, c.Authorizer
	}
}

// s3Event is a bucket notification. Unless `existing: true`, the framework
// creates the bucket.
func (b *builder) s3Event(v *yaml.Node, pos model.Pos) []*model.Trigger {
	t := &model.Trigger{Kind: model.TriggerStorage, Type: "s3", Pos: pos}
	existing := false
	if v.Kind == yamlMapping && !b.r.isUnknown(v) {
		t.Source = b.val(b.get(v, "bucket"))
		t.Filter = b.val(b.get(v, "event"))
		existing = b.val(b.get(v, "existing")).IsTrue()
	} else {
		t.Source = b.val(v)
	}
	t.SourceID = t.Source.Ref
	if t.SourceID == "" && t.Source.IsKnown() {
		logical := "S3Bucket" + alnumNormalize(t.Source.V)
		if id, ok := b.logical[logical]; ok {
			t.SourceID = id
		} else if !existing {
			r := b.addResource(&model.Resource{
				ID: b.id(logical), Kind: model.KindBucket, Type: "AWS::S3::Bucket", Name: logical,
				Provider: model.AWS, Framework: model.Serverless, Pos: t.Source.Pos,
			})
			b.logical[logical] = r.ID
			t.SourceID = r.ID
		}
	}
	return []*model.Trigger{t}
}

// pollEvent reads the shared shape of sqs, stream, kafka and mq events:
// an ARN, or a mapping with arn and batch settings.
func (b *builder) pollEvent(kind model.TriggerKind, typ string, v *yaml.Node, pos model.Pos) *model.Trigger {
	t := &model.Trigger{Kind: kind, Type: typ, Pos: pos}
	if v.Kind == yamlMapping && !b.r.isUnknown(v) {
		if _, _, ok := intrinsic(v); ok {
			t.Source = b.val(v)
		} else {
			t.Source = b.val(b.get(v, "arn"))
			t.BatchSize = b.val(b.get(v, "batchSize"))
			t.Enabled = b.val(b.get(v, "enabled"))
			t.Filter = b.jsonValue(b.get(v, "filterPatterns"))
			t.OnFailure = b.destination(b.getPath(v, "destinations", "onFailure"))
			if r := b.val(b.get(v, "maximumRetryAttempts")); r.IsSet() {
				t.Attrs = map[string]model.Value{model.AttrMaxRetryAttempts: r}
			}
		}
	} else {
		t.Source = b.val(v)
	}
	t.SourceID = t.Source.Ref
	return t
}

// snsEvent subscribes to a topic by ARN, or by name (the framework then
// creates the topic).
func (b *builder) snsEvent(v *yaml.Node, pos model.Pos) []*model.Trigger {
	t := &model.Trigger{Kind: model.TriggerTopic, Type: "sns", Pos: pos}
	var arn, name model.Value
	if v.Kind == yamlMapping && !b.r.isUnknown(v) {
		if _, _, ok := intrinsic(v); ok {
			arn = b.val(v)
		} else {
			arn = b.val(b.get(v, "arn"))
			name = b.val(b.get(v, "topicName"))
			t.Filter = b.jsonValue(b.get(v, "filterPolicy"))
			rp := b.get(v, "redrivePolicy")
			t.OnFailure = first(b.val(b.get(rp, "deadLetterTargetArn")), b.val(b.get(rp, "deadLetterTargetRef")))
		}
	} else {
		s := b.val(v)
		if s.IsKnown() && !strings.HasPrefix(s.V, "arn:") {
			name = s
		} else {
			arn = s
		}
	}
	t.Source = first(arn, name)
	t.SourceID = arn.Ref
	if arn.IsAbsent() && name.IsKnown() {
		logical := "SNSTopic" + alnumNormalize(name.V)
		if id, ok := b.logical[logical]; ok {
			t.SourceID = id
		} else {
			r := b.addResource(&model.Resource{
				ID: b.id(logical), Kind: model.KindTopic, Type: "AWS::SNS::Topic", Name: logical,
				Provider: model.AWS, Framework: model.Serverless, Pos: name.Pos,
			})
			b.logical[logical] = r.ID
			t.SourceID = r.ID
		}
	}
	return []*model.Trigger{t}
}

// scheduleEvent is rate(...) or cron(...), or {rate: [..], enabled}; one
// trigger per expression.
func (b *builder) scheduleEvent(v *yaml.Node, pos model.Pos) []*model.Trigger {
	var rates []model.Value
	var enabled model.Value
	if v.Kind == yamlMapping && !b.r.isUnknown(v) {
		rates = b.list(b.get(v, "rate"))
		enabled = b.val(b.get(v, "enabled"))
	} else {
		rates = []model.Value{b.val(v)}
	}
	if len(rates) == 0 {
		rates = []model.Value{{}}
	}
	out := make([]*model.Trigger, 0, len(rates))
	for _, r := range rates {
		out = append(out, &model.Trigger{Kind: model.TriggerSchedule, Type: "schedule", Pos: pos, Schedule: r, Enabled: enabled})
	}
	return out
}
