//go:build cgo

package code

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/source"
)

func TestSDKActions(t *testing.T) {
	root, err := source.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	py := `import os
import boto3

s3 = boto3.client("s3")
table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
session = boto3.Session()

def handler(event, context):
    s3.get_object(Bucket="b", Key="k")
    s3.upload_file("/tmp/x", "b", "k")
    table.put_item(Item={})
    table.query(KeyConditionExpression="x")
    session.client("secretsmanager").get_secret_value(SecretId="s")
    boto3.client("sqs").send_message(QueueUrl="q", MessageBody="m")
    pages = s3.get_paginator("list_objects_v2")
    boto3.resource("s3").Object("b", "k").put(Body=b"")
`
	if got := strings.Join(analyzeSource(t, root, "h.py", "python", []byte(py)).SDKActions, " "); got !=
		"DynamoDB.PutItem DynamoDB.Query S3.GetObject S3.ListObjectsV2 S3.PutObject SQS.SendMessage SecretsManager.GetSecretValue" {
		t.Errorf("python SDK actions: %s", got)
	}
	js := `const AWS = require('aws-sdk');
const { S3Client, GetObjectCommand } = require('@aws-sdk/client-s3');
const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
const { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } = require('@aws-sdk/lib-dynamodb');
const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');

const s3 = new S3Client({});
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const v2 = new AWS.DynamoDB.DocumentClient();

exports.handler = async (event) => {
  await s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }));
  await doc.send(new GetCommand({ TableName: 't', Key: {} }));
  await doc.send(new TransactWriteCommand({ TransactItems: [] }));
  await new SQSClient({}).send(new SendMessageCommand({}));
  await v2.scan({ TableName: 't' }).promise();
  await new AWS.SNS().publish({ TopicArn: 'x', Message: 'm' }).promise();
};
`
	if got := strings.Join(analyzeSource(t, root, "h.js", "javascript", []byte(js)).SDKActions, " "); got !=
		"DynamoDB.GetItem DynamoDB.Scan DynamoDB.TransactWriteItems S3.GetObject SNS.Publish SQS.SendMessage" {
		t.Errorf("javascript SDK actions: %s", got)
	}
}

func TestSDKActionsGo(t *testing.T) {
	dir := t.TempDir()
	src := `package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func handle(ctx context.Context, e map[string]any) error {
	cfg, _ := config.LoadDefaultConfig(ctx)
	client := s3.NewFromConfig(cfg)
	client.GetObject(ctx, &s3.GetObjectInput{})
	dynamodb.NewFromConfig(cfg).PutItem(ctx, &dynamodb.PutItemInput{})
	return nil
}

func main() { lambda.Start(handle) }
`
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := source.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	a := newAnalyzer(t.Context(), &cache{root: root, files: map[string]*parsed{}}, testFunction(), &location{lang: "go", codeDir: ".", file: "."})
	facts, msg := a.run()
	if facts == nil {
		t.Fatal(msg)
	}
	if got := strings.Join(facts.SDKActions, " "); got != "DynamoDB.PutItem S3.GetObject" {
		t.Errorf("go SDK actions: %s", got)
	}
}
