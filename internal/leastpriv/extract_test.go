package leastpriv

import (
	"reflect"
	"sort"
	"strings"
	"testing"
)

// callKeys lists "Service.Op" of the calls, sorted.
func callKeys(u *Usage) []string {
	var out []string
	for _, c := range u.Calls {
		out = append(out, c.Key())
	}
	sort.Strings(out)
	return out
}

// param returns a call's parameter, shown as the code builds it.
func param(t *testing.T, u *Usage, key, name string) string {
	t.Helper()
	for _, c := range u.Calls {
		if c.Key() == key {
			return c.Params[strings.ToLower(name)].String()
		}
	}
	t.Fatalf("no call %s in %v", key, callKeys(u))
	return ""
}

func TestExtractPython(t *testing.T) {
	root := project(t, map[string]string{
		"src/app.py": `import os
import boto3
from boto3 import client as make_client
from lib.store import save

session = boto3.session.Session(region_name="eu-west-1")
s3 = boto3.client("s3")
sqs = session.client("sqs")
table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
ssm = make_client(service_name="ssm")
QUEUE = os.getenv("QUEUE_URL")


class Archive:
    def __init__(self):
        self.bucket = boto3.resource("s3").Bucket("archive")

    def store(self, key):
        self.bucket.upload_file("/tmp/x", key)


def handler(event, context):
    s3.get_object(Bucket="uploads", Key=event["key"])
    table.get_item(Key={"id": "1"})
    table.query(KeyConditionExpression="pk = :p")
    with table.batch_writer() as batch:
        batch.put_item(Item={})
    sqs.send_message(QueueUrl=QUEUE, MessageBody="x")
    ssm.get_parameter(Name=os.environ.get("PARAM"))
    paginator = s3.get_paginator("list_objects_v2")
    Archive().store("k")
    save()
    for page in paginator.paginate(Bucket="uploads"):
        pass


def never_called():
    s3.delete_bucket(Bucket="uploads")
`,
		"src/lib/store.py": `import boto3

sns = boto3.client("sns")


def save():
    sns.publish(TopicArn="arn:aws:sns:eu-west-1:123456789012:saved", Message="x")
`,
	})
	u := analyse(t, root, function("python3.12", "app.handler", "src"))
	want := []string{"DynamoDB.BatchWriteItem", "DynamoDB.GetItem", "DynamoDB.Query", "S3.GetObject", "S3.ListObjectsV2", "S3.PutObject", "SNS.Publish", "SQS.SendMessage", "SSM.GetParameter"}
	if got := callKeys(u); !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %v\nwant %v", got, want)
	}
	if got := param(t, u, "S3.GetObject", "Bucket"); got != "uploads" {
		t.Errorf("S3.GetObject Bucket = %q", got)
	}
	if got := param(t, u, "DynamoDB.GetItem", "TableName"); got != "${env:TABLE}" {
		t.Errorf("Table() name = %q, want the env var", got)
	}
	if got := param(t, u, "SQS.SendMessage", "QueueUrl"); got != "${env:QUEUE_URL}" {
		t.Errorf("QueueUrl through a module constant = %q", got)
	}
	if got := param(t, u, "SSM.GetParameter", "Name"); got != "${env:PARAM}" {
		t.Errorf("os.environ.get = %q", got)
	}
	if got := param(t, u, "S3.PutObject", "Bucket"); got != "archive" {
		t.Errorf("Bucket resource name through self = %q", got)
	}
	if !u.Complete() {
		t.Errorf("analysis incomplete: %v %v", u.Notes, u.Unmapped)
	}
}

func TestExtractPythonDynamicServiceIsIncomplete(t *testing.T) {
	root := project(t, map[string]string{"app.py": `import boto3

def handler(event, context):
    boto3.client(event["svc"]).list_tables()
`})
	u := analyse(t, root, function("python3.12", "app.handler", ""))
	if u.Complete() {
		t.Fatalf("a client for a service chosen at run time must make the analysis incomplete: %+v", u)
	}
	if len(u.Unmapped) != 1 || !strings.Contains(u.Unmapped[0].Reason, "run time") {
		t.Errorf("unmapped = %+v", u.Unmapped)
	}
}

func TestExtractJavaScript(t *testing.T) {
	root := project(t, map[string]string{
		"index.js": `const AWS = require('aws-sdk');
const S3 = require('aws-sdk/clients/s3');
const { DynamoDBClient, QueryCommand } = require('@aws-sdk/client-dynamodb');
const { DynamoDBDocumentClient, GetCommand, PutCommand } = require('@aws-sdk/lib-dynamodb');
const { SecretsManagerClient, GetSecretValueCommand } = require('@aws-sdk/client-secrets-manager');
const { SFNClient, StartExecutionCommand } = require('@aws-sdk/client-sfn');
const helpers = require('./lib/helpers');

const { TABLE } = process.env;
const doc = new AWS.DynamoDB.DocumentClient();
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const sm = new SecretsManagerClient({});

exports.handler = async (event) => {
  await new AWS.S3().getObject({ Bucket: process.env.BUCKET, Key: 'k' }).promise();
  await new S3().putObject({ Bucket: 'out', Key: event.key, Body: '' }).promise();
  await doc.get({ TableName: TABLE, Key: {} }).promise();
  await ddb.send(new PutCommand({ TableName: process.env['TABLE'], Item: {} }));
  const cmd = new GetCommand({ TableName: TABLE, Key: {} });
  await ddb.send(cmd);
  await ddb.send(new QueryCommand({ TableName: 'orders', IndexName: 'byCustomer' }));
  await sm.send(new GetSecretValueCommand({ SecretId: 'prod/db' }));
  await Promise.all(event.items.map(async (i) => new SFNClient({}).send(new StartExecutionCommand({ stateMachineArn: process.env.SM }))));
  await helpers.audit();
};

exports.other = async () => { await new AWS.Lambda().invoke({ FunctionName: 'x' }).promise(); };
`,
		"lib/helpers.js": `import { SNSClient, PublishCommand } from '@aws-sdk/client-sns';
const sns = new SNSClient({});
export async function audit() {
  await sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:eu-west-1:123456789012:audit', Message: 'x' }));
}
`,
	})
	u := analyse(t, root, function("nodejs20.x", "index.handler", ""))
	want := []string{"DynamoDB.GetItem", "DynamoDB.GetItem", "DynamoDB.PutItem", "DynamoDB.Query", "S3.GetObject", "S3.PutObject", "SNS.Publish", "SecretsManager.GetSecretValue", "StepFunctions.StartExecution"}
	if got := callKeys(u); !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %v\nwant %v", got, want)
	}
	if got := param(t, u, "S3.GetObject", "Bucket"); got != "${env:BUCKET}" {
		t.Errorf("v2 Bucket = %q", got)
	}
	if got := param(t, u, "DynamoDB.PutItem", "TableName"); got != "${env:TABLE}" {
		t.Errorf("v3 lib-dynamodb TableName = %q", got)
	}
	if got := param(t, u, "StepFunctions.StartExecution", "stateMachineArn"); got != "${env:SM}" {
		t.Errorf("inline callback: stateMachineArn = %q", got)
	}
	if !u.Complete() {
		t.Errorf("analysis incomplete: %v %v", u.Notes, u.Unmapped)
	}
}

func TestExtractTypeScriptESM(t *testing.T) {
	root := project(t, map[string]string{
		"src/handler.ts": `import { S3Client, GetObjectCommand } from "@aws-sdk/client-s3";
import type { S3Event } from "aws-lambda";

const s3 = new S3Client({});

export const main = async (event: S3Event): Promise<void> => {
  const bucket: string = process.env.BUCKET as string;
  await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "a" }));
};
`,
	})
	u := analyse(t, root, function("nodejs20.x", "src/handler.main", ""))
	if got := callKeys(u); !reflect.DeepEqual(got, []string{"S3.GetObject"}) {
		t.Fatalf("calls = %v (notes %v)", got, u.Notes)
	}
	if got := param(t, u, "S3.GetObject", "Bucket"); got != "${env:BUCKET}" {
		t.Errorf("Bucket = %q", got)
	}
}

// TestBuiltOutputHandler checks that the extraction reads the file code
// analysis reads: a handler naming tsc's output directory (not in the
// repository) is its TypeScript source, found by internal/code's locator.
func TestBuiltOutputHandler(t *testing.T) {
	root := project(t, map[string]string{
		"svc/src/api.ts": `import { S3Client, GetObjectCommand } from "@aws-sdk/client-s3";
const s3 = new S3Client({});
export const handler = async () => { await s3.send(new GetObjectCommand({ Bucket: "b", Key: "k" })); };
`,
	})
	u := analyse(t, root, function("nodejs20.x", "dist/api.handler", "svc"))
	if got := callKeys(u); !u.Located || !reflect.DeepEqual(got, []string{"S3.GetObject"}) {
		t.Fatalf("calls = %v located %v (notes %v)", got, u.Located, u.Notes)
	}
}

func TestExtractGo(t *testing.T) {
	root := project(t, map[string]string{
		"fn/main.go": `package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	sfn "github.com/aws/aws-sdk-go-v2/service/sfn"
)

type app struct{ db *dynamodb.Client }

func (a *app) handle(ctx context.Context) error {
	cfg, _ := config.LoadDefaultConfig(ctx)
	c := s3.NewFromConfig(cfg)
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(os.Getenv("BUCKET")), Key: aws.String("k")}); err != nil {
		return err
	}
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("logs")})
	_ = p
	_, err := a.db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("orders")})
	start(ctx, cfg)
	return err
}
`,
		"fn/other.go": `package main

func start(ctx context.Context, cfg aws.Config) {
	sfn.NewFromConfig(cfg).StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(os.Getenv("SM"))})
}

func main() {
	lambda.Start((&app{db: dynamodb.NewFromConfig(cfg)}).handle)
}
`,
		"fn/main_test.go": `package main

func TestX(t *testing.T) { s3.NewFromConfig(cfg).DeleteBucket(nil, nil) }
`,
	})
	u := analyse(t, root, function("provided.al2023", "bootstrap", "fn"))
	want := []string{"DynamoDB.Query", "S3.GetObject", "S3.ListObjectsV2", "StepFunctions.StartExecution"}
	if got := callKeys(u); !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %v\nwant %v (notes %v)", got, want, u.Notes)
	}
	if got := param(t, u, "S3.GetObject", "Bucket"); got != "${env:BUCKET}" {
		t.Errorf("Bucket = %q", got)
	}
	if got := param(t, u, "DynamoDB.Query", "TableName"); got != "orders" {
		t.Errorf("TableName through a struct field client = %q", got)
	}
}

func TestHandlerNotFoundIsIncomplete(t *testing.T) {
	root := project(t, map[string]string{"app.py": "import boto3\n\ndef other(e, c):\n    boto3.client('s3').get_object(Bucket='b', Key='k')\n"})
	u := analyse(t, root, function("python3.12", "app.handler", ""))
	if !u.Located || u.Complete() || len(u.Calls) != 0 {
		t.Errorf("missing handler: located=%v complete=%v calls=%v notes=%v", u.Located, u.Complete(), callKeys(u), u.Notes)
	}
}

func TestCodeNotFound(t *testing.T) {
	root := project(t, map[string]string{"template.yaml": ""})
	u := analyse(t, root, function("python3.12", "app.handler", ""))
	if u.Located || u.Complete() || len(u.Notes) == 0 {
		t.Errorf("missing code: %+v", u)
	}
}

func TestExtractLazyClients(t *testing.T) {
	root := project(t, map[string]string{
		"index.mjs": `import { S3 } from '@aws-sdk/client-s3';
let client;
function s3() {
  if (!client) client = new S3({});
  return client;
}
export const handler = async () => {
  await s3().getObject({ Bucket: 'b', Key: 'k' });
};
`,
		"fn/main.go": `package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

var queue *sqs.Client

func init() {
	queue = sqs.NewFromConfig(cfg)
}

func handle(ctx context.Context) error {
	_, err := queue.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String("https://sqs.eu-west-1.amazonaws.com/123456789012/jobs")})
	return err
}

func main() { lambda.Start(handle) }
`,
	})
	if got := callKeys(analyse(t, root, function("nodejs20.x", "index.handler", ""))); !reflect.DeepEqual(got, []string{"S3.GetObject"}) {
		t.Errorf("lazy JS v3 aggregated client: calls = %v", got)
	}
	u := analyse(t, root, function("go1.x", "main", "fn"))
	if got := callKeys(u); !reflect.DeepEqual(got, []string{"SQS.SendMessage"}) {
		t.Errorf("Go client set in init: calls = %v", got)
	}
	if got := usesOf(u); !reflect.DeepEqual(got, []string{"sqs:SendMessage arn:aws:sqs:*:*:jobs"}) {
		t.Errorf("queue from its URL: %v", got)
	}
}

func TestExtractGoV1AndWrappers(t *testing.T) {
	root := project(t, map[string]string{
		"v1/main.go": `package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/aws/aws-sdk-go/service/s3"
)

var svc = s3.New(session.Must(session.NewSession()))

func handle(ctx context.Context) error {
	_, err := svc.GetObjectWithContext(ctx, &s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String("k")})
	svc.ListObjectsV2Pages(&s3.ListObjectsV2Input{Bucket: aws.String("b")}, nil)
	return err
}

func main() { lambda.Start(handle) }
`,
		"py/app.py":   "import boto3\nfrom aws_lambda_powertools.utilities import parameters\n\ndef handler(e, c):\n    boto3.client('s3').get_object(Bucket='b', Key='k')\n    return parameters.get_parameter('/x')\n",
		"js/index.js": "const dynamoose = require('dynamoose');\nexports.handler = async () => dynamoose.model('x').get('1');\n",
	})
	u := analyse(t, root, function("go1.x", "main", "v1"))
	if got := callKeys(u); !reflect.DeepEqual(got, []string{"S3.GetObject", "S3.ListObjectsV2"}) {
		t.Errorf("aws-sdk-go v1 calls = %v (notes %v)", got, u.Notes)
	}
	if got := param(t, u, "S3.GetObject", "Bucket"); got != "b" {
		t.Errorf("v1 WithContext input = %q", got)
	}
	for _, c := range []struct{ rt, dir string }{{"python3.12", "py"}, {"nodejs20.x", "js"}} {
		u := analyse(t, root, function(c.rt, map[string]string{"py": "app.handler", "js": "index.handler"}[c.dir], c.dir))
		if u.Complete() || len(u.Notes) != 1 || !strings.Contains(u.Notes[0], "calls AWS itself") {
			t.Errorf("%s: a library that calls AWS must make the analysis incomplete: %v", c.dir, u.Notes)
		}
	}
}

func TestExtractCommonJSObjectExports(t *testing.T) {
	root := project(t, map[string]string{
		"index.js": `const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
const { saveOrder } = require('./db');
const sqs = new SQSClient({});
async function createOrder(event) {
  await saveOrder(JSON.parse(event.body));
  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: event.body }));
}
async function listOrders() {}
module.exports = { createOrder, listOrders };
`,
		"db.js": `const AWS = require('aws-sdk');
const db = new AWS.DynamoDB.DocumentClient();
module.exports.saveOrder = (order) => db.put({ TableName: 'orders', Item: order }).promise();
`,
	})
	u := analyse(t, root, function("nodejs20.x", "index.createOrder", ""))
	if got := callKeys(u); !reflect.DeepEqual(got, []string{"DynamoDB.PutItem", "SQS.SendMessage"}) {
		t.Errorf("calls = %v (notes %v)", got, u.Notes)
	}
	if u := analyse(t, root, function("nodejs20.x", "index.listOrders", "")); len(u.Calls) != 0 || !u.Complete() {
		t.Errorf("listOrders: calls %v notes %v", callKeys(u), u.Notes)
	}
}
