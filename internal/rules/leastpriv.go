package rules

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/iam"
	"github.com/wardensec/warden/internal/leastpriv"
	"github.com/wardensec/warden/internal/model"
)

// SAS-4 rules that compare what a role grants with what the code of its
// functions calls (internal/leastpriv). They report nothing for functions
// whose code was not analysed: "never used" needs the whole picture, and
// "not granted" needs to know the call.

// lpLambdaManaged are granted for the Lambda service to use on the
// function's behalf (logs, traces, network interfaces), never called by
// the code itself.
var lpLambdaManaged = map[string]bool{
	"logs:createloggroup": true, "logs:createlogstream": true, "logs:putlogevents": true, "logs:tagresource": true,
	"xray:puttracesegments": true, "xray:puttelemetryrecords": true,
	"ec2:createnetworkinterface": true, "ec2:describenetworkinterfaces": true, "ec2:deletenetworkinterface": true,
	"ec2:assignprivateipaddresses": true, "ec2:unassignprivateipaddresses": true,
}

// lpPollActions are what Lambda's event source mappings call with the
// function's role to read queues and streams.
var lpPollActions = map[string]bool{
	"sqs:receivemessage": true, "sqs:deletemessage": true, "sqs:getqueueattributes": true, "sqs:changemessagevisibility": true,
	"sqs:deletemessagebatch": true, "sqs:changemessagevisibilitybatch": true,
	"dynamodb:getrecords": true, "dynamodb:getsharditerator": true, "dynamodb:describestream": true, "dynamodb:liststreams": true,
	"kinesis:getrecords": true, "kinesis:getsharditerator": true, "kinesis:describestream": true, "kinesis:describestreamsummary": true,
	"kinesis:listshards": true, "kinesis:liststreams": true, "kinesis:subscribetoshard": true,
	"kafka:describecluster": true, "kafka:describeclusterv2": true, "kafka:getbootstrapbrokers": true,
}

// lpKMSServices encrypt with KMS on the caller's behalf: using one of them
// can need kms:Decrypt or GenerateDataKey on the caller's role without a
// KMS call in the code.
var lpKMSServices = map[string]bool{"s3": true, "sqs": true, "sns": true, "dynamodb": true, "secretsmanager": true, "ssm": true, "kinesis": true, "firehose": true}

// lpUsedOnBehalf reports whether AWS itself uses the action with this role
// for these functions, so that the code never calling it is no excess.
func lpUsedOnBehalf(action string, fns []*model.Function, used map[string]bool) bool {
	a := strings.ToLower(action)
	if lpLambdaManaged[a] {
		return true
	}
	for _, f := range fns {
		for _, t := range f.Triggers {
			if (t.Kind == model.TriggerQueue || t.Kind == model.TriggerStream) && lpPollActions[a] {
				return true
			}
		}
		if (f.DeadLetter.IsSet() || f.OnFailure.IsSet()) && (a == "sqs:sendmessage" || a == "sns:publish") {
			return true
		}
		if strings.HasPrefix(a, "kms:") && f.EnvKMSKey.IsSet() {
			return true
		}
	}
	if strings.HasPrefix(a, "kms:") && (strings.HasPrefix(a, "kms:decrypt") || strings.HasPrefix(a, "kms:generatedatakey") || strings.HasPrefix(a, "kms:encrypt") || strings.HasPrefix(a, "kms:describekey")) {
		for u := range used {
			if svc, _, ok := strings.Cut(u, ":"); ok && lpKMSServices[svc] {
				return true
			}
		}
	}
	return false
}

// lpRoleUsage collects what every function of a role uses. ok is false when
// one of them was not fully analysed: a grant unused by the others may be
// what it calls.
func lpRoleUsage(p *analysis.Pass, r *model.Role) (fns []*model.Function, used map[string]bool, refs map[string]map[string]bool, ok bool) {
	used = map[string]bool{}
	// refs maps an action to the project resources its calls touch; nil
	// for an action some call makes on a resource that is not one
	// resolved project resource (a literal, a wildcard): then which
	// granted resources go unused cannot be told.
	refs = map[string]map[string]bool{}
	fns = roleFunctions(p, r.ID)
	if len(fns) == 0 {
		return nil, nil, nil, false
	}
	opaque := map[string]bool{}
	for _, f := range fns {
		u := leastpriv.UsageOf(f)
		if !u.Complete() {
			return nil, nil, nil, false
		}
		for _, use := range u.Uses {
			a := strings.ToLower(use.Action)
			used[a] = true
			ref := use.Resource.Ref()
			if ref == "" || len(use.Resource.Notes) > 0 {
				opaque[a] = true
				continue
			}
			if refs[a] == nil {
				refs[a] = map[string]bool{}
			}
			refs[a][ref] = true
		}
	}
	for a := range opaque {
		delete(refs, a)
	}
	return fns, used, refs, true
}

// lpShorten lists at most n items, saying how many more there are.
func lpShorten(xs []string, n int) string {
	if len(xs) > n {
		return strings.Join(xs[:n], ", ") + fmt.Sprintf(" and %d more", len(xs)-n)
	}
	return strings.Join(xs, ", ")
}

var _ = register(&analysis.Rule{
	ID:       "WAR-IAM-014",
	Title:    "Role grants actions its functions' code never calls",
	SAS:      "SAS-4",
	CWE:      []string{"CWE-250"},
	Severity: analysis.Low,
	Doc: "Warden maps the AWS SDK calls in the code of every function that uses the role (boto3, AWS SDK for JavaScript v2 and v3, " +
		"aws-sdk-go-v2) to IAM actions, and reports actions that the role's own statements grant but no function calls, and actions granted " +
		"on project resources that no call touches (when every call of that action names a resolved project resource): permissions an " +
		"attacker who takes over the function gets for free. Only roles whose functions' code was found, parsed and fully mapped are judged; " +
		"actions AWS uses with the role on the function's behalf (CloudWatch Logs, X-Ray, network interfaces in a VPC, polling a queue or " +
		"stream trigger, dead-letter targets, KMS for encrypted services the code uses) and AWS service-role managed policies are not reported.",
	Fix: "Remove the unused actions; `warden iam suggest` prints the policy the code needs.",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "Policies:\n  - DynamoDBReadPolicy:   # the code only calls get_item\n      TableName: !Ref Orders"},
		{Framework: model.Serverless, Code: "provider:\n  iam:\n    role:\n      statements:\n        - Effect: Allow\n          Action: [dynamodb:GetItem]\n          Resource: !GetAtt OrdersTable.Arn"},
		{Framework: model.Terraform, Code: "data \"aws_iam_policy_document\" \"orders\" {\n  statement {\n    actions   = [\"dynamodb:GetItem\"]\n    resources = [aws_dynamodb_table.orders.arn]\n  }\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, r := range engineRoles(p) {
			if alreadyAdmin(r) {
				continue
			}
			fns, used, refs, ok := lpRoleUsage(p, r)
			if !ok {
				continue
			}
			// Unused actions per granting statement, so each finding
			// points at the statement to trim; and used actions granted
			// on project resources that no call touches.
			type stmtUnused struct {
				pos     model.Pos
				actions []string
				onRes   map[string][]string // resource -> used actions granted on it, never on it
			}
			byStmt := map[model.Pos]*stmtUnused{}
			get := func(pos model.Pos) *stmtUnused {
				su := byStmt[pos]
				if su == nil {
					su = &stmtUnused{pos: pos, onRes: map[string][]string{}}
					byStmt[pos] = su
				}
				return su
			}
			withPermissions(p, r, func(pm *iam.Permissions) {
				for _, g := range pm.Grants() {
					a := strings.ToLower(g.Action)
					// Actions the catalogue lacks are WAR-IAM-013's.
					if !g.Allowed() || g.Info == nil || lpUsedOnBehalf(g.Action, fns, used) {
						continue
					}
					for _, rg := range g.Resources {
						if rg.Where.Managed != "" || rg.Unknown || rg.Where.Pos.IsZero() {
							continue
						}
						if !used[a] {
							su := get(rg.Where.Pos)
							if !slices.Contains(su.actions, g.Action) {
								su.actions = append(su.actions, g.Action)
							}
							continue
						}
						touched, known := refs[a]
						if !known || rg.Value.Ref == "" || touched[rg.Value.Ref] {
							continue
						}
						res := p.Index.Resources[rg.Value.Ref]
						if res == nil {
							continue
						}
						su := get(rg.Where.Pos)
						if !slices.Contains(su.onRes[res.Name], g.Action) {
							su.onRes[res.Name] = append(su.onRes[res.Name], g.Action)
						}
					}
				}
			})
			usedSvc := map[string]bool{}
			for a := range used {
				s, _, _ := strings.Cut(a, ":")
				usedSvc[s] = true
			}
			var stmts []*stmtUnused
			for _, su := range byStmt {
				stmts = append(stmts, su)
			}
			sort.Slice(stmts, func(i, j int) bool { return stmts[i].pos.Less(stmts[j].pos) })
			for _, su := range stmts {
				sort.Strings(su.actions)
				var svcs []string
				for _, a := range su.actions {
					s, _, _ := strings.Cut(strings.ToLower(a), ":")
					if !usedSvc[s] && !slices.Contains(svcs, s) {
						svcs = append(svcs, s)
					}
				}
				var parts, subj []string
				if len(su.actions) > 0 {
					part := fmt.Sprintf("%d action(s) that the code of %s never calls: %s", len(su.actions), fnNames(fns), lpShorten(su.actions, 8))
					if len(svcs) > 0 {
						part += fmt.Sprintf("; no call at all to service(s) %s", strings.Join(svcs, ", "))
					}
					parts = append(parts, part)
					subj = append(subj, strings.Join(su.actions, ","))
				}
				var resNames []string
				for n := range su.onRes {
					resNames = append(resNames, n)
				}
				sort.Strings(resNames)
				for _, n := range resNames {
					acts := su.onRes[n]
					sort.Strings(acts)
					parts = append(parts, fmt.Sprintf("%s on %s, which the code of %s never touches", lpShorten(acts, 8), n, fnNames(fns)))
					subj = append(subj, n+":"+strings.Join(acts, ","))
				}
				p.Report(analysis.Finding{Pos: su.pos, Anchor: r.Pos, FunctionID: fns[0].ID,
					Subject: subject(r.ID, "unused", strings.Join(subj, ";")), Message: fmt.Sprintf("role %s grants %s", r.Name, strings.Join(parts, "; and "))})
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-IAM-015",
	Title:    "Code calls an AWS action its role does not grant",
	SAS:      "SAS-4",
	CWE:      []string{"CWE-703"},
	Severity: analysis.Low,
	Doc: "An AWS SDK call in the function's code needs an IAM action on a resource that the function's role does not grant, so the call " +
		"fails with AccessDenied at run time - often only on the error path that tests do not reach. Warden maps the call to IAM with the " +
		"SDK-to-IAM map and resolves the resource from literals and from environment variables that reference the template's resources. " +
		"Roles with parts Warden cannot read (unresolved policies, managed policies outside the project) are not judged, nor calls on a project " +
		"resource that has a resource policy of its own, which may grant the role directly. Grants Warden does not model (SAM connectors) are " +
		"not seen: suppress the finding where one grants the call.",
	Fix: "Grant the action on the resource (`warden iam suggest` prints the statement), or remove the call.",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "Policies:\n  - DynamoDBCrudPolicy:   # the code calls put_item\n      TableName: !Ref Orders"},
		{Framework: model.Serverless, Code: "provider:\n  iam:\n    role:\n      statements:\n        - Effect: Allow\n          Action: [s3:GetObject]\n          Resource: !Sub \"${UploadBucket.Arn}/*\""},
		{Framework: model.Terraform, Code: "data \"aws_iam_policy_document\" \"orders\" {\n  statement {\n    actions   = [\"dynamodb:GetItem\", \"dynamodb:PutItem\"]\n    resources = [aws_dynamodb_table.orders.arn]\n  }\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, f := range functions(p) {
			u := leastpriv.UsageOf(f)
			if u == nil || !u.Located || f.RoleID == "" {
				continue
			}
			r := p.Index.Roles[f.RoleID]
			if r == nil {
				continue
			}
			withPermissions(p, r, func(pm *iam.Permissions) {
				if len(pm.Unresolved) > 0 {
					return
				}
				seen := map[string]bool{}
				for _, use := range u.Uses {
					if use.Optional {
						continue
					}
					k := use.Pos.String() + use.Action + use.Resource.ARN
					if seen[k] {
						continue
					}
					seen[k] = true
					if res := p.Index.Resources[use.Resource.Ref()]; res != nil && len(res.Policies) > 0 {
						// A bucket, queue, topic or key policy of the
						// project's own may grant the role what its
						// identity policies do not.
						continue
					}
					d, _ := pm.Can(use.Action, iam.Target{ARN: use.Resource.ARN, Ref: use.Resource.Ref()})
					if d != iam.No {
						continue
					}
					what := use.Resource.ARN
					if len(use.Resource.Slots) == 1 {
						what = use.Resource.Slots[0].Logical + " (" + use.Resource.ARN + ")"
					}
					p.Report(analysis.Finding{Pos: use.Pos, Anchor: f.Pos, FunctionID: f.ID,
						Related: []analysis.Location{{Pos: r.Pos, Message: "role " + r.Name}},
						Subject: subject(f.ID, "missing", use.Action, use.Resource.ARN),
						Message: fmt.Sprintf("%s calls %s on %s, which role %s does not grant: the call fails with AccessDenied at run time", fnLabel(f), use.Action, what, r.Name)})
				}
			})
		}
	},
})
