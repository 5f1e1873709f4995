package iam

import (
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/model"
)

func TestDenyBeatsAllow(t *testing.T) {
	p := Evaluate(roleWith(t, []string{"policies/deny-beats-allow.json"}))
	// dynamodb:DeleteTable: allowed by dynamodb:* on *, denied on * without
	// condition: gone, and the Deny is named.
	g := p.Query("dynamodb:DeleteTable")
	if g.Allowed() || len(g.Denied) != 1 || g.Denied[0].DeniedBy[0].Sid != "NoTableDeletes" {
		t.Errorf("DeleteTable = %+v", g)
	}
	// s3:GetObject: the Deny covers only the audit bucket, so the grant on
	// "*" stands, with the partial Deny recorded.
	g = p.Query("s3:GetObject")
	if !g.Allowed() || len(g.Resources[0].DeniedBy) != 1 || g.Resources[0].DeniedBy[0].Sid != "ProtectAuditBucket" {
		t.Errorf("GetObject = %+v", g)
	}
	// dynamodb:Scan: the TLS Deny is conditional and leaves the grant.
	g = p.Query("dynamodb:Scan")
	if !g.Allowed() || len(g.Resources[0].DeniedBy) != 1 || g.Resources[0].DeniedBy[0].Sid != "TLSOnly" {
		t.Errorf("Scan = %+v", g)
	}
	if g.Resources[0].Where.Sid != "AppData" || g.Resources[0].Where.Pos.Line != 4 || g.Resources[0].Where.Element.Line != 7 || g.Resources[0].Where.Element.Col != 26 {
		t.Errorf("Scan grant position = %+v", g.Resources[0].Where)
	}
	// A grant wholly inside a denied resource is removed.
	r := roleOf(stmtOf("Allow", []string{"s3:PutObject"}, []string{"arn:aws:s3:::audit-logs/2026/*"}))
	r.Policies = append(r.Policies, loadPolicy(t, "policies/deny-beats-allow.json"))
	if g := Evaluate(r).Query("s3:PutObject"); len(g.Resources) != 1 || g.Resources[0].Pattern != "*" || len(g.Denied) != 1 {
		t.Errorf("PutObject on the audit bucket should be denied, the * grant kept: %+v", g)
	}
	// The Grants view agrees with Query.
	for _, gg := range p.Grants() {
		q := p.Query(gg.Action)
		if q.Allowed() != gg.Allowed() {
			t.Errorf("%s: Grants and Query disagree", gg.Action)
		}
	}
	found := false
	for _, gg := range p.Grants() {
		if gg.Action == "dynamodb:DeleteTable" {
			found = true
			if gg.Allowed() {
				t.Error("Grants lists DeleteTable as allowed")
			}
		}
	}
	if !found {
		t.Error("Grants omits the denied DeleteTable")
	}
}

func TestNotActionWithStar(t *testing.T) {
	p := Evaluate(roleWith(t, []string{"policies/notaction-star.json"}))
	for _, a := range []string{"s3:PutBucketPolicy", "lambda:UpdateFunctionCode", "ec2:RunInstances", "dynamodb:Scan"} {
		if !p.Query(a).Allowed() {
			t.Errorf("%s should be allowed by NotAction iam:*", a)
		}
	}
	for _, a := range []string{"iam:PassRole", "iam:PutRolePolicy", "organizations:LeaveOrganization", "account:PutAlternateContact"} {
		if p.Query(a).Allowed() {
			t.Errorf("%s should be excluded by NotAction", a)
		}
	}
	if w := p.Query("s3:GetObject").Resources[0].Where; !w.Element.IsZero() || w.Sid != "EverythingButIdentity" {
		t.Errorf("a NotAction match has no element position, only the statement: %+v", w)
	}
	cat := Catalogue()
	excluded := 0
	for _, pfx := range []string{"iam", "organizations", "account"} {
		s, _ := cat.Service(pfx)
		excluded += len(s.Actions)
	}
	if got, want := len(p.Grants()), len(cat.Actions())-excluded; got != want {
		t.Errorf("NotAction expands to %d actions, want %d", got, want)
	}
	paths := pathIDs(p.CanEscalate(nil))
	if _, ok := paths["lambda-update-code"]; !ok {
		t.Error("NotAction iam:* still lets the role rewrite every function")
	}
	if _, ok := paths["iam-put-role-policy"]; ok {
		t.Error("NotAction iam:* must not grant iam:PutRolePolicy")
	}
}

func TestNotResource(t *testing.T) {
	p := Evaluate(roleWith(t, []string{"policies/notresource.json"}))
	g := p.Query("s3:GetObject")
	if !g.Allowed() || g.Resources[0].Pattern != "*" || len(g.Resources[0].Except) != 1 || !g.Resources[0].Wide {
		t.Errorf("NotResource grant = %+v", g.Resources)
	}
	// Deny s3:DeleteObject NotResource scratch/*: the grant on
	// scratch/tmp/* lies inside the exception and stands; the one on
	// uploads/* is denied.
	g = p.Query("s3:DeleteObject")
	if len(g.Resources) != 1 || g.Resources[0].Pattern != "arn:aws:s3:::scratch/tmp/*" || len(g.Denied) != 1 || g.Denied[0].Pattern != "arn:aws:s3:::uploads/*" {
		t.Errorf("DeleteObject = allowed %+v denied %+v", g.Resources, g.Denied)
	}
	if len(p.CanExfiltrate()) != 1 {
		t.Error("GetObject on everything but one bucket is a wide read")
	}
}

func TestConditionNarrowing(t *testing.T) {
	p := Evaluate(roleWith(t, []string{"policies/conditions.json"}))
	for _, tc := range []struct {
		action      string
		conditional bool
	}{
		{"s3:GetObject", true},                   // aws:SourceVpce
		{"dynamodb:Scan", false},                 // aws:SecureTransport only: the credential holder picks TLS
		{"secretsmanager:GetSecretValue", false}, // ...IfExists
		{"kms:Decrypt", true},                    // aws:PrincipalOrgID + aws:SourceArn
		{"ssm:GetParameter", false},              // StringLike "*"
	} {
		g := p.Query(tc.action)
		if !g.Allowed() {
			t.Errorf("%s not allowed", tc.action)
			continue
		}
		if got := g.Resources[0].Conditional(); got != tc.conditional {
			t.Errorf("%s conditional = %v, want %v (%+v)", tc.action, got, tc.conditional, g.Resources[0].Conditions)
		}
		if g.Unconditional() == tc.conditional {
			t.Errorf("%s Unconditional() = %v", tc.action, g.Unconditional())
		}
	}
	// Conditions are carried, so a TLS rule can still read them.
	if v, ok := p.Query("dynamodb:Scan").Resources[0].ConditionValues("aws:SecureTransport"); !ok || len(v) != 1 || v[0] != "true" {
		t.Errorf("SecureTransport values = %v %v", v, ok)
	}
	exf := map[string]Capability{}
	for _, c := range p.CanExfiltrate() {
		exf[c.Action] = c
	}
	if c := exf["s3:GetObject"]; !c.Conditional() {
		t.Error("the VPC-endpoint-only read should be conditional")
	}
	if c := exf["dynamodb:Scan"]; c.Conditional() || len(c.Grants) == 0 {
		t.Error("the TLS-only read is unconditional")
	}
}

func TestManagedPolicyResolution(t *testing.T) {
	r := roleWith(t, nil, "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
	p := Evaluate(r)
	if len(p.Unresolved) != 0 {
		t.Errorf("unresolved = %+v", p.Unresolved)
	}
	g := p.Query("logs:PutLogEvents")
	if !g.Allowed() || g.Resources[0].Where.Managed != "AWSLambdaBasicExecutionRole" || g.Resources[0].Where.Pos.Line != 20 {
		t.Errorf("PutLogEvents = %+v", g)
	}
	if p.Query("s3:GetObject").Allowed() {
		t.Error("basic execution role reads S3")
	}
	if len(p.CanEscalate(nil)) != 0 {
		t.Error("basic execution role escalates")
	}

	admin := Evaluate(roleWith(t, nil, "AdministratorAccess"))
	if n := len(admin.CanEscalate(nil)); n != len(escalations) {
		t.Errorf("AdministratorAccess holds %d of %d escalation paths", n, len(escalations))
	}
	if len(admin.Grants()) != len(Catalogue().Actions()) {
		t.Errorf("AdministratorAccess grants %d actions", len(admin.Grants()))
	}

	// An unresolved ARN that still names an AWS managed policy resolves;
	// a customer managed ARN outside the project is unresolved, not empty.
	r = &model.Role{ID: "r", Pos: model.Pos{File: "t.yaml", Line: 1}, ManagedPolicies: []model.Value{
		model.Unresolved("!Sub arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess", model.Pos{File: "t.yaml", Line: 3}),
		model.Str("arn:aws:iam::123456789012:policy/team-boundary", model.Pos{File: "t.yaml", Line: 4}),
		{State: model.Unknown, Expr: "!Ref ProjectPolicy", Ref: "t.yaml#ProjectPolicy", Pos: model.Pos{File: "t.yaml", Line: 5}},
	}}
	p = Evaluate(r)
	if !p.Query("s3:GetObject").Allowed() {
		t.Error("ReadOnlyAccess behind ${AWS::Partition} not resolved")
	}
	if len(p.Unresolved) != 1 || p.Unresolved[0].Pos.Line != 4 {
		t.Errorf("unresolved = %+v, want the customer managed ARN only", p.Unresolved)
	}

	// PowerUserAccess: everything but IAM, so it can rewrite functions but
	// not write policies.
	pu := pathIDs(Evaluate(roleWith(t, nil, "PowerUserAccess")).CanEscalate(nil))
	if _, ok := pu["lambda-update-code"]; !ok {
		t.Error("PowerUserAccess can update any function's code")
	}
	if _, ok := pu["iam-put-role-policy"]; ok {
		t.Error("PowerUserAccess cannot write role policies")
	}
	if len(Evaluate(roleWith(t, nil, "ReadOnlyAccess")).CanEscalate(nil)) != 0 {
		t.Error("ReadOnlyAccess escalates")
	}
}

func TestUnknownStaysUnknown(t *testing.T) {
	pos := model.Pos{File: "serverless.yml", Line: 30}
	// Resource from a parameter with no default: could be "*".
	s := stmtOf("Allow", []string{"s3:GetObject", "iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"}, nil)
	s.Resources = []model.Value{model.Unresolved("${param:bucketArn}", pos)}
	p := Evaluate(roleOf(s))
	exf := p.CanExfiltrate()
	if len(exf) != 1 || !exf[0].Unknown() {
		t.Errorf("read on an unresolved resource must be reported as unknown, got %+v", exf)
	}
	paths := pathIDs(p.CanEscalate(nil))
	if path, ok := paths["passrole-lambda-create-invoke"]; !ok || !path.Unknown {
		t.Errorf("PassRole on an unresolved resource = %+v", paths)
	}

	// An unresolved action makes the role's answers incomplete.
	s = stmtOf("Allow", []string{"s3:GetObject"}, []string{"*"})
	s.Actions = append(s.Actions, model.Unresolved("!Ref ExtraAction", pos))
	p = Evaluate(roleOf(s))
	if len(p.Unresolved) != 1 || !strings.Contains(p.Unresolved[0].Reason, "may grant anything") {
		t.Errorf("unresolved = %+v", p.Unresolved)
	}

	// An unresolved effect is never a Deny.
	allow := stmtOf("Allow", []string{"iam:PutRolePolicy"}, []string{"*"})
	deny := stmtOf("Deny", []string{"iam:PutRolePolicy"}, []string{"*"})
	deny.Effect = model.Unresolved("!If [Prod, Deny, Allow]", pos)
	p = Evaluate(roleOf(allow, deny))
	if !p.Query("iam:PutRolePolicy").Allowed() || len(p.Unresolved) != 1 {
		t.Errorf("unresolved Deny removed a grant: %+v", p.Query("iam:PutRolePolicy"))
	}
	// An unresolved Deny resource never removes a grant either.
	deny = stmtOf("Deny", []string{"iam:PutRolePolicy"}, nil)
	deny.Resources = []model.Value{model.Unresolved("var.protected", pos)}
	if p := Evaluate(roleOf(allow, deny)); !p.Query("iam:PutRolePolicy").Allowed() || len(p.Narrower) != 1 || len(p.Unresolved) != 0 {
		t.Errorf("unresolved Deny resource removed a grant or was not noted: %+v", p.Narrower)
	}

	// A policy the loader could not read is reported.
	r := roleOf(allow)
	r.Policies = append(r.Policies, &model.Policy{Source: "inline", Unresolved: true, Pos: pos})
	if p := Evaluate(r); len(p.Unresolved) != 1 {
		t.Errorf("unresolved policy not reported: %+v", p.Unresolved)
	}
}

func TestUnresolvedARNExpressions(t *testing.T) {
	// SAM template output: only pseudo parameters and a Ref are unknown, so
	// the grant is precise, neither wide nor unknown.
	pos := model.Pos{File: "template.yaml", Line: 40}
	s := stmtOf("Allow", []string{"dynamodb:Scan", "dynamodb:GetItem"}, nil)
	s.Resources = []model.Value{
		{State: model.Unknown, Expr: "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${OrdersTable}", Ref: "template.yaml#OrdersTable", Pos: pos},
		{State: model.Unknown, Expr: "!GetAtt Users.Arn", Ref: "template.yaml#Users", Pos: pos},
	}
	p := Evaluate(roleOf(s))
	g := p.Query("dynamodb:Scan")
	if len(g.Resources) != 2 {
		t.Fatalf("grants = %+v", g.Resources)
	}
	for _, rg := range g.Resources {
		if rg.Unknown || rg.Wide || rg.Wildcard() {
			t.Errorf("%s: unknown=%v wide=%v wildcard=%v, want a precise grant", rg.Value.Expr, rg.Unknown, rg.Wide, rg.Wildcard())
		}
	}
	if len(p.CanExfiltrate()) != 0 {
		t.Error("a read of two named tables is not exfiltration")
	}
	// The intrinsic's name in front of the template changes nothing.
	s.Resources = []model.Value{{State: model.Unknown, Expr: "!Sub arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/orders-prod-createOrder:*", Pos: pos}}
	s.Actions = []model.Value{model.Str("logs:CreateLogStream", pos)}
	if g := Evaluate(roleOf(s)).Query("logs:CreateLogStream"); g.Resources[0].Unknown || g.Resources[0].Wide ||
		g.Resources[0].Pattern != "arn:*:logs:*:*:log-group:/aws/lambda/orders-prod-createOrder:*" {
		t.Errorf("!Sub ARN = %+v", g.Resources[0])
	}
	if len(Evaluate(roleOf(s)).WildcardWrites()) != 0 {
		t.Error("a log group's streams are not a wildcard write")
	}
	s.Actions = []model.Value{model.Str("dynamodb:Scan", pos), model.Str("dynamodb:GetItem", pos)}
	// The same expression with a real wildcard is wide.
	s.Resources = []model.Value{{State: model.Unknown, Expr: "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/*", Pos: pos}}
	if len(Evaluate(roleOf(s)).CanExfiltrate()) != 2 {
		t.Error("table/* in an unresolved ARN is still every table")
	}
}

func TestPermissionsBoundary(t *testing.T) {
	r := roleWith(t, nil, "AdministratorAccess")
	r.PermissionsBoundary = model.Str("arn:aws:iam::aws:policy/ReadOnlyAccess", model.Pos{File: "template.yaml", Line: 30})
	p := Evaluate(r)
	if p.Query("iam:PutRolePolicy").Allowed() || !p.Query("s3:GetObject").Allowed() {
		t.Error("the ReadOnlyAccess boundary is not applied")
	}
	if len(p.CanEscalate(nil)) != 0 {
		t.Error("a read-only boundary leaves no escalation")
	}
	r.PermissionsBoundary = model.Str("arn:aws:iam::123456789012:policy/boundary", model.Pos{File: "template.yaml", Line: 30})
	p = Evaluate(r)
	if !p.Query("iam:PutRolePolicy").Allowed() || len(p.Narrower) != 1 {
		t.Errorf("an unreadable boundary must not remove grants, only be noted: %+v", p.Narrower)
	}
}

func TestSummary(t *testing.T) {
	p := Evaluate(roleWith(t, []string{"policies/data-reader.json"}, "AWSLambdaBasicExecutionRole"))
	got := map[string]int{}
	for _, sa := range p.Summary() {
		got[sa.Service+"/"+string(sa.Level)] = len(sa.Actions)
	}
	want := map[string]int{"s3/Read": 1, "s3/List": 1, "dynamodb/Read": 3, "secretsmanager/Read": 1, "ssm/Read": 2, "lambda/Write": 1, "logs/Write": 3}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("summary %s = %d, want %d (all: %v)", k, got[k], n, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("summary = %v", got)
	}
	// Actions the catalogue lacks stay visible, with an unknown level.
	q := Evaluate(roleOf(stmtOf("Allow", []string{"s3:GetObjectTypo"}, []string{"*"})))
	if gs := q.Grants(); len(gs) != 1 || gs[0].Access != AccessUnknown || gs[0].Info != nil {
		t.Errorf("unknown action = %+v", gs)
	}
}

func TestRestrictsCallerAndIsPublic(t *testing.T) {
	pos := model.Pos{File: "bucket.json", Line: 1}
	cond := func(op, key string, vals ...string) model.Condition {
		c := model.Condition{Operator: op, Key: key}
		for _, v := range vals {
			c.Values = append(c.Values, model.Str(v, pos))
		}
		return c
	}
	for _, tc := range []struct {
		c                  model.Condition
		restricts, narrows bool
	}{
		{cond("StringEquals", "aws:PrincipalOrgID", "o-1"), true, false},
		{cond("ArnLike", "aws:SourceArn", "arn:aws:s3:::uploads"), true, true},
		{cond("StringEquals", "aws:SourceAccount", "123456789012"), true, true},
		{cond("Bool", "aws:SecureTransport", "true"), false, false},
		{cond("StringEqualsIfExists", "aws:SourceAccount", "123456789012"), false, false},
		{cond("StringLike", "aws:SourceArn", "*"), false, false},
		{cond("StringNotLike", "aws:SourceArn", "*"), true, true},
		{cond("Null", "aws:SourceArn", "false"), true, true},
		{cond("Null", "aws:SourceArn", "true"), false, false},
		{cond("StringEquals", "aws:PrincipalTag/team", "x"), true, false},
		{model.Condition{Operator: "StringEquals", Key: "aws:SourceVpce", Values: []model.Value{model.Unresolved("!Ref Vpce", pos)}}, true, true},
	} {
		if got := RestrictsCaller(tc.c); got != tc.restricts {
			t.Errorf("RestrictsCaller(%s %s %v) = %v", tc.c.Operator, tc.c.Key, tc.c.Values, got)
		}
		if got := Narrows(tc.c); got != tc.narrows {
			t.Errorf("Narrows(%s %s %v) = %v", tc.c.Operator, tc.c.Key, tc.c.Values, got)
		}
	}

	pol, err := ParsePolicyJSON("bucket.json", 1, []byte(`{"Statement": [
	  {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::site/*"},
	  {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::site/*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
	  {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::site/*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}},
	  {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "s3:GetObject", "Resource": "*"},
	  {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"},
	  {"Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject", "Resource": "*"},
	  {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "s3:GetObject", "Resource": "*"}
	]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []bool{true, true, false, false, false, false, true}
	for i, st := range pol.Statements {
		if got, unk := IsPublic(st); got != want[i] || unk {
			t.Errorf("statement %d: IsPublic = %v (unknown %v), want %v", i, got, unk, want[i])
		}
	}
	st := pol.Statements[0]
	st.Principals = map[string][]model.Value{"AWS": {model.Unresolved("!Ref Consumer", pos)}}
	if got, unk := IsPublic(st); got || !unk {
		t.Errorf("unresolved principal: public=%v unknown=%v, want unknown", got, unk)
	}
}

// Rules run in parallel and share the catalogue and the parsed managed
// policies; each builds its own Permissions.
func TestConcurrentEvaluate(t *testing.T) {
	done := make(chan []Path)
	for range 4 {
		go func() {
			r := &model.Role{ID: "r", ManagedPolicies: []model.Value{model.Str("PowerUserAccess", model.Pos{}), model.Str("AWSLambda_FullAccess", model.Pos{})}}
			done <- Evaluate(r).CanEscalate(nil)
		}()
	}
	first := <-done
	for range 3 {
		if got := <-done; len(got) != len(first) || len(first) == 0 {
			t.Errorf("concurrent evaluations disagree: %d vs %d paths", len(got), len(first))
		}
	}
}

func TestEvaluateEmpty(t *testing.T) {
	for _, p := range []*Permissions{Evaluate(nil), Evaluate(&model.Role{}), EvaluatePolicies()} {
		if p.Query("s3:GetObject").Allowed() || len(p.Grants()) != 0 || len(p.CanEscalate(nil)) != 0 || len(p.WildcardWrites()) != 0 || len(p.Summary()) != 0 {
			t.Error("an empty role grants something")
		}
		if d, _ := p.Can("s3:GetObject", Target{ARN: "arn:aws:s3:::x/y"}); d != No {
			t.Errorf("empty role Can = %v", d)
		}
	}
}

func TestDenyNotAction(t *testing.T) {
	// "Everything is denied except S3": a guardrail shape.
	deny := stmtOf("Deny", nil, []string{"*"})
	deny.NotActions = []model.Value{model.Str("s3:*", model.Pos{File: "t.yaml", Line: 2})}
	p := Evaluate(roleOf(stmtOf("Allow", []string{"*"}, []string{"*"}), deny))
	if !p.Query("s3:PutObject").Allowed() || p.Query("iam:PassRole").Allowed() || p.Query("dynamodb:Scan").Allowed() {
		t.Error("Deny NotAction s3:* should leave only S3")
	}
	if got := len(p.CanEscalate(nil)); got != 0 {
		t.Errorf("%d escalation paths survive", got)
	}
	// With an unresolved exception the Deny cannot be applied.
	deny.NotActions = append(deny.NotActions, model.Unresolved("!Ref Extra", model.Pos{}))
	if !Evaluate(roleOf(stmtOf("Allow", []string{"*"}, []string{"*"}), deny)).Query("iam:PassRole").Allowed() {
		t.Error("a Deny with an unresolved NotAction removed a grant")
	}
}
