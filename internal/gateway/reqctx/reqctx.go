// Package reqctx carries the per-request state that the gateway's middleware
// share: the request id, the matched route, the authenticated identity and the
// decision that the audit log records. It exists so that each middleware can
// live in its own package without importing the others.
package reqctx

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// Identity is who the authentication middleware decided the caller is.
type Identity struct {
	Consumer string         `json:"consumer,omitempty"` // configured consumer name (API key owner) or JWT subject
	Subject  string         `json:"sub,omitempty"`
	Issuer   string         `json:"iss,omitempty"`
	Method   string         `json:"method"` // "jwt", "apikey" or "mtls"
	Scopes   []string       `json:"scopes,omitempty"`
	Roles    []string       `json:"roles,omitempty"`
	Claims   map[string]any `json:"-"`
}

// State is created by the request-id middleware and read by the audit writer
// after the response. Fields written after the handler chain starts are
// guarded by mu because the proxy may finish on another goroutine.
type State struct {
	ID       string
	Start    time.Time
	Route    string // route name from the config, "" when no route matched
	ClientIP string

	mu              sync.Mutex
	identity        *Identity
	decision        string // "allow" (default), "deny", "detect"
	reason          string // machine-readable cause, e.g. "authn.jwt.expired", "waf.942100", "limits.body"
	status          int
	upstreamLatency time.Duration
	hostile         bool
}

type ctxKey struct{}

// With returns a context that carries s.
func With(ctx context.Context, s *State) context.Context { return context.WithValue(ctx, ctxKey{}, s) }

// From returns the request state, or a throwaway State when the middleware
// that creates it did not run (unit tests of a single middleware).
func From(ctx context.Context) *State {
	if s, ok := ctx.Value(ctxKey{}).(*State); ok {
		return s
	}
	return &State{Start: time.Now()}
}

// SetIdentity records the authenticated caller.
func (s *State) SetIdentity(id *Identity) { s.mu.Lock(); s.identity = id; s.mu.Unlock() }

// Identity returns the authenticated caller, or nil.
func (s *State) Identity() *Identity { s.mu.Lock(); defer s.mu.Unlock(); return s.identity }

// Deny records that the gateway refused the request and why. The first reason
// wins: later middleware must not overwrite the cause.
func (s *State) Deny(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.decision != "deny" {
		s.decision, s.reason = "deny", reason
	}
}

// Detect records a rule that matched in detection-only mode.
func (s *State) Detect(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.decision == "" || s.decision == "allow" {
		s.decision, s.reason = "detect", reason
	}
}

// MarkHostile flags the client, for example after it touched a decoy route.
func (s *State) MarkHostile(reason string) {
	s.mu.Lock()
	s.hostile = true
	if s.reason == "" {
		s.reason = reason
	}
	s.mu.Unlock()
}

// SetStatus records the status code sent to the client.
func (s *State) SetStatus(code int) { s.mu.Lock(); s.status = code; s.mu.Unlock() }

// SetUpstreamLatency records how long the upstream took.
func (s *State) SetUpstreamLatency(d time.Duration) {
	s.mu.Lock()
	s.upstreamLatency = d
	s.mu.Unlock()
}

// Snapshot is a consistent copy of the mutable fields.
type Snapshot struct {
	Decision        string
	Reason          string
	Status          int
	UpstreamLatency time.Duration
	Hostile         bool
	Identity        *Identity
}

// Snapshot returns the mutable fields under the lock.
func (s *State) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.decision
	if d == "" {
		d = "allow"
	}
	return Snapshot{Decision: d, Reason: s.reason, Status: s.status, UpstreamLatency: s.upstreamLatency, Hostile: s.hostile, Identity: s.identity}
}

// Reject writes the gateway's one error shape: a short JSON body with a
// generic message and the request id, never internal detail. It records the
// denial reason for the audit log. Extra headers (Retry-After,
// WWW-Authenticate) must be set on w before calling it.
func Reject(w http.ResponseWriter, r *http.Request, status int, reason, message string) {
	s := From(r.Context())
	s.Deny(reason)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Del("Content-Length")
	w.WriteHeader(status)
	_, _ = w.Write(ErrorBody(message, s.ID))
}

// ErrorBody is the JSON body of the gateway's one error shape, newline
// included. Reject writes it; the response filter uses it when it replaces an
// upstream error body.
func ErrorBody(message, requestID string) []byte {
	b, _ := json.Marshal(struct {
		Error     string `json:"error"`
		RequestID string `json:"request_id,omitempty"`
	}{message, requestID})
	return append(b, '\n')
}
