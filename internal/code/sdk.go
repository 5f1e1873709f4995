package code

import (
	"strings"
	"unicode"
)

// AWS SDK calls, recorded as the SDK-to-IAM map's "Service.Operation" keys
// (S3.GetObject) in CodeFacts.SDKActions, for least-privilege analysis to
// map to IAM actions. Clients are recognised from boto3.client/resource
// (and Table/Object/Bucket resources), AWS SDK for JavaScript v2 (new
// AWS.S3(), DocumentClient) and v3 (client.send(new GetObjectCommand())),
// and aws-sdk-go-v2 (s3.NewFromConfig(cfg).GetObject).

var sdkByNorm = func() map[string]string {
	m := map[string]string{}
	for _, s := range sdkServices {
		m[normService(s)] = s
	}
	// boto3 and JS v3 package names that differ from the SDK name.
	for k, v := range map[string]string{"events": "EventBridge", "logs": "CloudWatchLogs", "sfn": "StepFunctions",
		"states": "StepFunctions", "cognitoidp": "CognitoIdentityServiceProvider", "rdsdata": "RDSDataService",
		"monitoring": "CloudWatch", "apigatewayv2": "ApiGatewayV2", "dynamodbstreams": "DynamoDBStreams",
		"elbv2": "ELBv2", "elasticloadbalancingv2": "ELBv2", "libdynamodb": "DynamoDB#doc"} {
		m[k] = v
	}
	return m
}()

func normService(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// sdkService maps a client name as code writes it ("s3", "cognito-idp",
// "client-s3", "S3") to the SDK service name, or "".
func sdkService(name string) string {
	name = strings.TrimPrefix(name, "client-")
	return sdkByNorm[normService(name)]
}

// pascal turns get_object and getObject into GetObject.
func pascal(op string) string {
	var b strings.Builder
	up := true
	for _, r := range op {
		if r == '_' || r == '-' {
			up = true
			continue
		}
		if up {
			b.WriteRune(unicode.ToUpper(r))
			up = false
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// docOps maps DynamoDB document-client operations (boto3 Table, JS v2
// DocumentClient, JS v3 lib-dynamodb commands) to the DynamoDB API.
var docOps = map[string]string{
	"get": "GetItem", "put": "PutItem", "update": "UpdateItem", "delete": "DeleteItem", "query": "Query", "scan": "Scan",
	"batchGet": "BatchGetItem", "batchWrite": "BatchWriteItem", "transactGet": "TransactGetItems",
	"transactWrite": "TransactWriteItems", "get_item": "GetItem", "put_item": "PutItem", "update_item": "UpdateItem",
	"delete_item": "DeleteItem", "batch_writer": "BatchWriteItem", "Get": "GetItem", "Put": "PutItem", "Update": "UpdateItem",
	"Delete": "DeleteItem", "Query": "Query", "Scan": "Scan", "BatchGet": "BatchGetItem", "BatchWrite": "BatchWriteItem",
	"TransactGet": "TransactGetItems", "TransactWrite": "TransactWriteItems", "ExecuteStatement": "ExecuteStatement",
}

// s3Transfer maps managed-transfer helpers to the S3 operations they use.
var s3Transfer = map[string]string{
	"upload_file": "PutObject", "upload_fileobj": "PutObject", "download_file": "GetObject", "download_fileobj": "GetObject",
	"get": "GetObject", "put": "PutObject", "delete": "DeleteObject", "put_object": "PutObject", "copy": "CopyObject",
}

// sdkClient returns the SDK service a library call creates a client for,
// or "".
func (a *analyzer) sdkClient(s *sinkCall) string {
	q := s.q
	switch q {
	case "boto3.client", "boto3.Session.client", "boto3.session.Session.client", "aioboto3.Session.client":
		if v := s.argOrKw(0, "service_name"); v != nil {
			if n, ok := v.str(); ok {
				return sdkService(n)
			}
		}
		return ""
	case "boto3.resource", "boto3.Session.resource", "boto3.session.Session.resource":
		if v := s.argOrKw(0, "service_name"); v != nil {
			if n, ok := v.str(); ok {
				if svc := sdkService(n); svc != "" {
					return svc + "#resource"
				}
			}
		}
		return ""
	}
	mod, fn := splitQ(q)
	switch {
	case strings.HasPrefix(q, "aws-sdk.") && s.call.New:
		// new AWS.S3(), new AWS.DynamoDB.DocumentClient()
		if fn == "DocumentClient" {
			return "DynamoDB#doc"
		}
		return sdkService(strings.TrimPrefix(q, "aws-sdk."))
	case strings.HasPrefix(q, "aws-sdk.clients.") && s.call.New:
		return sdkService(strings.TrimPrefix(mod, "aws-sdk.clients."))
	case strings.HasPrefix(mod, "@aws-sdk.client-") && strings.HasSuffix(fn, "Client"):
		// require() names are dotted: @aws-sdk/client-s3 is @aws-sdk.client-s3.
		return sdkService(strings.TrimPrefix(mod, "@aws-sdk."))
	case strings.HasPrefix(mod, "@aws-sdk.lib-dynamodb"):
		return "DynamoDB#doc"
	case strings.HasPrefix(mod, "github.com/aws/aws-sdk-go-v2/service/") && (fn == "NewFromConfig" || fn == "New"):
		return sdkService(strings.TrimPrefix(mod, "github.com/aws/aws-sdk-go-v2/service/"))
	}
	return ""
}

// sdkMethod records a method call on an SDK client and returns the SDK
// service of the object it returns, if any (a boto3 Table, an S3 Object).
func (a *analyzer) sdkMethod(s *sinkCall, client string) string {
	svc, kind, _ := strings.Cut(client, "#")
	m := s.method
	record := func(op string) {
		if op != "" {
			a.sdk[svc+"."+op] = true
		}
	}
	if m == "send" {
		// JS v3: client.send(new GetObjectCommand(...)).
		if c := s.arg(0); c != nil && strings.HasSuffix(c.q, "Command()") {
			_, cmd := splitQ(strings.TrimSuffix(c.q, "()"))
			cmd = strings.TrimSuffix(cmd, "Command")
			if kind == "doc" {
				record(docOps[cmd])
			} else {
				record(cmd)
			}
		}
		return ""
	}
	switch kind {
	case "resource":
		switch m {
		case "Table":
			return "DynamoDB#table"
		case "Object", "Bucket":
			return "S3#" + strings.ToLower(m)
		case "meta":
			return ""
		}
		return ""
	case "table", "doc":
		record(docOps[m])
		return ""
	case "object", "bucket":
		record(s3Transfer[m])
		return ""
	}
	switch m {
	case "promise", "meta", "exceptions", "get_waiter", "close", "destroy", "middlewareStack", "config":
		return ""
	case "get_paginator", "getPaginator":
		if v := s.arg(0); v != nil {
			if n, ok := v.str(); ok {
				record(pascal(n))
			}
		}
		return ""
	case "generate_presigned_url":
		if v := s.argOrKw(0, "ClientMethod"); v != nil {
			if n, ok := v.str(); ok {
				record(pascal(n))
			}
		}
		return ""
	}
	if svc == "S3" {
		if op, ok := s3Transfer[m]; ok && strings.Contains(m, "_") {
			record(op)
			return ""
		}
	}
	record(pascal(m))
	return ""
}
