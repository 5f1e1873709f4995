package terraform

import (
	"testing"

	"github.com/wardensec/warden/internal/model"
)

const (
	mainTF = "aws/main.tf"
	apiTF  = "aws/api.tf"
	dataTF = "aws/data.tf"
)

func TestAWSFunction(t *testing.T) {
	app := loadDir(t, "aws", nil)
	f := findFn(t, app, "aws/main.tf#aws_lambda_function.api")
	fnLine := lineOf(t, mainTF, "", `resource "aws_lambda_function" "api"`)
	if f.Pos.File != mainTF || f.Pos.Line != fnLine || f.Provider != model.AWS || f.Framework != model.Terraform {
		t.Errorf("function header = %+v", f)
	}
	// terraform.tfvars sets stage = "prod" over the default "dev".
	known(t, "function_name", f.FunctionName, "acme-prod-api", mainTF, lineOf(t, mainTF, `"api"`, "function_name"))
	known(t, "runtime", f.Runtime, "python3.12", mainTF, lineOf(t, mainTF, `"api"`, "runtime"))
	known(t, "handler", f.Handler, "app.handler", mainTF, 0)
	known(t, "memory", f.MemoryMB, "256", mainTF, 0)
	known(t, "timeout", f.TimeoutSec, "30", mainTF, 0)
	known(t, "reserved", f.ReservedConc, "5", mainTF, 0)
	known(t, "tracing", f.Tracing, "Active", mainTF, lineOf(t, mainTF, `"api"`, `mode = "Active"`))
	// The code is the directory data "archive_file" zips.
	known(t, "code path", f.CodePath, "aws/src/api", mainTF, lineOf(t, mainTF, `data "archive_file"`, "source_dir"))
	if len(f.Layers) != 1 || !f.Layers[0].IsKnown() {
		t.Errorf("layers = %v", f.Layers)
	}
	if f.RoleID != "aws/main.tf#aws_iam_role.lambda" {
		t.Errorf("RoleID = %q", f.RoleID)
	}
	unknown(t, "role ref", f.RoleRef, "aws_iam_role.lambda.arn")
	if f.RoleRef.Ref != f.RoleID {
		t.Errorf("RoleRef.Ref = %q", f.RoleRef.Ref)
	}
	if f.EnvKMSKey.Ref != "aws/data.tf#aws_kms_key.env" || !f.EnvKMSKey.IsUnknown() {
		t.Errorf("EnvKMSKey = %+v", f.EnvKMSKey)
	}
	env := map[string]model.EnvVar{}
	for _, e := range f.Environment {
		env[e.Name] = e
	}
	if len(env) != 4 {
		t.Fatalf("environment = %+v", f.Environment)
	}
	known(t, "STAGE", env["STAGE"].Value, "PROD", mainTF, 0)
	known(t, "TABLE", env["TABLE"].Value, "items-prod", mainTF, lineOf(t, mainTF, "variables = merge", "TABLE"))
	if env["TABLE"].Value.Ref != "aws/data.tf#aws_dynamodb_table.items" {
		t.Errorf("TABLE ref = %q", env["TABLE"].Value.Ref)
	}
	known(t, "DB_PASS", env["DB_PASS"].Value, "hunter2", mainTF, 0)
	if v := env["API_KEY"].Value; !v.IsUnknown() || !v.External {
		t.Errorf("API_KEY from SSM = %+v, want unknown and external", v)
	}
	if f.VPC == nil || len(f.VPC.SubnetIDs) != 1 || !f.VPC.SubnetIDs[0].IsUnknown() || f.VPC.SecurityGroupIDs[0].V != "sg-123" {
		t.Errorf("vpc = %+v", f.VPC)
	}
	if f.DeadLetter.Ref != "aws/data.tf#aws_sqs_queue.dlq" {
		t.Errorf("dead letter = %+v", f.DeadLetter)
	}
	// aws_lambda_function_event_invoke_config
	if f.OnFailure.Ref != "aws/data.tf#aws_sqs_queue.dlq" {
		t.Errorf("on failure = %+v", f.OnFailure)
	}
	known(t, "retries", f.AsyncMaxRetries, "1", mainTF, 0)
	known(t, "max age", f.AsyncMaxEventAge, "600", mainTF, 0)
	// aws_lambda_function_url
	if f.URL == nil {
		t.Fatal("no function URL")
	}
	known(t, "url auth", f.URL.AuthType, model.AuthNone, mainTF, lineOf(t, mainTF, `"aws_lambda_function_url"`, "authorization_type"))
	if f.URL.CORS == nil || len(f.URL.CORS.AllowOrigins) != 1 || f.URL.CORS.AllowOrigins[0].V != "*" || !f.URL.CORS.AllowCredentials.IsTrue() {
		t.Errorf("url cors = %+v", f.URL.CORS)
	}
	// Log group by "/aws/lambda/${aws_lambda_function.api.function_name}".
	if f.LogGroupID != "aws/data.tf#aws_cloudwatch_log_group.api" || !hasEdge(app, f.ID, f.LogGroupID, model.EdgeLogsTo) {
		t.Errorf("log group = %q", f.LogGroupID)
	}
	for _, e := range []struct {
		to string
		k  model.EdgeKind
	}{
		{"aws/main.tf#aws_iam_role.lambda", model.EdgeUsesRole},
		{"aws/data.tf#aws_dynamodb_table.items", model.EdgeReferences},
		{"aws/data.tf#aws_s3_bucket.uploads", model.EdgeTriggeredBy},
		{"aws/api.tf#aws_api_gateway_rest_api.api", model.EdgeTriggeredBy},
	} {
		if !hasEdge(app, f.ID, e.to, e.k) {
			t.Errorf("missing edge %s -%s-> %s", f.ID, e.k, e.to)
		}
	}
}

func TestAWSTriggers(t *testing.T) {
	app := loadDir(t, "aws", nil)
	api := findFn(t, app, "aws/main.tf#aws_lambda_function.api")
	for _, c := range []struct {
		typ, path, method, auth string
		file, anchor            string
	}{
		{"aws_api_gateway_method", "/items/{id}", "GET", model.AuthNone, apiTF, `"aws_api_gateway_method" "get_item"`},
		{"aws_api_gateway_method", "/items", "POST", model.AuthCognito, apiTF, `"aws_api_gateway_method" "post_items"`},
	} {
		tr := trigger(api, c.typ, c.path)
		if tr == nil {
			t.Errorf("no %s trigger %s", c.typ, c.path)
			continue
		}
		if tr.Kind != model.TriggerHTTP || tr.Pos.File != c.file || tr.Pos.Line != lineOf(t, c.file, "", c.anchor) {
			t.Errorf("%s: kind %s at %s", c.path, tr.Kind, tr.Pos)
		}
		known(t, c.path+" method", tr.Method, c.method, c.file, 0)
		known(t, c.path+" auth", tr.AuthType, c.auth, c.file, lineOf(t, c.file, c.anchor, "authorization "))
		if tr.APIID != "aws/api.tf#aws_api_gateway_rest_api.api" {
			t.Errorf("%s api = %q", c.path, tr.APIID)
		}
	}
	if tr := trigger(api, "aws_api_gateway_method", "/items"); tr != nil && (len(tr.Scopes) != 1 || tr.Authorizer.Ref != "aws/api.tf#aws_api_gateway_authorizer.cognito") {
		t.Errorf("cognito route scopes %v authorizer %+v", tr.Scopes, tr.Authorizer)
	}
	s3 := trigger(api, "aws_s3_bucket_notification", "")
	if s3 == nil || s3.Kind != model.TriggerStorage || s3.SourceID != "aws/data.tf#aws_s3_bucket.uploads" || s3.Pos.Line != lineOf(t, dataTF, "aws_s3_bucket_notification", "lambda_function {") {
		t.Errorf("s3 trigger = %+v", s3)
	}
	sns := trigger(api, "aws_sns_topic_subscription", "")
	if sns == nil || sns.Kind != model.TriggerTopic || sns.SourceID != "aws/data.tf#aws_sns_topic.alerts" {
		t.Errorf("sns trigger = %+v", sns)
	}
	cog := trigger(api, "aws_cognito_user_pool", "")
	if cog == nil || cog.Kind != model.TriggerUserPool || cog.Name != "pre_sign_up" || cog.Pos.Line != lineOf(t, dataTF, "", "pre_sign_up") {
		t.Errorf("cognito trigger = %+v", cog)
	}

	orders := findFn(t, app, `aws/main.tf#aws_lambda_function.worker["orders"]`)
	known(t, "orders name", orders.FunctionName, "acme-prod-orders", mainTF, 0)
	q := trigger(orders, "aws_lambda_event_source_mapping", "")
	if q == nil || q.Kind != model.TriggerQueue || q.SourceID != "aws/data.tf#aws_sqs_queue.jobs" {
		t.Fatalf("sqs trigger = %+v", q)
	}
	known(t, "batch", q.BatchSize, "10", mainTF, 0)
	known(t, "filter", q.Filter, `{"body":{"type":["order"]}}`, mainTF, lineOf(t, mainTF, "filter {", "pattern"))
	for _, c := range []struct{ path, method, auth string }{{"/orders", "GET", model.AuthNone}, {"/orders", "POST", model.AuthJWT}} {
		var tr *model.Trigger
		for _, x := range orders.Triggers {
			if x.Type == "aws_apigatewayv2_route" && x.Method.V == c.method {
				tr = x
			}
		}
		if tr == nil {
			t.Errorf("no v2 route %s %s", c.method, c.path)
			continue
		}
		known(t, "v2 path", tr.Path, c.path, apiTF, 0)
		known(t, "v2 auth", tr.AuthType, c.auth, apiTF, 0)
		if tr.CORS == nil || tr.CORS.AllowOrigins[0].V != "https://app.example.com" {
			t.Errorf("v2 cors = %+v", tr.CORS)
		}
	}
	// A route without authorization_type defaults to NONE at the route.
	for _, x := range orders.Triggers {
		if x.Method.V == "GET" && x.Type == "aws_apigatewayv2_route" && x.AuthType.Pos.Line != lineOf(t, apiTF, "", `"aws_apigatewayv2_route" "list_orders"`) {
			t.Errorf("default auth at %s", x.AuthType.Pos)
		}
	}
	inv := findFn(t, app, `aws/main.tf#aws_lambda_function.worker["invoices"]`)
	st := trigger(inv, "aws_lambda_event_source_mapping", "")
	if st == nil || st.Kind != model.TriggerStream || st.OnFailure.Ref != "aws/data.tf#aws_sqs_queue.dlq" {
		t.Errorf("kinesis trigger = %+v", st)
	}
	cron := findFn(t, app, "aws/modules/worker/main.tf#module.worker.aws_lambda_function.cron")
	known(t, "module fn name", cron.FunctionName, "acme-prod-cron", "aws/modules/worker/main.tf", 0)
	known(t, "module code", cron.CodePath, "aws/modules/worker/cron.zip", "aws/modules/worker/main.tf", 0)
	if cron.RoleID != "aws/main.tf#aws_iam_role.lambda" {
		t.Errorf("module role through variable = %q", cron.RoleID)
	}
	sc := trigger(cron, "aws_cloudwatch_event_target", "")
	if sc == nil || sc.Kind != model.TriggerSchedule || sc.SourceID != "aws/modules/worker/main.tf#module.worker.aws_cloudwatch_event_rule.every" {
		t.Fatalf("schedule trigger = %+v", sc)
	}
	known(t, "schedule", sc.Schedule, "rate(5 minutes)", "aws/modules/worker/main.tf", 0)
}

func TestAWSCountForEach(t *testing.T) {
	app := loadDir(t, "aws", nil)
	legacy := findFn(t, app, "aws/main.tf#aws_lambda_function.legacy")
	known(t, "count = 0 from a known variable", legacy.Deployed, "false", mainTF, lineOf(t, mainTF, `"legacy"`, "count"))
	unknown(t, "s3 code", legacy.CodePath, "acme-artifacts")
	scaled := findFn(t, app, "aws/main.tf#aws_lambda_function.scaled")
	unknown(t, "unknown count", scaled.Deployed, "var.replicas")
	unknown(t, "image code", scaled.CodePath, "container image")
	w := findFn(t, app, `aws/main.tf#aws_lambda_function.worker["invoices"]`)
	known(t, "for_each deployed", w.Deployed, "true", mainTF, 0)
	known(t, "each.key path", w.CodePath, "aws/build/invoices.zip", mainTF, 0)

	// --var overrides tfvars and fills variables without defaults.
	app = loadDir(t, "aws", map[string]string{"stage": "qa", "replicas": "2", "enable_legacy": "true"})
	known(t, "override", findFn(t, app, "aws/main.tf#aws_lambda_function.api").FunctionName, "acme-qa-api", mainTF, 0)
	known(t, "legacy on", findFn(t, app, "aws/main.tf#aws_lambda_function.legacy").Deployed, "true", mainTF, 0)
	findFn(t, app, "aws/main.tf#aws_lambda_function.scaled[0]")
	findFn(t, app, "aws/main.tf#aws_lambda_function.scaled[1]")
}

func TestAWSIAM(t *testing.T) {
	app := loadDir(t, "aws", nil)
	r := findRole(t, app, "aws/main.tf#aws_iam_role.lambda")
	known(t, "role name", r.RoleName, "acme-prod-lambda", mainTF, 0)
	known(t, "boundary", r.PermissionsBoundary, "arn:aws:iam::123456789012:policy/boundary", mainTF, 0)
	if r.AssumeRolePolicy == nil || len(r.AssumeRolePolicy.Statements) != 1 {
		t.Fatalf("assume role policy = %+v", r.AssumeRolePolicy)
	}
	as := r.AssumeRolePolicy.Statements[0]
	if p := as.Principals["Service"]; len(p) != 1 || p[0].V != "lambda.amazonaws.com" || as.Pos.Line != lineOf(t, mainTF, `"assume"`, "statement {") {
		t.Errorf("trust statement = %+v", as)
	}
	known(t, "default effect", as.Effect, "Allow", mainTF, 0)
	bySrc := map[string]*model.Policy{}
	for _, p := range r.Policies {
		bySrc[p.Name.V] = p
	}
	// inline_policy with jsonencode: each action keeps its line.
	logs := bySrc["logs"]
	if logs == nil || len(logs.Statements) != 1 || len(logs.Statements[0].Actions) != 2 {
		t.Fatalf("inline policy = %+v", logs)
	}
	known(t, "inline action", logs.Statements[0].Actions[0], "logs:CreateLogStream", mainTF, lineOf(t, mainTF, "", "logs:CreateLogStream"))
	// aws_iam_role_policy from a policy document with a condition.
	doc := bySrc["api"]
	if doc == nil || len(doc.Statements) != 2 || doc.Unresolved {
		t.Fatalf("document policy = %+v", doc)
	}
	if s := doc.Statements[0]; s.Sid != "ReadItems" || s.Resources[0].Ref != "aws/data.tf#aws_dynamodb_table.items" || !s.Resources[0].IsUnknown() {
		t.Errorf("statement 0 = %+v", s)
	}
	if s := doc.Statements[1]; len(s.Conditions) != 1 || s.Conditions[0].Operator != "StringEquals" || s.Conditions[0].Key != "aws:RequestedRegion" {
		t.Errorf("statement 1 = %+v", s)
	}
	known(t, "wildcard", doc.Statements[1].Actions[0], "s3:*", mainTF, lineOf(t, mainTF, `"Everything"`, `"s3:*"`))
	// A heredoc policy with an interpolated ARN: actions known, the
	// resource unknown with its reference.
	hd := bySrc["heredoc"]
	if hd == nil || len(hd.Statements) != 1 {
		t.Fatalf("heredoc policy = %+v", hd)
	}
	known(t, "heredoc action", hd.Statements[0].Actions[0], "sqs:SendMessage", mainTF, lineOf(t, mainTF, "", `"Action": "sqs:SendMessage"`))
	if res := hd.Statements[0].Resources[0]; !res.IsUnknown() || res.Ref != "aws/data.tf#aws_sqs_queue.jobs" {
		t.Errorf("heredoc resource = %+v", res)
	}
	// The aws_iam_policy attached through aws_iam_role_policy_attachment.
	admin := bySrc["admin"]
	if admin == nil || admin.Statements[0].Actions[0].V != "*" {
		t.Errorf("attached policy = %+v", admin)
	}
	var managed []string
	for _, m := range r.ManagedPolicies {
		managed = append(managed, m.String())
	}
	if len(managed) != 2 || managed[1] != "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" {
		t.Errorf("managed policies = %v", managed)
	}
	// Permissions: one linked by reference, one by the function's name.
	perms := map[string]*model.Permission{}
	for _, p := range app.Permissions {
		perms[p.ID] = p
	}
	if p := perms["aws/main.tf#aws_lambda_permission.public"]; p == nil || p.FunctionID != "aws/main.tf#aws_lambda_function.api" || !p.Principal.Is("*") {
		t.Errorf("public permission = %+v", p)
	}
	if p := perms["aws/main.tf#aws_lambda_permission.s3"]; p == nil || p.SourceArn.Ref != "aws/data.tf#aws_s3_bucket.uploads" || p.FunctionID == "" {
		t.Errorf("s3 permission = %+v", p)
	}
}

func TestAWSResources(t *testing.T) {
	app := loadDir(t, "aws", nil)
	attr := func(id, key, want string) {
		t.Helper()
		r := findRes(t, app, id)
		v := r.Attr(key)
		if !v.IsKnown() || v.V != want {
			t.Errorf("%s %s = %s, want %q", id, key, v.String(), want)
		}
		if v.Pos.File == "" || v.Pos.Line == 0 {
			t.Errorf("%s %s has no position", id, key)
		}
	}
	up := "aws/data.tf#aws_s3_bucket.uploads"
	attr(up, model.AttrEncryption, "kms")
	attr(up, model.AttrACL, "public-read")
	attr(up, model.AttrVersioning, "Enabled")
	attr(up, model.AttrAccessLogging, "acme-logs")
	attr(up, model.AttrBlockPublicPolicy, "false")
	attr(up, model.AttrBlockPublicACLs, "true")
	if r := findRes(t, app, up); len(r.Policies) != 1 || !r.Policies[0].Statements[0].Principals["*"][0].Is("*") {
		t.Errorf("bucket policy = %+v", r.Policies)
	}
	if !hasEdge(app, "aws/data.tf#aws_kms_key.env", up, model.EdgeEncrypts) {
		t.Error("no encrypts edge from the key to the bucket")
	}
	attr("aws/data.tf#aws_s3_bucket.legacy", model.AttrEncryption, "provider")
	attr("aws/data.tf#aws_s3_bucket.legacy", model.AttrVersioning, "Enabled")
	attr("aws/data.tf#aws_dynamodb_table.items", model.AttrPointInTimeRecovery, "true")
	attr("aws/data.tf#aws_dynamodb_table.items", model.AttrEncryption, "provider")
	attr("aws/data.tf#aws_sqs_queue.dlq", model.AttrEncryption, "provider")
	attr("aws/data.tf#aws_sqs_queue.jobs", model.AttrEncryption, "kms")
	if v := findRes(t, app, "aws/data.tf#aws_sqs_queue.jobs").Attr(model.AttrDeadLetterTarget); v.Ref != "aws/data.tf#aws_sqs_queue.dlq" {
		t.Errorf("redrive target = %+v", v)
	}
	if q := findRes(t, app, "aws/data.tf#aws_sqs_queue.jobs"); len(q.Policies) != 1 || len(q.Policies[0].Statements) != 2 {
		t.Errorf("queue policy (source document + statement) = %+v", q.Policies)
	}
	attr("aws/data.tf#aws_kinesis_stream.events", model.AttrEncryption, "none")
	attr("aws/data.tf#aws_kms_key.env", model.AttrKeyRotation, "false")
	sec := "aws/data.tf#aws_secretsmanager_secret.db"
	attr(sec, model.AttrRotationEnabled, "true")
	attr(sec, model.AttrRotationDays, "30")
	attr(sec, model.AttrValue, "hunter2")
	attr("aws/data.tf#aws_ssm_parameter.token", model.AttrParameterType, "String")
	attr("aws/data.tf#aws_ssm_parameter.token", model.AttrValue, "ghp_example_token_value")
	attr("aws/data.tf#aws_cloudwatch_log_group.api", model.AttrRetentionDays, "14")
	pool := "aws/data.tf#aws_cognito_user_pool.users"
	attr(pool, model.AttrPasswordMinLength, "6")
	attr(pool, model.AttrMFA, "OFF")
	stage := "aws/api.tf#aws_api_gateway_stage.prod"
	attr(stage, model.AttrTracingEnabled, "true")
	attr(stage, model.AttrExecutionLogLevel, "ERROR")
	attr(stage, model.AttrThrottleRate, "100")
	attr(stage, model.AttrWebACL, "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/acme/1")
	if v := findRes(t, app, stage).Attr(model.AttrAccessLog); v.Ref != "aws/data.tf#aws_cloudwatch_log_group.api_access" {
		t.Errorf("access log = %+v", v)
	}
	attr("aws/api.tf#aws_api_gateway_domain_name.api", model.AttrMinTLS, "TLS_1_0")
	attr("aws/api.tf#aws_api_gateway_api_key.partner", model.AttrValue, "abcdefghijklmnopqrstuvwxyz0123456789")
	attr("aws/api.tf#aws_api_gateway_rest_api.api", model.AttrEndpointType, "REGIONAL")
	attr("aws/api.tf#aws_api_gateway_method.get_item", model.AttrDefaultAuth, model.AuthNone)
	attr("aws/api.tf#aws_apigatewayv2_route.list_orders", model.AttrDefaultAuth, model.AuthNone)
	attr("aws/api.tf#aws_apigatewayv2_stage.default", model.AttrThrottleBurst, "5")
	attr("aws/api.tf#aws_apigatewayv2_authorizer.jwt", model.AttrDefaultAuth, model.AuthJWT)
}

func TestAWSInputsFilesDiagnostics(t *testing.T) {
	app := loadDir(t, "aws", nil)
	var pw *model.Input
	for _, in := range app.Inputs {
		if in.ID == "aws/main.tf#var.db_password" {
			pw = in
		}
	}
	if pw == nil || !pw.Masked.IsTrue() || pw.Default.V != "hunter2" || pw.Pos.Line != lineOf(t, mainTF, "", `variable "db_password"`) {
		t.Errorf("db_password input = %+v", pw)
	}
	want := map[string]bool{mainTF: true, apiTF: true, dataTF: true, "aws/terraform.tfvars": true, "aws/modules/worker/main.tf": true}
	for _, f := range app.Files {
		if !want[f.Path] {
			t.Errorf("unexpected file %s", f.Path)
		}
		if !f.Parsed {
			t.Errorf("%s not parsed", f.Path)
		}
		delete(want, f.Path)
	}
	if len(want) != 0 {
		t.Errorf("files missing from App.Files: %v", want)
	}
	hasDiag(t, app, mainTF, lineOf(t, mainTF, "", `variable "vpc_subnets"`), "unresolved", "vpc_subnets")
	hasDiag(t, app, mainTF, lineOf(t, mainTF, `module "vpc"`, "source"), "unresolved", "not a local path")
}
