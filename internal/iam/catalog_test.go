package iam

import (
	"strings"
	"testing"
)

func TestCatalogueShape(t *testing.T) {
	c := Catalogue()
	if n := len(c.Services()); n != 456 {
		t.Errorf("services = %d, want 456 (the 2026-09-26 iam-data)", n)
	}
	if n := len(c.Actions()); n != 22091 {
		t.Errorf("actions = %d, want 22091", n)
	}
	for _, tc := range []struct {
		action string
		level  AccessLevel
		rtype  string
	}{
		{"s3:GetObject", Read, "object"},
		{"S3:getobject", Read, "object"},
		{"s3:ListBucket", List, "bucket"},
		{"iam:PutRolePolicy", PermissionsManagement, "role"},
		{"iam:TagRole", Tagging, "role"},
		{"iam:PassRole", Write, "role"},
		{"lambda:InvokeFunction", Write, "function"},
		{"dynamodb:Scan", Read, "table"},
	} {
		a, ok := c.Action(tc.action)
		if !ok {
			t.Errorf("%s missing", tc.action)
			continue
		}
		if a.Access != tc.level {
			t.Errorf("%s access = %s, want %s", tc.action, a.Access, tc.level)
		}
		found := false
		for _, r := range a.Resources {
			found = found || r.Type.Name == tc.rtype
		}
		if !found {
			t.Errorf("%s resource types lack %s", tc.action, tc.rtype)
		}
	}
	s3, _ := c.Service("s3")
	if rt := s3.ResourceTypes["bucket"]; rt == nil || rt.ARN != "arn:${Partition}:s3:::${BucketName}" {
		t.Errorf("s3 bucket ARN template = %+v", rt)
	}
	if s3.ConditionKeys["s3:prefix"] != "String" {
		t.Errorf("s3:prefix condition key type = %q", s3.ConditionKeys["s3:prefix"])
	}
	if a, _ := c.Action("xray:PutTraceSegments"); a.ResourceLevel() {
		t.Error("xray:PutTraceSegments should not support resource-level permissions")
	}
	if a, _ := c.Action("lambda:AddPermission"); !strings.Contains(strings.Join(a.ConditionKeys(), ","), "lambda:Principal") {
		t.Errorf("lambda:AddPermission condition keys = %v", a.ConditionKeys())
	}
}

func TestExpandAgainstCatalogue(t *testing.T) {
	c := Catalogue()
	// s3:GetObject* is the GetObject family: computed independently from
	// the catalogue's own list, and spot-checked by name.
	var want []string
	for _, a := range c.Actions() {
		if strings.HasPrefix(strings.ToLower(a.String()), "s3:getobject") {
			want = append(want, a.String())
		}
	}
	for _, pat := range []string{"s3:GetObject*", "S3:getobject*", "s3:Get?bject*"} {
		var got []string
		for _, a := range c.Expand(pat) {
			got = append(got, a.String())
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("Expand(%q) = %v\nwant %v", pat, got, want)
		}
	}
	if len(want) != 16 {
		t.Errorf("GetObject family = %d actions, want 16: %v", len(want), want)
	}
	got := map[string]bool{}
	for _, a := range c.Expand("s3:GetObject*") {
		got[a.String()] = true
	}
	for _, n := range []string{"s3:GetObject", "s3:GetObjectAcl", "s3:GetObjectVersion", "s3:GetObjectTagging", "s3:GetObjectVersionTorrent"} {
		if !got[n] {
			t.Errorf("s3:GetObject* lacks %s", n)
		}
	}
	for _, n := range []string{"s3:GetBucketPolicy", "s3:PutObject", "s3-object-lambda:GetObject"} {
		if got[n] {
			t.Errorf("s3:GetObject* wrongly covers %s", n)
		}
	}
	if n := len(c.Expand("*")); n != len(c.Actions()) {
		t.Errorf("Expand(*) = %d, want %d", n, len(c.Actions()))
	}
	s3, _ := c.Service("s3")
	if n := len(c.Expand("s3:*")); n != len(s3.Actions) || n < 100 {
		t.Errorf("Expand(s3:*) = %d, want %d", n, len(s3.Actions))
	}
	if got := c.Expand("iam:?utRolePolicy"); len(got) != 1 || got[0].String() != "iam:PutRolePolicy" {
		t.Errorf("Expand(iam:?utRolePolicy) = %v", got)
	}
	cross := map[string]bool{}
	for _, a := range c.Expand("*:GetObject") {
		cross[a.String()] = true
	}
	if !cross["s3:GetObject"] || !cross["s3-object-lambda:GetObject"] || cross["s3:GetObjectAcl"] {
		t.Errorf("Expand(*:GetObject) = %v", cross)
	}
	for _, pat := range []string{"nosuchservice:*", "s3:NoSuchAction", "no-colon", ""} {
		if got := c.Expand(pat); len(got) != 0 {
			t.Errorf("Expand(%q) = %d actions, want none", pat, len(got))
		}
	}
}

func TestCatalogueRejectsBadData(t *testing.T) {
	for _, in := range []string{
		"not a header\n",
		"#warden-iam-catalog\t1\nA\tGetObject\tR\t\t\t\n",
		"#warden-iam-catalog\t1\nS\ts3\tAmazon S3\nA\tGetObject\tX\t\t\t\n",
		"#warden-iam-catalog\t1\nS\ts3\tAmazon S3\nQ\tweird\n",
		"#warden-iam-catalog\t1\n",
	} {
		if _, err := parseCatalogText([]byte(in)); err == nil {
			t.Errorf("parseCatalogText(%q) succeeded", in)
		}
	}
	if _, err := parseCatalog([]byte("not gzip")); err == nil {
		t.Error("parseCatalog accepted non-gzip data")
	}
}

func TestManagedPolicies(t *testing.T) {
	all := ManagedPolicies()
	if len(all) < 1600 {
		t.Fatalf("managed policies = %d, want all (1,643)", len(all))
	}
	for _, name := range []string{"AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess", "AWSLambdaBasicExecutionRole", "AmazonS3FullAccess", "AWSLambda_FullAccess"} {
		m, ok := LookupManaged(name)
		if !ok {
			t.Errorf("%s missing", name)
			continue
		}
		if _, err := m.Policy(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Every embedded document parses.
	for _, m := range all {
		if p, err := m.Policy(); err != nil || len(p.Statements) == 0 {
			t.Errorf("%s: %v (%d statements)", m.Name, err, len(p.Statements))
		}
	}
	for _, tc := range []struct {
		ref  string
		want string
	}{
		{"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", "AWSLambdaBasicExecutionRole"},
		{"arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess", "ReadOnlyAccess"},
		{"administratoraccess", "AdministratorAccess"},
		{"arn:aws:iam::123456789012:policy/ReadOnlyAccess", ""}, // customer managed, same name
		{"arn:aws:s3:::ReadOnlyAccess", ""},
		{"NoSuchPolicy", ""},
	} {
		m, ok := LookupManaged(tc.ref)
		got := ""
		if ok {
			got = m.Name
		}
		if got != tc.want {
			t.Errorf("LookupManaged(%q) = %q, want %q", tc.ref, got, tc.want)
		}
	}
	for name, want := range map[string]bool{"AWSLambdaBasicExecutionRole": true, "AWSLambdaSQSQueueExecutionRole": true, "AdministratorAccess": false, "AmazonS3ReadOnlyAccess": false} {
		if m, _ := LookupManaged(name); m.ServiceRole() != want {
			t.Errorf("%s ServiceRole = %v", name, !want)
		}
	}
	if _, _, err := parseManaged([]byte("x")); err == nil {
		t.Error("parseManaged accepted non-gzip data")
	}
}
