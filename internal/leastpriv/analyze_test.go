package leastpriv

import (
	"context"
	"reflect"
	"testing"

	"github.com/wardensec/warden/internal/model"
)

// TestAnalyzeRecordsSDKActions checks the model side: SDKActions are set
// (Code created when code analysis left it nil), other code facts are
// kept, and functions Warden cannot read get a Usage that says why.
func TestAnalyzeRecordsSDKActions(t *testing.T) {
	root := project(t, map[string]string{
		"a/app.py": "import boto3\nddb = boto3.client('dynamodb')\n\ndef handler(e, c):\n    ddb.get_item(TableName='t', Key={})\n    ddb.put_item(TableName='t', Item={})\n",
		"b/app.py": "import boto3\n\ndef handler(e, c):\n    boto3.client('s3').get_object(Bucket='b', Key='k')\n",
	})
	withCode := function("python3.12", "app.handler", "a")
	flows := []model.CodeFlow{{Class: "sql", Source: "event.body", Sink: "cursor.execute"}}
	withCode.Code = &model.CodeFacts{Language: "python", Flows: flows}
	bare := function("python3.12", "app.handler", "b")
	bare.ID = "template.yaml#Bare"
	missing := function("python3.12", "app.handler", "nowhere")
	missing.ID = "template.yaml#Missing"
	image := function("", "", "")
	image.PackageType = model.Str("Image", model.Pos{})
	azure := function("python3.12", "app.handler", "a")
	azure.Provider = model.Azure
	app := &model.App{Functions: []*model.Function{withCode, bare, missing, image, azure}}

	Analyze(context.Background(), root, app)

	if got := withCode.Code.SDKActions; !reflect.DeepEqual(got, []string{"dynamodb:GetItem", "dynamodb:PutItem"}) {
		t.Errorf("SDKActions = %v", got)
	}
	if !reflect.DeepEqual(withCode.Code.Flows, flows) {
		t.Error("code analysis facts were overwritten")
	}
	if bare.Code == nil || !reflect.DeepEqual(bare.Code.SDKActions, []string{"s3:GetObject"}) {
		t.Errorf("Code not created for a function code analysis left alone: %+v", bare.Code)
	}
	if missing.Code != nil {
		t.Error("a function whose code is missing got code facts")
	}
	if u := UsageOf(missing); u == nil || u.Located || len(u.Notes) == 0 {
		t.Errorf("missing code: usage %+v", u)
	}
	if UsageOf(image) != nil || UsageOf(azure) != nil {
		t.Error("container images and other clouds are not analysed")
	}
	if u := UsageOf(withCode); u == nil || !u.Complete() {
		t.Errorf("usage of a fully analysed function: %+v", u)
	}
}

// FuzzExtractPython checks that no source makes the extractor panic or
// loop: the front end accepts anything, and so must the walk over its IR.
func FuzzExtractPython(f *testing.F) {
	for _, s := range []string{
		"import boto3\ns3 = boto3.client('s3')\ndef handler(e, c):\n    s3.get_object(Bucket=e['b'], Key='k')\n",
		"def handler(e, c):\n    handler(e, c)\n",
		"from . import x\nimport boto3 as b\nt = b.resource('dynamodb').Table(f'{x}-t')\ndef handler(e, c):\n    [t.put_item(Item=i) for i in e['Records']]\n",
		"class A:\n    def __init__(self): self.c = boto3.client(x)\n    def m(self): self.c.go()\ndef handler(e, c): A().m()\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		root := project(t, map[string]string{"app.py": src})
		app := &model.App{Functions: []*model.Function{function("python3.12", "app.handler", "")}}
		Analyze(context.Background(), root, app)
	})
}
