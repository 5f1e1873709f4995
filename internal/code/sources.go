package code

import (
	"strings"

	"github.com/wardensec/warden/internal/model"
)

// sourcePattern is an attacker-controlled part of a handler argument: the
// root ("event", "context", "req") and a path where "*" matches any index.
type sourcePattern struct {
	root string
	segs []string
}

func pat(root, path string) sourcePattern {
	return sourcePattern{root: root, segs: strings.Split(path, ".")}
}

// httpSources are the parts of an API Gateway (REST and HTTP API, payload
// 1.0 and 2.0), ALB or function URL event that the caller writes.
var httpSources = []sourcePattern{
	pat("event", "body"), pat("event", "queryStringParameters"), pat("event", "multiValueQueryStringParameters"),
	pat("event", "pathParameters"), pat("event", "headers"), pat("event", "multiValueHeaders"),
	pat("event", "rawPath"), pat("event", "rawQueryString"), pat("event", "path"), pat("event", "cookies"),
	pat("event", "requestContext.http.path"), pat("event", "requestContext.http.userAgent"),
	pat("event", "requestContext.identity.userAgent"),
}

var sourcesByKind = map[model.TriggerKind][]sourcePattern{
	model.TriggerHTTP:      httpSources,
	model.TriggerWebSocket: {pat("event", "body"), pat("event", "queryStringParameters"), pat("event", "headers")},
	// S3 notifications (and the EventBridge form): the object key is chosen
	// by whoever uploads.
	model.TriggerStorage: {pat("event", "Records.*.s3.object.key"), pat("event", "detail.object.key")},
	model.TriggerQueue: {pat("event", "Records.*.body"), pat("event", "Records.*.messageAttributes"),
		pat("event", "Records.*.Sns.Message")},
	model.TriggerTopic: {pat("event", "Records.*.Sns.Message"), pat("event", "Records.*.Sns.Subject"),
		pat("event", "Records.*.Sns.MessageAttributes")},
	model.TriggerStream: {pat("event", "Records.*.dynamodb.NewImage"), pat("event", "Records.*.dynamodb.OldImage"),
		pat("event", "Records.*.dynamodb.Keys"), pat("event", "Records.*.kinesis.data"), pat("event", "records"),
		pat("event", "Records.*.body")},
	model.TriggerUserPool: {pat("event", "request.userAttributes"), pat("event", "request.validationData"),
		pat("event", "request.clientMetadata"), pat("event", "userName"), pat("event", "request.privateChallengeParameters"),
		pat("event", "request.challengeAnswer")},
	// Internal events: the whole detail is data someone else wrote; rules
	// rate these lower.
	model.TriggerEventBus: {pat("event", "detail")},
	model.TriggerSchedule: {pat("event", "detail")},
	model.TriggerIoT:      {pat("event", "")},
	model.TriggerOther:    {pat("event", "")},
}

// contextSources are the parts of the Lambda context the client supplies
// (mobile SDK client context and Cognito identity), whatever the trigger.
var contextSources = []sourcePattern{
	pat("context", "client_context"), pat("context", "clientContext"), pat("context", "identity"),
}

// reqSources are what an Express-style route handler (serverless-http,
// @vendia/serverless-express) receives from the caller.
var reqSources = []sourcePattern{
	pat("req", "body"), pat("req", "query"), pat("req", "params"), pat("req", "headers"), pat("req", "cookies"),
	pat("req", "path"), pat("req", "url"), pat("req", "originalUrl"),
}

// sourcesFor returns the patterns for one trigger.
func sourcesFor(t *model.Trigger) []sourcePattern {
	ps, ok := sourcesByKind[t.Kind]
	if !ok {
		return sourcesByKind[model.TriggerOther]
	}
	return ps
}

// functionSources is the union over f's triggers. A function with no
// trigger is invoked directly: its whole event is untrusted input.
func functionSources(f *model.Function) []sourcePattern {
	var out []sourcePattern
	if f.URL != nil {
		out = append(out, httpSources...)
	}
	for _, t := range f.Triggers {
		out = append(out, sourcesFor(t)...)
	}
	if len(out) == 0 {
		out = append(out, sourcesByKind[model.TriggerOther]...)
	}
	if isHTTPFunction(f) {
		out = append(out, reqSources...)
	}
	return append(out, contextSources...)
}

func isHTTPFunction(f *model.Function) bool {
	if f.URL != nil {
		return true
	}
	for _, t := range f.Triggers {
		if t.IsHTTP() {
			return true
		}
	}
	return false
}

// match reports whether the pattern covers path (the path is inside an
// attacker-controlled part) or the path contains it (a container holding
// attacker data, like the whole event).
func (p sourcePattern) match(root string, segs []string) (inside, contains bool) {
	if p.root != root {
		return false, false
	}
	ps := p.segs
	if len(ps) == 1 && ps[0] == "" {
		ps = nil
	}
	n := min(len(ps), len(segs))
	for i := 0; i < n; i++ {
		if ps[i] != "*" && segs[i] != "*" && ps[i] != segs[i] {
			return false, false
		}
	}
	if len(segs) >= len(ps) {
		return true, false
	}
	return false, true
}

// TriggersFor returns the triggers of f through which the flow's source is
// attacker-controlled, so rules rate a finding by its most exposed entry. A
// function URL counts as an HTTP trigger. Nil means the source is not tied
// to a trigger (a directly invoked function, or an exception).
func TriggersFor(f *model.Function, source string) []*model.Trigger {
	root, segs := parseLabel(source)
	if root == "" {
		return nil
	}
	var out []*model.Trigger
	if f.URL != nil && (root == "req" || matchesAny(httpSources, root, segs)) {
		out = append(out, &model.Trigger{Kind: model.TriggerHTTP, Type: "FunctionURL", Pos: f.URL.Pos, AuthType: f.URL.AuthType})
	}
	for _, t := range f.Triggers {
		ps := sourcesFor(t)
		if t.IsHTTP() {
			ps = append(append([]sourcePattern(nil), ps...), reqSources...)
		}
		if root == "context" || matchesAny(ps, root, segs) {
			out = append(out, t)
		}
	}
	return out
}

func matchesAny(ps []sourcePattern, root string, segs []string) bool {
	for _, p := range ps {
		if in, con := p.match(root, segs); in || con {
			return true
		}
	}
	return false
}

// parseLabel splits "event.Records[*].body" into its root and segments.
func parseLabel(s string) (string, []string) {
	s = strings.ReplaceAll(s, "[*]", ".*")
	parts := strings.Split(s, ".")
	switch parts[0] {
	case "event", "context", "req":
		return parts[0], parts[1:]
	}
	return "", nil
}

func hasTrigger(f *model.Function, kind model.TriggerKind) bool {
	for _, t := range f.Triggers {
		if t.Kind == kind {
			return true
		}
	}
	return false
}
