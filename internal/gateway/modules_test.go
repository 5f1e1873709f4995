package gateway

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func sha(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

// TestFullChain runs the real authn, authz, throttle and WAF packages in the
// chain, through DefaultModules, against a real upstream.
func TestFullChain(t *testing.T) {
	up := newUpstream(t)
	cfg := `
listeners: [{name: public, address: "127.0.0.1:0"}]
consumers:
  - {name: alice, api_keys: [` + sha("k-alice") + `], scopes: [orders.write]}
  - {name: bob, api_keys: [` + sha("k-bob") + `]}
auth:
  default_methods: [apikey]
throttle:
  defaults:
    consumer: {requests: 2, per: 1m}
waf:
  enabled: true
routes:
  - name: public
    method: GET
    path: /public
    upstream: UPSTREAM
    auth: {methods: [none]}
    throttle: {disabled: true}
  - name: write
    method: POST
    path: /echo
    upstream: UPSTREAM
    authz: {scopes: {all_of: [orders.write]}}
    waf: {enabled: true}
  - name: read
    method: GET
    path: /hello/{name}
    upstream: UPSTREAM
    waf: {enabled: false}
`
	rn := start(t, cfg, up.URL, Options{Modules: DefaultModules})
	key := func(k string) map[string]string {
		return map[string]string{"X-API-Key": k, "Content-Type": "application/json"}
	}
	if resp, _ := do(t, "GET", rn.base+"/public", "", nil); resp.StatusCode != 200 {
		t.Errorf("public route: %d", resp.StatusCode)
	}
	if resp, _ := do(t, "GET", rn.base+"/hello/ann", "", nil); resp.StatusCode != 401 {
		t.Errorf("no key: %d", resp.StatusCode)
	}
	if resp, _ := do(t, "GET", rn.base+"/hello/ann", "", key("wrong")); resp.StatusCode != 401 {
		t.Errorf("wrong key: %d", resp.StatusCode)
	}
	resp, _ := do(t, "POST", rn.base+"/echo", `{"q":"books"}`, key("k-alice"))
	if resp.StatusCode != 200 {
		t.Errorf("alice write: %d", resp.StatusCode)
	}
	if rec := rn.audit.byID(t, resp.Header.Get("X-Request-Id")); rec.Consumer != "alice" || rec.Decision != "allow" {
		t.Errorf("audit %+v", rec)
	}
	if resp, _ := do(t, "POST", rn.base+"/echo", `{"q":"books"}`, key("k-bob")); resp.StatusCode != 403 {
		t.Errorf("bob lacks the scope: %d", resp.StatusCode)
	}
	resp, _ = do(t, "POST", rn.base+"/echo", `{"q":"1' OR '1'='1' UNION SELECT password FROM users--"}`, key("k-alice"))
	if resp.StatusCode != 403 {
		t.Errorf("SQLi through the WAF: %d", resp.StatusCode)
	} else if rec := rn.audit.byID(t, resp.Header.Get("X-Request-Id")); !strings.HasPrefix(rec.Reason, "waf.") {
		t.Errorf("WAF audit %+v", rec)
	}
	// Limits are per route and consumer: two reads pass, the third is
	// throttled.
	if resp, _ := do(t, "GET", rn.base+"/hello/ann", "", key("k-alice")); resp.StatusCode != 200 {
		t.Errorf("first read: %d", resp.StatusCode)
	}
	if resp, _ := do(t, "GET", rn.base+"/hello/ann?x="+url.QueryEscape("<script>"), "", key("k-alice")); resp.StatusCode != 200 {
		t.Errorf("WAF off on this route: %d", resp.StatusCode)
	}
	resp, _ = do(t, "GET", rn.base+"/hello/ann", "", key("k-alice"))
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("over the limit: %d Retry-After=%q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestAuthIsNeverSkipped(t *testing.T) {
	// No auth section at all: the real authn module refuses routes that do
	// not say how callers authenticate.
	p := writeConfig(t, t.TempDir(), "listeners: [{address: \"127.0.0.1:0\"}]\nroutes: [{name: a, method: GET, path: /a, upstream: \"http://127.0.0.1:1\"}]\n", "")
	err := Check(p, Options{})
	if err == nil || !strings.Contains(err.Error(), "routes[0].auth") {
		t.Fatalf("want an auth error on routes[0], got %v", err)
	}
}

// TestJWTThroughGateway signs RS256 tokens against a loopback JWKS and sends
// them through the real chain: a valid token with the scope passes, the
// wrong scope is 403, an expired or alg=none token is 401.
func TestJWTThroughGateway(t *testing.T) {
	up := newUpstream(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": "k1",
			"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes())}}})
	}))
	defer idp.Close()
	sign := func(alg string, claims map[string]any) string {
		h, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT", "kid": "k1"})
		c, _ := json.Marshal(claims)
		in := b64(h) + "." + b64(c)
		if alg == "none" {
			return in + "."
		}
		sum := sha256.Sum256([]byte(in))
		sig, _ := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
		return in + "." + b64(sig)
	}
	claims := func(scope string, exp time.Duration) map[string]any {
		now := time.Now()
		return map[string]any{"iss": "https://idp.test", "aud": "orders", "sub": "alice", "scope": scope, "iat": now.Unix(), "exp": now.Add(exp).Unix()}
	}
	cfg := `
listeners: [{name: public, address: "127.0.0.1:0"}]
auth:
  default_methods: [jwt]
  jwt:
    issuers:
      - {name: test, issuer: "https://idp.test", jwks_url: "` + idp.URL + `", audiences: [orders], algorithms: [RS256], insecure_http: true}
routes:
  - name: write
    method: POST
    path: /echo
    upstream: UPSTREAM
    authz: {scopes: {all_of: [orders.write]}}
`
	rn := start(t, cfg, up.URL, Options{Modules: DefaultModules})
	cases := []struct {
		name, token string
		status      int
	}{
		{"valid", sign("RS256", claims("orders.write", time.Minute)), 200},
		{"wrong scope", sign("RS256", claims("orders.read", time.Minute)), 403},
		{"expired", sign("RS256", claims("orders.write", -time.Hour)), 401},
		{"alg none", sign("none", claims("orders.write", time.Minute)), 401},
	}
	for _, c := range cases {
		resp, _ := do(t, "POST", rn.base+"/echo", `{}`, map[string]string{"Authorization": "Bearer " + c.token, "Content-Type": "application/json"})
		if resp.StatusCode != c.status {
			t.Errorf("%s: %d, want %d", c.name, resp.StatusCode, c.status)
		}
	}
	if up.hits.Load() != 1 {
		t.Errorf("upstream hits %d, want 1", up.hits.Load())
	}
}
