package iam

import (
	"sort"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/model"
)

func TestEscalationShapes(t *testing.T) {
	self := &Options{SelfARNs: []string{"arn:aws:lambda:eu-west-1:123456789012:function:thumbnailer"}}
	for _, tc := range []struct {
		file string
		opts *Options
		// want are the paths that must be found (exactly these), with
		// "!" marking ones that must be Scoped and "?" Conditional.
		want []string
	}{
		// Shapes that escalate.
		{"passrole-lambda-invoke.json", nil, []string{"passrole-lambda-create-invoke"}},
		{"passrole-lambda-esm.json", nil, []string{"passrole-lambda-create-esm"}},
		{"put-role-policy.json", nil, []string{"iam-put-role-policy"}},
		{"attach-policies.json", nil, []string{"iam-attach-group-policy", "iam-attach-role-policy", "iam-attach-user-policy"}},
		{"policy-versions.json", nil, []string{"iam-create-policy-version", "iam-set-default-policy-version"}},
		{"user-credentials.json", nil, []string{"iam-add-user-to-group", "iam-create-access-key", "iam-create-login-profile", "iam-update-login-profile"}},
		{"update-trust.json", nil, []string{"!iam-update-assume-role-policy"}},
		{"assume-any.json", nil, []string{"sts-assume-role-any"}},
		{"update-code-all.json", self, []string{"lambda-update-code", "lambda-update-config-layer"}},
		{"passrole-cfn-ec2-glue.json", nil, []string{"glue-update-dev-endpoint", "passrole-cloudformation", "passrole-ec2", "passrole-glue-dev-endpoint"}},
		{"conditional-put-role-policy.json", nil, []string{"?iam-put-role-policy"}},
		// Near misses.
		{"nm-passrole-one-role.json", nil, nil},      // PassRole on one named role, to Lambda only
		{"nm-passrole-other-service.json", nil, nil}, // PassRole on *, but only to Glue and Step Functions
		{"nm-passrole-invoke-one.json", nil, nil},    // can create, but can invoke only one existing function
		{"nm-put-role-policy-denied.json", nil, []string{ // iam:* minus the denied policy writes
			"iam-add-user-to-group", "iam-create-access-key", "iam-create-login-profile", "iam-update-assume-role-policy", "iam-update-login-profile"}},
		{"nm-put-role-policy-deny-conditional.json", nil, []string{"iam-put-role-policy"}},               // a TLS-only Deny does not stop it
		{"nm-update-own-code.json", self, nil},                                                           // its own function only
		{"nm-update-own-code.json", nil, []string{"!lambda-update-code", "!lambda-update-config-layer"}}, // without knowing which function is its own: reported, as scoped
		{"nm-assume-one-role.json", nil, nil},                                                            // one named role
		{"nm-create-policy-version-one.json", nil, []string{"!iam-create-policy-version"}},               // decided: still reported, as scoped
		{"nm-deny-notresource.json", nil, nil},                                                           // denied outside the sandbox roles
		{"nm-read-only-iam.json", nil, nil},
	} {
		t.Run(tc.file, func(t *testing.T) {
			p := Evaluate(roleWith(t, []string{"escalation/" + tc.file}))
			paths := p.CanEscalate(tc.opts)
			var got []string
			for _, path := range paths {
				id := path.ID
				if path.Scoped {
					id = "!" + id
				}
				if path.Conditional {
					id = "?" + id
				}
				got = append(got, id)
				if len(path.Positions()) == 0 || path.Positions()[0].File != "testdata/escalation/"+tc.file {
					t.Errorf("%s positions = %v", path.ID, path.Positions())
				}
				if len(path.Steps) == 0 || path.Title == "" {
					t.Errorf("%s has no steps or title", path.ID)
				}
			}
			sort.Strings(got)
			want := append([]string(nil), tc.want...)
			sort.Strings(want)
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("paths = %v\nwant    %v", got, want)
			}
		})
	}
}

func TestEscalationSelfByRef(t *testing.T) {
	// A function's own ARN is usually unresolved (!GetAtt Fn.Arn) with Ref
	// set to the function: that is enough to know it is its own.
	s := stmtOf("Allow", []string{"lambda:UpdateFunctionCode"}, nil)
	s.Resources = []model.Value{{State: model.Unknown, Expr: "!GetAtt Thumbnailer.Arn", Ref: "template.yaml#Thumbnailer"}}
	p := Evaluate(roleOf(s))
	if got := p.CanEscalate(&Options{SelfIDs: []string{"template.yaml#Thumbnailer"}}); len(got) != 0 {
		t.Errorf("own function by Ref = %+v", got)
	}
	if got := p.CanEscalate(&Options{SelfIDs: []string{"template.yaml#Other"}}); len(got) != 1 || !got[0].Scoped {
		t.Errorf("another function by Ref = %+v", got)
	}
}

func TestEscalationStepPositions(t *testing.T) {
	p := Evaluate(roleWith(t, []string{"escalation/passrole-lambda-invoke.json"}))
	paths := p.CanEscalate(nil)
	if len(paths) != 1 {
		t.Fatalf("paths = %+v", paths)
	}
	var steps []string
	for _, s := range paths[0].Steps {
		steps = append(steps, s.Action)
	}
	if strings.Join(steps, ",") != "iam:PassRole,lambda:CreateFunction,lambda:InvokeFunction" {
		t.Errorf("steps = %v", steps)
	}
	if pos := paths[0].Steps[0].Grants[0].Where.Element; pos.Line != 7 {
		t.Errorf("PassRole element at %v, want line 7", pos)
	}
	if ps := paths[0].Positions(); len(ps) != 2 || ps[0].Line != 4 || ps[1].Line != 10 {
		t.Errorf("positions = %v, want the two statements (lines 4 and 10)", ps)
	}
}

func TestCanExpose(t *testing.T) {
	cat := Catalogue()
	for _, a := range exposeActions {
		if _, ok := cat.Action(a); !ok {
			t.Errorf("expose action %s is not in the catalogue", a)
		}
	}
	p := Evaluate(roleWith(t, []string{"policies/expose.json"}))
	var got []string
	for _, c := range p.CanExpose() {
		got = append(got, c.Action)
	}
	want := "s3:PutBucketPolicy s3:PutBucketAcl lambda:AddPermission sqs:SetQueueAttributes"
	if strings.Join(got, " ") != want {
		t.Errorf("CanExpose = %v, want %s", got, want)
	}
	if len(Evaluate(roleWith(t, []string{"policies/data-reader.json"})).CanExpose()) != 0 {
		t.Error("a reader can expose")
	}
}

func TestCanExfiltrate(t *testing.T) {
	cat := Catalogue()
	for _, a := range exfilActions {
		if _, ok := cat.Action(a); !ok {
			t.Errorf("exfiltration action %s is not in the catalogue", a)
		}
	}
	p := Evaluate(roleWith(t, []string{"policies/data-reader.json"}))
	var got []string
	for _, c := range p.CanExfiltrate() {
		got = append(got, c.Action)
		if c.Action == "s3:GetObject" && (len(c.Positions()) != 1 || c.Positions()[0].Line != 4) {
			t.Errorf("GetObject positions = %v", c.Positions())
		}
	}
	// dynamodb:Scan is scoped to one table, secrets to one secret, SSM by
	// path to /prod: not wide. ssm:GetParameter on parameter/* is.
	want := "s3:GetObject dynamodb:GetItem dynamodb:Query ssm:GetParameter"
	if strings.Join(got, " ") != want {
		t.Errorf("CanExfiltrate = %v, want %s", got, want)
	}
}

func TestCanInvokeAnyFunction(t *testing.T) {
	if got := Evaluate(roleWith(t, []string{"policies/data-reader.json"})).CanInvokeAnyFunction(); len(got) != 1 || got[0].Action != "lambda:InvokeFunction" {
		t.Errorf("function:* = %+v", got)
	}
	one := roleOf(stmtOf("Allow", []string{"lambda:InvokeFunction"}, []string{"arn:aws:lambda:eu-west-1:123456789012:function:resize"}))
	if got := Evaluate(one).CanInvokeAnyFunction(); len(got) != 0 {
		t.Errorf("one function = %+v", got)
	}
	all := roleOf(stmtOf("Allow", []string{"lambda:Invoke*"}, []string{"*"}))
	if got := Evaluate(all).CanInvokeAnyFunction(); len(got) != 2 {
		t.Errorf("lambda:Invoke* on * = %+v", got)
	}
}

func TestWildcardWrites(t *testing.T) {
	p := Evaluate(roleWith(t, []string{"policies/wildcard-writes.json"}))
	got := map[string]bool{}
	for _, w := range p.WildcardWrites() {
		got[w.Action] = w.Scopable
	}
	want := map[string]bool{"xray:PutTraceSegments": false, "xray:PutTelemetryRecords": false, "cloudwatch:PutMetricData": true, "s3:PutObject": true} // PutMetricData gained a "dataset" resource type in the 2026 data
	if len(got) != len(want) {
		t.Errorf("WildcardWrites = %v, want %v", got, want)
	}
	for a, scopable := range want {
		if s, ok := got[a]; !ok || s != scopable {
			t.Errorf("%s: listed=%v scopable=%v, want scopable=%v", a, ok, s, scopable)
		}
	}
	// s3:* on * expands to every S3 write, and a Deny removes some.
	r := roleOf(stmtOf("Allow", []string{"s3:*"}, []string{"*"}), stmtOf("Deny", []string{"s3:Delete*"}, []string{"*"}))
	ww := Evaluate(r).WildcardWrites()
	n := 0
	for _, a := range Catalogue().Expand("s3:*") {
		if (a.Access == Write || a.Access == PermissionsManagement) && !strings.HasPrefix(a.Name, "Delete") {
			n++
		}
	}
	if len(ww) != n || n < 50 {
		t.Errorf("s3:* minus Delete* = %d wildcard writes, want %d", len(ww), n)
	}
}

// AWS managed policies are real policy shapes too, and what they allow is
// public knowledge: each line is a fact a reviewer would state.
func TestManagedPolicyAnswers(t *testing.T) {
	ids := func(ps []Path) string {
		var out []string
		for _, p := range ps {
			s := p.ID
			if p.Conditional {
				s += "?"
			}
			out = append(out, s)
		}
		return strings.Join(out, " ")
	}
	actions := func(cs []Capability) string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Action)
		}
		return strings.Join(out, " ")
	}
	eval := func(name string) *Permissions { return Evaluate(roleWith(t, nil, name)) }

	// Passes roles to Lambda only (iam:PassedToService), and manages every
	// function: the Lambda paths, unconditionally so.
	if got := ids(eval("AWSLambda_FullAccess").CanEscalate(nil)); got != "passrole-lambda-create-invoke passrole-lambda-create-esm passrole-lambda-update-code passrole-lambda-update-config lambda-update-code lambda-update-config-layer" {
		t.Errorf("AWSLambda_FullAccess escalates via %s", got)
	}
	// Every IAM write, and nothing outside IAM.
	if got := eval("IAMFullAccess").CanEscalate(nil); len(got) != 13 {
		t.Errorf("IAMFullAccess escalates via %s", ids(got))
	}
	if got := actions(eval("AmazonS3FullAccess").CanExpose()); !strings.HasPrefix(got, "s3:PutBucketPolicy s3:PutBucketAcl") {
		t.Errorf("AmazonS3FullAccess exposes %s", got)
	}
	if got := actions(eval("AmazonS3ReadOnlyAccess").CanExfiltrate()); got != "s3:GetObject s3:GetObjectVersion" {
		t.Errorf("AmazonS3ReadOnlyAccess reads %s", got)
	}
	// ReadOnlyAccess reads data everywhere, but not secrets.
	ro := actions(eval("ReadOnlyAccess").CanExfiltrate())
	if !strings.Contains(ro, "dynamodb:Scan") || !strings.Contains(ro, "s3:GetObject") || strings.Contains(ro, "secretsmanager:GetSecretValue") {
		t.Errorf("ReadOnlyAccess reads %s", ro)
	}
	if got := actions(eval("AWSLambdaRole").CanInvokeAnyFunction()); got != "lambda:InvokeFunction" {
		t.Errorf("AWSLambdaRole invokes %q", got)
	}
	for _, quiet := range []string{"AWSLambdaBasicExecutionRole", "AWSLambdaVPCAccessExecutionRole", "SecurityAudit", "AWSXrayWriteOnlyAccess"} {
		p := eval(quiet)
		if e, x, f := p.CanEscalate(nil), p.CanExpose(), p.CanExfiltrate(); len(e)+len(x)+len(f) != 0 {
			t.Errorf("%s: escalate %s, expose %s, exfiltrate %s", quiet, ids(e), actions(x), actions(f))
		}
	}
}

func TestPassableConditions(t *testing.T) {
	pos := model.Pos{File: "t.yaml", Line: 1}
	grant := func(op string, vals ...model.Value) *ResourceGrant {
		return &ResourceGrant{Conditions: []model.Condition{{Operator: op, Key: "iam:PassedToService", Values: vals}}}
	}
	lambda, glue := model.Str("lambda.amazonaws.com", pos), model.Str("glue.amazonaws.com", pos)
	unk := model.Unresolved("!Ref Service", pos)
	for _, tc := range []struct {
		g    *ResourceGrant
		want bool
	}{
		{&ResourceGrant{}, true},
		{grant("StringEquals", lambda), true},
		{grant("StringEquals", glue), false},
		{grant("StringLike", model.Str("*.amazonaws.com", pos)), true},
		{grant("StringNotEquals", lambda), false},
		{grant("StringNotEquals", glue), true},
		{grant("StringEquals", unk), true},
		{grant("StringNotEquals", unk), true},
		{grant("StringEqualsIfExists", glue), false},
	} {
		if got := passable(tc.g, "lambda.amazonaws.com"); got != tc.want {
			t.Errorf("passable(%s %v) = %v, want %v", tc.g.Conditions, tc.g.Conditions, got, tc.want)
		}
	}
}
