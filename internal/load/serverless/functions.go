package serverless

import (
	"path"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/wardensec/warden/internal/load/yamlsafe"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// fnInfo is one entry of `functions` and what the roles need from it.
type fnInfo struct {
	key  *yaml.Node
	node *yaml.Node
	name string
	norm string
	fn   *model.Function

	// ownStmts are the serverless-iam-roles-per-function statements.
	ownStmts *yaml.Node
	ownKey   *yaml.Node
	shared   bool

	// Sources the framework grants read access to on the role.
	sqsArns, ddbArns, kinesisArns []model.Value
	snsDLQ, sqsDLQ                []model.Value
}

// collectFunctions lists the functions (a mapping, or a list of mappings as
// included fragments give) and registers the logical IDs the framework
// derives from their names, so that Ref and GetAtt in resources resolve.
func (b *builder) collectFunctions(n *yaml.Node) {
	var maps []*yaml.Node
	switch {
	case isNull(n):
		return
	case b.r.isUnknown(n):
		return
	case n.Kind == yamlSequence:
		maps = b.items(n)
	default:
		maps = []*yaml.Node{n}
	}
	seen := map[string]bool{}
	hasHTTP, hasHTTPAPI, hasWS := false, false, false
	for _, m := range maps {
		if m.Kind != yamlMapping {
			b.diag(b.pos(m), model.DiagWarning, "parse", "functions entry is not a mapping of function names; skipped")
			continue
		}
		yamlsafe.Pairs(m, func(k, v *yaml.Node) {
			if seen[k.Value] {
				b.diag(b.pos(k), model.DiagWarning, "parse", "function %s is declared twice; the later one is used by the framework", k.Value)
			}
			seen[k.Value] = true
			fi := &fnInfo{key: k, node: v, name: k.Value, norm: normalize(k.Value)}
			b.fns = append(b.fns, fi)
			b.logical[fi.norm+"LambdaFunction"] = b.id(fi.name)
			for _, ev := range b.items(b.get(v, "events")) {
				if ev.Kind == yamlMapping && len(ev.Content) >= 2 {
					switch ev.Content[0].Value {
					case "http":
						hasHTTP = true
					case "httpApi":
						hasHTTPAPI = true
					case "websocket":
						hasWS = true
					}
				}
			}
		})
	}
	// Keep only the last declaration of a duplicated name, as YAML
	// decoders in the framework do.
	if len(seen) != len(b.fns) {
		last := map[string]int{}
		for i, fi := range b.fns {
			last[fi.name] = i
		}
		kept := b.fns[:0]
		for i, fi := range b.fns {
			if last[fi.name] == i {
				kept = append(kept, fi)
			}
		}
		b.fns = kept
	}
	if hasHTTP && isNull(b.getPath(b.provider, "apiGateway", "restApiId")) {
		b.logical["ApiGatewayRestApi"] = b.id("ApiGatewayRestApi")
	}
	if hasHTTPAPI && isNull(b.getPath(b.provider, "httpApi", "id")) {
		b.logical["HttpApi"] = b.id("HttpApi")
	}
	if hasWS {
		b.logical["WebsocketsApi"] = b.id("WebsocketsApi")
	}
}

// function builds one function.
func (b *builder) function(fi *fnInfo) {
	n := fi.node
	kpos := b.pos(fi.key)
	f := &model.Function{
		ID: b.id(fi.name), Name: fi.name, Provider: model.AWS, Framework: model.Serverless, Pos: kpos,
	}
	fi.fn = f
	b.app.Functions = append(b.app.Functions, f)
	b.ids[f.ID] = true
	if n == nil || n.Kind != yamlMapping || b.r.isUnknown(n) {
		if b.r.isUnknown(n) {
			b.diag(kpos, model.DiagWarning, "unresolved", "function %s is %s, which cannot be resolved; its settings are unknown", fi.name, b.r.unknown[n].expr)
		} else {
			b.diag(kpos, model.DiagWarning, "parse", "function %s is not a mapping of settings; its settings are unknown", fi.name)
		}
		f.Handler = model.Unresolved(render(n, 120), kpos)
		return
	}
	p := b.provider

	f.FunctionName = b.val(b.get(n, "name"))
	if f.FunctionName.IsAbsent() {
		f.FunctionName = b.deployedName(fi.name, kpos)
	}
	f.Handler = b.val(b.get(n, "handler"))
	if img := b.get(n, "image"); !isNull(img) {
		f.PackageType = model.Str("Image", b.pos(img))
	}
	f.Runtime = first(b.val(b.get(n, "runtime")), b.val(b.get(p, "runtime")))
	f.MemoryMB = first(b.val(b.get(n, "memorySize")), b.val(b.get(p, "memorySize")))
	f.TimeoutSec = first(b.val(b.get(n, "timeout")), b.val(b.get(p, "timeout")))
	f.ReservedConc = b.val(b.get(n, "reservedConcurrency"))
	f.Architecture = first(b.val(b.get(n, "architecture")), b.val(b.get(p, "architecture")))
	f.Tracing = tracingMode(first(b.val(b.get(n, "tracing")), b.val(b.getPath(p, "tracing", "lambda"))))
	f.EnvKMSKey = first(b.val(b.get(n, "kmsKeyArn")), b.val(b.get(p, "kmsKeyArn")))
	if l := b.get(n, "layers"); !isNull(l) {
		f.Layers = b.list(l)
	} else {
		f.Layers = b.list(b.get(p, "layers"))
	}
	f.CodePath = b.codePath(n, f.Handler)
	f.Environment = b.environment(n)
	for _, e := range f.Environment {
		if e.Value.Ref != "" {
			b.edge(f.ID, e.Value.Ref, model.EdgeReferences, e.Pos)
		}
	}
	f.VPC = b.vpc(n)

	f.DeadLetter = b.val(b.get(n, "onError"))
	if dl := f.DeadLetter; dl.IsKnown() {
		switch {
		case strings.HasPrefix(dl.V, "arn:aws:sns:"):
			fi.snsDLQ = append(fi.snsDLQ, dl)
		case strings.HasPrefix(dl.V, "arn:aws:sqs:"):
			fi.sqsDLQ = append(fi.sqsDLQ, dl)
		}
	}
	f.OnFailure = b.destination(b.getPath(n, "destinations", "onFailure"))
	f.AsyncMaxRetries = b.val(b.get(n, "maximumRetryAttempts"))
	f.AsyncMaxEventAge = b.val(b.get(n, "maximumEventAge"))
	f.URL = b.functionURL(fi, b.get(n, "url"))

	for _, ev := range b.items(b.get(n, "events")) {
		b.event(fi, ev)
	}
	b.logGroup(fi)
	b.assignRole(fi)
}

// first returns the first value the source sets.
func first(vs ...model.Value) model.Value {
	for _, v := range vs {
		if v.IsSet() {
			return v
		}
	}
	return model.Value{}
}

// deployedName is the framework's "<service>-<stage>-<function>".
func (b *builder) deployedName(fn string, pos model.Pos) model.Value {
	if b.service.IsKnown() && b.stage.IsKnown() {
		return model.Str(b.service.V+"-"+b.stage.V+"-"+fn, pos)
	}
	return model.Unresolved("${self:service}-${sls:stage}-"+fn, pos)
}

// tracingMode normalises `tracing: true` and provider.tracing.lambda to the
// Lambda modes.
func tracingMode(v model.Value) model.Value {
	if !v.IsKnown() {
		return v
	}
	switch strings.ToLower(v.V) {
	case "true", "active":
		v.V = "Active"
	case "false", "passthrough":
		v.V = "PassThrough"
	}
	return v
}

// codePath is the packaged artifact, or the file (else directory) that
// holds the handler, relative to the scan root.
func (b *builder) codePath(n *yaml.Node, handler model.Value) model.Value {
	art := b.val(b.getPath(n, "package", "artifact"))
	if art.IsAbsent() {
		art = b.val(b.getPath(b.body, "package", "artifact"))
	}
	if art.IsSet() {
		if !art.IsKnown() {
			return art
		}
		if strings.Contains(art.V, "://") {
			return model.Unresolved(art.V, art.Pos)
		}
		rel, err := source.Join(b.file, art.V)
		if err != nil {
			return model.Unresolved(art.V, art.Pos)
		}
		return model.Str(rel, art.Pos)
	}
	if !handler.IsKnown() || strings.Contains(handler.V, "::") {
		return model.Value{}
	}
	base := handler.V
	if i := strings.LastIndexByte(base, '.'); i > strings.LastIndexByte(base, '/') {
		base = base[:i]
	}
	rel, err := source.Join(b.file, base)
	if err != nil {
		return model.Unresolved(handler.V, handler.Pos)
	}
	for _, ext := range []string{"", ".js", ".mjs", ".cjs", ".ts", ".mts", ".py", ".rb", ".go"} {
		if st, err := b.root.Stat(rel + ext); err == nil && st.Mode().IsRegular() {
			return model.Str(rel+ext, handler.Pos)
		}
	}
	return model.Str(path.Dir(rel), handler.Pos)
}

// environment merges provider.environment and the function's, the
// function winning, in declaration order.
func (b *builder) environment(n *yaml.Node) []model.EnvVar {
	var out []model.EnvVar
	idx := map[string]int{}
	add := func(m *yaml.Node) {
		m = yamlsafe.Resolve(m)
		if isNull(m) {
			return
		}
		if m.Kind != yamlMapping {
			if !b.r.isUnknown(m) {
				b.diag(b.pos(m), model.DiagWarning, "parse", "environment is not a mapping of variables; skipped")
			}
			return
		}
		yamlsafe.Pairs(m, func(k, v *yaml.Node) {
			ev := model.EnvVar{Name: k.Value, Value: b.val(v), Pos: b.pos(k)}
			if i, ok := idx[k.Value]; ok {
				out[i] = ev
				return
			}
			idx[k.Value] = len(out)
			out = append(out, ev)
		})
	}
	add(b.get(b.provider, "environment"))
	add(b.get(n, "environment"))
	return out
}

func (b *builder) vpc(n *yaml.Node) *model.VPCConfig {
	v := b.get(n, "vpc")
	if v == nil {
		v = b.get(b.provider, "vpc")
	}
	if isNull(v) {
		return nil
	}
	cfg := &model.VPCConfig{Pos: b.pos(v)}
	if v.Kind == yamlMapping {
		cfg.SubnetIDs = b.list(b.get(v, "subnetIds"))
		cfg.SecurityGroupIDs = b.list(b.get(v, "securityGroupIds"))
	}
	return cfg
}

// destination reads an on-failure target: an ARN, a function name, or
// {type, arn}.
func (b *builder) destination(n *yaml.Node) model.Value {
	if n != nil && n.Kind == yamlMapping && !b.r.isUnknown(n) {
		if _, _, ok := intrinsic(n); !ok {
			return b.val(b.get(n, "arn"))
		}
	}
	return b.val(n)
}

// functionURL reads `url: true` or `url: {authorizer: aws_iam, cors: ...}`.
func (b *builder) functionURL(fi *fnInfo, n *yaml.Node) *model.FunctionURL {
	if isNull(n) {
		return nil
	}
	pos := b.pos(n)
	u := &model.FunctionURL{Pos: pos}
	switch {
	case b.r.isUnknown(n):
		u.AuthType = b.val(n)
	case n.Kind == yamlScalar:
		v := b.val(n)
		if v.IsFalse() {
			return nil
		}
		u.AuthType = model.Str(model.AuthNone, pos)
	case n.Kind == yamlMapping:
		a := b.val(b.get(n, "authorizer"))
		switch {
		case a.IsAbsent():
			u.AuthType = model.Str(model.AuthNone, pos)
		case a.Is("aws_iam"):
			u.AuthType = model.Str(model.AuthIAM, a.Pos)
		case a.IsKnown():
			b.diag(a.Pos, model.DiagWarning, "unsupported", "function URL authorizer %q is not one the framework accepts (aws_iam); auth is unknown", a.V)
			u.AuthType = model.Unresolved(a.V, a.Pos)
		default:
			u.AuthType = a
		}
		u.CORS = b.cors(b.get(n, "cors"), urlCORSDefaults)
	default:
		u.AuthType = model.Unresolved(render(n, 120), pos)
	}
	if u.AuthType.Is(model.AuthNone) {
		b.app.Permissions = append(b.app.Permissions, &model.Permission{
			ID: b.id(fi.norm + "LambdaPermissionFnUrl"), Provider: model.AWS, Framework: model.Serverless, Pos: pos,
			FunctionID: b.id(fi.name), FunctionRef: model.Str(fi.norm+"LambdaFunction", pos),
			Action: model.Str("lambda:InvokeFunctionUrl", pos), Principal: model.Str("*", pos),
			URLAuthType: model.Str(model.AuthNone, pos),
		})
	}
	return u
}

// corsDefaults are what `cors: true` means for each kind of endpoint.
type corsDefaults struct {
	origins, headers, methods []string
	// keys of the mapping form.
	originKeys, headerKeys, methodKeys []string
	credKey                            string
}

var (
	restCORSDefaults = corsDefaults{
		origins:    []string{"*"},
		headers:    []string{"Content-Type", "X-Amz-Date", "Authorization", "X-Api-Key", "X-Amz-Security-Token", "X-Amz-User-Agent", "X-Amzn-Trace-Id"},
		originKeys: []string{"origin", "origins"}, headerKeys: []string{"headers"}, methodKeys: []string{"methods"},
		credKey: "allowCredentials",
	}
	httpCORSDefaults = corsDefaults{
		origins:    []string{"*"},
		headers:    []string{"Content-Type", "X-Amz-Date", "Authorization", "X-Api-Key", "X-Amz-Security-Token", "X-Amz-User-Agent", "X-Amzn-Trace-Id"},
		methods:    []string{"OPTIONS", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"},
		originKeys: []string{"allowedOrigins"}, headerKeys: []string{"allowedHeaders"}, methodKeys: []string{"allowedMethods"},
		credKey: "allowCredentials",
	}
	urlCORSDefaults = corsDefaults{
		origins:    []string{"*"},
		headers:    []string{"Content-Type", "X-Amz-Date", "Authorization", "X-Api-Key", "X-Amz-Security-Token"},
		methods:    []string{"*"},
		originKeys: []string{"allowedOrigins"}, headerKeys: []string{"allowedHeaders"}, methodKeys: []string{"allowedMethods"},
		credKey: "allowCredentials",
	}
)

// cors reads `cors: true` (the framework's permissive defaults) or the
// mapping form; nil when CORS is off.
func (b *builder) cors(n *yaml.Node, d corsDefaults) *model.CORS {
	if isNull(n) {
		return nil
	}
	pos := b.pos(n)
	c := &model.CORS{Pos: pos}
	strs := func(ss []string) []model.Value {
		out := make([]model.Value, len(ss))
		for i, s := range ss {
			out[i] = model.Str(s, pos)
		}
		return out
	}
	if n.Kind != yamlMapping || b.r.isUnknown(n) {
		v := b.val(n)
		if v.IsFalse() {
			return nil
		}
		if !v.IsKnown() {
			c.AllowOrigins = []model.Value{v}
			return c
		}
		c.AllowOrigins, c.AllowHeaders, c.AllowMethods = strs(d.origins), strs(d.headers), strs(d.methods)
		return c
	}
	pick := func(keys []string) *yaml.Node {
		for _, k := range keys {
			if v := b.get(n, k); v != nil {
				return v
			}
		}
		return nil
	}
	if o := pick(d.originKeys); o != nil {
		c.AllowOrigins = b.list(o)
	} else {
		c.AllowOrigins = strs(d.origins)
	}
	if h := pick(d.headerKeys); h != nil {
		c.AllowHeaders = b.list(h)
	} else {
		c.AllowHeaders = strs(d.headers)
	}
	if m := pick(d.methodKeys); m != nil {
		c.AllowMethods = b.list(m)
	} else {
		c.AllowMethods = strs(d.methods)
	}
	c.AllowCredentials = b.val(b.get(n, d.credKey))
	return c
}

// logGroup models the log group the framework creates for each function,
// unless disableLogs is set.
func (b *builder) logGroup(fi *fnInfo) {
	if b.val(b.get(fi.node, "disableLogs")).IsTrue() {
		return
	}
	f := fi.fn
	lg := &model.Resource{
		ID: b.id(fi.norm + "LogGroup"), Kind: model.KindLogGroup, Type: "AWS::Logs::LogGroup", Name: fi.norm + "LogGroup",
		Provider: model.AWS, Framework: model.Serverless, Pos: f.Pos,
	}
	if ret := first(b.val(b.get(fi.node, "logRetentionInDays")), b.val(b.get(b.provider, "logRetentionInDays"))); ret.IsSet() {
		lg.SetAttr(model.AttrRetentionDays, ret)
	}
	lg = b.addResource(lg)
	f.LogGroupID = lg.ID
	b.edge(f.ID, lg.ID, model.EdgeLogsTo, f.Pos)
}
