package model

import (
	"sort"
)

// Provider is the cloud a resource runs on.
type Provider string

const (
	AWS   Provider = "aws"
	Azure Provider = "azure"
	GCP   Provider = "gcp"
)

// Framework is the source format a model element was loaded from.
type Framework string

const (
	CloudFormation Framework = "cloudformation" // plain CloudFormation
	SAM            Framework = "sam"            // CloudFormation with the Serverless transform
	Serverless     Framework = "serverless"     // Serverless Framework
	Terraform      Framework = "terraform"
	AzureFunctions Framework = "azure-functions" // function.json / host.json
)

// Title names the framework for people: rule documentation and report
// headings.
func (fw Framework) Title() string {
	switch fw {
	case SAM:
		return "AWS SAM"
	case CloudFormation:
		return "CloudFormation"
	case Serverless:
		return "Serverless Framework"
	case Terraform:
		return "Terraform"
	case AzureFunctions:
		return "Azure Functions"
	}
	return string(fw)
}

// App is the whole application as Warden understands it. Loaders each build a
// partial App and the scanner merges them with Merge.
type App struct {
	Root        string        `json:"root"`
	Files       []*File       `json:"files"`
	Functions   []*Function   `json:"functions"`
	Roles       []*Role       `json:"roles"`
	Resources   []*Resource   `json:"resources"`
	Permissions []*Permission `json:"permissions"`
	Edges       []Edge        `json:"edges"`
	Inputs      []*Input      `json:"inputs"`
	Diagnostics []Diagnostic  `json:"diagnostics"`
	// Packages are the third-party packages functions ship (internal/deps).
	Packages []*Package `json:"packages,omitempty"`
	// Secrets are hard-coded secrets found in code and configuration files
	// (internal/secrets), redacted.
	Secrets []*SecretHit `json:"secrets,omitempty"`
}

// File is one file that discovery looked at, and what became of it.
type File struct {
	Path      string    `json:"path"`
	Kind      string    `json:"kind"` // cloudformation, serverless, terraform, tfvars, function.json, ...
	Framework Framework `json:"framework,omitempty"`
	// Parsed is false when the file could not be read or parsed at all; the
	// summary lists such files so a scan that read nothing never looks clean.
	Parsed bool `json:"parsed"`
	// Unresolved counts values the loader could not resolve in this file.
	Unresolved int `json:"unresolved"`
}

// Severity of a diagnostic: how much it limits what the scan can say.
type DiagLevel string

const (
	DiagInfo    DiagLevel = "info"
	DiagWarning DiagLevel = "warning"
	DiagError   DiagLevel = "error"
)

// Diagnostic is a problem with the input rather than with the application:
// a parse error, an unresolvable variable, a path outside the root. The scan
// reports them per file and goes on.
type Diagnostic struct {
	Pos     Pos       `json:"pos"`
	Level   DiagLevel `json:"level"`
	Code    string    `json:"code"` // parse, unresolved, outside-root, unsupported, too-large, limit, read
	Message string    `json:"message"`
}

// Function is one deployable function on any provider.
type Function struct {
	ID        string    `json:"id"`   // unique in the App: "<file>#<logical name>"
	Name      string    `json:"name"` // logical name in the source
	Provider  Provider  `json:"provider"`
	Framework Framework `json:"framework"`
	Pos       Pos       `json:"pos"`

	FunctionName Value `json:"function_name"` // deployed name
	Runtime      Value `json:"runtime"`
	Handler      Value `json:"handler"`
	// CodePath is the directory or file holding the code, relative to the
	// scan root, when it lies inside it.
	CodePath     Value   `json:"code_path"`
	PackageType  Value   `json:"package_type"` // Zip or Image
	MemoryMB     Value   `json:"memory_mb"`
	TimeoutSec   Value   `json:"timeout_sec"`
	ReservedConc Value   `json:"reserved_concurrency"`
	Architecture Value   `json:"architecture"`
	Tracing      Value   `json:"tracing"` // Active, PassThrough, or provider equivalent
	Layers       []Value `json:"layers,omitempty"`

	Environment []EnvVar `json:"environment,omitempty"`
	// EnvKMSKey is the customer key that encrypts environment variables.
	EnvKMSKey Value `json:"env_kms_key"`

	// RoleID is the model ID of the execution role, "" when unresolved.
	RoleID string `json:"role_id,omitempty"`
	// RoleRef is the role as written (ARN, reference, name).
	RoleRef Value `json:"role_ref"`

	VPC *VPCConfig   `json:"vpc,omitempty"`
	URL *FunctionURL `json:"url,omitempty"`

	Triggers []*Trigger `json:"triggers,omitempty"`

	// Asynchronous invocation settings.
	DeadLetter       Value `json:"dead_letter"`
	OnFailure        Value `json:"on_failure"`
	AsyncMaxRetries  Value `json:"async_max_retries"`
	AsyncMaxEventAge Value `json:"async_max_event_age"`

	// LogGroupID is the model ID of the function's log group, when declared.
	LogGroupID string `json:"log_group_id,omitempty"`

	// Attrs holds provider-specific settings under stable keys (see attrs.go),
	// e.g. Azure https_only or GCP ingress_settings.
	Attrs map[string]Value `json:"attrs,omitempty"`

	// Deployed is false when the resource is known not to be created
	// (count = 0, a false Condition); rules skip such functions.
	Deployed Value `json:"deployed"`

	// Code holds what code analysis found, filled in by later analyzers.
	Code *CodeFacts `json:"code,omitempty"`
}

// EnvVar is one environment variable (app setting on Azure).
type EnvVar struct {
	Name  string `json:"name"`
	Value Value  `json:"value"`
	Pos   Pos    `json:"pos"`
}

// VPCConfig places a function in a network.
type VPCConfig struct {
	Pos              Pos     `json:"pos"`
	SubnetIDs        []Value `json:"subnet_ids,omitempty"`
	SecurityGroupIDs []Value `json:"security_group_ids,omitempty"`
}

// FunctionURL is a direct HTTPS endpoint for a function (Lambda function
// URLs; GCP and Azure HTTP functions have theirs as an http trigger).
type FunctionURL struct {
	Pos      Pos   `json:"pos"`
	AuthType Value `json:"auth_type"` // NONE or AWS_IAM
	CORS     *CORS `json:"cors,omitempty"`
}

// CORS is a cross-origin policy on an HTTP endpoint.
type CORS struct {
	Pos              Pos     `json:"pos"`
	AllowOrigins     []Value `json:"allow_origins,omitempty"`
	AllowCredentials Value   `json:"allow_credentials"`
	AllowMethods     []Value `json:"allow_methods,omitempty"`
	AllowHeaders     []Value `json:"allow_headers,omitempty"`
}

// TriggerKind classifies event sources so that rules and code analysis can
// tell attacker-controlled events from internal ones.
type TriggerKind string

const (
	TriggerHTTP      TriggerKind = "http"      // REST/HTTP API route, ALB, function URL-like HTTP trigger
	TriggerWebSocket TriggerKind = "websocket" //
	TriggerQueue     TriggerKind = "queue"     // SQS, Service Bus, Pub/Sub pull
	TriggerTopic     TriggerKind = "topic"     // SNS, Pub/Sub push, Event Grid
	TriggerStorage   TriggerKind = "storage"   // S3, Blob, GCS
	TriggerStream    TriggerKind = "stream"    // Kinesis, DynamoDB streams, Kafka
	TriggerSchedule  TriggerKind = "schedule"  // cron/rate
	TriggerEventBus  TriggerKind = "eventbus"  // EventBridge / CloudWatch Events rules
	TriggerUserPool  TriggerKind = "userpool"  // Cognito triggers
	TriggerIoT       TriggerKind = "iot"       //
	TriggerOther     TriggerKind = "other"
)

// Trigger is one event source of a function.
type Trigger struct {
	Kind TriggerKind `json:"kind"`
	// Type is the source format's own name ("Api", "HttpApi", "sqs",
	// "aws_lambda_event_source_mapping", "httpTrigger").
	Type string `json:"type"`
	Name string `json:"name,omitempty"` // logical name of the event in the source, if any
	Pos  Pos    `json:"pos"`

	// HTTP triggers.
	Method Value `json:"method"`
	Path   Value `json:"path"`
	// APIID is the model ID of the API resource serving the route.
	APIID string `json:"api_id,omitempty"`
	// Auth is how the route authenticates callers. AuthType is normalised to
	// one of the Auth* constants, or Unknown.
	AuthType       Value   `json:"auth_type"`
	Authorizer     Value   `json:"authorizer"`
	APIKeyRequired Value   `json:"api_key_required"`
	Scopes         []Value `json:"scopes,omitempty"`
	CORS           *CORS   `json:"cors,omitempty"`
	Private        Value   `json:"private"` // serverless `private: true`

	// Non-HTTP triggers: the source (bucket, queue, topic, stream ARN...).
	Source    Value  `json:"source"`
	SourceID  string `json:"source_id,omitempty"` // model ID when resolved
	Schedule  Value  `json:"schedule"`
	BatchSize Value  `json:"batch_size"`
	// OnFailure is the DLQ or on-failure destination of a poll-based source.
	OnFailure Value `json:"on_failure"`
	Enabled   Value `json:"enabled"`
	Filter    Value `json:"filter"` // event pattern / filter criteria, for messages

	Attrs map[string]Value `json:"attrs,omitempty"`
}

// Normalised auth types for HTTP triggers.
const (
	AuthNone     = "NONE"     // anyone on the internet
	AuthIAM      = "AWS_IAM"  // SigV4
	AuthCognito  = "COGNITO"  // Cognito user pool authorizer
	AuthJWT      = "JWT"      // JWT/OIDC authorizer
	AuthCustom   = "CUSTOM"   // Lambda (custom) authorizer
	AuthAPIKey   = "API_KEY"  // API key only (weak)
	AuthFunction = "FUNCTION" // Azure function/host keys
	AuthAdmin    = "ADMIN"    // Azure admin (master) key
	AuthPlatform = "PLATFORM" // provider-level auth in front (GCP IAM invoker, Azure Easy Auth)
)

// IsHTTP reports whether the trigger takes requests from the network: an
// HTTP route or a WebSocket route.
func (t *Trigger) IsHTTP() bool {
	return t.Kind == TriggerHTTP || t.Kind == TriggerWebSocket
}

// HasAuth reports whether an HTTP trigger is known to authenticate callers.
// API keys alone are not authentication in AWS's own words, so they do not
// count here.
func (t *Trigger) HasAuth() bool {
	if !t.AuthType.IsKnown() {
		return false
	}
	switch t.AuthType.V {
	case AuthNone, AuthAPIKey, "":
		return false
	}
	return true
}

// Role is an IAM role (AWS) or service identity (Azure, GCP).
type Role struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"` // logical name
	Provider  Provider  `json:"provider"`
	Framework Framework `json:"framework"`
	Pos       Pos       `json:"pos"`
	RoleName  Value     `json:"role_name"`
	// Implicit roles are created by the framework (SAM's generated role,
	// the Serverless Framework's shared role) rather than declared.
	Implicit bool `json:"implicit,omitempty"`

	AssumeRolePolicy *Policy   `json:"assume_role_policy,omitempty"`
	Policies         []*Policy `json:"policies,omitempty"`
	// ManagedPolicies are ARNs or names of attached managed policies.
	ManagedPolicies     []Value `json:"managed_policies,omitempty"`
	PermissionsBoundary Value   `json:"permissions_boundary"`
}

// Statements returns every statement of every inline or expanded policy.
func (r *Role) Statements() []*Statement {
	var out []*Statement
	for _, p := range r.Policies {
		out = append(out, p.Statements...)
	}
	return out
}

// Policy is an IAM policy document, inline or expanded from a template.
type Policy struct {
	Name Value `json:"name"`
	Pos  Pos   `json:"pos"`
	// Source says where the policy came from: "inline", "AWS::IAM::Policy",
	// "SAM template DynamoDBCrudPolicy", "aws_iam_policy_document".
	Source     string       `json:"source"`
	Statements []*Statement `json:"statements"`
	// Unresolved is true when the document could not be fully read (an
	// intrinsic, a computed policy). Rules must not assume it is complete.
	Unresolved bool `json:"unresolved,omitempty"`
}

// Statement is one IAM statement. Lists keep each element's position.
type Statement struct {
	Sid          string  `json:"sid,omitempty"`
	Pos          Pos     `json:"pos"`
	Effect       Value   `json:"effect"`
	Actions      []Value `json:"actions,omitempty"`
	NotActions   []Value `json:"not_actions,omitempty"`
	Resources    []Value `json:"resources,omitempty"`
	NotResources []Value `json:"not_resources,omitempty"`
	// Principals maps a principal type ("AWS", "Service", "Federated", "*")
	// to its values; used by resource and trust policies.
	Principals    map[string][]Value `json:"principals,omitempty"`
	NotPrincipals map[string][]Value `json:"not_principals,omitempty"`
	// Conditions: operator -> key -> values.
	Conditions []Condition `json:"conditions,omitempty"`
}

// Condition is one operator/key pair of a Condition block.
type Condition struct {
	Operator string  `json:"operator"`
	Key      string  `json:"key"`
	Values   []Value `json:"values"`
}

// Resource is anything that is not a function or a role: storage, queues,
// topics, tables, keys, secrets, log groups, APIs and stages, user pools.
type Resource struct {
	ID        string       `json:"id"`
	Kind      ResourceKind `json:"kind"`
	Type      string       `json:"type"` // native type: AWS::S3::Bucket, aws_s3_bucket
	Name      string       `json:"name"` // logical name
	Provider  Provider     `json:"provider"`
	Framework Framework    `json:"framework"`
	Pos       Pos          `json:"pos"`
	// Attrs holds settings under the stable keys in attrs.go, so that one rule
	// reads "encryption" whether it came from SSESpecification or a
	// server_side_encryption_configuration block.
	Attrs map[string]Value `json:"attrs,omitempty"`
	// Lists holds list-valued settings (allowed origins, log destinations).
	Lists map[string][]Value `json:"lists,omitempty"`
	// Policies are resource policies (bucket, queue, topic, key policies).
	Policies []*Policy `json:"policies,omitempty"`
	Deployed Value     `json:"deployed"`
}

// Attr returns the attribute or an Absent value.
func (r *Resource) Attr(key string) Value { return r.Attrs[key] }

// SetAttr sets an attribute, creating the map.
func (r *Resource) SetAttr(key string, v Value) {
	if r.Attrs == nil {
		r.Attrs = map[string]Value{}
	}
	r.Attrs[key] = v
}

// Attr returns the function attribute or an Absent value.
func (f *Function) Attr(key string) Value { return f.Attrs[key] }

// SetAttr sets a function attribute, creating the map.
func (f *Function) SetAttr(key string, v Value) {
	if f.Attrs == nil {
		f.Attrs = map[string]Value{}
	}
	f.Attrs[key] = v
}

// ResourceKind classifies resources across providers.
type ResourceKind string

const (
	KindBucket         ResourceKind = "bucket"
	KindTable          ResourceKind = "table"
	KindQueue          ResourceKind = "queue"
	KindTopic          ResourceKind = "topic"
	KindStream         ResourceKind = "stream"
	KindKey            ResourceKind = "key"
	KindSecret         ResourceKind = "secret"
	KindParameter      ResourceKind = "parameter"
	KindLogGroup       ResourceKind = "log-group"
	KindUserPool       ResourceKind = "user-pool"
	KindUserPoolClient ResourceKind = "user-pool-client"
	KindAPI            ResourceKind = "api"
	KindStage          ResourceKind = "stage"
	KindRoute          ResourceKind = "route" // a REST method / HTTP API route declared as its own resource
	KindAuthorizer     ResourceKind = "authorizer"
	KindDomain         ResourceKind = "domain"
	KindUsagePlan      ResourceKind = "usage-plan"
	KindAPIKey         ResourceKind = "api-key"
	KindStateMachine   ResourceKind = "state-machine"
	KindLayer          ResourceKind = "layer"
	KindWAF            ResourceKind = "waf-association"
	KindEventRule      ResourceKind = "event-rule"
	KindFunctionApp    ResourceKind = "function-app" // Azure app hosting several functions
	KindOther          ResourceKind = "other"
)

// Permission is a resource-based grant to invoke a function: a Lambda
// permission, a GCP IAM member on a function, and the like.
type Permission struct {
	ID            string    `json:"id"`
	Provider      Provider  `json:"provider"`
	Framework     Framework `json:"framework"`
	Pos           Pos       `json:"pos"`
	FunctionID    string    `json:"function_id,omitempty"`
	FunctionRef   Value     `json:"function_ref"`
	Action        Value     `json:"action"`
	Principal     Value     `json:"principal"` // "*", a service principal, an account, "allUsers"
	SourceArn     Value     `json:"source_arn"`
	SourceAccount Value     `json:"source_account"`
	URLAuthType   Value     `json:"url_auth_type"` // lambda:FunctionUrlAuthType
	Role          Value     `json:"role"`          // GCP role granted, e.g. roles/cloudfunctions.invoker
}

// EdgeKind names a relation between model elements.
type EdgeKind string

const (
	EdgeTriggeredBy EdgeKind = "triggered-by" // function <- source
	EdgeUsesRole    EdgeKind = "uses-role"    // function -> role
	EdgeReferences  EdgeKind = "references"   // function env/config -> resource
	EdgeLogsTo      EdgeKind = "logs-to"      // function -> log group
	EdgeServes      EdgeKind = "serves"       // api -> function
	EdgeAttached    EdgeKind = "attached"     // policy/stage/waf -> resource
	EdgeEncrypts    EdgeKind = "encrypts"     // key -> resource
)

// Edge is a directed relation between two model IDs.
type Edge struct {
	From string   `json:"from"`
	To   string   `json:"to"`
	Kind EdgeKind `json:"kind"`
	Pos  Pos      `json:"pos"`
}

// CodeFacts is what code analysis learned about a function, for correlating
// rules (attack paths) to read.
type CodeFacts struct {
	Language   string   `json:"language,omitempty"`
	Entry      Pos      `json:"entry"`
	Sources    []string `json:"sources,omitempty"`
	Sinks      []string `json:"sinks,omitempty"`
	SDKActions []string `json:"sdk_actions,omitempty"`
	Imports    []string `json:"imports,omitempty"`
	// Flows are the source-to-sink paths code analysis found, so that
	// injection rules and correlating rules read one result.
	Flows []CodeFlow `json:"flows,omitempty"`
}

// CodeFlow is one path from an untrusted source (or a caught exception) to
// a sink, with the steps in between.
type CodeFlow struct {
	// Class is the sink class: command, code, sql, path, ssrf,
	// deserialization, ssti, or error (exception details sent to a client).
	Class string `json:"class"`
	// Source names the origin, e.g. "event.body" or "exception".
	Source string `json:"source"`
	// Sink names the sink, e.g. "os.system" or "cursor.execute".
	Sink string `json:"sink"`
	// Steps run from the source to the sink; the last step is the sink.
	Steps []CodeStep `json:"steps"`
}

// CodeStep is one location on a code flow.
type CodeStep struct {
	Pos     Pos    `json:"pos"`
	Message string `json:"message,omitempty"`
}

// Merge appends other into a. IDs carry their file, so they do not collide.
func (a *App) Merge(other *App) {
	if other == nil {
		return
	}
	a.Files = append(a.Files, other.Files...)
	a.Functions = append(a.Functions, other.Functions...)
	a.Roles = append(a.Roles, other.Roles...)
	a.Resources = append(a.Resources, other.Resources...)
	a.Permissions = append(a.Permissions, other.Permissions...)
	a.Edges = append(a.Edges, other.Edges...)
	a.Inputs = append(a.Inputs, other.Inputs...)
	a.Diagnostics = append(a.Diagnostics, other.Diagnostics...)
	a.Packages = append(a.Packages, other.Packages...)
	a.Secrets = append(a.Secrets, other.Secrets...)
}

// Sort puts every list in a deterministic order, so that output does not
// depend on the order in which files were loaded in parallel.
func (a *App) Sort() {
	sort.Slice(a.Files, func(i, j int) bool { return a.Files[i].Path < a.Files[j].Path })
	sort.SliceStable(a.Functions, func(i, j int) bool {
		return lessPosID(a.Functions[i].Pos, a.Functions[i].ID, a.Functions[j].Pos, a.Functions[j].ID)
	})
	sort.SliceStable(a.Roles, func(i, j int) bool { return lessPosID(a.Roles[i].Pos, a.Roles[i].ID, a.Roles[j].Pos, a.Roles[j].ID) })
	sort.SliceStable(a.Resources, func(i, j int) bool {
		return lessPosID(a.Resources[i].Pos, a.Resources[i].ID, a.Resources[j].Pos, a.Resources[j].ID)
	})
	sort.SliceStable(a.Permissions, func(i, j int) bool {
		return lessPosID(a.Permissions[i].Pos, a.Permissions[i].ID, a.Permissions[j].Pos, a.Permissions[j].ID)
	})
	sort.SliceStable(a.Edges, func(i, j int) bool {
		x, y := a.Edges[i], a.Edges[j]
		if x.From != y.From {
			return x.From < y.From
		}
		if x.To != y.To {
			return x.To < y.To
		}
		return x.Kind < y.Kind
	})
	sort.SliceStable(a.Secrets, func(i, j int) bool {
		x, y := a.Secrets[i], a.Secrets[j]
		if x.Pos != y.Pos {
			return x.Pos.Less(y.Pos)
		}
		return x.Detector < y.Detector
	})
	sort.SliceStable(a.Diagnostics, func(i, j int) bool {
		x, y := a.Diagnostics[i], a.Diagnostics[j]
		if x.Pos != y.Pos {
			return x.Pos.Less(y.Pos)
		}
		return x.Message < y.Message
	})
}

func lessPosID(p Pos, id string, q Pos, jd string) bool {
	if p != q {
		return p.Less(q)
	}
	return id < jd
}

// Index gives O(1) lookups by ID; build it after loading.
type Index struct {
	Functions map[string]*Function
	Roles     map[string]*Role
	Resources map[string]*Resource
	// FunctionsByRole lists the functions using each role, in model order,
	// so rules about roles do not scan every function per role.
	FunctionsByRole map[string][]*Function
}

// NewIndex indexes a.
func NewIndex(a *App) *Index {
	ix := &Index{Functions: map[string]*Function{}, Roles: map[string]*Role{}, Resources: map[string]*Resource{}, FunctionsByRole: map[string][]*Function{}}
	for _, f := range a.Functions {
		ix.Functions[f.ID] = f
		if f.RoleID != "" {
			ix.FunctionsByRole[f.RoleID] = append(ix.FunctionsByRole[f.RoleID], f)
		}
	}
	for _, r := range a.Roles {
		ix.Roles[r.ID] = r
	}
	for _, r := range a.Resources {
		ix.Resources[r.ID] = r
	}
	return ix
}

// IsDeployed reports whether the element may be deployed: true unless the
// loader knows it is not.
func IsDeployed(v Value) bool { return !v.IsFalse() }

// Input is a template parameter or Terraform variable: secrets rules need to
// see defaults and whether the value is masked.
type Input struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Framework Framework `json:"framework"`
	Pos       Pos       `json:"pos"`
	Type      Value     `json:"type"`
	Default   Value     `json:"default"`
	// Masked is CloudFormation NoEcho or Terraform sensitive.
	Masked Value `json:"masked"`
}
