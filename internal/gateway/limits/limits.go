// Package limits is the gateway's first line: it refuses requests whose
// framing is ambiguous, whose headers, URL or body are too large, or whose
// JSON is too deep or too wide, before any costlier stage (schema, WAF)
// spends CPU on them. Coraza stops inspecting arguments past its own limit,
// so a request the WAF could not fully see must be refused here first.
package limits

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/wardensec/warden/internal/gateway/confpath"
	"github.com/wardensec/warden/internal/gateway/framing"
	"github.com/wardensec/warden/internal/gateway/reqctx"
)

// Defaults are deliberately tighter than net/http's (1 MiB of headers, no body
// limit, 10,000 levels of JSON nesting).
const (
	DefaultMaxHeaderBytes  = 32 << 10
	DefaultMaxURLBytes     = 8 << 10
	DefaultMaxBodyBytes    = 1 << 20
	DefaultMaxJSONDepth    = 32
	DefaultMaxJSONElements = 10000
	// maxNumberLen bounds a JSON number literal: longer ones only serve to
	// make big-number arithmetic in later stages expensive.
	maxNumberLen = 64
)

// Config is the limits section.
type Config struct {
	MaxHeaderBytes  int   `yaml:"max_header_bytes"`
	MaxURLBytes     int   `yaml:"max_url_bytes"`
	MaxBodyBytes    int64 `yaml:"max_body_bytes"`
	MaxJSONDepth    int   `yaml:"max_json_depth"`
	MaxJSONElements int   `yaml:"max_json_elements"`
	// AllowContentEncoding lets compressed request bodies through. Off by
	// default: a gzip bomb expands past every size check downstream.
	AllowContentEncoding bool `yaml:"allow_content_encoding"`
}

// RouteConfig overrides the body limits for one route (zero = inherit).
type RouteConfig struct {
	MaxBodyBytes    int64 `yaml:"max_body_bytes"`
	MaxJSONDepth    int   `yaml:"max_json_depth"`
	MaxJSONElements int   `yaml:"max_json_elements"`
}

func nonNeg(path string, v int64) error {
	if v < 0 {
		return confpath.Errorf(path, "must not be negative, got %d", v)
	}
	return nil
}

// Validate checks the section.
func (c *Config) Validate() error {
	return errors.Join(
		nonNeg("max_header_bytes", int64(c.MaxHeaderBytes)),
		nonNeg("max_url_bytes", int64(c.MaxURLBytes)),
		nonNeg("max_body_bytes", c.MaxBodyBytes),
		nonNeg("max_json_depth", int64(c.MaxJSONDepth)),
		nonNeg("max_json_elements", int64(c.MaxJSONElements)),
	)
}

// Validate checks the per-route overrides.
func (c *RouteConfig) Validate() error {
	return errors.Join(
		nonNeg("max_body_bytes", c.MaxBodyBytes),
		nonNeg("max_json_depth", int64(c.MaxJSONDepth)),
		nonNeg("max_json_elements", int64(c.MaxJSONElements)),
	)
}

// WithDefaults fills zero fields.
func (c Config) WithDefaults() Config {
	if c.MaxHeaderBytes == 0 {
		c.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if c.MaxURLBytes == 0 {
		c.MaxURLBytes = DefaultMaxURLBytes
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.MaxJSONDepth == 0 {
		c.MaxJSONDepth = DefaultMaxJSONDepth
	}
	if c.MaxJSONElements == 0 {
		c.MaxJSONElements = DefaultMaxJSONElements
	}
	return c
}

// Options is empty today; it keeps New's signature in line with the other
// middleware.
type Options struct{}

// Middleware is one config generation of the stage.
type Middleware struct{ cfg Config }

// New builds the stage.
func New(cfg Config, _ Options) (*Middleware, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Middleware{cfg: cfg.WithDefaults()}, nil
}

// Close releases nothing.
func (m *Middleware) Close() error { return nil }

// MaxHeaderBytes is what the server should use for http.Server.MaxHeaderBytes,
// so that oversized headers are refused (431) before a handler runs.
func (m *Middleware) MaxHeaderBytes() int { return m.cfg.MaxHeaderBytes }

// Outer returns the route-independent checks: framing, header and URL size.
//
// net/http already handles most framing attacks before a handler runs: it
// answers 400 to differing duplicate Content-Length values, 501 to any
// Transfer-Encoding other than a single "chunked", and when both
// Transfer-Encoding and Content-Length arrive it drops Content-Length (RFC
// 9112 §6.3) and reads the chunked body. Because it normalises them, the
// gateway's listeners check each head below net/http (package framing) and
// hand over a stand-in request for a refused one; it is answered here, so
// that the refusal has the gateway's error shape and its audit record. The
// checks on the parsed request catch what survives, for example from
// another server or protocol feeding this handler, so that the gateway never
// forwards a request whose length is ambiguous.
func (m *Middleware) Outer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if status, reason, msg := m.framing(r); status != 0 {
			w.Header().Set("Connection", "close")
			reqctx.Reject(w, r, status, reason, msg)
			return
		}
		if len(r.RequestURI) > m.cfg.MaxURLBytes || len(r.URL.RawQuery)+len(r.URL.Path) > m.cfg.MaxURLBytes {
			reqctx.Reject(w, r, http.StatusRequestURITooLong, "limits.url", "request URI too long")
			return
		}
		if headerBytes(r) > m.cfg.MaxHeaderBytes {
			reqctx.Reject(w, r, http.StatusRequestHeaderFieldsTooLarge, "limits.header", "request headers too large")
			return
		}
		if !m.cfg.AllowContentEncoding {
			if ce := r.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
				reqctx.Reject(w, r, http.StatusUnsupportedMediaType, "limits.content_encoding", "compressed request bodies are not accepted")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (m *Middleware) framing(r *http.Request) (int, string, string) {
	// The listener's wrapper refused this head before net/http could
	// normalise it (package framing); this request stands in for it.
	if rej := framing.FromContext(r.Context()); rej != nil {
		return http.StatusBadRequest, "limits." + rej.Reason, rej.Message()
	}
	cls := r.Header.Values("Content-Length")
	if len(cls) > 1 {
		return http.StatusBadRequest, "limits.framing.duplicate_length", "ambiguous request framing"
	}
	if len(cls) == 1 {
		if _, err := strconv.ParseUint(cls[0], 10, 63); err != nil || strings.ContainsAny(cls[0], "+-, ") {
			return http.StatusBadRequest, "limits.framing.bad_length", "ambiguous request framing"
		}
	}
	if len(r.TransferEncoding) > 0 {
		if len(cls) > 0 {
			return http.StatusBadRequest, "limits.framing.length_and_chunked", "ambiguous request framing"
		}
		if len(r.TransferEncoding) != 1 || !strings.EqualFold(r.TransferEncoding[0], "chunked") {
			return http.StatusBadRequest, "limits.framing.transfer_encoding", "ambiguous request framing"
		}
	}
	if _, ok := r.Header["Transfer-Encoding"]; ok {
		// net/http consumes this header; seeing it means the request did not
		// come through net/http's HTTP/1 parser and its framing is unknown.
		return http.StatusBadRequest, "limits.framing.transfer_encoding", "ambiguous request framing"
	}
	return 0, "", ""
}

func headerBytes(r *http.Request) int {
	n := len(r.Host)
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	for k, vs := range r.Trailer {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

func (m *Middleware) effective(rc RouteConfig) RouteConfig {
	if rc.MaxBodyBytes == 0 {
		rc.MaxBodyBytes = m.cfg.MaxBodyBytes
	}
	if rc.MaxJSONDepth == 0 {
		rc.MaxJSONDepth = m.cfg.MaxJSONDepth
	}
	if rc.MaxJSONElements == 0 {
		rc.MaxJSONElements = m.cfg.MaxJSONElements
	}
	return rc
}

// Wrap returns the per-route body checks. The body is read once, bounded by
// the route's limit, and replaced by an in-memory copy with GetBody set: the
// validator reads it again, the WAF inspects it, and the proxy can replay it
// on a retry. A JSON body is then scanned once for its structure (depth,
// element count, numbers) and syntax; the scan allocates nothing, and the
// body limit bounds what a nesting bomb can make the gateway read.
func (m *Middleware) Wrap(_ string, rc RouteConfig, next http.Handler) (http.Handler, error) {
	if err := rc.Validate(); err != nil {
		return nil, err
	}
	lim := m.effective(rc)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > lim.MaxBodyBytes {
			w.Header().Set("Connection", "close")
			reqctx.Reject(w, r, http.StatusRequestEntityTooLarge, "limits.body", "request body too large")
			return
		}
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			next.ServeHTTP(w, r)
			return
		}
		body := http.MaxBytesReader(w, r.Body, lim.MaxBodyBytes)
		var buf bytes.Buffer
		if r.ContentLength > 0 {
			buf.Grow(int(r.ContentLength))
		}
		_, err := io.Copy(&buf, body)
		if err == nil && isJSON(r.Header.Get("Content-Type")) {
			err = checkJSON(buf.Bytes(), lim)
		}
		if err != nil {
			rejectBody(w, r, err)
			return
		}
		data := buf.Bytes()
		r.Body = io.NopCloser(bytes.NewReader(data))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		r.ContentLength = int64(len(data))
		r.TransferEncoding = nil
		r.Header.Set("Content-Length", strconv.Itoa(len(data)))
		next.ServeHTTP(w, r)
	}), nil
}

// jsonError is a structural refusal with its own status and reason.
type jsonError struct {
	status int
	reason string
	msg    string
}

func (e *jsonError) Error() string { return e.msg }

func rejectBody(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	var je *jsonError
	switch {
	case errors.As(err, &mbe):
		w.Header().Set("Connection", "close")
		reqctx.Reject(w, r, http.StatusRequestEntityTooLarge, "limits.body", "request body too large")
	case errors.As(err, &je):
		reqctx.Reject(w, r, je.status, je.reason, je.msg)
	case errors.Is(err, io.ErrUnexpectedEOF) || isSyntax(err):
		reqctx.Reject(w, r, http.StatusBadRequest, "limits.json.syntax", "request body is not valid JSON")
	default:
		// Client went away or sent a malformed chunk.
		w.Header().Set("Connection", "close")
		reqctx.Reject(w, r, http.StatusBadRequest, "limits.body.read", "request body could not be read")
	}
}

func isSyntax(err error) bool {
	var se *json.SyntaxError
	var ue *json.UnmarshalTypeError
	return errors.As(err, &se) || errors.As(err, &ue)
}

func isJSON(ct string) bool {
	if ct == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// errJSONSyntax is any syntax error found by checkJSON.
var errJSONSyntax = &jsonError{http.StatusBadRequest, "limits.json.syntax", "request body is not valid JSON"}

// checkJSON checks one JSON document for the structural limits and its
// syntax. It counts what encoding/json's tokenizer would return as tokens
// (an opening bracket, a key, a scalar) and stops at the first limit
// exceeded; syntax is then confirmed by json.Valid. Both passes allocate
// nothing, unlike json.Decoder.Token, which was the gateway's costliest
// step on a small JSON request. An empty or all-whitespace body passes: the
// schema decides whether a body is required.
func checkJSON(b []byte, lim RouteConfig) error {
	depth, elems := 0, 0
	blank := true
	i := 0
	for i < len(b) {
		c := b[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		blank = false
		switch {
		case c == ',' || c == ':':
			i++
			continue
		case c == '{' || c == '[':
			depth++
			if depth > lim.MaxJSONDepth {
				return &jsonError{http.StatusBadRequest, "limits.json.depth", "JSON nesting too deep"}
			}
			i++
		case c == '}' || c == ']':
			depth--
			i++
			continue
		case c == '"':
			j := skipString(b, i+1)
			if j < 0 {
				return errJSONSyntax
			}
			i = j
		case c == '-' || ('0' <= c && c <= '9'):
			j, exp := i+1, false
			for j < len(b) && isNumberByte(b[j]) {
				exp = exp || b[j] == 'e' || b[j] == 'E'
				j++
			}
			if j-i > maxNumberLen {
				return &jsonError{http.StatusBadRequest, "limits.json.number", "JSON number too long"}
			}
			// Without an exponent, 64 digits cannot leave float64's range.
			if exp {
				if _, err := strconv.ParseFloat(string(b[i:j]), 64); err != nil {
					if errors.Is(err, strconv.ErrRange) {
						return &jsonError{http.StatusBadRequest, "limits.json.number", "JSON number out of range"}
					}
					return errJSONSyntax
				}
			}
			i = j
		default:
			j := i
			for j < len(b) && 'a' <= b[j] && b[j] <= 'z' {
				j++
			}
			if j == i {
				return errJSONSyntax
			}
			i = j
		}
		elems++
		if elems > lim.MaxJSONElements {
			return &jsonError{http.StatusRequestEntityTooLarge, "limits.json.elements", "JSON document has too many elements"}
		}
	}
	if blank {
		return nil
	}
	if !json.Valid(b) {
		return errJSONSyntax
	}
	return nil
}

// skipString returns the index just past the closing quote of the string
// whose contents start at b[i], or -1 when it does not end.
func skipString(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case '"':
			return i + 1
		case '\\':
			i += 2
		default:
			i++
		}
	}
	return -1
}

func isNumberByte(c byte) bool {
	return '0' <= c && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'
}
