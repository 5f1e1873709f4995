package rules

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/model"
)

// SAS-7: insecure application secrets storage.

// secretName matches names that say "this holds a secret".
var secretName = regexp.MustCompile(`(?i)(passw(or)?d|passwd|pwd|secret|token|api[_-]?key|apikey|private[_-]?key|access[_-]?key|client[_-]?secret|credential|auth[_-]?key|signing[_-]?key|jwt[_-]?key|conn(ection)?[_-]?str)`)

// referenceName matches names that hold a pointer to a secret, not the secret.
var referenceName = regexp.MustCompile(`(?i)(arn|name|id|table|param(eter)?|path|url|uri|region|ttl|expiry|expires|length|header|bucket|queue|topic|version|field|enabled|type)$`)

// knownToken matches credential formats that are secrets whatever the name.
var knownToken = regexp.MustCompile(`^(AKIA|ASIA)[A-Z0-9]{16}$|^gh[pousr]_[A-Za-z0-9]{36,}$|^xox[abprs]-[A-Za-z0-9-]{10,}$|^sk_live_[A-Za-z0-9]{16,}$|^SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}$|^AIza[0-9A-Za-z_-]{35}$|-----BEGIN [A-Z ]*PRIVATE KEY-----`)

// placeholder values are not secrets: empty, booleans, references to stores.
func notASecretValue(v string) bool {
	l := strings.ToLower(strings.TrimSpace(v))
	if len(l) < 8 {
		return true
	}
	for _, p := range []string{"arn:", "{{resolve:", "@microsoft.keyvault(", "projects/", "/aws/", "ssm:", "secretsmanager:", "http://", "https://", "${"} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	if strings.HasPrefix(l, "/") && !strings.ContainsAny(l, " ") {
		return true // an SSM parameter path
	}
	return false
}

// entropy is Shannon entropy in bits per character.
func entropy(s string) float64 {
	counts := map[rune]int{}
	for _, r := range s {
		counts[r]++
	}
	var h float64
	n := float64(len([]rune(s)))
	for _, c := range counts {
		p := float64(c) / n
		h -= p * math.Log2(p)
	}
	return h
}

// looksSecret decides whether a literal under a secret-sounding name is a
// real credential. Precision matters more than recall: words and
// placeholders ("changeme", "dev-password") are still flagged because they
// are real passwords deployed in clear, but identifiers with low entropy
// and obvious non-values are not.
func looksSecret(name, value string) bool {
	if knownToken.MatchString(strings.TrimSpace(value)) {
		return true
	}
	if !secretName.MatchString(name) || referenceName.MatchString(name) || notASecretValue(value) {
		return false
	}
	return entropy(value) >= 2.5
}

// redact shows enough of a secret to find it, never the whole.
func redact(s string) string {
	if len(s) <= 8 {
		return "****"
	}
	return s[:4] + strings.Repeat("*", 4) + fmt.Sprintf(" (%d chars)", len(s))
}

var _ = register(&analysis.Rule{
	ID:       "WAR-SEC-001",
	Title:    "Secret stored in plain text in function configuration",
	SAS:      "SAS-7",
	CWE:      []string{"CWE-798", "CWE-312"},
	Severity: analysis.High,
	Doc: "Environment variables and app settings are visible to anyone who can read the function's configuration (lambda:GetFunctionConfiguration, " +
		"the console, the template in git, CI logs). A password, token or key written there is shared with all of them and cannot be rotated " +
		"without a redeploy. Values fetched from Secrets Manager, SSM SecureString, Key Vault or Secret Manager are not flagged.",
	Fix: "Store the secret in a secret store and pass a reference: SSM/Secrets Manager ARN or `{{resolve:secretsmanager:...}}`, `${ssm:/path}`, a Key Vault reference, or GCP secret_environment_variables; read it at run time and cache it.",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "Environment:\n  Variables:\n    DB_SECRET_ARN: !Ref DbSecret   # read the secret at run time"},
		{Framework: model.Serverless, Code: "environment:\n  STRIPE_KEY: ${ssm:/prod/stripe/key}"},
		{Framework: model.Terraform, Code: "environment {\n  variables = {\n    DB_SECRET_ARN = aws_secretsmanager_secret.db.arn\n  }\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, f := range functions(p) {
			for _, e := range f.Environment {
				v := e.Value
				if !v.IsKnown() || v.External || v.Ref != "" || !looksSecret(e.Name, v.V) {
					continue
				}
				p.Report(analysis.Finding{Pos: v.PosOr(e.Pos), Anchor: f.Pos, FunctionID: f.ID, Subject: subject(f.ID, "env", e.Name),
					Message: fmt.Sprintf("environment variable %s of function %s holds a secret in plain text (%s)", e.Name, fnLabel(f), redact(v.V))})
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-SEC-002",
	Title:    "Secret template input has a default value or is not masked",
	SAS:      "SAS-7",
	CWE:      []string{"CWE-798", "CWE-532"},
	Severity: analysis.High,
	Doc: "A default value for a secret parameter or Terraform variable puts the secret in the repository. A CloudFormation parameter without " +
		"NoEcho, or a Terraform variable without sensitive, shows the value in the console, in describe-stacks output and in plan logs.",
	Fix: "Remove the default and set NoEcho: true (sensitive = true); better, resolve the secret from Secrets Manager or SSM at deploy or run time.",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "Parameters:\n  DbPassword:\n    Type: String\n    NoEcho: true"},
		{Framework: model.Terraform, Code: "variable \"db_password\" {\n  type      = string\n  sensitive = true\n}"},
	},
	Frameworks: []model.Framework{model.SAM, model.CloudFormation, model.Terraform},
	Run: func(p *analysis.Pass) {
		for _, in := range p.App.Inputs {
			if !secretName.MatchString(in.Name) || referenceName.MatchString(in.Name) {
				continue
			}
			if d := in.Default; d.IsKnown() && !notASecretValue(d.V) {
				p.Report(analysis.Finding{Pos: d.PosOr(in.Pos), Anchor: in.Pos, Subject: subject(in.ID, "default"),
					Message: fmt.Sprintf("input %s has a secret default value in the template (%s)", in.Name, redact(d.V))})
				continue
			}
			if in.Framework != model.Terraform && !in.Masked.IsTrue() && !in.Masked.IsUnknown() {
				p.Report(analysis.Finding{Pos: in.Pos, Anchor: in.Pos, Severity: analysis.Medium, Subject: subject(in.ID, "noecho"),
					Message: fmt.Sprintf("parameter %s looks like a secret but has no NoEcho: its value shows in the console and API output", in.Name)})
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       analysis.MetaSuppressionWithoutReason,
	Title:    "Suppression without a reason",
	SAS:      "SAS-5",
	CWE:      []string{"CWE-778"},
	Severity: analysis.Medium,
	Doc: "An inline `warden:ignore RULE-ID` comment hides a finding. Without a reason, the next reader cannot tell an accepted risk from a " +
		"silenced alarm. The suppression still applies; this finding asks for the reason.",
	Fix: "Write the reason after the rule ID: `# warden:ignore WAR-AUTH-001 public health check, returns a constant`.",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "Events:\n  Health: # warden:ignore WAR-AUTH-001 public health check, returns a constant\n    Type: HttpApi\n    Properties:\n      Path: /health\n      Method: GET"},
		{Framework: model.Serverless, Code: "functions:\n  health:\n    handler: health.get\n    events:\n      - httpApi: # warden:ignore WAR-AUTH-001 public health check, returns a constant\n          path: /health\n          method: get"},
		{Framework: model.Terraform, Code: "resource \"aws_lambda_function_url\" \"health\" {\n  function_name      = aws_lambda_function.health.function_name\n  authorization_type = \"NONE\" # warden:ignore WAR-AUTH-002 public health check, returns a constant\n}"},
	},
	Frameworks: allFrameworks,
	// Produced by the driver while it applies suppressions.
})
