package gateway

import (
	"io"
	"log/slog"

	"go.yaml.in/yaml/v3"

	"github.com/wardensec/warden/internal/audit"
	"github.com/wardensec/warden/internal/gateway/auditrec"
	"github.com/wardensec/warden/internal/gateway/authn"
	"github.com/wardensec/warden/internal/gateway/authz"
	"github.com/wardensec/warden/internal/gateway/throttle"
	"github.com/wardensec/warden/internal/gateway/waf"
)

// DefaultModules are the stages built by the authentication,
// authorization, throttling and WAF packages, in the shape of
// docs/gateway-design.md. Authentication is always built, even without an
// `auth` section, because authn refuses a route that does not say how its
// callers authenticate ([none] makes a route public): a route is never open
// by omission. The others are built only when configured; the WAF in
// particular compiles the whole CRS, which a config without it should not pay
// for on every reload.
var DefaultModules = []Module{
	Adapt("auth", func(c authn.Config, env Env) (*authn.Middleware, error) {
		for _, cs := range env.Consumers {
			c.Consumers = append(c.Consumers, authn.Consumer{Name: cs.Name, APIKeySHA256: cs.APIKeys, MTLSSubjects: cs.MTLSSubjects, Scopes: cs.Scopes, Roles: cs.Roles})
		}
		return authn.New(c, authn.Options{Logger: env.Logger})
	}),
	Optional(Adapt("authz", func(c authz.Config, env Env) (*authz.Middleware, error) {
		return authz.New(c, authz.Options{Logger: env.Logger})
	})),
	Optional(Adapt("throttle", func(c throttle.Config, env Env) (*throttle.Middleware, error) {
		return throttle.New(c, throttle.Options{Logger: env.Logger})
	})),
	Optional(Adapt("waf", func(c waf.Config, env Env) (*waf.Middleware, error) {
		return waf.New(c, waf.Options{Logger: env.Logger})
	})),
}

// DefaultAudit opens the hash-chained audit log of internal/audit (SQLite by
// default, `sink: stdout` for JSON lines). `sink: none` is handled here:
// the gateway then keeps only metrics.
func DefaultAudit(log *slog.Logger, stdout io.Writer) RecorderFactory {
	return func(n *yaml.Node, cfg *Config) (auditrec.Recorder, io.Closer, error) {
		var c audit.Config
		if err := DecodeSection(n, &c); err != nil {
			return nil, nil, err
		}
		if c.Sink == "none" {
			return nil, nil, nil
		}
		if err := c.Validate(); err != nil {
			return nil, nil, err
		}
		l, err := audit.New(c, audit.Options{Logger: log, Stdout: stdout, Dir: cfg.Dir})
		if err != nil {
			return nil, nil, err
		}
		return l, l, nil
	}
}

// checkAudit validates the audit section without opening the log.
func checkAudit(n *yaml.Node) error {
	var c audit.Config
	if err := DecodeSection(n, &c); err != nil {
		return err
	}
	if c.Sink == "none" {
		return nil
	}
	return c.Validate()
}
