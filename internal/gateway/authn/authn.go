// Package authn is the gateway's authentication middleware: JWT bearer
// tokens from OIDC/JWKS issuers, API keys stored as SHA-256 digests, and
// mTLS client certificates. It records who the caller is in reqctx for
// authz, throttle and the audit log, and refuses bad or missing
// credentials with 401 before any later middleware spends work on them.
package authn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/wardensec/warden/internal/gateway/confpath"
	"github.com/wardensec/warden/internal/gateway/reqctx"
)

// Options are the runtime dependencies of the middleware.
type Options struct {
	Logger *slog.Logger
	// HTTPClient fetches discovery documents and JWKS. Default: a client
	// with a 5s timeout.
	HTTPClient *http.Client
	// Now is the clock for token validation and refresh rate limiting.
	// Default time.Now; tests inject a fake.
	Now func() time.Time
}

// Middleware authenticates requests. Build one per config generation.
type Middleware struct {
	cfg       Config
	log       *slog.Logger
	ver       *verifier
	keys      *apiKeys
	certs     mtlsIndex
	keyHeader string
	keyQuery  string
	closeOnce sync.Once
}

// New validates cfg, fetches every issuer's keys once (a failure is logged,
// not fatal: the IdP may come back, and requests meanwhile get 503), and
// starts the periodic refresh.
func New(cfg Config, opts Options) (*Middleware, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("authn config: %w", err)
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: DefaultFetchTimeout}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	m := &Middleware{
		cfg:       cfg,
		log:       opts.Logger,
		keys:      newAPIKeys(cfg.Consumers),
		certs:     newMTLSIndex(cfg.Consumers),
		keyHeader: cfg.APIKey.Header,
		keyQuery:  cfg.APIKey.Query,
	}
	if m.keyHeader == "" {
		m.keyHeader = DefaultAPIKeyHeader
	}
	max := cfg.JWT.MaxTokenBytes
	if max == 0 {
		max = DefaultMaxTokenBytes
	}
	m.ver = &verifier{maxBytes: max, issuers: map[string]*issuer{}}
	// The token cache lives in this Middleware, which is built per config
	// generation: a reload never reuses a decision taken under other
	// issuer settings.
	tc := cfg.JWT.TokenCache
	if !tc.Disabled && len(cfg.JWT.Issuers) > 0 {
		size := tc.Size
		if size == 0 {
			size = DefaultTokenCacheSize
		}
		m.ver.cache = newTokenCache(size)
	}
	for _, ic := range cfg.JWT.Issuers {
		is := newIssuer(ic, opts)
		if m.ver.cache != nil {
			is.cacheTTL = tc.MaxTTL
			if o := ic.TokenCache; o != nil && o.MaxTTL != 0 {
				is.cacheTTL = o.MaxTTL
			}
			if is.cacheTTL == 0 {
				is.cacheTTL = DefaultTokenCacheMaxTTL
			}
			if o := ic.TokenCache; o == nil || !o.Disabled {
				is.cache = m.ver.cache
			}
		}
		m.ver.issuers[ic.Issuer] = is
	}
	var wg sync.WaitGroup
	for _, is := range m.ver.issuers {
		wg.Add(1)
		go func() { defer wg.Done(); is.keys.refresh() }()
	}
	wg.Wait()
	for _, is := range m.ver.issuers {
		go is.loop()
	}
	return m, nil
}

func newIssuer(ic IssuerConfig, opts Options) *issuer {
	if ic.RefreshInterval == 0 {
		ic.RefreshInterval = DefaultRefreshInterval
	}
	if ic.MinRefreshInterval == 0 {
		ic.MinRefreshInterval = DefaultMinRefreshInterval
	}
	is := &issuer{cfg: ic, algs: map[string]jwa.SignatureAlgorithm{}, now: opts.Now,
		stop: make(chan struct{}), stopped: make(chan struct{})}
	for _, a := range ic.Algorithms {
		if sa, ok := jwa.LookupSignatureAlgorithm(a); ok && asymmetricAlgs[a] {
			is.algs[a] = sa
		}
	}
	is.keys = &keyCache{
		issuer: ic.Issuer, jwksURL: ic.JWKSURL, discovery: ic.JWKSURL == "", insecure: ic.InsecureHTTP,
		client: opts.HTTPClient, now: opts.Now, minInterval: ic.MinRefreshInterval, log: opts.Logger,
	}
	return is
}

// loop refreshes the key set so that keys removed by the IdP (rotation or
// revocation) stop verifying within RefreshInterval.
func (is *issuer) loop() {
	defer close(is.stopped)
	t := time.NewTicker(is.cfg.RefreshInterval)
	defer t.Stop()
	for {
		select {
		case <-is.stop:
			return
		case <-t.C:
			is.keys.refresh()
		}
	}
}

// Close stops the refresh goroutines.
func (m *Middleware) Close() error {
	m.closeOnce.Do(func() {
		for _, is := range m.ver.issuers {
			close(is.stop)
			<-is.stopped
		}
	})
	return nil
}

// route is the compiled per-route policy.
type route struct {
	m       *Middleware
	name    string
	methods []string
	issuers map[string]bool // iss values; nil = all
	next    http.Handler
}

// Wrap returns the authenticating handler for one route.
func (m *Middleware) Wrap(name string, rc RouteConfig, next http.Handler) (http.Handler, error) {
	if err := rc.Validate(); err != nil {
		return nil, fmt.Errorf("route %s: %w", name, confpath.Prefix("authn", err))
	}
	methods := rc.Methods
	if len(methods) == 0 {
		methods = m.cfg.DefaultMethods
	}
	if len(methods) == 0 {
		return nil, fmt.Errorf("route %s: %w", name, confpath.Errorf("authn.methods", "no authentication method: set [none] to make the route public"))
	}
	if slices.Equal(methods, []string{MethodNone}) {
		return next, nil
	}
	rt := &route{m: m, name: name, methods: methods, next: next}
	if slices.Contains(methods, MethodJWT) && len(m.ver.issuers) == 0 {
		return nil, fmt.Errorf("route %s: %w", name, confpath.Errorf("authn.methods", "jwt needs at least one issuer in authn.jwt.issuers"))
	}
	if slices.Contains(methods, MethodAPIKey) && len(m.keys.byHash) == 0 {
		return nil, fmt.Errorf("route %s: %w", name, confpath.Errorf("authn.methods", "apikey needs consumers with api_key_sha256"))
	}
	if len(rc.Issuers) > 0 {
		rt.issuers = map[string]bool{}
		for i, n := range rc.Issuers {
			found := false
			for _, is := range m.ver.issuers {
				if is.cfg.name() == n {
					rt.issuers[is.cfg.Issuer] = true
					found = true
				}
			}
			if !found {
				return nil, fmt.Errorf("route %s: %w", name, confpath.Errorf(fmt.Sprintf("authn.issuers[%d]", i), "unknown issuer %q", n))
			}
		}
	}
	return rt, nil
}

func (rt *route) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for _, meth := range rt.methods {
		var (
			id    *reqctx.Identity
			err   error
			found bool
		)
		switch meth {
		case MethodJWT:
			id, found, err = rt.bearer(r)
		case MethodAPIKey:
			id, found, err = rt.m.apiKey(r)
		case MethodMTLS:
			id, found, err = rt.m.clientCert(r)
		}
		if !found {
			continue
		}
		// A presented credential that fails is final: falling through to
		// another method would let a forged token be "rescued" by
		// anything weaker that happens to be present.
		if err != nil {
			rt.reject(w, r, meth, err)
			return
		}
		reqctx.From(r.Context()).SetIdentity(id)
		rt.next.ServeHTTP(w, r)
		return
	}
	rt.challenge(w)
	reqctx.Reject(w, r, http.StatusUnauthorized, "authn.missing", "authentication required")
}

// challenge sets the RFC 6750/7235 challenge for a request that sent no
// usable credential.
func (rt *route) challenge(w http.ResponseWriter) {
	for _, meth := range rt.methods {
		switch meth {
		case MethodJWT:
			w.Header().Add("WWW-Authenticate", `Bearer realm="warden"`)
		case MethodAPIKey:
			w.Header().Add("WWW-Authenticate", `ApiKey realm="warden", header="`+rt.m.keyHeader+`"`)
		}
	}
	if len(w.Header().Values("WWW-Authenticate")) == 0 {
		// mTLS only: there is no HTTP challenge for a certificate, but a
		// 401 must carry one (RFC 9110 §15.5.2).
		w.Header().Set("WWW-Authenticate", `Mutual realm="warden"`)
	}
}

func (rt *route) reject(w http.ResponseWriter, r *http.Request, meth string, err error) {
	var te *tokenError
	if errors.As(err, &te) {
		rt.m.log.Debug("jwt rejected", "route", rt.name, "reason", te.reason, "err", err)
		if te.status == http.StatusServiceUnavailable {
			reqctx.Reject(w, r, te.status, "authn.jwt."+te.reason, "authentication temporarily unavailable")
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="warden", error="invalid_token", error_description="`+te.desc+`"`)
		reqctx.Reject(w, r, http.StatusUnauthorized, "authn.jwt."+te.reason, "invalid token")
		return
	}
	rt.challenge(w)
	reqctx.Reject(w, r, http.StatusUnauthorized, "authn."+meth+".invalid", "invalid credentials")
}

var errMalformedAuth = errors.New("malformed Authorization header")

// bearer reads an RFC 6750 bearer token from the Authorization header.
// Tokens in the query string are not accepted (they leak into logs).
func (rt *route) bearer(r *http.Request) (*reqctx.Identity, bool, error) {
	vals := r.Header.Values("Authorization")
	if len(vals) == 0 {
		return nil, false, nil
	}
	if len(vals) > 1 {
		return nil, true, tokErr("malformed", "multiple Authorization headers", errMalformedAuth)
	}
	scheme, tok, ok := strings.Cut(vals[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		if strings.EqualFold(scheme, "Bearer") {
			return nil, true, tokErr("malformed", "malformed token", errMalformedAuth)
		}
		return nil, false, nil // another scheme: not ours
	}
	id, err := rt.m.ver.Verify(r.Context(), strings.TrimSpace(tok), rt.issuers)
	return id, true, err
}

var errUnknownKey = errors.New("unknown API key")

func (m *Middleware) apiKey(r *http.Request) (*reqctx.Identity, bool, error) {
	key := ""
	if vals := r.Header.Values(m.keyHeader); len(vals) > 0 {
		if len(vals) > 1 {
			return nil, true, errors.New("multiple API key headers")
		}
		key = vals[0]
	} else if m.keyQuery != "" {
		qs := r.URL.Query()[m.keyQuery]
		if len(qs) == 0 {
			return nil, false, nil
		}
		if len(qs) > 1 {
			return nil, true, errors.New("multiple API key parameters")
		}
		key = qs[0]
	} else {
		return nil, false, nil
	}
	if key == "" || len(key) > maxAPIKeyBytes {
		return nil, true, errUnknownKey
	}
	c := m.keys.lookup(key)
	if c == nil {
		return nil, true, errUnknownKey
	}
	return &reqctx.Identity{Consumer: c.Name, Subject: c.Name, Method: MethodAPIKey,
		Scopes: slices.Clone(c.Scopes), Roles: slices.Clone(c.Roles)}, true, nil
}

// clientCert takes the identity from the chain the TLS handshake verified
// against the listener's ClientCAs. Unverified peer certificates
// (r.TLS.PeerCertificates without VerifiedChains) are never trusted.
func (m *Middleware) clientCert(r *http.Request) (*reqctx.Identity, bool, error) {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.VerifiedChains[0]) == 0 {
		return nil, false, nil
	}
	leaf := r.TLS.VerifiedChains[0][0]
	names := certNames(leaf)
	id := &reqctx.Identity{Method: MethodMTLS, Subject: names[0], Issuer: leaf.Issuer.String()}
	for _, n := range names {
		if c, ok := m.certs[n]; ok {
			id.Consumer = c.Name
			id.Scopes = slices.Clone(c.Scopes)
			id.Roles = slices.Clone(c.Roles)
			return id, true, nil
		}
	}
	if m.cfg.MTLS.RequireKnown {
		return nil, true, errors.New("certificate matches no consumer")
	}
	id.Consumer = id.Subject
	return id, true, nil
}

// VerifyToken exposes token verification for fuzzing and benchmarks.
func (m *Middleware) VerifyToken(ctx context.Context, token string) (*reqctx.Identity, error) {
	return m.ver.Verify(ctx, token, nil)
}
