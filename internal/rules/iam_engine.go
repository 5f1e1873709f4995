package rules

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/iam"
	"github.com/wardensec/warden/internal/model"
)

// SAS-4 rules backed by the IAM engine: they ask what a role can do, with
// wildcards expanded against the Service Authorization Reference, Deny and
// NotAction applied, and AWS managed policies read from embedded data.

// permsKey keys a role's evaluated permissions in the run's memo, so each
// role is evaluated once per scan however many rules ask.
type permsKey struct{ role *model.Role }

// lockedPerms guards one role's Permissions: they cache answers internally
// and are not safe for concurrent use, while rules run in parallel.
type lockedPerms struct {
	mu sync.Mutex
	p  *iam.Permissions
}

// withPermissions calls fn with the role's evaluated permissions, holding
// the role's lock.
func withPermissions(p *analysis.Pass, r *model.Role, fn func(*iam.Permissions)) {
	memo := p.Memo
	if memo == nil {
		memo = &sync.Map{} // a Pass built by hand, outside analysis.Run
	}
	v, _ := memo.LoadOrStore(permsKey{r}, &lockedPerms{})
	lp := v.(*lockedPerms)
	lp.mu.Lock()
	defer lp.mu.Unlock()
	if lp.p == nil {
		lp.p = iam.Evaluate(r)
	}
	fn(lp.p)
}

// engineRoles returns the AWS roles that run functions: the rules judge
// what a compromised function could do.
func engineRoles(p *analysis.Pass) []*model.Role {
	var out []*model.Role
	for _, r := range p.App.Roles {
		if r.Provider == model.AWS && len(roleFunctions(p, r.ID)) > 0 {
			out = append(out, r)
		}
	}
	return out
}

// alreadyAdmin reports whether WAR-IAM-001 or WAR-IAM-002 already rates the
// role as all-powerful; repeating every consequence would bury the finding.
func alreadyAdmin(r *model.Role) bool {
	for _, mp := range r.ManagedPolicies {
		if adminPolicies[managedPolicyName(mp)] {
			return true
		}
	}
	for _, st := range r.Statements() {
		if st.Effect.Is("Allow") {
			for _, a := range st.Actions {
				if a.Is("*") {
					return true
				}
			}
		}
	}
	return false
}

// ownGrants drops grants that come from AWS service-role managed policies
// (AWSLambdaBasicExecutionRole and its kin): AWS designed them for the
// service, they are what SAM attaches, and flagging them would flag every
// function. Grants through a statement that WAR-IAM-001 reports ("svc:*")
// are dropped too.
func ownGrants(gs []iam.ResourceGrant) []iam.ResourceGrant {
	var out []iam.ResourceGrant
	for _, g := range gs {
		if g.Where.Managed != "" {
			if mp, ok := iam.LookupManaged(g.Where.Managed); ok && mp.ServiceRole() {
				continue
			}
		}
		if st := g.Where.Statement; st != nil {
			star := false
			for _, a := range st.Actions {
				if a.IsKnown() && strings.HasSuffix(a.V, ":*") {
					star = true
				}
			}
			if star {
				continue
			}
		}
		out = append(out, g)
	}
	return out
}

// capabilitySummary turns capabilities into a message fragment and the first
// granting position, skipping unknown or service-role-only ones.
func capabilitySummary(caps []iam.Capability) (string, model.Pos, []analysis.Location, bool) {
	var names []string
	var first model.Pos
	var related []analysis.Location
	seen := map[model.Pos]bool{}
	for _, c := range caps {
		gs := ownGrants(c.Grants)
		if len(gs) == 0 || c.Unknown() {
			continue
		}
		names = append(names, c.Action)
		for _, g := range gs {
			if g.Where.Pos.IsZero() || seen[g.Where.Pos] {
				continue
			}
			seen[g.Where.Pos] = true
			if first.IsZero() || g.Where.Pos.Less(first) {
				first = g.Where.Pos
			}
			related = append(related, analysis.Location{Pos: g.Where.Pos, Message: "grants " + c.Action})
		}
	}
	if len(names) == 0 {
		return "", model.Pos{}, nil, false
	}
	sort.Strings(names)
	if len(names) > 6 {
		names = append(names[:6], fmt.Sprintf("and %d more", len(names)-6))
	}
	sort.Slice(related, func(i, j int) bool { return related[i].Pos.Less(related[j].Pos) })
	return strings.Join(names, ", "), first, related, true
}

// capabilityRun builds the Run of a rule that asks the engine one question
// of each function role and reports what it can do, once per role. format
// takes the role, the functions using it and the capabilities.
func capabilityRun(subj string, question func(*iam.Permissions) []iam.Capability, format string) func(*analysis.Pass) {
	return func(p *analysis.Pass) {
		for _, r := range engineRoles(p) {
			if alreadyAdmin(r) {
				continue
			}
			var caps []iam.Capability
			withPermissions(p, r, func(pm *iam.Permissions) { caps = question(pm) })
			what, pos, related, ok := capabilitySummary(caps)
			if !ok {
				continue
			}
			p.Report(analysis.Finding{Pos: pos, Anchor: r.Pos, FunctionID: firstFunctionID(p, r.ID), Related: related, Subject: subject(r.ID, subj),
				Message: fmt.Sprintf(format, r.Name, usersOf(p, r), what)})
		}
	}
}

func usersOf(p *analysis.Pass, r *model.Role) string {
	return fnNames(roleFunctions(p, r.ID))
}

var _ = register(&analysis.Rule{
	ID:       "WAR-IAM-008",
	Title:    "Role can write or change permissions on every resource",
	SAS:      "SAS-4",
	CWE:      []string{"CWE-732", "CWE-250"},
	Severity: analysis.High,
	Doc: "Write and Permissions-management actions granted on Resource \"*\" reach every resource of their kind in the account: every " +
		"table, bucket and queue, not the one the function uses. The access levels come from the AWS Service Authorization Reference. " +
		"Actions that AWS does not allow to be scoped to a resource (xray:PutTraceSegments, cloudwatch:PutMetricData) are not reported.",
	Fix: "Scope Resource to the ARNs the function writes to (`warden iam suggest` lists them); keep `*` only for actions that cannot be scoped.",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "Policies:\n  - DynamoDBWritePolicy:\n      TableName: !Ref Orders"},
		{Framework: model.Serverless, Code: "provider:\n  iam:\n    role:\n      statements:\n        - Effect: Allow\n          Action: [dynamodb:PutItem, dynamodb:UpdateItem]\n          Resource: !GetAtt OrdersTable.Arn"},
		{Framework: model.Terraform, Code: "data \"aws_iam_policy_document\" \"writer\" {\n  statement {\n    actions   = [\"dynamodb:PutItem\", \"dynamodb:UpdateItem\"]\n    resources = [aws_dynamodb_table.orders.arn]\n  }\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, r := range engineRoles(p) {
			if alreadyAdmin(r) {
				continue
			}
			var caps []iam.Capability
			withPermissions(p, r, func(pm *iam.Permissions) {
				for _, w := range pm.WildcardWrites() {
					if w.Scopable {
						caps = append(caps, w.Capability)
					}
				}
			})
			what, pos, related, ok := capabilitySummary(caps)
			if !ok {
				continue
			}
			p.Report(analysis.Finding{Pos: pos, Anchor: r.Pos, FunctionID: firstFunctionID(p, r.ID), Related: related, Subject: subject(r.ID, "wildcard-write"),
				Message: fmt.Sprintf("role %s (used by %s) can %s on every resource", r.Name, usersOf(p, r), what)})
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-IAM-009",
	Title:    "Role can escalate its privileges",
	SAS:      "SAS-4",
	CWE:      []string{"CWE-269"},
	Severity: analysis.Critical,
	Doc: "Some combinations of IAM permissions let the holder grant itself more: pass a more powerful role to a new function and run it, " +
		"attach or write a policy, create a policy version, create access keys or login profiles, change a trust policy, or change another " +
		"function's code or layers. A function whose event input is abused then owns the account. The engine checks the known escalation " +
		"paths (Rhino Security Labs, Bishop Fox, Cloudsplaining, pmapper) and names the statements that complete each one.",
	Fix: "Remove the IAM write actions from function roles; scope iam:PassRole to the one role needed with an iam:PassedToService condition; scope lambda:UpdateFunctionCode to the function itself.",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "- Effect: Allow\n  Action: iam:PassRole\n  Resource: !GetAtt WorkerRole.Arn\n  Condition:\n    StringEquals:\n      iam:PassedToService: lambda.amazonaws.com"},
		{Framework: model.Serverless, Code: "functions:\n  deploy:\n    handler: deploy.handler\n    iamRoleStatements:\n      - Effect: Allow\n        Action: iam:PassRole\n        Resource: arn:aws:iam::123456789012:role/worker\n        Condition:\n          StringEquals:\n            iam:PassedToService: lambda.amazonaws.com"},
		{Framework: model.Terraform, Code: "data \"aws_iam_policy_document\" \"deployer\" {\n  statement {\n    actions   = [\"iam:PassRole\"]\n    resources = [aws_iam_role.worker.arn]\n    condition {\n      test     = \"StringEquals\"\n      variable = \"iam:PassedToService\"\n      values   = [\"lambda.amazonaws.com\"]\n    }\n  }\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, r := range engineRoles(p) {
			if alreadyAdmin(r) {
				continue
			}
			var selfIDs []string
			for _, f := range roleFunctions(p, r.ID) {
				selfIDs = append(selfIDs, f.ID)
			}
			var paths []iam.Path
			withPermissions(p, r, func(pm *iam.Permissions) { paths = pm.CanEscalate(&iam.Options{SelfIDs: selfIDs}) })
			for _, path := range paths {
				if path.Unknown {
					continue
				}
				pos := path.Positions()
				if len(pos) == 0 {
					continue
				}
				sev := analysis.Critical
				qual := ""
				switch {
				case path.Conditional:
					sev, qual = analysis.Medium, " (only under a condition)"
				case path.Scoped:
					sev, qual = analysis.High, " (on the named resources)"
				}
				var related []analysis.Location
				for _, ps := range pos[1:] {
					related = append(related, analysis.Location{Pos: ps, Message: "part of the escalation path"})
				}
				p.Report(analysis.Finding{Pos: pos[0], Anchor: r.Pos, FunctionID: firstFunctionID(p, r.ID), Severity: sev, Related: related,
					Subject: subject(r.ID, "escalate", path.ID),
					Message: fmt.Sprintf("role %s (used by %s) can escalate privileges: %s%s", r.Name, usersOf(p, r), path.Title, qual)})
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-IAM-010",
	Title:    "Role can make resources public",
	SAS:      "SAS-4",
	CWE:      []string{"CWE-732"},
	Severity: analysis.High,
	Doc: "Actions that rewrite resource policies (s3:PutBucketPolicy, lambda:AddPermission, sqs:SetQueueAttributes, kms:PutKeyPolicy, " +
		"secretsmanager:PutResourcePolicy, ...) let a compromised function open data and functions to the internet or another account.",
	Fix: "Remove resource-policy actions from function roles; manage resource policies in the template instead.",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "# declare the bucket policy in the template, not in the function's permissions\nType: AWS::S3::BucketPolicy"},
		{Framework: model.Serverless, Code: "# declare the bucket policy in resources, not in the function's permissions\nresources:\n  Resources:\n    ReportsBucketPolicy:\n      Type: AWS::S3::BucketPolicy\n      Properties:\n        Bucket: !Ref ReportsBucket\n        PolicyDocument:\n          Statement:\n            - Effect: Allow\n              Principal:\n                AWS: arn:aws:iam::123456789012:role/reports-reader\n              Action: s3:GetObject\n              Resource: !Sub \"${ReportsBucket.Arn}/*\""},
		{Framework: model.Terraform, Code: "# declare the bucket policy in Terraform, not in the function's permissions\nresource \"aws_s3_bucket_policy\" \"reports\" {\n  bucket = aws_s3_bucket.reports.id\n  policy = data.aws_iam_policy_document.reports_read.json\n}"},
	},
	Frameworks: allFrameworks,
	Run:        capabilityRun("expose", (*iam.Permissions).CanExpose, "role %s (used by %s) can change resource policies: %s"),
})

var _ = register(&analysis.Rule{
	ID:       "WAR-IAM-011",
	Title:    "Role can read every data store of a kind",
	SAS:      "SAS-4",
	CWE:      []string{"CWE-200", "CWE-732"},
	Severity: analysis.Medium,
	Doc: "Read access to every table, bucket, secret or parameter in the account (s3:GetObject, dynamodb:Scan, secretsmanager:GetSecretValue " +
		"on \"*\") turns one injectable function into a way to copy all of the account's data.",
	Fix: "Scope read actions to the tables, buckets and secrets the function uses.",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "Policies:\n  - DynamoDBReadPolicy:\n      TableName: !Ref Orders"},
		{Framework: model.Serverless, Code: "functions:\n  download:\n    handler: download.handler\n    iamRoleStatements:\n      - Effect: Allow\n        Action: [s3:GetObject]\n        Resource: arn:aws:s3:::exports/*"},
		{Framework: model.Terraform, Code: "data \"aws_iam_policy_document\" \"reader\" {\n  statement {\n    actions   = [\"secretsmanager:GetSecretValue\"]\n    resources = [aws_secretsmanager_secret.db.arn]\n  }\n}"},
	},
	Frameworks: allFrameworks,
	Run:        capabilityRun("exfiltrate", (*iam.Permissions).CanExfiltrate, "role %s (used by %s) can read every resource of a data store: %s"),
})

var _ = register(&analysis.Rule{
	ID:       "WAR-IAM-012",
	Title:    "Function can invoke any function",
	SAS:      "SAS-4",
	CWE:      []string{"CWE-284"},
	Severity: analysis.Medium,
	Doc: "lambda:InvokeFunction on \"*\" lets a compromised function call every other function in the account, including ones with more " +
		"privileges and ones that were never meant to take its input.",
	Fix: "Scope lambda:InvokeFunction to the ARNs of the functions it calls.",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "Policies:\n  - LambdaInvokePolicy:\n      FunctionName: !Ref Worker"},
		{Framework: model.Serverless, Code: "functions:\n  dispatch:\n    handler: app.dispatch\n    iamRoleStatements:\n      - Effect: Allow\n        Action: lambda:InvokeFunction\n        Resource: arn:aws:lambda:${aws:region}:${aws:accountId}:function:${self:service}-${sls:stage}-worker"},
		{Framework: model.Terraform, Code: "data \"aws_iam_policy_document\" \"dispatch\" {\n  statement {\n    actions   = [\"lambda:InvokeFunction\"]\n    resources = [aws_lambda_function.worker.arn]\n  }\n}"},
	},
	Frameworks: allFrameworks,
	Run:        capabilityRun("invoke-any", (*iam.Permissions).CanInvokeAnyFunction, "role %s (used by %s) can invoke any function (%s)"),
})

var _ = register(&analysis.Rule{
	ID:       "WAR-IAM-013",
	Title:    "Policy names an action that does not exist",
	SAS:      "SAS-4",
	CWE:      []string{"CWE-1164"},
	Severity: analysis.Low,
	Doc: "An action that is not in the AWS Service Authorization Reference is a typo or a renamed action: the statement grants nothing the " +
		"author meant, and the function will fail at run time, which often leads someone to widen the policy to \"*\".",
	Fix: "Correct the action name (the AWS Service Authorization Reference lists every action).",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "Action: dynamodb:GetItem   # not dynamodb:GetItems"},
		{Framework: model.Serverless, Code: "provider:\n  iam:\n    role:\n      statements:\n        - Effect: Allow\n          Action:\n            - dynamodb:GetItem # not dynamodb:GetItems\n          Resource: !GetAtt OrdersTable.Arn"},
		{Framework: model.Terraform, Code: "data \"aws_iam_policy_document\" \"fn\" {\n  statement {\n    actions   = [\"s3:GetObject\"] # not s3:GetObjects\n    resources = [\"${aws_s3_bucket.uploads.arn}/*\"]\n  }\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		cat := iam.Catalogue()
		for _, r := range p.App.Roles {
			if r.Provider != model.AWS {
				continue
			}
			for _, pol := range r.Policies {
				// Policies the framework writes (SAM policy templates, the
				// Serverless Framework's defaults) are not the user's to fix.
				if strings.HasPrefix(pol.Source, "SAM template") || strings.HasPrefix(pol.Source, "serverless framework") {
					continue
				}
				for _, st := range pol.Statements {
					for _, a := range append(append([]model.Value{}, st.Actions...), st.NotActions...) {
						if !a.IsKnown() || a.V == "*" || !strings.Contains(a.V, ":") {
							continue
						}
						svc, _, _ := strings.Cut(a.V, ":")
						if _, ok := cat.Service(strings.ToLower(svc)); !ok {
							continue // a service newer than the embedded data: unknown, not wrong
						}
						if strings.ContainsAny(a.V, "*?") {
							if len(cat.Expand(a.V)) > 0 {
								continue
							}
						} else if _, ok := cat.Action(a.V); ok {
							continue
						}
						p.Report(analysis.Finding{Pos: a.PosOr(st.Pos), Anchor: r.Pos, FunctionID: firstFunctionID(p, r.ID), Subject: subject(r.ID, "unknown-action", a.V),
							Message: fmt.Sprintf("role %s names %s, which is not an action of %s", r.Name, a.V, svc)})
					}
				}
			}
		}
	},
})
