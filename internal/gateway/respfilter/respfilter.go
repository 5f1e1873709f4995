// Package respfilter keeps internals out of responses: it replaces error
// bodies that carry stack traces or exception text with a generic message and
// the request id, strips headers that name the server stack, and adds the
// security headers an API response should carry. A stack trace tells an
// attacker the runtime, framework, file layout and often the query that
// failed; the request id lets an operator find the real error in the logs.
package respfilter

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wardensec/warden/internal/gateway/confpath"
	"github.com/wardensec/warden/internal/gateway/reqctx"
)

// Config is the response_filter section.
type Config struct {
	// HSTSMaxAge for Strict-Transport-Security on TLS listeners; default one
	// year. Negative disables the header.
	HSTSMaxAge time.Duration `yaml:"hsts_max_age"`
	// ContentSecurityPolicy for every response; an API serves no documents,
	// so the default forbids everything including framing.
	ContentSecurityPolicy string `yaml:"content_security_policy"`
	ReferrerPolicy        string `yaml:"referrer_policy"`
	// ReplaceAllErrors replaces every 5xx body, not only those that look
	// like a stack trace.
	ReplaceAllErrors bool `yaml:"replace_all_errors"`
	// MaxInspectBytes is how much of an error body is held and scanned.
	MaxInspectBytes int `yaml:"max_inspect_bytes"`
}

// RouteConfig overrides the filter for one route.
type RouteConfig struct {
	Disabled         bool  `yaml:"disabled"`
	ReplaceAllErrors *bool `yaml:"replace_all_errors"`
}

// Validate checks the section.
func (c *Config) Validate() error {
	var errs []error
	if c.MaxInspectBytes < 0 {
		errs = append(errs, confpath.Errorf("max_inspect_bytes", "must not be negative"))
	}
	if strings.ContainsAny(c.ContentSecurityPolicy, "\r\n") {
		errs = append(errs, confpath.Errorf("content_security_policy", "must be one line"))
	}
	if strings.ContainsAny(c.ReferrerPolicy, "\r\n") {
		errs = append(errs, confpath.Errorf("referrer_policy", "must be one line"))
	}
	return errors.Join(errs...)
}

// Options are process-level dependencies.
type Options struct{ Logger *slog.Logger }

// Middleware is one config generation of the stage.
type Middleware struct {
	cfg  Config
	hsts string
	log  *slog.Logger
	// The security headers' values, built once. secure runs twice per
	// response; Header.Set would allocate a fresh slice for each of them
	// every time. Each slice has cap == len, so a later Add (the proxy
	// copying an upstream's header of the same name) reallocates instead
	// of writing into the shared array.
	nosniff, deny, csp, referrer, hstsVal []string
}

// New builds the stage.
func New(cfg Config, opts Options) (*Middleware, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.HSTSMaxAge == 0 {
		cfg.HSTSMaxAge = 365 * 24 * time.Hour
	}
	if cfg.ContentSecurityPolicy == "" {
		cfg.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'"
	}
	if cfg.ReferrerPolicy == "" {
		cfg.ReferrerPolicy = "no-referrer"
	}
	if cfg.MaxInspectBytes == 0 {
		cfg.MaxInspectBytes = 64 << 10
	}
	m := &Middleware{cfg: cfg, log: opts.Logger}
	if cfg.HSTSMaxAge > 0 {
		m.hsts = "max-age=" + strconv.Itoa(int(cfg.HSTSMaxAge/time.Second)) + "; includeSubDomains"
	}
	one := func(v string) []string { return []string{v}[:1:1] }
	m.nosniff, m.deny, m.csp, m.referrer, m.hstsVal = one("nosniff"), one("DENY"), one(cfg.ContentSecurityPolicy), one(cfg.ReferrerPolicy), one(m.hsts)
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	return m, nil
}

// Close releases nothing.
func (m *Middleware) Close() error { return nil }

// leaky are response headers that name the server stack.
var leaky = []string{"Server", "X-Powered-By", "X-Aspnet-Version", "X-Aspnetmvc-Version", "X-Runtime", "X-Generator"}

func (m *Middleware) secure(h http.Header, tls bool) {
	// The names are canonical already: plain map operations skip the
	// canonicalisation that Header.Del and Header.Set repeat.
	for _, k := range leaky {
		delete(h, k)
	}
	h["X-Content-Type-Options"] = m.nosniff
	h["X-Frame-Options"] = m.deny
	h["Content-Security-Policy"] = m.csp
	h["Referrer-Policy"] = m.referrer
	if tls && m.hsts != "" {
		h["Strict-Transport-Security"] = m.hstsVal
	}
}

// Headers sets the security headers on every response, including the
// gateway's own refusals that never reach a route. It goes near the front of
// the chain; Wrap enforces them again after the upstream's headers arrive.
func (m *Middleware) Headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.secure(w.Header(), r.TLS != nil)
		next.ServeHTTP(w, r)
	})
}

// traceRe matches stack traces and exception text of common runtimes.
var traceRe = regexp.MustCompile(strings.Join([]string{
	`Traceback \(most recent call last\)`,                                                             // Python
	`File "[^"\n]+", line \d+`,                                                                        // Python frame
	`\bat [\w$.<>]+\([\w$]+\.(?:java|kt|scala|groovy):\d+\)`,                                          // JVM frame
	`\bat [\w$.<>]+\((?:Native Method|Unknown Source)\)`,                                              // JVM frame
	`Exception in thread "`,                                                                           // JVM
	`\b(?:java|javax|kotlin|org|com|io|net)\.[\w.$]+(?:Exception|Error)\b`,                            // JVM class
	`\bat (?:async )?[\w$.<>\[\] ]*\(?(?:/|[A-Za-z]:\\|file:|node:)[^\s()]+\.[cm]?[jt]sx?:\d+:\d+\)?`, // Node frame
	`\bat [^\s()]+\.[cm]?[jt]s:\d+:\d+`,                                                               // Node frame without function
	`(?:TypeError|ReferenceError|SyntaxError|RangeError): [^\n]+\n\s+at `,                             // Node error head
	`goroutine \d+ \[[a-z ]+\]:`,                                                                      // Go
	`(?m)^panic: `,                                                                                    // Go
	`\bpanic: runtime error`,                                                                          // Go
	`\bat [\w.<>` + "`" + `]+\([^)]*\) in [^\n]+:line \d+`,                                            // .NET frame
	`\bSystem\.[\w.]+Exception\b`,                                                                     // .NET
	`--- End of (?:inner exception )?stack trace`,                                                     // .NET
	`Unhandled [Ee]xception`,                                                                          // .NET / Node
	`(?:Fatal error|Parse error|Warning): .{1,300} in /[^\s]+ on line \d+`,                            // PHP
	`Stack trace:\s*\n#0 `,                                                                            // PHP
	`from /[^\s:]+\.rb:\d+:in `,                                                                       // Ruby
	`\.rb:\d+:in [` + "`'" + `]`,                                                                      // Ruby frame
	`\bSQLSTATE\[`,                                                                                    // PDO SQL error
	`\bORA-\d{5}\b`,                                                                                   // Oracle
	`You have an error in your SQL syntax`,                                                            // MySQL
}, "|"))

// LooksLikeTrace reports whether b carries a stack trace or exception text.
func LooksLikeTrace(b []byte) bool { return traceRe.Match(b) }

// Wrap returns the handler around the proxy for one route.
func (m *Middleware) Wrap(route string, rc RouteConfig, next http.Handler) (http.Handler, error) {
	if rc.Disabled {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(&headerOnly{ResponseWriter: w, m: m, tls: r.TLS != nil}, r)
		}), nil
	}
	all := m.cfg.ReplaceAllErrors
	if rc.ReplaceAllErrors != nil {
		all = *rc.ReplaceAllErrors
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fw := &filterWriter{ResponseWriter: w, m: m, r: r, all: all, route: route}
		next.ServeHTTP(fw, r)
		fw.finish()
	}), nil
}

// headerOnly enforces headers without touching bodies.
type headerOnly struct {
	http.ResponseWriter
	m    *Middleware
	tls  bool
	done bool
}

func (h *headerOnly) WriteHeader(code int) {
	if !h.done && code >= 200 {
		h.done = true
		h.m.secure(h.Header(), h.tls)
	}
	h.ResponseWriter.WriteHeader(code)
}

func (h *headerOnly) Write(p []byte) (int, error) {
	if !h.done {
		h.WriteHeader(http.StatusOK)
	}
	return h.ResponseWriter.Write(p)
}

func (h *headerOnly) Unwrap() http.ResponseWriter { return h.ResponseWriter }

type mode int

const (
	passThrough mode = iota
	holding          // error response: body held for inspection
	replacing        // decided to replace: upstream body discarded
)

type filterWriter struct {
	http.ResponseWriter
	m       *Middleware
	r       *http.Request
	route   string
	all     bool
	code    int
	mode    mode
	buf     bytes.Buffer
	started bool
}

func (f *filterWriter) WriteHeader(code int) {
	if f.started || code < 200 {
		if code < 200 {
			f.ResponseWriter.WriteHeader(code) // 1xx passes through
		}
		return
	}
	f.started = true
	f.code = code
	h := f.Header()
	f.m.secure(h, f.r.TLS != nil)
	if code < 400 {
		f.ResponseWriter.WriteHeader(code)
		return
	}
	h.Set("Cache-Control", "no-store")
	if f.all && code >= 500 {
		f.mode = replacing
		return
	}
	f.mode = holding
}

func (f *filterWriter) Write(p []byte) (int, error) {
	if !f.started {
		f.WriteHeader(http.StatusOK)
	}
	switch f.mode {
	case replacing:
		return len(p), nil
	case holding:
		f.buf.Write(p)
		if f.buf.Len() > f.m.cfg.MaxInspectBytes {
			if f.decide() {
				return len(p), nil
			}
		}
		return len(p), nil
	}
	return f.ResponseWriter.Write(p)
}

// decide scans the held body; it either switches to replacing or releases
// the held bytes and passes the rest through. It reports whether the body
// is being replaced.
func (f *filterWriter) decide() bool {
	if f.leaks() {
		f.mode = replacing
		return true
	}
	f.mode = passThrough
	f.ResponseWriter.WriteHeader(f.code)
	_, _ = f.ResponseWriter.Write(f.buf.Bytes())
	f.buf.Reset()
	return false
}

func (f *filterWriter) leaks() bool {
	body := f.buf.Bytes()
	if len(body) > f.m.cfg.MaxInspectBytes {
		body = body[:f.m.cfg.MaxInspectBytes]
	}
	switch ce := strings.ToLower(f.Header().Get("Content-Encoding")); ce {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(f.buf.Bytes()))
		if err != nil {
			return f.code >= 500 // cannot read it: do not vouch for it
		}
		plain, _ := io.ReadAll(io.LimitReader(zr, int64(f.m.cfg.MaxInspectBytes)))
		body = plain
	default:
		return f.code >= 500
	}
	return LooksLikeTrace(body)
}

// finish runs after the proxy returns: a held body is judged and written.
func (f *filterWriter) finish() {
	if !f.started {
		return
	}
	if f.mode == holding {
		if !f.decide() {
			return
		}
	}
	if f.mode != replacing {
		return
	}
	st := reqctx.From(f.r.Context())
	st.Detect("respfilter.error_body")
	f.m.log.Warn("upstream error body replaced", "request_id", st.ID, "route", f.route, "status", f.code)
	h := f.Header()
	for _, k := range []string{"Content-Length", "Content-Encoding", "Content-Type", "Etag", "Last-Modified", "Content-Disposition", "Content-Range", "Trailer"} {
		h.Del(k)
	}
	msg := "internal error"
	if f.code < 500 {
		msg = "request failed"
	}
	b := reqctx.ErrorBody(msg, st.ID)
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	f.ResponseWriter.WriteHeader(f.code)
	_, _ = f.ResponseWriter.Write(b)
}

// Flush passes through only when the body is not held: a held body must not
// reach the client before it is judged.
func (f *filterWriter) Flush() {
	if f.mode == passThrough && f.started {
		_ = http.NewResponseController(f.ResponseWriter).Flush()
	}
}

// FlushError is what http.ResponseController calls; it keeps the same rule
// as Flush, so that the proxy's streaming flushes cannot leak a held body.
func (f *filterWriter) FlushError() error {
	if f.mode == passThrough && f.started {
		return http.NewResponseController(f.ResponseWriter).Flush()
	}
	return nil
}

// Unwrap lets http.ResponseController reach deadlines and hijacking; its
// flushes stop at FlushError above.
func (f *filterWriter) Unwrap() http.ResponseWriter { return f.ResponseWriter }
