package rules

import (
	"fmt"
	"strings"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/iam"
	"github.com/wardensec/warden/internal/model"
)

// Rules added to cover the peers' serverless checks (see the coverage table
// in docs/rules/README.md).

var _ = register(&analysis.Rule{
	ID:       "WAR-LOG-007",
	Title:    "API stage tracing is off",
	SAS:      "SAS-5",
	CWE:      []string{"CWE-778"},
	Severity: analysis.Low,
	Doc:      "X-Ray tracing on a REST API stage links each request to the functions and services it reached, which is how an attack's path through the application is reconstructed.",
	Fix:      "Set TracingEnabled: true on the stage (xray_tracing_enabled = true; provider.tracing.apiGateway: true).",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "Type: AWS::Serverless::Api\nProperties:\n  TracingEnabled: true"},
		{Framework: model.Serverless, Code: "provider:\n  tracing:\n    apiGateway: true\n    lambda: true"},
		{Framework: model.Terraform, Code: "resource \"aws_api_gateway_stage\" \"prod\" {\n  rest_api_id          = aws_api_gateway_rest_api.api.id\n  deployment_id        = aws_api_gateway_deployment.api.id\n  stage_name           = \"prod\"\n  xray_tracing_enabled = true\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, s := range resources(p, model.KindStage) {
			api := p.Index.Resources[s.Attr(model.AttrAPI).Ref]
			if api == nil || !api.Attr(model.AttrProtocol).Is("REST") {
				continue // HTTP APIs have no X-Ray integration
			}
			if v := s.Attr(model.AttrTracingEnabled); v.IsAbsent() || v.IsFalse() {
				p.Report(analysis.Finding{Pos: v.PosOr(s.Pos), Anchor: s.Pos, Subject: subject(s.ID, "tracing"),
					Message: fmt.Sprintf("REST API stage %s has X-Ray tracing off", s.Name)})
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-CFG-019",
	Title:    "Queue, topic, key or secret policy allows any principal",
	SAS:      "SAS-3",
	CWE:      []string{"CWE-732", "CWE-284"},
	Severity: analysis.High,
	Doc: "A resource policy that allows Principal \"*\" without a narrowing condition opens the queue, topic, key or secret to every AWS " +
		"account: anyone can send messages that trigger functions, publish, decrypt or read. Allow with NotPrincipal is as broad.",
	Fix: "Name the principals (accounts, roles or services with aws:SourceArn) that need access, or add aws:PrincipalOrgID / aws:SourceAccount conditions.",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "Type: AWS::SQS::QueuePolicy\nProperties:\n  PolicyDocument:\n    Statement:\n      - Effect: Allow\n        Principal:\n          Service: sns.amazonaws.com\n        Action: sqs:SendMessage\n        Resource: !GetAtt Queue.Arn\n        Condition:\n          ArnEquals:\n            aws:SourceArn: !Ref Topic"},
		{Framework: model.Serverless, Code: "resources:\n  Resources:\n    OrdersQueuePolicy:\n      Type: AWS::SQS::QueuePolicy\n      Properties:\n        Queues: [!Ref OrdersQueue]\n        PolicyDocument:\n          Version: \"2012-10-17\"\n          Statement:\n            - Effect: Allow\n              Principal:\n                Service: sns.amazonaws.com\n              Action: sqs:SendMessage\n              Resource: !GetAtt OrdersQueue.Arn\n              Condition:\n                ArnEquals:\n                  aws:SourceArn: !Ref OrderEvents"},
		{Framework: model.Terraform, Code: "data \"aws_iam_policy_document\" \"orders_queue\" {\n  statement {\n    actions   = [\"sqs:SendMessage\"]\n    resources = [aws_sqs_queue.orders.arn]\n    principals {\n      type        = \"Service\"\n      identifiers = [\"sns.amazonaws.com\"]\n    }\n    condition {\n      test     = \"ArnEquals\"\n      variable = \"aws:SourceArn\"\n      values   = [aws_sns_topic.order_events.arn]\n    }\n  }\n}\n\nresource \"aws_sqs_queue_policy\" \"orders\" {\n  queue_url = aws_sqs_queue.orders.id\n  policy    = data.aws_iam_policy_document.orders_queue.json\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, r := range resources(p, model.KindQueue, model.KindTopic, model.KindKey, model.KindSecret) {
			for _, pol := range r.Policies {
				for _, st := range pol.Statements {
					if !st.Effect.Is("Allow") || len(st.Conditions) > 0 {
						continue
					}
					switch {
					case publicPrincipal(st):
						p.Report(analysis.Finding{Pos: st.Pos, Anchor: r.Pos, Subject: subject(r.ID, "policy", st.Sid),
							Message: fmt.Sprintf("policy of %s %s allows any principal to %s", r.Kind, r.Name, actionList(st))})
					case len(st.NotPrincipals) > 0:
						p.Report(analysis.Finding{Pos: st.Pos, Anchor: r.Pos, Subject: subject(r.ID, "notprincipal", st.Sid),
							Message: fmt.Sprintf("policy of %s %s allows everyone except the NotPrincipal list to %s", r.Kind, r.Name, actionList(st))})
					}
				}
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-AUTH-009",
	Title:    "Lambda permission grants more than invoke",
	SAS:      "SAS-2",
	CWE:      []string{"CWE-732"},
	Severity: analysis.Medium,
	Doc:      "A resource-based permission that grants lambda:* or lambda:UpdateFunctionCode lets the other principal change or delete the function, not just call it.",
	Fix:      "Grant lambda:InvokeFunction (or lambda:InvokeFunctionUrl) only.",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "Action: lambda:InvokeFunction"},
		{Framework: model.Serverless, Code: "resources:\n  Resources:\n    PartnerInvoke:\n      Type: AWS::Lambda::Permission\n      Properties:\n        Action: lambda:InvokeFunction\n        FunctionName: !GetAtt ResizeLambdaFunction.Arn\n        Principal: \"210987654321\""},
		{Framework: model.Terraform, Code: "resource \"aws_lambda_permission\" \"partner\" {\n  statement_id  = \"PartnerInvoke\"\n  action        = \"lambda:InvokeFunction\"\n  function_name = aws_lambda_function.resize.function_name\n  principal     = \"210987654321\"\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, perm := range p.App.Permissions {
			if perm.Provider != model.AWS || !perm.Action.IsKnown() {
				continue
			}
			a := strings.ToLower(perm.Action.V)
			if a != "lambda:invokefunction" && a != "lambda:invokefunctionurl" && a != "lambda:invokeasync" {
				p.Report(analysis.Finding{Pos: perm.Action.PosOr(perm.Pos), Anchor: perm.Pos, FunctionID: perm.FunctionID, Subject: subject(perm.ID, "action"),
					Message: fmt.Sprintf("Lambda permission grants %s to %s, not just invoke", perm.Action.V, perm.Principal.String())})
			}
		}
	},
})

// logActions are what a function role needs for its logs to reach CloudWatch.
const logAction = "logs:PutLogEvents"

var _ = register(&analysis.Rule{
	ID:       "WAR-LOG-008",
	Title:    "Function role cannot write logs",
	SAS:      "SAS-5",
	CWE:      []string{"CWE-778"},
	Severity: analysis.Medium,
	Doc: "Lambda writes a function's output to CloudWatch Logs with the function's own role. Without logs:CreateLogStream and " +
		"logs:PutLogEvents every log line, error and trace is silently dropped, and an incident leaves no record.",
	Fix: "Attach AWSLambdaBasicExecutionRole (or grant logs:CreateLogStream and logs:PutLogEvents on the function's log group).",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "ManagedPolicyArns:\n  - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
		{Framework: model.Serverless, Code: "resources:\n  Resources:\n    ExportRole:\n      Type: AWS::IAM::Role\n      Properties:\n        AssumeRolePolicyDocument:\n          Version: \"2012-10-17\"\n          Statement:\n            - Effect: Allow\n              Principal:\n                Service: lambda.amazonaws.com\n              Action: sts:AssumeRole\n        ManagedPolicyArns:\n          - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
		{Framework: model.Terraform, Code: "resource \"aws_iam_role_policy_attachment\" \"logs\" {\n  role       = aws_iam_role.fn.name\n  policy_arn = \"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole\"\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, r := range p.App.Roles {
			fs := roleFunctions(p, r.ID)
			if len(fs) == 0 || r.Provider != model.AWS || len(r.ManagedPolicies) > 0 {
				continue // managed policies may grant logging; the IAM engine decides those
			}
			can := false
			for _, pol := range r.Policies {
				if pol.Unresolved {
					can = true // cannot tell
				}
				for _, st := range pol.Statements {
					for _, a := range st.Actions {
						if st.Effect.Is("Allow") && (a.IsUnknown() || a.IsKnown() && iam.MatchAction(a.V, logAction)) {
							can = true
						}
					}
					if st.Effect.Is("Allow") && len(st.NotActions) > 0 {
						can = true
					}
				}
			}
			if !can {
				p.Report(analysis.Finding{Pos: r.Pos, Anchor: r.Pos, FunctionID: firstFunctionID(p, r.ID), Subject: subject(r.ID, "logs"),
					Message: fmt.Sprintf("role %s (used by %s) grants no logs:PutLogEvents: the function's logs are dropped", r.Name, fs[0].Name)})
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-CFG-020",
	Title:    "Function is not attached to a VPC",
	SAS:      "SAS-3",
	CWE:      []string{"CWE-284"},
	Severity: analysis.Low,
	Doc: "A function outside a VPC reaches the internet directly, so egress cannot be filtered and exfiltration from a compromised " +
		"function is unrestricted. Attaching it to private subnets with VPC endpoints and no NAT limits where data can go. This costs " +
		"cold-start time and NAT or endpoint fees, so the rule is off by default.",
	Fix: "Set VpcConfig (vpc_config) with private subnets and security groups; add VPC endpoints for the AWS services the function uses.",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "VpcConfig:\n  SubnetIds: [!Ref PrivateSubnetA, !Ref PrivateSubnetB]\n  SecurityGroupIds: [!Ref FunctionSg]"},
		{Framework: model.Serverless, Code: "provider:\n  vpc:\n    securityGroupIds: [sg-0123456789abcdef0]\n    subnetIds: [subnet-0a1b2c3d4e5f60001, subnet-0a1b2c3d4e5f60002]"},
		{Framework: model.Terraform, Code: "resource \"aws_lambda_function\" \"fn\" {\n  # ...\n  vpc_config {\n    subnet_ids         = [aws_subnet.private_a.id, aws_subnet.private_b.id]\n    security_group_ids = [aws_security_group.fn.id]\n  }\n}"},
	},
	Frameworks: allFrameworks,
	NonDefault: true,
	Run: func(p *analysis.Pass) {
		for _, f := range functions(p) {
			if f.Provider == model.AWS && f.VPC == nil {
				p.Report(analysis.Finding{Pos: f.Pos, Anchor: f.Pos, FunctionID: f.ID, Subject: subject(f.ID, "vpc"),
					Message: fmt.Sprintf("function %s is not attached to a VPC", fnLabel(f))})
			}
		}
	},
})
