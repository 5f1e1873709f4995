package main

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// suggestOutput is the JSON that `warden iam suggest` prints.
type suggestOutput []struct {
	Function string `json:"function"`
	Complete bool   `json:"complete"`
	Policy   struct {
		Statement []struct {
			Effect   string   `json:"Effect"`
			Action   []string `json:"Action"`
			Resource string   `json:"Resource"`
		} `json:"Statement"`
	} `json:"policy"`
	Unresolved []struct {
		Resource string   `json:"resource"`
		Projects []string `json:"project_resources"`
		Notes    []string `json:"notes"`
	} `json:"unresolved"`
	Notes []string `json:"notes"`
}

// TestIAMSuggestLeastPrivilegeSample compares the policy printed for the
// sample with what its code does: every action and ARN, and the notes for
// what the code leaves open.
func TestIAMSuggestLeastPrivilegeSample(t *testing.T) {
	out, errOut, code := runCLI(t, "iam", "suggest", "../../examples/least-privilege", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got suggestOutput
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	want := map[string][]string{
		"ApiFunction": {
			"dynamodb:GetItem,dynamodb:PutItem arn:aws:dynamodb:*:*:table/*",
			"s3:PutObject arn:aws:s3:::*/orders/*.json",
			"secretsmanager:GetSecretValue arn:aws:secretsmanager:*:*:secret:prod/orders/api-key-??????",
			"sqs:SendMessage arn:aws:sqs:*:*:*",
			"ssm:GetParameter arn:aws:ssm:*:*:parameter/orders/config",
		},
		"ThumbnailFunction": {
			"s3:GetObject arn:aws:s3:::*/*",
			"s3:PutObject arn:aws:s3:::*/thumbs/*",
			"sns:Publish arn:aws:sns:*:*:*",
		},
		"JobsFunction": {
			"dynamodb:UpdateItem arn:aws:dynamodb:*:*:table/*",
			"lambda:InvokeFunction arn:aws:lambda:*:*:function:*",
		},
		"ReportFunction": {
			"dynamodb:Scan arn:aws:dynamodb:*:*:table/*",
			"s3:PutObject arn:aws:s3:::orders-reports/daily/*.csv",
		},
		"NotifyFunction": nil,
	}
	seen := map[string]bool{}
	for _, f := range got {
		seen[f.Function] = true
		var stmts []string
		for _, s := range f.Policy.Statement {
			if s.Effect != "Allow" {
				t.Errorf("%s: effect %q", f.Function, s.Effect)
			}
			stmts = append(stmts, strings.Join(s.Action, ",")+" "+s.Resource)
		}
		sort.Strings(stmts)
		if !reflect.DeepEqual(stmts, want[f.Function]) {
			t.Errorf("%s statements:\n%s\nwant\n%s", f.Function, strings.Join(stmts, "\n"), strings.Join(want[f.Function], "\n"))
		}
		// Every wildcard beyond region and account is explained.
		for _, s := range f.Policy.Statement {
			rest := strings.TrimPrefix(strings.Replace(s.Resource, ":*:*:", ":", 1), "arn:aws:")
			if !strings.Contains(rest, "*") {
				continue
			}
			explained := false
			for _, u := range f.Unresolved {
				if u.Resource == s.Resource && len(u.Notes) > 0 {
					explained = true
				}
			}
			if !explained {
				t.Errorf("%s: %s widened without a note", f.Function, s.Resource)
			}
		}
	}
	for fn := range want {
		if !seen[fn] {
			t.Errorf("no policy for %s", fn)
		}
	}
	// The project resources behind the wildcards are named.
	for _, f := range got {
		if f.Function != "ThumbnailFunction" {
			continue
		}
		var projects []string
		for _, u := range f.Unresolved {
			projects = append(projects, u.Projects...)
		}
		sort.Strings(projects)
		if !reflect.DeepEqual(projects, []string{"ThumbnailBucket", "ThumbnailsTopic", "UploadBucket"}) {
			t.Errorf("ThumbnailFunction project resources = %v", projects)
		}
	}
}

func TestIAMSuggestCloudFormationReferencesResources(t *testing.T) {
	out, errOut, code := runCLI(t, "iam", "suggest", "../../examples/least-privilege", "--function", "ThumbnailFunction", "--format", "cloudformation")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		`Resource: !Sub "arn:${AWS::Partition}:s3:::${UploadBucket}/*"`,
		`Resource: !Sub "arn:${AWS::Partition}:s3:::${ThumbnailBucket}/thumbs/*"`,
		"Resource: !Ref ThumbnailsTopic",
		"# UNRESOLVED: S3.GetObject: Key is computed at run time",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "ApiFunction") {
		t.Error("--function printed other functions")
	}
}

func TestIAMSuggestErrors(t *testing.T) {
	if _, errOut, code := runCLI(t, "iam", "suggest", "../../examples/least-privilege", "--function", "Nope"); code != exitError {
		t.Errorf("unknown function: exit %d, stderr %q", code, errOut)
	}
	if _, _, code := runCLI(t, "iam", "suggest", "../../examples/least-privilege", "--format", "yaml"); code != exitError {
		t.Errorf("bad format: exit %d", code)
	}
}
