package discover

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/source"
)

func write(t *testing.T, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWalkClassifiesByContent(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "stack.yaml", "Transform: AWS::Serverless-2016-10-31\nResources: {}\n")
	write(t, dir, "infra/cfn.json", `{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}`)
	write(t, dir, "plain.yml", "Resources:\n  B:\n    Type: AWS::SQS::Queue\n")
	write(t, dir, "api/serverless.yml", "service: api\nprovider:\n  name: aws\n")
	write(t, dir, "svc/other-name.yaml", "service: x\nprovider:\n  name: aws\n")
	write(t, dir, "tf/main.tf", "resource \"aws_s3_bucket\" \"b\" {}\n")
	write(t, dir, "tf/vars.tf", "variable \"x\" {}\n")
	write(t, dir, "tf/terraform.tfvars", "x = 1\n")
	write(t, dir, "tf/prod.tfvars", "x = 2\n")
	write(t, dir, "onlyvars/terraform.tfvars", "x = 1\n")
	write(t, dir, "az/HttpFn/function.json", `{"bindings": [{"type": "httpTrigger"}]}`)
	write(t, dir, "ts/serverless.ts", "export default {}\n")
	write(t, dir, "docker-compose.yml", "services:\n  web: {}\n")
	write(t, dir, "package.json", `{"name": "x"}`)
	write(t, dir, "node_modules/dep/template.yaml", "AWSTemplateFormatVersion: '2010-09-09'\n")
	write(t, dir, ".aws-sam/build/template.yaml", "AWSTemplateFormatVersion: '2010-09-09'\n")
	write(t, dir, "ignored/template.yaml", "AWSTemplateFormatVersion: '2010-09-09'\n")
	write(t, dir, "keep/.gitignore", "*.gen.yaml\n")
	write(t, dir, "keep/x.gen.yaml", "AWSTemplateFormatVersion: '2010-09-09'\n")
	write(t, dir, "keep/x.yaml", "AWSTemplateFormatVersion: '2010-09-09'\n")
	write(t, dir, ".gitignore", "ignored/\n")

	root, err := source.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	res, err := Walk(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]load.Kind{}
	for _, u := range res.Units {
		got[strings.Join(u.Files, ",")] = u.Kind
	}
	want := map[string]load.Kind{
		"stack.yaml":          load.KindCloudFormation,
		"infra/cfn.json":      load.KindCloudFormation,
		"plain.yml":           load.KindCloudFormation,
		"api/serverless.yml":  load.KindServerless,
		"svc/other-name.yaml": load.KindServerless,
		"tf/main.tf,tf/terraform.tfvars,tf/vars.tf": load.KindTerraform,
		"az/HttpFn/function.json":                   load.KindAzureFunction,
		"keep/x.yaml":                               load.KindCloudFormation,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("unit %s: kind %q, want %q", k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected unit %s (%s)", k, got[k])
		}
	}
	var sawTS bool
	for _, d := range res.Diagnostics {
		if d.Pos.File == "ts/serverless.ts" && d.Code == "unsupported" {
			sawTS = true
		}
	}
	if !sawTS {
		t.Errorf("serverless.ts gave no info note: %+v", res.Diagnostics)
	}
}

func TestWalkReportsHostileFiles(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	write(t, outside, "template.yaml", "AWSTemplateFormatVersion: '2010-09-09'\n")
	if err := os.Symlink(filepath.Join(outside, "template.yaml"), filepath.Join(dir, "template.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dir, filepath.Join(dir, "loop")); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "serverless.yml", "service: x\x00\x01binary")
	write(t, dir, "big.template", "AWSTemplateFormatVersion: '2010-09-09'\n"+strings.Repeat("#", 2048))
	root, err := source.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	root.MaxFileSize = 1024
	res, err := Walk(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Units) != 0 {
		t.Errorf("units = %+v, want none", res.Units)
	}
	codes := map[string]string{}
	for _, d := range res.Diagnostics {
		codes[d.Pos.File] = d.Code
	}
	for file, code := range map[string]string{"template.yaml": "outside-root", "serverless.yml": "parse", "big.template": "too-large"} {
		if codes[file] != code {
			t.Errorf("%s: diagnostic code %q, want %q (all: %v)", file, codes[file], code, res.Diagnostics)
		}
	}
}
