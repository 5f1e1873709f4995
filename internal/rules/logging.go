package rules

import (
	"fmt"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/model"
)

// SAS-5: inadequate function monitoring and logging.

var _ = register(&analysis.Rule{
	ID:       "WAR-LOG-001",
	Title:    "Log group keeps logs too briefly or forever",
	SAS:      "SAS-5",
	CWE:      []string{"CWE-778"},
	Severity: analysis.Medium,
	Doc: "Investigating an incident needs the function's logs from before it was noticed, often weeks back. A retention shorter than the " +
		"configured floor (settings.min_log_retention_days, default 30) destroys that evidence. A log group with no retention keeps logs " +
		"forever, which costs money and keeps personal data longer than needed (reported at low severity).",
	Fix: "Set RetentionInDays (retention_in_days) to at least the floor your incident-response and compliance needs require.",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "Type: AWS::Logs::LogGroup\nProperties:\n  LogGroupName: /aws/lambda/orders\n  RetentionInDays: 90"},
		{Framework: model.Serverless, Code: "provider:\n  logRetentionInDays: 90"},
		{Framework: model.Terraform, Code: "resource \"aws_cloudwatch_log_group\" \"orders\" {\n  retention_in_days = 90\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		floor := int64(p.Settings.MinLogRetentionDays)
		for _, lg := range resources(p, model.KindLogGroup) {
			ret := lg.Attr(model.AttrRetentionDays)
			if ret.IsAbsent() || ret.Is("0") {
				p.Report(analysis.Finding{Pos: ret.PosOr(lg.Pos), Anchor: lg.Pos, Severity: analysis.Low, Subject: subject(lg.ID, "retention"),
					Message: fmt.Sprintf("log group %s has no retention: logs are kept forever", lg.Name)})
				continue
			}
			if n, ok := ret.Int(); ok && n < floor {
				p.Report(analysis.Finding{Pos: ret.PosOr(lg.Pos), Anchor: lg.Pos, Subject: subject(lg.ID, "retention"),
					Message: fmt.Sprintf("log group %s keeps logs %d days, under the %d-day floor", lg.Name, n, floor)})
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-LOG-002",
	Title:    "Function tracing is off",
	SAS:      "SAS-5",
	CWE:      []string{"CWE-778"},
	Severity: analysis.Low,
	Doc: "Active tracing (AWS X-Ray) records every invocation across services, which is how an unusual call chain, such as a function " +
		"suddenly calling IAM, becomes visible.",
	Fix: "Set Tracing: Active (tracing_config { mode = \"Active\" }; provider.tracing.lambda: true).",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "Globals:\n  Function:\n    Tracing: Active"},
		{Framework: model.Serverless, Code: "provider:\n  tracing:\n    lambda: true"},
		{Framework: model.Terraform, Code: "tracing_config {\n  mode = \"Active\"\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, f := range functions(p) {
			if f.Provider != model.AWS || f.Tracing.IsUnknown() || f.Tracing.Is("Active") || f.Tracing.IsTrue() {
				continue
			}
			p.Report(analysis.Finding{Pos: f.Tracing.PosOr(f.Pos), Anchor: f.Pos, FunctionID: f.ID, Subject: subject(f.ID, "tracing"),
				Message: fmt.Sprintf("function %s does not use active tracing", fnLabel(f))})
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-LOG-003",
	Title:    "API stage has no access log",
	SAS:      "SAS-5",
	CWE:      []string{"CWE-778"},
	Severity: analysis.Medium,
	Doc: "The API's access log is the record of who called which route, from where, and with what result. Without it there is no audit " +
		"trail of requests that were rejected before reaching a function, and no way to reconstruct an attack.",
	Fix: "Configure AccessLogSetting (access_log_settings; provider.logs.restApi / httpApi in the Serverless Framework) with a log group destination.",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "Type: AWS::Serverless::HttpApi\nProperties:\n  AccessLogSettings:\n    DestinationArn: !GetAtt ApiLogs.Arn\n    Format: '$context.requestId $context.identity.sourceIp $context.routeKey $context.status'"},
		{Framework: model.Serverless, Code: "provider:\n  logs:\n    httpApi: true"},
		{Framework: model.Terraform, Code: "access_log_settings {\n  destination_arn = aws_cloudwatch_log_group.api.arn\n  format          = jsonencode({ requestId = \"$context.requestId\" })\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, s := range resources(p, model.KindStage) {
			al := s.Attr(model.AttrAccessLog)
			if al.IsAbsent() || al.IsFalse() {
				p.Report(analysis.Finding{Pos: al.PosOr(s.Pos), Anchor: s.Pos, Subject: subject(s.ID, "access_log"),
					Message: fmt.Sprintf("API stage %s has no access log", s.Name)})
			}
		}
	},
})
