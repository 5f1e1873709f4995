package rules

import (
	"fmt"
	"strings"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/model"
)

// More SAS-2 rules: API keys, user pools, Azure authentication.

// usagePlanAPIs returns the model IDs (or names) of APIs covered by a usage
// plan. Loaders store the list either as a list or as one value.
func usagePlanAPIs(p *analysis.Pass) map[string]bool {
	out := map[string]bool{}
	for _, up := range resources(p, model.KindUsagePlan) {
		vals := append([]model.Value{}, up.Lists[model.AttrUsagePlanAPIs]...)
		if v := up.Attr(model.AttrUsagePlanAPIs); v.IsSet() {
			vals = append(vals, v)
		}
		for _, v := range vals {
			switch {
			case v.Ref != "":
				out[v.Ref] = true
			case v.IsUnknown():
				out["?"] = true // a plan we cannot resolve may cover any API
			}
		}
	}
	return out
}

var _ = register(&analysis.Rule{
	ID:       "WAR-AUTH-005",
	Title:    "API key required but no usage plan",
	SAS:      "SAS-2",
	CWE:      []string{"CWE-770", "CWE-306"},
	Severity: analysis.Medium,
	Doc: "API Gateway only accepts an API key that belongs to a usage plan attached to the API's stage. A route that requires a key " +
		"without any usage plan is either unusable or, more often, a sign that the key was meant to throttle clients and does not. " +
		"Usage plans are also where per-client throttling and quotas live.",
	Fix: "Create a usage plan for the API stage (AWS::ApiGateway::UsagePlan, aws_api_gateway_usage_plan, provider.apiGateway.usagePlan) with throttle and quota settings, and attach the keys to it.",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "Auth:\n  ApiKeyRequired: true\n  UsagePlan:\n    CreateUsagePlan: PER_API\n    Throttle:\n      RateLimit: 50\n      BurstLimit: 100"},
		{Framework: model.Serverless, Code: "provider:\n  apiGateway:\n    apiKeys: [client-a]\n    usagePlan:\n      throttle: {rateLimit: 50, burstLimit: 100}"},
		{Framework: model.Terraform, Code: "resource \"aws_api_gateway_usage_plan\" \"clients\" {\n  name = \"clients\"\n  api_stages {\n    api_id = aws_api_gateway_rest_api.api.id\n    stage  = aws_api_gateway_stage.prod.stage_name\n  }\n  throttle_settings {\n    rate_limit  = 50\n    burst_limit = 100\n  }\n  quota_settings {\n    limit  = 100000\n    period = \"MONTH\"\n  }\n}\n\nresource \"aws_api_gateway_usage_plan_key\" \"client_a\" {\n  key_id        = aws_api_gateway_api_key.client_a.id\n  key_type      = \"API_KEY\"\n  usage_plan_id = aws_api_gateway_usage_plan.clients.id\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		plans := usagePlanAPIs(p)
		if plans["?"] {
			return
		}
		seen := map[string]bool{}
		for _, f := range functions(p) {
			for _, t := range f.Triggers {
				if !t.IsHTTP() || !t.APIKeyRequired.IsTrue() {
					continue
				}
				api := t.APIID
				if api != "" && plans[api] {
					continue
				}
				if r := p.Index.Resources[api]; r != nil {
					if up := r.Attr(model.AttrUsagePlan); up.IsUnknown() || (up.IsKnown() && !up.Is("NONE")) {
						continue
					}
				}
				if api == "" && len(plans) > 0 {
					continue
				}
				key := api + "|" + f.ID
				if seen[key] {
					continue
				}
				seen[key] = true
				p.Report(analysis.Finding{Pos: t.APIKeyRequired.PosOr(t.Pos), Anchor: f.Pos, FunctionID: f.ID, Subject: subject(f.ID, "apikey", routeName(t)),
					Message: fmt.Sprintf("%s of function %s requires an API key, but no usage plan covers its API", routeName(t), fnLabel(f))})
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-AUTH-006",
	Title:    "User pool password policy is weak",
	SAS:      "SAS-2",
	CWE:      []string{"CWE-521"},
	Severity: analysis.Medium,
	Doc: "Users of a Cognito user pool sign in with the pool's password policy. Short passwords, or passwords without upper case, lower " +
		"case, digits and symbols, fall to credential stuffing and guessing. The minimum length is configurable " +
		"(settings.min_password_length, default 12, following NIST SP 800-63B's advice to favour length).",
	Fix: "Set MinimumLength to at least 12 and require upper case, lower case, numbers and symbols.",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "Policies:\n  PasswordPolicy:\n    MinimumLength: 14\n    RequireUppercase: true\n    RequireLowercase: true\n    RequireNumbers: true\n    RequireSymbols: true"},
		{Framework: model.Serverless, Code: "resources:\n  Resources:\n    UserPool:\n      Type: AWS::Cognito::UserPool\n      Properties:\n        UserPoolName: accounts\n        Policies:\n          PasswordPolicy:\n            MinimumLength: 14\n            RequireUppercase: true\n            RequireLowercase: true\n            RequireNumbers: true\n            RequireSymbols: true"},
		{Framework: model.Terraform, Code: "password_policy {\n  minimum_length    = 14\n  require_uppercase = true\n  require_lowercase = true\n  require_numbers   = true\n  require_symbols   = true\n}"},
	},
	Frameworks: []model.Framework{model.CloudFormation, model.SAM, model.Serverless, model.Terraform},
	Run: func(p *analysis.Pass) {
		floor := int64(p.Settings.MinPasswordLength)
		for _, up := range resources(p, model.KindUserPool) {
			var weak []string
			ml := up.Attr(model.AttrPasswordMinLength)
			if n, ok := ml.Int(); ok && n < floor {
				weak = append(weak, fmt.Sprintf("minimum length %d (under %d)", n, floor))
			} else if ml.IsAbsent() {
				weak = append(weak, fmt.Sprintf("default minimum length 8 (under %d)", floor))
			}
			for _, c := range []struct{ key, name string }{{model.AttrPasswordUpper, "upper case"}, {model.AttrPasswordLower, "lower case"}, {model.AttrPasswordNumbers, "numbers"}, {model.AttrPasswordSymbols, "symbols"}} {
				if up.Attr(c.key).IsFalse() {
					weak = append(weak, "no "+c.name)
				}
			}
			if len(weak) > 0 {
				p.Report(analysis.Finding{Pos: ml.PosOr(up.Pos), Anchor: up.Pos, Subject: subject(up.ID, "password"),
					Message: fmt.Sprintf("user pool %s has a weak password policy: %s", up.Name, strings.Join(weak, ", "))})
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-AUTH-007",
	Title:    "User pool does not use multi-factor authentication",
	SAS:      "SAS-2",
	CWE:      []string{"CWE-308"},
	Severity: analysis.Medium,
	Doc:      "With MFA off, a stolen or guessed password is enough to take over an account. Cognito supports TOTP and SMS second factors; OPTIONAL lets users opt in, ON requires it.",
	Fix:      "Set MfaConfiguration to ON (or OPTIONAL while users enrol) and enable software-token MFA.",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "MfaConfiguration: \"ON\"\nEnabledMfas:\n  - SOFTWARE_TOKEN_MFA"},
		{Framework: model.Serverless, Code: "resources:\n  Resources:\n    UserPool:\n      Type: AWS::Cognito::UserPool\n      Properties:\n        UserPoolName: accounts\n        MfaConfiguration: \"ON\"\n        EnabledMfas:\n          - SOFTWARE_TOKEN_MFA"},
		{Framework: model.Terraform, Code: "mfa_configuration = \"ON\"\nsoftware_token_mfa_configuration {\n  enabled = true\n}"},
	},
	Frameworks: []model.Framework{model.CloudFormation, model.SAM, model.Serverless, model.Terraform},
	Run: func(p *analysis.Pass) {
		for _, up := range resources(p, model.KindUserPool) {
			mfa := up.Attr(model.AttrMFA)
			if mfa.IsAbsent() || mfa.Is("OFF") {
				p.Report(analysis.Finding{Pos: mfa.PosOr(up.Pos), Anchor: up.Pos, Subject: subject(up.ID, "mfa"),
					Message: fmt.Sprintf("user pool %s has MFA off", up.Name)})
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-AUTH-008",
	Title:    "Azure function app serves HTTP without App Service authentication",
	SAS:      "SAS-2",
	CWE:      []string{"CWE-306"},
	Severity: analysis.Medium,
	Doc: "Function keys are shared secrets in URLs, not user authentication. App Service authentication (Easy Auth) validates users " +
		"against Entra ID or another identity provider before the function runs.",
	Fix:        "Enable auth_settings_v2 (or auth_settings) with require_authentication and an identity provider.",
	Examples:   []analysis.Example{{Framework: model.Terraform, Code: "auth_settings_v2 {\n  auth_enabled           = true\n  require_authentication = true\n  active_directory_v2 {\n    client_id            = var.client_id\n    tenant_auth_endpoint = var.tenant_endpoint\n  }\n  login {}\n}"}},
	Frameworks: []model.Framework{model.Terraform},
	Run: func(p *analysis.Pass) {
		for _, f := range functions(p) {
			if f.Provider != model.Azure {
				continue
			}
			a := f.Attr(model.AttrAuthEnabled)
			if a.IsAbsent() || a.IsFalse() {
				p.Report(analysis.Finding{Pos: a.PosOr(f.Pos), Anchor: f.Pos, FunctionID: f.ID, Subject: subject(f.ID, "easyauth"),
					Message: fmt.Sprintf("function app %s has App Service authentication off", fnLabel(f))})
			}
		}
	},
})
