package terraform

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/source"
)

// FuzzLoad feeds arbitrary bytes to the loader as a .tf or .tf.json file
// next to a small valid module; it must never panic and must always list
// the file.
func FuzzLoad(f *testing.F) {
	err := filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(p, "fuzz") {
			return err
		}
		if strings.HasSuffix(p, ".tf") || strings.HasSuffix(p, ".tf.json") || strings.HasSuffix(p, ".tfvars") {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			f.Add(b, strings.HasSuffix(p, ".json"))
		}
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, asJSON bool) {
		dir := t.TempDir()
		name := "main.tf"
		if asJSON {
			name = "main.tf.json"
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "terraform.tfvars"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		root, err := source.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer root.Close()
		u := load.Unit{Kind: load.KindTerraform, Dir: ".", Files: []string{name, "terraform.tfvars"}}
		app := Loader{}.Load(context.Background(), root, u, load.Options{Vars: map[string]string{"stage": "x"}})
		if len(app.Files) < 2 {
			t.Fatalf("files = %v", app.Files)
		}
		for _, d := range app.Diagnostics {
			if d.Pos.File == "" {
				t.Fatalf("diagnostic without a file: %+v", d)
			}
		}
	})
}

// genProject writes n functions, each with a role, a policy document, an
// inline policy and an HTTP API route, over files of 100 functions.
func genProject(tb testing.TB, dir string, n int) load.Unit {
	u := load.Unit{Kind: load.KindTerraform, Dir: "."}
	var sb strings.Builder
	sb.WriteString(`variable "stage" {
  default = "bench"
}
locals {
  prefix = "acme-${var.stage}"
}
resource "aws_apigatewayv2_api" "http" {
  name          = "bench"
  protocol_type = "HTTP"
}
`)
	flush := func(i int) {
		name := fmt.Sprintf("f%04d.tf", i)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(sb.String()), 0o600); err != nil {
			tb.Fatal(err)
		}
		u.Files = append(u.Files, name)
		sb.Reset()
	}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, `
data "aws_iam_policy_document" "p%[1]d" {
  statement {
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
    resources = [aws_dynamodb_table.t%[1]d.arn]
  }
}
resource "aws_dynamodb_table" "t%[1]d" {
  name     = "${local.prefix}-t%[1]d"
  hash_key = "id"
}
resource "aws_iam_role" "r%[1]d" {
  name               = "${local.prefix}-r%[1]d"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }] })
}
resource "aws_iam_role_policy" "r%[1]d" {
  role   = aws_iam_role.r%[1]d.id
  policy = data.aws_iam_policy_document.p%[1]d.json
}
resource "aws_lambda_function" "f%[1]d" {
  function_name = "${local.prefix}-f%[1]d"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "build/f%[1]d.zip"
  role          = aws_iam_role.r%[1]d.arn
  memory_size   = 128
  environment {
    variables = {
      TABLE = aws_dynamodb_table.t%[1]d.name
      STAGE = var.stage
    }
  }
}
resource "aws_apigatewayv2_integration" "i%[1]d" {
  api_id           = aws_apigatewayv2_api.http.id
  integration_type = "AWS_PROXY"
  integration_uri  = aws_lambda_function.f%[1]d.invoke_arn
}
resource "aws_apigatewayv2_route" "r%[1]d" {
  api_id    = aws_apigatewayv2_api.http.id
  route_key = "GET /f%[1]d"
  target    = "integrations/${aws_apigatewayv2_integration.i%[1]d.id}"
}
`, i)
		if (i+1)%100 == 0 {
			flush(i)
		}
	}
	if sb.Len() > 0 {
		flush(n)
	}
	return u
}

func BenchmarkLoad1000Functions(b *testing.B) {
	dir := b.TempDir()
	const n = 1000
	u := genProject(b, dir, n)
	root, err := source.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer root.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		app := Loader{}.Load(context.Background(), root, u, load.Options{})
		if len(app.Functions) != n || len(app.Functions[n-1].Triggers) != 1 || app.Functions[0].RoleID == "" {
			b.Fatalf("functions = %d", len(app.Functions))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/function")
}
