package rules

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/model"
)

// SAS-3: insecure deployment configuration.

//go:embed data/runtimes.json
var runtimesJSON []byte

type runtimeRow struct {
	Provider    string `json:"provider"`
	Runtime     string `json:"runtime"`
	Deprecated  string `json:"deprecated"`
	Replacement string `json:"replacement"`
}

var runtimeTable = func() (t struct {
	AsOf     string       `json:"as_of"`
	Runtimes []runtimeRow `json:"runtimes"`
}) {
	if err := json.Unmarshal(runtimesJSON, &t); err != nil {
		panic("rules: embedded runtimes.json: " + err.Error())
	}
	return t
}()

// deprecatedRuntime looks a runtime up in the dated table. The comparison is
// against the table's own date, not the clock, so a scan's output does not
// change from one day to the next without a data update.
func deprecatedRuntime(provider model.Provider, runtime string) (runtimeRow, bool) {
	for _, r := range runtimeTable.Runtimes {
		if r.Provider == string(provider) && strings.EqualFold(r.Runtime, runtime) && r.Deprecated <= runtimeTable.AsOf {
			return r, true
		}
	}
	return runtimeRow{}, false
}

var _ = register(&analysis.Rule{
	ID:       "WAR-CFG-001",
	Title:    "Function uses a deprecated runtime",
	SAS:      "SAS-3",
	CWE:      []string{"CWE-1104"},
	Severity: analysis.Medium,
	Doc: "A deprecated runtime no longer receives security patches from the provider, and after deprecation the function can no longer be " +
		"created or updated. Vulnerabilities in the language runtime and its bundled libraries stay open. The table of runtimes and dates is " +
		"embedded data (internal/rules/data/runtimes.json) with its source and as-of date.",
	Fix: "Move the function to a supported runtime version, test, and redeploy.",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "Runtime: python3.12"},
		{Framework: model.Serverless, Code: "provider:\n  runtime: nodejs22.x"},
		{Framework: model.Terraform, Code: "runtime = \"python3.12\""},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, f := range functions(p) {
			if !f.Runtime.IsKnown() {
				continue
			}
			row, ok := deprecatedRuntime(f.Provider, f.Runtime.V)
			if !ok {
				continue
			}
			msg := fmt.Sprintf("function %s uses runtime %s, deprecated since %s: it gets no security patches", fnLabel(f), f.Runtime.V, row.Deprecated)
			if row.Replacement != "" {
				msg += "; move to " + row.Replacement
			}
			p.Report(analysis.Finding{Pos: f.Runtime.PosOr(f.Pos), Anchor: f.Pos, FunctionID: f.ID, Subject: subject(f.ID, "runtime"), Message: msg})
		}
	},
})

var publicACLs = map[string]bool{"public-read": true, "public-read-write": true, "authenticated-read": true, "publicread": true, "publicreadwrite": true, "authenticatedread": true}

var _ = register(&analysis.Rule{
	ID:       "WAR-CFG-002",
	Title:    "Storage bucket is public through its ACL or policy",
	SAS:      "SAS-3",
	CWE:      []string{"CWE-732", "CWE-284"},
	Severity: analysis.High,
	Doc: "A bucket readable or writable by everyone leaks the application's data, and a publicly writable bucket that triggers a function " +
		"lets anyone inject events into it. Public canned ACLs and bucket policies that allow Principal \"*\" without a narrowing condition do this.",
	Fix: "Remove the public ACL and the public policy statement; serve public content through CloudFront with origin access control instead.",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "Type: AWS::S3::Bucket\nProperties:\n  PublicAccessBlockConfiguration:\n    BlockPublicAcls: true\n    BlockPublicPolicy: true\n    IgnorePublicAcls: true\n    RestrictPublicBuckets: true"},
		{Framework: model.Serverless, Code: "resources:\n  Resources:\n    UploadsBucket:\n      Type: AWS::S3::Bucket\n      Properties:\n        OwnershipControls:\n          Rules:\n            - ObjectOwnership: BucketOwnerEnforced\n        PublicAccessBlockConfiguration:\n          BlockPublicAcls: true\n          BlockPublicPolicy: true\n          IgnorePublicAcls: true\n          RestrictPublicBuckets: true"},
		{Framework: model.Terraform, Code: "resource \"aws_s3_bucket_public_access_block\" \"b\" {\n  bucket                  = aws_s3_bucket.b.id\n  block_public_acls       = true\n  block_public_policy     = true\n  ignore_public_acls      = true\n  restrict_public_buckets = true\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, b := range resources(p, model.KindBucket) {
			acl := b.Attr(model.AttrACL)
			if acl.IsKnown() && publicACLs[strings.ToLower(acl.V)] {
				p.Report(analysis.Finding{Pos: acl.PosOr(b.Pos), Anchor: b.Pos, Subject: subject(b.ID, "acl"),
					Message: fmt.Sprintf("bucket %s has the canned ACL %s: its objects are public", b.Name, acl.V)})
			}
			for _, pol := range b.Policies {
				for _, st := range pol.Statements {
					if st.Effect.Is("Allow") && publicPrincipal(st) && len(st.Conditions) == 0 {
						p.Report(analysis.Finding{Pos: st.Pos, Anchor: b.Pos, Subject: subject(b.ID, "policy", st.Sid),
							Message: fmt.Sprintf("policy of bucket %s allows Principal \"*\" with no condition: anyone can %s", b.Name, actionList(st))})
					}
				}
			}
		}
	},
})

func publicPrincipal(st *model.Statement) bool {
	for typ, vals := range st.Principals {
		for _, v := range vals {
			if v.Is("*") && (typ == "*" || typ == "AWS") {
				return true
			}
		}
	}
	return false
}

func actionList(st *model.Statement) string {
	var as []string
	for _, a := range st.Actions {
		as = append(as, a.String())
	}
	if len(as) == 0 {
		return "act on it"
	}
	return strings.Join(as, ", ")
}

var _ = register(&analysis.Rule{
	ID:       "WAR-CFG-003",
	Title:    "Bucket public access block is disabled",
	SAS:      "SAS-3",
	CWE:      []string{"CWE-732"},
	Severity: analysis.Medium,
	Doc: "S3 Block Public Access is the account's safety net against a public ACL or policy added later by mistake. " +
		"New buckets have it on by default since April 2023; turning a setting off explicitly removes the net.",
	Fix: "Set BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy and RestrictPublicBuckets to true.",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "PublicAccessBlockConfiguration:\n  BlockPublicAcls: true\n  BlockPublicPolicy: true\n  IgnorePublicAcls: true\n  RestrictPublicBuckets: true"},
		{Framework: model.Serverless, Code: "resources:\n  Resources:\n    UploadsBucket:\n      Type: AWS::S3::Bucket\n      Properties:\n        PublicAccessBlockConfiguration:\n          BlockPublicAcls: true\n          BlockPublicPolicy: true\n          IgnorePublicAcls: true\n          RestrictPublicBuckets: true"},
		{Framework: model.Terraform, Code: "resource \"aws_s3_bucket_public_access_block\" \"uploads\" {\n  bucket                  = aws_s3_bucket.uploads.id\n  block_public_acls       = true\n  block_public_policy     = true\n  ignore_public_acls      = true\n  restrict_public_buckets = true\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, b := range resources(p, model.KindBucket) {
			for _, k := range []string{model.AttrBlockPublicACLs, model.AttrIgnorePublicACLs, model.AttrBlockPublicPolicy, model.AttrRestrictPublicBuckets} {
				if v := b.Attr(k); v.IsFalse() {
					name := strings.TrimPrefix(k, "public_access_block.")
					p.Report(analysis.Finding{Pos: v.PosOr(b.Pos), Anchor: b.Pos, Subject: subject(b.ID, k),
						Message: fmt.Sprintf("bucket %s turns off the public access block setting %s", b.Name, name)})
				}
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-CFG-004",
	Title:    "Queue, topic or stream is not encrypted at rest",
	SAS:      "SAS-3",
	CWE:      []string{"CWE-311"},
	Severity: analysis.Medium,
	Doc: "Messages that pass between functions often carry the same personal data as the database. SNS topics and Kinesis streams are not " +
		"encrypted at rest unless a key is set, and an SQS queue with managed encryption turned off stores messages in clear.",
	Fix: "Set a KMS key (KmsMasterKeyId / kms_master_key_id, StreamEncryption) or, for SQS, keep SqsManagedSseEnabled on.",
	Examples: []analysis.Example{
		{Framework: model.CloudFormation, Code: "Type: AWS::SNS::Topic\nProperties:\n  KmsMasterKeyId: alias/aws/sns"},
		{Framework: model.Serverless, Code: "resources:\n  Resources:\n    OrderEvents:\n      Type: AWS::SNS::Topic\n      Properties:\n        KmsMasterKeyId: alias/aws/sns\n    OrdersQueue:\n      Type: AWS::SQS::Queue\n      Properties:\n        SqsManagedSseEnabled: true"},
		{Framework: model.Terraform, Code: "resource \"aws_sqs_queue\" \"q\" {\n  sqs_managed_sse_enabled = true\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		for _, r := range resources(p, model.KindQueue, model.KindTopic, model.KindStream) {
			enc := r.Attr(model.AttrEncryption)
			key := r.Attr(model.AttrKMSKey)
			if enc.IsUnknown() || key.IsSet() {
				continue
			}
			// SQS encrypts new queues with SQS-managed keys by default;
			// topics and streams are clear unless a key is given.
			clear := enc.Is("none") || (enc.IsAbsent() && r.Kind != model.KindQueue)
			if clear {
				p.Report(analysis.Finding{Pos: enc.PosOr(r.Pos), Anchor: r.Pos, Subject: subject(r.ID, "encryption"),
					Message: fmt.Sprintf("%s %s is not encrypted at rest", r.Kind, r.Name)})
			}
		}
	},
})

var _ = register(&analysis.Rule{
	ID:       "WAR-CFG-005",
	Title:    "CORS allows any origin together with credentials",
	SAS:      "SAS-3",
	CWE:      []string{"CWE-942"},
	Severity: analysis.High,
	Doc: "Access-Control-Allow-Origin \"*\" with Allow-Credentials true asks browsers to send cookies and authorization headers from any site. " +
		"Browsers refuse the literal combination, so servers that want it reflect the caller's origin, which lets any web page act as the user.",
	Fix: "List the exact origins that may call the API, or drop AllowCredentials.",
	Examples: []analysis.Example{
		{Framework: model.SAM, Code: "CorsConfiguration:\n  AllowOrigins:\n    - https://app.example.com\n  AllowCredentials: true"},
		{Framework: model.Serverless, Code: "events:\n  - http:\n      path: account\n      method: get\n      authorizer: aws_iam\n      cors:\n        origin: https://app.example.com\n        headers: [Content-Type, Authorization]\n        allowCredentials: true"},
		{Framework: model.Terraform, Code: "resource \"aws_apigatewayv2_api\" \"api\" {\n  name          = \"storefront\"\n  protocol_type = \"HTTP\"\n  cors_configuration {\n    allow_origins     = [\"https://app.example.com\"]\n    allow_methods     = [\"GET\", \"POST\"]\n    allow_headers     = [\"content-type\", \"authorization\"]\n    allow_credentials = true\n  }\n}"},
	},
	Frameworks: allFrameworks,
	Run: func(p *analysis.Pass) {
		check := func(c *model.CORS, anchor model.Pos, fnID, subj, where string) {
			if c == nil || !c.AllowCredentials.IsTrue() {
				return
			}
			for _, o := range c.AllowOrigins {
				if o.Is("*") {
					p.Report(analysis.Finding{Pos: o.PosOr(c.Pos), Anchor: anchor, FunctionID: fnID, Subject: subject(subj, "cors"),
						Message: fmt.Sprintf("CORS of %s allows origin \"*\" with credentials", where)})
					return
				}
			}
		}
		for _, f := range functions(p) {
			if f.URL != nil {
				check(f.URL.CORS, f.Pos, f.ID, f.ID+"|url", "the function URL of "+fnLabel(f))
			}
			for _, t := range f.Triggers {
				check(t.CORS, f.Pos, f.ID, f.ID+"|"+t.Method.V+" "+t.Path.V, routeName(t)+" of "+fnLabel(f))
			}
		}
	},
})
