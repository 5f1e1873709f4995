package gateway

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
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
