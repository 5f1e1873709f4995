package rules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/iam"
	"github.com/wardensec/warden/internal/model"
)

// SAS-4: over-privileged function permissions and roles.

// allowStatements calls fn for each Allow statement of every role with the
// role, the policy and the statement.
func allowStatements(p *analysis.Pass, fn func(r *model.Role, pol *model.Policy, st *model.Statement)) {
	for _, r := range p.App.Roles {
		for _, pol := range r.Policies {
			for _, st := range pol.Statements {
				if st.Effect.Is("Allow") {
					fn(r, pol, st)
				}
			}
		}
	}
}

// roleFunctions lists the functions using a role, for messages and grouping.
func roleFunctions(p *analysis.Pass, roleID string) []*model.Function {
	var out []*model.Function
	for _, f := range p.Index.FunctionsByRole[roleID] {
		if model.IsDeployed(f.Deployed) {
			out = append(out, f)
		}
	}
	return out
}

// fnNames lists the functions' names, sorted, for messages.
func fnNames(fns []*model.Function) string {
	var names []string
	for _, f := range fns {
		names = append(names, f.Name)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func firstFunctionID(p *analysis.Pass, roleID string) string {
	if fs := roleFunctions(p, roleID); len(fs) == 1 {
		return fs[0].ID
	}
	return ""
}

var _ = register(&analysis.Rule{
	ID:       "WAR-IAM-001",
	Title:    "Policy allows a wildcard action",
	SAS:      "SAS-4",
	CWE:      []string{"CWE-250", "CWE-732"},
	Severity: analysis.High,
	Doc: "Action \"*\" grants every action on every service, and \"service:*\" every action of one service, including deleting " +
		"data and changing its policies. A function compromised through its event input then has all of that power. " +
		"Least privilege means listing the actions the code calls.",
	Fix: "Replace the wildcard with the actions the function's code uses (`warden iam suggest` lists them), scoped to the resources it touches.",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "Policies:\n  - DynamoDBReadPolicy:\n      TableName: !Ref Orders"},
		{Framework: model.Serverless, Code: "iam:\n  role:\n    statements:\n      - Effect: Allow\n        Action: [dynamodb:GetItem, dynamodb:Query]\n        Resource: !GetAtt Orders.Arn"},
		{Framework: model.Terraform, Code: "statement {\n  actions   = [\"dynamodb:GetItem\", \"dynamodb:Query\"]\n  resources = [aws_dynamodb_table.orders.arn]\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		allowStatements(p, func(r *model.Role, pol *model.Policy, st *model.Statement) {
			for _, a := range st.Actions {
				if !a.IsKnown() {
					continue
				}
				switch {
				case a.V == "*":
					p.Report(analysis.Finding{Pos: a.PosOr(st.Pos), Anchor: r.Pos, FunctionID: firstFunctionID(p, r.ID), Severity: analysis.Critical,
						Subject: subject(r.ID, pol.Name.V, "*"),
						Message: fmt.Sprintf("role %s allows Action \"*\": every action on every AWS service", r.Name)})
				case strings.HasSuffix(a.V, ":*"):
					p.Report(analysis.Finding{Pos: a.PosOr(st.Pos), Anchor: r.Pos, FunctionID: firstFunctionID(p, r.ID),
						Subject: subject(r.ID, pol.Name.V, a.V),
						Message: fmt.Sprintf("role %s allows %s: every action of the service, including destructive and policy-changing ones", r.Name, a.V)})
				}
			}
		})
	},
})

// adminPolicies are AWS managed policies that amount to administrator access
// or to full control of identity.
var adminPolicies = map[string]bool{"AdministratorAccess": true, "PowerUserAccess": true, "IAMFullAccess": true}

func managedPolicyName(v model.Value) string {
	s := v.V
	if !v.IsKnown() {
		s = v.Expr
	}
	if i := strings.LastIndex(s, ":policy/"); i >= 0 {
		s = s[i+len(":policy/"):]
	}
	if i := strings.LastIndex(s, "/"); i >= 0 {
		s = s[i+1:]
	}
	return strings.Trim(s, "'\" }")
}

var _ = register(&analysis.Rule{
	ID:       "WAR-IAM-002",
	Title:    "Function role has an administrator or full-access managed policy",
	SAS:      "SAS-4",
	CWE:      []string{"CWE-250"},
	Severity: analysis.High,
	Doc: "AdministratorAccess, PowerUserAccess and IAMFullAccess give a function control of the whole account; any *FullAccess policy " +
		"gives every action of a service on every resource. A function needs a handful of actions on a few resources.",
	Fix: "Detach the managed policy and grant the specific actions and resources instead (SAM policy templates such as DynamoDBReadPolicy are a good start).",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "Policies:\n  - S3ReadPolicy:\n      BucketName: !Ref Uploads"},
		{Framework: model.Serverless, Code: "provider:\n  iam:\n    role:\n      statements:\n        - Effect: Allow\n          Action: [s3:GetObject]\n          Resource: arn:aws:s3:::uploads/*"},
		{Framework: model.Terraform, Code: "data \"aws_iam_policy_document\" \"fn\" {\n  statement {\n    actions   = [\"s3:GetObject\"]\n    resources = [\"${aws_s3_bucket.uploads.arn}/*\"]\n  }\n}\n\nresource \"aws_iam_role_policy\" \"fn\" {\n  role   = aws_iam_role.fn.id\n  policy = data.aws_iam_policy_document.fn.json\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, r := range p.App.Roles {
			for _, mp := range r.ManagedPolicies {
				name := managedPolicyName(mp)
				switch {
				case adminPolicies[name]:
					p.Report(analysis.Finding{Pos: mp.PosOr(r.Pos), Anchor: r.Pos, FunctionID: firstFunctionID(p, r.ID), Severity: analysis.Critical,
						Subject: subject(r.ID, name), Message: fmt.Sprintf("role %s has the managed policy %s: administrator-level access", r.Name, name)})
				case strings.HasSuffix(name, "FullAccess"):
					p.Report(analysis.Finding{Pos: mp.PosOr(r.Pos), Anchor: r.Pos, FunctionID: firstFunctionID(p, r.ID),
						Subject: subject(r.ID, name), Message: fmt.Sprintf("role %s has the managed policy %s: every action of the service on every resource", r.Name, name)})
				}
			}
		}
	},
})

func hasWildcardResource(st *model.Statement) (model.Value, bool) {
	for _, r := range st.Resources {
		if r.Is("*") {
			return r, true
		}
	}
	return model.Value{}, false
}

var _ = register(&analysis.Rule{
	ID:       "WAR-IAM-003",
	Title:    "iam:PassRole or sts:AssumeRole allowed on every resource",
	SAS:      "SAS-4",
	CWE:      []string{"CWE-269"},
	Severity: analysis.High,
	Doc: "iam:PassRole on \"*\" lets the function hand any role in the account to a service it creates (a new function, an EC2 instance), " +
		"and sts:AssumeRole on \"*\" lets it become any role that trusts the account. Both are classic privilege-escalation steps.",
	Fix: "Restrict Resource to the ARNs of the roles the function must pass or assume, and add an iam:PassedToService condition for PassRole.",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "Policies:\n  - Statement:\n      - Effect: Allow\n        Action: iam:PassRole\n        Resource: !GetAtt EtlJobRole.Arn\n        Condition:\n          StringEquals:\n            iam:PassedToService: glue.amazonaws.com"},
		{Framework: model.Serverless, Code: "- Effect: Allow\n  Action: iam:PassRole\n  Resource: arn:aws:iam::123456789012:role/etl-job\n  Condition:\n    StringEquals:\n      iam:PassedToService: glue.amazonaws.com"},
		{Framework: model.Terraform, Code: "data \"aws_iam_policy_document\" \"fn\" {\n  statement {\n    actions   = [\"iam:PassRole\"]\n    resources = [aws_iam_role.etl_job.arn]\n    condition {\n      test     = \"StringEquals\"\n      variable = \"iam:PassedToService\"\n      values   = [\"glue.amazonaws.com\"]\n    }\n  }\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		allowStatements(p, func(r *model.Role, pol *model.Policy, st *model.Statement) {
			res, ok := hasWildcardResource(st)
			if !ok {
				return
			}
			for _, target := range []string{"iam:PassRole", "sts:AssumeRole"} {
				for _, a := range st.Actions {
					// "*" and "iam:*" are reported by WAR-IAM-001; this rule
					// names the escalation step when it is granted explicitly.
					if a.IsKnown() && a.V != "*" && !strings.HasSuffix(a.V, ":*") && iam.MatchAction(a.V, target) {
						p.Report(analysis.Finding{Pos: a.PosOr(st.Pos), Anchor: r.Pos, FunctionID: firstFunctionID(p, r.ID),
							Related: []analysis.Location{{Pos: res.Pos, Message: "Resource \"*\""}},
							Subject: subject(r.ID, pol.Name.V, target),
							Message: fmt.Sprintf("role %s allows %s on \"*\"", r.Name, target)})
						break
					}
				}
			}
		})
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-IAM-004",
	Title:    "One role is shared by several functions",
	SAS:      "SAS-4",
	CWE:      []string{"CWE-250"},
	Severity: analysis.Low,
	Doc: "When functions share a role, each gets the union of what all of them need, so the least-trusted function (the one behind a " +
		"public route) holds the permissions of the most privileged. The Serverless Framework does this by default. One role per function " +
		"keeps a compromise contained.",
	Fix: "Give each function its own role (SAM does by default; in the Serverless Framework use per-function iam statements, e.g. serverless-iam-roles-per-function).",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "GetOrder:\n  Type: AWS::Serverless::Function\n  Properties:\n    Handler: orders.get\n    Runtime: python3.12\n    # no Role: SAM creates a role for this function alone\n    Policies:\n      - DynamoDBReadPolicy:\n          TableName: !Ref Orders"},
		{Framework: model.Serverless, Code: "functions:\n  getOrder:\n    iamRoleStatements:\n      - Effect: Allow\n        Action: dynamodb:GetItem\n        Resource: !GetAtt Orders.Arn"},
		{Framework: model.Terraform, Code: "resource \"aws_iam_role\" \"get_order\" {\n  name               = \"get-order\"\n  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json\n}\n\nresource \"aws_lambda_function\" \"get_order\" {\n  function_name = \"get-order\"\n  role          = aws_iam_role.get_order.arn # one role per function\n  runtime       = \"python3.12\"\n  handler       = \"orders.get\"\n  filename      = \"orders.zip\"\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, r := range p.App.Roles {
			fs := roleFunctions(p, r.ID)
			if len(fs) < 2 || len(r.Statements()) == 0 && len(r.ManagedPolicies) == 0 {
				continue
			}
			pos := r.Pos
			if r.Implicit {
				pos = fs[0].Pos
			}
			p.Report(analysis.Finding{Pos: pos, Anchor: r.Pos, Subject: subject(r.ID, "shared"),
				Message: fmt.Sprintf("role %s is shared by %d functions (%s): each holds every permission any of them needs", r.Name, len(fs), fnNames(fs))})
		}
	},
})
