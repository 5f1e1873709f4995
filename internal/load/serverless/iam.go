package serverless

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/wardensec/warden/internal/load/yamlsafe"
	"github.com/wardensec/warden/internal/model"
)

const vpcManagedPolicy = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"

// providerIAM is what the provider says about the execution role.
type providerIAM struct {
	// external is set when the provider names an existing role (an ARN, a
	// name, or a reference to a role in resources).
	external model.Value

	stmts    *yaml.Node
	stmtsKey model.Pos
	source   string
	managed  []model.Value
	boundary model.Value
	name     model.Value
	pos      model.Pos
}

// sharedRole collects the functions on the framework's shared role.
type sharedRole struct {
	users []*fnInfo
}

// providerRole reads provider.iam.role (v3) and the older
// iamRoleStatements, iamManagedPolicies, rolePermissionsBoundary and role.
func (b *builder) providerRole() providerIAM {
	p := b.provider
	out := providerIAM{pos: b.keyPos(p, "iam")}
	if b.get(p, "iam") == nil {
		out.pos = b.pos(p)
	}
	role := b.getPath(p, "iam", "role")
	switch {
	case isNull(role):
	case role.Kind == yamlMapping && !b.r.isUnknown(role) && !isIntrinsic(role):
		out.pos = b.keyPos(b.get(p, "iam"), "role")
		if s := b.get(role, "statements"); !isNull(s) {
			out.stmts, out.stmtsKey, out.source = s, b.keyPos(role, "statements"), "provider.iam.role.statements"
		}
		out.managed = b.list(b.get(role, "managedPolicies"))
		out.boundary = b.val(b.get(role, "permissionsBoundary"))
		out.name = b.val(b.get(role, "name"))
	default:
		out.external = b.val(role)
	}
	if out.stmts == nil {
		if s := b.get(p, "iamRoleStatements"); !isNull(s) {
			out.stmts, out.stmtsKey, out.source = s, b.keyPos(p, "iamRoleStatements"), "provider.iamRoleStatements"
		}
	}
	if len(out.managed) == 0 {
		out.managed = b.list(b.get(p, "iamManagedPolicies"))
	}
	if out.boundary.IsAbsent() {
		out.boundary = b.val(b.get(p, "rolePermissionsBoundary"))
	}
	if out.external.IsAbsent() {
		out.external = b.val(b.get(p, "role"))
	}
	return out
}

func isIntrinsic(n *yaml.Node) bool {
	_, _, ok := intrinsic(n)
	return ok
}

// assignRole decides which role a function runs with: its own
// `role`, its own plugin role (iamRoleStatements), the provider's
// external role, or the framework's shared role.
func (b *builder) assignRole(fi *fnInfo) {
	f := fi.fn
	if k, s := yamlsafe.GetPair(fi.node, "iamRoleStatements"); !isNull(s) && isNull(b.get(fi.node, "role")) {
		fi.ownStmts, fi.ownKey = s, k
		f.RoleID = b.id(fi.norm + "IamRoleLambdaExecution")
		b.edge(f.ID, f.RoleID, model.EdgeUsesRole, b.pos(k))
		return
	}
	if r := b.val(b.get(fi.node, "role")); r.IsSet() {
		f.RoleRef = r
		f.RoleID = b.roleID(r)
		b.edge(f.ID, f.RoleID, model.EdgeUsesRole, r.Pos)
		return
	}
	if pr := b.provIAM(); pr.external.IsSet() {
		f.RoleRef = pr.external
		f.RoleID = b.roleID(pr.external)
		b.edge(f.ID, f.RoleID, model.EdgeUsesRole, pr.external.Pos)
		return
	}
	if b.shared == nil {
		b.shared = &sharedRole{}
	}
	fi.shared = true
	b.shared.users = append(b.shared.users, fi)
	f.RoleID = b.id("IamRoleLambdaExecution")
	f.RoleRef = model.Str("IamRoleLambdaExecution", f.Pos)
	b.edge(f.ID, f.RoleID, model.EdgeUsesRole, f.Pos)
}

// provIAM caches providerRole.
func (b *builder) provIAM() *providerIAM {
	if b.piam == nil {
		p := b.providerRole()
		b.piam = &p
	}
	return b.piam
}

// roleID maps a role reference to a model role: a Ref/GetAtt, or a
// logical ID declared in resources. External ARNs and names stay "".
func (b *builder) roleID(v model.Value) string {
	if v.Ref != "" {
		return v.Ref
	}
	if v.IsKnown() {
		if id, ok := b.logical[v.V]; ok {
			return id
		}
	}
	return ""
}

// buildRoles creates the implicit roles: the shared one, and one per
// function with its own statements.
func (b *builder) buildRoles() {
	pr := b.provIAM()
	if b.shared != nil {
		role := &model.Role{
			ID: b.id("IamRoleLambdaExecution"), Name: "IamRoleLambdaExecution", Provider: model.AWS,
			Framework: model.Serverless, Pos: pr.pos, Implicit: true,
			AssumeRolePolicy:    lambdaTrust(pr.pos),
			PermissionsBoundary: pr.boundary,
		}
		role.RoleName = pr.name
		if role.RoleName.IsAbsent() {
			role.RoleName = b.joinKnown(pr.pos, "-", b.service, b.stage, b.region, model.Str("lambdaRole", pr.pos))
		}
		if pr.stmts != nil {
			pol := b.policy(pr.stmts, pr.source, pr.stmtsKey)
			pol.Name = b.joinKnown(pr.stmtsKey, "-", b.service, b.stage, model.Str("lambda", pr.stmtsKey))
			role.Policies = append(role.Policies, pol)
		}
		role.Policies = append(role.Policies, b.defaultPolicy(b.shared.users, pr.pos, true))
		role.ManagedPolicies = append(role.ManagedPolicies, pr.managed...)
		role.ManagedPolicies = append(role.ManagedPolicies, b.vpcPolicy(b.shared.users)...)
		b.addRole(role)
	}
	for _, fi := range b.fns {
		if fi.ownStmts == nil {
			continue
		}
		kpos := b.pos(fi.ownKey)
		role := &model.Role{
			ID: b.id(fi.norm + "IamRoleLambdaExecution"), Name: fi.norm + "IamRoleLambdaExecution", Provider: model.AWS,
			Framework: model.Serverless, Pos: kpos, Implicit: true,
			AssumeRolePolicy:    lambdaTrust(kpos),
			RoleName:            b.val(b.get(fi.node, "iamRoleStatementsName")),
			PermissionsBoundary: first(b.val(b.get(fi.node, "iamPermissionsBoundary")), pr.boundary),
		}
		role.Policies = append(role.Policies, b.policy(fi.ownStmts, "functions."+fi.name+".iamRoleStatements", kpos))
		if b.val(b.get(fi.node, "iamRoleStatementsInherit")).IsTrue() && pr.stmts != nil {
			role.Policies = append(role.Policies, b.policy(pr.stmts, pr.source+" (inherited)", pr.stmtsKey))
		}
		role.Policies = append(role.Policies, b.defaultPolicy([]*fnInfo{fi}, kpos, false))
		role.ManagedPolicies = append(role.ManagedPolicies, pr.managed...)
		role.ManagedPolicies = append(role.ManagedPolicies, b.vpcPolicy([]*fnInfo{fi})...)
		b.addRole(role)
	}
}

// addRole adds a role unless resources declare one with the same logical
// ID, which the framework merges over its own.
func (b *builder) addRole(r *model.Role) {
	for _, x := range b.app.Roles {
		if x.ID == r.ID {
			return
		}
	}
	b.app.Roles = append(b.app.Roles, r)
}

// joinKnown joins values when all are known; otherwise the result is
// unknown with the parts as its expression.
func (b *builder) joinKnown(pos model.Pos, sep string, parts ...model.Value) model.Value {
	strs := make([]string, len(parts))
	known := true
	for i, p := range parts {
		if p.IsKnown() {
			strs[i] = p.V
		} else {
			known = false
			strs[i] = p.String()
		}
	}
	if known {
		return model.Str(strings.Join(strs, sep), pos)
	}
	return model.Unresolved(strings.Join(strs, sep), pos)
}

func lambdaTrust(pos model.Pos) *model.Policy {
	return &model.Policy{
		Pos: pos, Source: frameworkSource,
		Statements: []*model.Statement{{
			Pos:        pos,
			Effect:     model.Str("Allow", pos),
			Actions:    []model.Value{model.Str("sts:AssumeRole", pos)},
			Principals: map[string][]model.Value{"Service": {model.Str("lambda.amazonaws.com", pos)}},
		}},
	}
}

// defaultPolicy is what the framework (or the per-function plugin) grants
// on its own: writing the functions' logs, reading their queues and
// streams, X-Ray when tracing is on, and publishing to their DLQs.
func (b *builder) defaultPolicy(users []*fnInfo, pos model.Pos, shared bool) *model.Policy {
	pol := &model.Policy{Pos: pos, Source: frameworkSource}
	str := func(s string) model.Value { return model.Str(s, pos) }
	acts := func(ss ...string) []model.Value {
		out := make([]model.Value, len(ss))
		for i, s := range ss {
			out[i] = str(s)
		}
		return out
	}
	var groups []string
	if shared {
		prefix := "<service>-<stage>"
		if b.service.IsKnown() && b.stage.IsKnown() {
			prefix = b.service.V + "-" + b.stage.V
		}
		groups = []string{"/aws/lambda/" + prefix + "*"}
		for _, fi := range users {
			if n := fi.fn.FunctionName; n.IsKnown() && !strings.HasPrefix(n.V, prefix) {
				groups = append(groups, "/aws/lambda/"+n.V)
			}
		}
	} else {
		name := users[0].fn.FunctionName.String()
		groups = []string{"/aws/lambda/" + name}
	}
	logArn := func(g, suffix string) model.Value {
		return model.Unresolved("!Sub arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"+g+suffix, pos)
	}
	var create, put []model.Value
	for _, g := range groups {
		create = append(create, logArn(g, ":*"))
		put = append(put, logArn(g, ":*:*"))
	}
	pol.Statements = append(pol.Statements,
		&model.Statement{Pos: pos, Effect: str("Allow"), Actions: acts("logs:CreateLogStream", "logs:CreateLogGroup", "logs:TagResource"), Resources: create},
		&model.Statement{Pos: pos, Effect: str("Allow"), Actions: acts("logs:PutLogEvents"), Resources: put},
	)
	var sqs, ddb, kin, snsDLQ, sqsDLQ []model.Value
	tracing := false
	for _, fi := range users {
		sqs = append(sqs, fi.sqsArns...)
		ddb = append(ddb, fi.ddbArns...)
		kin = append(kin, fi.kinesisArns...)
		snsDLQ = append(snsDLQ, fi.snsDLQ...)
		sqsDLQ = append(sqsDLQ, fi.sqsDLQ...)
		tracing = tracing || fi.fn.Tracing.Is("Active")
	}
	add := func(res []model.Value, actions ...string) {
		res = dedupe(res)
		if len(res) > 0 {
			pol.Statements = append(pol.Statements, &model.Statement{Pos: res[0].PosOr(pos), Effect: str("Allow"), Actions: acts(actions...), Resources: res})
		}
	}
	add(sqs, "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
	add(ddb, "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream", "dynamodb:ListStreams")
	add(kin, "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:ListShards", "kinesis:ListStreams")
	add(snsDLQ, "sns:Publish")
	add(sqsDLQ, "sqs:SendMessage")
	if tracing {
		pol.Statements = append(pol.Statements, &model.Statement{Pos: pos, Effect: str("Allow"),
			Actions: acts("xray:PutTraceSegments", "xray:PutTelemetryRecords"), Resources: acts("*")})
	}
	return pol
}

// dedupe drops repeated known values, keeping the first occurrence.
func dedupe(vs []model.Value) []model.Value {
	seen := map[string]bool{}
	out := vs[:0:0]
	for _, v := range vs {
		if v.IsAbsent() {
			continue
		}
		key := v.V + "\x00" + v.Expr + "\x00" + v.Ref
		if v.IsKnown() && seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, v)
	}
	return out
}

// vpcPolicy is the managed policy the framework attaches when a function
// on the role runs in a VPC.
func (b *builder) vpcPolicy(users []*fnInfo) []model.Value {
	for _, fi := range users {
		if fi.fn.VPC != nil {
			return []model.Value{model.Str(vpcManagedPolicy, fi.fn.VPC.Pos)}
		}
	}
	return nil
}

// policy reads a list of IAM statements.
func (b *builder) policy(n *yaml.Node, src string, pos model.Pos) *model.Policy {
	pol := &model.Policy{Pos: pos, Source: src}
	if b.r.isUnknown(n) {
		pol.Unresolved = true
		return pol
	}
	for _, s := range b.items(n) {
		if s.Kind != yamlMapping || b.r.isUnknown(s) || isIntrinsic(s) {
			pol.Unresolved = true
			b.diag(b.pos(s), model.DiagWarning, "unresolved", "IAM statement %s cannot be read; the policy is incomplete", render(s, 80))
			continue
		}
		pol.Statements = append(pol.Statements, b.statement(s, pol))
	}
	return pol
}

// field reads a statement key; IAM keys are case-sensitive, but the
// framework passes lower-case ones through and CloudFormation accepts them.
func (b *builder) field(s *yaml.Node, key string) *yaml.Node {
	if v := b.get(s, key); v != nil {
		return v
	}
	return b.get(s, strings.ToLower(key))
}

func (b *builder) statement(s *yaml.Node, pol *model.Policy) *model.Statement {
	st := &model.Statement{Pos: b.pos(s)}
	st.Sid = b.str(b.field(s, "Sid"))
	st.Effect = b.val(b.field(s, "Effect"))
	vals := func(key string) []model.Value {
		vs := b.list(b.field(s, key))
		for _, v := range vs {
			if !v.IsKnown() && v.Ref == "" && !strings.HasPrefix(v.Expr, "!") {
				pol.Unresolved = true
			}
		}
		return vs
	}
	st.Actions = vals("Action")
	st.NotActions = vals("NotAction")
	st.Resources = vals("Resource")
	st.NotResources = vals("NotResource")
	st.Principals = b.principals(b.field(s, "Principal"))
	st.NotPrincipals = b.principals(b.field(s, "NotPrincipal"))
	if c := b.field(s, "Condition"); c != nil && c.Kind == yamlMapping {
		yamlsafe.Pairs(c, func(op, m *yaml.Node) {
			yamlsafe.Pairs(m, func(k, v *yaml.Node) {
				st.Conditions = append(st.Conditions, model.Condition{Operator: op.Value, Key: k.Value, Values: b.list(v)})
			})
		})
	}
	return st
}

func (b *builder) principals(n *yaml.Node) map[string][]model.Value {
	if isNull(n) {
		return nil
	}
	if n.Kind != yamlMapping || b.r.isUnknown(n) {
		return map[string][]model.Value{"*": {b.val(n)}}
	}
	out := map[string][]model.Value{}
	yamlsafe.Pairs(n, func(k, v *yaml.Node) { out[k.Value] = b.list(v) })
	return out
}
