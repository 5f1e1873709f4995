package serverless

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/source"
)

// genProject writes a service with n functions, each with an http and an
// sqs event, environment variables using variables, and its own
// iamRoleStatements.
func genProject(tb testing.TB, dir string, n int) {
	tb.Helper()
	var sb strings.Builder
	sb.WriteString(`service: big
custom:
  tablePrefix: big-${sls:stage}
provider:
  name: aws
  runtime: nodejs20.x
  stage: ${opt:stage, 'dev'}
  region: eu-west-1
  environment:
    STAGE: ${sls:stage}
    DB_PASSWORD: ${ssm:/big/db-password}
  iam:
    role:
      statements:
        - Effect: Allow
          Action: logs:*
          Resource: '*'
functions:
`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, `  fn%[1]d:
    handler: src/fn%[1]d.handler
    memorySize: 256
    environment:
      TABLE: ${self:custom.tablePrefix}-t%[1]d
      QUEUE: !Ref Queue%[1]d
    iamRoleStatements:
      - Effect: Allow
        Action:
          - dynamodb:GetItem
          - dynamodb:PutItem
        Resource: arn:aws:dynamodb:eu-west-1:123456789012:table/big-t%[1]d
    events:
      - http:
          path: /items/%[1]d
          method: get
          authorizer: aws_iam
      - sqs:
          arn: !GetAtt Queue%[1]d.Arn
          batchSize: 10
`, i)
	}
	sb.WriteString("resources:\n  Resources:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "    Queue%d:\n      Type: AWS::SQS::Queue\n", i)
	}
	if err := os.WriteFile(filepath.Join(dir, "serverless.yml"), []byte(sb.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
}

func BenchmarkLoad1000Functions(b *testing.B) {
	const n = 1000
	dir := b.TempDir()
	genProject(b, dir, n)
	root, err := source.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer root.Close()
	u := load.Unit{Kind: load.KindServerless, Files: []string{"serverless.yml"}}
	app := Loader{}.Load(context.Background(), root, u, load.Options{})
	if len(app.Functions) != n || len(app.Roles) != n {
		b.Fatalf("generated project loads %d functions and %d roles", len(app.Functions), len(app.Roles))
	}
	for _, d := range app.Diagnostics {
		if d.Level != "info" {
			b.Fatalf("unexpected diagnostic: %s %s", d.Pos, d.Message)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Loader{}.Load(context.Background(), root, u, load.Options{})
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/function")
}
