package rules

import (
	"fmt"
	"strings"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/model"
)

// SAS-2: broken authentication.

var _ = register(&analysis.Rule{
	ID:       "WAR-AUTH-001",
	Title:    "HTTP route reaches a function without authentication",
	SAS:      "SAS-2",
	CWE:      []string{"CWE-306"},
	Severity: analysis.High,
	Doc: `An API route with no authorizer lets anyone on the internet invoke the function and feed it events. ` +
		`Every request is billed, and every input reaches the code. An API key alone is not authentication: ` +
		`AWS says not to rely on API keys for authentication or authorization, because keys are shared and sent in clear text.`,
	Fix: "Attach an authorizer to the route (JWT/Cognito, a Lambda authorizer, or AWS_IAM), or a default authorizer to the API. " +
		"If the route is public on purpose, suppress the finding inline with the reason.",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "Events:\n  Get:\n    Type: HttpApi\n    Properties:\n      Path: /orders\n      Method: GET\n      Auth:\n        Authorizer: OrdersJwt"},
		{Framework: model.Serverless, Code: "events:\n  - httpApi:\n      path: /orders\n      method: get\n      authorizer:\n        name: ordersJwt"},
		{Framework: model.Terraform, Code: "resource \"aws_apigatewayv2_route\" \"orders\" {\n  authorization_type = \"JWT\"\n  authorizer_id      = aws_apigatewayv2_authorizer.jwt.id\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, f := range functions(p) {
			for _, t := range f.Triggers {
				if !t.IsHTTP() || t.Method.Is("OPTIONS") {
					continue
				}
				// API Gateway WebSocket APIs authorize on $connect only.
				if t.Kind == model.TriggerWebSocket && t.Path.IsKnown() && t.Path.V != "$connect" {
					continue
				}
				keyOnly := t.AuthType.Is(model.AuthAPIKey) || (t.AuthType.Is(model.AuthNone) && t.APIKeyRequired.IsTrue())
				switch {
				case t.AuthType.Is(model.AuthNone) && !keyOnly:
					p.Report(analysis.Finding{
						Pos: t.AuthType.PosOr(t.Pos), Anchor: f.Pos, FunctionID: f.ID,
						Subject: subject(f.ID, "http", t.Method.V, t.Path.V),
						Message: fmt.Sprintf("%s of function %s has no authorizer: anyone can invoke it", routeName(t), fnLabel(f)),
					})
				case keyOnly:
					p.Report(analysis.Finding{
						Pos: t.AuthType.PosOr(t.Pos), Anchor: f.Pos, FunctionID: f.ID, Severity: analysis.Medium,
						Subject: subject(f.ID, "http", t.Method.V, t.Path.V),
						Message: fmt.Sprintf("%s of function %s is protected only by an API key, which identifies a client but does not authenticate a user", routeName(t), fnLabel(f)),
					})
				}
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-AUTH-002",
	Title:    "Function URL allows unauthenticated access",
	SAS:      "SAS-2",
	CWE:      []string{"CWE-306"},
	Severity: analysis.High,
	Doc: "A Lambda function URL with AuthType NONE is a public HTTPS endpoint with no authorizer, no throttling " +
		"and no WAF in front of it. Anyone who learns the URL can invoke the function as often as they like.",
	Fix: "Set AuthType to AWS_IAM and call the URL with SigV4 (or through a gateway that signs requests), or put the function behind API Gateway with an authorizer.",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "FunctionUrlConfig:\n  AuthType: AWS_IAM"},
		{Framework: model.Serverless, Code: "url:\n  authorizer: aws_iam"},
		{Framework: model.Terraform, Code: "resource \"aws_lambda_function_url\" \"api\" {\n  authorization_type = \"AWS_IAM\"\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, f := range functions(p) {
			if f.URL != nil && f.URL.AuthType.Is(model.AuthNone) {
				p.Report(analysis.Finding{
					Pos: f.URL.AuthType.PosOr(f.URL.Pos), Anchor: f.Pos, FunctionID: f.ID, Subject: subject(f.ID, "url"),
					Message: fmt.Sprintf("function URL of %s has AuthType NONE: it is a public endpoint with no authentication", fnLabel(f)),
				})
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-AUTH-003",
	Title:    "Lambda permission open to everyone or to a service without a source condition",
	SAS:      "SAS-2",
	CWE:      []string{"CWE-284", "CWE-441"},
	Severity: analysis.High,
	Doc: "A resource-based permission with Principal \"*\" lets any AWS account (or, for function URLs, anyone) invoke the function. " +
		"A permission for a service principal such as s3.amazonaws.com or sns.amazonaws.com without SourceArn or SourceAccount " +
		"lets that service invoke the function on behalf of any customer's resource: the confused-deputy problem.",
	Fix: "Grant the permission to a specific principal, and always set SourceArn (and SourceAccount for S3) to the resource that should invoke the function.",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "Type: AWS::Lambda::Permission\nProperties:\n  Action: lambda:InvokeFunction\n  Principal: s3.amazonaws.com\n  SourceArn: !GetAtt Uploads.Arn\n  SourceAccount: !Ref AWS::AccountId"},
		{Framework: model.Serverless, Code: "resources:\n  Resources:\n    UploadsInvoke:\n      Type: AWS::Lambda::Permission\n      Properties:\n        Action: lambda:InvokeFunction\n        FunctionName: !GetAtt ResizeLambdaFunction.Arn\n        Principal: s3.amazonaws.com\n        SourceArn: arn:aws:s3:::thumbnails-uploads\n        SourceAccount: !Ref AWS::AccountId"},
		{Framework: model.Terraform, Code: "resource \"aws_lambda_permission\" \"s3\" {\n  principal      = \"s3.amazonaws.com\"\n  source_arn     = aws_s3_bucket.uploads.arn\n  source_account = data.aws_caller_identity.current.account_id\n}"},
	},
	Frameworks: []model.Framework{model.SAM, model.CloudFormation, model.Terraform, model.Serverless},
	Run: func(p *analysis.Pass) {
		for _, perm := range p.App.Permissions {
			if perm.Provider != model.AWS || !perm.Principal.IsKnown() {
				continue
			}
			pr := perm.Principal.V
			switch {
			case pr == "*":
				p.Report(analysis.Finding{
					Pos: perm.Principal.PosOr(perm.Pos), Anchor: perm.Pos, FunctionID: perm.FunctionID, Subject: subject(perm.ID, "principal"),
					Message: "Lambda permission grants invoke to Principal \"*\": any AWS account or anonymous caller can invoke the function",
				})
			case strings.HasSuffix(pr, ".amazonaws.com") && perm.SourceArn.IsAbsent() && perm.SourceAccount.IsAbsent():
				p.Report(analysis.Finding{
					Pos: perm.Principal.PosOr(perm.Pos), Anchor: perm.Pos, FunctionID: perm.FunctionID, Severity: analysis.Medium,
					Subject: subject(perm.ID, "source"),
					Message: fmt.Sprintf("Lambda permission for %s has no SourceArn or SourceAccount: that service may invoke the function for any account's resources", pr),
				})
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-AUTH-004",
	Title:    "Cloud Function invokable by allUsers or allAuthenticatedUsers",
	SAS:      "SAS-2",
	CWE:      []string{"CWE-306"},
	Severity: analysis.High,
	Doc: "Granting roles/cloudfunctions.invoker (or roles/run.invoker for 2nd gen) to allUsers makes the function public on the internet; " +
		"allAuthenticatedUsers means any Google account, which is no real restriction.",
	Fix: "Grant the invoker role to the specific service accounts or groups that call the function.",
	Examples: []analysis.Example{
		{Framework: model.Terraform, Code: "resource \"google_cloudfunctions2_function_iam_member\" \"invoker\" {\n  role   = \"roles/cloudfunctions.invoker\"\n  member = \"serviceAccount:caller@project.iam.gserviceaccount.com\"\n}"},
	},
	Frameworks: []model.Framework{model.Terraform},
	Run: func(p *analysis.Pass) {
		for _, perm := range p.App.Permissions {
			if perm.Provider != model.GCP || !perm.Principal.IsKnown() {
				continue
			}
			if perm.Principal.V == "allUsers" || perm.Principal.V == "allAuthenticatedUsers" {
				p.Report(analysis.Finding{
					Pos: perm.Principal.PosOr(perm.Pos), Anchor: perm.Pos, FunctionID: perm.FunctionID, Subject: subject(perm.ID, perm.Principal.V),
					Message: fmt.Sprintf("%s is granted %s on the function: it is public", perm.Principal.V, perm.Role.String()),
				})
			}
		}
	},
})
