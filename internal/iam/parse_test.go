package iam

import (
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/model"
)

func TestParsePolicyJSONPositions(t *testing.T) {
	// A policy as a Terraform heredoc would hold it, starting on line 12.
	src := `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Read",
      "Effect": "Allow",
      "Action": ["s3:GetObject",
                 "s3:ListBucket"],
      "Resource": "arn:aws:s3:::uploads/*",
      "Condition": {"StringEquals": {"aws:SourceAccount": ["123456789012", 42]}, "Bool": {"aws:SecureTransport": true}}
    },
    {"Effect": "Deny", "NotAction": "iam:*", "NotResource": ["arn:aws:iam::*:role/x"], "Principal": {"AWS": "*"}}
  ]
}`
	p, err := ParsePolicyJSON("main.tf", 12, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Statements) != 2 {
		t.Fatalf("statements = %d", len(p.Statements))
	}
	s := p.Statements[0]
	if s.Pos.Line != 15 || s.Pos.File != "main.tf" || s.Pos.Col != 0 {
		t.Errorf("statement pos = %v, want main.tf:15 (no column inside another file)", s.Pos)
	}
	if s.Sid != "Read" || !s.Effect.Is("Allow") || s.Effect.Pos.Line != 17 {
		t.Errorf("sid/effect = %q %v", s.Sid, s.Effect)
	}
	if len(s.Actions) != 2 || s.Actions[1].V != "s3:ListBucket" || s.Actions[0].Pos.Line != 18 || s.Actions[1].Pos.Line != 19 {
		t.Errorf("actions = %+v", s.Actions)
	}
	if len(s.Resources) != 1 || s.Resources[0].Pos.Line != 20 {
		t.Errorf("resources = %+v", s.Resources)
	}
	if len(s.Conditions) != 2 || s.Conditions[0].Operator != "Bool" || s.Conditions[0].Values[0].V != "true" ||
		s.Conditions[1].Key != "aws:SourceAccount" || s.Conditions[1].Values[1].V != "42" {
		t.Errorf("conditions = %+v", s.Conditions)
	}
	d := p.Statements[1]
	if !d.Effect.Is("Deny") || len(d.NotActions) != 1 || len(d.NotResources) != 1 || len(d.Actions) != 0 || d.Principals["AWS"][0].V != "*" {
		t.Errorf("deny statement = %+v", d)
	}
	// A whole file starting on line 1 gets columns.
	p, err = ParsePolicyJSON("policy.json", 1, []byte("{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}}"))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Statements[0].Actions[0].Pos; got.Line != 1 || got.Col != 45 {
		t.Errorf("action pos = %v, want policy.json:1:45", got)
	}
}

func TestParsePolicyJSONTemplateRefs(t *testing.T) {
	// A Terraform heredoc: interpolations are unknown until apply, IAM
	// policy variables are not.
	src := `{"Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": [
	  "${aws_s3_bucket.uploads.arn}/*",
	  "arn:aws:s3:::home/${aws:username}/*",
	  "arn:${AWS::Partition}:s3:::logs/*",
	  "arn:aws:s3:::literal-${*}-star"
	]}]}`
	p, err := ParsePolicyJSON("main.tf", 7, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	rs := p.Statements[0].Resources
	if !rs[0].IsUnknown() || rs[0].Expr != "${aws_s3_bucket.uploads.arn}/*" || !rs[1].IsKnown() || !rs[2].IsUnknown() || !rs[3].IsKnown() {
		t.Errorf("resources = %+v", rs)
	}
	g := EvaluatePolicies(p).Query("s3:PutObject")
	if g.Resources[1].Pattern != "arn:aws:s3:::home/*/*" || g.Resources[1].Wide || !g.Resources[1].Wildcard() {
		t.Errorf("policy variable grant = %+v", g.Resources[1])
	}
	if g.Resources[2].Unknown || g.Resources[2].Wide {
		t.Errorf("pseudo-parameter grant = %+v", g.Resources[2])
	}
	if !g.Resources[0].Unknown {
		t.Errorf("an interpolation with no Ref may be anything: %+v", g.Resources[0])
	}
}

func TestParsePolicyJSONLenient(t *testing.T) {
	p, err := ParsePolicyJSON("x.json", 1, []byte(`{"statement": [{"effect": "Allow", "action": "s3:*", "resource": "*", "Principal": "*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	s := p.Statements[0]
	if !s.Effect.Is("Allow") || s.Actions[0].V != "s3:*" || s.Principals["*"][0].V != "*" {
		t.Errorf("lower-case keys not read: %+v", s)
	}
	p, err = ParsePolicyJSON("x.json", 1, []byte(`{"Version": "2012-10-17"}`))
	if err != nil || len(p.Statements) != 0 {
		t.Errorf("empty document = %v, %v", p, err)
	}
	// A list where a string belongs is set but unresolved, never dropped.
	p, err = ParsePolicyJSON("x.json", 1, []byte(`{"Statement": {"Effect": "Allow", "Action": [["s3:*"]], "Resource": {"Fn::GetAtt": ["B", "Arn"]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Statements[0]; !s.Actions[0].IsUnknown() || !s.Resources[0].IsUnknown() {
		t.Errorf("non-scalar elements = %+v", s)
	}
}

func TestParsePolicyJSONErrors(t *testing.T) {
	for _, tc := range []struct {
		src, want string
	}{
		{`[]`, "not an object"},
		{`"x"`, "not an object"},
		{`{"Statement": 3}`, "neither an object nor a list"},
		{`{"Statement": [3]}`, "statement is not an object"},
		{"{\n\"Statement\": [\n{\"Effect\": }\n]}", "x.json:3"},
		{`{"Statement": []} {}`, "after the document"},
		{`{"Statement": [`, "unexpected EOF"},
		{strings.Repeat("[", 100) + strings.Repeat("]", 100), "nesting"},
		{"{\"Statement\": \"" + strings.Repeat("a", maxPolicyBytes) + "\"}", "limit"},
	} {
		_, err := ParsePolicyJSON("x.json", 1, []byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			src := tc.src
			if len(src) > 60 {
				src = src[:60]
			}
			t.Errorf("ParsePolicyJSON(%q) error = %v, want it to mention %q", src, err, tc.want)
		}
	}
}

func FuzzParsePolicyJSON(f *testing.F) {
	for _, s := range []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*"],"Resource":"*"}]}`,
		`{"Statement":{"Effect":"Deny","NotAction":"iam:*","NotResource":["arn:aws:iam::*:role/x"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}}`,
		`{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::1:root"]},"Action":"sts:AssumeRole"}]}`,
		`{"Statement":[{"Effect":"Allow","Action":1.5e3,"Resource":null,"Condition":{"Null":true}}]}`,
		"{\n\"Statement\": [\n{\"Effect\": }\n]}",
		`[[[[`,
	} {
		f.Add(s, 1)
	}
	f.Fuzz(func(t *testing.T, src string, line int) {
		if line < 0 || line > 1<<20 {
			return
		}
		p, err := ParsePolicyJSON("f.json", line, []byte(src))
		if err != nil {
			return
		}
		check := func(pos model.Pos) {
			if pos.File != "f.json" || pos.Line < line || pos.Line > line+strings.Count(src, "\n") {
				t.Fatalf("position %v outside the input (line %d, %d lines)", pos, line, strings.Count(src, "\n")+1)
			}
		}
		for _, s := range p.Statements {
			check(s.Pos)
			for _, v := range append(append(s.Actions, s.NotActions...), append(s.Resources, s.NotResources...)...) {
				check(v.Pos)
			}
		}
		// Whatever parses must evaluate without panicking.
		perm := EvaluatePolicies(p)
		perm.Query("s3:GetObject")
		perm.CanEscalate(nil)
	})
}
