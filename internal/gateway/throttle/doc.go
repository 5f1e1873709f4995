package throttle

// Configuration, as it appears in gateway.yaml:
//
//	throttle:
//	  backend: redis                  # or local (default)
//	  redis:
//	    addr: 127.0.0.1:6379
//	    password_env: WARDEN_REDIS_PASSWORD
//	    timeout: 100ms                # per limiter call
//	    outage_retry: 1s              # skip Redis this long after a failure
//	    key_prefix: "warden:rl:"
//	  failure_policy: local_fallback  # or fail_closed (503); required with redis
//	  replicas: 3                     # local fallback allows 1/3 of each limit
//	  trusted_proxies: [10.0.0.0/8]   # X-Forwarded-For believed only from these
//	  ipv6_prefix: 64
//	  max_local_keys: 100000
//	  defaults:
//	    ip: {requests: 20, per: 1s, burst: 40}
//	  consumers:                      # plans by consumer name
//	    acme: {rate: {requests: 100, per: 1s}, quota: {daily: 100000, monthly: 2000000}}
//
//	routes:
//	  - name: orders
//	    throttle:
//	      route: {requests: 500, per: 1s}
//	      consumer: {requests: 10, per: 1s, burst: 20}
//	      quota: {daily: 10000}
//
// Buckets are per route. Quotas count a consumer's requests across every
// route that declares a quota (each route compares the shared counter with
// its own limit), per UTC day and month. Denial reasons: throttle.route,
// throttle.consumer, throttle.ip, throttle.quota.daily,
// throttle.quota.monthly (429 with Retry-After), throttle.unavailable
// (503, fail_closed during a Redis outage). RateLimit-Limit,
// RateLimit-Remaining and RateLimit-Reset describe the most restrictive
// limit on every response the middleware lets through or refuses.
