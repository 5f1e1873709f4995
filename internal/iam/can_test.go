package iam

import (
	"testing"

	"github.com/wardensec/warden/internal/model"
)

func TestCan(t *testing.T) {
	pos := model.Pos{File: "template.yaml", Line: 50}
	// The recursive-loop shape: a function triggered by the uploads bucket
	// that writes objects back into it, its ARN unresolved but its Ref set.
	put := stmtOf("Allow", []string{"s3:PutObject"}, nil)
	put.Resources = []model.Value{{State: model.Unknown, Expr: "${Uploads.Arn}/*", Ref: "template.yaml#Uploads", Pos: pos}}
	get := stmtOf("Allow", []string{"s3:GetObject"}, []string{"arn:aws:s3:::uploads/*", "arn:aws:s3:::reports/*"})
	get.Conditions = []model.Condition{{Operator: "StringEquals", Key: "aws:SourceVpce", Values: []model.Value{model.Str("vpce-1", pos)}}}
	del := stmtOf("Allow", []string{"s3:DeleteObject"}, []string{"arn:aws:s3:::uploads/*"})
	deny := stmtOf("Deny", []string{"s3:DeleteObject"}, []string{"arn:aws:s3:::uploads/protected/*"})
	unk := stmtOf("Allow", []string{"sqs:SendMessage"}, nil)
	unk.Resources = []model.Value{model.Unresolved("${param:queueArn}", pos)}
	notRes := stmtOf("Allow", []string{"dynamodb:Scan"}, nil)
	notRes.NotResources = []model.Value{model.Str("arn:aws:dynamodb:*:*:table/cards", pos)}
	// Precise but unresolved only in pseudo parameters, and unresolved in a
	// name.
	kms := stmtOf("Allow", []string{"kms:Decrypt"}, nil)
	kms.Resources = []model.Value{{State: model.Unknown, Expr: "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/k1", Pos: pos}}
	enc := stmtOf("Allow", []string{"kms:Encrypt"}, nil)
	enc.Resources = []model.Value{{State: model.Unknown, Expr: "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${KeyId}", Pos: pos}}
	p := Evaluate(roleOf(put, get, del, deny, unk, notRes, kms, enc))

	for _, tc := range []struct {
		action string
		t      Target
		want   Decision
	}{
		{"s3:PutObject", Target{Ref: "template.yaml#Uploads"}, Yes},
		{"s3:PutObject", Target{Ref: "template.yaml#Reports"}, No},
		{"s3:PutObject", Target{ARN: "arn:aws:s3:::other/x", Ref: "template.yaml#Other"}, No},
		{"s3:GetObject", Target{ARN: "arn:aws:s3:::uploads/a.png"}, Conditionally},
		{"s3:GetObject", Target{ARN: "arn:aws:s3:::private/a.png"}, No},
		{"s3:GetObject", Target{ARN: "arn:aws:s3:::reports/*"}, Conditionally},
		{"s3:DeleteObject", Target{ARN: "arn:aws:s3:::uploads/tmp/a"}, Yes},
		{"s3:DeleteObject", Target{ARN: "arn:aws:s3:::uploads/protected/a"}, No},
		{"sqs:SendMessage", Target{ARN: "arn:aws:sqs:eu-west-1:123456789012:jobs"}, Unknown},
		{"dynamodb:Scan", Target{ARN: "arn:aws:dynamodb:eu-west-1:123456789012:table/orders"}, Yes},
		{"dynamodb:Scan", Target{ARN: "arn:aws:dynamodb:eu-west-1:123456789012:table/cards"}, No},
		{"dynamodb:Scan", Target{Ref: "template.yaml#Cards"}, Unknown},
		{"s3:GetObject", Target{}, Unknown},
		{"lambda:InvokeFunction", Target{ARN: "arn:aws:lambda:eu-west-1:123456789012:function:f"}, No},
		// The Uploads grant's ARN is unresolved: an ARN alone cannot say
		// whether it is that bucket.
		{"s3:PutObject", Target{ARN: "arn:aws:s3:::uploads/x"}, Unknown},
		{"kms:Decrypt", Target{ARN: "arn:aws:kms:eu-west-1:123456789012:key/k1"}, Yes},
		{"kms:Decrypt", Target{ARN: "arn:aws:kms:eu-west-1:123456789012:key/k2"}, No},
		{"kms:Encrypt", Target{ARN: "arn:aws:kms:eu-west-1:123456789012:key/k1"}, Unknown},
	} {
		got, via := p.Can(tc.action, tc.t)
		if got != tc.want {
			t.Errorf("Can(%s, %+v) = %v, want %v", tc.action, tc.t, got, tc.want)
		}
		if (got != No) != (len(via) > 0) {
			t.Errorf("Can(%s, %+v) grants = %d for %v", tc.action, tc.t, len(via), got)
		}
	}
	admin := Evaluate(roleWith(t, nil, "AdministratorAccess"))
	if d, via := admin.Can("s3:PutObject", Target{Ref: "template.yaml#Uploads"}); d != Yes || via[0].Where.Managed != "AdministratorAccess" {
		t.Errorf("admin Can = %v %+v", d, via)
	}
	if Yes.String() != "yes" || No.String() != "no" || Unknown.String() != "unknown" || Conditionally.String() != "conditionally" {
		t.Error("Decision strings")
	}
}
