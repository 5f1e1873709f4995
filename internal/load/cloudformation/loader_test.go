package cloudformation

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/load/yamlsafe"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

func loadTestdata(t testing.TB, opts load.Options, files ...string) *model.App {
	t.Helper()
	root, err := source.Open("testdata")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return load.Safely(context.Background(), Loader{}, root, load.Unit{Kind: load.KindCloudFormation, Files: files}, opts)
}

func fnByID(t testing.TB, a *model.App, id string) *model.Function {
	t.Helper()
	for _, f := range a.Functions {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("no function %s", id)
	return nil
}

func resByID(t testing.TB, a *model.App, id string) *model.Resource {
	t.Helper()
	for _, r := range a.Resources {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no resource %s", id)
	return nil
}

func roleByID(t testing.TB, a *model.App, id string) *model.Role {
	t.Helper()
	for _, r := range a.Roles {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no role %s", id)
	return nil
}

func trigger(t testing.TB, f *model.Function, name string) *model.Trigger {
	t.Helper()
	for _, tr := range f.Triggers {
		if tr.Name == name {
			return tr
		}
	}
	t.Fatalf("function %s has no trigger %s", f.ID, name)
	return nil
}

func env(t testing.TB, f *model.Function, name string) model.Value {
	t.Helper()
	for _, e := range f.Environment {
		if e.Name == name {
			return e.Value
		}
	}
	t.Fatalf("function %s has no env %s", f.ID, name)
	return model.Value{}
}

func hasEdge(a *model.App, from, kind, to string) bool {
	for _, e := range a.Edges {
		if e.From == from && string(e.Kind) == kind && e.To == to {
			return true
		}
	}
	return false
}

// expect is one assertion on a loaded value: its state, its text (value, or
// expression when unknown), its line, and the model ID it refers to.
type expect struct {
	name  string
	got   func(t testing.TB, a *model.App) model.Value
	state model.State
	want  string
	line  int
	ref   string
}

func runExpects(t *testing.T, a *model.App, file string, cases []expect) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := c.got(t, a)
			if v.State != c.state {
				t.Fatalf("state = %s (%s), want %s", v.State, v, c.state)
			}
			text := v.V
			if v.State == model.Unknown {
				text = v.Expr
			}
			if c.want != "" && text != c.want {
				t.Errorf("value = %q, want %q", text, c.want)
			}
			if c.line != 0 && (v.Pos.Line != c.line || v.Pos.File != file) {
				t.Errorf("pos = %s, want %s:%d", v.Pos, file, c.line)
			}
			if v.Ref != c.ref {
				t.Errorf("ref = %q, want %q", v.Ref, c.ref)
			}
		})
	}
}

const samFile = "sam/app.yaml"

func samID(n string) string { return samFile + "#" + n }

func TestSAM(t *testing.T) {
	a := loadTestdata(t, load.Options{}, samFile)
	fn := func(id string) func(testing.TB, *model.App) *model.Function {
		return func(t testing.TB, a *model.App) *model.Function { return fnByID(t, a, samID(id)) }
	}
	create, worker := fn("CreateOrderFunction"), fn("WorkerFunction")
	cases := []expect{
		{"global runtime", func(t testing.TB, a *model.App) model.Value { return create(t, a).Runtime }, model.Known, "python3.12", 28, ""},
		{"global tracing", func(t testing.TB, a *model.App) model.Value { return create(t, a).Tracing }, model.Known, "Active", 30, ""},
		{"FindInMap memory", func(t testing.TB, a *model.App) model.Value { return create(t, a).MemoryMB }, model.Known, "1024", 18, ""},
		{"CodeUri relative to template", func(t testing.TB, a *model.App) model.Value { return create(t, a).CodePath }, model.Known, "sam/src/create", 79, ""},
		{"global env merged by key", func(t testing.TB, a *model.App) model.Value { return env(t, create(t, a), "STAGE") }, model.Known, "prod", 33, ""},
		{"local env wins", func(t testing.TB, a *model.App) model.Value { return env(t, create(t, a), "TABLE") }, model.Unknown, "!Ref OrdersTable", 83, samID("OrdersTable")},
		{"param without default", func(t testing.TB, a *model.App) model.Value { return env(t, create(t, a), "DB_PASSWORD") }, model.Unknown, "!Ref DbPassword", 84, ""},
		{"false condition", func(t testing.TB, a *model.App) model.Value { return worker(t, a).Deployed }, model.Known, "false", 131, ""},
		{"role GetAtt", func(t testing.TB, a *model.App) model.Value { return worker(t, a).RoleRef }, model.Unknown, "!GetAtt WorkerRole.Arn", 135, samID("WorkerRole")},
		{"api auth from DefaultAuthorizer", func(t testing.TB, a *model.App) model.Value { return trigger(t, create(t, a), "CreateOrder").AuthType }, model.Known, model.AuthCognito, 52, ""},
		{"event Authorizer NONE", func(t testing.TB, a *model.App) model.Value { return trigger(t, create(t, a), "Health").AuthType }, model.Known, model.AuthNone, 110, ""},
		{"implicit api no auth", func(t testing.TB, a *model.App) model.Value { return trigger(t, create(t, a), "Public").AuthType }, model.Known, model.AuthNone, 111, ""},
		{"api path", func(t testing.TB, a *model.App) model.Value { return trigger(t, create(t, a), "CreateOrder").Path }, model.Known, "/orders", 101, ""},
		{"api method", func(t testing.TB, a *model.App) model.Value { return trigger(t, create(t, a), "CreateOrder").Method }, model.Known, "post", 102, ""},
		{"sqs source", func(t testing.TB, a *model.App) model.Value { return trigger(t, worker(t, a), "Queue").Source }, model.Unknown, "!GetAtt OrdersQueue.Arn", 140, samID("OrdersQueue")},
		{"sqs batch", func(t testing.TB, a *model.App) model.Value { return trigger(t, worker(t, a), "Queue").BatchSize }, model.Known, "10", 141, ""},
		{"dynamodb stream", func(t testing.TB, a *model.App) model.Value { return trigger(t, worker(t, a), "Stream").Source }, model.Unknown, "!GetAtt OrdersTable.StreamArn", 145, samID("OrdersTable")},
		{"s3 bucket", func(t testing.TB, a *model.App) model.Value { return trigger(t, worker(t, a), "Upload").Source }, model.Unknown, "!Ref UploadBucket", 150, samID("UploadBucket")},
		{"sns topic", func(t testing.TB, a *model.App) model.Value { return trigger(t, worker(t, a), "Topic").Source }, model.Unknown, "!Ref AlertsTopic", 155, samID("AlertsTopic")},
		{"kinesis", func(t testing.TB, a *model.App) model.Value { return trigger(t, worker(t, a), "Kin").Source }, model.Unknown, "!GetAtt ClickStream.Arn", 159, samID("ClickStream")},
		{"schedule", func(t testing.TB, a *model.App) model.Value { return trigger(t, worker(t, a), "Nightly").Schedule }, model.Known, "rate(1 day)", 164, ""},
		{"schedule v2 state", func(t testing.TB, a *model.App) model.Value { return trigger(t, worker(t, a), "NightlyV2").Enabled }, model.Known, "false", 169, ""},
		{"eventbridge pattern", func(t testing.TB, a *model.App) model.Value { return trigger(t, worker(t, a), "OrderPlaced").Filter }, model.Known, `{"source":["orders"]}`, 174, ""},
		{"cloudwatch event", func(t testing.TB, a *model.App) model.Value { return trigger(t, worker(t, a), "Legacy").Filter }, model.Known, `{"detail-type":["Legacy"]}`, 179, ""},
		{"cognito", func(t testing.TB, a *model.App) model.Value { return trigger(t, worker(t, a), "SignUp").Source }, model.Unknown, "!Ref Pool", 183, samID("Pool")},
		{"iot sql", func(t testing.TB, a *model.App) model.Value { return trigger(t, worker(t, a), "Iot").Filter }, model.Known, "SELECT * FROM 'topic/test'", 188, ""},
		{"httpapi implicit none", func(t testing.TB, a *model.App) model.Value { return trigger(t, worker(t, a), "Http").AuthType }, model.Known, model.AuthNone, 189, ""},
		{"function url auth", func(t testing.TB, a *model.App) model.Value { return fn("AuthFunction")(t, a).URL.AuthType }, model.Known, model.AuthNone, 123, ""},
		{"function url cors", func(t testing.TB, a *model.App) model.Value { return fn("AuthFunction")(t, a).URL.CORS.AllowOrigins[0] }, model.Known, "*", 126, ""},
		{"code outside root", func(t testing.TB, a *model.App) model.Value { return fn("AuthFunction")(t, a).CodePath }, model.Unknown, "../../outside", 121, ""},
		{"table sse", func(t testing.TB, a *model.App) model.Value {
			return resByID(t, a, samID("OrdersTable")).Attr(model.AttrEncryption)
		}, model.Known, "kms", 45, ""},
		{"api min tls", func(t testing.TB, a *model.App) model.Value {
			return resByID(t, a, samID("OrdersApi")).Attr(model.AttrMinTLS)
		}, model.Known, "TLS_1_2", 68, ""},
		{"stage access log", func(t testing.TB, a *model.App) model.Value {
			return resByID(t, a, samID("OrdersApiprodStage")).Attr(model.AttrAccessLog)
		}, model.Unknown, "!GetAtt ApiLogs.Arn", 59, samID("ApiLogs")},
		{"stage log level", func(t testing.TB, a *model.App) model.Value {
			return resByID(t, a, samID("OrdersApiprodStage")).Attr(model.AttrExecutionLogLevel)
		}, model.Known, "ERROR", 64, ""},
		{"global api tracing", func(t testing.TB, a *model.App) model.Value {
			return resByID(t, a, samID("ServerlessRestApiProdStage")).Attr(model.AttrTracingEnabled)
		}, model.Known, "true", 36, ""},
		{"httpapi jwt default", func(t testing.TB, a *model.App) model.Value {
			return resByID(t, a, samID("HttpOnly")).Attr(model.AttrDefaultAuth)
		}, model.Known, model.AuthJWT, 250, ""},
		{"queue sse off", func(t testing.TB, a *model.App) model.Value {
			return resByID(t, a, samID("OrdersQueue")).Attr(model.AttrEncryption)
		}, model.Known, "none", 210, ""},
		{"true condition deploys", func(t testing.TB, a *model.App) model.Value { return resByID(t, a, samID("ProdOnlyBucket")).Deployed }, model.Absent, "", 0, ""},
	}
	runExpects(t, a, samFile, cases)

	t.Run("implicit role and policy templates", func(t *testing.T) {
		f := fnByID(t, a, samID("CreateOrderFunction"))
		if f.RoleID != samID("CreateOrderFunctionRole") {
			t.Fatalf("RoleID = %q", f.RoleID)
		}
		r := roleByID(t, a, f.RoleID)
		if !r.Implicit {
			t.Error("generated role not marked implicit")
		}
		if len(r.Policies) != 3 {
			t.Fatalf("policies = %d, want 3", len(r.Policies))
		}
		crud := r.Policies[0]
		if crud.Source != "SAM template DynamoDBCrudPolicy" || crud.Pos.Line != 87 {
			t.Errorf("crud policy = %s at %s", crud.Source, crud.Pos)
		}
		st := crud.Statements[0]
		if len(st.Actions) != 10 || !st.Actions[0].Is("dynamodb:GetItem") {
			t.Errorf("actions = %v", st.Actions)
		}
		res := st.Resources[0]
		if res.Expr != "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${OrdersTable}" || res.Ref != samID("OrdersTable") {
			t.Errorf("resource = %+v", res)
		}
		inline := r.Policies[2]
		if inline.Source != "inline" || !inline.Statements[0].Resources[0].Is("arn:aws:s3:::prod-assets/*") {
			t.Errorf("inline = %+v", inline.Statements[0])
		}
		var managed []string
		for _, m := range r.ManagedPolicies {
			managed = append(managed, m.V)
		}
		if got := strings.Join(managed, ","); !strings.Contains(got, "AWSLambdaBasicExecutionRole") || !strings.Contains(got, "AWSXrayWriteOnlyAccess") || !strings.Contains(got, "AWSLambdaExecute") {
			t.Errorf("managed = %s", got)
		}
		if !hasEdge(a, f.ID, "uses-role", r.ID) || !hasEdge(a, f.ID, "references", samID("OrdersQueue")) {
			t.Error("missing uses-role or references edge")
		}
	})
	t.Run("implicit api", func(t *testing.T) {
		tr := trigger(t, fnByID(t, a, samID("CreateOrderFunction")), "Public")
		if tr.APIID != samID("ServerlessRestApi") {
			t.Fatalf("APIID = %q", tr.APIID)
		}
		api := resByID(t, a, tr.APIID)
		if !api.Attr("implicit").IsTrue() || tr.CORS == nil || !tr.CORS.AllowOrigins[0].Is("*") {
			t.Errorf("implicit api %+v cors %+v", api.Attrs, tr.CORS)
		}
		if !hasEdge(a, tr.APIID, "serves", samID("CreateOrderFunction")) {
			t.Error("no serves edge")
		}
	})
	t.Run("sqs adds managed policy to generated role only", func(t *testing.T) {
		r := roleByID(t, a, samID("WorkerRole"))
		if r.Implicit || len(r.ManagedPolicies) != 1 {
			t.Errorf("declared role changed: %+v", r.ManagedPolicies)
		}
	})
	t.Run("state machine policies", func(t *testing.T) {
		r := roleByID(t, a, samID("MachineRole"))
		if len(r.Policies) != 1 || r.Policies[0].Statements[0].Resources[0].Ref != samID("CreateOrderFunction") {
			t.Errorf("state machine role = %+v", r.Policies)
		}
		if !r.AssumeRolePolicy.Statements[0].Principals["Service"][0].Is("states.amazonaws.com") {
			t.Error("state machine role not assumable by states")
		}
	})
	t.Run("file and inputs", func(t *testing.T) {
		if len(a.Files) != 1 || a.Files[0].Framework != model.SAM || !a.Files[0].Parsed || a.Files[0].Unresolved == 0 {
			t.Errorf("files = %+v", a.Files[0])
		}
		var masked bool
		for _, in := range a.Inputs {
			if in.Name == "DbPassword" {
				masked = in.Masked.IsTrue() && in.ID == samID("DbPassword")
			}
		}
		if !masked {
			t.Error("NoEcho parameter not masked")
		}
	})
}

const plainFile = "cfn/plain.yaml"

func plainID(n string) string { return plainFile + "#" + n }

func TestPlainCloudFormation(t *testing.T) {
	a := loadTestdata(t, load.Options{}, plainFile)
	fn := func(t testing.TB, a *model.App) *model.Function { return fnByID(t, a, plainID("Fn")) }
	attr := func(id, key string) func(testing.TB, *model.App) model.Value {
		return func(t testing.TB, a *model.App) model.Value { return resByID(t, a, plainID(id)).Attr(key) }
	}
	cases := []expect{
		{"sub with param", func(t testing.TB, a *model.App) model.Value { return fn(t, a).FunctionName }, model.Known, "orders-dev", 62, ""},
		{"join select split", func(t testing.TB, a *model.App) model.Value { return env(t, fn(t, a), "API_KEY") }, model.Known, "sk_live_b", 78, ""},
		{"dynamic reference", func(t testing.TB, a *model.App) model.Value { return env(t, fn(t, a), "SECRET") }, model.Unknown, "{{resolve:secretsmanager:prod/db:SecretString:password}}", 79, ""},
		{"import value", func(t testing.TB, a *model.App) model.Value { return env(t, fn(t, a), "IMPORTED") }, model.Unknown, "!ImportValue shared-bucket", 80, ""},
		{"pseudo parameter", func(t testing.TB, a *model.App) model.Value { return env(t, fn(t, a), "REGION") }, model.Unknown, "!Ref AWS::Region", 82, ""},
		{"ssm parameter type", func(t testing.TB, a *model.App) model.Value { return env(t, fn(t, a), "KEY") }, model.Unknown, "!Ref SharedKey (SSM parameter /shared/kms-key)", 83, ""},
		{"list parameter", func(t testing.TB, a *model.App) model.Value { return fn(t, a).VPC.SubnetIDs[1] }, model.Known, "subnet-2", 72, ""},
		{"tracing", func(t testing.TB, a *model.App) model.Value { return fn(t, a).Tracing }, model.Known, "PassThrough", 69, ""},
		{"dlq", func(t testing.TB, a *model.App) model.Value { return fn(t, a).DeadLetter }, model.Unknown, "!GetAtt Dlq.Arn", 75, plainID("Dlq")},
		{"url", func(t testing.TB, a *model.App) model.Value { return fn(t, a).URL.AuthType }, model.Known, model.AuthIAM, 94, ""},
		{"invoke config", func(t testing.TB, a *model.App) model.Value { return fn(t, a).AsyncMaxRetries }, model.Known, "0", 114, ""},
		{"esm", func(t testing.TB, a *model.App) model.Value { return trigger(t, fn(t, a), "Mapping").Source }, model.Unknown, "!GetAtt Jobs.Arn", 106, plainID("Jobs")},
		{"s3 notification", func(t testing.TB, a *model.App) model.Value { return trigger(t, fn(t, a), "Bucket").Source }, model.Unknown, "!Ref Bucket", 135, plainID("Bucket")},
		{"sns subscription", func(t testing.TB, a *model.App) model.Value { return trigger(t, fn(t, a), "Topic").Source }, model.Unknown, "!Ref Topic", 178, plainID("Topic")},
		{"cognito lambda config", func(t testing.TB, a *model.App) model.Value { return trigger(t, fn(t, a), "PreSignUp").Source }, model.Unknown, "!Ref Pool", 231, plainID("Pool")},
		{"events rule schedule", func(t testing.TB, a *model.App) model.Value { return trigger(t, fn(t, a), "Rule").Schedule }, model.Known, "rate(5 minutes)", 262, ""},
		{"events rule enabled", func(t testing.TB, a *model.App) model.Value { return trigger(t, fn(t, a), "Rule").Enabled }, model.Known, "true", 263, ""},
		{"log group name", attr("FnLogs", "log_group_name"), model.Unknown, "/aws/lambda/${Fn}", 87, plainID("Fn")},
		{"log retention", attr("FnLogs", model.AttrRetentionDays), model.Known, "14", 88, ""},
		{"queue kms", attr("Jobs", model.AttrEncryption), model.Known, "kms", 119, ""},
		{"redrive", attr("Jobs", model.AttrDeadLetterTarget), model.Unknown, "!GetAtt Dlq.Arn", 121, plainID("Dlq")},
		{"bucket acl", attr("Bucket", model.AttrACL), model.Known, "public-read", 139, ""},
		{"bucket sse", attr("Bucket", model.AttrEncryption), model.Known, "kms", 143, ""},
		{"bucket kms key", attr("Bucket", model.AttrKMSKey), model.Unknown, "!Ref Key", 144, plainID("Key")},
		{"pab", attr("Bucket", model.AttrBlockPublicACLs), model.Known, "false", 146, ""},
		{"pab policy", attr("Bucket", model.AttrBlockPublicPolicy), model.Known, "true", 148, ""},
		{"versioning", attr("Bucket", model.AttrVersioning), model.Known, "Enabled", 151, ""},
		{"logging", attr("Bucket", model.AttrAccessLogging), model.Known, "logs-bucket", 153, ""},
		{"table sse off", attr("Table", model.AttrEncryption), model.Known, "provider", 173, ""},
		{"pitr", attr("Table", model.AttrPointInTimeRecovery), model.Known, "true", 175, ""},
		{"stream view", attr("Table", model.AttrStreamViewType), model.Known, "NEW_AND_OLD_IMAGES", 177, ""},
		{"topic kms", attr("Topic", model.AttrKMSKey), model.Known, "alias/aws/sns", 181, ""},
		{"kinesis kms", attr("Stream", model.AttrEncryption), model.Known, "kms", 200, ""},
		{"key rotation", attr("Key", model.AttrKeyRotation), model.Known, "false", 205, ""},
		{"rotation enabled", attr("Secret", model.AttrRotationEnabled), model.Known, "true", 218, ""},
		{"rotation days", attr("Secret", model.AttrRotationDays), model.Known, "30", 224, ""},
		{"ssm type", attr("Param", model.AttrParameterType), model.Known, "String", 229, ""},
		{"ssm value", attr("Param", model.AttrValue), model.Known, "hunter2", 230, ""},
		{"password length", attr("Pool", model.AttrPasswordMinLength), model.Known, "6", 237, ""},
		{"mfa", attr("Pool", model.AttrMFA), model.Known, "OPTIONAL", 234, ""},
		{"advanced security", attr("Pool", model.AttrAdvancedSecurity), model.Known, "ENFORCED", 243, ""},
		{"state machine log level", attr("Machine", model.AttrExecutionLogLevel), model.Known, "OFF", 258, ""},
		{"condition false", func(t testing.TB, a *model.App) model.Value { return resByID(t, a, plainID("ProdOnly")).Deployed }, model.Known, "false", 269, ""},
		{"condition and", func(t testing.TB, a *model.App) model.Value { return resByID(t, a, plainID("Never")).Deployed }, model.Known, "false", 272, ""},
	}
	runExpects(t, a, plainFile, cases)

	t.Run("NoValue drops the variable", func(t *testing.T) {
		for _, e := range fn(t, a).Environment {
			if e.Name == "NOVAL" {
				t.Errorf("NOVAL present: %+v", e)
			}
		}
	})
	t.Run("external values", func(t *testing.T) {
		for _, name := range []string{"SECRET", "IMPORTED", "KEY"} {
			if !env(t, fn(t, a), name).External {
				t.Errorf("%s not marked External", name)
			}
		}
		if env(t, fn(t, a), "REGION").External {
			t.Error("pseudo parameter marked External")
		}
	})
	t.Run("roles and attached policies", func(t *testing.T) {
		f := fn(t, a)
		if f.RoleID != plainID("FnRole") || f.LogGroupID != plainID("FnLogs") {
			t.Fatalf("RoleID %q LogGroupID %q", f.RoleID, f.LogGroupID)
		}
		r := roleByID(t, a, f.RoleID)
		var sources []string
		for _, p := range r.Policies {
			sources = append(sources, p.Source)
		}
		if got := strings.Join(sources, ","); got != "inline,AWS::IAM::Policy,AWS::IAM::ManagedPolicy" {
			t.Errorf("policy sources = %s", got)
		}
		st := r.Policies[0].Statements[0]
		if !st.Actions[0].Is("*") || st.Actions[0].Pos.Line != 34 || len(st.Conditions) != 1 || st.Conditions[0].Key != "aws:SecureTransport" {
			t.Errorf("inline statement = %+v", st)
		}
		deny := r.Policies[1].Statements[0]
		if !deny.Effect.Is("Deny") || !deny.NotActions[0].Is("s3:*") || !deny.NotResources[0].Is("arn:aws:s3:::keep") {
			t.Errorf("deny statement = %+v", deny)
		}
		if !r.PermissionsBoundary.IsKnown() || !r.AssumeRolePolicy.Statements[0].Principals["Service"][0].Is("lambda.amazonaws.com") {
			t.Error("boundary or trust policy missing")
		}
	})
	t.Run("resource policies", func(t *testing.T) {
		b := resByID(t, a, plainID("Bucket"))
		if len(b.Policies) != 1 || !b.Policies[0].Statements[0].Principals["AWS"][0].Is("*") {
			t.Fatalf("bucket policies = %+v", b.Policies)
		}
		q := resByID(t, a, plainID("Jobs"))
		if len(q.Policies) != 1 || !q.Policies[0].Statements[0].Principals["*"][0].Is("*") {
			t.Fatalf("queue policies = %+v", q.Policies)
		}
		if len(resByID(t, a, plainID("Topic")).Policies) != 1 || len(resByID(t, a, plainID("Key")).Policies) != 1 {
			t.Error("topic or key policy missing")
		}
	})
	t.Run("permission", func(t *testing.T) {
		if len(a.Permissions) != 1 {
			t.Fatalf("permissions = %d", len(a.Permissions))
		}
		p := a.Permissions[0]
		if p.FunctionID != plainID("Fn") || !p.Principal.Is("*") || !p.URLAuthType.Is("NONE") || p.Principal.Pos.Line != 100 {
			t.Errorf("permission = %+v", p)
		}
	})
	t.Run("edges", func(t *testing.T) {
		for _, e := range [][3]string{
			{plainID("Fn"), "logs-to", plainID("FnLogs")},
			{plainID("Key"), "encrypts", plainID("Bucket")},
			{plainID("Key"), "encrypts", plainID("Fn")},
			{plainID("Jobs"), "triggered-by", plainID("Fn")},
			{plainID("Machine"), "uses-role", plainID("FnRole")},
			{plainID("ExtraManaged"), "attached", plainID("FnRole")},
		} {
			if !hasEdge(a, e[0], e[1], e[2]) {
				t.Errorf("missing edge %v", e)
			}
		}
	})
	t.Run("no diagnostics", func(t *testing.T) {
		if len(a.Diagnostics) != 0 {
			t.Errorf("diagnostics = %+v", a.Diagnostics)
		}
	})
}

func TestParameterOverrides(t *testing.T) {
	a := loadTestdata(t, load.Options{Vars: map[string]string{"Env": "prod"}}, plainFile)
	if v := fnByID(t, a, plainID("Fn")).FunctionName; !v.Is("orders-prod") {
		t.Errorf("FunctionName = %s", v)
	}
	if d := resByID(t, a, plainID("ProdOnly")).Deployed; d.IsSet() {
		t.Errorf("ProdOnly deployed = %s, want absent (condition true)", d)
	}
	if env(t, fnByID(t, a, plainID("Fn")), "NOVAL").V != "x" {
		t.Error("Fn::If did not take the true branch")
	}
}

const apiFile = "cfn/api.yaml"

func apiID(n string) string { return apiFile + "#" + n }

func TestAPIGateway(t *testing.T) {
	a := loadTestdata(t, load.Options{}, apiFile)
	fn := func(t testing.TB, a *model.App) *model.Function { return fnByID(t, a, apiID("Fn")) }
	tr := func(name string, get func(*model.Trigger) model.Value) func(testing.TB, *model.App) model.Value {
		return func(t testing.TB, a *model.App) model.Value { return get(trigger(t, fn(t, a), name)) }
	}
	attr := func(id, key string) func(testing.TB, *model.App) model.Value {
		return func(t testing.TB, a *model.App) model.Value { return resByID(t, a, apiID(id)).Attr(key) }
	}
	cases := []expect{
		{"rest path from resource tree", tr("GetOrder", func(t *model.Trigger) model.Value { return t.Path }), model.Known, "/orders/{id}", 35, ""},
		{"rest method", tr("GetOrder", func(t *model.Trigger) model.Value { return t.Method }), model.Known, "GET", 41, ""},
		{"cognito auth", tr("GetOrder", func(t *model.Trigger) model.Value { return t.AuthType }), model.Known, model.AuthCognito, 42, ""},
		{"authorizer ref", tr("GetOrder", func(t *model.Trigger) model.Value { return t.Authorizer }), model.Unknown, "!Ref CognitoAuth", 43, apiID("CognitoAuth")},
		{"join uri, no auth", tr("PostOrder", func(t *model.Trigger) model.Value { return t.AuthType }), model.Known, model.AuthNone, 54, ""},
		{"api key", tr("PostOrder", func(t *model.Trigger) model.Value { return t.APIKeyRequired }), model.Known, "true", 55, ""},
		{"v2 route jwt", tr("Route", func(t *model.Trigger) model.Value { return t.AuthType }), model.Known, model.AuthJWT, 112, ""},
		{"v2 route path", tr("Route", func(t *model.Trigger) model.Value { return t.Path }), model.Known, "/items", 111, ""},
		{"v2 default auth none", tr("OpenRoute", func(t *model.Trigger) model.Value { return t.AuthType }), model.Known, model.AuthNone, 116, ""},
		{"quick create", tr("Quick", func(t *model.Trigger) model.Value { return t.Path }), model.Known, "$default", 168, ""},
		{"websocket route", tr("WsConnect", func(t *model.Trigger) model.Value { return t.Path }), model.Known, "$connect", 154, ""},
		{"endpoint type", attr("Api", model.AttrEndpointType), model.Known, "REGIONAL", 17, ""},
		{"waf on api", attr("Api", model.AttrWebACL), model.Known, "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/x/y", 99, ""},
		{"waf on named stage", attr("Stage", model.AttrWebACL), model.Known, "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/x/y", 99, ""},
		{"stage log level", attr("Stage", model.AttrExecutionLogLevel), model.Known, "INFO", 74, ""},
		{"cache unencrypted", attr("Stage", model.AttrCacheEncrypted), model.Known, "false", 72, ""},
		{"stage tracing", attr("Stage", model.AttrTracingEnabled), model.Known, "false", 70, ""},
		{"v2 stage access log", attr("HttpStage", model.AttrAccessLog), model.Known, "arn:aws:logs:us-east-1:123456789012:log-group:api", 141, ""},
		{"domain tls", attr("Domain", model.AttrMinTLS), model.Known, "TLS_1_0", 94, ""},
		{"api key value", attr("Key", model.AttrValue), model.Known, "abcdefghijklmnopqrstuvwxyz0123456789", 89, ""},
		{"usage plan throttle", attr("Plan", model.AttrThrottleRate), model.Known, "10", 83, ""},
		{"authorizer type", attr("CognitoAuth", "auth_type"), model.Known, model.AuthCognito, 63, ""},
		{"route resource auth", attr("PostOrder", "auth_type"), model.Known, model.AuthNone, 54, ""},
	}
	runExpects(t, a, apiFile, cases)
	t.Run("kinds and apis", func(t *testing.T) {
		f := fn(t, a)
		if k := trigger(t, f, "WsConnect").Kind; k != model.TriggerWebSocket {
			t.Errorf("websocket kind = %s", k)
		}
		if id := trigger(t, f, "Route").APIID; id != apiID("HttpApi") {
			t.Errorf("route api = %s", id)
		}
		if c := trigger(t, f, "Route").CORS; c == nil || !c.AllowOrigins[0].Is("*") {
			t.Errorf("route cors = %+v", c)
		}
		if f.RoleID != "" || !f.RoleRef.Is("arn:aws:iam::123456789012:role/external") {
			t.Errorf("external role = %q %s", f.RoleID, f.RoleRef)
		}
		if len(resByID(t, a, apiID("Api")).Policies) != 1 {
			t.Error("rest api policy missing")
		}
	})
}

func TestJSONTemplate(t *testing.T) {
	const file = "json/template.json"
	a := loadTestdata(t, load.Options{}, file)
	if a.Files[0].Framework != model.SAM {
		t.Fatalf("framework = %s, want sam (Transform as a list)", a.Files[0].Framework)
	}
	f := fnByID(t, a, file+"#ReportFn")
	runExpects(t, a, file, []expect{
		{"sub list form", func(testing.TB, *model.App) model.Value { return env(t, f, "BUCKET") }, model.Known, "s3://reports", 18, ""},
		{"iam authorizer", func(testing.TB, *model.App) model.Value { return trigger(t, f, "Get").AuthType }, model.Known, model.AuthIAM, 20, ""},
		{"policy template resource", func(testing.TB, *model.App) model.Value {
			return roleByID(t, a, f.RoleID).Policies[0].Statements[0].Resources[0]
		}, model.Unknown, "arn:${AWS::Partition}:s3:::reports", 15, ""},
		{"managed arn", func(testing.TB, *model.App) model.Value { return roleByID(t, a, f.RoleID).ManagedPolicies[1] }, model.Known, "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", 16, ""},
	})
}

func TestHostileInput(t *testing.T) {
	a := loadTestdata(t, load.Options{}, "bad/malformed.yaml", "bad/intrinsics.yaml", "bad/scalar.yaml", "bad/bomb.yaml", "../outside.yaml", "bad", "missing.yaml")
	type want struct {
		file, code string
		line       int
		msg        string
	}
	for _, w := range []want{
		{"bad/malformed.yaml", "parse", 4, "did not find expected"},
		{"bad/scalar.yaml", "parse", 1, "not a mapping"},
		{"bad/bomb.yaml", "limit", 7, "alias bomb"},
		{"../outside.yaml", "outside-root", 0, "outside"},
		{"bad", "read", 0, "cannot read"},
		{"missing.yaml", "read", 0, "cannot read"},
		{"bad/intrinsics.yaml", "unsupported", 13, "Fn::Frobnicate"},
		{"bad/intrinsics.yaml", "unresolved", 14, "Ref to Missing"},
		{"bad/intrinsics.yaml", "unresolved", 16, "GetAtt refers to Nowhere"},
		{"bad/intrinsics.yaml", "unresolved", 17, "out of range"},
		{"bad/intrinsics.yaml", "unresolved", 18, "FindInMap"},
		{"bad/intrinsics.yaml", "unresolved", 6, "refers to itself"},
		{"bad/intrinsics.yaml", "unsupported", 22, "Fn::Transform"},
		{"bad/intrinsics.yaml", "parse", 23, "NoType has no Type"},
		{"bad/intrinsics.yaml", "unresolved", 3, "NoDefault has no Default"},
	} {
		found := false
		for _, d := range a.Diagnostics {
			if d.Pos.File == w.file && d.Code == w.code && d.Pos.Line == w.line && strings.Contains(d.Message, w.msg) {
				found = true
			}
		}
		if !found {
			t.Errorf("no %s diagnostic at %s:%d containing %q; got %+v", w.code, w.file, w.line, w.msg, a.Diagnostics)
		}
	}
	files := map[string]*model.File{}
	for _, f := range a.Files {
		files[f.Path] = f
	}
	if len(files) != 7 {
		t.Errorf("files = %d, want every file listed", len(files))
	}
	for _, p := range []string{"bad/malformed.yaml", "bad/scalar.yaml", "bad/bomb.yaml", "../outside.yaml", "bad", "missing.yaml"} {
		if f := files[p]; f == nil || f.Parsed {
			t.Errorf("%s: %+v, want listed and not parsed", p, f)
		}
	}
	if f := files["bad/intrinsics.yaml"]; f == nil || !f.Parsed || f.Unresolved < 6 {
		t.Errorf("intrinsics file = %+v, want parsed with unresolved values", f)
	}
	// The rest still loads.
	q := resByID(t, a, "bad/intrinsics.yaml#Good")
	if !q.Attr(model.AttrEncryption).Is("provider") {
		t.Errorf("Good queue = %+v", q.Attrs)
	}
	f := fnByID(t, a, "bad/intrinsics.yaml#Fn")
	if !f.Runtime.IsUnknown() || !f.Handler.IsUnknown() || !f.Deployed.IsUnknown() || !env(t, f, "LOOP").IsUnknown() {
		t.Errorf("unknowns not unknown: runtime %s handler %s deployed %s", f.Runtime, f.Handler, f.Deployed)
	}
}

func TestSymlinkEscape(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "t.yaml"), []byte("Resources: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "t.yaml"), filepath.Join(dir, "link.yaml")); err != nil {
		t.Skip("symlinks unsupported:", err)
	}
	root, err := source.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	a := Loader{}.Load(context.Background(), root, load.Unit{Kind: load.KindCloudFormation, Files: []string{"link.yaml"}}, load.Options{})
	if len(a.Diagnostics) != 1 || a.Diagnostics[0].Code != "outside-root" || a.Files[0].Parsed {
		t.Errorf("diagnostics = %+v files = %+v", a.Diagnostics, a.Files[0])
	}
}

// TestLoadDocument is the entry point the Serverless Framework loader uses
// for its resources section.
func TestLoadDocument(t *testing.T) {
	src := []byte(`Resources:
  Uploads:
    Type: AWS::S3::Bucket
    Properties:
      AccessControl: PublicReadWrite
  Role:
    Type: AWS::IAM::Role
    Properties:
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
              - {Effect: Allow, Action: "s3:*", Resource: !Sub "${Uploads.Arn}/*"}
`)
	doc, err := yamlsafe.Parse("serverless.yml", src)
	if err != nil {
		t.Fatal(err)
	}
	a := LoadDocument(context.Background(), nil, "serverless.yml", yamlsafe.Body(doc), model.Serverless, load.Options{})
	b := resByID(t, a, "serverless.yml#Uploads")
	if b.Framework != model.Serverless || !b.Attr(model.AttrACL).Is("public-read-write") || b.Attr(model.AttrACL).Pos.Line != 5 {
		t.Errorf("bucket = %+v", b)
	}
	r := roleByID(t, a, "serverless.yml#Role")
	res := r.Policies[0].Statements[0].Resources[0]
	if res.Expr != "${Uploads.Arn}/*" || res.Ref != "serverless.yml#Uploads" {
		t.Errorf("resource = %+v", res)
	}
	if len(a.Files) != 1 || a.Files[0].Framework != model.Serverless {
		t.Errorf("files = %+v", a.Files)
	}
}

// TestPolicyTemplatesExpand checks every embedded SAM policy template
// expands into statements with known actions when its parameters are known.
func TestPolicyTemplatesExpand(t *testing.T) {
	tmpls, err := samTemplates()
	if err != nil {
		t.Fatal(err)
	}
	if len(tmpls) < 70 {
		t.Fatalf("only %d templates embedded", len(tmpls))
	}
	for name, tpl := range tmpls {
		var b strings.Builder
		b.WriteString("Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Policies:\n        - " + name + ":")
		if len(tpl.params) == 0 {
			b.WriteString(" {}")
		}
		b.WriteString("\n")
		for _, p := range tpl.params {
			b.WriteString("            " + p + ": value-" + p + "\n")
		}
		doc, err := yamlsafe.Parse("t.yaml", []byte(b.String()))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		a := LoadDocument(context.Background(), nil, "t.yaml", yamlsafe.Body(doc), model.SAM, load.Options{})
		if len(a.Diagnostics) != 0 {
			t.Errorf("%s: diagnostics %+v", name, a.Diagnostics)
			continue
		}
		pol := roleByID(t, a, "t.yaml#FnRole").Policies[0]
		if pol.Source != "SAM template "+name || pol.Unresolved || len(pol.Statements) == 0 {
			t.Errorf("%s: policy %+v", name, pol)
			continue
		}
		for _, st := range pol.Statements {
			for _, act := range st.Actions {
				if !act.IsKnown() || !strings.Contains(act.V, ":") {
					t.Errorf("%s: action %s", name, act)
				}
			}
			if st.Pos.Line != 7 {
				t.Errorf("%s: statement at %s, want the template's line 7", name, st.Pos)
			}
		}
	}
}

func TestSAMAuthEdgeCases(t *testing.T) {
	src := []byte(`Transform: AWS::Serverless-2016-10-31
Parameters:
  ApiId: {Type: String}
Resources:
  Open:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      DefinitionBody: {openapi: "3.0.1"}
  Custom:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      Auth:
        DefaultAuthorizer: Lambda
        ApiKeyRequired: true
        Authorizers:
          Lambda: {FunctionArn: arn:aws:lambda:us-east-1:1:function:auth}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: h
      Runtime: go1.x
      Role: arn:aws:iam::1:role/r
      LoggingConfig:
        LogGroup: !Ref FnLogs
      Events:
        A: {Type: Api, Properties: {RestApiId: !Ref Open, Path: /a, Method: get}}
        B: {Type: Api, Properties: {RestApiId: !Ref Custom, Path: /b, Method: get}}
        C: {Type: Api, Properties: {RestApiId: !Ref Custom, Path: /c, Method: options}}
        D: {Type: Api, Properties: {RestApiId: !Ref ApiId, Path: /d, Method: get}}
        E: {Type: Api, Properties: {RestApiId: !Ref Custom, Path: /e, Method: get, Auth: {Authorizer: Nope}}}
  FnLogs:
    Type: AWS::Logs::LogGroup
  Gen:
    Type: AWS::Serverless::Function
    Properties: {Handler: h, Runtime: go1.x, InlineCode: x}
  GenExtra:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: extra
      Roles: [!Ref GenRole]
      PolicyDocument: {Statement: [{Effect: Allow, Action: "sqs:*", Resource: "*"}]}
`)
	doc, err := yamlsafe.Parse("t.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	a := LoadDocument(context.Background(), nil, "t.yaml", yamlsafe.Body(doc), model.SAM, load.Options{})
	f := fnByID(t, a, "t.yaml#Fn")
	for _, c := range []struct {
		ev    string
		state model.State
		want  string
	}{
		{"A", model.Unknown, ""},
		{"B", model.Known, model.AuthCustom},
		{"C", model.Known, model.AuthCustom}, // a declared OPTIONS event gets the default authorizer too
		{"D", model.Unknown, ""},
		{"E", model.Unknown, ""},
	} {
		got := trigger(t, f, c.ev).AuthType
		if got.State != c.state || (c.want != "" && got.V != c.want) {
			t.Errorf("event %s auth = %s, want %s %s", c.ev, got, c.state, c.want)
		}
	}
	if !trigger(t, f, "B").APIKeyRequired.IsTrue() {
		t.Error("ApiKeyRequired from the API not applied")
	}
	if f.RoleID != "" {
		t.Errorf("explicit external role resolved to %q", f.RoleID)
	}
	if f.LogGroupID != "t.yaml#FnLogs" || !hasEdge(a, f.ID, "logs-to", "t.yaml#FnLogs") {
		t.Errorf("LoggingConfig log group not linked: %q", f.LogGroupID)
	}
	gen := roleByID(t, a, "t.yaml#GenRole")
	if len(gen.Policies) != 1 || gen.Policies[0].Source != "AWS::IAM::Policy" || len(a.Roles) != 1 {
		t.Errorf("policy on the generated role: %+v (roles %d)", gen.Policies, len(a.Roles))
	}
	var nope bool
	for _, d := range a.Diagnostics {
		nope = nope || (strings.Contains(d.Message, "Nope") && d.Pos.Line == 32)
	}
	if !nope {
		t.Errorf("no diagnostic for the undefined authorizer: %+v", a.Diagnostics)
	}
}

// TestEvaluationBudget: a document of aliases under the parser's node limit
// must not cost unbounded time to evaluate; past the budget values are
// unknown and a limit diagnostic names the file.
func TestEvaluationBudget(t *testing.T) {
	var b strings.Builder
	b.WriteString("a: &a {x1: 1, x2: 2, x3: 3, x4: 4, x5: 5, x6: 6, x7: 7, x8: 8, x9: 9}\n")
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e"} {
		b.WriteString(n + ": &" + n + " [" + strings.Repeat("*"+prev+",", 8) + "*" + prev + "]\n")
		prev = n
	}
	b.WriteString("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      Tags: [" + strings.Repeat("*e,", 13) + "*e]\n      KmsMasterKeyId: k\n")
	a := loadBytes(context.Background(), nil, "b.yaml", []byte(b.String()), load.Options{})
	var limit bool
	for _, d := range a.Diagnostics {
		limit = limit || (d.Code == "limit" && d.Pos.File == "b.yaml" && d.Pos.Line > 0)
	}
	if !limit {
		t.Errorf("no limit diagnostic: %+v", a.Diagnostics)
	}
	if len(a.Resources) != 1 {
		t.Errorf("resource lost: %+v", a.Resources)
	}
}

// TestLoadFragment: a Serverless Framework resources section refers to the
// function and role the framework generates.
func TestLoadFragment(t *testing.T) {
	src := []byte(`Resources:
  Uploads:
    Type: AWS::S3::Bucket
    Properties:
      NotificationConfiguration:
        LambdaConfigurations:
          - Event: s3:ObjectCreated:*
            Function: !GetAtt HelloLambdaFunction.Arn
  Extra:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: extra
      Roles: [!Ref IamRoleLambdaExecution]
      PolicyDocument:
        Statement: [{Effect: Allow, Action: "s3:*", Resource: "*"}]
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub /aws/lambda/${HelloLambdaFunction}
`)
	doc, err := yamlsafe.Parse("serverless.yml", src)
	if err != nil {
		t.Fatal(err)
	}
	fn := &model.Function{ID: "serverless.yml#hello", Name: "hello"}
	role := &model.Role{ID: "serverless.yml#IamRoleLambdaExecution", Name: "IamRoleLambdaExecution", Implicit: true}
	a := LoadFragment(context.Background(), nil, "serverless.yml", yamlsafe.Body(doc), model.Serverless, load.Options{}, Outside{
		IDs:       map[string]string{"HelloLambdaFunction": fn.ID, "IamRoleLambdaExecution": role.ID},
		Functions: []*model.Function{fn},
		Roles:     []*model.Role{role},
	})
	if len(a.Diagnostics) != 0 || a.Files[0].Unresolved != 0 {
		t.Errorf("diagnostics = %+v unresolved = %d", a.Diagnostics, a.Files[0].Unresolved)
	}
	if len(fn.Triggers) != 1 || fn.Triggers[0].SourceID != "serverless.yml#Uploads" || fn.Triggers[0].Pos.Line != 7 {
		t.Errorf("triggers = %+v", fn.Triggers)
	}
	if len(role.Policies) != 1 || role.Policies[0].Source != "AWS::IAM::Policy" {
		t.Errorf("role policies = %+v", role.Policies)
	}
	if len(a.Functions) != 0 || len(a.Roles) != 0 {
		t.Error("outside elements returned in the App")
	}
	if lg := resByID(t, a, "serverless.yml#Logs").Attr("log_group_name"); lg.Ref != fn.ID {
		t.Errorf("log group name = %+v", lg)
	}
}

func TestForEachNoted(t *testing.T) {
	src := []byte("Transform: AWS::LanguageExtensions\nResources:\n  Fn::ForEach::Topics:\n    - T\n    - [a, b]\n    - Topic${T}: {Type: AWS::SNS::Topic}\n")
	a := loadBytes(context.Background(), nil, "t.yaml", src, load.Options{})
	if len(a.Diagnostics) != 1 || a.Diagnostics[0].Code != "unsupported" || a.Diagnostics[0].Pos.Line != 3 || a.Files[0].Unresolved != 1 {
		t.Errorf("diagnostics = %+v files = %+v", a.Diagnostics, a.Files[0])
	}
}
