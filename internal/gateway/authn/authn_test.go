package authn

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/wardensec/warden/internal/gateway/reqctx"
)

// fakeClock is a settable clock shared by the middleware and the token
// factory, so validity windows are tested without sleeping.
type fakeClock struct{ ns atomic.Int64 }

func newClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}
func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// idp is a local OIDC provider: discovery document plus a JWKS whose
// content the test can rotate. It counts JWKS fetches.
type idp struct {
	srv     *httptest.Server
	mu      sync.Mutex
	jwks    []byte
	fetches atomic.Int64
}

func newIDP(t testing.TB) *idp {
	t.Helper()
	p := &idp{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"issuer":%q,"jwks_uri":%q}`, p.srv.URL, p.srv.URL+"/jwks")
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		p.fetches.Add(1)
		p.mu.Lock()
		b := p.jwks
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// publish replaces the served JWKS with the public halves of keys.
func (p *idp) publish(t testing.TB, keys ...jwk.Key) {
	t.Helper()
	set := jwk.NewSet()
	for _, k := range keys {
		pub, err := k.PublicKey()
		if err != nil {
			t.Fatal(err)
		}
		if err := set.AddKey(pub); err != nil {
			t.Fatal(err)
		}
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.jwks = b
	p.mu.Unlock()
}

var (
	keyOnce        sync.Once
	rsaA, rsaB     *rsa.PublicKey
	rsaAK, rsaBK   jwk.Key
	ecK            jwk.Key
	rsaAPrivateRaw *rsa.PrivateKey
)

// testKeys generates the RSA and EC keys once per test binary: RSA key
// generation is the slowest step of the suite.
func testKeys(t testing.TB) {
	t.Helper()
	keyOnce.Do(func() {
		mk := func(kid string, raw any, alg jwa.SignatureAlgorithm) jwk.Key {
			k, err := jwk.Import(raw)
			if err != nil {
				panic(err)
			}
			_ = k.Set(jwk.KeyIDKey, kid)
			_ = k.Set(jwk.AlgorithmKey, alg)
			_ = k.Set(jwk.KeyUsageKey, "sig")
			return k
		}
		a, _ := rsa.GenerateKey(rand.Reader, 2048)
		b, _ := rsa.GenerateKey(rand.Reader, 2048)
		e, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		rsaAPrivateRaw, rsaA, rsaB = a, &a.PublicKey, &b.PublicKey
		rsaAK = mk("rsa-a", a, jwa.RS256())
		rsaBK = mk("rsa-b", b, jwa.RS256())
		ecK = mk("ec-1", e, jwa.ES256())
	})
}

const aud = "api://orders"

type env struct {
	t      testing.TB
	clock  *fakeClock
	idp    *idp
	m      *Middleware
	gw     *httptest.Server
	lastID atomic.Pointer[reqctx.Identity]
	apiKey string
}

func newEnv(t testing.TB, mutate func(*Config), rc RouteConfig) *env {
	t.Helper()
	testKeys(t)
	e := &env{t: t, clock: newClock(), idp: newIDP(t), apiKey: "k-live-7f1e2a9d0c3b4e5f6a7b8c9d"}
	e.idp.publish(t, rsaAK, rsaBK, ecK)
	cfg := Config{
		JWT: JWTConfig{Issuers: []IssuerConfig{{
			Name: "main", Issuer: e.idp.srv.URL, Audiences: []string{aud},
			Algorithms: []string{"RS256", "ES256"}, Leeway: 30 * time.Second,
			RolesClaim: "realm_access.roles", InsecureHTTP: true,
		}}},
		APIKey:    APIKeyConfig{Query: "api_key"},
		Consumers: []Consumer{{Name: "acme", APIKeySHA256: []string{HashAPIKey(e.apiKey)}, Scopes: []string{"orders:read"}}},
	}
	if mutate != nil {
		mutate(&cfg)
	}
	m, err := New(cfg, Options{Now: e.clock.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = m.Close() })
	e.m = m
	if rc.Methods == nil {
		rc.Methods = []string{MethodJWT, MethodAPIKey}
	}
	h, err := m.Wrap("orders", rc, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.lastID.Store(reqctx.From(r.Context()).Identity())
		_, _ = io.WriteString(w, "ok")
	}))
	if err != nil {
		t.Fatalf("Wrap: %v", err)
	}
	e.gw = httptest.NewServer(withState(h))
	t.Cleanup(e.gw.Close)
	return e
}

// claims returns a valid claim set for the env's issuer at the fake time.
func (e *env) claims() map[string]any {
	now := e.clock.Now()
	return map[string]any{
		"iss": e.idp.srv.URL, "aud": aud, "sub": "user-42",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"scope": "orders:read orders:write", "realm_access": map[string]any{"roles": []any{"admin"}},
	}
}

// sign makes a token with the real library, with extra protected headers.
func sign(t testing.TB, key jwk.Key, alg jwa.SignatureAlgorithm, claims map[string]any, extra map[string]any) string {
	t.Helper()
	b, _ := json.Marshal(claims)
	hdr := jws.NewHeaders()
	for k, v := range extra {
		if err := hdr.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	kid, _ := key.KeyID()
	if _, ok := extra["kid"]; !ok {
		_ = hdr.Set("kid", kid)
	}
	if _, ok := extra["typ"]; !ok {
		_ = hdr.Set("typ", "JWT")
	}
	// Sign with the raw key: a jwk.Key would impose its own kid and
	// override the header under test.
	var raw any
	if err := jwk.Export(key, &raw); err != nil {
		t.Fatal(err)
	}
	out, err := jws.Sign(b, jws.WithKey(alg, raw, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func b64(v any) string {
	var b []byte
	switch x := v.(type) {
	case []byte:
		b = x
	case string:
		b = []byte(x)
	default:
		b, _ = json.Marshal(x)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// hs256 forges an HMAC token keyed with secret: the key-confusion attack
// when secret is the issuer's public key.
func hs256(header, claims map[string]any, secret []byte) string {
	in := b64(header) + "." + b64(claims)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(in))
	return in + "." + b64(mac.Sum(nil))
}

type resp struct {
	status  int
	wwwAuth string
	body    string
}

func (e *env) do(token string, hdr map[string]string, query string) resp {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.gw.URL+"/orders"+query, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	r, err := e.gw.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return resp{r.StatusCode, r.Header.Get("WWW-Authenticate"), string(b)}
}

func TestValidTokensAccepted(t *testing.T) {
	e := newEnv(t, nil, RouteConfig{})
	for _, tc := range []struct {
		name string
		key  jwk.Key
		alg  jwa.SignatureAlgorithm
	}{{"RS256", rsaAK, jwa.RS256()}, {"RS256 second key", rsaBK, jwa.RS256()}, {"ES256", ecK, jwa.ES256()}} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(sign(t, tc.key, tc.alg, e.claims(), nil), nil, "")
			if r.status != 200 {
				t.Fatalf("status %d, body %s", r.status, r.body)
			}
			id := e.lastID.Load()
			if id == nil || id.Method != "jwt" || id.Subject != "user-42" || id.Consumer != "user-42" || id.Issuer != e.idp.srv.URL {
				t.Fatalf("identity %+v", id)
			}
			if strings.Join(id.Scopes, ",") != "orders:read,orders:write" || strings.Join(id.Roles, ",") != "admin" {
				t.Fatalf("scopes %v roles %v", id.Scopes, id.Roles)
			}
			if id.Claims["sub"] != "user-42" {
				t.Fatalf("claims %v", id.Claims)
			}
		})
	}
}

func TestScpArrayScopes(t *testing.T) {
	e := newEnv(t, nil, RouteConfig{})
	c := e.claims()
	delete(c, "scope")
	c["scp"] = []any{"a", "b"}
	if r := e.do(sign(t, rsaAK, jwa.RS256(), c, nil), nil, ""); r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	if got := strings.Join(e.lastID.Load().Scopes, ","); got != "a,b" {
		t.Fatalf("scopes %q", got)
	}
}

// TestJWTAttackSuite is the RFC 8725 checklist: every forged or invalid
// token must get 401 with an RFC 6750 invalid_token challenge.
func TestJWTAttackSuite(t *testing.T) {
	// The attacker's own key server: tokens point jku/x5u at it. It must
	// never be contacted.
	var attackerHits atomic.Int64
	attackerKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	attackerJWK, _ := jwk.Import(attackerKey)
	_ = attackerJWK.Set(jwk.KeyIDKey, "rsa-a") // same kid as the real key
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attackerHits.Add(1)
		pub, _ := attackerJWK.PublicKey()
		set := jwk.NewSet()
		_ = set.AddKey(pub)
		_ = json.NewEncoder(w).Encode(set)
	}))
	defer attacker.Close()

	e := newEnv(t, nil, RouteConfig{})
	pubDER, _ := x509.MarshalPKIXPublicKey(rsaA)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	pubJWKA, _ := rsaAK.PublicKey()
	embedded, _ := attackerJWK.PublicKey()

	valid := func() map[string]any { return e.claims() }
	with := func(k string, v any) map[string]any { c := e.claims(); c[k] = v; return c }
	without := func(k string) map[string]any { c := e.claims(); delete(c, k); return c }
	noneTok := func(alg string, trailing bool) string {
		s := b64(map[string]any{"alg": alg, "typ": "JWT", "kid": "rsa-a"}) + "." + b64(valid())
		if trailing {
			s += "."
		}
		return s
	}
	now := e.clock.Now()
	tampered := func() string {
		tok := sign(t, rsaAK, jwa.RS256(), valid(), nil)
		parts := strings.Split(tok, ".")
		c := valid()
		c["sub"] = "admin"
		return parts[0] + "." + b64(c) + "." + parts[2]
	}()
	badSig := func() string {
		tok := sign(t, rsaAK, jwa.RS256(), valid(), nil)
		sig, _ := base64.RawURLEncoding.DecodeString(tok[strings.LastIndexByte(tok, '.')+1:])
		sig[10] ^= 0xff
		return tok[:strings.LastIndexByte(tok, '.')+1] + b64(sig)
	}()
	otherIssuer := newIDP(t)

	cases := []struct {
		name   string
		token  string
		reason string
	}{
		{"alg none", noneTok("none", true), "authn.jwt.malformed"},
		{"alg None", noneTok("None", true), "authn.jwt.malformed"},
		{"alg NONE no trailing dot", noneTok("NONE", false), "authn.jwt.malformed"},
		{"alg nOnE with junk signature", noneTok("nOnE", false) + ".AAAA", "authn.jwt.alg"},
		{"alg empty", b64(map[string]any{"alg": "", "kid": "rsa-a"}) + "." + b64(valid()) + ".AAAA", "authn.jwt.alg"},
		{"HS256 keyed with RSA public PEM", hs256(map[string]any{"alg": "HS256", "kid": "rsa-a"}, valid(), pubPEM), "authn.jwt.alg"},
		{"HS256 keyed with RSA modulus", hs256(map[string]any{"alg": "HS256", "kid": "rsa-a"}, valid(), rsaA.N.Bytes()), "authn.jwt.alg"},
		{"HS256 keyed with JWK JSON", hs256(map[string]any{"alg": "HS256", "kid": "rsa-a"}, valid(), mustJSON(pubJWKA)), "authn.jwt.alg"},
		{"ES256 header on RSA kid", sign(t, ecK, jwa.ES256(), valid(), map[string]any{"kid": "rsa-a"}), "authn.jwt.alg"},
		{"RS384 not on allowlist", sign(t, rsaAK, jwa.RS384(), valid(), nil), "authn.jwt.alg"},
		{"unknown kid", sign(t, rsaAK, jwa.RS256(), valid(), map[string]any{"kid": "nope"}), "authn.jwt.kid"},
		{"kid path injection", sign(t, rsaAK, jwa.RS256(), valid(), map[string]any{"kid": "../../dev/null"}), "authn.jwt.kid"},
		{"kid sql injection", sign(t, rsaAK, jwa.RS256(), valid(), map[string]any{"kid": "' OR 1=1 --"}), "authn.jwt.kid"},
		{"no kid", sign(t, rsaAK, jwa.RS256(), valid(), map[string]any{"kid": ""}), "authn.jwt.kid"},
		{"jku to attacker", sign(t, attackerJWK, jwa.RS256(), valid(), map[string]any{"jku": attacker.URL + "/jwks"}), "authn.jwt.signature"},
		{"x5u to attacker", sign(t, attackerJWK, jwa.RS256(), valid(), map[string]any{"x5u": attacker.URL + "/cert.pem"}), "authn.jwt.signature"},
		{"embedded jwk", sign(t, attackerJWK, jwa.RS256(), valid(), map[string]any{"jwk": embedded}), "authn.jwt.signature"},
		{"expired beyond leeway", sign(t, rsaAK, jwa.RS256(), with("exp", now.Add(-31*time.Second).Unix()), nil), "authn.jwt.expired"},
		{"not yet valid", sign(t, rsaAK, jwa.RS256(), with("nbf", now.Add(31*time.Second).Unix()), nil), "authn.jwt.not_yet_valid"},
		{"iat in the future", sign(t, rsaAK, jwa.RS256(), with("iat", now.Add(time.Hour).Unix()), nil), "authn.jwt.iat"},
		{"missing exp", sign(t, rsaAK, jwa.RS256(), without("exp"), nil), "authn.jwt.claims"},
		{"wrong aud", sign(t, rsaAK, jwa.RS256(), with("aud", "api://billing"), nil), "authn.jwt.aud"},
		{"aud array without ours", sign(t, rsaAK, jwa.RS256(), with("aud", []any{"a", "b"}), nil), "authn.jwt.aud"},
		{"missing aud", sign(t, rsaAK, jwa.RS256(), without("aud"), nil), "authn.jwt.aud"},
		{"wrong iss", sign(t, rsaAK, jwa.RS256(), with("iss", "https://evil.example"), nil), "authn.jwt.iss"},
		{"iss of another idp", sign(t, rsaAK, jwa.RS256(), with("iss", otherIssuer.srv.URL), nil), "authn.jwt.iss"},
		{"oversized token", sign(t, rsaAK, jwa.RS256(), with("pad", strings.Repeat("x", 9000)), nil), "authn.jwt.too_large"},
		{"tampered payload", tampered, "authn.jwt.signature"},
		{"flipped signature bits", badSig, "authn.jwt.signature"},
		{"dots only", strings.Repeat(".", 5000), "authn.jwt.malformed"},
		{"not base64", "a.b$.c", "authn.jwt.malformed"},
		{"payload not an object", b64(map[string]any{"alg": "RS256", "kid": "rsa-a"}) + "." + b64("[1]") + ".AAAA", "authn.jwt.malformed"},
		{"crit header", sign(t, rsaAK, jwa.RS256(), valid(), map[string]any{"crit": []string{"x-custom"}, "x-custom": 1}), "authn.jwt.crit"},
		{"JWE (five segments)", "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d", "authn.jwt.malformed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.token, nil, "")
			if r.status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401 (body %s)", r.status, r.body)
			}
			if !strings.Contains(r.wwwAuth, `error="invalid_token"`) || !strings.HasPrefix(r.wwwAuth, "Bearer ") {
				t.Fatalf("WWW-Authenticate %q", r.wwwAuth)
			}
			// The reason is checked through the verifier directly, so a
			// token rejected for the wrong cause is noticed.
			_, err := e.m.VerifyToken(context.Background(), tc.token)
			if err == nil {
				t.Fatal("VerifyToken accepted the token")
			}
			te, ok := err.(*tokenError)
			if !ok || "authn.jwt."+te.reason != tc.reason {
				t.Fatalf("reason %v, want %s", err, tc.reason)
			}
			if strings.Contains(r.body, "dev/null") || strings.Contains(r.body, "rsa") {
				t.Fatalf("body leaks detail: %s", r.body)
			}
		})
	}
	if n := attackerHits.Load(); n != 0 {
		t.Fatalf("attacker key server received %d requests; token headers must never select key URLs", n)
	}
}

// withState stands in for the request-id middleware, which creates the
// per-request state that authn writes the identity into.
func withState(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(reqctx.With(r.Context(), &reqctx.State{ID: "req-1", Start: time.Now()})))
	})
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }

func TestLeeway(t *testing.T) {
	e := newEnv(t, nil, RouteConfig{})
	c := e.claims()
	exp := e.clock.Now().Add(time.Minute)
	c["exp"] = exp.Unix()
	tok := sign(t, rsaAK, jwa.RS256(), c, nil)
	steps := []struct {
		at   time.Duration // relative to exp
		want int
	}{
		{-time.Second, 200},
		{29 * time.Second, 200}, // inside the 30s leeway
		{31 * time.Second, 401},
	}
	for _, s := range steps {
		e.clock.ns.Store(exp.Add(s.at).UnixNano())
		if r := e.do(tok, nil, ""); r.status != s.want {
			t.Fatalf("at exp%+v: status %d, want %d", s.at, r.status, s.want)
		}
	}
}

func TestUnknownKidRefreshIsRateLimited(t *testing.T) {
	e := newEnv(t, nil, RouteConfig{})
	base := e.idp.fetches.Load() // the initial fetch
	if base != 1 {
		t.Fatalf("initial fetches %d", base)
	}
	// 1,000 tokens with random kids: at most one extra fetch, because the
	// fake clock does not advance past min_refresh_interval.
	for i := 0; i < 1000; i++ {
		tok := sign(t, rsaAK, jwa.RS256(), e.claims(), map[string]any{"kid": fmt.Sprintf("rand-%d", i)})
		if _, err := e.m.VerifyToken(context.Background(), tok); err == nil {
			t.Fatal("random kid accepted")
		}
	}
	if n := e.idp.fetches.Load() - base; n > 1 {
		t.Fatalf("%d JWKS fetches for 1000 unknown kids; want at most 1", n)
	}
}

func TestKeyRotation(t *testing.T) {
	e := newEnv(t, nil, RouteConfig{})
	oldTok := sign(t, rsaAK, jwa.RS256(), e.claims(), nil)
	if r := e.do(oldTok, nil, ""); r.status != 200 {
		t.Fatalf("before rotation: %d", r.status)
	}
	// The IdP rotates: key A leaves the JWKS, a new key C appears.
	newRaw, _ := rsa.GenerateKey(rand.Reader, 2048)
	newK, _ := jwk.Import(newRaw)
	_ = newK.Set(jwk.KeyIDKey, "rsa-c")
	e.idp.publish(t, rsaBK, newK)
	e.clock.Advance(DefaultMinRefreshInterval + time.Second)
	// A token with the new kid triggers the refresh and is accepted...
	if r := e.do(sign(t, newK, jwa.RS256(), e.claims(), nil), nil, ""); r.status != 200 {
		t.Fatalf("new key: %d %s", r.status, r.body)
	}
	// ...and the rotated-out key no longer verifies.
	if r := e.do(sign(t, rsaAK, jwa.RS256(), e.claims(), nil), nil, ""); r.status != 401 || !strings.Contains(r.wwwAuth, "invalid_token") {
		t.Fatalf("rotated-out key: %d %q", r.status, r.wwwAuth)
	}
}

func TestJWKSURLWithoutDiscovery(t *testing.T) {
	e := newEnv(t, nil, RouteConfig{})
	// A second middleware on the explicit JWKS URL, no discovery.
	m, err := New(Config{JWT: JWTConfig{Issuers: []IssuerConfig{{Issuer: e.idp.srv.URL, JWKSURL: e.idp.srv.URL + "/jwks",
		Audiences: []string{aud}, Algorithms: []string{"RS256"}, InsecureHTTP: true}}}}, Options{Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.VerifyToken(context.Background(), sign(t, rsaAK, jwa.RS256(), e.claims(), nil)); err != nil {
		t.Fatalf("verify: %v", err)
	}
}

func TestIdPDownGives503(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL
	dead.Close()
	testKeys(t)
	m, err := New(Config{DefaultMethods: []string{"jwt"}, JWT: JWTConfig{Issuers: []IssuerConfig{{Issuer: url, Audiences: []string{aud},
		Algorithms: []string{"RS256"}, InsecureHTTP: true}}}}, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	h, err := m.Wrap("r", RouteConfig{}, http.NotFoundHandler())
	if err != nil {
		t.Fatal(err)
	}
	gw := httptest.NewServer(h)
	defer gw.Close()
	now := time.Now()
	tok := sign(t, rsaAK, jwa.RS256(), map[string]any{"iss": url, "aud": aud, "exp": now.Add(time.Minute).Unix()}, nil)
	req, _ := http.NewRequest("GET", gw.URL, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503 while keys were never loaded", r.StatusCode)
	}
}

func TestMissingCredentials(t *testing.T) {
	e := newEnv(t, nil, RouteConfig{})
	r := e.do("", nil, "")
	if r.status != 401 || !strings.HasPrefix(r.wwwAuth, "Bearer") || strings.Contains(r.wwwAuth, "error=") {
		t.Fatalf("status %d WWW-Authenticate %q", r.status, r.wwwAuth)
	}
	var body map[string]string
	if err := json.Unmarshal([]byte(r.body), &body); err != nil || body["error"] == "" {
		t.Fatalf("body %q", r.body)
	}
	// Another scheme is not a bearer token: still "missing".
	if r := e.do("", map[string]string{"Authorization": "Basic dXNlcjpwYXNz"}, ""); r.status != 401 {
		t.Fatalf("basic: %d", r.status)
	}
}

func TestAPIKey(t *testing.T) {
	e := newEnv(t, nil, RouteConfig{})
	if r := e.do("", map[string]string{"X-API-Key": e.apiKey}, ""); r.status != 200 {
		t.Fatalf("header key: %d", r.status)
	}
	id := e.lastID.Load()
	if id.Method != "apikey" || id.Consumer != "acme" || len(id.Scopes) != 1 {
		t.Fatalf("identity %+v", id)
	}
	if r := e.do("", nil, "?api_key="+e.apiKey); r.status != 200 {
		t.Fatalf("query key: %d", r.status)
	}
	for name, hdr := range map[string]string{"wrong key": "k-live-wrong", "prefix of key": e.apiKey[:10], "key with suffix": e.apiKey + "x", "hash as key": HashAPIKey(e.apiKey)} {
		if r := e.do("", map[string]string{"X-API-Key": hdr}, ""); r.status != 401 || r.wwwAuth == "" {
			t.Fatalf("%s: status %d www-auth %q", name, r.status, r.wwwAuth)
		}
	}
	if r := e.do("", nil, "?api_key=nope"); r.status != 401 {
		t.Fatalf("wrong query key: %d", r.status)
	}
	// A bad bearer token is not rescued by a good API key.
	if r := e.do("garbage", map[string]string{"X-API-Key": e.apiKey}, ""); r.status != 401 {
		t.Fatalf("bad jwt + good key: %d", r.status)
	}
}

func TestAPIKeyQueryOffByDefault(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.APIKey.Query = "" }, RouteConfig{Methods: []string{"apikey"}})
	if r := e.do("", nil, "?api_key="+e.apiKey); r.status != 401 {
		t.Fatalf("query key accepted when not configured: %d", r.status)
	}
}

func TestRouteIssuerRestriction(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.JWT.Issuers = append(c.JWT.Issuers, IssuerConfig{Name: "other", Issuer: "https://other.example", JWKSURL: "https://127.0.0.1:1/jwks",
			Audiences: []string{aud}, Algorithms: []string{"RS256"}})
	}, RouteConfig{Methods: []string{"jwt"}, Issuers: []string{"other"}})
	if r := e.do(sign(t, rsaAK, jwa.RS256(), e.claims(), nil), nil, ""); r.status != 401 {
		t.Fatalf("token from issuer not allowed on route: %d", r.status)
	}
}

func TestTypAllowlist(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.JWT.Issuers[0].Types = []string{"at+jwt"} }, RouteConfig{})
	// sign sets typ "JWT": an ID-token-shaped token is refused.
	if r := e.do(sign(t, rsaAK, jwa.RS256(), e.claims(), nil), nil, ""); r.status != 401 {
		t.Fatalf("typ JWT accepted: %d", r.status)
	}
	for _, typ := range []string{"at+jwt", "application/AT+JWT"} {
		if r := e.do(sign(t, rsaAK, jwa.RS256(), e.claims(), map[string]any{"typ": typ}), nil, ""); r.status != 200 {
			t.Fatalf("typ %s refused: %d", typ, r.status)
		}
	}
}

func TestPublicRoute(t *testing.T) {
	e := newEnv(t, nil, RouteConfig{Methods: []string{"none"}})
	if r := e.do("", nil, ""); r.status != 200 {
		t.Fatalf("public route: %d", r.status)
	}
}

func TestConfigRefusals(t *testing.T) {
	base := func() IssuerConfig {
		return IssuerConfig{Issuer: "https://idp.example", Audiences: []string{"a"}, Algorithms: []string{"RS256"}}
	}
	cases := map[string]struct {
		mut  func(*Config)
		path string
	}{
		"none alg":      {func(c *Config) { c.JWT.Issuers[0].Algorithms = []string{"none"} }, "jwt.issuers[0].algorithms[0]"},
		"HS256":         {func(c *Config) { c.JWT.Issuers[0].Algorithms = []string{"RS256", "HS256"} }, "jwt.issuers[0].algorithms[1]"},
		"no audience":   {func(c *Config) { c.JWT.Issuers[0].Audiences = nil }, "jwt.issuers[0].audiences"},
		"big leeway":    {func(c *Config) { c.JWT.Issuers[0].Leeway = 5 * time.Minute }, "jwt.issuers[0].leeway"},
		"http jwks":     {func(c *Config) { c.JWT.Issuers[0].JWKSURL = "http://idp.example/jwks" }, "jwt.issuers[0].jwks_url"},
		"plain api key": {func(c *Config) { c.Consumers = []Consumer{{Name: "x", APIKeySHA256: []string{"secret-key"}}} }, "consumers[0].api_key_sha256[0]"},
		"bad method":    {func(c *Config) { c.DefaultMethods = []string{"basic"} }, "default_methods[0]"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := Config{JWT: JWTConfig{Issuers: []IssuerConfig{base()}}}
			tc.mut(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.path+":") {
				t.Fatalf("error %v, want path %s", err, tc.path)
			}
			if _, err := New(c, Options{}); err == nil {
				t.Fatal("New accepted the config")
			}
		})
	}
	m, err := New(Config{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Wrap("r", RouteConfig{}, http.NotFoundHandler()); err == nil {
		t.Fatal("route without methods must be refused")
	}
	if _, err := m.Wrap("r", RouteConfig{Methods: []string{"jwt"}}, http.NotFoundHandler()); err == nil {
		t.Fatal("jwt route without issuers must be refused")
	}
}
