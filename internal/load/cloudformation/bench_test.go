package cloudformation

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

// writeProject generates files SAM templates holding perFile functions
// each: an Api event, a role (declared for even functions, generated from
// Policies for odd ones), policy templates, inline statements and env.
func writeProject(tb testing.TB, dir string, files, perFile int) []string {
	tb.Helper()
	var names []string
	for i := range files {
		var b strings.Builder
		b.WriteString("AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n")
		b.WriteString("Parameters:\n  Stage: {Type: String, Default: prod}\n")
		b.WriteString("Globals:\n  Function:\n    Runtime: python3.12\n    Timeout: 10\n    Environment:\n      Variables:\n        STAGE: !Ref Stage\n")
		b.WriteString("Resources:\n  Table:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      BillingMode: PAY_PER_REQUEST\n")
		b.WriteString("  Queue:\n    Type: AWS::SQS::Queue\n")
		for j := range perFile {
			n := fmt.Sprintf("Fn%d", j)
			fmt.Fprintf(&b, "  %s:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: app.h%d\n      CodeUri: src/%s/\n", n, j, n)
			b.WriteString("      Environment:\n        Variables:\n          TABLE: !Ref Table\n          QUEUE: !GetAtt Queue.QueueName\n          NAME: !Sub '${Stage}-" + n + "'\n")
			if j%2 == 0 {
				fmt.Fprintf(&b, "      Role: !GetAtt %sRole.Arn\n", n)
			} else {
				b.WriteString("      Policies:\n        - DynamoDBCrudPolicy: {TableName: !Ref Table}\n        - SQSSendMessagePolicy: {QueueName: !GetAtt Queue.QueueName}\n")
				b.WriteString("        - Statement:\n            - Effect: Allow\n              Action: [s3:GetObject]\n              Resource: !Sub 'arn:aws:s3:::${Stage}-assets/*'\n")
			}
			fmt.Fprintf(&b, "      Events:\n        Get:\n          Type: Api\n          Properties: {Path: /%s, Method: get}\n", n)
			if j%2 == 0 {
				fmt.Fprintf(&b, "  %sRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]\n", n)
				b.WriteString("      ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]\n")
				b.WriteString("      Policies:\n        - PolicyName: data\n          PolicyDocument:\n            Statement:\n              - {Effect: Allow, Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: !GetAtt Table.Arn}\n")
			}
		}
		name := fmt.Sprintf("svc%d/template.yaml", i)
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
			tb.Fatal(err)
		}
		names = append(names, name)
	}
	return names
}

func BenchmarkLoad1000Functions(b *testing.B) {
	const files, perFile = 10, 100
	dir := b.TempDir()
	names := writeProject(b, dir, files, perFile)
	root, err := source.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer root.Close()
	u := load.Unit{Kind: load.KindCloudFormation, Files: names}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		app := Loader{}.Load(context.Background(), root, u, load.Options{})
		if len(app.Functions) != files*perFile || len(app.Diagnostics) != 0 {
			b.Fatalf("functions = %d, diagnostics = %v", len(app.Functions), app.Diagnostics)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(files*perFile), "ns/function")
}

func TestGeneratedProject(t *testing.T) {
	dir := t.TempDir()
	names := writeProject(t, dir, 2, 4)
	root, err := source.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	app := Loader{}.Load(context.Background(), root, load.Unit{Kind: load.KindCloudFormation, Files: names}, load.Options{})
	if len(app.Functions) != 8 || len(app.Diagnostics) != 0 {
		t.Fatalf("functions = %d diagnostics = %+v", len(app.Functions), app.Diagnostics)
	}
	for _, f := range app.Functions {
		if f.RoleID == "" || len(f.Triggers) != 1 || !f.Triggers[0].AuthType.Is("NONE") || len(f.Environment) != 4 {
			t.Errorf("%s: role %q triggers %d env %d", f.ID, f.RoleID, len(f.Triggers), len(f.Environment))
		}
	}
}
