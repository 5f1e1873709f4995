// Package testgen writes large synthetic serverless projects for benchmarks:
// a mix of SAM templates, serverless.yml services and Terraform modules with
// realistic shapes (API routes with and without auth, queues, roles with
// wildcard and scoped statements, log groups, secrets in environment
// variables), so that every rule has work to do.
package testgen

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// PerFile is how many functions each generated file holds; real templates
// rarely hold more, and it keeps per-file parallelism realistic.
const PerFile = 50

// Project writes n functions under dir, split evenly across the three
// formats, and returns how many files it wrote.
func Project(dir string, n int) (int, error) {
	files := 0
	for i := 0; i*PerFile < n; i++ {
		count := PerFile
		if rest := n - i*PerFile; rest < count {
			count = rest
		}
		var name, body string
		switch i % 3 {
		case 0:
			name, body = fmt.Sprintf("sam%04d/template.yaml", i), sam(i, count)
		case 1:
			name, body = fmt.Sprintf("sls%04d/serverless.yml", i), serverless(i, count)
		default:
			name, body = fmt.Sprintf("tf%04d/main.tf", i), terraform(i, count)
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return files, fmt.Errorf("generate %s: %w", p, err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return files, fmt.Errorf("generate %s: %w", p, err)
		}
		files++
	}
	return files, nil
}

func sam(file, n int) string {
	var b strings.Builder
	b.WriteString("Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    Runtime: python3.12\n    Timeout: 20\nResources:\n")
	for i := 0; i < n; i++ {
		auth := ""
		if i%2 == 0 {
			auth = "            Auth:\n              Authorizer: AWS_IAM\n"
		}
		fmt.Fprintf(&b, `  Queue%[1]d:
    Type: AWS::SQS::Queue
  Logs%[1]d:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: %[3]d
  Fn%[1]d:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.h%[1]d
      CodeUri: src/
      Environment:
        Variables:
          TABLE: orders-%[2]d-%[1]d
          API_TOKEN: tok%[1]dAbCdEfGhIjKlMnOpQr
      Policies:
        - SQSPollerPolicy:
            QueueName: !GetAtt Queue%[1]d.QueueName
        - Statement:
            - Effect: Allow
              Action: [s3:GetObject, dynamodb:*]
              Resource: "*"
      Events:
        Api:
          Type: Api
          Properties:
            Path: /r%[1]d
            Method: GET
%[4]s        Q:
          Type: SQS
          Properties:
            Queue: !GetAtt Queue%[1]d.Arn
`, i, file, 7+i%90, auth)
	}
	return b.String()
}

func serverless(file, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "service: svc%d\nprovider:\n  name: aws\n  runtime: nodejs18.x\n  stage: ${opt:stage, 'dev'}\n  iam:\n    role:\n      statements:\n        - Effect: Allow\n          Action: [sqs:SendMessage]\n          Resource: \"*\"\nfunctions:\n", file)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  fn%[1]d:\n    handler: src/h.f%[1]d\n    timeout: %[2]d\n    environment:\n      NAME: ${self:service}-${self:provider.stage}-%[1]d\n    events:\n      - httpApi:\n          path: /f%[1]d\n          method: post\n", i, 10+i%40)
		if i%3 == 0 {
			fmt.Fprintf(&b, "    iamRoleStatements:\n      - Effect: Allow\n        Action: [iam:PassRole]\n        Resource: \"*\"\n")
		}
	}
	return b.String()
}

func terraform(file, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "variable \"stage\" {\n  default = \"dev\"\n}\n\nlocals {\n  prefix = \"m%d-${var.stage}\"\n}\n\n", file)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `resource "aws_iam_role" "r%[1]d" {
  name               = "${local.prefix}-r%[1]d"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }] })
}

resource "aws_iam_role_policy" "p%[1]d" {
  role   = aws_iam_role.r%[1]d.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["s3:*"], Resource = "*" }] })
}

resource "aws_lambda_function" "f%[1]d" {
  function_name = "${local.prefix}-f%[1]d"
  role          = aws_iam_role.r%[1]d.arn
  runtime       = "python3.8"
  handler       = "app.h"
  filename      = "app.zip"
  timeout       = %[2]d
  environment {
    variables = {
      DB_PASSWORD = "pw-%[1]d-Xy7Qz9Lm"
    }
  }
}

resource "aws_lambda_function_url" "u%[1]d" {
  function_name      = aws_lambda_function.f%[1]d.function_name
  authorization_type = "NONE"
}

`, i, 30+i%60)
	}
	return b.String()
}
