package throttle

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/redis/go-redis/v9"
)

// takeScript checks every bucket (GCRA) and quota, and commits all of them
// only when all allow: one round trip, atomic because Redis runs a script
// to completion. Time comes from the Redis server (TIME), so the replicas'
// clocks never disagree about a bucket. Times are integer microseconds,
// exact in Lua's doubles until the year 2255.
//
// KEYS: n bucket keys, then m quota keys.
// ARGV: n, m, then per bucket (emission_us, burst), then per quota
// (limit, expireat_unix_seconds).
// Returns {allowed, index (1-based key that decided), limit, remaining,
// retry_us, reset_us}.
var takeScript = redis.NewScript(`
local n = tonumber(ARGV[1])
local m = tonumber(ARGV[2])
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local best, best_limit, best_rem, best_reset = 0, 0, -1, 0
local tats = {}
for i = 1, n do
  local em = tonumber(ARGV[1 + 2*i])
  local burst = tonumber(ARGV[2 + 2*i])
  local tat = tonumber(redis.call("GET", KEYS[i]) or now)
  if tat < now then tat = now end
  local new_tat = tat + em
  local diff = now - (new_tat - burst * em)
  if diff < 0 then
    return {0, i, burst, 0, -diff, tat - now}
  end
  local rem = math.floor(diff / em)
  tats[i] = new_tat
  if best_rem < 0 or rem < best_rem then
    best, best_limit, best_rem, best_reset = i, burst, rem, new_tat - now
  end
end
local base = 2 + 2*n
for j = 1, m do
  local limit = tonumber(ARGV[base + 2*j - 1])
  local exp_us = tonumber(ARGV[base + 2*j]) * 1000000
  local c = tonumber(redis.call("GET", KEYS[n + j]) or "0")
  if c + 1 > limit then
    return {0, n + j, limit, 0, exp_us - now, exp_us - now}
  end
  local rem = limit - c - 1
  if best_rem < 0 or rem < best_rem then
    best, best_limit, best_rem, best_reset = n + j, limit, rem, exp_us - now
  end
end
for i = 1, n do
  redis.call("SET", KEYS[i], string.format("%.0f", tats[i]), "PX", math.ceil((tats[i] - now) / 1000))
end
for j = 1, m do
  redis.call("INCR", KEYS[n + j])
  redis.call("EXPIREAT", KEYS[n + j], ARGV[base + 2*j])
end
return {1, best, best_limit, best_rem, 0, best_reset}
`)

// redisStore is the shared limiter.
type redisStore struct {
	client  *redis.Client
	timeout time.Duration
}

func newRedisClient(c RedisConfig) *redis.Client {
	timeout := c.Timeout
	if timeout == 0 {
		timeout = DefaultRedisTimeout
	}
	pw := ""
	if c.PasswordEnv != "" {
		pw = os.Getenv(c.PasswordEnv)
	}
	return redis.NewClient(&redis.Options{
		Addr: c.Addr, Username: c.Username, Password: pw, DB: c.DB,
		// Short timeouts and no retries: a slow or dead Redis must turn
		// into the declared failure policy quickly, not into latency.
		DialTimeout: timeout, ReadTimeout: timeout, WriteTimeout: timeout, PoolTimeout: timeout,
		// go-redis retries failed dials 5 times with 100ms backoff by
		// default; one attempt is enough to know Redis is down.
		MaxRetries: -1, DialerRetries: 1, ContextTimeoutEnabled: true,
	})
}

func (s *redisStore) take(ctx context.Context, buckets []bucket, quotas []quota) (decision, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	keys := make([]string, 0, len(buckets)+len(quotas))
	args := make([]any, 0, 2+2*len(buckets)+2*len(quotas))
	args = append(args, len(buckets), len(quotas))
	for _, b := range buckets {
		keys = append(keys, b.Key)
		args = append(args, b.Emission.Microseconds(), b.Burst)
	}
	for _, q := range quotas {
		keys = append(keys, q.Key)
		args = append(args, q.Limit, q.ExpireAt.Unix())
	}
	res, err := takeScript.Run(ctx, s.client, keys, args...).Int64Slice()
	if err != nil {
		return decision{}, fmt.Errorf("redis limiter: %w", err)
	}
	if len(res) != 6 {
		return decision{}, errors.New("redis limiter: unexpected script result")
	}
	d := decision{Allowed: res[0] == 1, Limit: res[2], Remaining: res[3],
		RetryAfter: time.Duration(res[4]) * time.Microsecond, Reset: time.Duration(res[5]) * time.Microsecond}
	if i := int(res[1]) - 1; !d.Allowed && i >= 0 {
		if i < len(buckets) {
			d.DeniedBy = buckets[i].Kind
		} else if i-len(buckets) < len(quotas) {
			d.DeniedBy = quotas[i-len(buckets)].Kind
		}
	}
	if d.Remaining < 0 {
		d.Remaining = 0
	}
	return d, nil
}
