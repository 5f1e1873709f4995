package gateway

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

const baseConfig = `
listeners:
  - name: public
    address: 127.0.0.1:0
admin:
  address: 127.0.0.1:0
limits:
  max_header_bytes: 8192
  max_body_bytes: 4096
  max_json_depth: 8
  max_json_elements: 200
cors:
  allowed_origins: ["https://app.example.com"]
  allowed_headers: ["Authorization", "X-Api-Key"]
  allow_credentials: true
  max_age: 10m
deception:
  enabled: true
  block_for: 1h
proxy:
  timeout: 5s
routes_from:
  file: openapi.yaml
  overrides:
    getOrder:
      validate: {reject_unknown_query: true}
routes:
  - name: hello
    method: GET
    path: /hello/{name}
    upstream: UPSTREAM
    validate:
      path:
        name: {schema: {type: string, pattern: "^[a-z]+$"}}
  - name: echo
    method: POST
    path: /echo
    upstream: UPSTREAM
  - name: traces
    method: GET
    path: /trace/{kind}
    upstream: UPSTREAM
  - name: plain400
    method: GET
    path: /plain400
    upstream: UPSTREAM
  - name: big
    method: GET
    path: /big
    upstream: UPSTREAM
  - name: slow
    method: GET
    path: /slow
    upstream: UPSTREAM
`

func TestRoutingProxyAndAudit(t *testing.T) {
	up := newUpstream(t)
	rn := start(t, baseConfig, up.URL, Options{})

	resp, body := do(t, "GET", rn.base+"/hello/bob?x=1", "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /hello/bob = %d %s", resp.StatusCode, body)
	}
	var echoed map[string]string
	if err := json.Unmarshal([]byte(body), &echoed); err != nil {
		t.Fatal(err)
	}
	id := resp.Header.Get("X-Request-Id")
	if len(id) != 24 || echoed["request_id"] != id {
		t.Errorf("request id %q, upstream saw %q", id, echoed["request_id"])
	}
	if echoed["path"] != "/hello/bob" || echoed["query"] != "x=1" {
		t.Errorf("upstream saw %v", echoed)
	}
	for _, h := range []string{"Server", "X-Powered-By"} {
		if v := resp.Header.Get(h); v != "" {
			t.Errorf("%s leaked: %q", h, v)
		}
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("CSP = %q", resp.Header.Get("Content-Security-Policy"))
	}
	if resp.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent on a cleartext listener")
	}
	rec := rn.audit.byID(t, id)
	if rec.Route != "hello" || rec.Status != 200 || rec.Decision != "allow" || rec.Method != "GET" || rec.Path != "/hello/bob" || rec.ClientIP != "127.0.0.1" || rec.UpstreamLatency <= 0 {
		t.Errorf("audit record %+v", rec)
	}

	resp, body = do(t, "GET", rn.base+"/nope", "", nil)
	if resp.StatusCode != 404 || !strings.Contains(body, resp.Header.Get("X-Request-Id")) {
		t.Errorf("unknown path: %d %s", resp.StatusCode, body)
	}
	if rec := rn.audit.byID(t, resp.Header.Get("X-Request-Id")); rec.Decision != "deny" || rec.Reason != "route.none" || rec.Status != 404 {
		t.Errorf("404 audit %+v", rec)
	}
	resp, _ = do(t, "DELETE", rn.base+"/hello/bob", "", nil)
	if resp.StatusCode != 405 || !strings.Contains(resp.Header.Get("Allow"), "GET") {
		t.Errorf("wrong method: %d Allow=%q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	// Path parameter schema: deny path.
	resp, body = do(t, "GET", rn.base+"/hello/B0B", "", nil)
	if resp.StatusCode != 400 || !strings.Contains(body, "/path/name") {
		t.Errorf("bad path param: %d %s", resp.StatusCode, body)
	}
	if n := up.hits.Load(); n != 1 {
		t.Errorf("upstream hits = %d, want 1 (refused requests must not reach it)", n)
	}
}

func TestMetricsAndHealth(t *testing.T) {
	up := newUpstream(t)
	rn := start(t, baseConfig, up.URL, Options{})
	do(t, "GET", rn.base+"/hello/ann", "", nil)
	do(t, "GET", rn.base+"/missing", "", nil)
	for _, p := range []string{"/healthz", "/readyz"} {
		if resp, _ := do(t, "GET", rn.admin+p, "", nil); resp.StatusCode != 200 {
			t.Errorf("%s = %d", p, resp.StatusCode)
		}
	}
	_, body := do(t, "GET", rn.admin+"/metrics", "", nil)
	for _, want := range []string{
		`warden_gateway_requests_total{code="200",decision="allow",route="hello"} 1`,
		`warden_gateway_requests_total{code="404",decision="deny",route="_none"} 1`,
		`warden_gateway_decisions_total{decision="deny",reason="route.none",stage="route"} 1`,
		`warden_gateway_upstream_duration_seconds_count{route="hello"} 1`,
		`warden_gateway_request_duration_seconds_bucket{route="hello"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// The public listener does not serve the admin endpoints.
	if resp, _ := do(t, "GET", rn.base+"/metrics", "", nil); resp.StatusCode != 404 {
		t.Errorf("public /metrics = %d", resp.StatusCode)
	}
}

func TestCORS(t *testing.T) {
	up := newUpstream(t)
	rn := start(t, baseConfig, up.URL, Options{})
	pre := func(origin, method, headers string) *http.Response {
		h := map[string]string{"Origin": origin, "Access-Control-Request-Method": method}
		if headers != "" {
			h["Access-Control-Request-Headers"] = headers
		}
		resp, _ := do(t, "OPTIONS", rn.base+"/orders", "", h)
		return resp
	}
	resp := pre("https://app.example.com", "POST", "content-type, x-api-key")
	if resp.StatusCode != 204 {
		t.Fatalf("allowed preflight = %d", resp.StatusCode)
	}
	for h, want := range map[string]string{
		"Access-Control-Allow-Origin":      "https://app.example.com",
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Methods":     "POST",
		"Access-Control-Max-Age":           "600",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if !strings.Contains(resp.Header.Get("Vary"), "Origin") {
		t.Errorf("Vary = %q", resp.Header.Get("Vary"))
	}
	for name, r := range map[string]*http.Response{
		"suffix origin": pre("https://evil-app.example.com", "POST", ""),
		"null origin":   pre("null", "POST", ""),
		"method":        pre("https://app.example.com", "DELETE", ""),
		"header":        pre("https://app.example.com", "POST", "x-evil"),
	} {
		if r.StatusCode != 403 || r.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s: preflight = %d ACAO=%q", name, r.StatusCode, r.Header.Get("Access-Control-Allow-Origin"))
		}
	}
	resp, _ = do(t, "GET", rn.base+"/hello/ann", "", map[string]string{"Origin": "https://app.example.com"})
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("actual request: %d ACAO=%q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	resp, _ = do(t, "GET", rn.base+"/hello/ann", "", map[string]string{"Origin": "https://evil.example"})
	if resp.StatusCode != 403 {
		t.Errorf("unlisted origin: %d", resp.StatusCode)
	}
	if up.hits.Load() != 1 {
		t.Errorf("upstream hits = %d, want 1 (preflights are answered by the gateway)", up.hits.Load())
	}
}

func TestValidationFromOpenAPI(t *testing.T) {
	up := newUpstream(t)
	rn := start(t, baseConfig, up.URL, Options{})
	ct := map[string]string{"Content-Type": "application/json"}
	resp, body := do(t, "POST", rn.base+"/orders", `{"item":"book","qty":2,"note":null}`, ct)
	if resp.StatusCode != 200 {
		t.Fatalf("valid order = %d %s", resp.StatusCode, body)
	}
	cases := []struct {
		name, body string
		hdr        map[string]string
		status     int
		want       []string
	}{
		{"qty too small", `{"item":"book","qty":0}`, ct, 400, []string{"/body/qty: minimum"}},
		{"extra field", `{"item":"book","qty":1,"admin":true}`, ct, 400, []string{"/body: additionalProperties"}},
		{"missing field", `{"qty":1}`, ct, 400, []string{"required"}},
		{"wrong content type", `item=book`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415, nil},
		{"no body", ``, ct, 400, []string{"body required"}},
		{"not json", `{"item":`, ct, 400, []string{"not valid JSON"}},
	}
	for _, c := range cases {
		resp, body := do(t, "POST", rn.base+"/orders", c.body, c.hdr)
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d (%s)", c.name, resp.StatusCode, c.status, body)
		}
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: body %q lacks %q", c.name, body, w)
			}
		}
	}
	// A huge hostile key is not echoed back.
	big := `{"item":"x","qty":1,"` + strings.Repeat("k", 3000) + `":1}`
	resp, body = do(t, "POST", rn.base+"/orders", big, ct)
	if resp.StatusCode != 400 || len(body) > 400 {
		t.Errorf("huge key: %d, body of %d bytes", resp.StatusCode, len(body))
	}
	// Path and query parameters.
	if resp, body := do(t, "GET", rn.base+"/orders/7?verbose=true", "", nil); resp.StatusCode != 200 {
		t.Errorf("valid get = %d %s", resp.StatusCode, body)
	}
	for _, u := range []string{"/orders/abc", "/orders/0", "/orders/7?verbose=maybe", "/orders/7?debug=1"} {
		if resp, body := do(t, "GET", rn.base+u, "", nil); resp.StatusCode != 400 {
			t.Errorf("GET %s = %d %s", u, resp.StatusCode, body)
		}
	}
	if got := up.hits.Load(); got != 2 {
		t.Errorf("upstream hits = %d, want 2", got)
	}
}

func TestLimits(t *testing.T) {
	up := newUpstream(t)
	rn := start(t, baseConfig, up.URL, Options{})
	ct := map[string]string{"Content-Type": "application/json"}
	deep := strings.Repeat("[", 9) + strings.Repeat("]", 9)
	var wide strings.Builder
	wide.WriteString("[")
	for i := 0; i < 300; i++ {
		if i > 0 {
			wide.WriteString(",")
		}
		wide.WriteString("1")
	}
	wide.WriteString("]")
	cases := []struct {
		name, body string
		hdr        map[string]string
		status     int
		reason     string
	}{
		{"ok json", `{"a":[1,2,{"b":null}]}`, ct, 200, ""},
		{"ok text", "hello", map[string]string{"Content-Type": "text/plain"}, 200, ""},
		{"too deep", deep, ct, 400, "limits.json.depth"},
		{"deep bomb", strings.Repeat("[", 100000), ct, 413, "limits.body"},
		{"too wide", wide.String(), ct, 413, "limits.json.elements"},
		{"too big", strings.Repeat("a", 5000), map[string]string{"Content-Type": "text/plain"}, 413, "limits.body"},
		{"huge number", `[1e1000000]`, ct, 400, "limits.json.number"},
		{"trailing garbage", `{} {}`, ct, 400, "limits.json.syntax"},
		{"gzip body", "x", map[string]string{"Content-Type": "text/plain", "Content-Encoding": "gzip"}, 415, "limits.content_encoding"},
	}
	for _, c := range cases {
		resp, body := do(t, "POST", rn.base+"/echo", c.body, c.hdr)
		if resp.StatusCode != c.status {
			t.Errorf("%s: %d, want %d (%s)", c.name, resp.StatusCode, c.status, body)
			continue
		}
		if c.reason != "" {
			if rec := rn.audit.byID(t, resp.Header.Get("X-Request-Id")); rec.Reason != c.reason {
				t.Errorf("%s: reason %q, want %q", c.name, rec.Reason, c.reason)
			}
		}
	}
	// Over max_header_bytes: refused by net/http with 431 before any handler.
	resp, _ := do(t, "GET", rn.base+"/hello/ann", "", map[string]string{"X-Big": strings.Repeat("a", 16<<10)})
	if resp.StatusCode != 431 {
		t.Errorf("big header = %d", resp.StatusCode)
	}
	resp, _ = do(t, "GET", rn.base+"/hello/ann?q="+strings.Repeat("a", 10000), "", nil)
	if resp.StatusCode != 414 {
		t.Errorf("long URL = %d", resp.StatusCode)
	}
	if got := up.hits.Load(); got != 2 {
		t.Errorf("upstream hits = %d, want 2", got)
	}
}

func TestResponseFilter(t *testing.T) {
	up := newUpstream(t)
	rn := start(t, baseConfig, up.URL, Options{})
	for _, kind := range []string{"python", "java", "node", "go", "dotnet", "gzip"} {
		resp, body := do(t, "GET", rn.base+"/trace/"+kind, "", map[string]string{"Accept-Encoding": "gzip"})
		id := resp.Header.Get("X-Request-Id")
		if resp.StatusCode < 500 {
			t.Errorf("%s: status %d", kind, resp.StatusCode)
		}
		want := `{"error":"internal error","request_id":"` + id + `"}` + "\n"
		if body != want {
			t.Errorf("%s: body %q, want %q", kind, body, want)
		}
		if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Server") != "" {
			t.Errorf("%s: headers %v", kind, resp.Header)
		}
	}
	resp, body := do(t, "GET", rn.base+"/plain400", "", nil)
	if resp.StatusCode != 400 || body != `{"error":"qty must be positive"}` {
		t.Errorf("clean 4xx changed: %d %q", resp.StatusCode, body)
	}
}

func TestDeceptionBlocksClient(t *testing.T) {
	up := newUpstream(t)
	rn := start(t, baseConfig, up.URL, Options{})
	resp, body := do(t, "GET", rn.base+"/.env", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "DB_PASSWORD=") {
		t.Fatalf("decoy = %d %q", resp.StatusCode, body)
	}
	if rec := rn.audit.byID(t, resp.Header.Get("X-Request-Id")); !rec.Hostile || rec.Reason != "deception.decoy" {
		t.Errorf("decoy audit %+v", rec)
	}
	resp, _ = do(t, "GET", rn.base+"/hello/ann", "", nil)
	if resp.StatusCode != 403 {
		t.Errorf("blocked client got %d", resp.StatusCode)
	}
	if rec := rn.audit.byID(t, resp.Header.Get("X-Request-Id")); !rec.Hostile || rec.Reason != "deception.blocked" {
		t.Errorf("blocked audit %+v", rec)
	}
	if up.hits.Load() != 0 {
		t.Errorf("upstream reached %d times", up.hits.Load())
	}
}

func TestUpstreamErrors(t *testing.T) {
	up := newUpstream(t)
	dead := newUpstream(t)
	dead.Close() // nothing listens there any more
	extra := "routes:\n" +
		"  - {name: dead, method: GET, path: /dead, upstream: " + dead.URL + "}\n" +
		"  - {name: slowt, method: GET, path: /t/slow, upstream: UPSTREAM, proxy: {timeout: 100ms, strip_prefix: /t}}\n"
	rn := start(t, strings.Replace(baseConfig, "routes:\n", extra, 1), up.URL, Options{})
	resp, body := do(t, "GET", rn.base+"/dead", "", nil)
	if resp.StatusCode != 502 || strings.Contains(body, "refused") || !strings.Contains(body, resp.Header.Get("X-Request-Id")) {
		t.Errorf("dead upstream = %d %q", resp.StatusCode, body)
	}
	resp, body = do(t, "GET", rn.base+"/t/slow", "", nil)
	if resp.StatusCode != 504 {
		t.Errorf("slow upstream = %d %q", resp.StatusCode, body)
	}
	if rec := rn.audit.byID(t, resp.Header.Get("X-Request-Id")); rec.Reason != "proxy.timeout" || rec.Route != "slowt" {
		t.Errorf("timeout audit %+v", rec)
	}
}
