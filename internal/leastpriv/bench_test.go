package leastpriv

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/code"
	"github.com/wardensec/warden/internal/code/ir"
	"github.com/wardensec/warden/internal/model"
)

// generated handlers: n helper functions, each making SDK calls on clients
// created at module level, all reached from the handler.
func genPython(n int) string {
	var b strings.Builder
	b.WriteString("import os\nimport boto3\n\ns3 = boto3.client('s3')\nsqs = boto3.client('sqs')\ntable = boto3.resource('dynamodb').Table(os.environ['TABLE'])\n\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "def step%d(event):\n    key = f\"items/{event['id']}/%d.json\"\n    obj = s3.get_object(Bucket='bucket-%d', Key=key)\n    table.put_item(Item={'id': event['id'], 'n': %d})\n    if event.get('notify'):\n        sqs.send_message(QueueUrl=os.environ['QUEUE'], MessageBody=str(obj))\n    return obj\n\n", i, i, i%7, i)
	}
	b.WriteString("def handler(event, context):\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    step%d(event)\n", i)
	}
	return b.String()
}

func genJS(n int) string {
	var b strings.Builder
	b.WriteString("const { S3Client, GetObjectCommand } = require('@aws-sdk/client-s3');\nconst { DynamoDBDocumentClient, PutCommand } = require('@aws-sdk/lib-dynamodb');\nconst { DynamoDBClient } = require('@aws-sdk/client-dynamodb');\nconst s3 = new S3Client({});\nconst ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));\n\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "async function step%d(event) {\n  const key = `items/${event.id}/%d.json`;\n  const obj = await s3.send(new GetObjectCommand({ Bucket: 'bucket-%d', Key: key }));\n  await ddb.send(new PutCommand({ TableName: process.env.TABLE, Item: { id: event.id, n: %d } }));\n  return obj;\n}\n\n", i, i, i%7, i)
	}
	b.WriteString("exports.handler = async (event) => {\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  await step%d(event);\n", i)
	}
	b.WriteString("};\n")
	return b.String()
}

func genGo(n int) string {
	var b strings.Builder
	b.WriteString("package main\n\nimport (\n\t\"context\"\n\t\"os\"\n\n\t\"github.com/aws/aws-lambda-go/lambda\"\n\t\"github.com/aws/aws-sdk-go-v2/aws\"\n\t\"github.com/aws/aws-sdk-go-v2/service/dynamodb\"\n\t\"github.com/aws/aws-sdk-go-v2/service/s3\"\n)\n\ntype h struct {\n\tdb *dynamodb.Client\n\tst *s3.Client\n}\n\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "func (x *h) step%d(ctx context.Context) error {\n\tif _, err := x.st.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(\"bucket-%d\"), Key: aws.String(\"k\")}); err != nil {\n\t\treturn err\n\t}\n\t_, err := x.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(os.Getenv(\"TABLE\"))})\n\treturn err\n}\n\n", i, i%7)
	}
	b.WriteString("func (x *h) handle(ctx context.Context) error {\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "\tx.step%d(ctx)\n", i)
	}
	b.WriteString("\treturn nil\n}\n\nfunc main() { lambda.Start((&h{db: dynamodb.NewFromConfig(cfg), st: s3.NewFromConfig(cfg)}).handle) }\n")
	return b.String()
}

// BenchmarkExtract measures extraction and mapping (parsing included, then
// excluded via a pre-parsed module) on large generated handlers, and
// reports lines per second.
func BenchmarkExtract(b *testing.B) {
	const n = 1000
	langs := []struct {
		name, file, runtime, handler, src string
	}{
		{"python", "app.py", "python3.12", "app.handler", genPython(n)},
		{"javascript", "index.js", "nodejs20.x", "index.handler", genJS(n)},
		{"go", "fn/main.go", "provided.al2023", "bootstrap", genGo(n)},
	}
	for _, l := range langs {
		lines := strings.Count(l.src, "\n")
		root := project(b, map[string]string{l.file: l.src})
		codePath := ""
		if l.name == "go" {
			codePath = "fn"
		}
		f := function(l.runtime, l.handler, codePath, model.EnvVar{Name: "TABLE", Value: model.Str("orders", model.Pos{})})
		app := &model.App{Functions: []*model.Function{f}}
		idx := model.NewIndex(app)
		mod, err := code.ParseFile(l.file, []byte(l.src))
		if err != nil {
			b.Fatal(err)
		}
		pre := func(string) (*ir.Module, error) { return mod, nil }
		if u := AnalyzeFunction(root, app, idx, f, pre); len(u.Calls) < 2*n {
			b.Fatalf("%s: %d calls, want at least %d (notes %v)", l.name, len(u.Calls), 2*n, u.Notes)
		}
		b.Run(l.name+"/parse", func(b *testing.B) {
			for b.Loop() {
				if _, err := code.ParseFile(l.file, []byte(l.src)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
		})
		b.Run(l.name+"/parse+extract+map", func(b *testing.B) {
			for b.Loop() {
				AnalyzeFunction(root, app, idx, f, nil)
			}
			b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
		})
		b.Run(l.name+"/extract+map", func(b *testing.B) {
			for b.Loop() {
				AnalyzeFunction(root, app, idx, f, pre)
			}
			b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}
