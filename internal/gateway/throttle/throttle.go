// Package throttle is the gateway's rate-limiting middleware: token buckets
// (GCRA) per route, per consumer and per client IP, plus daily and monthly
// quotas per consumer. State is local to the process or shared through
// Redis with an atomic Lua script, and a Redis outage follows the declared
// failure policy (fail_closed or local_fallback).
package throttle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wardensec/warden/internal/gateway/confpath"
	"github.com/wardensec/warden/internal/gateway/proxynet"
	"github.com/wardensec/warden/internal/gateway/reqctx"
)

// Options are runtime dependencies.
type Options struct {
	Logger *slog.Logger
	// Now is the clock for the local limiter, quota periods and the outage
	// breaker. Default time.Now.
	Now func() time.Time
	// RedisClient replaces the client built from Config.Redis (tests,
	// or sharing one pool with other components).
	RedisClient *redis.Client
}

// Middleware enforces limits. Build one per config generation; generations
// built on the local backend start with empty buckets.
type Middleware struct {
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
	trusted  proxynet.Trusted
	v6bits   int
	prefix   string
	primary  store
	fallback store // local_fallback only
	redis    *redis.Client
	ownRedis bool
	retry    time.Duration

	downUntil atomic.Int64 // unix ns; Redis is skipped until then
}

// New builds the limiter backends.
func New(cfg Config, opts Options) (*Middleware, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("throttle config: %w", err)
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	trusted, err := proxynet.Parse(cfg.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("throttle: trusted_proxies: %w", err)
	}
	m := &Middleware{cfg: cfg, log: opts.Logger, now: opts.Now, trusted: trusted,
		v6bits: cfg.IPv6Prefix, prefix: cfg.Redis.KeyPrefix, retry: cfg.Redis.OutageRetry}
	if m.v6bits == 0 {
		m.v6bits = DefaultIPv6Prefix
	}
	if m.prefix == "" {
		m.prefix = DefaultKeyPrefix
	}
	if m.retry == 0 {
		m.retry = DefaultOutageRetry
	}
	if cfg.Backend != BackendRedis {
		m.primary = newLocal(cfg.MaxLocalKeys, opts.Now)
		return m, nil
	}
	m.redis = opts.RedisClient
	if m.redis == nil {
		m.redis, m.ownRedis = newRedisClient(cfg.Redis), true
	}
	timeout := cfg.Redis.Timeout
	if timeout == 0 {
		timeout = DefaultRedisTimeout
	}
	m.primary = &redisStore{client: m.redis, timeout: timeout}
	if cfg.FailurePolicy == LocalFallback {
		m.fallback = newLocal(cfg.MaxLocalKeys, opts.Now)
	}
	return m, nil
}

// Close releases the Redis client it created.
func (m *Middleware) Close() error {
	if m.ownRedis && m.redis != nil {
		if err := m.redis.Close(); err != nil {
			return fmt.Errorf("throttle: close redis: %w", err)
		}
	}
	return nil
}

type route struct {
	m    *Middleware
	name string
	rc   RouteConfig
	base string // key prefix of the route's buckets: prefix + route name as used in keys + ":"
	next http.Handler
}

// Wrap returns the limiting handler for one route.
func (m *Middleware) Wrap(name string, rc RouteConfig, next http.Handler) (http.Handler, error) {
	if err := rc.Validate(); err != nil {
		return nil, fmt.Errorf("route %s: %w", name, confpath.Prefix("throttle", err))
	}
	if rc.Disabled {
		return next, nil
	}
	d := m.cfg.Defaults
	if rc.Route == nil {
		rc.Route = d.Route
	}
	if rc.Consumer == nil {
		rc.Consumer = d.Consumer
	}
	if rc.IP == nil {
		rc.IP = d.IP
	}
	if rc.Quota.Daily == 0 {
		rc.Quota.Daily = d.Quota.Daily
	}
	if rc.Quota.Monthly == 0 {
		rc.Quota.Monthly = d.Quota.Monthly
	}
	if rc.Route == nil && rc.Consumer == nil && rc.IP == nil && rc.Quota == (Quota{}) && len(m.cfg.Consumers) == 0 {
		return next, nil
	}
	return &route{m: m, name: name, rc: rc, base: m.prefix + keyPart(name) + ":", next: next}, nil
}

// keyPart keeps keys short and free of separators: long or odd values
// (JWT subjects, route names) are hashed.
func keyPart(s string) string {
	if len(s) <= 64 && safeKey(s) {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return "h" + hex.EncodeToString(sum[:12])
}

func safeKey(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '@') {
			return false
		}
	}
	return true
}

func (rt *route) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := rt.m
	now := m.now()
	consumer := ""
	consumerRate, q := rt.rc.Consumer, rt.rc.Quota
	if id := reqctx.From(r.Context()).Identity(); id != nil && id.Consumer != "" {
		consumer = id.Consumer
		if id.Method == "jwt" && id.Issuer != "" {
			// Subjects are only unique per issuer.
			consumer = id.Issuer + "|" + id.Consumer
		}
		if p, ok := m.cfg.Consumers[id.Consumer]; ok {
			if p.Rate != nil {
				consumerRate = p.Rate
			}
			if p.Quota.Daily != 0 {
				q.Daily = p.Quota.Daily
			}
			if p.Quota.Monthly != 0 {
				q.Monthly = p.Quota.Monthly
			}
		}
	}
	base := rt.base
	buckets := make([]bucket, 0, 3)
	add := func(kind, id string, rate *Rate) {
		if rate == nil {
			return
		}
		em, burst := rate.gcra()
		buckets = append(buckets, bucket{Key: base + kind + ":" + id, Kind: kind, Emission: em, Burst: burst})
	}
	add("route", "all", rt.rc.Route)
	if consumer != "" {
		add("consumer", keyPart(consumer), consumerRate)
	}
	if rt.rc.IP != nil { // the X-Forwarded-For walk only when a per-IP rate needs it
		add("ip", ipKey(ClientIP(r, m.trusted), m.v6bits), rt.rc.IP)
	}
	var quotas []quota
	if consumer != "" {
		utc := now.UTC()
		if q.Daily > 0 {
			end := time.Date(utc.Year(), utc.Month(), utc.Day()+1, 0, 0, 0, 0, time.UTC)
			quotas = append(quotas, quota{Key: m.prefix + "q:d:" + utc.Format("20060102") + ":" + keyPart(consumer), Kind: "quota.daily", Limit: q.Daily, ExpireAt: end})
		}
		if q.Monthly > 0 {
			end := time.Date(utc.Year(), utc.Month()+1, 1, 0, 0, 0, 0, time.UTC)
			quotas = append(quotas, quota{Key: m.prefix + "q:m:" + utc.Format("200601") + ":" + keyPart(consumer), Kind: "quota.monthly", Limit: q.Monthly, ExpireAt: end})
		}
	}
	if len(buckets) == 0 && len(quotas) == 0 {
		rt.next.ServeHTTP(w, r)
		return
	}
	d, err := m.take(r.Context(), now, buckets, quotas)
	if err != nil {
		reqctx.Reject(w, r, http.StatusServiceUnavailable, "throttle.unavailable", "service temporarily unavailable")
		return
	}
	h := w.Header()
	h.Set("RateLimit-Limit", strconv.FormatInt(d.Limit, 10))
	h.Set("RateLimit-Remaining", strconv.FormatInt(d.Remaining, 10))
	h.Set("RateLimit-Reset", strconv.FormatInt(ceilSeconds(d.Reset), 10))
	if !d.Allowed {
		h.Set("Retry-After", strconv.FormatInt(max(1, ceilSeconds(d.RetryAfter)), 10))
		reqctx.Reject(w, r, http.StatusTooManyRequests, "throttle."+d.DeniedBy, "too many requests")
		return
	}
	rt.next.ServeHTTP(w, r)
}

// take asks the primary store, and applies the failure policy when it is
// Redis and Redis fails. After a failure Redis is skipped for OutageRetry,
// so an unreachable server costs one timeout per interval, not per request.
func (m *Middleware) take(ctx context.Context, now time.Time, buckets []bucket, quotas []quota) (decision, error) {
	if m.redis == nil {
		return m.primary.take(ctx, buckets, quotas)
	}
	if now.UnixNano() >= m.downUntil.Load() {
		d, err := m.primary.take(ctx, buckets, quotas)
		if err == nil {
			return d, nil
		}
		if ctx.Err() != nil {
			// The client went away; that says nothing about Redis.
			return decision{}, fmt.Errorf("throttle: request cancelled: %w", ctx.Err())
		}
		m.downUntil.Store(now.Add(m.retry).UnixNano())
		m.log.Warn("redis limiter unavailable; applying failure policy", "policy", m.cfg.FailurePolicy, "err", err)
	}
	if m.fallback == nil {
		return decision{}, fmt.Errorf("throttle: redis unavailable (fail_closed)")
	}
	return m.fallback.take(ctx, m.divide(buckets), quotas)
}

// divide scales the limits for the local fallback: with N replicas each
// allows 1/N of the shared rate and burst.
func (m *Middleware) divide(b []bucket) []bucket {
	n := int64(m.cfg.Replicas)
	if n <= 1 {
		return b
	}
	out := make([]bucket, len(b))
	for i, x := range b {
		x.Emission *= time.Duration(n)
		x.Burst = max(1, x.Burst/n)
		out[i] = x
	}
	return out
}

func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}
