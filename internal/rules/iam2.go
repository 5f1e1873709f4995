package rules

import (
	"fmt"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/model"
)

// More SAS-4 rules about policy shape (Parliament and cfn_nag checks).

var _ = register(&analysis.Rule{
	ID:       "WAR-IAM-005",
	Title:    "Policy allows with NotAction",
	SAS:      "SAS-4",
	CWE:      []string{"CWE-732"},
	Severity: analysis.High,
	Doc: "Allow with NotAction grants every action except the listed ones, including actions of services AWS launches later. " +
		"It almost always grants far more than intended.",
	Fix: "List the allowed actions with Action instead.",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "- Effect: Allow\n  Action: [s3:GetObject]\n  Resource: arn:aws:s3:::bucket/*"},
		{Framework: model.Serverless, Code: "provider:\n  iam:\n    role:\n      statements:\n        - Effect: Allow\n          Action: [s3:GetObject]\n          Resource: arn:aws:s3:::bucket/*"},
		{Framework: model.Terraform, Code: "data \"aws_iam_policy_document\" \"fn\" {\n  statement {\n    actions   = [\"s3:GetObject\"]\n    resources = [\"arn:aws:s3:::bucket/*\"]\n  }\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		allowStatements(p, func(r *model.Role, pol *model.Policy, st *model.Statement) {
			if len(st.NotActions) > 0 {
				p.Report(analysis.Finding{Pos: st.NotActions[0].PosOr(st.Pos), Anchor: r.Pos, FunctionID: firstFunctionID(p, r.ID),
					Subject: subject(r.ID, pol.Name.V, "notaction", st.Sid),
					Message: fmt.Sprintf("role %s allows every action except %s (NotAction)", r.Name, listValues(st.NotActions))})
			}
		})
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-IAM-006",
	Title:    "Policy allows with NotResource",
	SAS:      "SAS-4",
	CWE:      []string{"CWE-732"},
	Severity: analysis.Medium,
	Doc:      "Allow with NotResource grants the actions on every resource except the listed ones, including resources created later.",
	Fix:      "List the allowed resources with Resource instead.",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "- Effect: Allow\n  Action: [sqs:SendMessage]\n  Resource: !GetAtt Queue.Arn"},
		{Framework: model.Serverless, Code: "provider:\n  iam:\n    role:\n      statements:\n        - Effect: Allow\n          Action: [sqs:SendMessage]\n          Resource: !GetAtt Queue.Arn"},
		{Framework: model.Terraform, Code: "data \"aws_iam_policy_document\" \"fn\" {\n  statement {\n    actions   = [\"sqs:SendMessage\"]\n    resources = [aws_sqs_queue.orders.arn]\n  }\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		allowStatements(p, func(r *model.Role, pol *model.Policy, st *model.Statement) {
			if len(st.NotResources) > 0 {
				p.Report(analysis.Finding{Pos: st.NotResources[0].PosOr(st.Pos), Anchor: r.Pos, FunctionID: firstFunctionID(p, r.ID),
					Subject: subject(r.ID, pol.Name.V, "notresource", st.Sid),
					Message: fmt.Sprintf("role %s allows %s on every resource except %s (NotResource)", r.Name, actionList(st), listValues(st.NotResources))})
			}
		})
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-IAM-007",
	Title:    "Role trust policy lets anyone assume it",
	SAS:      "SAS-4",
	CWE:      []string{"CWE-284"},
	Severity: analysis.Critical,
	Doc: "A trust policy with Principal \"*\" (or AWS \"*\") and no condition lets any AWS account assume the role and use its permissions. " +
		"Function roles should trust lambda.amazonaws.com only.",
	Fix: "Set the trust policy principal to Service: lambda.amazonaws.com (or the specific account or role that must assume it, with an sts:ExternalId condition for third parties).",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "AssumeRolePolicyDocument:\n  Statement:\n    - Effect: Allow\n      Principal:\n        Service: lambda.amazonaws.com\n      Action: sts:AssumeRole"},
		{Framework: model.Serverless, Code: "resources:\n  Resources:\n    WorkerRole:\n      Type: AWS::IAM::Role\n      Properties:\n        AssumeRolePolicyDocument:\n          Version: \"2012-10-17\"\n          Statement:\n            - Effect: Allow\n              Principal:\n                Service: lambda.amazonaws.com\n              Action: sts:AssumeRole"},
		{Framework: model.Terraform, Code: "data \"aws_iam_policy_document\" \"lambda_assume\" {\n  statement {\n    actions = [\"sts:AssumeRole\"]\n    principals {\n      type        = \"Service\"\n      identifiers = [\"lambda.amazonaws.com\"]\n    }\n  }\n}\n\nresource \"aws_iam_role\" \"fn\" {\n  name               = \"fn\"\n  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, r := range p.App.Roles {
			if r.AssumeRolePolicy == nil {
				continue
			}
			for _, st := range r.AssumeRolePolicy.Statements {
				if st.Effect.Is("Allow") && publicPrincipal(st) && len(st.Conditions) == 0 {
					p.Report(analysis.Finding{Pos: st.Pos, Anchor: r.Pos, FunctionID: firstFunctionID(p, r.ID), Subject: subject(r.ID, "trust"),
						Message: fmt.Sprintf("role %s can be assumed by any AWS principal", r.Name)})
				}
			}
		}
	},
})

func listValues(vs []model.Value) string {
	out := ""
	for i, v := range vs {
		if i > 0 {
			out += ", "
		}
		out += v.String()
	}
	return out
}
