package leastpriv

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode"

	"github.com/wardensec/warden/internal/iam"
)

// The map is embedded rather than read from disk so that a scan gives the
// same answer on every machine and offline; see data/README.md for its
// source and licence.
//
//go:embed data/sdk-to-iam-map.json.gz
var sdkMapGz []byte

// Variant is one IAM action an SDK operation needs, as the map states it,
// with the templates that fill its resource ARN from the call's parameters.
type Variant struct {
	Action string `json:"action"`
	// ResourceMappings fills the variables of the action's ARN templates
	// in the Service Authorization Reference ("BucketName" ← "${Bucket}").
	ResourceMappings map[string]struct {
		Template string `json:"template"`
	} `json:"resource_mappings"`
	// ResourceARNMappings gives whole ARNs per resource type
	// ("topic" ← "${TopicArn}").
	ResourceARNMappings map[string]string `json:"resourcearn_mappings"`
	ARNOverride         *struct {
		Template string `json:"template"`
	} `json:"arn_override"`
	// Conditions select the variant by the call's parameters (HeadObject
	// with or without VersionId, PartiQL by statement verb).
	Conditions *struct {
		LHS string `json:"lhs"`
		Op  string `json:"op"`
		RHS string `json:"rhs"`
	} `json:"conditions"`
}

// SDKMap is the decoded SDK-to-IAM map.
type SDKMap struct {
	Methods        map[string][]Variant `json:"sdk_method_iam_mappings"`
	ServicePrefix  map[string]string    `json:"sdk_service_mappings"`
	Permissionless []string             `json:"sdk_permissionless_actions"`

	// services indexes the map's service names ("S3", "StepFunctions")
	// by their normalised form, so that boto3, JS and Go client names find
	// them.
	services map[string]string
	free     map[string]bool
	// lower indexes the method keys case-insensitively: the SDKs and the
	// map disagree on some acronyms' case.
	lower map[string]string
}

var (
	mapOnce sync.Once
	theMap  *SDKMap
	mapErr  error
)

// Map returns the embedded SDK-to-IAM map, decoded on first use (it is
// 3.8 MB of JSON, and most commands never need it).
func Map() (*SDKMap, error) {
	mapOnce.Do(func() { theMap, mapErr = parseMap(sdkMapGz) })
	return theMap, mapErr
}

func parseMap(gz []byte) (*SDKMap, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("embedded SDK-to-IAM map: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("embedded SDK-to-IAM map: %w", err)
	}
	m := &SDKMap{}
	if err := json.Unmarshal(raw, m); err != nil {
		return nil, fmt.Errorf("embedded SDK-to-IAM map: decode: %w", err)
	}
	m.services = map[string]string{}
	m.free = map[string]bool{}
	m.lower = make(map[string]string, len(m.Methods))
	for k := range m.Methods {
		m.lower[strings.ToLower(k)] = k
		svc, _, ok := strings.Cut(k, ".")
		if ok {
			m.services[norm(svc)] = svc
		}
	}
	for _, k := range m.Permissionless {
		m.free[k] = true
	}
	return m, nil
}

// norm lower-cases a service name and drops everything but letters and
// digits: boto3 "secretsmanager", JS v3 "client-secrets-manager" and Go
// "secretsmanager" all meet the map's "SecretsManager" there.
func norm(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// serviceAliases are the SDK client names whose normalised form differs
// from the map's service name: boto3 service names, JS v3 package suffixes
// and Go module names.
var serviceAliases = map[string]string{
	"stepfunctions":           "StepFunctions",
	"sfn":                     "StepFunctions",
	"cognitoidp":              "CognitoIdentityServiceProvider",
	"cognitoidentityprovider": "CognitoIdentityServiceProvider",
	"logs":                    "CloudWatchLogs",
	"events":                  "EventBridge",
	"iotdata":                 "IotData",
	"iotdataplane":            "IotData",
	"rdsdata":                 "RDSDataService",
	"sagemakerruntime":        "SageMakerRuntime",
	"elbv2":                   "ELBv2",
	"elasticloadbalancingv2":  "ELBv2",
	"elasticloadbalancing":    "ELB",
	"elasticsearchservice":    "ES",
	"ce":                      "CostExplorer",
	"transcribe":              "TranscribeService",
	"apigatewayv2":            "ApiGatewayV2",
	"secretsmanager":          "SecretsManager",
	"lexruntimev2":            "LexRuntimeV2",
	"lexv2runtime":            "LexRuntimeV2",
	"sesv2":                   "SESV2",
	"dynamodbstreams":         "DynamoDBStreams",
	"efs":                     "EFS",
	"mediastoredata":          "MediaStoreData",
}

// prefixAliases give the IAM prefix of SDK services the map does not know
// (released after it was made), so that the catalogue fallback can try them.
var prefixAliases = map[string]string{
	"bedrockruntime":      "bedrock",
	"bedrockagentruntime": "bedrock",
	"bedrockagent":        "bedrock",
	"bedrock":             "bedrock",
	"scheduler":           "scheduler",
	"pipes":               "pipes",
	"verifiedpermissions": "verifiedpermissions",
}

// Service returns the map's service name for an SDK client name in any of
// the SDKs' spellings ("dynamodb", "client-dynamodb", "DynamoDB"), or "".
func (m *SDKMap) Service(sdkName string) string {
	n := norm(strings.TrimPrefix(strings.ToLower(sdkName), "client-"))
	if s, ok := serviceAliases[n]; ok {
		return s
	}
	return m.services[n]
}

// Prefix returns the IAM prefix for a map service name or SDK client name,
// or "" when neither the map nor the catalogue knows it.
func (m *SDKMap) Prefix(service string) string {
	n := norm(service)
	for k, v := range m.ServicePrefix {
		if norm(k) == n {
			return v
		}
	}
	if p, ok := prefixAliases[n]; ok {
		return p
	}
	// Most services' IAM prefix is their lower-cased name (s3, sqs,
	// dynamodb, lambda, kms); take it only when the catalogue agrees.
	if _, ok := iam.Catalogue().Service(n); ok {
		return n
	}
	return ""
}

// Resolution is how an SDK operation maps to IAM.
type Resolution struct {
	// Key is the map key ("S3.GetObject"), or "" when the action came from
	// the catalogue fallback.
	Key      string
	Variants []Variant
	// Free is true for calls that need no permission (sts
	// GetCallerIdentity).
	Free bool
	// Fallback is true when the action is the heuristic
	// <prefix>:<Operation> confirmed by the catalogue.
	Fallback bool
}

// Resolve maps an operation of a service (map service name or SDK client
// name; operation in PascalCase, camelCase or snake_case) to its IAM
// actions. ok is false when neither the map nor the catalogue knows it:
// the caller reports the call as unmapped rather than guessing.
func (m *SDKMap) Resolve(service, op string) (Resolution, bool) {
	svc := m.Service(service)
	if svc == "" {
		svc = service
	}
	pascal := Pascal(op)
	key := svc + "." + pascal
	if m.free[key] {
		return Resolution{Key: key, Free: true}, true
	}
	if vs, ok := m.Methods[key]; ok {
		return Resolution{Key: key, Variants: vs}, true
	}
	// The map spells some acronyms its own way (ListObjectsV2); try a
	// case-insensitive match before giving up on the map.
	if k, ok := m.lower[strings.ToLower(key)]; ok {
		return Resolution{Key: k, Variants: m.Methods[k]}, true
	}
	prefix := m.Prefix(svc)
	if prefix == "" {
		return Resolution{}, false
	}
	if a, ok := iam.Catalogue().Action(prefix + ":" + pascal); ok {
		return Resolution{Variants: []Variant{{Action: a.String()}}, Fallback: true}, true
	}
	return Resolution{}, false
}

// Pascal turns an SDK method name into the API operation name:
// "get_object" and "getObject" give "GetObject". Names already in
// PascalCase are kept.
func Pascal(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if r == '_' || r == '-' {
			up = true
			continue
		}
		if up {
			b.WriteRune(unicode.ToUpper(r))
			up = false
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
