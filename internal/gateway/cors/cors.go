// Package cors answers browser cross-origin checks from an exact allowlist.
// It never reflects an arbitrary Origin back: reflection with credentials is
// the classic CORS hole, because any site can then read authenticated
// responses. Suffix tricks ("evil-example.com") and the "null" origin (sent by
// sandboxed iframes and file: pages, which an attacker controls) never match.
package cors

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wardensec/warden/internal/gateway/confpath"
	"github.com/wardensec/warden/internal/gateway/reqctx"
)

// Config is the cors section.
type Config struct {
	// AllowedOrigins are exact origins ("https://app.example.com") or the
	// single entry "*". An empty list turns CORS off: no headers are added.
	AllowedOrigins []string `yaml:"allowed_origins"`
	// AllowedMethods limits the methods a preflight may ask for; empty means
	// the methods of the route(s) on the path.
	AllowedMethods []string `yaml:"allowed_methods"`
	// AllowedHeaders are the request headers a preflight may ask for, in
	// addition to the CORS-safelisted ones.
	AllowedHeaders   []string      `yaml:"allowed_headers"`
	ExposedHeaders   []string      `yaml:"exposed_headers"`
	AllowCredentials bool          `yaml:"allow_credentials"`
	MaxAge           time.Duration `yaml:"max_age"`
	// AllowUnlistedOrigins passes requests from origins outside the list on
	// without CORS headers (the browser then hides the response). By default
	// such requests are refused with 403, which also stops simple cross-site
	// form posts that never preflight.
	AllowUnlistedOrigins bool `yaml:"allow_unlisted_origins"`
}

// RouteConfig overrides CORS for one route.
type RouteConfig struct {
	Disabled         bool     `yaml:"disabled"`
	AllowedOrigins   []string `yaml:"allowed_origins"`
	AllowCredentials *bool    `yaml:"allow_credentials"`
}

func validateOrigins(origins []string, creds bool) error {
	var errs []error
	for i, o := range origins {
		p := fmt.Sprintf("allowed_origins[%d]", i)
		if o == "*" {
			if creds {
				errs = append(errs, confpath.Errorf(p, "\"*\" cannot be combined with allow_credentials: browsers refuse it, and reflecting the origin instead would expose credentialed responses to every site"))
			}
			if len(origins) > 1 {
				errs = append(errs, confpath.Errorf(p, "\"*\" must be the only entry"))
			}
			continue
		}
		if err := checkOrigin(o); err != nil {
			errs = append(errs, confpath.Errorf(p, "%v", err))
		}
	}
	return errors.Join(errs...)
}

func checkOrigin(o string) error {
	if o == "null" {
		return fmt.Errorf("\"null\" is not allowed: sandboxed iframes and local files send it")
	}
	u, err := url.Parse(o)
	if err != nil {
		return fmt.Errorf("not an origin: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("%q is not an origin (want scheme://host[:port])", o)
	}
	if u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("%q must be a bare origin without path, query or user", o)
	}
	if strings.Contains(u.Host, "*") {
		return fmt.Errorf("%q: wildcards are not supported, list each origin", o)
	}
	if o != strings.ToLower(o) {
		return fmt.Errorf("%q must be lower case, as browsers send it", o)
	}
	return nil
}

// Validate checks the section, and refuses "*" with credentials.
func (c *Config) Validate() error {
	var errs []error
	errs = append(errs, validateOrigins(c.AllowedOrigins, c.AllowCredentials))
	for i, m := range c.AllowedMethods {
		if m == "" || m != strings.ToUpper(m) || strings.ContainsAny(m, " \t,") {
			errs = append(errs, confpath.Errorf(fmt.Sprintf("allowed_methods[%d]", i), "%q is not an upper-case method", m))
		}
	}
	if c.MaxAge < 0 {
		errs = append(errs, confpath.Errorf("max_age", "must not be negative"))
	}
	return errors.Join(errs...)
}

// ValidateWith checks a route override against the global section (the
// credentials rule spans both).
func (c *RouteConfig) ValidateWith(g Config) error {
	if c.AllowCredentials == nil && c.AllowedOrigins == nil {
		return nil // nothing overridden: the global section's own check covers it
	}
	creds := g.AllowCredentials
	if c.AllowCredentials != nil {
		creds = *c.AllowCredentials
	}
	origins := g.AllowedOrigins
	if c.AllowedOrigins != nil {
		return validateOrigins(c.AllowedOrigins, creds)
	}
	if creds && slices.Contains(origins, "*") {
		return confpath.Errorf("allow_credentials", "cannot be true while the global allowed_origins is \"*\"")
	}
	return nil
}

// Options is empty; it keeps New's signature in line with the other stages.
type Options struct{}

// Middleware is one config generation of the stage.
type Middleware struct{ cfg Config }

// New builds the stage.
func New(cfg Config, _ Options) (*Middleware, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Middleware{cfg: cfg}, nil
}

// Close releases nothing.
func (m *Middleware) Close() error { return nil }

type policy struct {
	enabled   bool
	any       bool
	origins   map[string]bool
	creds     bool
	methods   []string
	methodStr string // methods joined for Access-Control-Allow-Methods
	headers   map[string]bool
	headerStr string
	exposed   string
	maxAge    string
	allowRest bool
}

func (m *Middleware) policy(rc RouteConfig, methods []string) (*policy, error) {
	if err := rc.ValidateWith(m.cfg); err != nil {
		return nil, err
	}
	p := &policy{origins: map[string]bool{}, headers: map[string]bool{}, allowRest: m.cfg.AllowUnlistedOrigins}
	origins := m.cfg.AllowedOrigins
	if rc.AllowedOrigins != nil {
		origins = rc.AllowedOrigins
	}
	p.enabled = !rc.Disabled && len(origins) > 0
	p.creds = m.cfg.AllowCredentials
	if rc.AllowCredentials != nil {
		p.creds = *rc.AllowCredentials
	}
	for _, o := range origins {
		if o == "*" {
			p.any = true
		}
		p.origins[o] = true
	}
	if len(m.cfg.AllowedMethods) > 0 {
		for _, mm := range methods {
			if slices.Contains(m.cfg.AllowedMethods, mm) {
				p.methods = append(p.methods, mm)
			}
		}
	} else {
		p.methods = methods
	}
	var hs []string
	for _, h := range m.cfg.AllowedHeaders {
		p.headers[strings.ToLower(h)] = true
		hs = append(hs, http.CanonicalHeaderKey(h))
	}
	p.methodStr = strings.Join(p.methods, ", ")
	p.headerStr = strings.Join(hs, ", ")
	p.exposed = strings.Join(m.cfg.ExposedHeaders, ", ")
	if m.cfg.MaxAge > 0 {
		p.maxAge = strconv.Itoa(int(m.cfg.MaxAge / time.Second))
	}
	return p, nil
}

func (p *policy) allowOrigin(h http.Header, origin string) {
	if p.any && !p.creds {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
	}
	if p.creds {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}

func (p *policy) originOK(o string) bool { return p.any || p.origins[o] }

// Wrap handles actual (non-preflight) requests of one route.
func (m *Middleware) Wrap(_ string, rc RouteConfig, next http.Handler) (http.Handler, error) {
	p, err := m.policy(rc, nil)
	if err != nil {
		return nil, err
	}
	if !p.enabled {
		return next, nil
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Add("Vary", "Origin") // caches must not serve one origin's answer to another
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		if !p.originOK(origin) {
			if p.allowRest {
				next.ServeHTTP(w, r)
				return
			}
			reqctx.Reject(w, r, http.StatusForbidden, "cors.origin", "origin not allowed")
			return
		}
		p.allowOrigin(h, origin)
		if p.exposed != "" {
			h.Set("Access-Control-Expose-Headers", p.exposed)
		}
		next.ServeHTTP(w, r)
	}), nil
}

// safelisted request headers need no preflight permission (Fetch standard).
var safelisted = map[string]bool{"accept": true, "accept-language": true, "content-language": true, "content-type": true, "range": true}

// Preflight returns the OPTIONS handler for one path. byMethod maps each
// method routed on the path to its route's CORS override, so a preflight for
// PUT is judged by the PUT route's policy. It answers without running
// authentication: browsers never send credentials on a preflight.
func (m *Middleware) Preflight(byMethod map[string]RouteConfig) (http.Handler, error) {
	var methods []string
	for mm := range byMethod {
		methods = append(methods, mm)
	}
	slices.Sort(methods)
	pols := map[string]*policy{}
	for mm, rc := range byMethod {
		p, err := m.policy(rc, methods)
		if err != nil {
			return nil, err
		}
		pols[mm] = p
	}
	allow := strings.Join(append(slices.Clone(methods), http.MethodOptions), ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Add("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
		origin := r.Header.Get("Origin")
		reqMethod := r.Header.Get("Access-Control-Request-Method")
		if origin == "" || reqMethod == "" {
			// A plain OPTIONS, not a preflight.
			h.Set("Allow", allow)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		p := pols[reqMethod]
		if p == nil && reqMethod == http.MethodHead {
			p = pols[http.MethodGet]
		}
		if p == nil || !p.enabled || !slices.Contains(p.methods, reqMethod) && !(reqMethod == http.MethodHead && slices.Contains(p.methods, http.MethodGet)) {
			reqctx.Reject(w, r, http.StatusForbidden, "cors.preflight.method", "method not allowed")
			return
		}
		if !p.originOK(origin) {
			reqctx.Reject(w, r, http.StatusForbidden, "cors.preflight.origin", "origin not allowed")
			return
		}
		for _, line := range r.Header.Values("Access-Control-Request-Headers") {
			for _, hn := range strings.Split(line, ",") {
				hn = strings.ToLower(strings.TrimSpace(hn))
				if hn != "" && !safelisted[hn] && !p.headers[hn] {
					reqctx.Reject(w, r, http.StatusForbidden, "cors.preflight.headers", "request header not allowed")
					return
				}
			}
		}
		p.allowOrigin(h, origin)
		h.Set("Access-Control-Allow-Methods", p.methodStr)
		if p.headerStr != "" {
			h.Set("Access-Control-Allow-Headers", p.headerStr)
		}
		if p.maxAge != "" {
			h.Set("Access-Control-Max-Age", p.maxAge)
		}
		w.WriteHeader(http.StatusNoContent)
	}), nil
}
