package throttle

import (
	"context"
	"hash/maphash"
	"sort"
	"sync"
	"time"
)

// bucket is one GCRA limit to check: Emission is the time one request
// "costs", Burst how many may arrive at once.
type bucket struct {
	Key      string
	Kind     string // route, consumer, ip: names the denial reason
	Emission time.Duration
	Burst    int64
}

// quota is one counter that must stay at or below Limit until ExpireAt.
type quota struct {
	Key      string
	Kind     string // quota.daily, quota.monthly
	Limit    int64
	ExpireAt time.Time
}

// decision is the outcome of one take. Limit/Remaining/Reset describe the
// most restrictive limit, for the RateLimit-* headers.
type decision struct {
	Allowed    bool
	DeniedBy   string // Kind of the limit that refused
	Limit      int64
	Remaining  int64
	Reset      time.Duration // until the binding limit is fully replenished
	RetryAfter time.Duration // on denial: until a retry can succeed
}

// store is a limiter backend. take consumes one request from every bucket
// and quota, or from none of them: a request refused by the IP limit must
// not also use up the route's budget.
type store interface {
	take(ctx context.Context, buckets []bucket, quotas []quota) (decision, error)
}

// gcra is the Generic Cell Rate Algorithm step (the same arithmetic the
// Redis script runs). tat is the theoretical arrival time: the bucket is
// full when tat <= now. Conformance: tat + emission - burst*emission <= now.
func gcra(tat, now time.Time, emission time.Duration, burst int64) (newTAT time.Time, ok bool, remaining int64, retry, reset time.Duration) {
	if tat.Before(now) {
		tat = now
	}
	newTAT = tat.Add(emission)
	diff := now.Sub(newTAT.Add(-time.Duration(burst) * emission))
	if diff < 0 {
		return tat, false, 0, -diff, tat.Sub(now)
	}
	return newTAT, true, int64(diff / emission), 0, newTAT.Sub(now)
}

const localShards = 64

// local is the in-memory limiter. Its memory is bounded by maxKeys.
//
// Eviction relies on a GCRA property: an entry whose TAT is in the past is
// indistinguishable from no entry (a full bucket), so dropping it changes
// no decision. Only when the table is full of active entries (a flood of
// distinct keys) are live entries evicted, which errs toward allowing
// those keys rather than refusing every new client.
type local struct {
	now     func() time.Time
	perCap  int
	seed    maphash.Seed
	shards  [localShards]shard
	quotaMu sync.Mutex
	quotas  map[string]*counter
}

type shard struct {
	mu sync.Mutex
	m  map[string]time.Time // key -> TAT
}

type counter struct {
	n        int64
	expireAt time.Time
}

func newLocal(maxKeys int, now func() time.Time) *local {
	if maxKeys <= 0 {
		maxKeys = DefaultMaxLocalKeys
	}
	l := &local{now: now, perCap: max(1, maxKeys/localShards), seed: maphash.MakeSeed(), quotas: map[string]*counter{}}
	for i := range l.shards {
		l.shards[i].m = map[string]time.Time{}
	}
	return l
}

func (l *local) shardOf(key string) int {
	return int(maphash.String(l.seed, key) % localShards)
}

func (l *local) take(_ context.Context, buckets []bucket, quotas []quota) (decision, error) {
	now := l.now()
	// Lock every shard involved, in index order (no deadlock), so the
	// check-then-commit over several buckets is atomic.
	idx := make([]int, 0, len(buckets))
	for _, b := range buckets {
		idx = append(idx, l.shardOf(b.Key))
	}
	locked := append([]int(nil), idx...)
	sort.Ints(locked)
	locked = dedupe(locked)
	for _, i := range locked {
		l.shards[i].mu.Lock()
	}
	defer func() {
		for _, i := range locked {
			l.shards[i].mu.Unlock()
		}
	}()
	d := decision{Allowed: true, Remaining: -1}
	newTATs := make([]time.Time, len(buckets))
	for i, b := range buckets {
		tat := l.shards[idx[i]].m[b.Key]
		nt, ok, rem, retry, reset := gcra(tat, now, b.Emission, b.Burst)
		if !ok {
			return decision{DeniedBy: b.Kind, Limit: b.Burst, Remaining: 0, Reset: reset, RetryAfter: retry}, nil
		}
		newTATs[i] = nt
		d.consider(b.Burst, rem, reset)
	}
	l.quotaMu.Lock()
	defer l.quotaMu.Unlock()
	for _, q := range quotas {
		c := l.quotas[q.Key]
		if c != nil && !now.Before(c.expireAt) {
			c = nil
		}
		n := int64(0)
		if c != nil {
			n = c.n
		}
		if n+1 > q.Limit {
			return decision{DeniedBy: q.Kind, Limit: q.Limit, Remaining: 0, Reset: q.ExpireAt.Sub(now), RetryAfter: q.ExpireAt.Sub(now)}, nil
		}
		d.consider(q.Limit, q.Limit-n-1, q.ExpireAt.Sub(now))
	}
	for i, b := range buckets {
		l.store(idx[i], b.Key, newTATs[i], now)
	}
	for _, q := range quotas {
		c := l.quotas[q.Key]
		if c == nil || !now.Before(c.expireAt) {
			if len(l.quotas) >= l.perCap*localShards {
				l.sweepQuotas(now)
			}
			c = &counter{expireAt: q.ExpireAt}
			l.quotas[q.Key] = c
		}
		c.n++
	}
	return d, nil
}

// consider keeps the most restrictive limit for the headers.
func (d *decision) consider(limit, remaining int64, reset time.Duration) {
	if d.Remaining < 0 || remaining < d.Remaining {
		d.Limit, d.Remaining, d.Reset = limit, remaining, reset
	}
}

// store records a TAT, making room first when the shard is at capacity.
func (l *local) store(si int, key string, tat, now time.Time) {
	s := &l.shards[si]
	if _, ok := s.m[key]; !ok && len(s.m) >= l.perCap {
		for k, t := range s.m {
			if !t.After(now) {
				delete(s.m, k)
			}
		}
		// Still full of live entries: drop an eighth, in map order (which
		// is randomised), so the cost of a flood stays amortised O(1).
		for k := range s.m {
			if len(s.m) < l.perCap-l.perCap/8 {
				break
			}
			delete(s.m, k)
		}
	}
	s.m[key] = tat
}

func (l *local) sweepQuotas(now time.Time) {
	for k, c := range l.quotas {
		if !now.Before(c.expireAt) {
			delete(l.quotas, k)
		}
	}
}

// size returns the number of tracked buckets (tests).
func (l *local) size() int {
	n := 0
	for i := range l.shards {
		l.shards[i].mu.Lock()
		n += len(l.shards[i].m)
		l.shards[i].mu.Unlock()
	}
	return n
}

func dedupe(s []int) []int {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
