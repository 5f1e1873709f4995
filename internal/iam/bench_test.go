package iam

import (
	"fmt"
	"testing"

	"github.com/wardensec/warden/internal/model"
)

func BenchmarkCatalogueLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseCatalog(catalogGz); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkManagedLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := parseManaged(managedGz); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExpandStar(b *testing.B) {
	c := Catalogue()
	for b.Loop() {
		if len(c.Expand("*")) == 0 {
			b.Fatal("empty")
		}
	}
}

func BenchmarkExpandS3Star(b *testing.B) {
	c := Catalogue()
	for b.Loop() {
		if len(c.Expand("s3:*")) == 0 {
			b.Fatal("empty")
		}
	}
}

func BenchmarkExpandCrossService(b *testing.B) {
	c := Catalogue()
	for b.Loop() {
		if len(c.Expand("*:Get*")) == 0 {
			b.Fatal("empty")
		}
	}
}

// role50 is a 50-statement role in the shapes real serverless roles have:
// scoped data access, a few service wildcards, conditions, two Denies.
func role50() *model.Role {
	pos := model.Pos{File: "serverless.yml", Line: 1}
	var stmts []*model.Statement
	shapes := []struct {
		actions   []string
		resources []string
	}{
		{[]string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"}, []string{"arn:aws:dynamodb:eu-west-1:123456789012:table/t%d"}},
		{[]string{"s3:GetObject", "s3:PutObject"}, []string{"arn:aws:s3:::bucket-%d/*"}},
		{[]string{"sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"}, []string{"arn:aws:sqs:eu-west-1:123456789012:q%d"}},
		{[]string{"logs:CreateLogStream", "logs:PutLogEvents"}, []string{"arn:aws:logs:*:*:log-group:/aws/lambda/f%d:*"}},
		{[]string{"sns:Publish"}, []string{"arn:aws:sns:eu-west-1:123456789012:topic-%d"}},
		{[]string{"ssm:GetParameter*"}, []string{"arn:aws:ssm:eu-west-1:123456789012:parameter/app/%d/*"}},
		{[]string{"kms:Decrypt", "kms:GenerateDataKey*"}, []string{"*"}},
		{[]string{"lambda:InvokeFunction"}, []string{"arn:aws:lambda:eu-west-1:123456789012:function:f%d"}},
		{[]string{"ec2:Describe*", "xray:Put*"}, []string{"*"}},
		{[]string{"s3:*"}, []string{"arn:aws:s3:::scratch-%d", "arn:aws:s3:::scratch-%d/*"}},
	}
	for i := range 48 {
		sh := shapes[i%len(shapes)]
		s := &model.Statement{Pos: model.Pos{File: pos.File, Line: 10 + i}, Effect: model.Str("Allow", pos)}
		for _, a := range sh.actions {
			s.Actions = append(s.Actions, model.Str(a, pos))
		}
		for _, r := range sh.resources {
			s.Resources = append(s.Resources, model.Str(fmt.Sprintf(r, i), pos))
		}
		if i%7 == 0 {
			s.Conditions = []model.Condition{{Operator: "StringEquals", Key: "aws:SourceVpce", Values: []model.Value{model.Str("vpce-1", pos)}}}
		}
		stmts = append(stmts, s)
	}
	d1 := &model.Statement{Pos: pos, Effect: model.Str("Deny", pos), Actions: []model.Value{model.Str("s3:Delete*", pos)}, Resources: []model.Value{model.Str("*", pos)}}
	d2 := &model.Statement{Pos: pos, Effect: model.Str("Deny", pos), Actions: []model.Value{model.Str("*", pos)}, Resources: []model.Value{model.Str("*", pos)},
		Conditions: []model.Condition{{Operator: "Bool", Key: "aws:SecureTransport", Values: []model.Value{model.Str("false", pos)}}}}
	stmts = append(stmts, d1, d2)
	return &model.Role{ID: "r", Policies: []*model.Policy{{Source: "inline", Statements: stmts}}}
}

// BenchmarkRole50Questions is what the IAM rules ask of one role.
func BenchmarkRole50Questions(b *testing.B) {
	r := role50()
	Catalogue()
	b.ReportAllocs()
	for b.Loop() {
		p := Evaluate(r)
		p.CanEscalate(nil)
		p.CanExpose()
		p.CanExfiltrate()
		p.CanInvokeAnyFunction()
		p.WildcardWrites()
	}
}

// BenchmarkRole50Grants is the full effective-permissions view.
func BenchmarkRole50Grants(b *testing.B) {
	r := role50()
	Catalogue()
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(r).Summary()
	}
}

// BenchmarkAdminGrants expands AdministratorAccess: every action.
func BenchmarkAdminGrants(b *testing.B) {
	r := &model.Role{ID: "r", ManagedPolicies: []model.Value{model.Str("AdministratorAccess", model.Pos{})}}
	Catalogue()
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(r).Grants()
	}
}

func BenchmarkParsePolicyJSON(b *testing.B) {
	m, _ := LookupManaged("AWSLambda_FullAccess")
	b.SetBytes(int64(len(m.doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePolicyJSON("p.json", 1, m.doc); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRole50Shape(t *testing.T) {
	p := Evaluate(role50())
	if len(p.allows) != 48 || len(p.denies) != 2 {
		t.Fatalf("role50 = %d allows, %d denies", len(p.allows), len(p.denies))
	}
	// kms:Decrypt on * is a wide read; s3:* on scratch buckets is not.
	exf := p.CanExfiltrate()
	if len(exf) != 1 || exf[0].Action != "kms:Decrypt" {
		t.Errorf("CanExfiltrate = %+v", exf)
	}
	if g := p.Query("s3:DeleteObject"); g.Allowed() {
		t.Error("s3:Delete* is denied")
	}
}

// BenchmarkAdminQuestions is the rules' questions on AdministratorAccess:
// the worst case, since WildcardWrites lists every write action.
func BenchmarkAdminQuestions(b *testing.B) {
	r := &model.Role{ID: "r", ManagedPolicies: []model.Value{model.Str("AdministratorAccess", model.Pos{})}}
	Catalogue()
	b.ReportAllocs()
	for b.Loop() {
		p := Evaluate(r)
		p.CanEscalate(nil)
		p.CanExpose()
		p.CanExfiltrate()
		p.CanInvokeAnyFunction()
		p.WildcardWrites()
	}
}

// BenchmarkManagedRoleQuestions is a typical SAM function role: the basic
// execution role, X-Ray, one SQS execution policy and a broad read-only
// policy, plus one inline statement.
func BenchmarkManagedRoleQuestions(b *testing.B) {
	pos := model.Pos{File: "template.yaml", Line: 1}
	r := roleOf(stmtOf("Allow", []string{"dynamodb:GetItem", "dynamodb:PutItem"}, []string{"arn:aws:dynamodb:eu-west-1:123456789012:table/orders"}))
	for _, m := range []string{"AWSLambdaBasicExecutionRole", "AWSXrayWriteOnlyAccess", "AWSLambdaSQSQueueExecutionRole", "ReadOnlyAccess"} {
		r.ManagedPolicies = append(r.ManagedPolicies, model.Str(m, pos))
	}
	Evaluate(r)
	b.ReportAllocs()
	for b.Loop() {
		p := Evaluate(r)
		p.CanEscalate(nil)
		p.CanExpose()
		p.CanExfiltrate()
		p.CanInvokeAnyFunction()
		p.WildcardWrites()
	}
}
