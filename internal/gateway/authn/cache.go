package authn

import (
	"crypto"
	"crypto/sha256"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wardensec/warden/internal/gateway/reqctx"
)

// The verified-token cache saves the signature check (most of the JWT
// path's cost) for a token that was already verified. Its rules:
//
//   - Only successful verifications are stored; a failure is never cached,
//     so an attacker cannot plant a negative or a positive decision.
//   - The key is the SHA-256 of the whole compact token; the token itself
//     is not kept.
//   - A hit is used only while the token's own exp/nbf/iat/max_age checks
//     pass at the current clock, with the issuer's leeway applied exactly as
//     jwx applies it on a full verification, and only until max_ttl after
//     the verification.
//   - A hit is used only while the key set that verified the token still
//     holds the same keys under the token's kid: after a JWKS refresh that
//     removes or replaces the kid the entry is dropped and the token goes
//     through full verification (and fails, if its key is gone).
//   - The cache belongs to one verifier, which belongs to one Middleware,
//     which is built per config generation: a reload with different
//     audiences, algorithms, types or leeway starts with an empty cache.
//   - The route's issuer restriction is checked on every hit.
//   - Size is bounded: a fixed number of shards, each an LRU with a fixed
//     capacity, so unique tokens evict old entries instead of growing memory.

// Defaults and caps for the token cache.
const (
	DefaultTokenCacheSize   = 10000
	DefaultTokenCacheMaxTTL = 5 * time.Minute
	MaxTokenCacheSize       = 1 << 20
	MaxTokenCacheTTL        = time.Hour
	tokenCacheShards        = 16
)

// cachedToken is one verification decision.
type cachedToken struct {
	key        [sha256.Size]byte
	is         *issuer
	id         *reqctx.Identity
	kid        string
	ks         *keySet     // the key-set generation seen when verified
	keys       []verifyKey // the keys under kid in that generation
	exp        time.Time
	nbf, iat   time.Time // zero when the claim is absent
	validUntil time.Time // verification time + max_ttl
	prev, next *cachedToken
}

type cacheShard struct {
	mu    sync.Mutex
	cap   int
	items map[[sha256.Size]byte]*cachedToken
	head  *cachedToken // most recently used
	tail  *cachedToken // least recently used
}

// tokenCache is a sharded LRU of verified tokens.
type tokenCache struct {
	shards []cacheShard
	hits   atomic.Int64 // counted for metrics and tests
}

func newTokenCache(size int) *tokenCache {
	n := tokenCacheShards
	if size < n {
		n = size
	}
	c := &tokenCache{shards: make([]cacheShard, n)}
	for i := range c.shards {
		// Spread size exactly: the shard capacities sum to size.
		c.shards[i].cap = size / n
		if i < size%n {
			c.shards[i].cap++
		}
		c.shards[i].items = make(map[[sha256.Size]byte]*cachedToken)
	}
	return c
}

func (c *tokenCache) shard(k *[sha256.Size]byte) *cacheShard {
	return &c.shards[int(k[0])%len(c.shards)]
}

// len returns the number of entries (tests and metrics).
func (c *tokenCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += len(s.items)
		s.mu.Unlock()
	}
	return n
}

// get returns the identity for a cached token if the entry is still valid
// at now, or nil. An entry that is no longer valid is removed.
func (c *tokenCache) get(k [sha256.Size]byte, allowed map[string]bool) *reqctx.Identity {
	s := c.shard(&k)
	s.mu.Lock()
	e, ok := s.items[k]
	if !ok {
		s.mu.Unlock()
		return nil
	}
	if allowed != nil && !allowed[e.is.cfg.Issuer] {
		// Not usable on this route, but still valid for others: a
		// full verification would fail with "iss" for this route too.
		s.mu.Unlock()
		return nil
	}
	if !e.usable() {
		s.remove(e)
		s.mu.Unlock()
		return nil
	}
	s.moveFront(e)
	id := e.id
	s.mu.Unlock()
	c.hits.Add(1)
	return cloneIdentity(id)
}

// usable re-applies the time checks and the key check; called with the
// shard lock held (it may update e.ks).
func (e *cachedToken) usable() bool {
	now := e.is.now()
	skew := e.is.cfg.Leeway
	// The same comparisons as jwx's exp, nbf and iat validators.
	if !now.Before(e.exp.Add(skew)) || !now.Before(e.validUntil) {
		return false
	}
	if !e.nbf.IsZero() && now.Before(e.nbf.Add(-skew)) {
		return false
	}
	if !e.iat.IsZero() && now.Before(e.iat.Add(-skew)) {
		return false
	}
	if e.is.cfg.MaxAge > 0 && now.Sub(e.iat) > e.is.cfg.MaxAge+skew {
		return false
	}
	cur := e.is.keys.keys.Load()
	if cur == nil {
		return false
	}
	if cur != e.ks {
		// The JWKS was refetched: the decision stands only if the kid
		// still names exactly the keys that were trusted.
		if !sameKeys((*cur)[e.kid], e.keys) {
			return false
		}
		e.ks = cur
	}
	return true
}

// put stores a verification decision, evicting the least recently used
// entry of the shard when it is full.
func (c *tokenCache) put(e *cachedToken) {
	s := c.shard(&e.key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.items[e.key]; ok {
		s.remove(old)
	}
	for len(s.items) >= s.cap && s.tail != nil {
		s.remove(s.tail)
	}
	s.items[e.key] = e
	s.pushFront(e)
}

func (s *cacheShard) pushFront(e *cachedToken) {
	e.prev, e.next = nil, s.head
	if s.head != nil {
		s.head.prev = e
	}
	s.head = e
	if s.tail == nil {
		s.tail = e
	}
}

func (s *cacheShard) unlink(e *cachedToken) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		s.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		s.tail = e.prev
	}
	e.prev, e.next = nil, nil
}

func (s *cacheShard) remove(e *cachedToken) {
	s.unlink(e)
	delete(s.items, e.key)
}

func (s *cacheShard) moveFront(e *cachedToken) {
	if s.head == e {
		return
	}
	s.unlink(e)
	s.pushFront(e)
}

// sameKeys reports whether two key lists hold the same public keys with the
// same alg pins, in order.
func sameKeys(a, b []verifyKey) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	for i := range a {
		if a[i].alg != b[i].alg {
			return false
		}
		ea, ok := a[i].pub.(interface{ Equal(crypto.PublicKey) bool })
		if !ok || !ea.Equal(b[i].pub) {
			return false
		}
	}
	return true
}

// cloneIdentity gives each request its own Identity, so that a later stage
// that modifies it cannot change what other requests see. Nested claim
// values are shared and must be treated as read-only, as before.
func cloneIdentity(id *reqctx.Identity) *reqctx.Identity {
	c := *id
	c.Scopes = slices.Clone(id.Scopes)
	c.Roles = slices.Clone(id.Roles)
	c.Claims = maps.Clone(id.Claims)
	return &c
}
