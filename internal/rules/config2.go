package rules

import (
	"fmt"
	"strings"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/model"
)

// More SAS-3 rules: transport security, regions, WAF, keys, recovery.

// deniesInsecureTransport reports whether a policy denies requests without
// TLS, the AWS-documented way to enforce HTTPS on a bucket.
func deniesInsecureTransport(pols []*model.Policy) bool {
	for _, pol := range pols {
		for _, st := range pol.Statements {
			if !st.Effect.Is("Deny") {
				continue
			}
			for _, c := range st.Conditions {
				if strings.EqualFold(c.Key, "aws:SecureTransport") {
					for _, v := range c.Values {
						if v.Is("false") {
							return true
						}
					}
				}
			}
		}
	}
	return false
}

var _ = register(&analysis.Rule{
	ID:       "WAR-CFG-006",
	Title:    "Bucket does not require TLS",
	SAS:      "SAS-3",
	CWE:      []string{"CWE-319"},
	Severity: analysis.Low,
	Doc: "S3 accepts plain HTTP requests unless the bucket policy denies them. Data a function reads or writes can then cross the network " +
		"in clear. The fix is a Deny statement on aws:SecureTransport = false.",
	Fix: "Add a bucket policy statement that denies s3:* when aws:SecureTransport is false.",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "- Effect: Deny\n  Principal: \"*\"\n  Action: s3:*\n  Resource: [!GetAtt Bucket.Arn, !Sub '${Bucket.Arn}/*']\n  Condition:\n    Bool:\n      aws:SecureTransport: \"false\""},
		{Framework: model.Serverless, Code: "resources:\n  Resources:\n    UploadsBucketPolicy:\n      Type: AWS::S3::BucketPolicy\n      Properties:\n        Bucket: !Ref UploadsBucket\n        PolicyDocument:\n          Version: \"2012-10-17\"\n          Statement:\n            - Sid: AllowSSLRequestsOnly\n              Effect: Deny\n              Principal: \"*\"\n              Action: s3:*\n              Resource:\n                - !GetAtt UploadsBucket.Arn\n                - !Sub \"${UploadsBucket.Arn}/*\"\n              Condition:\n                Bool:\n                  aws:SecureTransport: \"false\""},
		{Framework: model.Terraform, Code: "data \"aws_iam_policy_document\" \"tls_only\" {\n  statement {\n    sid       = \"AllowSSLRequestsOnly\"\n    effect    = \"Deny\"\n    actions   = [\"s3:*\"]\n    resources = [aws_s3_bucket.uploads.arn, \"${aws_s3_bucket.uploads.arn}/*\"]\n    principals {\n      type        = \"*\"\n      identifiers = [\"*\"]\n    }\n    condition {\n      test     = \"Bool\"\n      variable = \"aws:SecureTransport\"\n      values   = [\"false\"]\n    }\n  }\n}\n\nresource \"aws_s3_bucket_policy\" \"uploads\" {\n  bucket = aws_s3_bucket.uploads.id\n  policy = data.aws_iam_policy_document.tls_only.json\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, b := range resources(p, model.KindBucket) {
			if b.Provider != model.AWS {
				continue
			}
			unresolved := false
			for _, pol := range b.Policies {
				unresolved = unresolved || pol.Unresolved
			}
			if unresolved || deniesInsecureTransport(b.Policies) {
				continue
			}
			p.Report(analysis.Finding{Pos: b.Pos, Anchor: b.Pos, Subject: subject(b.ID, "tls"),
				Message: fmt.Sprintf("bucket %s has no policy denying non-TLS requests (aws:SecureTransport)", b.Name)})
		}
	},
})

// tlsBelow12 reports whether a TLS setting names a version older than 1.2.
func tlsBelow12(v model.Value) bool {
	if !v.IsKnown() {
		return false
	}
	s := strings.ToUpper(strings.ReplaceAll(strings.ReplaceAll(v.V, ".", "_"), "-", "_"))
	return strings.Contains(s, "1_0") || strings.Contains(s, "1_1") || s == "TLS_1" || s == "1"
}

var _ = register(&analysis.Rule{
	ID:       "WAR-CFG-007",
	Title:    "Endpoint allows TLS older than 1.2",
	SAS:      "SAS-3",
	CWE:      []string{"CWE-326", "CWE-757"},
	Severity: analysis.Medium,
	Doc: "TLS 1.0 and 1.1 are deprecated (RFC 8996) and allow downgrade attacks. Custom API domains with the TLS_1_0 security policy and " +
		"Azure function apps with a minimum TLS version below 1.2 accept them.",
	Fix: "Use the TLS_1_2 security policy on API custom domains (security_policy = \"TLS_1_2\"), and minimum_tls_version = \"1.2\" on Azure.",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "Type: AWS::ApiGateway::DomainName\nProperties:\n  SecurityPolicy: TLS_1_2"},
		{Framework: model.Serverless, Code: "resources:\n  Resources:\n    ApiDomain:\n      Type: AWS::ApiGateway::DomainName\n      Properties:\n        DomainName: api.example.com\n        RegionalCertificateArn: arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555\n        EndpointConfiguration:\n          Types: [REGIONAL]\n        SecurityPolicy: TLS_1_2"},
		{Framework: model.Terraform, Code: "site_config {\n  minimum_tls_version = \"1.2\"\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, r := range resources(p, model.KindDomain, model.KindAPI, model.KindFunctionApp) {
			if v := r.Attr(model.AttrMinTLS); tlsBelow12(v) {
				p.Report(analysis.Finding{Pos: v.PosOr(r.Pos), Anchor: r.Pos, Subject: subject(r.ID, "tls"),
					Message: fmt.Sprintf("%s %s allows %s", r.Kind, r.Name, v.V)})
			}
		}
		for _, f := range functions(p) {
			if v := f.Attr(model.AttrMinTLS); tlsBelow12(v) {
				p.Report(analysis.Finding{Pos: v.PosOr(f.Pos), Anchor: f.Pos, FunctionID: f.ID, Subject: subject(f.ID, "tls"),
					Message: fmt.Sprintf("function app %s allows TLS %s", fnLabel(f), v.V)})
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-CFG-008",
	Title:    "Function accepts plain HTTP",
	SAS:      "SAS-3",
	CWE:      []string{"CWE-319"},
	Severity: analysis.Medium,
	Doc: "An Azure function app with https_only = false, or a Google Cloud Function with the SECURE_OPTIONAL security level, answers " +
		"plain HTTP: requests, tokens and responses can be read and changed on the way.",
	Fix: "Set https_only = true (Azure) or https_trigger_security_level = \"SECURE_ALWAYS\" (GCP).",
	Examples: []analysis.Example{
		{Framework: model.Terraform, Code: "https_only = true"},
		{Framework: model.Terraform, Code: "https_trigger_security_level = \"SECURE_ALWAYS\""},
	},
	Frameworks: []model.Framework{model.Terraform},
	Run: func(p *analysis.Pass) {
		for _, f := range functions(p) {
			switch f.Provider {
			case model.Azure:
				v := f.Attr(model.AttrHTTPSOnly)
				if v.IsAbsent() || v.IsFalse() {
					p.Report(analysis.Finding{Pos: v.PosOr(f.Pos), Anchor: f.Pos, FunctionID: f.ID, Subject: subject(f.ID, "https"),
						Message: fmt.Sprintf("function app %s accepts plain HTTP (https_only is not true)", fnLabel(f))})
				}
			case model.GCP:
				if v := f.Attr(model.AttrSecurityLevel); v.Is("SECURE_OPTIONAL") {
					p.Report(analysis.Finding{Pos: v.PosOr(f.Pos), Anchor: f.Pos, FunctionID: f.ID, Subject: subject(f.ID, "https"),
						Message: fmt.Sprintf("function %s accepts plain HTTP (SECURE_OPTIONAL)", fnLabel(f))})
				}
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-CFG-009",
	Title:    "Resource outside the allowed regions",
	SAS:      "SAS-3",
	CWE:      []string{"CWE-693"},
	Severity: analysis.Medium,
	Doc: "Data-residency rules (GDPR, sector regulation, contracts) often restrict where data may be stored and processed. This rule " +
		"checks every region Warden can resolve against settings.allowed_regions; it does nothing until that list is set.",
	Fix: "Deploy the resource in an allowed region, or add the region to settings.allowed_regions after review.",
	Examples: []analysis.Example{
		{Framework: model.Serverless, Code: "provider:\n  name: aws\n  region: eu-central-1 # listed in settings.allowed_regions"},
		{Framework: model.Terraform, Code: "provider \"aws\" {\n  region = \"eu-central-1\" # listed in settings.allowed_regions\n}"},
	},
	Frameworks: []model.Framework{model.Serverless, model.Terraform},
	Run: func(p *analysis.Pass) {
		allowed := map[string]bool{}
		for _, r := range p.Settings.AllowedRegions {
			allowed[strings.ToLower(strings.ReplaceAll(r, " ", ""))] = true
		}
		if len(allowed) == 0 {
			return
		}
		check := func(v model.Value, anchor model.Pos, id, fnID, what string) {
			if v.IsKnown() && !allowed[strings.ToLower(strings.ReplaceAll(v.V, " ", ""))] {
				p.Report(analysis.Finding{Pos: v.PosOr(anchor), Anchor: anchor, FunctionID: fnID, Subject: subject(id, "region"),
					Message: fmt.Sprintf("%s is in %s, which is not in settings.allowed_regions", what, v.V)})
			}
		}
		for _, f := range functions(p) {
			check(f.Attr(model.AttrRegion), f.Pos, f.ID, f.ID, "function "+fnLabel(f))
		}
		for _, r := range p.App.Resources {
			if model.IsDeployed(r.Deployed) {
				check(r.Attr(model.AttrRegion), r.Pos, r.ID, "", string(r.Kind)+" "+r.Name)
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-CFG-010",
	Title:    "Public REST API has no WAF",
	SAS:      "SAS-3",
	CWE:      []string{"CWE-693"},
	Severity: analysis.Info,
	Doc: "AWS WAF in front of a REST API stage filters common injection payloads, bad bots and floods before they cost an invocation. " +
		"It does not replace input validation in the function, but it is a cheap layer for public APIs.",
	Fix: "Associate a WAFv2 web ACL (with the AWS managed rule groups) with the API stage.",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "Type: AWS::WAFv2::WebACLAssociation\nProperties:\n  ResourceArn: !Sub arn:aws:apigateway:${AWS::Region}::/restapis/${Api}/stages/prod\n  WebACLArn: !GetAtt WebAcl.Arn"},
		{Framework: model.Serverless, Code: "resources:\n  Resources:\n    ApiWafAssociation:\n      Type: AWS::WAFv2::WebACLAssociation\n      DependsOn: ApiGatewayDeployment${sls:instanceId}\n      Properties:\n        ResourceArn: !Sub arn:aws:apigateway:${AWS::Region}::/restapis/${ApiGatewayRestApi}/stages/${sls:stage}\n        WebACLArn: !GetAtt WebAcl.Arn"},
		{Framework: model.Terraform, Code: "resource \"aws_wafv2_web_acl_association\" \"api\" {\n  resource_arn = aws_api_gateway_stage.prod.arn\n  web_acl_arn  = aws_wafv2_web_acl.api.arn\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		protected := map[string]bool{}
		for _, r := range p.App.Resources {
			if v := r.Attr(model.AttrWebACL); v.IsSet() {
				protected[r.ID] = true
				if api := r.Attr(model.AttrAPI); api.Ref != "" {
					protected[api.Ref] = true
				}
			}
		}
		public := map[string]bool{}
		for _, f := range functions(p) {
			for _, t := range f.Triggers {
				if t.APIID != "" && t.IsHTTP() && !t.HasAuth() {
					public[t.APIID] = true
				}
			}
		}
		for _, api := range resources(p, model.KindAPI) {
			if !api.Attr(model.AttrProtocol).Is("REST") || protected[api.ID] || api.Attr(model.AttrEndpointType).Is("PRIVATE") {
				continue
			}
			if public[api.ID] {
				p.Report(analysis.Finding{Pos: api.Pos, Anchor: api.Pos, Subject: subject(api.ID, "waf"),
					Message: fmt.Sprintf("REST API %s has unauthenticated routes and no WAF web ACL", api.Name)})
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-CFG-011",
	Title:    "Authenticated route allows any origin",
	SAS:      "SAS-3",
	CWE:      []string{"CWE-942"},
	Severity: analysis.Low,
	Doc: "A route that checks tokens serves data for a user. Allowing every origin lets any web page call it from a victim's browser; " +
		"with bearer tokens that is mostly harmless, but it removes a layer of defence for cookie- or session-based schemes and leaks what the API is.",
	Fix: "List the origins of your own front ends in AllowOrigins.",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "CorsConfiguration:\n  AllowOrigins:\n    - https://app.example.com"},
		{Framework: model.Serverless, Code: "provider:\n  httpApi:\n    cors:\n      allowedOrigins:\n        - https://app.example.com\n      allowedHeaders: [Content-Type, Authorization]"},
		{Framework: model.Terraform, Code: "resource \"aws_apigatewayv2_api\" \"api\" {\n  name          = \"storefront\"\n  protocol_type = \"HTTP\"\n  cors_configuration {\n    allow_origins = [\"https://app.example.com\"]\n    allow_headers = [\"content-type\", \"authorization\"]\n  }\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, f := range functions(p) {
			for _, t := range f.Triggers {
				if t.CORS == nil || !t.HasAuth() || t.CORS.AllowCredentials.IsTrue() {
					continue
				}
				for _, o := range t.CORS.AllowOrigins {
					if o.Is("*") {
						p.Report(analysis.Finding{Pos: o.PosOr(t.CORS.Pos), Anchor: f.Pos, FunctionID: f.ID, Subject: subject(f.ID, "cors-any", routeName(t)),
							Message: fmt.Sprintf("authenticated %s of function %s allows CORS from any origin", routeName(t), fnLabel(f))})
						break
					}
				}
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-CFG-012",
	Title:    "Data store is not encrypted with a customer-managed key",
	SAS:      "SAS-3",
	CWE:      []string{"CWE-311"},
	Severity: analysis.Low,
	Doc: "Provider-managed keys encrypt data at rest but leave key policy, rotation, audit of key use and crypto-shredding to the provider. " +
		"For tables, buckets, queues and secrets that hold personal or regulated data, a customer-managed KMS key lets you control and audit who can decrypt.",
	Fix: "Set a customer-managed KMS key (SSESpecification.KMSMasterKeyId, KmsKeyId, kms_key_arn).",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "Type: AWS::DynamoDB::Table\nProperties:\n  SSESpecification:\n    SSEEnabled: true\n    SSEType: KMS\n    KMSMasterKeyId: !Ref DataKey"},
		{Framework: model.Serverless, Code: "resources:\n  Resources:\n    OrdersTable:\n      Type: AWS::DynamoDB::Table\n      Properties:\n        BillingMode: PAY_PER_REQUEST\n        KeySchema: [{AttributeName: pk, KeyType: HASH}]\n        AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]\n        SSESpecification:\n          SSEEnabled: true\n          SSEType: KMS\n          KMSMasterKeyId: alias/orders-data"},
		{Framework: model.Terraform, Code: "server_side_encryption {\n  enabled     = true\n  kms_key_arn = aws_kms_key.data.arn\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, r := range resources(p, model.KindTable, model.KindSecret, model.KindBucket) {
			if r.Provider != model.AWS {
				continue
			}
			enc := r.Attr(model.AttrEncryption)
			if r.Attr(model.AttrKMSKey).IsSet() || enc.IsUnknown() || enc.Is("none") {
				continue
			}
			p.Report(analysis.Finding{Pos: enc.PosOr(r.Pos), Anchor: r.Pos, Subject: subject(r.ID, "cmk"),
				Message: fmt.Sprintf("%s %s is encrypted with a provider-managed key, not a customer-managed KMS key", r.Kind, r.Name)})
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-CFG-013",
	Title:    "KMS key rotation is off",
	SAS:      "SAS-3",
	CWE:      []string{"CWE-320"},
	Severity: analysis.Low,
	Doc:      "Automatic rotation gives a customer-managed key new key material every year, limiting how much data one compromised key version protects.",
	Fix:      "Set EnableKeyRotation: true (enable_key_rotation = true).",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "Type: AWS::KMS::Key\nProperties:\n  EnableKeyRotation: true"},
		{Framework: model.Serverless, Code: "resources:\n  Resources:\n    DataKey:\n      Type: AWS::KMS::Key\n      Properties:\n        EnableKeyRotation: true\n        KeyPolicy:\n          Version: \"2012-10-17\"\n          Statement:\n            - Effect: Allow\n              Principal:\n                AWS: !Sub arn:aws:iam::${AWS::AccountId}:root\n              Action: kms:*\n              Resource: \"*\""},
		{Framework: model.Terraform, Code: "resource \"aws_kms_key\" \"data\" {\n  description         = \"orders data key\"\n  enable_key_rotation = true\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, k := range resources(p, model.KindKey) {
			if k.Provider != model.AWS {
				continue
			}
			v := k.Attr(model.AttrKeyRotation)
			if v.IsAbsent() || v.IsFalse() {
				p.Report(analysis.Finding{Pos: v.PosOr(k.Pos), Anchor: k.Pos, Subject: subject(k.ID, "rotation"),
					Message: fmt.Sprintf("KMS key %s does not rotate automatically", k.Name)})
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-CFG-014",
	Title:    "Table has no point-in-time recovery",
	SAS:      "SAS-3",
	CWE:      []string{"CWE-693"},
	Severity: analysis.Low,
	Doc: "A function with write access that is abused through injection can delete or corrupt a table's items. Point-in-time recovery " +
		"restores the table to any second of the last 35 days.",
	Fix: "Enable PointInTimeRecoverySpecification (point_in_time_recovery { enabled = true }).",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "PointInTimeRecoverySpecification:\n  PointInTimeRecoveryEnabled: true"},
		{Framework: model.Serverless, Code: "resources:\n  Resources:\n    OrdersTable:\n      Type: AWS::DynamoDB::Table\n      Properties:\n        BillingMode: PAY_PER_REQUEST\n        KeySchema: [{AttributeName: pk, KeyType: HASH}]\n        AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]\n        PointInTimeRecoverySpecification:\n          PointInTimeRecoveryEnabled: true"},
		{Framework: model.Terraform, Code: "resource \"aws_dynamodb_table\" \"orders\" {\n  name         = \"orders\"\n  billing_mode = \"PAY_PER_REQUEST\"\n  hash_key     = \"pk\"\n  attribute {\n    name = \"pk\"\n    type = \"S\"\n  }\n  point_in_time_recovery {\n    enabled = true\n  }\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, t := range resources(p, model.KindTable) {
			v := t.Attr(model.AttrPointInTimeRecovery)
			if v.IsAbsent() || v.IsFalse() {
				p.Report(analysis.Finding{Pos: v.PosOr(t.Pos), Anchor: t.Pos, Subject: subject(t.ID, "pitr"),
					Message: fmt.Sprintf("table %s has no point-in-time recovery", t.Name)})
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:         "WAR-CFG-015",
	Title:      "Azure function app allows plain FTP",
	SAS:        "SAS-3",
	CWE:        []string{"CWE-319"},
	Severity:   analysis.Medium,
	Doc:        "ftps_state AllAllowed lets deployment credentials and code travel over unencrypted FTP.",
	Fix:        "Set site_config.ftps_state to \"Disabled\" (or \"FtpsOnly\").",
	Examples:   []analysis.Example{{Framework: model.Terraform, Code: "site_config {\n  ftps_state = \"Disabled\"\n}"}},
	Frameworks: []model.Framework{model.Terraform},
	Run: func(p *analysis.Pass) {
		for _, f := range functions(p) {
			if v := f.Attr(model.AttrFTPSState); f.Provider == model.Azure && v.Is("AllAllowed") {
				p.Report(analysis.Finding{Pos: v.PosOr(f.Pos), Anchor: f.Pos, FunctionID: f.ID, Subject: subject(f.ID, "ftps"),
					Message: fmt.Sprintf("function app %s allows plain FTP deployments", fnLabel(f))})
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-CFG-016",
	Title:    "Cloud Function accepts traffic from the whole internet",
	SAS:      "SAS-3",
	CWE:      []string{"CWE-284"},
	Severity: analysis.Low,
	Doc: "ingress_settings ALLOW_ALL exposes the function's URL to the internet. Functions called only by other services in the project, " +
		"or through a load balancer, should restrict ingress so that IAM is not the only barrier.",
	Fix:        "Set ingress_settings to ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB.",
	Examples:   []analysis.Example{{Framework: model.Terraform, Code: "ingress_settings = \"ALLOW_INTERNAL_AND_GCLB\""}},
	Frameworks: []model.Framework{model.Terraform},
	Run: func(p *analysis.Pass) {
		for _, f := range functions(p) {
			if f.Provider != model.GCP {
				continue
			}
			v := f.Attr(model.AttrIngressSettings)
			if v.Is("ALLOW_ALL") || (v.IsAbsent() && hasHTTPTrigger(f)) {
				p.Report(analysis.Finding{Pos: v.PosOr(f.Pos), Anchor: f.Pos, FunctionID: f.ID, Subject: subject(f.ID, "ingress"),
					Message: fmt.Sprintf("function %s allows ingress from all sources", fnLabel(f))})
			}
		}
	},
})

func hasHTTPTrigger(f *model.Function) bool {
	for _, t := range f.Triggers {
		if t.IsHTTP() {
			return true
		}
	}
	return false
}

var _ = register(&analysis.Rule{
	ID:       "WAR-CFG-017",
	Title:    "API cache is not encrypted",
	SAS:      "SAS-3",
	CWE:      []string{"CWE-311"},
	Severity: analysis.Low,
	Doc:      "API Gateway response caches hold copies of responses, often with personal data. Cache encryption is off unless enabled per method setting.",
	Fix:      "Set CacheDataEncrypted: true in the stage's MethodSettings (cache_data_encrypted = true).",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "MethodSettings:\n  - ResourcePath: /*\n    HttpMethod: \"*\"\n    CachingEnabled: true\n    CacheDataEncrypted: true"},
		{Framework: model.Serverless, Code: "plugins:\n  - serverless-api-gateway-caching\ncustom:\n  apiGatewayCaching:\n    enabled: true\n    clusterSize: \"0.5\"\n    ttlInSeconds: 300\n    dataEncrypted: true"},
		{Framework: model.Terraform, Code: "resource \"aws_api_gateway_method_settings\" \"all\" {\n  rest_api_id = aws_api_gateway_rest_api.api.id\n  stage_name  = aws_api_gateway_stage.prod.stage_name\n  method_path = \"*/*\"\n  settings {\n    caching_enabled      = true\n    cache_data_encrypted = true\n  }\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, s := range resources(p, model.KindStage) {
			if v := s.Attr(model.AttrCacheEncrypted); v.IsFalse() {
				p.Report(analysis.Finding{Pos: v.PosOr(s.Pos), Anchor: s.Pos, Subject: subject(s.ID, "cache"),
					Message: fmt.Sprintf("stage %s caches responses without encryption", s.Name)})
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-CFG-018",
	Title:    "Bucket versioning is off",
	SAS:      "SAS-3",
	CWE:      []string{"CWE-693"},
	Severity: analysis.Low,
	Doc:      "Without versioning, an object overwritten or deleted by an abused function is gone. Versioning keeps prior versions for recovery and forensics.",
	Fix:      "Enable VersioningConfiguration (aws_s3_bucket_versioning with status Enabled).",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "VersioningConfiguration:\n  Status: Enabled"},
		{Framework: model.Serverless, Code: "resources:\n  Resources:\n    OriginalsBucket:\n      Type: AWS::S3::Bucket\n      Properties:\n        VersioningConfiguration:\n          Status: Enabled"},
		{Framework: model.Terraform, Code: "resource \"aws_s3_bucket_versioning\" \"originals\" {\n  bucket = aws_s3_bucket.originals.id\n  versioning_configuration {\n    status = \"Enabled\"\n  }\n}"},
	},
	Frameworks: allFrameworks,
	NonDefault: true,
	Run: func(p *analysis.Pass) {
		for _, b := range resources(p, model.KindBucket) {
			if v := b.Attr(model.AttrVersioning); b.Provider == model.AWS && !v.Is("Enabled") && !v.IsUnknown() {
				p.Report(analysis.Finding{Pos: v.PosOr(b.Pos), Anchor: b.Pos, Subject: subject(b.ID, "versioning"),
					Message: fmt.Sprintf("bucket %s has versioning off", b.Name)})
			}
		}
	},
})
