package leastpriv

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/model"
)

func TestMapResolve(t *testing.T) {
	m, err := Map()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		svc, op string
		want    []string
		fall    bool
	}{
		{"s3", "get_object", []string{"s3:GetObject"}, false},
		{"S3", "listObjectsV2", []string{"s3:ListBucket"}, false},
		{"s3", "list_objects_v2", []string{"s3:ListBucket"}, false},
		{"client-s3", "HeadObject", []string{"s3:GetObject", "s3:GetObjectVersion"}, false},
		{"dynamodb", "batch_write_item", []string{"dynamodb:BatchWriteItem"}, false},
		{"lambda", "invoke", []string{"lambda:InvokeFunction"}, false},
		{"stepfunctions", "start_execution", []string{"states:StartExecution"}, false},
		{"sfn", "StartExecution", []string{"states:StartExecution"}, false},
		{"cognito-idp", "admin_get_user", []string{"cognito-idp:AdminGetUser"}, false},
		{"secrets-manager", "GetSecretValue", []string{"secretsmanager:GetSecretValue"}, false},
		{"logs", "put_log_events", []string{"logs:PutLogEvents"}, false},
		// Newer than the map: the catalogue confirms the action.
		{"bedrock-runtime", "invoke_model", []string{"bedrock:InvokeModel"}, true},
	}
	for _, c := range cases {
		res, ok := m.Resolve(c.svc, c.op)
		if !ok {
			t.Errorf("%s %s: not resolved", c.svc, c.op)
			continue
		}
		var got []string
		for _, v := range res.Variants {
			got = append(got, v.Action)
		}
		sort.Strings(got)
		if !reflect.DeepEqual(got, c.want) || res.Fallback != c.fall {
			t.Errorf("%s %s = %v fallback=%v, want %v fallback=%v", c.svc, c.op, got, res.Fallback, c.want, c.fall)
		}
	}
	if res, ok := m.Resolve("sts", "get_caller_identity"); !ok || !res.Free {
		t.Errorf("sts GetCallerIdentity needs no permission: %+v %v", res, ok)
	}
	if _, ok := m.Resolve("s3", "frobnicate_bucket"); ok {
		t.Error("an operation neither the map nor the catalogue knows must stay unmapped")
	}
	if _, ok := m.Resolve("nosuchservice", "get_thing"); ok {
		t.Error("an unknown service must stay unmapped")
	}
}

func TestPascal(t *testing.T) {
	for in, want := range map[string]string{"get_object": "GetObject", "getObject": "GetObject", "GetObject": "GetObject", "list_objects_v2": "ListObjectsV2"} {
		if got := Pascal(in); got != want {
			t.Errorf("Pascal(%q) = %q, want %q", in, got, want)
		}
	}
}

// usesOf returns "action resource" for each use, sorted.
func usesOf(u *Usage) []string {
	var out []string
	for _, x := range u.Uses {
		out = append(out, x.Action+" "+x.Resource.ARN)
	}
	sort.Strings(out)
	return out
}

func TestResolveResources(t *testing.T) {
	root := project(t, map[string]string{"app.py": `import os
import boto3

s3 = boto3.client("s3")
ddb = boto3.client("dynamodb")


def handler(event, context):
    s3.get_object(Bucket="uploads", Key="a/b.json")
    s3.put_object(Bucket=os.environ["OUT"], Key=event["key"], Body=b"")
    ddb.get_item(TableName=os.environ["TABLE"], Key={})
    ddb.query(TableName=os.environ["LITERAL_TABLE"], IndexName="byUser")
    boto3.client("sqs").send_message(QueueUrl=os.environ["QUEUE"], MessageBody="x")
    boto3.client("sns").publish(TopicArn=os.environ["TOPIC"], Message="x")
    boto3.client("secretsmanager").get_secret_value(SecretId="prod/db")
    boto3.client("lambda").invoke(FunctionName=os.environ["WORKER"])
    boto3.client("ssm").get_parameter(Name=os.environ["MISSING"])
    boto3.client("s3").list_buckets()
`})
	ref := func(expr, id string) model.Value { return model.Value{State: model.Unknown, Expr: expr, Ref: id} }
	f := function("python3.12", "app.handler", "",
		model.EnvVar{Name: "OUT", Value: ref("!Ref OutBucket", "t#OutBucket")},
		model.EnvVar{Name: "TABLE", Value: ref("!Ref Orders", "t#Orders")},
		model.EnvVar{Name: "LITERAL_TABLE", Value: model.Str("users", model.Pos{})},
		model.EnvVar{Name: "QUEUE", Value: ref("!Ref Jobs", "t#Jobs")},
		model.EnvVar{Name: "TOPIC", Value: ref("!Ref Events", "t#Events")},
		model.EnvVar{Name: "WORKER", Value: ref("!Ref Worker", "t#Worker")},
	)
	worker := &model.Function{ID: "t#Worker", Name: "Worker", Provider: model.AWS, FunctionName: model.Str("worker-fn", model.Pos{})}
	app := &model.App{Functions: []*model.Function{f, worker}, Resources: []*model.Resource{
		{ID: "t#OutBucket", Name: "OutBucket", Kind: model.KindBucket, Type: "AWS::S3::Bucket"},
		{ID: "t#Orders", Name: "Orders", Kind: model.KindTable, Type: "AWS::DynamoDB::Table"},
		{ID: "t#Jobs", Name: "Jobs", Kind: model.KindQueue, Type: "AWS::SQS::Queue"},
		{ID: "t#Events", Name: "Events", Kind: model.KindTopic, Type: "AWS::SNS::Topic"},
	}}
	u := AnalyzeFunction(root, app, model.NewIndex(app), f, nil)
	want := []string{
		"dynamodb:GetItem arn:aws:dynamodb:*:*:table/*",
		"dynamodb:Query arn:aws:dynamodb:*:*:table/users",
		"dynamodb:Query arn:aws:dynamodb:*:*:table/users/index/byUser",
		"lambda:InvokeFunction arn:aws:lambda:*:*:function:worker-fn",
		"s3:GetObject arn:aws:s3:::uploads/a/b.json",
		"s3:ListAllMyBuckets *",
		"s3:PutObject arn:aws:s3:::*/*",
		"secretsmanager:GetSecretValue arn:aws:secretsmanager:*:*:secret:prod/db-??????",
		"sns:Publish arn:aws:sns:*:*:*",
		"sqs:SendMessage arn:aws:sqs:*:*:*",
		"ssm:GetParameter arn:aws:ssm:*:*:parameter/*",
	}
	if got := usesOf(u); !reflect.DeepEqual(got, want) {
		t.Errorf("uses =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	byAction := map[string]Use{}
	for _, x := range u.Uses {
		byAction[x.Action] = x
	}
	// Literals and literal env values resolve exactly: no notes.
	for _, a := range []string{"dynamodb:Query", "lambda:InvokeFunction", "secretsmanager:GetSecretValue", "s3:ListAllMyBuckets"} {
		if n := byAction[a].Resource.Notes; len(n) != 0 {
			t.Errorf("%s: unexpected notes %v", a, n)
		}
	}
	// A referenced resource becomes a slot: "*" in the ARN, the resource
	// named, and a note.
	for a, logical := range map[string]string{"dynamodb:GetItem": "Orders", "sqs:SendMessage": "Jobs", "s3:PutObject": "OutBucket", "sns:Publish": "Events"} {
		r := byAction[a].Resource
		if r.Ref() == "" || r.Slots[0].Logical != logical || len(r.SlotNotes) == 0 {
			t.Errorf("%s: resource %+v, want a slot for %s with a note", a, r, logical)
		}
	}
	// Unresolvable: "*" only with an explicit note.
	if n := byAction["ssm:GetParameter"].Resource.Notes; len(n) == 0 || !strings.Contains(n[0], "MISSING is not set") {
		t.Errorf("unset env var: notes %v", n)
	}
	for _, x := range u.Uses {
		// Region and account are "*" by design (marks in the template);
		// any other wildcard needs a note.
		if (strings.Contains(x.Resource.Template, "*") && len(x.Resource.Notes) == 0 && x.Resource.ARN != "*") ||
			(len(x.Resource.Slots) > 0 && len(x.Resource.SlotNotes) == 0) {
			t.Errorf("%s on %s widened without a note", x.Action, x.Resource.ARN)
		}
	}
}

func TestSuggestAndFormats(t *testing.T) {
	f := function("python3.12", "app.handler", "")
	u := &Usage{Located: true, Uses: []Use{
		{Action: "dynamodb:PutItem", Resource: Resource{ARN: "arn:aws:dynamodb:*:*:table/*", Template: "arn:" + markPartition + ":dynamodb:" + markRegion + ":" + markAccount + ":table/" + slotMark(0),
			Slots: []Slot{{Ref: "t#Orders", Logical: "Orders", Kind: model.KindTable}}, Notes: []string{"TableName is !Ref Orders"}}},
		{Action: "dynamodb:GetItem", Resource: Resource{ARN: "arn:aws:dynamodb:*:*:table/*", Template: "arn:" + markPartition + ":dynamodb:" + markRegion + ":" + markAccount + ":table/" + slotMark(0),
			Slots: []Slot{{Ref: "t#Orders", Logical: "Orders", Kind: model.KindTable}}, Notes: []string{"TableName is !Ref Orders"}}},
		{Action: "s3:GetObject", Resource: Resource{ARN: "arn:aws:s3:::uploads/*", Template: "arn:aws:s3:::uploads/*"}},
	}}
	p := Suggest(f, u)
	if len(p.Statements) != 2 || !reflect.DeepEqual(p.Statements[0].Actions, []string{"dynamodb:GetItem", "dynamodb:PutItem"}) {
		t.Fatalf("statements = %+v", p.Statements)
	}
	var b strings.Builder
	if err := WritePolicies(&b, "cloudformation", []*Policy{p}); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); !strings.Contains(out, `!Sub "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${Orders}"`) ||
		!strings.Contains(out, "# UNRESOLVED: TableName is !Ref Orders") {
		t.Errorf("cloudformation output:\n%s", out)
	}
	b.Reset()
	if err := WritePolicies(&b, "terraform", []*Policy{p}); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); !strings.Contains(out, `resources = ["arn:aws:s3:::uploads/*"]`) || !strings.Contains(out, `actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]`) {
		t.Errorf("terraform output:\n%s", out)
	}
	if err := WritePolicies(&b, "yaml", nil); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestResolveFromTriggerAndConditions(t *testing.T) {
	root := project(t, map[string]string{"app.py": `import boto3
from urllib.parse import unquote_plus

s3 = boto3.client("s3")
ddb = boto3.client("dynamodb")


def handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        s3.head_object(Bucket=bucket, Key=unquote_plus(record["s3"]["object"]["key"]))
        s3.head_object(Bucket="fixed", Key="k", VersionId=record["s3"]["object"]["versionId"])
        s3.put_object(Bucket=record["s3"]["object"]["key"], Key="k", Body=b"")
    ddb.execute_statement(Statement="SELECT * FROM orders WHERE id = ?")
    ddb.execute_statement(Statement=event["statement"])
`})
	upload := &model.Resource{ID: "t#Uploads", Name: "Uploads", Kind: model.KindBucket, Type: "AWS::S3::Bucket"}
	other := &model.Resource{ID: "t#Other", Name: "Other", Kind: model.KindBucket, Type: "AWS::S3::Bucket"}
	run := func(triggers ...*model.Trigger) *Usage {
		f := function("python3.12", "app.handler", "")
		f.Triggers = triggers
		app := &model.App{Functions: []*model.Function{f}, Resources: []*model.Resource{upload, other}}
		return AnalyzeFunction(root, app, model.NewIndex(app), f, nil)
	}
	u := run(&model.Trigger{Kind: model.TriggerStorage, SourceID: upload.ID})
	got := map[string]Use{}
	var optional []string
	for _, x := range u.Uses {
		if x.Optional {
			optional = append(optional, x.Action)
			continue
		}
		got[x.Action+" "+x.Resource.ARN] = x
	}
	sort.Strings(optional)
	// HeadObject without a VersionId needs GetObject on the triggering
	// bucket; with one, GetObjectVersion.
	if x, ok := got["s3:GetObject arn:aws:s3:::*/*"]; !ok || x.Resource.Ref() != upload.ID {
		t.Errorf("head_object on the trigger's bucket: %v", usesOf(u))
	}
	if _, ok := got["s3:GetObjectVersion arn:aws:s3:::fixed/k"]; !ok {
		t.Errorf("head_object with VersionId: %v", usesOf(u))
	}
	if _, ok := got["s3:GetObject arn:aws:s3:::fixed/k"]; ok {
		t.Error("head_object with VersionId also mapped to s3:GetObject")
	}
	// A bucket taken from another event field is not the trigger's.
	if x, ok := got["s3:PutObject arn:aws:s3:::*/k"]; !ok || x.Resource.Ref() != "" || len(x.Resource.Notes) == 0 {
		t.Errorf("bucket from the object key: %+v", x)
	}
	// A literal PartiQL statement picks its verb; a computed one keeps
	// every verb, marked optional.
	if x, ok := got["dynamodb:PartiQLSelect arn:aws:dynamodb:*:*:table/orders"]; !ok || len(x.Resource.Notes) != 0 {
		t.Errorf("literal SELECT: %v", usesOf(u))
	}
	if !reflect.DeepEqual(optional, []string{"dynamodb:PartiQLDelete", "dynamodb:PartiQLInsert", "dynamodb:PartiQLSelect", "dynamodb:PartiQLUpdate"}) {
		t.Errorf("computed statement: optional = %v", optional)
	}
	// Two S3 triggers: the bucket cannot be told; "*" with a note.
	u = run(&model.Trigger{Kind: model.TriggerStorage, SourceID: upload.ID}, &model.Trigger{Kind: model.TriggerStorage, SourceID: other.ID})
	for _, x := range u.Uses {
		if x.Action == "s3:GetObject" && (x.Resource.Ref() != "" || len(x.Resource.Notes) == 0 || !strings.Contains(strings.Join(x.Resource.Notes, " "), "2 S3 triggers")) {
			t.Errorf("two triggers: %+v", x.Resource)
		}
	}
}

func TestWriteJSONAndServerless(t *testing.T) {
	f := function("nodejs20.x", "index.handler", "")
	u := &Usage{Located: true, Uses: []Use{
		{Action: "sqs:SendMessage", Resource: Resource{ARN: "arn:aws:sqs:*:*:*", Template: "arn:" + markPartition + ":sqs:" + markRegion + ":" + markAccount + ":" + slotMark(0),
			Slots: []Slot{{Ref: "t#Jobs", Logical: "Jobs", Kind: model.KindQueue}}, SlotNotes: []string{"QueueUrl is !Ref Jobs"}}},
	}, Unmapped: []Unmapped{{Call: Call{Service: "S3", Op: "Frobnicate"}, Reason: "not in the map"}}}
	p := Suggest(f, u)
	var b strings.Builder
	if err := WritePolicies(&b, "serverless", []*Policy{p}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"functions:\n  Fn:\n", "iamRoleStatements:", `Resource: !Sub "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${Jobs.QueueName}"`, "# UNMAPPED: S3.Frobnicate", "# from the template: QueueUrl is !Ref Jobs"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("serverless output lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := WritePolicies(&b, "json", []*Policy{p}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"Resource": "arn:aws:sqs:*:*:*"`, `"QueueUrl is !Ref Jobs"`, `"call": "S3.Frobnicate"`, `"complete": false`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("json output lacks %q:\n%s", want, b.String())
		}
	}
}

func TestTerraformReferencesResources(t *testing.T) {
	f := function("python3.12", "app.handler", "")
	tmpl := "arn:" + markPartition + ":dynamodb:" + markRegion + ":" + markAccount + ":table/" + slotMark(0)
	p := Suggest(f, &Usage{Located: true, Uses: []Use{
		{Action: "dynamodb:GetItem", Resource: Resource{ARN: "arn:aws:dynamodb:*:*:table/*", Template: tmpl,
			Slots: []Slot{{Ref: "main.tf#aws_dynamodb_table.orders", Logical: "aws_dynamodb_table.orders", Kind: model.KindTable}}, SlotNotes: []string{"TableName is aws_dynamodb_table.orders.name"}}},
		{Action: "s3:PutObject", Resource: Resource{ARN: "arn:aws:s3:::*/*", Template: "arn:" + markPartition + ":s3:::" + slotMark(0) + "/*",
			Slots: []Slot{{Ref: "t.yaml#Reports", Logical: "Reports", Kind: model.KindBucket}}, SlotNotes: []string{"Bucket is !Ref Reports"}}},
	}})
	var b strings.Builder
	if err := WritePolicies(&b, "terraform", []*Policy{p}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		`resources = ["arn:aws:dynamodb:*:*:table/${aws_dynamodb_table.orders.name}"]`,
		"# from the template: TableName is aws_dynamodb_table.orders.name",
		// A slot that is not a Terraform resource stays a wildcard, and
		// says so.
		`resources = ["arn:aws:s3:::*/*"]`,
		"# UNRESOLVED: Bucket is !Ref Reports",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("terraform output lacks %q:\n%s", want, out)
		}
	}
}
