package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func gunzip(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestRun converts a miniature upstream tree and checks the exact output,
// so a change in the upstream format or in the embedded format shows here
// rather than as a decoding panic at run time.
func TestRun(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	sa := filepath.Join(src, "service-authorization")
	write(t, filepath.Join(sa, "serviceNames.json"), `{"s3": "Amazon S3", "zz": "Zed, Tab\tService"}`)
	write(t, filepath.Join(sa, "actions", "s3.json"), `{
	  "putbucketpolicy": {"name": "PutBucketPolicy", "accessLevel": "Permissions management, Write", "resourceTypes": [{"name": "bucket", "required": true}], "conditionKeys": ["s3:authType"], "dependentActions": []},
	  "getobject": {"name": "GetObject", "accessLevel": "Read", "resourceTypes": [{"name": "object", "required": true}, {"name": "accesspointobject", "required": false}], "conditionKeys": [], "dependentActions": ["s3:ListBucket"]}
	}`)
	write(t, filepath.Join(sa, "resourceTypes", "s3.json"), `{"bucket": {"key": "bucket", "arn": "arn:${Partition}:s3:::${BucketName}"}}`)
	write(t, filepath.Join(sa, "conditionKeys", "s3.json"), `{"s3:authtype": {"key": "s3:authType", "type": "String"}}`)
	write(t, filepath.Join(sa, "actions", "zz.json"), `{"tagthing": {"name": "TagThing", "accessLevel": "Tagging, Write", "resourceTypes": [], "conditionKeys": [], "dependentActions": []}}`)
	write(t, filepath.Join(src, "aws-managed-policies.json"), `{"ReadOnlyAccess": {"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess", "deprecated": false, "document": {"Statement": [ {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"} ]}}}`)
	supp := filepath.Join(src, "supplement.json")
	write(t, supp, `{"AdministratorAccess": {"arn": "arn:aws:iam::aws:policy/AdministratorAccess", "deprecated": true, "document": {"Statement": []}},
	  "ReadOnlyAccess": {"arn": "ignored: upstream wins", "document": {}}}`)
	if err := run(src, out, supp); err != nil {
		t.Fatal(err)
	}
	wantCat := "#warden-iam-catalog\t1\n" +
		"S\ts3\tAmazon S3\n" +
		"R\tbucket\tarn:${Partition}:s3:::${BucketName}\n" +
		"A\tGetObject\tR\tobject*,accesspointobject\t\ts3:ListBucket\n" +
		"A\tPutBucketPolicy\tP\tbucket*\ts3:authType\t\n" +
		"K\ts3:authType\tString\n" +
		"S\tzz\tZed  Tab Service\n" +
		"A\tTagThing\tT\t\t\t\n"
	if got := gunzip(t, filepath.Join(out, "catalog.tsv.gz")); got != wantCat {
		t.Errorf("catalog =\n%s\nwant\n%s", got, wantCat)
	}
	wantMan := "#warden-iam-managed\t1\n" +
		"AdministratorAccess\tarn:aws:iam::aws:policy/AdministratorAccess\t1\t{\"Statement\":[]}\n" +
		"ReadOnlyAccess\tarn:aws:iam::aws:policy/ReadOnlyAccess\t0\t{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:Get*\",\"Resource\":\"*\"}]}\n"
	if got := gunzip(t, filepath.Join(out, "managed.tsv.gz")); got != wantMan {
		t.Errorf("managed =\n%s\nwant\n%s", got, wantMan)
	}
	// Same input, same bytes: regenerating gives a clean diff.
	first, _ := os.ReadFile(filepath.Join(out, "catalog.tsv.gz"))
	if err := run(src, out, supp); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(filepath.Join(out, "catalog.tsv.gz"))
	if !bytes.Equal(first, second) {
		t.Error("output is not deterministic")
	}

	write(t, filepath.Join(sa, "actions", "zz.json"), `{"x": {"name": "X", "accessLevel": "Sometimes"}}`)
	if err := run(src, out, supp); err == nil || !strings.Contains(err.Error(), "zz:X") {
		t.Errorf("bad access level error = %v", err)
	}
	if err := run(filepath.Join(src, "missing"), out, supp); err == nil || !strings.Contains(err.Error(), "serviceNames.json") {
		t.Errorf("missing upstream error = %v", err)
	}
}
