package throttle

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/wardensec/warden/internal/gateway/confpath"
	"github.com/wardensec/warden/internal/gateway/proxynet"
)

// Backends and failure policies.
const (
	BackendLocal = "local"
	BackendRedis = "redis"

	// FailClosed answers 503 while Redis is unreachable: limits are never
	// exceeded, at the price of availability.
	FailClosed = "fail_closed"
	// LocalFallback switches to the in-memory limiter (limits divided by
	// Replicas) while Redis is unreachable: the service stays up and
	// limits hold approximately.
	LocalFallback = "local_fallback"
)

// Defaults.
const (
	DefaultMaxLocalKeys = 100_000
	DefaultRedisTimeout = 100 * time.Millisecond
	DefaultOutageRetry  = time.Second
	DefaultKeyPrefix    = "warden:rl:"
	DefaultIPv6Prefix   = 64
)

// Config is the global `throttle` section.
type Config struct {
	// Backend is local (default) or redis.
	Backend string      `yaml:"backend"`
	Redis   RedisConfig `yaml:"redis"`
	// FailurePolicy is required with the redis backend: fail_closed or
	// local_fallback. There is no default because both answers are
	// defensible and the operator must choose.
	FailurePolicy string `yaml:"failure_policy"`
	// Replicas divides the limits of the local fallback, so that N
	// gateways limiting independently stay near the shared limit.
	Replicas int `yaml:"replicas"`
	// TrustedProxies are CIDRs whose X-Forwarded-For entries are believed.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// IPv6Prefix groups IPv6 clients by this prefix length (default /64):
	// one host usually owns a whole /64, so per-address limits would be
	// trivial to evade.
	IPv6Prefix int `yaml:"ipv6_prefix"`
	// MaxLocalKeys bounds the in-memory limiter's state (default 100,000).
	MaxLocalKeys int `yaml:"max_local_keys"`
	// Defaults apply to routes that set nothing.
	Defaults RouteConfig `yaml:"defaults"`
	// Consumers override the per-consumer rate and quotas by consumer
	// name, e.g. a paid plan.
	Consumers map[string]Plan `yaml:"consumers"`
}

// RedisConfig addresses one Redis server (not Cluster: the limit check
// touches several keys in one atomic script).
type RedisConfig struct {
	Addr     string `yaml:"addr"`
	Username string `yaml:"username"`
	// PasswordEnv names the environment variable holding the password, so
	// the secret stays out of the config file.
	PasswordEnv string `yaml:"password_env"`
	DB          int    `yaml:"db"`
	// Timeout bounds each limiter call (default 100ms): an outage must not
	// stall requests.
	Timeout time.Duration `yaml:"timeout"`
	// OutageRetry is how long to skip Redis after a failure before trying
	// again (default 1s), so that a blackholed server costs one timeout
	// per interval instead of one per request.
	OutageRetry time.Duration `yaml:"outage_retry"`
	KeyPrefix   string        `yaml:"key_prefix"`
}

// Rate is a token bucket: Requests per Per, with Burst requests allowed
// at once (default Burst = Requests).
type Rate struct {
	Requests int64         `yaml:"requests"`
	Per      time.Duration `yaml:"per"`
	Burst    int64         `yaml:"burst"`
}

// Quota caps a consumer's requests per UTC calendar day and month.
type Quota struct {
	Daily   int64 `yaml:"daily"`
	Monthly int64 `yaml:"monthly"`
}

// Plan overrides the per-consumer limits for one consumer.
type Plan struct {
	Rate  *Rate `yaml:"rate"`
	Quota Quota `yaml:"quota"`
}

// RouteConfig is the per-route `throttle` section. Nil or zero fields
// inherit Config.Defaults.
type RouteConfig struct {
	// Route limits all callers of the route together.
	Route *Rate `yaml:"route"`
	// Consumer limits each authenticated consumer (API key owner, or
	// issuer+sub). Unauthenticated callers are covered by IP.
	Consumer *Rate `yaml:"consumer"`
	// IP limits each client address (IPv6 by prefix).
	IP    *Rate `yaml:"ip"`
	Quota Quota `yaml:"quota"`
	// Disabled turns throttling off for the route.
	Disabled bool `yaml:"disabled"`
}

// Validate checks the section.
func (c *Config) Validate() error {
	var errs []error
	add := func(p, f string, a ...any) { errs = append(errs, confpath.Errorf(p, f, a...)) }
	switch c.Backend {
	case "", BackendLocal:
	case BackendRedis:
		if c.Redis.Addr == "" {
			add("redis.addr", "is required with backend: redis")
		}
		if c.FailurePolicy != FailClosed && c.FailurePolicy != LocalFallback {
			add("failure_policy", "must be %s or %s with backend: redis", FailClosed, LocalFallback)
		}
		if c.Redis.Timeout < 0 || c.Redis.Timeout > 5*time.Second {
			add("redis.timeout", "must be between 0 and 5s")
		}
		if c.Redis.PasswordEnv != "" {
			if _, ok := os.LookupEnv(c.Redis.PasswordEnv); !ok {
				add("redis.password_env", "environment variable %s is not set", c.Redis.PasswordEnv)
			}
		}
	default:
		add("backend", "must be local or redis, not %q", c.Backend)
	}
	if c.FailurePolicy != "" && c.FailurePolicy != FailClosed && c.FailurePolicy != LocalFallback {
		add("failure_policy", "must be %s or %s", FailClosed, LocalFallback)
	}
	if c.Replicas < 0 {
		add("replicas", "must not be negative")
	}
	for i, p := range c.TrustedProxies {
		if _, err := proxynet.ParsePrefix(p); err != nil {
			add(fmt.Sprintf("trusted_proxies[%d]", i), "%v", err)
		}
	}
	if c.IPv6Prefix != 0 && (c.IPv6Prefix < 32 || c.IPv6Prefix > 128) {
		add("ipv6_prefix", "must be between 32 and 128")
	}
	if c.MaxLocalKeys < 0 {
		add("max_local_keys", "must not be negative")
	}
	if err := c.Defaults.Validate(); err != nil {
		errs = append(errs, confpath.Prefix("defaults", err))
	}
	names := make([]string, 0, len(c.Consumers))
	for n := range c.Consumers {
		names = append(names, n)
	}
	sort.Strings(names) // deterministic error order
	for _, n := range names {
		p := c.Consumers[n]
		if p.Rate != nil {
			if err := p.Rate.validate(); err != nil {
				errs = append(errs, confpath.Prefix("consumers."+n+".rate", err))
			}
		}
		if err := p.Quota.validate(); err != nil {
			errs = append(errs, confpath.Prefix("consumers."+n+".quota", err))
		}
	}
	return errors.Join(errs...)
}

// Validate checks a route section.
func (c *RouteConfig) Validate() error {
	var errs []error
	for name, r := range map[string]*Rate{"route": c.Route, "consumer": c.Consumer, "ip": c.IP} {
		if r != nil {
			if err := r.validate(); err != nil {
				errs = append(errs, confpath.Prefix(name, err))
			}
		}
	}
	if err := c.Quota.validate(); err != nil {
		errs = append(errs, confpath.Prefix("quota", err))
	}
	return errors.Join(errs...)
}

func (r *Rate) validate() error {
	var errs []error
	if r.Requests <= 0 {
		errs = append(errs, confpath.Errorf("requests", "must be positive"))
	}
	if r.Per <= 0 {
		errs = append(errs, confpath.Errorf("per", "must be a positive duration such as 1s or 1m"))
	} else if r.Requests > 0 && r.Per/time.Duration(r.Requests) < time.Microsecond {
		errs = append(errs, confpath.Errorf("requests", "more than one request per microsecond is not a limit"))
	}
	if r.Burst < 0 {
		errs = append(errs, confpath.Errorf("burst", "must not be negative"))
	}
	return errors.Join(errs...)
}

func (q Quota) validate() error {
	var errs []error
	if q.Daily < 0 {
		errs = append(errs, confpath.Errorf("daily", "must not be negative"))
	}
	if q.Monthly < 0 {
		errs = append(errs, confpath.Errorf("monthly", "must not be negative"))
	}
	return errors.Join(errs...)
}

// interval is the GCRA emission interval and burst of a rate.
func (r *Rate) gcra() (emission time.Duration, burst int64) {
	b := r.Burst
	if b == 0 {
		b = r.Requests
	}
	return r.Per / time.Duration(r.Requests), b
}
