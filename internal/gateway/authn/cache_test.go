package authn

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
)

func reasonOf(err error) string {
	if te, ok := err.(*tokenError); ok {
		return te.reason
	}
	return fmt.Sprint(err)
}

// refreshNow refetches every issuer's JWKS, as the periodic loop does.
func (e *env) refreshNow() {
	for _, is := range e.m.ver.issuers {
		is.keys.refresh()
	}
}

func TestTokenCacheHitReturnsSameIdentity(t *testing.T) {
	e := newEnv(t, nil, RouteConfig{})
	tok := sign(t, rsaAK, jwa.RS256(), e.claims(), nil)
	ctx := context.Background()
	first, err := e.m.VerifyToken(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if n := e.m.ver.cache.len(); n != 1 {
		t.Fatalf("cache has %d entries after one verification", n)
	}
	second, err := e.m.VerifyToken(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if h := e.m.ver.cache.hits.Load(); h != 1 {
		t.Fatalf("hits %d, want 1", h)
	}
	if !reflect.DeepEqual(first, second) {
		t.Fatalf("cached identity differs:\n%+v\n%+v", first, second)
	}
	// Each request gets its own copy: a later stage editing it cannot
	// change what the next request sees.
	second.Scopes[0] = "tampered"
	second.Claims["sub"] = "admin"
	third, _ := e.m.VerifyToken(ctx, tok)
	if third.Scopes[0] != first.Scopes[0] || third.Claims["sub"] != "user-42" {
		t.Fatalf("cached identity was modified through a returned copy: %+v", third)
	}
	// The full HTTP path serves the same identity from the cache.
	if r := e.do(tok, nil, ""); r.status != 200 || e.lastID.Load().Subject != "user-42" {
		t.Fatalf("via HTTP: %d %+v", r.status, e.lastID.Load())
	}
	// The token itself is not kept: entries hold its SHA-256 only.
	for i := range e.m.ver.cache.shards {
		for k := range e.m.ver.cache.shards[i].items {
			if strings.Contains(string(k[:]), tok[:16]) {
				t.Fatal("token bytes in cache key")
			}
		}
	}
}

func TestTokenCacheFailuresNotCached(t *testing.T) {
	e := newEnv(t, nil, RouteConfig{})
	c := e.claims()
	c["aud"] = "api://billing"
	bad := sign(t, rsaAK, jwa.RS256(), c, nil)
	for i := 0; i < 3; i++ {
		if _, err := e.m.VerifyToken(context.Background(), bad); reasonOf(err) != "aud" {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	good := sign(t, rsaAK, jwa.RS256(), e.claims(), nil)
	if _, err := e.m.VerifyToken(context.Background(), good); err != nil {
		t.Fatal(err)
	}
	// Same header and payload with a broken signature: a different cache
	// key, so full verification, which fails.
	forged := good[:strings.LastIndexByte(good, '.')+1] + "AAAA" + good[strings.LastIndexByte(good, '.')+5:]
	if _, err := e.m.VerifyToken(context.Background(), forged); reasonOf(err) != "signature" {
		t.Fatalf("forged signature after a cached good token: %v", err)
	}
	if n := e.m.ver.cache.len(); n != 1 {
		t.Fatalf("cache has %d entries; only the verified token belongs there", n)
	}
}

func TestTokenCacheExpiryUsesClock(t *testing.T) {
	e := newEnv(t, nil, RouteConfig{})
	ctx := context.Background()
	c := e.claims()
	start := e.clock.Now()
	exp := start.Add(time.Minute)
	c["exp"] = exp.Unix()
	tok := sign(t, rsaAK, jwa.RS256(), c, nil)
	if _, err := e.m.VerifyToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	e.clock.ns.Store(exp.Add(29 * time.Second).UnixNano()) // inside the 30s leeway
	if _, err := e.m.VerifyToken(ctx, tok); err != nil {
		t.Fatalf("inside leeway: %v", err)
	}
	if h := e.m.ver.cache.hits.Load(); h != 1 {
		t.Fatalf("hits %d, want 1", h)
	}
	e.clock.ns.Store(exp.Add(31 * time.Second).UnixNano())
	if _, err := e.m.VerifyToken(ctx, tok); reasonOf(err) != "expired" {
		t.Fatalf("expired token served from cache: %v", err)
	}
	if n := e.m.ver.cache.len(); n != 0 {
		t.Fatalf("expired entry kept: %d", n)
	}
	// A clock that goes back before nbf (minus leeway) makes the cached
	// token not yet valid again, exactly as a full check would.
	e.clock.ns.Store(start.UnixNano())
	tok2 := sign(t, rsaAK, jwa.RS256(), e.claims(), nil)
	if _, err := e.m.VerifyToken(ctx, tok2); err != nil {
		t.Fatal(err)
	}
	e.clock.ns.Store(start.Add(-31 * time.Second).UnixNano())
	if _, err := e.m.VerifyToken(ctx, tok2); err == nil {
		t.Fatal("token before nbf-leeway accepted from cache")
	}
}

func TestTokenCacheMaxTTL(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.JWT.TokenCache.MaxTTL = time.Minute }, RouteConfig{})
	ctx := context.Background()
	tok := sign(t, rsaAK, jwa.RS256(), e.claims(), nil) // exp in 5m
	if _, err := e.m.VerifyToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(61 * time.Second)
	if _, err := e.m.VerifyToken(ctx, tok); err != nil {
		t.Fatal(err) // still valid, re-verified
	}
	if h := e.m.ver.cache.hits.Load(); h != 0 {
		t.Fatalf("entry reused after max_ttl: %d hits", h)
	}
}

// TestTokenCacheMatchesFullValidation compares a cached and an uncached
// middleware on the same tokens at clock offsets around every time check.
func TestTokenCacheMatchesFullValidation(t *testing.T) {
	on := newEnv(t, func(c *Config) { c.JWT.Issuers[0].MaxAge = 2 * time.Minute }, RouteConfig{})
	off := newEnv(t, func(c *Config) {
		c.JWT.Issuers[0].MaxAge = 2 * time.Minute
		c.JWT.TokenCache.Disabled = true
	}, RouteConfig{})
	if off.m.ver.cache != nil {
		t.Fatal("disabled cache was built")
	}
	base := on.clock.Now()
	claims := func(iss string) map[string]any {
		return map[string]any{"iss": iss, "aud": aud, "sub": "u",
			"iat": base.Unix(), "nbf": base.Add(10 * time.Second).Unix(), "exp": base.Add(time.Minute).Unix()}
	}
	tokOn := sign(t, rsaAK, jwa.RS256(), claims(on.idp.srv.URL), nil)
	tokOff := sign(t, rsaAK, jwa.RS256(), claims(off.idp.srv.URL), nil)
	ctx := context.Background()
	set := func(d time.Duration) {
		on.clock.ns.Store(base.Add(d).UnixNano())
		off.clock.ns.Store(base.Add(d).UnixNano())
	}
	set(0) // cache it once
	if _, err := on.m.VerifyToken(ctx, tokOn); err != nil {
		t.Fatal(err)
	}
	offsets := []time.Duration{-21 * time.Second, -20 * time.Second, -19500 * time.Millisecond, 0,
		89 * time.Second, 89999 * time.Millisecond, 90 * time.Second, 150 * time.Second, 151 * time.Second}
	for _, d := range offsets {
		set(d)
		_, errOn := on.m.VerifyToken(ctx, tokOn)
		_, errOff := off.m.VerifyToken(ctx, tokOff)
		if (errOn == nil) != (errOff == nil) {
			t.Fatalf("at %v: cached %v, uncached %v", d, errOn, errOff)
		}
		if errOn == nil {
			continue
		}
		// Re-cache for the next offset.
		set(0)
		if _, err := on.m.VerifyToken(ctx, tokOn); err != nil {
			t.Fatal(err)
		}
	}
	if on.m.ver.cache.hits.Load() == 0 {
		t.Fatal("the cached path was never exercised")
	}
}

func TestTokenCacheKeyRotatedOut(t *testing.T) {
	e := newEnv(t, nil, RouteConfig{})
	ctx := context.Background()
	tokA := sign(t, rsaAK, jwa.RS256(), e.claims(), nil)
	tokB := sign(t, rsaBK, jwa.RS256(), e.claims(), nil)
	for _, tok := range []string{tokA, tokB} {
		if _, err := e.m.VerifyToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	// A refresh that changes nothing keeps the entries usable.
	e.refreshNow()
	if _, err := e.m.VerifyToken(ctx, tokA); err != nil {
		t.Fatal(err)
	}
	if h := e.m.ver.cache.hits.Load(); h != 1 {
		t.Fatalf("hits %d after a no-op refresh, want 1", h)
	}
	// Key A leaves the JWKS.
	e.idp.publish(t, rsaBK, ecK)
	e.refreshNow()
	if _, err := e.m.VerifyToken(ctx, tokA); reasonOf(err) != "kid" {
		t.Fatalf("token of a rotated-out key: %v", err)
	}
	if r := e.do(tokA, nil, ""); r.status != 401 {
		t.Fatalf("via HTTP: %d", r.status)
	}
	if _, err := e.m.VerifyToken(ctx, tokB); err != nil {
		t.Fatalf("token of a kept key: %v", err)
	}
	// The IdP reuses kid rsa-b for a different key: the old decision was
	// taken under another key and must not stand.
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	otherK, _ := jwk.Import(other)
	_ = otherK.Set(jwk.KeyIDKey, "rsa-b")
	e.idp.publish(t, otherK, ecK)
	e.refreshNow()
	if _, err := e.m.VerifyToken(ctx, tokB); reasonOf(err) != "signature" {
		t.Fatalf("token whose kid now names another key: %v", err)
	}
	if n := e.m.ver.cache.len(); n != 0 {
		t.Fatalf("%d stale entries left", n)
	}
}

func TestTokenCacheNotReusedAcrossReload(t *testing.T) {
	e := newEnv(t, nil, RouteConfig{})
	ctx := context.Background()
	tok := sign(t, rsaAK, jwa.RS256(), e.claims(), nil) // aud api://orders
	if _, err := e.m.VerifyToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	// The reloaded config accepts another audience only. The gateway
	// builds a new Middleware per config generation (gateway.Adapt), so the
	// new one starts with its own, empty cache.
	cfg := e.m.cfg
	cfg.JWT.Issuers = []IssuerConfig{cfg.JWT.Issuers[0]}
	cfg.JWT.Issuers[0].Audiences = []string{"api://billing"}
	m2, err := New(cfg, Options{Now: e.clock.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	if _, err := m2.VerifyToken(ctx, tok); reasonOf(err) != "aud" {
		t.Fatalf("token for the old audience after reload: %v", err)
	}
	if m2.ver.cache.len() != 0 {
		t.Fatal("failed verification cached")
	}
}

func TestTokenCacheRouteIssuerRestriction(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.JWT.Issuers = append(c.JWT.Issuers, IssuerConfig{Name: "other", Issuer: "https://other.example", JWKSURL: "https://127.0.0.1:1/jwks",
			Audiences: []string{aud}, Algorithms: []string{"RS256"}})
	}, RouteConfig{Methods: []string{"jwt"}, Issuers: []string{"other"}})
	tok := sign(t, rsaAK, jwa.RS256(), e.claims(), nil)
	if _, err := e.m.VerifyToken(context.Background(), tok); err != nil { // cached, all issuers allowed
		t.Fatal(err)
	}
	if r := e.do(tok, nil, ""); r.status != 401 {
		t.Fatalf("cached token from an issuer not allowed on the route: %d", r.status)
	}
}

func TestTokenCacheIssuerOptOut(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.JWT.Issuers[0].TokenCache = &TokenCacheConfig{Disabled: true} }, RouteConfig{})
	tok := sign(t, rsaAK, jwa.RS256(), e.claims(), nil)
	for i := 0; i < 2; i++ {
		if _, err := e.m.VerifyToken(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.m.ver.cache.len(); n != 0 {
		t.Fatalf("issuer with token_cache.disabled has %d cached tokens", n)
	}
}

func TestTokenCacheBounded(t *testing.T) {
	for _, size := range []int{5, 64} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.JWT.TokenCache.Size = size }, RouteConfig{})
			var last string
			for i := 0; i < 300; i++ {
				c := e.claims()
				c["jti"] = fmt.Sprint(i)
				last = sign(t, ecK, jwa.ES256(), c, nil)
				if _, err := e.m.VerifyToken(context.Background(), last); err != nil {
					t.Fatal(err)
				}
				if n := e.m.ver.cache.len(); n > size {
					t.Fatalf("after %d tokens the cache holds %d > %d", i+1, n, size)
				}
			}
			if n := e.m.ver.cache.len(); n != size {
				t.Fatalf("cache holds %d, want it full at %d", n, size)
			}
			// The most recent token survived eviction.
			if _, err := e.m.VerifyToken(context.Background(), last); err != nil || e.m.ver.cache.hits.Load() != 1 {
				t.Fatalf("latest token not a hit: %v", err)
			}
		})
	}
}

func TestTokenCacheConcurrent(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.JWT.TokenCache.Size = 8 }, RouteConfig{})
	toks := make([]string, 20)
	for i := range toks {
		c := e.claims()
		c["jti"] = fmt.Sprint(i)
		toks[i] = sign(t, ecK, jwa.ES256(), c, nil)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				id, err := e.m.VerifyToken(context.Background(), toks[(g*7+i)%len(toks)])
				if err != nil {
					errs <- err
					return
				}
				id.Scopes = append(id.Scopes, "x") // each caller owns its copy
			}
		}()
	}
	wg.Add(1)
	go func() { // key refreshes race with hits
		defer wg.Done()
		for i := 0; i < 5; i++ {
			e.refreshNow()
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := e.m.ver.cache.len(); n > 8 {
		t.Fatalf("cache holds %d > 8", n)
	}
}

func TestTokenCacheConfigRefusals(t *testing.T) {
	base := func() Config {
		return Config{JWT: JWTConfig{Issuers: []IssuerConfig{{Issuer: "https://idp.example", Audiences: []string{"a"}, Algorithms: []string{"RS256"}}}}}
	}
	cases := map[string]struct {
		mut  func(*Config)
		path string
	}{
		"negative size":   {func(c *Config) { c.JWT.TokenCache.Size = -1 }, "jwt.token_cache.size"},
		"huge size":       {func(c *Config) { c.JWT.TokenCache.Size = MaxTokenCacheSize + 1 }, "jwt.token_cache.size"},
		"long ttl":        {func(c *Config) { c.JWT.TokenCache.MaxTTL = 2 * time.Hour }, "jwt.token_cache.max_ttl"},
		"sub-second ttl":  {func(c *Config) { c.JWT.TokenCache.MaxTTL = time.Millisecond }, "jwt.token_cache.max_ttl"},
		"issuer size":     {func(c *Config) { c.JWT.Issuers[0].TokenCache = &TokenCacheConfig{Size: 10} }, "jwt.issuers[0].token_cache.size"},
		"issuer long ttl": {func(c *Config) { c.JWT.Issuers[0].TokenCache = &TokenCacheConfig{MaxTTL: -time.Second} }, "jwt.issuers[0].token_cache.max_ttl"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := base()
			tc.mut(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.path+":") {
				t.Fatalf("error %v, want path %s", err, tc.path)
			}
		})
	}
	c := base()
	c.JWT.TokenCache = TokenCacheConfig{Size: 100, MaxTTL: 5 * time.Minute}
	c.JWT.Issuers[0].TokenCache = &TokenCacheConfig{MaxTTL: time.Minute}
	if err := c.Validate(); err != nil {
		t.Fatalf("valid token_cache refused: %v", err)
	}
}

func BenchmarkVerifyRS256NoCache(b *testing.B) { benchVerifyCache(b, "rsa", false) }
func BenchmarkVerifyRS256Cached(b *testing.B)  { benchVerifyCache(b, "rsa", true) }
func BenchmarkVerifyES256Cached(b *testing.B)  { benchVerifyCache(b, "ec", true) }

func benchVerifyCache(b *testing.B, kind string, cached bool) {
	e := newEnv(b, func(c *Config) { c.JWT.TokenCache.Disabled = !cached }, RouteConfig{})
	c := e.claims()
	c["exp"] = e.clock.Now().Add(time.Hour).Unix()
	tok := sign(b, rsaAK, jwa.RS256(), c, nil)
	if kind == "ec" {
		tok = sign(b, ecK, jwa.ES256(), c, nil)
	}
	ctx := context.Background()
	if _, err := e.m.VerifyToken(ctx, tok); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.m.VerifyToken(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}
