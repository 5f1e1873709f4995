package rules

import (
	"fmt"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/model"
)

var _ = register(&analysis.Rule{
	ID:       "WAR-LOG-004",
	Title:    "REST API stage has no execution log",
	SAS:      "SAS-5",
	CWE:      []string{"CWE-778"},
	Severity: analysis.Low,
	Doc: "Execution logs record authorizer decisions, throttling and integration errors for REST APIs. They are how rejected requests " +
		"and failing authorizers show up.",
	Fix: "Set MethodSettings LoggingLevel to ERROR or INFO (logging_level in aws_api_gateway_method_settings).",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "MethodSettings:\n  - ResourcePath: /*\n    HttpMethod: \"*\"\n    LoggingLevel: ERROR"},
		{Framework: model.Serverless, Code: "provider:\n  logs:\n    restApi:\n      accessLogging: true\n      executionLogging: true\n      level: ERROR"},
		{Framework: model.Terraform, Code: "resource \"aws_api_gateway_method_settings\" \"all\" {\n  rest_api_id = aws_api_gateway_rest_api.api.id\n  stage_name  = aws_api_gateway_stage.prod.stage_name\n  method_path = \"*/*\"\n  settings {\n    logging_level = \"ERROR\"\n  }\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, s := range resources(p, model.KindStage) {
			api := p.Index.Resources[s.Attr(model.AttrAPI).Ref]
			if api == nil || !api.Attr(model.AttrProtocol).Is("REST") {
				continue
			}
			lvl := s.Attr(model.AttrExecutionLogLevel)
			if lvl.IsAbsent() || lvl.Is("OFF") {
				p.Report(analysis.Finding{Pos: lvl.PosOr(s.Pos), Anchor: s.Pos, Subject: subject(s.ID, "execlog"),
					Message: fmt.Sprintf("REST API stage %s has execution logging off", s.Name)})
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-LOG-005",
	Title:    "Log group is not encrypted with a KMS key",
	SAS:      "SAS-5",
	CWE:      []string{"CWE-311"},
	Severity: analysis.Low,
	Doc:      "Function logs often contain request data. A KMS key on the log group lets you control and audit who can read them.",
	Fix:      "Set KmsKeyId (kms_key_id) on the log group, with a key policy that allows the logs service.",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "Type: AWS::Logs::LogGroup\nProperties:\n  LogGroupName: !Sub /aws/lambda/${Charge}\n  RetentionInDays: 90\n  KmsKeyId: !GetAtt LogsKey.Arn"},
		{Framework: model.Serverless, Code: "# same logical ID as the framework's log group, so it replaces it\nresources:\n  Resources:\n    ChargeLogGroup:\n      Type: AWS::Logs::LogGroup\n      Properties:\n        LogGroupName: /aws/lambda/${self:service}-${sls:stage}-charge\n        RetentionInDays: 90\n        KmsKeyId: !GetAtt LogsKey.Arn"},
		{Framework: model.Terraform, Code: "resource \"aws_cloudwatch_log_group\" \"fn\" {\n  kms_key_id = aws_kms_key.logs.arn\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, lg := range resources(p, model.KindLogGroup) {
			if k := lg.Attr(model.AttrKMSKey); k.IsAbsent() && !lg.Attr(model.AttrEncryption).IsUnknown() {
				p.Report(analysis.Finding{Pos: lg.Pos, Anchor: lg.Pos, Subject: subject(lg.ID, "kms"),
					Message: fmt.Sprintf("log group %s is not encrypted with a KMS key", lg.Name)})
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-LOG-006",
	Title:    "Bucket access logging is off",
	SAS:      "SAS-5",
	CWE:      []string{"CWE-778"},
	Severity: analysis.Low,
	Doc:      "Server access logs (or CloudTrail data events) are the record of who read or wrote which object; without them a data leak from a bucket cannot be scoped.",
	Fix:      "Configure LoggingConfiguration (aws_s3_bucket_logging) to a separate log bucket.",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "LoggingConfiguration:\n  DestinationBucketName: !Ref AccessLogs\n  LogFilePrefix: uploads/"},
		{Framework: model.Serverless, Code: "resources:\n  Resources:\n    UploadsBucket:\n      Type: AWS::S3::Bucket\n      Properties:\n        LoggingConfiguration:\n          DestinationBucketName: central-s3-access-logs\n          LogFilePrefix: uploads/"},
		{Framework: model.Terraform, Code: "resource \"aws_s3_bucket_logging\" \"uploads\" {\n  bucket        = aws_s3_bucket.uploads.id\n  target_bucket = aws_s3_bucket.access_logs.id\n  target_prefix = \"uploads/\"\n}"},
	},
	Frameworks: allFrameworks,
	NonDefault: true,
	Run: func(p *analysis.Pass) {
		for _, b := range resources(p, model.KindBucket) {
			if b.Provider == model.AWS && b.Attr(model.AttrAccessLogging).IsAbsent() {
				p.Report(analysis.Finding{Pos: b.Pos, Anchor: b.Pos, Subject: subject(b.ID, "logging"),
					Message: fmt.Sprintf("bucket %s has no access logging", b.Name)})
			}
		}
	},
})
