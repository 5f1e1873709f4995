package model

// Attribute keys shared by all loaders. A loader that understands a setting
// stores it under one of these keys with the value normalised as documented,
// so that one rule reads it for every framework. Keys a loader does not
// understand stay Absent, which rules read as "platform default".
const (
	// Any resource or function.
	AttrRegion = "region" // cloud region or Azure location

	// Encryption at rest (bucket, table, queue, topic, stream, log group,
	// secret, parameter). Values: "none", "provider" (provider-managed key,
	// e.g. SSE-S3/AES256, SQS-managed SSE, AWS-owned DynamoDB key), "kms"
	// (a KMS key, AWS-managed or customer).
	AttrEncryption = "encryption"
	// AttrKMSKey is the customer-managed key (ARN, alias, or reference).
	AttrKMSKey = "kms_key"

	// Buckets.
	AttrACL                   = "acl" // canned ACL: private, public-read, public-read-write, authenticated-read
	AttrBlockPublicACLs       = "public_access_block.block_public_acls"
	AttrIgnorePublicACLs      = "public_access_block.ignore_public_acls"
	AttrBlockPublicPolicy     = "public_access_block.block_public_policy"
	AttrRestrictPublicBuckets = "public_access_block.restrict_public_buckets"
	AttrVersioning            = "versioning"     // Enabled, Suspended
	AttrAccessLogging         = "access_logging" // destination; Absent when off
	AttrObjectOwnership       = "object_ownership"

	// Tables.
	AttrPointInTimeRecovery = "point_in_time_recovery" // bool
	AttrStreamViewType      = "stream_view_type"
	AttrBillingMode         = "billing_mode"

	// Queues.
	AttrDeadLetterTarget  = "dead_letter_target" // redrive target ARN/reference
	AttrVisibilityTimeout = "visibility_timeout"
	AttrMessageRetention  = "message_retention"

	// Poll-based triggers (streams, queues): Trigger.Attrs. -1 means retry
	// until the record expires, which can stall a shard.
	AttrMaxRetryAttempts = "max_retry_attempts"

	// Log groups.
	AttrRetentionDays = "retention_days" // 0 or Absent = never expire

	// Secrets and parameters.
	AttrRotationEnabled = "rotation_enabled" // bool; set true when a rotation schedule targets the secret
	AttrRotationDays    = "rotation_days"
	AttrParameterType   = "parameter_type" // String, StringList, SecureString
	AttrParameterName   = "parameter_name"
	AttrValue           = "value"

	// KMS keys.
	AttrKeyRotation = "key_rotation" // bool

	// Cognito user pools.
	AttrPasswordMinLength = "password.min_length"
	AttrPasswordUpper     = "password.require_uppercase"
	AttrPasswordLower     = "password.require_lowercase"
	AttrPasswordNumbers   = "password.require_numbers"
	AttrPasswordSymbols   = "password.require_symbols"
	AttrMFA               = "mfa"               // OFF, ON, OPTIONAL
	AttrAdvancedSecurity  = "advanced_security" // OFF, AUDIT, ENFORCED

	// APIs (REST, HTTP, WebSocket).
	AttrProtocol                  = "protocol"      // REST, HTTP, WEBSOCKET
	AttrEndpointType              = "endpoint_type" // EDGE, REGIONAL, PRIVATE
	AttrDefaultAuth               = "default_auth"  // normalised Auth* constant
	AttrAPIKeyRequired            = "api_key_required"
	AttrMinTLS                    = "min_tls" // TLS_1_0, TLS_1_2, "1.2"...
	AttrDisableExecuteAPIEndpoint = "disable_execute_api_endpoint"

	// Stages (Value.Ref of AttrAPI points at the API).
	AttrAPI               = "api"
	AttrAccessLog         = "access_log"          // destination; Absent when off
	AttrExecutionLogLevel = "execution_log_level" // OFF, ERROR, INFO
	AttrTracingEnabled    = "tracing_enabled"
	AttrThrottleRate      = "throttle_rate"
	AttrThrottleBurst     = "throttle_burst"
	AttrCacheEncrypted    = "cache_encrypted"
	AttrWebACL            = "web_acl" // WAF association on a stage or API

	// Usage plans.
	AttrUsagePlanAPIs = "usage_plan.apis"
	// AttrUsagePlan on an API: SAM's Auth.UsagePlan.CreateUsagePlan
	// (PER_API, SHARED, NONE).
	AttrUsagePlan = "usage_plan"

	// Azure function apps and GCP functions (also set on Function.Attrs).
	AttrHTTPSOnly       = "https_only"
	AttrAuthEnabled     = "auth_enabled" // App Service authentication (Easy Auth)
	AttrFTPSState       = "ftps_state"
	AttrClientCertMode  = "client_cert_mode"
	AttrIngressSettings = "ingress_settings"             // ALLOW_ALL, ALLOW_INTERNAL_ONLY, ALLOW_INTERNAL_AND_GCLB
	AttrSecurityLevel   = "https_trigger_security_level" // SECURE_ALWAYS, SECURE_OPTIONAL
	AttrPublicNetwork   = "public_network_access"
	AttrManagedIdentity = "managed_identity"
	AttrServiceAccount  = "service_account"
)
