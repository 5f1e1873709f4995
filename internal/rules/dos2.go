package rules

import (
	"fmt"
	"strings"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/iam"
	"github.com/wardensec/warden/internal/model"
)

var _ = register(&analysis.Rule{
	ID:       "WAR-DOS-004",
	Title:    "Public API stage has no throttling",
	SAS:      "SAS-8",
	CWE:      []string{"CWE-770"},
	Severity: analysis.Medium,
	Doc: "Without stage throttling, an API's only limit is the account-wide default (10,000 requests per second), shared by every API in " +
		"the Region. One flood on an unauthenticated route can exhaust it and the bill.",
	Fix: "Set stage-level throttling: DefaultRouteSettings/MethodSettings ThrottlingRateLimit and ThrottlingBurstLimit (throttling_rate_limit/burst_limit).",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "Type: AWS::Serverless::Api\nProperties:\n  StageName: prod\n  MethodSettings:\n    - ResourcePath: /*\n      HttpMethod: \"*\"\n      ThrottlingRateLimit: 50\n      ThrottlingBurstLimit: 100"},
		{Framework: model.Serverless, Code: "plugins:\n  - serverless-api-gateway-throttling\ncustom:\n  apiGatewayThrottling:\n    maxRequestsPerSecond: 50\n    maxConcurrentRequests: 100"},
		{Framework: model.Terraform, Code: "default_route_settings {\n  throttling_rate_limit  = 50\n  throttling_burst_limit = 100\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		publicAPIs := map[string]bool{}
		for _, f := range functions(p) {
			for _, t := range f.Triggers {
				if t.APIID != "" && t.IsHTTP() && !t.HasAuth() && !t.Method.Is("OPTIONS") {
					publicAPIs[t.APIID] = true
				}
			}
		}
		for _, s := range resources(p, model.KindStage) {
			api := s.Attr(model.AttrAPI).Ref
			if !publicAPIs[api] {
				continue
			}
			if s.Attr(model.AttrThrottleRate).IsAbsent() && s.Attr(model.AttrThrottleBurst).IsAbsent() {
				p.Report(analysis.Finding{Pos: s.Pos, Anchor: s.Pos, Subject: subject(s.ID, "throttle"),
					Message: fmt.Sprintf("stage %s serves unauthenticated routes without throttling", s.Name)})
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-DOS-005",
	Title:    "Function timeout is very long",
	SAS:      "SAS-8",
	CWE:      []string{"CWE-400"},
	Severity: analysis.Low,
	Doc: "Every invocation is billed for as long as it runs. A timeout far above what the function needs turns a hang, a slow dependency " +
		"or an attacker's slow input into long, expensive invocations. The threshold is settings.max_timeout_sec (default 300).",
	Fix: "Set the timeout a little above the function's observed p99 duration.",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "Timeout: 30"},
		{Framework: model.Serverless, Code: "functions:\n  report:\n    handler: report.handler\n    timeout: 30"},
		{Framework: model.Terraform, Code: "resource \"aws_lambda_function\" \"report\" {\n  function_name = \"report\"\n  role          = aws_iam_role.report.arn\n  runtime       = \"python3.12\"\n  handler       = \"report.handler\"\n  filename      = \"report.zip\"\n  timeout       = 30\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		max := int64(p.Settings.MaxTimeoutSec)
		for _, f := range functions(p) {
			if n, ok := f.TimeoutSec.Int(); ok && n > max {
				p.Report(analysis.Finding{Pos: f.TimeoutSec.PosOr(f.Pos), Anchor: f.Pos, FunctionID: f.ID, Subject: subject(f.ID, "longtimeout"),
					Message: fmt.Sprintf("function %s may run %d s per invocation (limit %d s)", fnLabel(f), n, max)})
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-DOS-006",
	Title:    "Function memory is very large",
	SAS:      "SAS-8",
	CWE:      []string{"CWE-400"},
	Severity: analysis.Low,
	Doc:      "Cost per millisecond grows with memory. An oversized function multiplies the cost of every abusive invocation. The threshold is settings.max_memory_mb (default 3008).",
	Fix:      "Right-size memory with measurements (e.g. AWS Lambda Power Tuning).",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "MemorySize: 512"},
		{Framework: model.Serverless, Code: "functions:\n  resize:\n    handler: resize.handler\n    memorySize: 512"},
		{Framework: model.Terraform, Code: "resource \"aws_lambda_function\" \"resize\" {\n  function_name = \"resize\"\n  role          = aws_iam_role.resize.arn\n  runtime       = \"python3.12\"\n  handler       = \"resize.handler\"\n  filename      = \"resize.zip\"\n  memory_size   = 512\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		max := int64(p.Settings.MaxMemoryMB)
		for _, f := range functions(p) {
			if n, ok := f.MemoryMB.Int(); ok && n > max {
				p.Report(analysis.Finding{Pos: f.MemoryMB.PosOr(f.Pos), Anchor: f.Pos, FunctionID: f.ID, Subject: subject(f.ID, "memory"),
					Message: fmt.Sprintf("function %s has %d MB of memory (limit %d MB)", fnLabel(f), n, max)})
			}
		}
	},
})

// asyncKinds are event sources that invoke functions asynchronously, where
// Lambda retries failures twice and then drops the event.
var asyncKinds = map[model.TriggerKind]bool{model.TriggerStorage: true, model.TriggerTopic: true, model.TriggerEventBus: true, model.TriggerSchedule: true}

var _ = register(&analysis.Rule{
	ID:       "WAR-DOS-007",
	Title:    "Asynchronously invoked function has no failure destination",
	SAS:      "SAS-8",
	CWE:      []string{"CWE-755"},
	Severity: analysis.Low,
	Doc: "S3, SNS and EventBridge invoke functions asynchronously. Lambda retries a failing event twice and then silently drops it. " +
		"An on-failure destination or dead-letter queue keeps failed events for inspection, and a bounded MaximumRetryAttempts and " +
		"MaximumEventAgeInSeconds keep a poison event from burning invocations for hours.",
	Fix: "Configure EventInvokeConfig (DestinationConfig.OnFailure, MaximumRetryAttempts) or DeadLetterQueue.",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "EventInvokeConfig:\n  MaximumRetryAttempts: 1\n  DestinationConfig:\n    OnFailure:\n      Type: SQS\n      Destination: !GetAtt FailedEvents.Arn"},
		{Framework: model.Serverless, Code: "functions:\n  ingest:\n    handler: media.ingest\n    maximumRetryAttempts: 1\n    destinations:\n      onFailure: arn:aws:sqs:eu-west-1:123456789012:media-failed-events\n    events:\n      - s3:\n          bucket: media-ingest-uploads\n          event: s3:ObjectCreated:*"},
		{Framework: model.Terraform, Code: "resource \"aws_lambda_function_event_invoke_config\" \"ingest\" {\n  function_name          = aws_lambda_function.ingest.function_name\n  maximum_retry_attempts = 1\n  destination_config {\n    on_failure {\n      destination = aws_sqs_queue.failed_events.arn\n    }\n  }\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, f := range functions(p) {
			if f.Provider != model.AWS || f.DeadLetter.IsSet() || f.OnFailure.IsSet() {
				continue
			}
			for _, t := range f.Triggers {
				if asyncKinds[t.Kind] && t.Kind != model.TriggerSchedule {
					p.Report(analysis.Finding{Pos: f.Pos, Anchor: f.Pos, FunctionID: f.ID, Subject: subject(f.ID, "async-failure"),
						Related: []analysis.Location{{Pos: t.Pos, Message: string(t.Kind) + " trigger"}},
						Message: fmt.Sprintf("function %s is invoked asynchronously (%s) with no on-failure destination or dead-letter queue", fnLabel(f), t.Type)})
					break
				}
			}
		}
	},
})

// writeActions per trigger kind: the actions that put a new event into the
// source, closing a loop.
var loopActions = map[model.TriggerKind][]string{
	model.TriggerStorage: {"s3:PutObject", "s3:CopyObject"},
	model.TriggerQueue:   {"sqs:SendMessage", "sqs:SendMessageBatch"},
	model.TriggerTopic:   {"sns:Publish"},
	model.TriggerStream:  {"kinesis:PutRecord", "kinesis:PutRecords", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"},
}

// resourceCovers reports whether a statement resource pattern covers the
// source resource: "*", a reference to it, or an ARN naming it.
func resourceCovers(res model.Value, src *model.Resource, srcVal model.Value) bool {
	if res.Is("*") {
		return true
	}
	if res.Ref != "" && res.Ref == src.ID {
		return true
	}
	if src != nil && res.IsUnknown() && strings.Contains(res.Expr, src.Name) {
		return true
	}
	if res.IsKnown() && srcVal.IsKnown() && srcVal.V != "" {
		for _, cand := range sourceARNs(src, srcVal.V) {
			if iam.MatchResource(res.V, cand) {
				return true
			}
		}
	}
	return false
}

var _ = register(&analysis.Rule{
	ID:       "WAR-DOS-008",
	Title:    "Function can trigger itself in a loop",
	SAS:      "SAS-8",
	CWE:      []string{"CWE-674", "CWE-400"},
	Severity: analysis.High,
	Doc: "A function triggered by a bucket, queue, topic or stream that it may also write to can re-trigger itself without end: each " +
		"invocation writes an object or message that causes the next. Such loops run up large bills in minutes. AWS stops some SQS/SNS/S3 " +
		"loops after 16 iterations, but not all sources, and only after the damage starts.",
	Fix: "Write to a different bucket, queue or topic than the trigger, or scope the write permission to a prefix the trigger's filter excludes; " +
		"keep the write permission off the source entirely where possible.",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "Events:\n  Upload:\n    Type: S3\n    Properties:\n      Bucket: !Ref Incoming\nPolicies:\n  - S3WritePolicy:\n      BucketName: !Ref Processed   # not the trigger bucket"},
		{Framework: model.Serverless, Code: "functions:\n  thumbnail:\n    handler: thumbnail.handler\n    events:\n      - s3:\n          bucket: media-incoming\n          event: s3:ObjectCreated:*\n    iamRoleStatements:\n      - Effect: Allow\n        Action: s3:PutObject\n        Resource: arn:aws:s3:::media-processed/* # not the trigger bucket"},
		{Framework: model.Terraform, Code: "resource \"aws_s3_bucket_notification\" \"incoming\" {\n  bucket = aws_s3_bucket.incoming.id\n  lambda_function {\n    lambda_function_arn = aws_lambda_function.thumbnail.arn\n    events              = [\"s3:ObjectCreated:*\"]\n  }\n}\n\ndata \"aws_iam_policy_document\" \"thumbnail\" {\n  statement {\n    actions   = [\"s3:PutObject\"]\n    resources = [\"${aws_s3_bucket.processed.arn}/*\"] # not the trigger bucket\n  }\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, f := range functions(p) {
			role := p.Index.Roles[f.RoleID]
			if role == nil {
				continue
			}
			for _, t := range f.Triggers {
				acts := loopActions[t.Kind]
				if acts == nil {
					continue
				}
				src := p.Index.Resources[t.SourceID]
				if src == nil {
					continue
				}
				var hit *model.Statement
				var hitAction string
				for _, st := range role.Statements() {
					if !st.Effect.Is("Allow") {
						continue
					}
					for _, a := range st.Actions {
						for _, want := range acts {
							if a.IsKnown() && iam.MatchAction(a.V, want) {
								for _, res := range st.Resources {
									if resourceCovers(res, src, t.Source) {
										hit, hitAction = st, want
									}
								}
							}
						}
					}
				}
				if hit != nil {
					p.Report(analysis.Finding{Pos: t.Pos, Anchor: f.Pos, FunctionID: f.ID, Subject: subject(f.ID, "loop", src.ID),
						Related: []analysis.Location{{Pos: hit.Pos, Message: "grants " + hitAction + " on the trigger source"}, {Pos: src.Pos, Message: string(src.Kind) + " " + src.Name}},
						Message: fmt.Sprintf("function %s is triggered by %s %s and may write to it (%s): a recursive invocation loop", fnLabel(f), src.Kind, src.Name, hitAction)})
				}
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-DOS-009",
	Title:    "Queue visibility timeout is shorter than the function timeout",
	SAS:      "SAS-8",
	CWE:      []string{"CWE-400"},
	Severity: analysis.Low,
	Doc: "When a queue's visibility timeout is shorter than the function's timeout, a message becomes visible again while the first " +
		"invocation is still working on it, and is processed twice or more. AWS recommends at least six times the function timeout.",
	Fix: "Set the queue's VisibilityTimeout to at least six times the function timeout.",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "VisibilityTimeout: 180   # function Timeout: 30"},
		{Framework: model.Serverless, Code: "functions:\n  fulfil:\n    handler: orders.fulfil\n    timeout: 30\n    events:\n      - sqs:\n          arn: !GetAtt FulfilmentQueue.Arn\nresources:\n  Resources:\n    FulfilmentQueue:\n      Type: AWS::SQS::Queue\n      Properties:\n        VisibilityTimeout: 180 # six times the function timeout"},
		{Framework: model.Terraform, Code: "resource \"aws_sqs_queue\" \"fulfilment\" {\n  name                       = \"orders-fulfilment\"\n  visibility_timeout_seconds = 180 # six times the function timeout (30 s)\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, f := range functions(p) {
			ft, ok := f.TimeoutSec.Int()
			if !ok {
				ft = 3 // the Lambda default
				if f.TimeoutSec.IsUnknown() {
					continue
				}
			}
			for _, t := range f.Triggers {
				q := p.Index.Resources[t.SourceID]
				if t.Kind != model.TriggerQueue || q == nil {
					continue
				}
				vt, ok := q.Attr(model.AttrVisibilityTimeout).Int()
				if !ok {
					if !q.Attr(model.AttrVisibilityTimeout).IsAbsent() {
						continue
					}
					vt = 30 // the SQS default
				}
				if vt < ft {
					p.Report(analysis.Finding{Pos: t.Pos, Anchor: f.Pos, FunctionID: f.ID, Subject: subject(f.ID, "visibility", q.ID),
						Related: []analysis.Location{{Pos: q.Attr(model.AttrVisibilityTimeout).PosOr(q.Pos), Message: "queue " + q.Name}},
						Message: fmt.Sprintf("queue %s hides messages for %d s but function %s may run %d s: messages will be processed twice", q.Name, vt, fnLabel(f), ft)})
				}
			}
		}
	},
})

// sourceARNs lists the ARNs a trigger source may appear as in a policy: the
// value itself, and for a bucket known only by name, the bucket and an
// object key in it (a write to any key re-triggers the function).
func sourceARNs(src *model.Resource, v string) []string {
	out := []string{v}
	if src != nil && src.Kind == model.KindBucket && !strings.HasPrefix(v, "arn:") {
		out = append(out, "arn:aws:s3:::"+v, "arn:aws:s3:::"+v+"/any-key")
	}
	return out
}
