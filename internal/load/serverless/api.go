package serverless

import (
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/wardensec/warden/internal/load/yamlsafe"
	"github.com/wardensec/warden/internal/model"
)

// restAPIFor returns the model ID of the REST API the framework creates
// for http events, creating it on first use. A shared API named by
// provider.apiGateway.restApiId lives in another stack: "".
func (b *builder) restAPIFor(pos model.Pos) string {
	if b.restAPI != nil {
		return b.restAPI.ID
	}
	if !isNull(b.getPath(b.provider, "apiGateway", "restApiId")) {
		return ""
	}
	gw := b.getPath(b.provider, "apiGateway")
	if gw != nil {
		pos = b.keyPos(b.provider, "apiGateway")
	}
	r := &model.Resource{
		ID: b.id("ApiGatewayRestApi"), Kind: model.KindAPI, Type: "AWS::ApiGateway::RestApi", Name: "ApiGatewayRestApi",
		Provider: model.AWS, Framework: model.Serverless, Pos: pos,
	}
	r.SetAttr(model.AttrProtocol, model.Str("REST", pos))
	if et := first(b.val(b.get(b.provider, "endpointType")), b.val(b.get(gw, "endpointType"))); et.IsSet() {
		r.SetAttr(model.AttrEndpointType, upper(et))
	}
	if d := b.val(b.get(gw, "disableDefaultEndpoint")); d.IsSet() {
		r.SetAttr(model.AttrDisableExecuteAPIEndpoint, d)
	}
	if rp := b.get(gw, "resourcePolicy"); !isNull(rp) {
		r.Policies = append(r.Policies, b.policy(rp, "provider.apiGateway.resourcePolicy", b.keyPos(gw, "resourcePolicy")))
	}
	b.restAPI = b.addResource(r)
	return b.restAPI.ID
}

// httpAPIFor is restAPIFor for httpApi events.
func (b *builder) httpAPIFor(pos model.Pos) string {
	if b.httpAPI != nil {
		return b.httpAPI.ID
	}
	if !isNull(b.getPath(b.provider, "httpApi", "id")) {
		return ""
	}
	h := b.get(b.provider, "httpApi")
	if h != nil {
		pos = b.keyPos(b.provider, "httpApi")
	}
	r := &model.Resource{
		ID: b.id("HttpApi"), Kind: model.KindAPI, Type: "AWS::ApiGatewayV2::Api", Name: "HttpApi",
		Provider: model.AWS, Framework: model.Serverless, Pos: pos,
	}
	r.SetAttr(model.AttrProtocol, model.Str("HTTP", pos))
	if d := b.val(b.get(h, "disableDefaultEndpoint")); d.IsSet() {
		r.SetAttr(model.AttrDisableExecuteAPIEndpoint, d)
	}
	b.httpAPI = b.addResource(r)
	return b.httpAPI.ID
}

// wsAPIFor is restAPIFor for websocket events.
func (b *builder) wsAPIFor(pos model.Pos) string {
	if b.wsAPI != nil {
		return b.wsAPI.ID
	}
	r := &model.Resource{
		ID: b.id("WebsocketsApi"), Kind: model.KindAPI, Type: "AWS::ApiGatewayV2::Api", Name: "WebsocketsApi",
		Provider: model.AWS, Framework: model.Serverless, Pos: pos,
	}
	r.SetAttr(model.AttrProtocol, model.Str("WEBSOCKET", pos))
	b.wsAPI = b.addResource(r)
	return b.wsAPI.ID
}

func upper(v model.Value) model.Value {
	if v.IsKnown() {
		b := []byte(v.V)
		for i, c := range b {
			if c >= 'a' && c <= 'z' {
				b[i] = c - 'a' + 'A'
			}
		}
		v.V = string(b)
	}
	return v
}

// buildAPIs adds the stages of the APIs in use, with the logging and
// tracing the provider configures, and API keys and usage plans.
func (b *builder) buildAPIs() {
	logs := b.get(b.provider, "logs")
	if b.restAPI != nil {
		st := b.stageResource("ApiGatewayStage", "AWS::ApiGateway::Stage", b.restAPI)
		b.accessLogs(st, logs, "restApi", "/aws/api-gateway/", true)
		if tr := b.val(b.getPath(b.provider, "tracing", "apiGateway")); tr.IsSet() {
			st.SetAttr(model.AttrTracingEnabled, tr)
		}
		b.pluginThrottling(st)
		b.apiKeys()
	} else if !isNull(b.getPath(b.provider, "apiGateway", "apiKeys")) {
		b.apiKeys()
	}
	if b.httpAPI != nil {
		st := b.stageResource("HttpApiStage", "AWS::ApiGatewayV2::Stage", b.httpAPI)
		b.accessLogs(st, logs, "httpApi", "/aws/http-api/", false)
	}
	if b.wsAPI != nil {
		st := b.stageResource("WebsocketsDeploymentStage", "AWS::ApiGatewayV2::Stage", b.wsAPI)
		b.accessLogs(st, logs, "websocket", "/aws/websocket/", true)
	}
}

// pluginThrottling reads the serverless-api-gateway-throttling plugin's
// stage-wide settings (custom.apiGatewayThrottling), the usual way to
// throttle a Serverless Framework REST API stage; the framework itself has
// no stage throttling setting. It applies only when the plugin is listed.
func (b *builder) pluginThrottling(st *model.Resource) {
	if !b.hasPlugin("serverless-api-gateway-throttling") {
		return
	}
	conf := b.getPath(b.body, "custom", "apiGatewayThrottling")
	if isNull(conf) {
		return
	}
	if v := b.val(b.get(conf, "maxRequestsPerSecond")); v.IsSet() {
		st.SetAttr(model.AttrThrottleRate, v)
	}
	if v := b.val(b.get(conf, "maxConcurrentRequests")); v.IsSet() {
		st.SetAttr(model.AttrThrottleBurst, v)
	}
}

// hasPlugin reports whether plugins (a list, or the modules form) names p.
func (b *builder) hasPlugin(p string) bool {
	n := yamlsafe.Get(b.body, "plugins")
	if n != nil && n.Kind == yaml.MappingNode {
		n = yamlsafe.Get(n, "modules")
	}
	if n == nil || n.Kind != yaml.SequenceNode {
		return false
	}
	for _, item := range n.Content {
		if v := b.val(item); v.Is(p) {
			return true
		}
	}
	return false
}

func (b *builder) stageResource(name, typ string, api *model.Resource) *model.Resource {
	st := &model.Resource{
		ID: b.id(name), Kind: model.KindStage, Type: typ, Name: name,
		Provider: model.AWS, Framework: model.Serverless, Pos: api.Pos,
	}
	st.SetAttr(model.AttrAPI, model.Value{State: model.Known, V: api.Name, Pos: api.Pos, Ref: api.ID})
	st = b.addResource(st)
	b.edge(st.ID, api.ID, model.EdgeAttached, st.Pos)
	return st
}

// accessLogs reads provider.logs.<key>: true, or a mapping with
// accessLogging (default true) and, for REST and WebSocket APIs,
// executionLogging (default true) and level (default INFO).
func (b *builder) accessLogs(st *model.Resource, logs *yaml.Node, key, groupPrefix string, execution bool) {
	k, n := yamlsafe.GetPair(logs, key)
	if isNull(n) {
		return
	}
	pos := b.pos(k)
	st.Pos = pos
	group := groupPrefix + b.joinKnown(pos, "-", b.service, b.stage).String()
	if n.Kind != yamlMapping || b.r.isUnknown(n) {
		v := b.val(n)
		switch {
		case v.IsTrue():
			st.SetAttr(model.AttrAccessLog, model.Str(group, pos))
			if execution {
				st.SetAttr(model.AttrExecutionLogLevel, model.Str("INFO", pos))
			}
		case v.IsUnknown():
			st.SetAttr(model.AttrAccessLog, v)
		}
		return
	}
	if a := b.val(b.get(n, "accessLogging")); !a.IsFalse() {
		if a.IsUnknown() {
			st.SetAttr(model.AttrAccessLog, a)
		} else {
			st.SetAttr(model.AttrAccessLog, model.Str(group, pos))
		}
	}
	if !execution {
		return
	}
	e := b.val(b.get(n, "executionLogging"))
	switch {
	case e.IsFalse():
		st.SetAttr(model.AttrExecutionLogLevel, model.Str("OFF", e.Pos))
	case e.IsUnknown():
		st.SetAttr(model.AttrExecutionLogLevel, e)
	default:
		lvl := b.val(b.get(n, "level"))
		if lvl.IsAbsent() {
			lvl = model.Str("INFO", pos)
		}
		st.SetAttr(model.AttrExecutionLogLevel, upper(lvl))
	}
}

// apiKeys models provider.apiGateway.apiKeys and usagePlan. Keys are a
// list of names, {name, value} mappings, or lists grouped by usage plan.
func (b *builder) apiKeys() {
	gw := b.get(b.provider, "apiGateway")
	i := 0
	addKey := func(n *yaml.Node, plan string) {
		i++
		name := "ApiGatewayApiKey" + plan + strconv.Itoa(i)
		r := &model.Resource{
			ID: b.id(name), Kind: model.KindAPIKey, Type: "AWS::ApiGateway::ApiKey", Name: name,
			Provider: model.AWS, Framework: model.Serverless, Pos: b.pos(n),
		}
		if n.Kind == yamlMapping && !b.r.isUnknown(n) {
			if v := b.val(b.get(n, "value")); v.IsSet() {
				r.SetAttr(model.AttrValue, v)
			}
		}
		b.addResource(r)
	}
	for _, k := range b.items(b.get(gw, "apiKeys")) {
		if k.Kind == yamlMapping && len(k.Content) == 2 && !b.r.isUnknown(k) && b.get(k, "name") == nil && b.get(k, "value") == nil {
			// {planName: [keys]}
			plan := normalize(k.Content[0].Value)
			for _, kk := range b.items(k.Content[1]) {
				addKey(kk, plan)
			}
			continue
		}
		addKey(k, "")
	}
	up := b.get(gw, "usagePlan")
	if isNull(up) {
		return
	}
	plans := []*yaml.Node{up}
	names := []string{""}
	if up.Kind == yamlSequence {
		plans, names = nil, nil
		for _, p := range b.items(up) {
			if p.Kind == yamlMapping && len(p.Content) == 2 {
				names = append(names, normalize(p.Content[0].Value))
				plans = append(plans, yamlsafe.Resolve(p.Content[1]))
			}
		}
	}
	for j, p := range plans {
		name := "ApiGatewayUsagePlan" + names[j]
		r := &model.Resource{
			ID: b.id(name), Kind: model.KindUsagePlan, Type: "AWS::ApiGateway::UsagePlan", Name: name,
			Provider: model.AWS, Framework: model.Serverless, Pos: b.pos(p),
		}
		th := b.get(p, "throttle")
		if v := b.val(b.get(th, "rateLimit")); v.IsSet() {
			r.SetAttr(model.AttrThrottleRate, v)
		}
		if v := b.val(b.get(th, "burstLimit")); v.IsSet() {
			r.SetAttr(model.AttrThrottleBurst, v)
		}
		if b.restAPI != nil {
			r.SetAttr(model.AttrUsagePlanAPIs, model.Value{State: model.Known, V: b.restAPI.Name, Pos: r.Pos, Ref: b.restAPI.ID})
		}
		b.addResource(r)
	}
}
