package iam

import "testing"

func TestMatchResource(t *testing.T) {
	for _, tc := range []struct {
		pattern, arn string
		want         bool
	}{
		{"*", "arn:aws:s3:::anything", true},
		{"arn:aws:s3:::uploads/*", "arn:aws:s3:::uploads/a/b.png", true},
		{"arn:aws:s3:::uploads/*", "arn:aws:s3:::uploads", false},
		{"arn:aws:s3:::uploads*", "arn:aws:s3:::uploads-eu/x", true}, // "*" spans "/" in the resource part
		{"arn:aws:s3:::Uploads/*", "arn:aws:s3:::uploads/x", false},  // ARNs compare case-sensitively
		{"arn:aws:s3:::upl?ads/*", "arn:aws:s3:::uploads/x", true},
		{"arn:aws:lambda:*:123456789012:function:*", "arn:aws:lambda:eu-west-1:123456789012:function:resize", true},
		{"arn:aws:lambda:*:123456789012:function:*", "arn:aws:lambda:eu-west-1:999999999999:function:resize", false},
		{"arn:aws:lambda:*:123456789012:function:*", "arn:aws:lambda:eu-west-1:123456789012:function:resize:prod", true}, // spans ":" in the resource part
		{"arn:aws:lambda:eu-*:*:function:resize", "arn:aws:lambda:eu-west-1:123456789012:function:resize", true},
		{"arn:aws:lambda:eu-*:*:function:resize", "arn:aws:lambda:us-east-1:123456789012:function:resize", false},
		// A region wildcard does not reach into the account segment.
		{"arn:aws:dynamodb:*:table/orders", "arn:aws:dynamodb:eu-west-1:123456789012:table/orders", false},
		{"arn:aws:s3:*", "arn:aws:s3:::uploads/x", true},
		{"arn:aws:logs:*:*:log-group:/aws/lambda/*", "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/fn:log-stream:2026/x", true},
		{"arn:aws:iam::*:role/app-*", "arn:aws:iam::123456789012:role/app-api", true},
		{"arn:aws:iam::*:role/app-*", "arn:aws:iam::123456789012:role/ops", false},
		{"arn:aws:sqs:*:*:jobs", "arn:aws:sns:eu-west-1:123456789012:jobs", false},
	} {
		if got := MatchResource(tc.pattern, tc.arn); got != tc.want {
			t.Errorf("MatchResource(%q, %q) = %v, want %v", tc.pattern, tc.arn, got, tc.want)
		}
	}
}

func TestResourceCovers(t *testing.T) {
	for _, tc := range []struct {
		p, a string
		want bool
	}{
		{"*", "arn:aws:s3:::x/*", true},
		{"arn:aws:s3:::x/*", "*", false},
		{"arn:aws:s3:::x/*", "arn:aws:s3:::x/tmp/*", true},
		{"arn:aws:s3:::x/tmp/*", "arn:aws:s3:::x/*", false},
		{"arn:aws:s3:::x/*", "arn:aws:s3:::x/?", true},
		{"arn:aws:s3:::x/?", "arn:aws:s3:::x/*", false}, // "?" is one character, "*" any number
		{"arn:aws:dynamodb:*:*:table/*", "arn:aws:dynamodb:eu-west-1:123456789012:table/orders", true},
		{"arn:aws:dynamodb:eu-west-1:*:table/*", "arn:aws:dynamodb:*:123456789012:table/orders", false},
		{"arn:aws:iam::123456789012:role/sandbox-*", "arn:aws:iam::123456789012:role/app-api", false},
	} {
		if got := resourceCovers(tc.p, tc.a); got != tc.want {
			t.Errorf("resourceCovers(%q, %q) = %v, want %v", tc.p, tc.a, got, tc.want)
		}
	}
}

func TestResourceOverlaps(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"arn:aws:s3:::x/*", "arn:aws:s3:::x/tmp/*", true},
		{"arn:aws:s3:::x/*", "arn:aws:s3:::y/*", false},
		{"arn:aws:s3:::*.log", "arn:aws:s3:::a*", true},
		{"arn:aws:s3:::*.log", "arn:aws:s3:::*.txt", false},
		{"arn:aws:iam::123456789012:role/sandbox-*", "arn:aws:iam::123456789012:role/app-api", false},
		{"arn:aws:sqs:*:*:jobs", "arn:aws:sns:*:*:jobs", false},
	} {
		if got := resourceOverlaps(tc.a, tc.b); got != tc.want {
			t.Errorf("resourceOverlaps(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestIsWideResource(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		want    bool
	}{
		{"*", true},
		{"arn:aws:s3:::*", true},
		{"arn:aws:s3:::*/*", true},
		{"arn:aws:s3:::uploads/*", false},
		{"arn:aws:dynamodb:*:*:table/*", true},
		{"arn:aws:dynamodb:eu-west-1:123456789012:table/orders", false},
		{"arn:aws:dynamodb:eu-west-1:123456789012:table/orders/index/*", false},
		{"arn:aws:lambda:*:*:function:*", true},
		{"arn:aws:lambda:eu-west-1:123456789012:function:resize:*", false},
		{"arn:aws:ssm:*:*:parameter/*", true},
		{"arn:aws:ssm:*:*:parameter/prod/*", false},
		{"arn:aws:secretsmanager:*:*:secret:*", true},
		{"arn:aws:secretsmanager:*:*:secret:prod/db-*", false},
		{"arn:aws:*:*:*:*", true},
		{"arn:aws:kms:eu-west-1:123456789012:key/*", true},
	} {
		if got := IsWideResource(tc.pattern); got != tc.want {
			t.Errorf("IsWideResource(%q) = %v, want %v", tc.pattern, got, tc.want)
		}
	}
}

func TestMatchAction(t *testing.T) {
	for _, tc := range []struct {
		p, a string
		want bool
	}{
		{"s3:Get*", "s3:GetObject", true},
		{"S3:get*", "s3:GetObject", true},
		{"s3:Get*", "s3:PutObject", false},
		{"*", "iam:PassRole", true},
		{"iam:Pass?ole", "iam:PassRole", true},
		{"s3:*Object", "s3:GetObjectAcl", false},
	} {
		if got := MatchAction(tc.p, tc.a); got != tc.want {
			t.Errorf("MatchAction(%q, %q) = %v, want %v", tc.p, tc.a, got, tc.want)
		}
	}
}
