package rules

import (
	"fmt"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/model"
)

var _ = register(&analysis.Rule{
	ID:       "WAR-SEC-003",
	Title:    "Secret stored as a plain SSM String parameter",
	SAS:      "SAS-7",
	CWE:      []string{"CWE-312"},
	Severity: analysis.Medium,
	Doc: "SSM String parameters are stored and returned unencrypted, and anyone with ssm:GetParameter can read them. Secrets belong in " +
		"SecureString parameters (encrypted with KMS, readable only with kms:Decrypt) or Secrets Manager.",
	Fix: "Create the parameter as SecureString outside the template (CloudFormation cannot create SecureString), or use Secrets Manager, and reference it.",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "# the SecureString is created outside the template; the function reads it\nEnvironment:\n  Variables:\n    DB_PASSWORD_PARAM: /billing/prod/db-password\nPolicies:\n  - SSMParameterReadPolicy:\n      ParameterName: billing/prod/db-password"},
		{Framework: model.Serverless, Code: "# the SecureString is created outside the template; the function reads it\nprovider:\n  environment:\n    DB_PASSWORD_PARAM: /billing/prod/db-password\n  iam:\n    role:\n      statements:\n        - Effect: Allow\n          Action: ssm:GetParameter\n          Resource: arn:aws:ssm:${aws:region}:${aws:accountId}:parameter/billing/prod/db-password"},
		{Framework: model.Terraform, Code: "resource \"aws_ssm_parameter\" \"db_password\" {\n  type   = \"SecureString\"\n  key_id = aws_kms_key.params.arn\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, prm := range resources(p, model.KindParameter) {
			typ := prm.Attr(model.AttrParameterType)
			name := prm.Attr(model.AttrParameterName)
			label := prm.Name
			if name.IsKnown() {
				label = name.V
			}
			if !typ.Is("String") && !typ.Is("StringList") {
				continue
			}
			if !secretName.MatchString(label) && !secretName.MatchString(prm.Name) {
				continue
			}
			p.Report(analysis.Finding{Pos: typ.PosOr(prm.Pos), Anchor: prm.Pos, Subject: subject(prm.ID, "type"),
				Message: fmt.Sprintf("parameter %s looks like a secret but is a plain %s", label, typ.V)})
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-SEC-004",
	Title:    "Secret is never rotated",
	SAS:      "SAS-7",
	CWE:      []string{"CWE-324"},
	Severity: analysis.Medium,
	Doc:      "A secret that never changes stays valid after it leaks, for as long as the system lives. Secrets Manager can rotate database and API credentials on a schedule.",
	Fix:      "Add a rotation schedule (AWS::SecretsManager::RotationSchedule, aws_secretsmanager_secret_rotation).",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "Type: AWS::SecretsManager::RotationSchedule\nProperties:\n  SecretId: !Ref DbSecret\n  RotationRules:\n    AutomaticallyAfterDays: 30"},
		{Framework: model.Serverless, Code: "resources:\n  Resources:\n    DbSecretRotation:\n      Type: AWS::SecretsManager::RotationSchedule\n      Properties:\n        SecretId: !Ref DbSecret\n        RotationLambdaARN: !GetAtt RotateLambdaFunction.Arn\n        RotationRules:\n          AutomaticallyAfterDays: 30"},
		{Framework: model.Terraform, Code: "resource \"aws_secretsmanager_secret_rotation\" \"db\" {\n  secret_id           = aws_secretsmanager_secret.db.id\n  rotation_lambda_arn = aws_lambda_function.rotate.arn\n  rotation_rules {\n    automatically_after_days = 30\n  }\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, s := range resources(p, model.KindSecret) {
			if s.Provider != model.AWS {
				continue
			}
			if v := s.Attr(model.AttrRotationEnabled); v.IsAbsent() || v.IsFalse() {
				p.Report(analysis.Finding{Pos: v.PosOr(s.Pos), Anchor: s.Pos, Subject: subject(s.ID, "rotation"),
					Message: fmt.Sprintf("secret %s has no rotation schedule", s.Name)})
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-SEC-005",
	Title:    "Sensitive environment variables without a customer KMS key",
	SAS:      "SAS-7",
	CWE:      []string{"CWE-311"},
	Severity: analysis.Low,
	Doc: "Lambda encrypts environment variables with an AWS-managed key that every principal allowed to read the function's configuration can use. " +
		"A customer-managed key (KmsKeyArn) adds a kms:Decrypt check, so reading the configuration no longer reveals the values.",
	Fix: "Set KmsKeyArn (kms_key_arn, provider.kmsKeyArn) on functions whose environment holds sensitive values, or better, move them to a secret store.",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "KmsKeyArn: !GetAtt EnvKey.Arn"},
		{Framework: model.Serverless, Code: "provider:\n  kmsKeyArn: arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
		{Framework: model.Terraform, Code: "resource \"aws_lambda_function\" \"charge\" {\n  # ...\n  kms_key_arn = aws_kms_key.env.arn\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, f := range functions(p) {
			if f.Provider != model.AWS || f.EnvKMSKey.IsSet() {
				continue
			}
			for _, e := range f.Environment {
				if secretName.MatchString(e.Name) && !referenceName.MatchString(e.Name) && e.Value.IsKnown() && !e.Value.External && e.Value.Ref == "" && !notASecretValue(e.Value.V) {
					p.Report(analysis.Finding{Pos: e.Pos, Anchor: f.Pos, FunctionID: f.ID, Subject: subject(f.ID, "envkms"),
						Message: fmt.Sprintf("function %s has sensitive environment variable %s but no customer KMS key for its environment", fnLabel(f), e.Name)})
					break
				}
			}
		}
	},
})
