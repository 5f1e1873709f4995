package secrets

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// mixedProject generates about size bytes of a serverless project: Python
// and Node handlers, TypeScript, Go, YAML and JSON configuration, Terraform
// and .env files of 2-8 KB each, one secret in about every tenth file.
func mixedProject(size int) map[string]string {
	py := `import json
import os

import boto3

TABLE = os.environ["TABLE_NAME"]
dynamodb = boto3.resource("dynamodb")


def handler_%d(event, context):
    body = json.loads(event.get("body") or "{}")
    item = {"id": body.get("id"), "api_version": "2024-01-01", "token_ttl": 3600}
    dynamodb.Table(TABLE).put_item(Item=item)
    return {"statusCode": 200, "body": json.dumps({"ok": True, "key": item["id"]})}

`
	js := `const { DynamoDBClient, PutItemCommand } = require("@aws-sdk/client-dynamodb");
const client = new DynamoDBClient({});
const apiKeyHeader = "x-api-key";

exports.handler%d = async (event) => {
  const body = JSON.parse(event.body || "{}");
  const secretName = process.env.SECRET_NAME;
  await client.send(new PutItemCommand({ TableName: process.env.TABLE, Item: { id: { S: body.id } } }));
  return { statusCode: 200, body: JSON.stringify({ ok: true, secretName, apiKeyHeader }) };
};

`
	yml := `  fn%d:
    handler: src/handler.main
    environment:
      TABLE_NAME: orders-${sls:stage}
      API_KEY_PARAM: /orders/api-key
      TOKEN_SECRET_ARN: arn:aws:secretsmanager:us-east-1:123456789012:secret:orders
    events:
      - httpApi: POST /orders/%d

`
	tf := `resource "aws_lambda_function" "fn%d" {
  function_name = "fn%d"
  role          = aws_iam_role.fn.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  environment {
    variables = {
      TABLE = aws_dynamodb_table.orders.name
    }
  }
}

`
	secretsFor := []string{
		`STRIPE = "` + stripeLive + `"` + "\n",
		`DSN = "postgres://app:` + dbPassword + `@db/orders"` + "\n",
		`JWT_SECRET = "` + jwtSecret + `"` + "\n",
		`GH = "` + githubPAT + `"` + "\n",
	}
	kinds := []struct {
		ext, unit string
	}{{".py", py}, {".js", js}, {".ts", js}, {".yml", yml}, {".tf", tf}, {".go", js}, {".json", `{"name": "orders-%d", "version": "1.0.%d", "apiVersion": "v1"},` + "\n"}}
	files := map[string]string{}
	total, n := 0, 0
	for total < size {
		k := kinds[n%len(kinds)]
		var b strings.Builder
		target := 2048 + (n*1931)%6144
		for i := 0; b.Len() < target; i++ {
			if strings.Count(k.unit, "%d") == 2 {
				fmt.Fprintf(&b, k.unit, i, i)
			} else {
				fmt.Fprintf(&b, k.unit, i)
			}
		}
		if n%10 == 0 {
			b.WriteString(secretsFor[(n/10)%len(secretsFor)])
		}
		name := fmt.Sprintf("svc%d/src/file%d%s", n%8, n, k.ext)
		files[name] = b.String()
		total += b.Len()
		n++
	}
	files["svc0/.env"] = "TABLE=orders\nJWT_SECRET=" + jwtSecret + "\n"
	files["svc0/package-lock.json"] = strings.Repeat(`{"integrity": "sha512-PRp66vJ865SSqOlgqS8hujT5U4AOgMfhrwYIuIhfKaoSCZcirrmASQr8CX7cUg+RMih+hgznrjp99o+W4pJLHQ=="},`+"\n", 200)
	return files
}

// BenchmarkScanMixedProject scans a generated 1 MB project end to end:
// walk, read through source.Root, detect, locate, redact, attribute.
// MB/s is the throughput; ns/file the cost per scanned file.
func BenchmarkScanMixedProject(b *testing.B) {
	files := mixedProject(1 << 20)
	dir := writeTree(b, files)
	root, err := source.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer root.Close()
	if _, err := New(); err != nil { // rule compilation is a one-off, not per scan
		b.Fatal(err)
	}
	var st Stats
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		app := &model.App{}
		st, err = ScanWith(context.Background(), root, app, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(app.Secrets) == 0 {
			b.Fatal("no secret found in the generated project")
		}
	}
	b.SetBytes(int64(st.Bytes))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(st.Files), "ns/file")
	b.ReportMetric(float64(st.Files), "files")
}
