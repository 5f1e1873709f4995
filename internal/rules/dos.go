package rules

import (
	"fmt"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/model"
)

// SAS-8: denial of service and financial resource exhaustion.

// apiGatewayTimeout is API Gateway's maximum integration timeout.
const apiGatewayTimeout = 29

var _ = register(&analysis.Rule{
	ID:       "WAR-DOS-001",
	Title:    "API-triggered function runs longer than API Gateway waits",
	SAS:      "SAS-8",
	CWE:      []string{"CWE-400"},
	Severity: analysis.Medium,
	Doc: "API Gateway gives up on an integration after 29 seconds, but the function keeps running, and billing, until its own timeout. " +
		"An attacker who finds a slow request can run many such invocations for the price of a few HTTP calls.",
	Fix: "Set the function timeout to 29 seconds or less, and move long work to an asynchronous path (a queue).",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "Timeout: 10"},
		{Framework: model.Serverless, Code: "functions:\n  getOrder:\n    handler: orders.get\n    timeout: 10 # API Gateway gives up after 29 s\n    events:\n      - httpApi:\n          path: /orders/{id}\n          method: get"},
		{Framework: model.Terraform, Code: "resource \"aws_lambda_function\" \"get_order\" {\n  function_name = \"get-order\"\n  role          = aws_iam_role.get_order.arn\n  runtime       = \"python3.12\"\n  handler       = \"orders.get\"\n  filename      = \"orders.zip\"\n  timeout       = 10 # API Gateway gives up after 29 s\n}"},
	},
	Frameworks: []model.Framework{model.SAM, model.CloudFormation, model.Serverless, model.Terraform},
	Run: func(p *analysis.Pass) {
		for _, f := range functions(p) {
			if f.Provider != model.AWS {
				continue
			}
			n, ok := f.TimeoutSec.Int()
			if !ok || n <= apiGatewayTimeout {
				continue
			}
			for _, t := range f.Triggers {
				if t.Kind == model.TriggerHTTP && t.Type != "alb" {
					p.Report(analysis.Finding{Pos: f.TimeoutSec.PosOr(f.Pos), Anchor: f.Pos, FunctionID: f.ID, Subject: subject(f.ID, "timeout"),
						Related: []analysis.Location{{Pos: t.Pos, Message: routeName(t)}},
						Message: fmt.Sprintf("function %s has a %d s timeout but is served by API Gateway, which stops waiting after %d s", fnLabel(f), n, apiGatewayTimeout)})
					break
				}
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-DOS-002",
	Title:    "Queue or stream trigger has no dead-letter or on-failure destination",
	SAS:      "SAS-8",
	CWE:      []string{"CWE-400", "CWE-755"},
	Severity: analysis.Medium,
	Doc: "A message the function cannot process is retried: from a queue until it expires, from a stream until it ages out, blocking the " +
		"shard behind it. One poisoned message can stall processing and burn invocations. A dead-letter queue (SQS redrive policy) or an " +
		"on-failure destination (streams) takes it out of the loop and keeps it for inspection.",
	Fix: "Give the SQS queue a RedrivePolicy with a dead-letter queue; give Kinesis/DynamoDB stream mappings DestinationConfig.OnFailure, MaximumRetryAttempts and BisectBatchOnFunctionError.",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "RedrivePolicy:\n  deadLetterTargetArn: !GetAtt OrdersDlq.Arn\n  maxReceiveCount: 5"},
		{Framework: model.Serverless, Code: "functions:\n  worker:\n    handler: app.handler\n    events:\n      - sqs:\n          arn: !GetAtt OrdersQueue.Arn\n      - stream:\n          type: kinesis\n          arn: arn:aws:kinesis:eu-west-1:123456789012:stream/clicks\n          maximumRetryAttempts: 3\n          bisectBatchOnFunctionError: true\n          destinations:\n            onFailure: arn:aws:sqs:eu-west-1:123456789012:clicks-failed\nresources:\n  Resources:\n    OrdersDlq:\n      Type: AWS::SQS::Queue\n    OrdersQueue:\n      Type: AWS::SQS::Queue\n      Properties:\n        RedrivePolicy:\n          deadLetterTargetArn: !GetAtt OrdersDlq.Arn\n          maxReceiveCount: 5"},
		{Framework: model.Terraform, Code: "destination_config {\n  on_failure {\n    destination_arn = aws_sqs_queue.dlq.arn\n  }\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, f := range functions(p) {
			for _, t := range f.Triggers {
				switch t.Kind {
				case model.TriggerStream:
					if t.OnFailure.IsAbsent() {
						p.Report(analysis.Finding{Pos: t.Pos, Anchor: f.Pos, FunctionID: f.ID, Subject: subject(f.ID, "stream", t.Source.String()),
							Message: fmt.Sprintf("stream trigger of function %s has no on-failure destination: a bad record blocks the shard until it expires", fnLabel(f))})
					}
				case model.TriggerQueue:
					q := p.Index.Resources[t.SourceID]
					if q == nil || q.Kind != model.KindQueue || t.OnFailure.IsSet() {
						continue
					}
					if q.Attr(model.AttrDeadLetterTarget).IsAbsent() {
						p.Report(analysis.Finding{Pos: t.Pos, Anchor: f.Pos, FunctionID: f.ID, Subject: subject(f.ID, "queue", q.ID),
							Related: []analysis.Location{{Pos: q.Pos, Message: "queue " + q.Name + " has no RedrivePolicy"}},
							Message: fmt.Sprintf("queue %s that triggers function %s has no dead-letter queue: a poison message is retried until it expires", q.Name, fnLabel(f))})
					}
				}
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-DOS-003",
	Title:    "Public function has no concurrency limit",
	SAS:      "SAS-8",
	CWE:      []string{"CWE-770"},
	Severity: analysis.Medium,
	Doc: "A function anyone can call scales with the attacker's request rate. Without reserved concurrency it can take the whole account's " +
		"concurrency (starving every other function) and run up the bill. Reserved concurrency caps both.",
	Fix: "Set ReservedConcurrentExecutions (reservedConcurrency; reserved_concurrent_executions) to the most the function should ever need, and add authentication.",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "ReservedConcurrentExecutions: 20"},
		{Framework: model.Serverless, Code: "reservedConcurrency: 20"},
		{Framework: model.Terraform, Code: "reserved_concurrent_executions = 20"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, f := range functions(p) {
			if f.Provider != model.AWS || !f.ReservedConc.IsAbsent() {
				continue
			}
			pos, what, ok := publicEntry(f)
			if !ok {
				continue
			}
			p.Report(analysis.Finding{Pos: f.Pos, Anchor: f.Pos, FunctionID: f.ID, Subject: subject(f.ID, "concurrency"),
				Related: []analysis.Location{{Pos: pos, Message: what}},
				Message: fmt.Sprintf("function %s is publicly invokable (%s) and has no reserved concurrency", fnLabel(f), what)})
		}
	},
})
