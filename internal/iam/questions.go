package iam

import (
	"slices"
	"sort"
	"strings"

	"github.com/wardensec/warden/internal/model"
)

// Capability is one action a role holds for some question, with the grants
// that give it (already filtered to the ones that matter for the question).
type Capability struct {
	Action string
	Access AccessLevel
	Grants []ResourceGrant
}

// Conditional reports whether every grant is narrowed by a condition: the
// capability exists only in requests that meet it.
func (c *Capability) Conditional() bool {
	for i := range c.Grants {
		if !c.Grants[i].Conditional() {
			return false
		}
	}
	return len(c.Grants) > 0
}

// Unknown reports whether every grant rests on unresolved values: the
// capability may exist, Warden cannot tell.
func (c *Capability) Unknown() bool {
	for i := range c.Grants {
		if !c.Grants[i].Unknown {
			return false
		}
	}
	return len(c.Grants) > 0
}

// Wildcard reports whether some grant is on a wildcard resource.
func (c *Capability) Wildcard() bool {
	for i := range c.Grants {
		if c.Grants[i].Wildcard() {
			return true
		}
	}
	return false
}

// Positions lists the statements that grant the capability, sorted and
// without duplicates.
func (c *Capability) Positions() []model.Pos {
	var out []model.Pos
	for i := range c.Grants {
		out = append(out, c.Grants[i].Where.Pos)
	}
	return sortPositions(out)
}

func sortPositions(ps []model.Pos) []model.Pos {
	sort.Slice(ps, func(i, j int) bool { return ps[i].Less(ps[j]) })
	return slices.Compact(ps)
}

// Wildcard reports whether the grant's resource, as written, holds a
// wildcard, or is NotResource, or is unknown. Unresolved ${...} parts of an
// expression are not wildcards: they stand for one value.
func (g *ResourceGrant) Wildcard() bool {
	if g.Unknown || len(g.Except) > 0 {
		return true
	}
	if g.Value.IsUnknown() {
		return strings.ContainsAny(replaceVars(g.Value.Expr, ""), "*?")
	}
	if g.Value.IsKnown() {
		return strings.ContainsAny(replaceVars(g.Value.V, ""), "*?")
	}
	return strings.ContainsAny(g.Pattern, "*?")
}

// capability gathers the standing grants of an action that accept keeps.
func (p *Permissions) capability(action string, accept func(*ResourceGrant) bool) (Capability, bool) {
	g := p.Query(action)
	c := Capability{Action: g.Action, Access: g.Access}
	for i := range g.Resources {
		if accept == nil || accept(&g.Resources[i]) {
			c.Grants = append(c.Grants, g.Resources[i])
		}
	}
	return c, len(c.Grants) > 0
}

// Options tell the questions about the role's context.
type Options struct {
	// SelfIDs are the model IDs of the functions that run with the role,
	// and SelfARNs their ARNs (or patterns): a function changing its own
	// code or configuration gains nothing it did not already have.
	SelfIDs  []string
	SelfARNs []string
}

func (o *Options) isSelf(g *ResourceGrant) bool {
	if o == nil || g.Wildcard() {
		return false
	}
	for _, id := range o.SelfIDs {
		if g.Value.Ref != "" && g.Value.Ref == id {
			return true
		}
	}
	for _, a := range o.SelfARNs {
		if resourceCovers(a, g.Pattern) || resourceCovers(a+":*", g.Pattern) {
			return true
		}
	}
	return false
}

// stepKind says which grants of a step's action count.
type stepKind uint8

const (
	onAny      stepKind = iota // any grant: the action is dangerous whatever it is scoped to
	onWildcard                 // grants on wildcard, NotResource or unknown resources
	onOthers                   // grants that reach resources other than the role's own functions
)

type escStep struct {
	action string
	kind   stepKind
	// passTo is, for iam:PassRole, the service principal the role must be
	// passable to for the path to work.
	passTo string
}

type escalation struct {
	id, title string
	steps     []escStep
}

// escalations are the known privilege-escalation paths for an AWS
// principal, after Rhino Security Labs' "AWS IAM Privilege Escalation -
// Methods and Mitigation" (Spencer Gietzen, 2018; methods 1-21), the
// privilege-escalation list of Salesforce's Cloudsplaining
// (cloudsplaining/shared/default-exclusions and the
// PrivilegeEscalation finding) and the edge types of NCC Group's pmapper
// (IAM, Lambda, CloudFormation, EC2, Glue, SageMaker, CodeBuild edges).
//
// Scope decisions, each tested with a near-miss:
//   - iam:PassRole counts only on a wildcard resource, and only when an
//     iam:PassedToService condition, if any, admits the service of the
//     path: passing one named role is how services are meant to be wired,
//     and reviewing that role is a separate question.
//   - sts:AssumeRole counts only on a wildcard resource, for the same
//     reason.
//   - lambda:UpdateFunctionCode and UpdateFunctionConfiguration count
//     only when they reach functions other than the role's own (Options):
//     rewriting itself gives a function nothing new.
//   - The IAM write actions (Put*Policy, Attach*Policy, CreatePolicyVersion,
//     SetDefaultPolicyVersion, CreateAccessKey, *LoginProfile,
//     AddUserToGroup, UpdateAssumeRolePolicy) count on any resource, even one
//     specific ARN: which principals a policy is attached to, or which user
//     a key is for, cannot be seen from the role, and a write to a
//     principal's permissions is escalation whenever that principal is more
//     privileged or is the role itself. Such paths are marked Scoped, so a
//     rule can lower the severity; CreatePolicyVersion on one unrelated
//     policy ARN is therefore still reported, as Scoped.
var escalations = []escalation{
	{"iam-create-policy-version", "create a new default version of a managed policy (iam:CreatePolicyVersion)", []escStep{{"iam:CreatePolicyVersion", onAny, ""}}},
	{"iam-set-default-policy-version", "switch a managed policy to a more permissive existing version (iam:SetDefaultPolicyVersion)", []escStep{{"iam:SetDefaultPolicyVersion", onAny, ""}}},
	{"iam-create-access-key", "create access keys for another user (iam:CreateAccessKey)", []escStep{{"iam:CreateAccessKey", onAny, ""}}},
	{"iam-create-login-profile", "set a console password for a user that has none (iam:CreateLoginProfile)", []escStep{{"iam:CreateLoginProfile", onAny, ""}}},
	{"iam-update-login-profile", "change a user's console password (iam:UpdateLoginProfile)", []escStep{{"iam:UpdateLoginProfile", onAny, ""}}},
	{"iam-attach-user-policy", "attach any managed policy to a user (iam:AttachUserPolicy)", []escStep{{"iam:AttachUserPolicy", onAny, ""}}},
	{"iam-attach-group-policy", "attach any managed policy to a group (iam:AttachGroupPolicy)", []escStep{{"iam:AttachGroupPolicy", onAny, ""}}},
	{"iam-attach-role-policy", "attach any managed policy to a role, itself included (iam:AttachRolePolicy)", []escStep{{"iam:AttachRolePolicy", onAny, ""}}},
	{"iam-put-user-policy", "write an inline policy on a user (iam:PutUserPolicy)", []escStep{{"iam:PutUserPolicy", onAny, ""}}},
	{"iam-put-group-policy", "write an inline policy on a group (iam:PutGroupPolicy)", []escStep{{"iam:PutGroupPolicy", onAny, ""}}},
	{"iam-put-role-policy", "write an inline policy on a role, itself included (iam:PutRolePolicy)", []escStep{{"iam:PutRolePolicy", onAny, ""}}},
	{"iam-add-user-to-group", "add a user to a more privileged group (iam:AddUserToGroup)", []escStep{{"iam:AddUserToGroup", onAny, ""}}},
	{"iam-update-assume-role-policy", "make a role trust an attacker-chosen principal (iam:UpdateAssumeRolePolicy)", []escStep{{"iam:UpdateAssumeRolePolicy", onAny, ""}}},
	{"sts-assume-role-any", "assume any role that trusts the account (sts:AssumeRole on *)", []escStep{{"sts:AssumeRole", onWildcard, ""}}},
	{"passrole-lambda-create-invoke", "create a function with a more privileged role and invoke it (iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction)",
		[]escStep{{"iam:PassRole", onWildcard, "lambda.amazonaws.com"}, {"lambda:CreateFunction", onAny, ""}, {"lambda:InvokeFunction", onWildcard, ""}}},
	{"passrole-lambda-create-esm", "create a function with a more privileged role and trigger it from an event source (iam:PassRole + lambda:CreateFunction + lambda:CreateEventSourceMapping)",
		[]escStep{{"iam:PassRole", onWildcard, "lambda.amazonaws.com"}, {"lambda:CreateFunction", onAny, ""}, {"lambda:CreateEventSourceMapping", onAny, ""}}},
	{"passrole-lambda-update-code", "pass a more privileged role to Lambda and replace function code (iam:PassRole + lambda:UpdateFunctionCode)",
		[]escStep{{"iam:PassRole", onWildcard, "lambda.amazonaws.com"}, {"lambda:UpdateFunctionCode", onAny, ""}}},
	{"passrole-lambda-update-config", "give an existing function a more privileged role (iam:PassRole + lambda:UpdateFunctionConfiguration)",
		[]escStep{{"iam:PassRole", onWildcard, "lambda.amazonaws.com"}, {"lambda:UpdateFunctionConfiguration", onAny, ""}}},
	{"lambda-update-code", "replace the code of other functions and run as their roles (lambda:UpdateFunctionCode)", []escStep{{"lambda:UpdateFunctionCode", onOthers, ""}}},
	{"lambda-update-config-layer", "add a layer to other functions, injecting code that runs as their roles (lambda:UpdateFunctionConfiguration)", []escStep{{"lambda:UpdateFunctionConfiguration", onOthers, ""}}},
	{"passrole-cloudformation", "create a stack that runs with a more privileged role (iam:PassRole + cloudformation:CreateStack)",
		[]escStep{{"iam:PassRole", onWildcard, "cloudformation.amazonaws.com"}, {"cloudformation:CreateStack", onAny, ""}}},
	{"passrole-ec2", "launch an instance with a more privileged instance profile (iam:PassRole + ec2:RunInstances)",
		[]escStep{{"iam:PassRole", onWildcard, "ec2.amazonaws.com"}, {"ec2:RunInstances", onAny, ""}}},
	{"passrole-glue-dev-endpoint", "create a Glue development endpoint with a more privileged role (iam:PassRole + glue:CreateDevEndpoint)",
		[]escStep{{"iam:PassRole", onWildcard, "glue.amazonaws.com"}, {"glue:CreateDevEndpoint", onAny, ""}}},
	{"glue-update-dev-endpoint", "add an SSH key to an existing Glue development endpoint and use its role (glue:UpdateDevEndpoint)", []escStep{{"glue:UpdateDevEndpoint", onAny, ""}}},
	{"passrole-datapipeline", "run a data pipeline with a more privileged role (iam:PassRole + datapipeline:CreatePipeline + datapipeline:PutPipelineDefinition)",
		[]escStep{{"iam:PassRole", onWildcard, "datapipeline.amazonaws.com"}, {"datapipeline:CreatePipeline", onAny, ""}, {"datapipeline:PutPipelineDefinition", onAny, ""}}},
	{"passrole-codebuild", "run a build with a more privileged role (iam:PassRole + codebuild:CreateProject + codebuild:StartBuild)",
		[]escStep{{"iam:PassRole", onWildcard, "codebuild.amazonaws.com"}, {"codebuild:CreateProject", onAny, ""}, {"codebuild:StartBuild", onAny, ""}}},
	{"passrole-sagemaker-notebook", "open a SageMaker notebook with a more privileged role (iam:PassRole + sagemaker:CreateNotebookInstance + sagemaker:CreatePresignedNotebookInstanceUrl)",
		[]escStep{{"iam:PassRole", onWildcard, "sagemaker.amazonaws.com"}, {"sagemaker:CreateNotebookInstance", onAny, ""}, {"sagemaker:CreatePresignedNotebookInstanceUrl", onAny, ""}}},
}

// Path is one privilege-escalation path a role holds.
type Path struct {
	ID    string // stable: "passrole-lambda-create-invoke"
	Title string
	// Steps hold, per action the path needs, the grants that give it.
	Steps []Capability
	// Conditional: some step is only granted under a narrowing condition.
	Conditional bool
	// Unknown: some step is only granted through unresolved values.
	Unknown bool
	// Scoped: no step is granted on a wildcard resource; the path needs
	// the particular resources named to be the right ones.
	Scoped bool
}

// Positions lists the statements that make up the path.
func (p *Path) Positions() []model.Pos {
	var out []model.Pos
	for i := range p.Steps {
		out = append(out, p.Steps[i].Positions()...)
	}
	return sortPositions(out)
}

// passable reports whether an iam:PassRole grant lets the role be passed to
// a service, given its iam:PassedToService conditions. An unresolved value
// might admit the service, so it does: it matches under StringEquals and
// does not under StringNotEquals.
func passable(g *ResourceGrant, principal string) bool {
	for _, c := range g.Conditions {
		if !strings.EqualFold(c.Key, "iam:PassedToService") {
			continue
		}
		// iam:PassedToService is in every PassRole request, so an
		// ...IfExists operator restricts exactly as the plain one does.
		op := strings.ToLower(c.Operator)
		negated := strings.Contains(op, "not")
		match := false
		for _, v := range c.Values {
			switch {
			case !v.IsKnown():
				match = match || !negated // assume the reading that keeps the path
			case globMatch(strings.ToLower(v.V), principal):
				match = true
			}
		}
		if negated == match {
			return false
		}
	}
	return true
}

// stepConditional is Capability.Conditional for a path step. For an
// iam:PassRole step, an iam:PassedToService condition that admits the
// path's service (passable has checked it) is met by the path itself and so
// does not make it conditional: AWSLambda_FullAccess passes roles only to
// Lambda, which is exactly what the Lambda paths need.
func stepConditional(c *Capability, passRole bool) bool {
	for i := range c.Grants {
		narrowed := false
		for _, cond := range c.Grants[i].Conditions {
			if passRole && strings.EqualFold(cond.Key, "iam:PassedToService") {
				continue
			}
			narrowed = narrowed || Narrows(cond)
		}
		if !narrowed {
			return false
		}
	}
	return len(c.Grants) > 0
}

// CanEscalate returns the privilege-escalation paths the role holds, in the
// order of the list above. opts may be nil. Like every question, it answers
// from what Warden could read: when p.Unresolved is not empty a path may be
// missing, and a rule should say that the role was not fully evaluated
// rather than call it safe.
func (p *Permissions) CanEscalate(opts *Options) []Path {
	var out []Path
next:
	for _, e := range escalations {
		path := Path{ID: e.id, Title: e.title, Scoped: true}
		for _, s := range e.steps {
			c, ok := p.capability(s.action, func(g *ResourceGrant) bool {
				switch s.kind {
				case onWildcard:
					if !g.Wildcard() {
						return false
					}
				case onOthers:
					if opts.isSelf(g) {
						return false
					}
				}
				return s.passTo == "" || passable(g, s.passTo)
			})
			if !ok {
				continue next
			}
			path.Conditional = path.Conditional || stepConditional(&c, s.passTo != "")
			path.Unknown = path.Unknown || c.Unknown()
			path.Scoped = path.Scoped && !c.Wildcard()
			path.Steps = append(path.Steps, c)
		}
		out = append(out, path)
	}
	return out
}

// exposeActions change resource policies, ACLs or sharing settings, and so
// can make a resource reachable from outside the account or by anyone.
var exposeActions = []string{
	"s3:PutBucketPolicy", "s3:PutBucketAcl", "s3:PutObjectAcl", "s3:PutObjectVersionAcl",
	"s3:PutBucketPublicAccessBlock", "s3:PutAccountPublicAccessBlock", "s3:PutAccessPointPolicy", "s3:DeleteBucketPolicy",
	"lambda:AddPermission", "lambda:AddLayerVersionPermission", "lambda:CreateFunctionUrlConfig", "lambda:UpdateFunctionUrlConfig",
	"sqs:SetQueueAttributes", "sqs:AddPermission",
	"sns:SetTopicAttributes", "sns:AddPermission",
	"kms:PutKeyPolicy", "kms:CreateGrant",
	"secretsmanager:PutResourcePolicy",
	"ecr:SetRepositoryPolicy",
	"apigateway:UpdateRestApiPolicy",
	"logs:PutResourcePolicy", "events:PutPermission",
	"dynamodb:PutResourcePolicy", "kinesis:PutResourcePolicy",
	"glacier:SetVaultAccessPolicy", "backup:PutBackupVaultAccessPolicy", "elasticfilesystem:PutFileSystemPolicy",
	"ec2:ModifySnapshotAttribute", "ec2:ModifyImageAttribute", "rds:ModifyDBSnapshotAttribute", "rds:ModifyDBClusterSnapshotAttribute",
	"ram:CreateResourceShare", "iam:UpdateAssumeRolePolicy",
}

// CanExpose returns the actions the role holds that can make resources
// public or shared across accounts, on any resource: exposing one's own
// bucket is as much exposure as exposing another's.
func (p *Permissions) CanExpose() []Capability {
	return p.collect(exposeActions, nil)
}

// exfilActions read data out of data stores, secrets and keys.
var exfilActions = []string{
	"s3:GetObject", "s3:GetObjectVersion",
	"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:PartiQLSelect", "dynamodb:GetRecords",
	"secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue",
	"ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory",
	"kms:Decrypt",
	"rds-data:ExecuteStatement", "rds-data:BatchExecuteStatement",
	"sqs:ReceiveMessage", "kinesis:GetRecords",
	"logs:GetLogEvents", "logs:FilterLogEvents",
	"lambda:GetFunction",
	"athena:GetQueryResults", "redshift-data:GetStatementResult",
}

// CanExfiltrate returns the data-reading actions the role holds on wide
// resources ("*", every table, every secret, every bucket): reads scoped to
// the function's own data are its job, reads across the account are what
// an attacker wants from a compromised function.
func (p *Permissions) CanExfiltrate() []Capability {
	return p.collect(exfilActions, func(g *ResourceGrant) bool { return g.Wide })
}

// CanInvokeAnyFunction returns lambda:InvokeFunction and InvokeAsync grants
// on every function ("*", "arn:aws:lambda:*:*:function:*").
func (p *Permissions) CanInvokeAnyFunction() []Capability {
	return p.collect([]string{"lambda:InvokeFunction", "lambda:InvokeAsync"}, func(g *ResourceGrant) bool { return g.Wide })
}

func (p *Permissions) collect(actions []string, accept func(*ResourceGrant) bool) []Capability {
	var out []Capability
	for _, a := range actions {
		if c, ok := p.capability(a, accept); ok {
			out = append(out, c)
		}
	}
	return out
}

// WildcardWrite is a Write or Permissions-management action granted on
// Resource "*" (or through NotResource, or on an unresolved resource).
type WildcardWrite struct {
	Capability
	// Scopable is false for actions that do not support resource-level
	// permissions (xray:PutTraceSegments, cloudwatch:PutMetricData): they
	// can only be granted on "*", and a rule should not ask for more.
	Scopable bool
}

// WildcardWrites returns the Write and Permissions-management actions the
// role holds on every resource, expanded against the catalogue, in the
// catalogue's order. Actions the catalogue lacks are not listed: their
// access level is unknown.
func (p *Permissions) WildcardWrites() []WildcardWrite {
	cat := Catalogue()
	// A role with "*" reaches 12,000 write actions: mark them by rank
	// rather than collect names, and evaluate them without filling the
	// Query cache.
	cand := make([]bool, len(cat.all))
	found := false
	for _, s := range p.allows {
		for _, r := range s.writeCandidates() {
			cand[r], found = true, true
		}
	}
	if !found {
		return nil
	}
	var out []WildcardWrite
	for i, ok := range cand {
		if !ok {
			continue
		}
		a := cat.all[i]
		g, cached := p.cache[a.key]
		if !cached {
			g = p.eval(a.key, a.full, a)
		}
		w := WildcardWrite{Capability: Capability{Action: g.Action, Access: g.Access}, Scopable: a.ResourceLevel()}
		for _, rg := range g.Resources {
			if rg.Pattern == "*" {
				w.Grants = append(w.Grants, rg)
			}
		}
		if len(w.Grants) > 0 {
			out = append(out, w)
		}
	}
	return out
}
