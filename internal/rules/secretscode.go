package rules

import (
	"fmt"
	"strings"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/model"
)

// SAS-7: secrets hard-coded in function code and configuration files, as
// found by internal/secrets (gitleaks' rules plus Warden's) and recorded in
// model.App.Secrets. Reports nothing when the secret scan did not run.

var _ = register(&analysis.Rule{
	ID:       "WAR-SEC-006",
	Title:    "Hard-coded secret in code or configuration",
	SAS:      "SAS-7",
	CWE:      []string{"CWE-798"},
	Severity: analysis.High,
	Doc: "A credential written into source code, a configuration file or a template is shared with everyone who can read the repository, " +
		"its forks, CI logs and the deployment package, and it stays in git history after it is removed. Warden scans the project's code " +
		"(Python, JavaScript/TypeScript, Go, Java, Ruby, C#, PHP, shell) and configuration (.env, JSON, YAML, Terraform, TOML, INI, properties, " +
		"templates) with gitleaks' maintained rule set — cloud keys, private keys and provider tokens (GitHub, Slack, Stripe, Google, Twilio, " +
		"SendGrid and about 200 more) with its entropy checks and allowlists — and with Warden's own detectors for AWS secret access keys, " +
		"passwords in connection strings (postgres://user:pass@, mongodb+srv://, Server=...;Password=...) and JWT or session signing secrets " +
		"assigned to telling names or passed to jwt.sign/encode.\n\n" +
		"Cloud credentials that work on their own (an AWS access key ID with its secret key, an AWS secret key, other clouds' account keys) " +
		"and private keys are critical. Placeholders (`changeme`, `<your-key>`, `${SECRET}`), environment lookups, the providers' documented " +
		"example keys, dependency lock files and minified bundles are not reported; generic high-entropy matches in test files need a higher " +
		"entropy. Only a short prefix and the length of a secret are ever shown. A secret in a function's environment block that WAR-SEC-001 " +
		"already reports is not reported again.",
	Fix: "Revoke and rotate the credential first: it is compromised once committed. Then store it in Secrets Manager or SSM Parameter Store " +
		"(SecureString), pass the function a reference (ARN or parameter name) in its environment, grant the role read access to that secret " +
		"only, and read it at run time with a cache (the AWS Parameters and Secrets Lambda Extension, Powertools). Use the function's IAM role " +
		"instead of access keys altogether for AWS APIs.",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "Environment:\n  Variables:\n    JWT_SECRET_ARN: !Ref JwtSecret\n# app.py\nsecret = secrets_client.get_secret_value(SecretId=os.environ[\"JWT_SECRET_ARN\"])[\"SecretString\"]"},
		{Framework: model.Serverless, Code: "environment:\n  DB_URL_PARAM: /prod/orders/db-url\n# handler.js\nconst { Parameter } = await ssm.send(new GetParameterCommand({ Name: process.env.DB_URL_PARAM, WithDecryption: true }));"},
		{Framework: model.Terraform, Code: "environment {\n  variables = {\n    STRIPE_KEY_ARN = aws_secretsmanager_secret.stripe.arn\n  }\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		already := reportedSecretLines(p)
		fns := map[string]*model.Function{}
		for _, f := range p.App.Functions {
			fns[f.ID] = f
		}
		for _, h := range p.App.Secrets {
			if already.covers(h) {
				continue
			}
			sev := analysis.High
			if secretIsCritical(h) {
				sev = analysis.Critical
			}
			msg := fmt.Sprintf("hard-coded %s found by detector %s: %s", secretKind(h), h.Detector, h.Redacted)
			if h.Pair != nil {
				msg += fmt.Sprintf("; the other half of the AWS key pair is on line %d", h.Pair.Line)
			}
			if f := fns[h.FunctionID]; f != nil {
				msg += " in the code of function " + fnLabel(f)
				if !model.IsDeployed(f.Deployed) {
					sev = sev.Lower()
				}
			} else if len(h.FunctionIDs) > 0 {
				var names []string
				for _, id := range h.FunctionIDs {
					if f := fns[id]; f != nil {
						names = append(names, fnLabel(f))
					}
				}
				msg += " in code shared by functions " + strings.Join(names, ", ")
			}
			p.Report(analysis.Finding{Pos: h.Pos, Severity: sev, FunctionID: h.FunctionID,
				Subject: subject(h.Pos.File, "secret", h.Detector, h.Redacted), Message: msg})
		}
	},
})

// secretIsCritical: credentials that open a cloud account on their own, and
// private keys. A lone AWS access key ID is half a credential (its secret
// key may sit elsewhere), so it stays high.
func secretIsCritical(h *model.SecretHit) bool {
	switch h.Class {
	case model.SecretPrivateKey:
		return true
	case model.SecretCloud:
		return h.Detector != "aws-access-token" || h.Pair != nil
	}
	return false
}

func secretKind(h *model.SecretHit) string {
	switch h.Class {
	case model.SecretCloud:
		if h.Pair != nil {
			return "AWS access key pair"
		}
		return "cloud credential"
	case model.SecretPrivateKey:
		return "private key"
	case model.SecretPassword:
		if strings.Contains(h.Detector, "connection-string") {
			return "password in a connection string"
		}
		return "password"
	case model.SecretSigningKey:
		return "signing secret"
	case model.SecretToken:
		return "API token"
	}
	return "secret"
}

// secretLines are the template values that WAR-SEC-001 (function
// environment) and WAR-SEC-002 (input defaults) report, by file and line,
// with the value, so that WAR-SEC-006 does not report the same secret on
// the same line a second time.
type secretLines map[model.Pos][]string

func reportedSecretLines(p *analysis.Pass) secretLines {
	out := secretLines{}
	add := func(pos model.Pos, v string) {
		k := model.Pos{File: pos.File, Line: pos.Line}
		out[k] = append(out[k], v)
	}
	for _, f := range functions(p) {
		for _, e := range f.Environment {
			if v := e.Value; v.IsKnown() && !v.External && v.Ref == "" && looksSecret(e.Name, v.V) {
				add(v.PosOr(e.Pos), v.V)
			}
		}
	}
	for _, in := range p.App.Inputs {
		if !secretName.MatchString(in.Name) || referenceName.MatchString(in.Name) {
			continue
		}
		if d := in.Default; d.IsKnown() && !notASecretValue(d.V) {
			add(d.PosOr(in.Pos), d.V)
		}
	}
	return out
}

// covers reports whether another rule reports a value on h's line that
// holds h's secret: it starts with the same prefix and is at least as long.
func (s secretLines) covers(h *model.SecretHit) bool {
	for _, v := range s[model.Pos{File: h.Pos.File, Line: h.Pos.Line}] {
		if strings.Contains(v, h.Prefix) && len([]rune(v)) >= h.Length {
			return true
		}
	}
	return false
}
