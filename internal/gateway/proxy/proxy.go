// Package proxy forwards allowed requests to the function. It is
// httputil.ReverseProxy with a pooled Transport, bounded upstream time,
// retries only where a retry cannot duplicate a side effect (idempotent
// method and a body that can be replayed), and optional SigV4 signing so that
// a Lambda function URL with AWS_IAM auth is reachable only through the
// gateway.
package proxy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/wardensec/warden/internal/gateway/confpath"
	"github.com/wardensec/warden/internal/gateway/reqctx"
)

// Config is the proxy section: the shared upstream Transport.
type Config struct {
	DialTimeout           time.Duration `yaml:"dial_timeout"`
	ResponseHeaderTimeout time.Duration `yaml:"response_header_timeout"`
	// Timeout bounds a whole upstream exchange, retries included.
	Timeout             time.Duration `yaml:"timeout"`
	IdleConnTimeout     time.Duration `yaml:"idle_conn_timeout"`
	MaxIdleConnsPerHost int           `yaml:"max_idle_conns_per_host"`
	// Retries is how many times a failed idempotent request is tried again
	// (connection errors only: a response, even a 5xx, is never retried).
	Retries      int           `yaml:"retries"`
	RetryBackoff time.Duration `yaml:"retry_backoff"`
}

// SigV4 signs upstream requests with AWS Signature Version 4. Credentials
// come from the environment, never from the config file, so the file can be
// committed and the secret stays in the deployment's secret store.
type SigV4 struct {
	Region  string `yaml:"region"`
	Service string `yaml:"service"` // default "lambda"
	// Names of the environment variables holding the credentials; default
	// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
	AccessKeyIDEnv     string `yaml:"access_key_id_env"`
	SecretAccessKeyEnv string `yaml:"secret_access_key_env"`
	SessionTokenEnv    string `yaml:"session_token_env"`
}

// RouteConfig is the per-route proxy setting.
type RouteConfig struct {
	Timeout *time.Duration `yaml:"timeout"`
	Retries *int           `yaml:"retries"`
	// StripPrefix is removed from the request path before it is joined to
	// the upstream URL's path.
	StripPrefix  string `yaml:"strip_prefix"`
	PreserveHost bool   `yaml:"preserve_host"`
	SigV4        *SigV4 `yaml:"sigv4"`

	// Upstream is the route's upstream URL; the config loader copies it
	// from the route, where it is a required field.
	Upstream string `yaml:"-"`
}

// ValidateUpstream checks an upstream URL.
func ValidateUpstream(s string) error {
	if s == "" {
		return errors.New("required")
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q: scheme must be http or https", s)
	}
	if u.Host == "" {
		return fmt.Errorf("%q: host missing", s)
	}
	if u.User != nil {
		return fmt.Errorf("upstream URL must not carry credentials")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q: query and fragment are not allowed", s)
	}
	return nil
}

// Validate checks the section.
func (c *Config) Validate() error {
	var errs []error
	for _, d := range []struct {
		p string
		v time.Duration
	}{{"dial_timeout", c.DialTimeout}, {"response_header_timeout", c.ResponseHeaderTimeout}, {"timeout", c.Timeout}, {"idle_conn_timeout", c.IdleConnTimeout}, {"retry_backoff", c.RetryBackoff}} {
		if d.v < 0 {
			errs = append(errs, confpath.Errorf(d.p, "must not be negative"))
		}
	}
	if c.Retries < 0 || c.Retries > 5 {
		errs = append(errs, confpath.Errorf("retries", "must be between 0 and 5"))
	}
	if c.MaxIdleConnsPerHost < 0 {
		errs = append(errs, confpath.Errorf("max_idle_conns_per_host", "must not be negative"))
	}
	return errors.Join(errs...)
}

// Validate checks the per-route settings.
func (c *RouteConfig) Validate() error {
	var errs []error
	if c.Timeout != nil && *c.Timeout <= 0 {
		errs = append(errs, confpath.Errorf("timeout", "must be positive"))
	}
	if c.Retries != nil && (*c.Retries < 0 || *c.Retries > 5) {
		errs = append(errs, confpath.Errorf("retries", "must be between 0 and 5"))
	}
	if c.StripPrefix != "" && !strings.HasPrefix(c.StripPrefix, "/") {
		errs = append(errs, confpath.Errorf("strip_prefix", "must start with /"))
	}
	if s := c.SigV4; s != nil {
		if s.Region == "" {
			errs = append(errs, confpath.Errorf("sigv4.region", "required"))
		}
	}
	return errors.Join(errs...)
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.DialTimeout, 5*time.Second)
	def(&c.ResponseHeaderTimeout, 30*time.Second)
	def(&c.Timeout, 30*time.Second)
	def(&c.IdleConnTimeout, 90*time.Second)
	def(&c.RetryBackoff, 50*time.Millisecond)
	if c.MaxIdleConnsPerHost == 0 {
		c.MaxIdleConnsPerHost = 64
	}
	return c
}

// Options are process-level dependencies.
type Options struct {
	Logger *slog.Logger
	// Transport replaces the pooled transport (tests).
	Transport http.RoundTripper
	// Getenv replaces os.Getenv for SigV4 credentials (tests).
	Getenv func(string) string
	// Now replaces time.Now for SigV4 signing (tests).
	Now func() time.Time
}

// Middleware is one config generation: one connection pool shared by every
// route of the generation.
type Middleware struct {
	cfg    Config
	tr     http.RoundTripper
	pooled *http.Transport
	log    *slog.Logger
	getenv func(string) string
	now    func() time.Time
}

// New builds the stage and its connection pool.
func New(cfg Config, opts Options) (*Middleware, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	m := &Middleware{cfg: cfg, log: opts.Logger, getenv: opts.Getenv, now: opts.Now}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if m.getenv == nil {
		m.getenv = os.Getenv
	}
	if m.now == nil {
		m.now = time.Now
	}
	if opts.Transport != nil {
		m.tr = opts.Transport
	} else {
		d := &net.Dialer{Timeout: cfg.DialTimeout, KeepAlive: 30 * time.Second}
		m.pooled = &http.Transport{
			Proxy:                 nil, // never route function traffic through an env-configured proxy
			DialContext:           d.DialContext,
			MaxIdleConns:          cfg.MaxIdleConnsPerHost * 4,
			MaxIdleConnsPerHost:   cfg.MaxIdleConnsPerHost,
			IdleConnTimeout:       cfg.IdleConnTimeout,
			ResponseHeaderTimeout: cfg.ResponseHeaderTimeout,
			TLSHandshakeTimeout:   cfg.DialTimeout,
			ExpectContinueTimeout: time.Second,
			ForceAttemptHTTP2:     true,
		}
		m.tr = m.pooled
	}
	return m, nil
}

// Close drops the idle upstream connections of this generation; the server
// calls it after the generation's in-flight requests have drained.
func (m *Middleware) Close() error {
	if m.pooled != nil {
		m.pooled.CloseIdleConnections()
	}
	return nil
}

// Wrap returns the terminal handler for one route; next is ignored because
// the proxy ends the chain (the response filter wraps it from outside).
func (m *Middleware) Wrap(route string, rc RouteConfig, _ http.Handler) (http.Handler, error) {
	if err := rc.Validate(); err != nil {
		return nil, err
	}
	if err := ValidateUpstream(rc.Upstream); err != nil {
		return nil, confpath.Errorf("upstream", "%v", err)
	}
	target, _ := url.Parse(rc.Upstream)
	timeout := m.cfg.Timeout
	if rc.Timeout != nil {
		timeout = *rc.Timeout
	}
	retries := m.cfg.Retries
	if rc.Retries != nil {
		retries = *rc.Retries
	}
	rt := &roundTripper{base: m.tr, retries: retries, backoff: m.cfg.RetryBackoff, now: m.now}
	if s := rc.SigV4; s != nil {
		rt.sig = &signer{cfg: *s, getenv: m.getenv, signer: v4.NewSigner()}
		if rt.sig.cfg.Service == "" {
			rt.sig.cfg.Service = "lambda"
		}
	}
	strip := rc.StripPrefix
	preserveHost := rc.PreserveHost
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			if strip != "" {
				pr.Out.URL.Path = strings.TrimPrefix(pr.Out.URL.Path, strip)
				pr.Out.URL.RawPath = ""
				if pr.Out.URL.Path == "" || pr.Out.URL.Path[0] != '/' {
					pr.Out.URL.Path = "/" + pr.Out.URL.Path
				}
			}
			pr.SetURL(target)
			pr.SetXForwarded()
			if preserveHost {
				pr.Out.Host = pr.In.Host
			}
		},
		Transport:  rt,
		BufferPool: copyBuffers,
		ErrorLog:   nil,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			st := reqctx.From(r.Context())
			if isTimeout(err) {
				m.log.Warn("upstream timeout", "request_id", st.ID, "route", route, "err", err)
				reqctx.Reject(w, r, http.StatusGatewayTimeout, "proxy.timeout", "upstream timed out")
				return
			}
			if errors.Is(err, context.Canceled) {
				// The client left; nobody reads this answer.
				reqctx.Reject(w, r, 499, "proxy.client_gone", "client closed request")
				return
			}
			m.log.Warn("upstream error", "request_id", st.ID, "route", route, "err", err)
			reqctx.Reject(w, r, http.StatusBadGateway, "proxy.unreachable", "upstream unavailable")
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		rp.ServeHTTP(w, r.WithContext(ctx))
	}), nil
}

// bufferPool recycles the response copy buffers; without it ReverseProxy
// allocates 32 KiB per request, which dominates the gateway's garbage.
type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() []byte {
	if v, ok := b.p.Get().(*[]byte); ok {
		return *v
	}
	return make([]byte, 32<<10)
}

func (b *bufferPool) Put(buf []byte) { b.p.Put(&buf) }

var copyBuffers = &bufferPool{}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

type roundTripper struct {
	base    http.RoundTripper
	retries int
	backoff time.Duration
	sig     *signer
	now     func() time.Time
}

func (t *roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	st := reqctx.From(req.Context())
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	canRetry := idempotent(req.Method) && replayable
	var total time.Duration
	defer func() { st.SetUpstreamLatency(total) }()
	for attempt := 0; ; attempt++ {
		out := req
		if attempt > 0 || t.sig != nil {
			out = req.Clone(req.Context())
			if req.GetBody != nil && req.Body != nil && req.Body != http.NoBody {
				b, err := req.GetBody()
				if err != nil {
					return nil, fmt.Errorf("proxy: replay body: %w", err)
				}
				out.Body = b
			}
		}
		if t.sig != nil {
			if err := t.sig.sign(out, t.now()); err != nil {
				return nil, err
			}
		}
		start := time.Now()
		resp, err := t.base.RoundTrip(out)
		total += time.Since(start)
		if err == nil {
			return resp, nil
		}
		if !canRetry || attempt >= t.retries || req.Context().Err() != nil {
			return nil, err
		}
		select {
		case <-time.After(t.backoff << attempt):
		case <-req.Context().Done():
			return nil, err
		}
	}
}

type signer struct {
	cfg    SigV4
	getenv func(string) string
	signer *v4.Signer
}

func envOr(getenv func(string) string, name, def string) string {
	if name == "" {
		name = def
	}
	return getenv(name)
}

// sign adds the SigV4 headers. The payload hash needs the body, which the
// limits stage has buffered (GetBody), so signing never consumes the stream.
func (s *signer) sign(req *http.Request, now time.Time) error {
	creds := aws.Credentials{
		AccessKeyID:     envOr(s.getenv, s.cfg.AccessKeyIDEnv, "AWS_ACCESS_KEY_ID"),
		SecretAccessKey: envOr(s.getenv, s.cfg.SecretAccessKeyEnv, "AWS_SECRET_ACCESS_KEY"),
		SessionToken:    envOr(s.getenv, s.cfg.SessionTokenEnv, "AWS_SESSION_TOKEN"),
	}
	if creds.AccessKeyID == "" || creds.SecretAccessKey == "" {
		return errors.New("proxy: sigv4 credentials missing from the environment")
	}
	h := sha256.New()
	if req.Body != nil && req.Body != http.NoBody {
		if req.GetBody == nil {
			return errors.New("proxy: sigv4 needs a replayable body")
		}
		b, err := req.GetBody()
		if err != nil {
			return fmt.Errorf("proxy: sigv4 body: %w", err)
		}
		_, err = io.Copy(h, b)
		b.Close()
		if err != nil {
			return fmt.Errorf("proxy: sigv4 body: %w", err)
		}
	}
	// The client's own Authorization header would be overwritten anyway; drop
	// it explicitly so it is not mistaken for part of the signature.
	req.Header.Del("Authorization")
	payload := hex.EncodeToString(h.Sum(nil))
	req.Header.Set("X-Amz-Content-Sha256", payload)
	if err := s.signer.SignHTTP(req.Context(), creds, req, payload, s.cfg.Service, s.cfg.Region, now); err != nil {
		return fmt.Errorf("proxy: sigv4 sign: %w", err)
	}
	return nil
}
