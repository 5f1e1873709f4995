package scan

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/load/cloudformation"
	"github.com/wardensec/warden/internal/load/serverless"
	"github.com/wardensec/warden/internal/load/terraform"
	"github.com/wardensec/warden/internal/source"
)

// A resources file included by serverless.yml is also a valid CloudFormation
// fragment; it must be modelled once, under the service.
func TestIncludedFilesAreLoadedOnce(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("serverless.yml", "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  f:\n    handler: app.h\nresources:\n  - ${file(./resources/queue.yml)}\n")
	write("resources/queue.yml", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n")
	write("other/template.yaml", "Resources:\n  B:\n    Type: AWS::S3::Bucket\n")
	root, err := source.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	app, err := Load(context.Background(), root, Options{Loaders: map[load.Kind]load.Loader{
		load.KindServerless: serverless.Loader{}, load.KindCloudFormation: cloudformation.Loader{}}})
	if err != nil {
		t.Fatal(err)
	}
	queues, buckets := 0, 0
	for _, r := range app.Resources {
		switch r.Type {
		case "AWS::SQS::Queue":
			queues++
		case "AWS::S3::Bucket":
			buckets++
		}
	}
	if queues != 1 || buckets != 1 {
		t.Errorf("queues = %d, buckets = %d; want 1 and 1", queues, buckets)
	}
}

// A local module is loaded through its caller, with its inputs, and not a
// second time as a root of its own.
func TestTerraformModuleLoadedOnce(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"main.tf":      "module \"fn\" {\n  source = \"./mod\"\n  name   = \"hello\"\n}\n",
		"mod/main.tf":  "variable \"name\" {}\nresource \"aws_lambda_function\" \"f\" {\n  function_name = var.name\n  role          = \"arn:aws:iam::1:role/r\"\n  runtime       = \"python3.12\"\n  handler       = \"a.h\"\n  filename      = \"a.zip\"\n}\n",
		"solo/main.tf": "resource \"aws_sqs_queue\" \"q\" {}\n",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root, err := source.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	app, err := Load(context.Background(), root, Options{Loaders: map[load.Kind]load.Loader{load.KindTerraform: terraform.Loader{}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(app.Functions) != 1 || app.Functions[0].ID != "mod/main.tf#module.fn.aws_lambda_function.f" || !app.Functions[0].FunctionName.Is("hello") {
		var ids []string
		for _, f := range app.Functions {
			ids = append(ids, f.ID)
		}
		t.Errorf("functions = %v, want only the module instance named hello", ids)
	}
	if len(app.Resources) != 1 {
		t.Errorf("resources = %d, want the solo queue", len(app.Resources))
	}
}
