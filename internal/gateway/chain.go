package gateway

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"go.yaml.in/yaml/v3"

	"github.com/wardensec/warden/internal/gateway/auditrec"
	"github.com/wardensec/warden/internal/gateway/confpath"
	"github.com/wardensec/warden/internal/gateway/cors"
	"github.com/wardensec/warden/internal/gateway/deception"
	"github.com/wardensec/warden/internal/gateway/limits"
	"github.com/wardensec/warden/internal/gateway/proxy"
	"github.com/wardensec/warden/internal/gateway/reqctx"
	"github.com/wardensec/warden/internal/gateway/requestid"
	"github.com/wardensec/warden/internal/gateway/respfilter"
	"github.com/wardensec/warden/internal/gateway/validate"
)

// Stage is a chain stage built by another package (authentication,
// authorization, throttling, WAF). The gateway hands it each route's raw
// section; the stage decodes it into its own RouteConfig.
type Stage interface {
	Wrap(route string, section *yaml.Node, next http.Handler) (http.Handler, error)
	Close() error
}

// Env is what a module may use while it builds its stage.
type Env struct {
	Logger    *slog.Logger
	Consumers []Consumer
	// Dir is the config file's directory, for relative paths.
	Dir string
	// CheckOnly is set by `warden gateway validate`: build and check, but
	// do not reach out to networks (JWKS, Redis) if that can be avoided.
	CheckOnly bool
}

// Module plugs a stage into the chain under a config key. The key fixes its
// place: "auth", "authz" and "throttle" run after CORS and before
// validation, "waf" after validation and before the proxy (the WAF is the
// costliest stage, so everything cheaper that can refuse a request runs
// first).
type Module struct {
	Key string
	// Build decodes the global section (a zero Node when the file has none)
	// and returns the stage. Errors are confpath errors relative to the
	// section, or the issues of DecodeSection.
	Build func(section *yaml.Node, env Env) (Stage, error)
	// Optional modules are skipped when neither the global section nor any
	// route mentions them.
	Optional bool
}

// Optional marks m as built only when configured.
func Optional(m Module) Module { m.Optional = true; return m }

func (c *Config) mentions(key string) bool {
	if c.Section(key).Kind != 0 {
		return true
	}
	for i := range c.Routes {
		if c.Routes[i].Section(key).Kind != 0 {
			return true
		}
	}
	return false
}

// moduleOrder is the order of module keys in the chain.
var moduleOrder = []string{"auth", "authz", "throttle", "waf"}

// sectionIssues lets DecodeSection report issues that already carry lines.
type sectionIssues []Issue

func (s sectionIssues) Error() string {
	var b []string
	for _, i := range s {
		b = append(b, i.String())
	}
	return strings.Join(b, "; ")
}

// DecodeSection decodes a section node into v, refusing unknown fields, and
// reports problems with their lines. Modules use it for their Config and
// RouteConfig.
func DecodeSection(n *yaml.Node, v any) error {
	if iss := decodeNode(n, v, ""); len(iss) > 0 {
		return sectionIssues(iss)
	}
	return nil
}

// Contract is the shape docs/gateway-design.md gives every middleware.
type Contract[R any] interface {
	Wrap(route string, rc R, next http.Handler) (http.Handler, error)
	Close() error
}

// Adapt turns a package that follows the middleware contract (Config,
// RouteConfig, New, Wrap, Close) into a Module. Config and RouteConfig are
// validated when they have a Validate method.
func Adapt[C any, R any, M Contract[R]](key string, build func(cfg C, env Env) (M, error)) Module {
	return Module{Key: key, Build: func(n *yaml.Node, env Env) (Stage, error) {
		var cfg C
		if err := DecodeSection(n, &cfg); err != nil {
			return nil, err
		}
		if v, ok := any(&cfg).(interface{ Validate() error }); ok {
			if err := v.Validate(); err != nil {
				return nil, err
			}
		}
		m, err := build(cfg, env)
		if err != nil {
			return nil, err
		}
		return adapted[R, M]{m}, nil
	}}
}

type adapted[R any, M Contract[R]] struct{ m M }

func (a adapted[R, M]) Wrap(route string, n *yaml.Node, next http.Handler) (http.Handler, error) {
	var rc R
	if err := DecodeSection(n, &rc); err != nil {
		return nil, err
	}
	if v, ok := any(&rc).(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			return nil, err
		}
	}
	h, err := a.m.Wrap(route, rc, next)
	return h, relative(err)
}

// relative strips a package-name prefix ("authn.methods") that some stages
// put on route errors, so that the gateway's own prefix
// ("routes[0].auth") is not doubled.
func relative(err error) error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, relative(e))
		}
		return errors.Join(out...)
	}
	var ce *confpath.Error
	if errors.As(err, &ce) {
		for _, p := range []string{"authn.", "authz.", "throttle.", "waf."} {
			if rest, ok := strings.CutPrefix(ce.Path, p); ok {
				return &confpath.Error{Path: rest, Msg: ce.Msg}
			}
		}
	}
	return err
}

func (a adapted[R, M]) Close() error { return a.m.Close() }

// process holds what outlives a config generation.
type process struct {
	log       *slog.Logger
	recorder  auditrec.Recorder
	blocklist *deception.Blocklist
	modules   []Module
	checkOnly bool
}

// generation is one built config: every stage and the router. Reload builds
// a new one and swaps it in; the old one is closed when its last in-flight
// request ends.
type generation struct {
	cfg      *Config
	handler  http.Handler
	closers  []io.Closer
	limits   *limits.Middleware
	inflight atomic.Int64
	retired  atomic.Bool
	once     sync.Once
	closeErr error
	done     chan struct{}
}

func (g *generation) acquire() bool {
	g.inflight.Add(1)
	if g.retired.Load() {
		g.release()
		return false
	}
	return true
}

func (g *generation) release() {
	if g.inflight.Add(-1) == 0 && g.retired.Load() {
		g.close()
	}
}

// retire marks the generation as replaced; it closes now or after the last
// in-flight request.
func (g *generation) retire() {
	g.retired.Store(true)
	if g.inflight.Load() == 0 {
		g.close()
	}
}

func (g *generation) close() {
	g.once.Do(func() {
		var errs []error
		for i := len(g.closers) - 1; i >= 0; i-- {
			if err := g.closers[i].Close(); err != nil {
				errs = append(errs, err)
			}
		}
		g.closeErr = errors.Join(errs...)
		close(g.done)
	})
}

// build assembles a generation:
//
//	request id + audit ► security headers ► limits (framing, header, URL) ►
//	deception ► router ► [per route] limits (body, JSON) ► CORS ► authn ►
//	authz ► throttle ► validate ► WAF ► response filter ► proxy
//
// Request id and audit come first, ahead of limits, so that requests refused
// for framing or size are in the audit log too: the issue requires every
// answered request to be there, and forensics wants the malformed ones most.
func build(cfg *Config, p *process) (*generation, error) {
	g := &generation{cfg: cfg, done: make(chan struct{})}
	var issues []Issue
	fail := func(err error, prefix string) {
		issues = append(issues, cfg.section(err, prefix)...)
	}
	add := func(c io.Closer) { g.closers = append(g.closers, c) }
	lim, err := limits.New(cfg.Limits, limits.Options{})
	if err != nil {
		fail(err, "limits")
	} else {
		add(lim)
		g.limits = lim
	}
	rid, err := requestid.New(cfg.RequestID, requestid.Options{Recorder: p.recorder, Logger: p.log})
	if err != nil {
		fail(err, "request_id")
	} else {
		add(rid)
	}
	cr, err := cors.New(cfg.CORS, cors.Options{})
	if err != nil {
		fail(err, "cors")
	} else {
		add(cr)
	}
	val, err := validate.New(cfg.Validate, validate.Options{})
	if err != nil {
		fail(err, "validate")
	} else {
		add(val)
	}
	px, err := proxy.New(cfg.Proxy, proxy.Options{Logger: p.log})
	if err != nil {
		fail(err, "proxy")
	} else {
		add(px)
	}
	rf, err := respfilter.New(cfg.ResponseFilter, respfilter.Options{Logger: p.log})
	if err != nil {
		fail(err, "response_filter")
	} else {
		add(rf)
	}
	dec, err := deception.New(cfg.Deception, deception.Options{Blocklist: p.blocklist})
	if err != nil {
		fail(err, "deception")
	} else {
		add(dec)
	}
	stages := map[string]Stage{}
	env := Env{Logger: p.log, Consumers: cfg.Consumers, Dir: cfg.Dir, CheckOnly: p.checkOnly}
	for _, m := range p.modules {
		if !slices.Contains(moduleOrder, m.Key) {
			fail(fmt.Errorf("gateway: module key %q is not one of %v", m.Key, moduleOrder), "")
			continue
		}
		if m.Optional && !cfg.mentions(m.Key) {
			continue
		}
		st, err := m.Build(cfg.Section(m.Key), env)
		if err != nil {
			issues = append(issues, moduleIssues(cfg, err, cfg.sectionName(m.Key), 0)...)
			continue
		}
		stages[m.Key] = st
		add(st)
	}
	for _, key := range moduleOrder {
		if _, built := stages[key]; !built && cfg.Section(key).Kind != 0 && !slices.ContainsFunc(p.modules, func(m Module) bool { return m.Key == key }) {
			// A configured stage that this binary cannot build would be
			// silently skipped, leaving routes open: refuse the file.
			issues = append(issues, cfg.issue(key, "the %s stage is not available in this build", key))
		}
	}
	if len(issues) > 0 {
		g.close()
		return nil, located(cfg.File, issues)
	}

	rt, iss := buildRouter(cfg, lim, cr, val, px, rf, stages)
	if len(iss) > 0 {
		g.close()
		return nil, located(cfg.File, iss)
	}
	var h http.Handler = rt
	h = dec.Wrap(h)
	h = lim.Outer(h)
	h = rf.Headers(h)
	h = rid.Wrap(h)
	g.handler = h
	return g, nil
}

// moduleIssues locates a module's error: issues from DecodeSection already
// have lines; confpath errors are placed under prefix.
func moduleIssues(cfg *Config, err error, prefix string, fallback int) []Issue {
	var si sectionIssues
	if errors.As(err, &si) {
		out := make([]Issue, 0, len(si))
		for _, i := range si {
			i.Path = joinPath(prefix, i.Path)
			out = append(out, i)
		}
		return out
	}
	if fallback == 0 {
		fallback = lookupLine(cfg.root, prefix)
	}
	return issuesFrom(err, prefix, cfg.root, fallback)
}

type router struct {
	mux   *http.ServeMux
	paths *http.ServeMux    // path-only patterns, to tell 405 from 404
	allow map[string]string // path pattern -> Allow header
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pat := rt.mux.Handler(r); pat == "" {
		if _, pp := rt.paths.Handler(r); pp != "" {
			w.Header().Set("Allow", rt.allow[pp])
			reqctx.Reject(w, r, http.StatusMethodNotAllowed, "route.method", "method not allowed")
			return
		}
		reqctx.Reject(w, r, http.StatusNotFound, "route.none", "not found")
		return
	}
	rt.mux.ServeHTTP(w, r)
}

func markRoute(name string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqctx.From(r.Context()).Route = name
		next.ServeHTTP(w, r)
	})
}

func buildRouter(cfg *Config, lim *limits.Middleware, cr *cors.Middleware, val *validate.Middleware, px *proxy.Middleware, rf *respfilter.Middleware, stages map[string]Stage) (*router, []Issue) {
	rt := &router{mux: http.NewServeMux(), paths: http.NewServeMux(), allow: map[string]string{}}
	var issues []Issue
	type pathInfo struct {
		methods map[string]cors.RouteConfig
		options bool
	}
	byPath := map[string]*pathInfo{}
	var order []string
	for i := range cfg.Routes {
		r := &cfg.Routes[i]
		where := func(key string) string { return r.where + "." + key }
		errAt := func(err error, key string) {
			for _, is := range moduleIssues(cfg, err, where(key), r.line) {
				if !strings.HasPrefix(r.where, "routes[") {
					is.Line = r.line
				}
				issues = append(issues, is)
			}
		}
		h, err := px.Wrap(r.Name, r.Proxy, nil)
		if err != nil {
			errAt(err, "proxy")
			continue
		}
		if h, err = rf.Wrap(r.Name, r.ResponseFilter, h); err != nil {
			errAt(err, "response_filter")
			continue
		}
		ok := true
		wrapModule := func(key string) {
			st, present := stages[key]
			if !present || !ok {
				if present || r.Section(key).Kind == 0 {
					return
				}
				// A route section for a stage that is not built in this
				// binary would be silently ignored: refuse it.
				errAt(confpath.Errorf("", "the %s stage is not available in this build", key), key)
				ok = false
				return
			}
			nh, err := st.Wrap(r.Name, r.Section(key), h)
			if err != nil {
				errAt(err, r.sectionName(key))
				ok = false
				return
			}
			h = nh
		}
		wrapModule("waf")
		if ok {
			if h, err = val.Wrap(r.Name, r.Validate, h); err != nil {
				errAt(err, "validate")
				ok = false
			}
		}
		wrapModule("throttle")
		wrapModule("authz")
		wrapModule("auth")
		if !ok {
			continue
		}
		if h, err = cr.Wrap(r.Name, r.CORS, h); err != nil {
			errAt(err, "cors")
			continue
		}
		if h, err = lim.Wrap(r.Name, r.Limits, h); err != nil {
			errAt(err, "limits")
			continue
		}
		pat := r.pattern()
		if err := register(rt.mux, pat, markRoute(r.Name, h)); err != nil {
			errAt(confpath.Errorf("path", "%v", err), "")
			continue
		}
		p := strings.TrimPrefix(pat, r.Method+" ")
		pi := byPath[p]
		if pi == nil {
			pi = &pathInfo{methods: map[string]cors.RouteConfig{}}
			byPath[p] = pi
			order = append(order, p)
		}
		pi.methods[r.Method] = r.CORS
		if r.Method == http.MethodOptions {
			pi.options = true
		}
	}
	for _, p := range order {
		pi := byPath[p]
		var ms []string
		for m := range pi.methods {
			ms = append(ms, m)
		}
		if hasMethod(ms, http.MethodGet) {
			ms = append(ms, http.MethodHead)
		}
		slices.Sort(ms)
		ms = slices.Compact(ms)
		if err := register(rt.paths, p, http.NotFoundHandler()); err == nil {
			rt.allow[p] = strings.Join(ms, ", ")
		}
		if pi.options {
			continue
		}
		pre, err := cr.Preflight(pi.methods)
		if err != nil {
			issues = append(issues, Issue{Line: lookupLine(cfg.root, "cors"), Path: "cors", Msg: err.Error()})
			continue
		}
		_ = register(rt.mux, "OPTIONS "+p, markRoute("preflight "+p, pre))
	}
	return rt, issues
}

func hasMethod(ms []string, m string) bool { return slices.Contains(ms, m) }

// RecorderFactory builds the process's audit recorder from the audit
// section. The closer runs at shutdown.
type RecorderFactory func(section *yaml.Node, cfg *Config) (auditrec.Recorder, io.Closer, error)

// BuiltinAudit is the audit section understood without internal/audit:
// `audit: {sink: stdout}` (the default) writes JSON lines to stdout, and
// `sink: none` turns the audit log off.
type BuiltinAudit struct {
	Sink string `yaml:"sink"`
}

func builtinRecorder(stdout io.Writer) RecorderFactory {
	return func(n *yaml.Node, cfg *Config) (auditrec.Recorder, io.Closer, error) {
		var a BuiltinAudit
		if err := DecodeSection(n, &a); err != nil {
			return nil, nil, err
		}
		switch a.Sink {
		case "", "stdout":
			return auditrec.NewJSONLines(stdout), nil, nil
		case "none":
			return nil, nil, nil
		}
		return nil, nil, confpath.Errorf("sink", "must be \"stdout\" or \"none\"")
	}
}
