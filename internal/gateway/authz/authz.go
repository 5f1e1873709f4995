// Package authz is the gateway's authorization middleware. It runs after
// authn and decides, per route, whether the authenticated identity may call
// the route: required OAuth scopes, roles, and an optional CEL expression
// over the claims and the request. Everything is compiled when the route is
// built, so a bad expression fails config load rather than a request.
package authz

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/interpreter"

	"github.com/wardensec/warden/internal/gateway/confpath"
	"github.com/wardensec/warden/internal/gateway/reqctx"
)

// DefaultCostLimit bounds one CEL evaluation. CEL has no unbounded loops,
// but comprehensions over large claim arrays (or nested ones) can still
// cost O(n²); the limit turns that into a denial instead of CPU burn.
const DefaultCostLimit = 10_000

// MaxExprLen caps the expression source, a cheap guard against configs
// that would be slow to compile.
const MaxExprLen = 4096

// Config is the global `authz` section.
type Config struct {
	// CostLimit is the CEL runtime cost limit per evaluation.
	CostLimit uint64 `yaml:"cost_limit"`
}

// Validate checks the section.
func (c *Config) Validate() error {
	if c.CostLimit > 10_000_000 {
		return confpath.Errorf("cost_limit", "at most 10000000")
	}
	return nil
}

// Set is a requirement over a list of strings: every entry of AllOf and at
// least one entry of AnyOf (when AnyOf is non-empty).
type Set struct {
	AllOf []string `yaml:"all_of"`
	AnyOf []string `yaml:"any_of"`
}

func (s Set) empty() bool { return len(s.AllOf) == 0 && len(s.AnyOf) == 0 }

// holds reports whether have satisfies s.
func (s Set) holds(have []string) bool {
	for _, w := range s.AllOf {
		if !slices.Contains(have, w) {
			return false
		}
	}
	if len(s.AnyOf) == 0 {
		return true
	}
	for _, w := range s.AnyOf {
		if slices.Contains(have, w) {
			return true
		}
	}
	return false
}

// RouteConfig is the per-route `authz` section. An empty RouteConfig
// allows any authenticated (or, on public routes, any) caller.
type RouteConfig struct {
	Scopes Set `yaml:"scopes"`
	Roles  Set `yaml:"roles"`
	// Expr is a CEL expression that must evaluate to true. Variables:
	//   claims   map(string, dyn)  JWT claims ({} for API keys and mTLS)
	//   identity map: consumer, sub, iss, method, scopes, roles
	//   request  map: method, path, host, headers (lower-case names,
	//            first value), query (first value)
	// e.g. `claims.tenant == request.headers["x-tenant"]`.
	Expr string `yaml:"expr"`
}

// Validate checks the route section without compiling (Wrap compiles).
func (c *RouteConfig) Validate() error {
	var errs []error
	for name, s := range map[string]Set{"scopes": c.Scopes, "roles": c.Roles} {
		for i, v := range append(slices.Clone(s.AllOf), s.AnyOf...) {
			if strings.TrimSpace(v) == "" || strings.ContainsAny(v, " \t") {
				errs = append(errs, confpath.Errorf(fmt.Sprintf("%s[%d]", name, i), "%q is not a valid %s name", v, strings.TrimSuffix(name, "s")))
			}
		}
	}
	if len(c.Expr) > MaxExprLen {
		errs = append(errs, confpath.Errorf("expr", "longer than %d bytes", MaxExprLen))
	}
	return errors.Join(errs...)
}

// Options are runtime dependencies.
type Options struct {
	Logger *slog.Logger
}

// Middleware builds per-route authorization handlers.
type Middleware struct {
	env       *cel.Env
	costLimit uint64
	log       *slog.Logger
}

// New prepares the CEL environment.
func New(cfg Config, opts Options) (*Middleware, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("authz config: %w", err)
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	env, err := cel.NewEnv(
		cel.Variable("claims", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("identity", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("request", cel.MapType(cel.StringType, cel.DynType)),
	)
	if err != nil {
		return nil, fmt.Errorf("authz: cel environment: %w", err)
	}
	limit := cfg.CostLimit
	if limit == 0 {
		limit = DefaultCostLimit
	}
	return &Middleware{env: env, costLimit: limit, log: opts.Logger}, nil
}

// Close releases nothing; it exists for the middleware contract.
func (m *Middleware) Close() error { return nil }

// Compile checks a CEL expression the way Wrap does, for `gateway
// validate`.
func (m *Middleware) Compile(expr string) (cel.Program, error) {
	ast, iss := m.env.Compile(expr)
	if iss.Err() != nil {
		return nil, confpath.Errorf("expr", "%v", iss.Err())
	}
	if ast.OutputType() != cel.BoolType {
		return nil, confpath.Errorf("expr", "must evaluate to bool, not %s", ast.OutputType())
	}
	prg, err := m.env.Program(ast, cel.CostLimit(m.costLimit), cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, confpath.Errorf("expr", "%v", err)
	}
	return prg, nil
}

type route struct {
	m    *Middleware
	name string
	rc   RouteConfig
	prg  cel.Program
	next http.Handler
}

// Wrap returns the authorizing handler for one route. Routes without
// requirements get next unchanged.
func (m *Middleware) Wrap(name string, rc RouteConfig, next http.Handler) (http.Handler, error) {
	if err := rc.Validate(); err != nil {
		return nil, fmt.Errorf("route %s: %w", name, confpath.Prefix("authz", err))
	}
	if rc.Scopes.empty() && rc.Roles.empty() && rc.Expr == "" {
		return next, nil
	}
	rt := &route{m: m, name: name, rc: rc, next: next}
	if rc.Expr != "" {
		prg, err := m.Compile(rc.Expr)
		if err != nil {
			return nil, fmt.Errorf("route %s: %w", name, confpath.Prefix("authz", err))
		}
		rt.prg = prg
	}
	return rt, nil
}

func (rt *route) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := reqctx.From(r.Context()).Identity()
	if id == nil {
		// Requirements on a route without authentication are a config
		// mistake; refusing is the only safe reading of it.
		reqctx.Reject(w, r, http.StatusForbidden, "authz.no_identity", "forbidden")
		return
	}
	if !rt.rc.Scopes.holds(id.Scopes) {
		if id.Method == "jwt" {
			// RFC 6750 §3.1: tell the client which scopes would do.
			need := append(slices.Clone(rt.rc.Scopes.AllOf), rt.rc.Scopes.AnyOf...)
			w.Header().Set("WWW-Authenticate", `Bearer realm="warden", error="insufficient_scope", scope="`+strings.Join(need, " ")+`"`)
		}
		reqctx.Reject(w, r, http.StatusForbidden, "authz.scope", "forbidden")
		return
	}
	if !rt.rc.Roles.holds(id.Roles) {
		reqctx.Reject(w, r, http.StatusForbidden, "authz.role", "forbidden")
		return
	}
	if rt.prg != nil {
		out, _, err := rt.prg.Eval(&activation{id: id, r: r})
		if err != nil {
			// Missing claims, type errors and cost overruns all deny.
			rt.m.log.Debug("authz expression error", "route", rt.name, "err", err)
			reqctx.Reject(w, r, http.StatusForbidden, "authz.expr_error", "forbidden")
			return
		}
		if out != types.True {
			reqctx.Reject(w, r, http.StatusForbidden, "authz.expr", "forbidden")
			return
		}
	}
	rt.next.ServeHTTP(w, r)
}

// activation builds the CEL variables lazily: an expression that only
// reads claims never pays for copying the request headers.
type activation struct {
	id *reqctx.Identity
	r  *http.Request
}

var emptyClaims = map[string]any{}

func (a *activation) ResolveName(name string) (any, bool) {
	switch name {
	case "claims":
		if a.id.Claims == nil {
			return emptyClaims, true
		}
		return a.id.Claims, true
	case "identity":
		return map[string]any{
			"consumer": a.id.Consumer, "sub": a.id.Subject, "iss": a.id.Issuer,
			"method": a.id.Method, "scopes": orEmpty(a.id.Scopes), "roles": orEmpty(a.id.Roles),
		}, true
	case "request":
		h := make(map[string]string, len(a.r.Header))
		for k, v := range a.r.Header {
			if len(v) > 0 {
				h[strings.ToLower(k)] = v[0]
			}
		}
		q := map[string]string{}
		for k, v := range a.r.URL.Query() {
			if len(v) > 0 {
				q[k] = v[0]
			}
		}
		return map[string]any{"method": a.r.Method, "path": a.r.URL.Path, "host": a.r.Host, "headers": h, "query": q}, true
	}
	return nil, false
}

func (a *activation) Parent() interpreter.Activation { return nil }

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
