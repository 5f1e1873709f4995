// Package requestid is the gateway's second stage: it gives every request an
// id, creates the reqctx.State the later stages fill in, derives the client IP
// and, when the handler chain returns, writes the audit record. It writes the
// record before the response can complete, so that a client never holds a
// complete answer that the audit log lacks.
package requestid

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/wardensec/warden/internal/gateway/auditrec"
	"github.com/wardensec/warden/internal/gateway/confpath"
	"github.com/wardensec/warden/internal/gateway/proxynet"
	"github.com/wardensec/warden/internal/gateway/reqctx"
)

// Config is the request_id section of gateway.yaml.
type Config struct {
	// Header carries the id back to the client and on to the upstream.
	Header string `yaml:"header"`
	// TrustIncoming keeps a well-formed id sent by a trusted proxy, so that a
	// request can be followed across a load balancer and the gateway.
	TrustIncoming bool `yaml:"trust_incoming"`
	// TrustedProxies lists the CIDRs whose X-Forwarded-For is believed. A
	// peer outside the list is the client, whatever headers it sends, so a
	// spoofed X-Forwarded-For cannot change the audited client IP.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// OnRecordError is "abort" (default) or "log". With "abort" the
	// connection is reset when the audit record cannot be written, so the
	// client never receives a complete response that is not in the log.
	OnRecordError string `yaml:"on_record_error"`
}

// Validate checks the section.
func (c *Config) Validate() error {
	var errs []error
	if c.Header != "" && !validHeaderName(c.Header) {
		errs = append(errs, confpath.Errorf("header", "%q is not a valid header name", c.Header))
	}
	for i, p := range c.TrustedProxies {
		if _, err := proxynet.ParsePrefix(p); err != nil {
			errs = append(errs, confpath.Errorf(fmt.Sprintf("trusted_proxies[%d]", i), "%v", err))
		}
	}
	switch c.OnRecordError {
	case "", "abort", "log":
	default:
		errs = append(errs, confpath.Errorf("on_record_error", "must be \"abort\" or \"log\", not %q", c.OnRecordError))
	}
	return errors.Join(errs...)
}

func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// Options are the process-level dependencies.
type Options struct {
	Recorder auditrec.Recorder // nil: no audit
	Logger   *slog.Logger
}

// Middleware is one generation of the stage.
type Middleware struct {
	header  string
	trusted proxynet.Trusted
	trust   bool
	abort   bool
	rec     auditrec.Recorder
	log     *slog.Logger
}

// New builds the stage.
func New(cfg Config, opts Options) (*Middleware, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Middleware{header: cfg.Header, trust: cfg.TrustIncoming, abort: cfg.OnRecordError != "log", rec: opts.Recorder, log: opts.Logger}
	if m.header == "" {
		m.header = "X-Request-Id"
	}
	m.header = http.CanonicalHeaderKey(m.header)
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	m.trusted, _ = proxynet.Parse(cfg.TrustedProxies) // checked by Validate
	return m, nil
}

// Close releases nothing: the recorder belongs to the process, not to one
// config generation, because the audit hash chain must outlive reloads.
func (m *Middleware) Close() error { return nil }

// Header is the canonical name of the request-id header.
func (m *Middleware) Header() string { return m.header }

// NewID returns 24 hex characters of crypto randomness: unguessable, so an
// id in a log cannot be used to probe for other requests.
func NewID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func validIncomingID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c == '-' || c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// ClientIP returns the caller's address: the TCP peer, or when the peer is a
// trusted proxy, the right-most X-Forwarded-For entry that is not itself a
// trusted proxy (entries to its left are written by the client and can lie).
func (m *Middleware) ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	if !m.trusted.Contains(peer) {
		return peer.String()
	}
	// Walk the entries right to left in place: splitting them into a slice
	// first cost allocations on every proxied request.
	xff := r.Header.Values("X-Forwarded-For")
	for vi := len(xff) - 1; vi >= 0; vi-- {
		rest := xff[vi]
		for more := true; more; {
			var hop string
			if i := strings.LastIndexByte(rest, ','); i >= 0 {
				hop, rest = rest[i+1:], rest[:i]
			} else {
				hop, more = rest, false
			}
			a, err := netip.ParseAddr(strings.TrimSpace(hop))
			if err != nil {
				return peer.String() // garbage: stop believing the chain here
			}
			a = a.Unmap()
			if !m.trusted.Contains(a) {
				return a.String()
			}
		}
	}
	return peer.String()
}

// Wrap returns the stage around next. It is route-independent: it runs before
// routing so that requests that match no route are audited too.
func (m *Middleware) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &reqctx.State{Start: time.Now(), ClientIP: m.ClientIP(r)}
		if m.trust {
			if id := r.Header.Get(m.header); validIncomingID(id) && m.peerTrusted(r) {
				st.ID = id
			}
		}
		if st.ID == "" {
			st.ID = NewID()
		}
		r.Header.Set(m.header, st.ID) // the upstream sees the same id
		w.Header().Set(m.header, st.ID)
		r = r.WithContext(reqctx.With(r.Context(), st))
		aw := &auditWriter{ResponseWriter: w, remaining: -1}
		panicked := true
		defer func() {
			if panicked {
				// The server will reset the connection; still record the
				// attempt, then let the panic continue.
				if aw.status == 0 {
					aw.status = http.StatusInternalServerError
				}
				m.record(r, st, aw)
				return
			}
		}()
		next.ServeHTTP(aw, r)
		panicked = false
		if aw.status == 0 {
			aw.status = http.StatusOK // nothing written: net/http sends 200
		}
		if err := m.record(r, st, aw); err != nil && m.abort {
			// The held-back byte is never sent, and the reset tells the
			// client the response is incomplete.
			panic(http.ErrAbortHandler)
		}
		aw.release()
	})
}

func (m *Middleware) peerTrusted(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	a, err := netip.ParseAddr(host)
	return err == nil && m.trusted.Contains(a.Unmap())
}

func (m *Middleware) record(r *http.Request, st *reqctx.State, aw *auditWriter) error {
	st.SetStatus(aw.status)
	if m.rec == nil {
		return nil
	}
	snap := st.Snapshot()
	rec := auditrec.Record{
		ID:              st.ID,
		Time:            st.Start.UTC(),
		Route:           st.Route,
		ClientIP:        st.ClientIP,
		Method:          r.Method,
		Path:            truncate(r.URL.Path, 2048),
		Decision:        snap.Decision,
		Reason:          snap.Reason,
		Status:          aw.status,
		Latency:         time.Since(st.Start),
		UpstreamLatency: snap.UpstreamLatency,
		Hostile:         snap.Hostile,
	}
	if id := snap.Identity; id != nil {
		rec.Consumer = id.Consumer
		if rec.Consumer == "" {
			rec.Consumer = id.Subject
		}
	}
	// The client going away must not cancel the write of its record.
	err := m.rec.Record(context.WithoutCancel(r.Context()), rec)
	if err != nil {
		m.log.Error("audit record not written", "request_id", st.ID, "err", err)
		return fmt.Errorf("requestid: record %s: %w", st.ID, err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// auditWriter captures the status and, when the response declares a
// Content-Length, holds back its last byte until the audit record is written:
// until then the client cannot see a complete response. Without a declared
// length the response ends only when the handler returns (chunked terminator
// or a length computed by net/http), which is after the record.
type auditWriter struct {
	http.ResponseWriter
	status    int
	remaining int64 // bytes of the declared Content-Length still to write; -1 unknown
	held      []byte
}

func (a *auditWriter) WriteHeader(code int) {
	if a.status == 0 && code >= 200 {
		a.status = code
		if cl := a.Header().Get("Content-Length"); cl != "" {
			if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n >= 0 {
				a.remaining = n
			}
		}
	}
	a.ResponseWriter.WriteHeader(code)
}

func (a *auditWriter) Write(p []byte) (int, error) {
	if a.status == 0 {
		a.WriteHeader(http.StatusOK)
	}
	if a.remaining < 0 || len(p) == 0 {
		return a.ResponseWriter.Write(p)
	}
	if int64(len(p)) >= a.remaining && a.remaining > 0 && a.held == nil {
		// This write completes the declared body: keep its last byte.
		k := int(a.remaining) - 1
		n, err := a.ResponseWriter.Write(p[:k])
		if err != nil {
			return n, err
		}
		a.held = []byte{p[k]}
		a.remaining = 0
		if len(p) > k+1 {
			return k + 1, http.ErrContentLength
		}
		return len(p), nil
	}
	n, err := a.ResponseWriter.Write(p)
	a.remaining -= int64(n)
	return n, err
}

func (a *auditWriter) release() {
	if a.held != nil {
		_, _ = a.ResponseWriter.Write(a.held)
		a.held = nil
	}
}

// Flush passes through; a held-back byte stays held.
func (a *auditWriter) Flush() {
	_ = http.NewResponseController(a.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection.
func (a *auditWriter) Unwrap() http.ResponseWriter { return a.ResponseWriter }
