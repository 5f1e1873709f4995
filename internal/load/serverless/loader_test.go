package serverless

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// loadFixture loads testdata/<file> with testdata as the scan root.
func loadFixture(t *testing.T, file string, opts load.Options) *model.App {
	t.Helper()
	root, err := source.Open("testdata")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	app := Loader{}.Load(context.Background(), root, load.Unit{Kind: load.KindServerless, Files: []string{file}}, opts)
	if app == nil {
		t.Fatal("Load returned nil")
	}
	return app
}

// lineOf is the 1-based line where needle starts in testdata/<file>; the
// needle must occur once (it may span lines), so that position assertions
// survive fixture edits elsewhere but still pin the exact line.
func lineOf(t *testing.T, file, needle string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	if n := strings.Count(s, needle); n != 1 {
		t.Fatalf("%s: %q occurs %d times; want exactly once", file, needle, n)
	}
	return strings.Count(s[:strings.Index(s, needle)], "\n") + 1
}

func findFn(t *testing.T, app *model.App, id string) *model.Function {
	t.Helper()
	for _, f := range app.Functions {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("function %s not in model", id)
	return nil
}

func findRes(app *model.App, id string) *model.Resource {
	for _, r := range app.Resources {
		if r.ID == id {
			return r
		}
	}
	return nil
}

func findRole(app *model.App, id string) *model.Role {
	for _, r := range app.Roles {
		if r.ID == id {
			return r
		}
	}
	return nil
}

func env(f *model.Function, name string) (model.EnvVar, bool) {
	for _, e := range f.Environment {
		if e.Name == name {
			return e, true
		}
	}
	return model.EnvVar{}, false
}

// wantKnown asserts a known value and the line it came from.
func wantKnown(t *testing.T, what string, v model.Value, value, file string, line int) {
	t.Helper()
	if !v.IsKnown() || v.V != value {
		t.Errorf("%s = %s, want known %q", what, v, value)
	}
	if v.Pos.File != file || v.Pos.Line != line {
		t.Errorf("%s at %s, want %s:%d", what, v.Pos, file, line)
	}
}

func wantUnknown(t *testing.T, what string, v model.Value, external bool, file string, line int) {
	t.Helper()
	if !v.IsUnknown() {
		t.Errorf("%s = %s, want unknown", what, v)
	}
	if v.External != external {
		t.Errorf("%s External = %v, want %v", what, v.External, external)
	}
	if v.Pos.File != file || v.Pos.Line != line {
		t.Errorf("%s at %s, want %s:%d", what, v.Pos, file, line)
	}
}

func hasDiag(app *model.App, code, file string, line int, contains string) bool {
	for _, d := range app.Diagnostics {
		if d.Code == code && d.Pos.File == file && (line == 0 || d.Pos.Line == line) && strings.Contains(d.Message, contains) {
			return true
		}
	}
	return false
}

func diagList(app *model.App) string {
	var sb strings.Builder
	for _, d := range app.Diagnostics {
		sb.WriteString("\n  " + d.Pos.String() + " " + d.Code + ": " + d.Message)
	}
	return sb.String()
}

func TestBasicFunctions(t *testing.T) {
	const file = "basic/serverless.yml"
	app := loadFixture(t, file, load.Options{})
	if len(app.Files) != 1 || !app.Files[0].Parsed || app.Files[0].Path != file || app.Files[0].Framework != model.Serverless {
		t.Fatalf("files = %+v", app.Files)
	}
	if len(app.Functions) != 8 {
		t.Fatalf("got %d functions, want 8", len(app.Functions))
	}
	for _, d := range app.Diagnostics {
		if d.Level != model.DiagInfo {
			t.Errorf("unexpected diagnostic %s %s: %s", d.Pos, d.Code, d.Message)
		}
	}
	f := findFn(t, app, file+"#createOrder")
	if f.Pos.Line != lineOf(t, file, "  createOrder:") || f.Provider != model.AWS || f.Framework != model.Serverless {
		t.Errorf("createOrder pos/provider = %s %s %s", f.Pos, f.Provider, f.Framework)
	}
	wantKnown(t, "function name", f.FunctionName, "orders-dev-createOrder", file, lineOf(t, file, "  createOrder:"))
	wantKnown(t, "handler", f.Handler, "src/orders.create", file, lineOf(t, file, "handler: src/orders.create"))
	wantKnown(t, "runtime (provider)", f.Runtime, "nodejs18.x", file, lineOf(t, file, "runtime: nodejs18.x"))
	wantKnown(t, "memory (function)", f.MemoryMB, "1024", file, lineOf(t, file, "memorySize: 1024"))
	wantKnown(t, "timeout (provider)", f.TimeoutSec, "10", file, lineOf(t, file, "timeout: 10"))
	wantKnown(t, "reserved concurrency", f.ReservedConc, "5", file, lineOf(t, file, "reservedConcurrency: 5"))
	wantKnown(t, "architecture", f.Architecture, "arm64", file, lineOf(t, file, "architecture: arm64"))
	wantKnown(t, "tracing", f.Tracing, "Active", file, lineOf(t, file, "lambda: true"))
	wantKnown(t, "kms key", f.EnvKMSKey, "arn:aws:kms:eu-west-1:123456789012:key/abcd", file, lineOf(t, file, "kmsKeyArn:"))
	wantKnown(t, "code path", f.CodePath, "basic/src/orders.js", file, lineOf(t, file, "handler: src/orders.create"))
	if len(f.Layers) != 1 || !f.Layers[0].Is("arn:aws:lambda:eu-west-1:123456789012:layer:common:3") {
		t.Errorf("layers = %v", f.Layers)
	}
	if f.VPC == nil || len(f.VPC.SubnetIDs) != 2 || len(f.VPC.SecurityGroupIDs) != 1 || f.VPC.SubnetIDs[1].Pos.Line != lineOf(t, file, "- subnet-bbb") {
		t.Errorf("vpc = %+v", f.VPC)
	}
	// Environment: provider merged under function, function wins.
	if e, ok := env(f, "SHARED"); !ok {
		t.Error("SHARED missing")
	} else {
		wantKnown(t, "SHARED", e.Value, "from-function", file, lineOf(t, file, "SHARED: from-function"))
	}
	if e, ok := env(f, "TABLE"); !ok {
		t.Error("TABLE missing")
	} else {
		wantKnown(t, "TABLE", e.Value, "orders-dev-orders", file, lineOf(t, file, "TABLE: ${self:service}"))
		if e.Pos.Line != lineOf(t, file, "TABLE: ${self:service}") {
			t.Errorf("TABLE key at %s", e.Pos)
		}
	}
	if e, _ := env(f, "QUEUE_URL"); e.Value.Ref != file+"#OrdersQueue" || !e.Value.IsUnknown() {
		t.Errorf("QUEUE_URL = %+v, want unknown referencing OrdersQueue", e.Value)
	}
	if _, ok := env(findFn(t, app, file+"#worker"), "LOCAL"); ok {
		t.Error("function environment leaked into another function")
	}
	if e, _ := env(findFn(t, app, file+"#worker"), "SHARED"); !e.Value.Is("from-provider") {
		t.Errorf("worker SHARED = %s", e.Value)
	}
	if fn := findFn(t, app, file+"#authorize"); !fn.FunctionName.Is("custom-authorizer-name") || fn.LogGroupID != "" {
		t.Errorf("authorize name = %s log group %q (disableLogs)", fn.FunctionName, fn.LogGroupID)
	}
	hh := findFn(t, app, file+"#httpHandler")
	wantKnown(t, "httpHandler runtime", hh.Runtime, "python3.12", file, lineOf(t, file, "runtime: python3.12"))
	wantKnown(t, "httpHandler tracing", hh.Tracing, "PassThrough", file, lineOf(t, file, "tracing: PassThrough"))
	wantKnown(t, "httpHandler code", hh.CodePath, "basic/src/http.py", file, lineOf(t, file, "handler: src/http.handler"))
	w := findFn(t, app, file+"#worker")
	wantKnown(t, "worker code dir", w.CodePath, "basic/src", file, lineOf(t, file, "handler: src/worker.handler"))
	wantKnown(t, "onError", w.DeadLetter, "arn:aws:sns:eu-west-1:123456789012:dlq", file, lineOf(t, file, "onError:"))
	wantKnown(t, "destinations.onFailure", w.OnFailure, "arn:aws:sqs:eu-west-1:123456789012:failures", file, lineOf(t, file, "onFailure: arn:aws:sqs:eu-west-1:123456789012:failures"))
	wantKnown(t, "maximumRetryAttempts", w.AsyncMaxRetries, "1", file, lineOf(t, file, "maximumRetryAttempts: 1"))
	wantKnown(t, "maximumEventAge", w.AsyncMaxEventAge, "3600", file, lineOf(t, file, "maximumEventAge: 3600"))
}

type trig struct {
	kind       model.TriggerKind
	typ        string
	line       string // needle for the trigger's line
	method     string
	path       string
	auth       string // "" = not checked, "?" = unknown
	authLine   string // needle for the auth value's line; "" = the trigger's
	sourceID   string
	apiKeyReqd bool
}

func checkTriggers(t *testing.T, app *model.App, file, fnID string, want []trig) {
	t.Helper()
	f := findFn(t, app, file+"#"+fnID)
	if len(f.Triggers) != len(want) {
		for _, tr := range f.Triggers {
			t.Logf("  %s %s at %s", tr.Kind, tr.Type, tr.Pos)
		}
		t.Fatalf("%s has %d triggers, want %d", fnID, len(f.Triggers), len(want))
	}
	for i, w := range want {
		tr := f.Triggers[i]
		name := fnID + " trigger " + w.typ + " " + w.path
		if tr.Kind != w.kind || tr.Type != w.typ {
			t.Errorf("%s: kind/type = %s/%s", name, tr.Kind, tr.Type)
		}
		if ln := lineOf(t, file, w.line); tr.Pos.Line != ln || tr.Pos.File != file {
			t.Errorf("%s at %s, want line %d", name, tr.Pos, ln)
		}
		if w.method != "" && !tr.Method.Is(w.method) {
			t.Errorf("%s: method = %s, want %s", name, tr.Method, w.method)
		}
		if w.path != "" && !(tr.Path.IsKnown() && tr.Path.V == w.path) {
			t.Errorf("%s: path = %s, want %s", name, tr.Path, w.path)
		}
		switch w.auth {
		case "":
		case "?":
			if !tr.AuthType.IsUnknown() {
				t.Errorf("%s: auth = %s, want unknown", name, tr.AuthType)
			}
		default:
			if !tr.AuthType.IsKnown() || tr.AuthType.V != w.auth {
				t.Errorf("%s: auth = %s, want %s", name, tr.AuthType, w.auth)
			}
			al := w.authLine
			if al == "" {
				al = w.line
			}
			if ln := lineOf(t, file, al); tr.AuthType.Pos.Line != ln {
				t.Errorf("%s: auth at %s, want line %d", name, tr.AuthType.Pos, ln)
			}
		}
		if w.sourceID != "" && tr.SourceID != file+"#"+w.sourceID {
			t.Errorf("%s: source id = %q, want %s", name, tr.SourceID, w.sourceID)
		}
		if w.apiKeyReqd != tr.APIKeyRequired.IsTrue() {
			t.Errorf("%s: api key required = %s", name, tr.APIKeyRequired)
		}
	}
}

func TestBasicHTTPEvents(t *testing.T) {
	const file = "basic/serverless.yml"
	app := loadFixture(t, file, load.Options{})
	checkTriggers(t, app, file, "createOrder", []trig{
		{kind: model.TriggerHTTP, typ: "http", line: "http:\n          path: /orders\n", method: "POST", path: "/orders", auth: model.AuthCustom, authLine: "type: request\n      - http: GET"},
		{kind: model.TriggerHTTP, typ: "http", line: "http: GET /orders/{id}", method: "GET", path: "/orders/{id}", auth: model.AuthNone},
		{kind: model.TriggerHTTP, typ: "http", line: "http:\n          path: /admin", method: "ANY", path: "/admin", auth: model.AuthAPIKey, authLine: "private: true", apiKeyReqd: true},
		{kind: model.TriggerHTTP, typ: "http", line: "http:\n          path: /iam", method: "GET", path: "/iam", auth: model.AuthIAM, authLine: "authorizer: aws_iam\n      - http:"},
		{kind: model.TriggerHTTP, typ: "http", line: "http:\n          path: /cognito", method: "GET", path: "/cognito", auth: model.AuthCognito, authLine: "arn: arn:aws:cognito-idp"},
	})
	// Trigger positions are the event's key; fix the offsets used above.
	f := findFn(t, app, file+"#createOrder")
	for _, tr := range f.Triggers {
		if tr.APIID != file+"#ApiGatewayRestApi" {
			t.Errorf("http trigger api = %q", tr.APIID)
		}
	}
	if c := f.Triggers[0].CORS; c == nil || len(c.AllowOrigins) != 1 || !c.AllowOrigins[0].Is("*") {
		t.Errorf("cors: true should allow origin *: %+v", c)
	}
	if s := f.Triggers[4].Scopes; len(s) != 1 || !s[0].Is("orders/read") {
		t.Errorf("scopes = %v", s)
	}
	if !f.Triggers[0].Authorizer.Is("authorize") {
		t.Errorf("authorizer = %s", f.Triggers[0].Authorizer)
	}

	checkTriggers(t, app, file, "httpHandler", []trig{
		{kind: model.TriggerHTTP, typ: "httpApi", line: "httpApi:\n          method: GET", method: "GET", path: "/items", auth: model.AuthJWT, authLine: "name: jwtAuth"},
		{kind: model.TriggerHTTP, typ: "httpApi", line: "httpApi: 'POST /items'", method: "POST", path: "/items", auth: model.AuthNone},
		{kind: model.TriggerHTTP, typ: "httpApi", line: "httpApi: '*'", method: "*", path: "*", auth: model.AuthNone},
		{kind: model.TriggerHTTP, typ: "httpApi", line: "httpApi:\n          method: DELETE", method: "DELETE", path: "/items/{id}", auth: model.AuthIAM, authLine: "type: aws_iam"},
		{kind: model.TriggerHTTP, typ: "httpApi", line: "httpApi:\n          method: PUT", method: "PUT", path: "/items/{id}", auth: model.AuthCustom, authLine: "type: request\n        functionName"},
	})
}

func TestBasicOtherEvents(t *testing.T) {
	const file = "basic/serverless.yml"
	app := loadFixture(t, file, load.Options{})
	checkTriggers(t, app, file, "worker", []trig{
		{kind: model.TriggerQueue, typ: "sqs", line: "sqs:\n          arn: !GetAtt OrdersQueue.Arn", sourceID: "OrdersQueue"},
		{kind: model.TriggerQueue, typ: "sqs", line: "sqs: arn:aws:sqs:eu-west-1:123456789012:external"},
		{kind: model.TriggerTopic, typ: "sns", line: "sns: order-events", sourceID: "SNSTopicOrderevents"},
		{kind: model.TriggerTopic, typ: "sns", line: "sns:\n          arn: arn:aws:sns:eu-west-1:123456789012:billing"},
		{kind: model.TriggerStream, typ: "stream", line: "stream:\n          type: dynamodb", sourceID: "OrdersTable"},
		{kind: model.TriggerStream, typ: "stream", line: "stream: arn:aws:kinesis"},
		{kind: model.TriggerStorage, typ: "s3", line: "s3:\n          bucket: uploads-bucket", sourceID: "S3BucketUploadsbucket"},
		{kind: model.TriggerStorage, typ: "s3", line: "s3:\n          bucket: existing-bucket"},
		{kind: model.TriggerSchedule, typ: "schedule", line: "schedule: rate(10 minutes)"},
		{kind: model.TriggerSchedule, typ: "schedule", line: "schedule:\n          rate:\n"},
		{kind: model.TriggerSchedule, typ: "schedule", line: "schedule:\n          rate:\n"},
		{kind: model.TriggerEventBus, typ: "eventBridge", line: "eventBridge:\n"},
		{kind: model.TriggerUserPool, typ: "cognitoUserPool", line: "cognitoUserPool:\n"},
		{kind: model.TriggerHTTP, typ: "alb", line: "alb:\n          listenerArn: arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/lb/1/2\n          priority: 1", method: "GET", path: "/alb", auth: model.AuthNone},
		{kind: model.TriggerHTTP, typ: "alb", line: "alb:\n          listenerArn: arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/lb/1/2\n          priority: 1", method: "POST", path: "/alb", auth: model.AuthNone},
		{kind: model.TriggerHTTP, typ: "alb", line: "alb:\n          listenerArn: arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/lb/1/2\n          priority: 2", auth: model.AuthJWT, authLine: "authorizer: corpLogin"},
		{kind: model.TriggerIoT, typ: "iot", line: "iot:"},
		{kind: model.TriggerOther, typ: "someFutureEvent", line: "someFutureEvent: whatever"},
	})
	w := findFn(t, app, file+"#worker")
	tr := w.Triggers
	wantKnown(t, "sqs batch", tr[0].BatchSize, "10", file, lineOf(t, file, "batchSize: 10\n"))
	if !tr[0].Source.IsUnknown() || tr[0].Source.Expr != "!GetAtt OrdersQueue.Arn" {
		t.Errorf("sqs source = %+v", tr[0].Source)
	}
	wantKnown(t, "sns filter", tr[3].Filter, `{"kind":["invoice"]}`, file, lineOf(t, file, "kind:"))
	wantKnown(t, "stream on failure", tr[4].OnFailure, "arn:aws:sqs:eu-west-1:123456789012:stream-dlq", file, lineOf(t, file, "stream-dlq"))
	wantKnown(t, "stream retries", tr[4].Attrs[model.AttrMaxRetryAttempts], "-1", file, lineOf(t, file, "maximumRetryAttempts: -1"))
	wantKnown(t, "s3 event", tr[6].Filter, "s3:ObjectCreated:*", file, lineOf(t, file, "event: s3:ObjectCreated:*"))
	if tr[7].SourceID != "" {
		t.Errorf("existing bucket got a generated resource %s", tr[7].SourceID)
	}
	wantKnown(t, "schedule", tr[8].Schedule, "rate(10 minutes)", file, lineOf(t, file, "schedule: rate(10 minutes)"))
	wantKnown(t, "cron", tr[9].Schedule, "cron(0 12 * * ? *)", file, lineOf(t, file, "cron(0 12"))
	if !tr[10].Schedule.Is("rate(1 hour)") || !tr[10].Enabled.IsFalse() {
		t.Errorf("second rate = %s enabled %s", tr[10].Schedule, tr[10].Enabled)
	}
	wantKnown(t, "event pattern", tr[11].Filter, `{"source":["orders.service"]}`, file, lineOf(t, file, "pattern:")+1)
	wantKnown(t, "cognito trigger", tr[12].Filter, "PreSignUp", file, lineOf(t, file, "trigger: PreSignUp"))

	// WebSocket: $connect has the authorizer; $default inherits it.
	checkTriggers(t, app, file, "connect", []trig{
		{kind: model.TriggerWebSocket, typ: "websocket", line: "websocket:\n          route: $connect", path: "$connect", auth: model.AuthCustom, authLine: "name: authorize\n            identitySource"},
	})
	checkTriggers(t, app, file, "message", []trig{
		{kind: model.TriggerWebSocket, typ: "websocket", line: "websocket: $default", path: "$default", auth: model.AuthCustom, authLine: "name: authorize\n            identitySource"},
	})

	// Function URLs.
	pu := findFn(t, app, file+"#publicUrl")
	if pu.URL == nil {
		t.Fatal("publicUrl has no URL")
	}
	wantKnown(t, "url: true auth", pu.URL.AuthType, model.AuthNone, file, lineOf(t, file, "url: true"))
	iu := findFn(t, app, file+"#iamUrl")
	wantKnown(t, "url aws_iam", iu.URL.AuthType, model.AuthIAM, file, lineOf(t, file, "authorizer: aws_iam\n      cors")-0)
	if c := iu.URL.CORS; c == nil || len(c.AllowOrigins) != 1 || !c.AllowOrigins[0].Is("https://app.example.com") || !c.AllowCredentials.IsTrue() {
		t.Errorf("url cors = %+v", c)
	}
	var perms []string
	for _, p := range app.Permissions {
		perms = append(perms, p.ID+" "+p.Principal.V+" "+p.URLAuthType.V)
	}
	if len(perms) != 1 || perms[0] != file+"#PublicUrlLambdaPermissionFnUrl * NONE" {
		t.Errorf("permissions = %v", perms)
	}
}

func TestBasicRolesAndResources(t *testing.T) {
	const file = "basic/serverless.yml"
	app := loadFixture(t, file, load.Options{})
	role := findRole(app, file+"#IamRoleLambdaExecution")
	if role == nil {
		t.Fatal("no shared role")
	}
	if !role.Implicit || role.Framework != model.Serverless {
		t.Errorf("shared role implicit=%v framework=%s", role.Implicit, role.Framework)
	}
	wantKnown(t, "role name", role.RoleName, "orders-dev-eu-west-1-lambdaRole", file, lineOf(t, file, "    role:\n")+0)
	wantKnown(t, "boundary", role.PermissionsBoundary, "arn:aws:iam::123456789012:policy/boundary", file, lineOf(t, file, "permissionsBoundary:"))
	var managed []string
	for _, m := range role.ManagedPolicies {
		managed = append(managed, m.V)
	}
	if strings.Join(managed, ",") != "arn:aws:iam::aws:policy/ReadOnlyAccess,"+vpcManagedPolicy {
		t.Errorf("managed policies = %v", managed)
	}
	if len(role.Policies) != 2 {
		t.Fatalf("shared role has %d policies, want user + framework", len(role.Policies))
	}
	user, fw := role.Policies[0], role.Policies[1]
	if user.Source != "provider.iam.role.statements" || len(user.Statements) != 2 {
		t.Fatalf("user policy = %s with %d statements", user.Source, len(user.Statements))
	}
	s0 := user.Statements[0]
	if s0.Pos.Line != lineOf(t, file, "- Effect: Allow\n          Action:\n            - dynamodb:GetItem") {
		t.Errorf("statement at %s", s0.Pos)
	}
	wantKnown(t, "action", s0.Actions[1], "dynamodb:PutItem", file, lineOf(t, file, "- dynamodb:PutItem"))
	if r := s0.Resources[0]; !r.IsUnknown() || r.Ref != file+"#OrdersTable" || r.Pos.Line != lineOf(t, file, "Resource: !GetAtt OrdersTable.Arn") {
		t.Errorf("statement resource = %+v", r)
	}
	wantKnown(t, "wildcard action", user.Statements[1].Actions[0], "s3:*", file, lineOf(t, file, "Action: 's3:*'"))
	if fw.Source != frameworkSource {
		t.Errorf("framework policy source = %q", fw.Source)
	}
	acts := map[string]bool{}
	for _, s := range fw.Statements {
		for _, a := range s.Actions {
			acts[a.V] = true
		}
	}
	for _, a := range []string{"logs:CreateLogStream", "logs:CreateLogGroup", "logs:PutLogEvents", "sqs:ReceiveMessage", "dynamodb:GetRecords", "kinesis:GetRecords", "sns:Publish", "xray:PutTraceSegments"} {
		if !acts[a] {
			t.Errorf("framework policy lacks %s", a)
		}
	}
	for _, f := range app.Functions {
		if f.RoleID != role.ID {
			t.Errorf("%s role = %q, want the shared role", f.ID, f.RoleID)
		}
	}
	if role.AssumeRolePolicy == nil || !role.AssumeRolePolicy.Statements[0].Principals["Service"][0].Is("lambda.amazonaws.com") {
		t.Error("shared role has no Lambda trust policy")
	}

	// Resources the framework generates.
	st := findRes(app, file+"#ApiGatewayStage")
	if st == nil {
		t.Fatal("no REST stage")
	}
	wantKnown(t, "rest access log", st.Attr(model.AttrAccessLog), "/aws/api-gateway/orders-dev", file, lineOf(t, file, "restApi:"))
	wantKnown(t, "rest exec level", st.Attr(model.AttrExecutionLogLevel), "ERROR", file, lineOf(t, file, "level: ERROR"))
	wantKnown(t, "rest tracing", st.Attr(model.AttrTracingEnabled), "true", file, lineOf(t, file, "apiGateway: true"))
	if st.Attr(model.AttrAPI).Ref != file+"#ApiGatewayRestApi" {
		t.Errorf("stage api = %+v", st.Attr(model.AttrAPI))
	}
	hs := findRes(app, file+"#HttpApiStage")
	if hs == nil || !hs.Attr(model.AttrAccessLog).Is("/aws/http-api/orders-dev") {
		t.Errorf("http stage = %+v", hs)
	}
	api := findRes(app, file+"#ApiGatewayRestApi")
	if api == nil || api.Kind != model.KindAPI || !api.Attr(model.AttrProtocol).Is("REST") || len(api.Policies) != 1 {
		t.Fatalf("rest api = %+v", api)
	}
	if p := api.Policies[0].Statements[0].Principals["*"]; len(p) != 1 || !p[0].Is("*") {
		t.Errorf("resource policy principal = %v", p)
	}
	key := findRes(app, file+"#ApiGatewayApiKey1")
	if key == nil {
		t.Fatal("no api key")
	}
	wantKnown(t, "api key value", key.Attr(model.AttrValue), "abcdefghijklmnopqrstuvwxyz0123456789", file, lineOf(t, file, "value: abcdef"))
	if findRes(app, file+"#ApiGatewayApiKey2") == nil {
		t.Error("named api key missing")
	}
	up := findRes(app, file+"#ApiGatewayUsagePlan")
	if up == nil {
		t.Fatal("no usage plan")
	}
	wantKnown(t, "throttle rate", up.Attr(model.AttrThrottleRate), "100", file, lineOf(t, file, "rateLimit: 100"))
	lg := findRes(app, file+"#CreateOrderLogGroup")
	if lg == nil || lg.Kind != model.KindLogGroup {
		t.Fatal("no log group for createOrder")
	}
	wantKnown(t, "retention", lg.Attr(model.AttrRetentionDays), "14", file, lineOf(t, file, "logRetentionInDays: 14"))
	if f := findFn(t, app, file+"#createOrder"); f.LogGroupID != lg.ID {
		t.Errorf("createOrder log group = %q", f.LogGroupID)
	}
	if b := findRes(app, file+"#S3BucketUploadsbucket"); b == nil || b.Kind != model.KindBucket {
		t.Error("generated bucket missing")
	}
	if tp := findRes(app, file+"#SNSTopicOrderevents"); tp == nil || tp.Kind != model.KindTopic {
		t.Error("generated topic missing")
	}
	// resources: handed to the CloudFormation loader, under this file.
	tbl := findRes(app, file+"#OrdersTable")
	if tbl == nil || tbl.Kind != model.KindTable || tbl.Framework != model.Serverless || tbl.Pos.Line != lineOf(t, file, "    OrdersTable:") {
		t.Errorf("OrdersTable = %+v", tbl)
	}
	if findRole(app, file+"#MyRole") == nil {
		t.Error("role declared in resources missing")
	}
	edges := map[string]bool{}
	for _, e := range app.Edges {
		edges[e.From+" "+string(e.Kind)+" "+e.To] = true
	}
	for _, e := range []string{
		file + "#worker triggered-by " + file + "#OrdersQueue",
		file + "#worker uses-role " + file + "#IamRoleLambdaExecution",
		file + "#createOrder references " + file + "#OrdersQueue",
		file + "#createOrder logs-to " + file + "#CreateOrderLogGroup",
		file + "#ApiGatewayRestApi serves " + file + "#createOrder",
	} {
		if !edges[e] {
			t.Errorf("missing edge %s", e)
		}
	}
}

func TestLegacyAndExternalRoles(t *testing.T) {
	const file = "legacy/serverless.yml"
	app := loadFixture(t, file, load.Options{})
	if findRole(app, file+"#IamRoleLambdaExecution") != nil {
		t.Error("a shared role was created although provider.role names an existing one")
	}
	pr := findFn(t, app, file+"#usesProviderRole")
	wantKnown(t, "provider role", pr.RoleRef, "arn:aws:iam::123456789012:role/shared-lambda-role", file, lineOf(t, file, "role: arn:aws:iam::123456789012:role/shared-lambda-role"))
	if pr.RoleID != "" {
		t.Errorf("external role resolved to %q", pr.RoleID)
	}
	own := findFn(t, app, file+"#usesOwnArn")
	wantKnown(t, "function role", own.RoleRef, "arn:aws:iam::123456789012:role/special", file, lineOf(t, file, "role/special"))
	if id := findFn(t, app, file+"#usesLogicalRole").RoleID; id != file+"#CustomRole" {
		t.Errorf("logical role id = %q", id)
	}
	if id := findFn(t, app, file+"#usesGetAtt").RoleID; id != file+"#CustomRole" {
		t.Errorf("GetAtt role id = %q", id)
	}
	wantKnown(t, "service: {name}", findFn(t, app, file+"#usesOwnArn").FunctionName, "legacy-dev-usesOwnArn", file, lineOf(t, file, "  usesOwnArn:"))

	const old = "legacy/oldshared.yml"
	app = loadFixture(t, old, load.Options{})
	role := findRole(app, old+"#IamRoleLambdaExecution")
	if role == nil || len(role.Policies) != 2 || role.Policies[0].Source != "provider.iamRoleStatements" {
		t.Fatalf("legacy shared role = %+v", role)
	}
	wantKnown(t, "legacy action", role.Policies[0].Statements[0].Actions[0], "sqs:SendMessage", old, lineOf(t, old, "- sqs:SendMessage"))
	if len(role.ManagedPolicies) != 1 || !role.ManagedPolicies[0].Is("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess") {
		t.Errorf("legacy managed policies = %v", role.ManagedPolicies)
	}
	if !role.RoleName.IsUnknown() {
		t.Errorf("role name without region = %s, want unknown", role.RoleName)
	}
}

func TestPerFunctionRoles(t *testing.T) {
	const file = "perfn/serverless.yml"
	app := loadFixture(t, file, load.Options{})
	reader := findFn(t, app, file+"#reader")
	if reader.RoleID != file+"#ReaderIamRoleLambdaExecution" {
		t.Fatalf("reader role = %q", reader.RoleID)
	}
	role := findRole(app, reader.RoleID)
	if role == nil || !role.Implicit || role.Pos.Line != lineOf(t, file, "  reader:")+2 {
		t.Fatalf("reader role = %+v", role)
	}
	if len(role.Policies) != 2 || role.Policies[0].Source != "functions.reader.iamRoleStatements" || role.Policies[1].Source != frameworkSource {
		t.Fatalf("reader policies = %+v", role.Policies)
	}
	wantKnown(t, "own action", role.Policies[0].Statements[0].Actions[0], "dynamodb:Query", file, lineOf(t, file, "- dynamodb:Query"))
	// Its log permission is scoped to its own log group, and it may read
	// its queue.
	fw := role.Policies[1]
	if !strings.Contains(fw.Statements[0].Resources[0].Expr, "/aws/lambda/perfn-prod-reader:*") {
		t.Errorf("per-function log resource = %s", fw.Statements[0].Resources[0].Expr)
	}
	if len(fw.Statements) < 3 || !fw.Statements[2].Resources[0].Is("arn:aws:sqs:us-east-1:123456789012:jobs") {
		t.Errorf("per-function queue permission missing: %+v", fw.Statements)
	}
	for _, s := range role.Statements() {
		for _, a := range s.Actions {
			if a.V == "ssm:GetParameter" {
				t.Error("provider statements leaked into a non-inheriting function role")
			}
		}
	}
	inh := findRole(app, file+"#InheritorIamRoleLambdaExecution")
	if inh == nil || len(inh.Policies) != 3 || inh.Policies[1].Source != "provider.iam.role.statements (inherited)" {
		t.Fatalf("inheritor role = %+v", inh)
	}
	wantKnown(t, "role name", inh.RoleName, "perfn-inheritor-role", file, lineOf(t, file, "iamRoleStatementsName:"))
	plain := findFn(t, app, file+"#plain")
	shared := findRole(app, file+"#IamRoleLambdaExecution")
	if plain.RoleID != file+"#IamRoleLambdaExecution" || shared == nil {
		t.Fatalf("plain role = %q", plain.RoleID)
	}
	wantKnown(t, "shared role name", shared.RoleName, "perfn-prod-us-east-1-lambdaRole", file, lineOf(t, file, "    role:"))
	if !shared.Statements()[0].Actions[0].Is("ssm:GetParameter") {
		t.Error("shared role lacks provider statement")
	}
	// The shared role's framework policy covers only the functions on it.
	for _, s := range shared.Policies[1].Statements {
		for _, a := range s.Actions {
			if strings.HasPrefix(a.V, "sqs:") {
				t.Error("shared role got the reader's queue permission")
			}
		}
	}
}

func TestVariables(t *testing.T) {
	const file = "vars/serverless.yml"
	app := loadFixture(t, file, load.Options{})
	f := findFn(t, app, file+"#fn")
	type want struct {
		state    model.State
		value    string
		external bool
	}
	cases := map[string]want{
		"STAGE":         {model.Known, "staging", false}, // ${opt:stage, self:custom.defaultStage}
		"REGION":        {model.Known, "eu-central-1", false},
		"ACCOUNT":       {model.Unknown, "", true},
		"DOMAIN":        {model.Known, "none", false}, // custom.staging does not exist → fallback
		"DB_PASSWORD":   {model.Unknown, "", true},
		"STACK_OUT":     {model.Unknown, "", true},
		"S3_VAL":        {model.Unknown, "", true},
		"HOME_DIR":      {model.Unknown, "", false},
		"WITH_FALLBACK": {model.Unknown, "", false},
		"COMBINED":      {model.Known, "vars-demo-staging-eu-central-1", false},
		"FROM_FILE":     {model.Known, "staging-table", false},
		"FROM_JSON":     {model.Known, "on", false},
		"LOG_LEVEL":     {model.Known, "info", false},
		"INSTANCE":      {model.Unknown, "", false},
		"MISSING":       {model.Unknown, "", false},
		"MISSING_FILE":  {model.Known, "fallback", false},
		"BAD_SOURCE":    {model.Unknown, "", false},
		"JS_FILE":       {model.Unknown, "", false},
		"SUB_LIKE":      {model.Known, "arn:aws:s3:::${AWS::AccountId}-bucket", false},
		"ESCAPED_SUB":   {model.Known, "${MyBucket.Arn}", false},
		"NUMBERS":       {model.Known, "256", false},
		"CONFIG_KEY":    {model.Known, "staging-table", false},
	}
	for name, w := range cases {
		e, ok := env(f, name)
		if !ok {
			t.Errorf("%s missing", name)
			continue
		}
		v := e.Value
		if v.State != w.state || v.State == model.Known && v.V != w.value || v.External != w.external {
			t.Errorf("%s = %+v, want %v %q external=%v", name, v, w.state, w.value, w.external)
		}
		// The value sits where the variable was written.
		if ln := lineOf(t, file, "    "+name+":"); v.Pos.Line != ln || v.Pos.File != file {
			t.Errorf("%s at %s, want %s:%d", name, v.Pos, file, ln)
		}
	}
	if e, _ := env(f, "DB_PASSWORD"); e.Value.Expr != "${ssm:/app/staging/db-password~true}" {
		t.Errorf("ssm expr = %q", e.Value.Expr)
	}
	if e, _ := env(f, "WITH_FALLBACK"); !strings.Contains(e.Value.Expr, "'x'") {
		t.Errorf("a fallback chain keeps its whole text: %q", e.Value.Expr)
	}
	wantKnown(t, "memory via self", f.MemoryMB, "256", file, lineOf(t, file, "    memorySize: ${self:custom.memory}\n"))
	wantKnown(t, "function name uses resolved stage", f.FunctionName, "vars-demo-staging-fn", file, lineOf(t, file, "  fn:"))
	// Statements included by ${self:} keep the lines they were written on.
	role := findRole(app, file+"#IamRoleLambdaExecution")
	wantKnown(t, "included statement", role.Policies[0].Statements[0].Actions[0], "sqs:SendMessage", file, lineOf(t, file, "Action: sqs:SendMessage"))

	for _, d := range []struct{ code, needle, msg string }{
		{"unresolved", "MISSING:", "custom.doesNotExist"},
		{"unsupported", "BAD_SOURCE:", `"vault"`},
		{"unsupported", "JS_FILE:", "never executes"},
		{"unresolved", "DB_PASSWORD:", "fetched at deploy time"},
		{"unresolved", "HOME_DIR:", "deploy environment"},
	} {
		if !hasDiag(app, d.code, file, lineOf(t, file, d.needle), d.msg) {
			t.Errorf("no %s diagnostic at %s mentioning %s:%s", d.code, d.needle, d.msg, diagList(app))
		}
	}
	var main *model.File
	for _, fl := range app.Files {
		if fl.Path == file {
			main = fl
		}
	}
	if main == nil || main.Unresolved != 10 {
		t.Errorf("main file entry = %+v, want 10 unresolved", main)
	}
	inc := map[string]bool{}
	for _, fl := range app.Files {
		inc[fl.Path] = fl.Parsed
	}
	if !inc["vars/config/staging.yml"] || !inc["vars/config/settings.json"] {
		t.Errorf("included files not listed: %v", inc)
	}
}

func TestVariablesWithOptions(t *testing.T) {
	const file = "vars/serverless.yml"
	environ := map[string]string{"HOME": "/home/ci"}
	app := loadFixture(t, file, load.Options{
		Vars: map[string]string{"stage": "prod", "region": "us-west-2"},
		Env:  func(k string) (string, bool) { v, ok := environ[k]; return v, ok },
	})
	f := findFn(t, app, file+"#fn")
	for name, want := range map[string]string{
		"STAGE": "prod", "REGION": "us-west-2", "DOMAIN": "example.com", "HOME_DIR": "/home/ci",
		"WITH_FALLBACK": "staging", "LOG_LEVEL": "warn", "COMBINED": "vars-demo-prod-us-west-2",
	} {
		if e, _ := env(f, name); !e.Value.Is(want) {
			t.Errorf("%s = %s, want %s", name, e.Value, want)
		}
	}
	if e, _ := env(f, "DB_PASSWORD"); e.Value.Expr != "${ssm:/app/prod/db-password~true}" {
		t.Errorf("nested stage in ssm path = %q", e.Value.Expr)
	}
	// ./config/prod.yml does not exist and has no fallback.
	if !hasDiag(app, "unresolved", file, lineOf(t, file, "config: ${file("), "config/prod.yml") {
		t.Errorf("missing include not reported:%s", diagList(app))
	}
}

func TestResourcesIncludes(t *testing.T) {
	const file = "resources/serverless.yml"
	app := loadFixture(t, file, load.Options{})
	b := findRes(app, "resources/resources/buckets.yml#UploadsBucket")
	if b == nil || b.Pos.Line != 2 || b.Framework != model.Serverless {
		t.Fatalf("included bucket = %+v", b)
	}
	if findRes(app, "resources/resources/buckets.yml#UploadsBucket") == nil || findRes(app, "resources/resources/topics.yml#AlertsTopic") == nil {
		t.Error("included resources missing")
	}
	q := findRes(app, file+"#InlineQueue")
	if q == nil || q.Pos.Line != lineOf(t, file, "InlineQueue:") {
		t.Fatalf("inline queue = %+v", q)
	}
	f := findFn(t, app, file+"#upload")
	if e, _ := env(f, "BUCKET"); e.Value.Ref != "resources/resources/buckets.yml#UploadsBucket" {
		t.Errorf("BUCKET ref = %+v", e.Value)
	}
	if tr := f.Triggers[0]; tr.SourceID != "resources/resources/topics.yml#AlertsTopic" {
		t.Errorf("sns source id = %q", tr.SourceID)
	}
	// References to the functions the framework generates do not count as
	// dangling, and the permission finds its function.
	for _, d := range app.Diagnostics {
		if d.Level != model.DiagInfo {
			t.Errorf("unexpected diagnostic %s %s: %s", d.Pos, d.Code, d.Message)
		}
	}
	if len(app.Permissions) != 1 || app.Permissions[0].FunctionID != file+"#upload" || !app.Permissions[0].Principal.Is("s3.amazonaws.com") {
		t.Errorf("permissions = %+v", app.Permissions)
	}
	paths := map[string]bool{}
	for _, fl := range app.Files {
		if paths[fl.Path] {
			t.Errorf("file %s listed twice", fl.Path)
		}
		paths[fl.Path] = true
	}
	if !paths["resources/resources/buckets.yml"] || !paths["resources/resources/topics.yml"] {
		t.Errorf("files = %v", paths)
	}
}

func TestJSONAndProviders(t *testing.T) {
	app := loadFixture(t, "json/serverless.json", load.Options{})
	f := findFn(t, app, "json/serverless.json#api")
	wantKnown(t, "json name", f.FunctionName, "jsonsvc-qa-api", "json/serverless.json", lineOf(t, "json/serverless.json", `"api": {`))
	if len(f.Triggers) != 1 || !f.Triggers[0].AuthType.Is(model.AuthNone) || f.Triggers[0].Pos.Line != lineOf(t, "json/serverless.json", `"http"`) {
		t.Errorf("json trigger = %+v", f.Triggers)
	}

	app = loadFixture(t, "azure/serverless.yml", load.Options{})
	if len(app.Functions) != 0 {
		t.Errorf("azure functions were modelled as AWS: %d", len(app.Functions))
	}
	if !hasDiag(app, "unsupported", "azure/serverless.yml", lineOf(t, "azure/serverless.yml", "name: azure"), "unsupported provider") {
		t.Errorf("no unsupported-provider diagnostic:%s", diagList(app))
	}
	if len(app.Files) != 1 || !app.Files[0].Parsed {
		t.Errorf("azure file entry = %+v", app.Files)
	}
}
