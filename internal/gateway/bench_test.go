package gateway

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkLoad measures, over loopback only and in one run, requests per
// second and p50/p99 latency of the same JSON POST against:
//
//   - direct: the upstream itself;
//   - reverseproxy: a bare httputil.ReverseProxy, the ceiling for any Go
//     proxy (one extra hop, nothing else);
//   - bare: the gateway with no configured middleware (its always-on
//     stages only: framing wrapper, request id, limits' framing/header/URL
//     checks, security headers, proxy, response filter; audit off);
//   - bare-nowrap: the same gateway and server settings without the
//     framing wrapper, to measure the wrapper;
//   - apikey and jwt: authentication (API key, or RS256 JWT against a
//     loopback JWKS, served from the verified-token cache after the first
//     request) + local throttling with limits that never trigger + body
//     limits and OpenAPI schema validation; jwt-nocache: the same with
//     auth.jwt.token_cache disabled, so every request checks the signature;
//   - crs-pl1: the same plus Coraza with the OWASP CRS at paranoia level 1.
//
// each with one sequential client ("seq") and with 4 concurrent clients
// ("c4"). Run it with a fixed count, for example
//
//	go test -run '^$' -bench Load -benchtime 2000x ./internal/gateway/
//
// or scripts/gateway-bench.sh, which prints the table with the ratios to
// direct. Every load loop is bounded by b.N and by loadTimeLimit.
func BenchmarkLoad(b *testing.B) {
	up := benchUpstream(b)
	env := newBenchEnv(b, up.URL)
	cases := []struct {
		name string
		url  string
		hdr  http.Header
	}{
		{"direct", up.URL + "/orders", nil},
		{"reverseproxy", env.plainProxy + "/orders", nil},
		{"bare", env.bare + "/plain", nil},
		{"bare-nowrap", env.bareNoWrap + "/plain", nil},
		{"apikey", env.full + "/orders", http.Header{"X-Api-Key": {benchAPIKey}}},
		{"jwt", env.full + "/orders", http.Header{"Authorization": {"Bearer " + env.token}}},
		{"jwt-nocache", env.fullNoCache + "/orders", http.Header{"Authorization": {"Bearer " + env.token}}},
		{"crs-pl1", env.crs + "/orders", http.Header{"X-Api-Key": {benchAPIKey}}},
	}
	for _, mode := range []struct {
		name    string
		clients int
	}{{"seq", 1}, {"c4", 4}} {
		for _, c := range cases {
			b.Run(mode.name+"/"+c.name, func(b *testing.B) { load(b, c.url, c.hdr, mode.clients) })
		}
	}
}

const benchBody = `{"item":"book","qty":2,"note":"gift wrap"}`

// benchAPIKey is a test-only key; the config holds its SHA-256.
const benchAPIKey = "bench-key-0123456789"

// loadTimeLimit bounds one load loop whatever b.N is.
const loadTimeLimit = 2 * time.Minute

// upstreamConns counts connections accepted by the bench upstreams, so that
// each load reports how many it opened: with connection reuse working it is
// at most the client count, however many requests were sent.
var upstreamConns atomic.Int64

func benchUpstream(b *testing.B) *httptest.Server {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			upstreamConns.Add(1)
		}
	}
	srv.Start()
	b.Cleanup(srv.Close)
	return srv
}

type benchEnv struct {
	bare, bareNoWrap, full, fullNoCache, crs, plainProxy string
	token                                                string
}

func newBenchEnv(b *testing.B, upstream string) *benchEnv {
	e := &benchEnv{}
	bareCfg := `
listeners: [{name: public, address: "127.0.0.1:0"}]
audit: {sink: none}
routes:
  - {name: plain, method: POST, path: /plain, upstream: UPSTREAM, proxy: {strip_prefix: /plain}}
`
	e.bare = benchGateway(b, bareCfg, upstream, []Module{}, true)
	e.bareNoWrap = benchGateway(b, bareCfg, upstream, []Module{}, false)

	// A loopback IdP serving the JWKS, and a token it would issue.
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": "k1",
			"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes())}}})
	}))
	b.Cleanup(idp.Close)
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "k1"})
	c, _ := json.Marshal(map[string]any{"iss": "https://idp.test", "aud": "orders", "sub": "bench", "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()})
	in := b64(h) + "." + b64(c)
	sum := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		b.Fatal(err)
	}
	e.token = in + "." + b64(sig)

	keySum := sha256.Sum256([]byte(benchAPIKey))
	full := `
listeners: [{name: public, address: "127.0.0.1:0"}]
audit: {sink: none}
consumers:
  - {name: bench, api_keys: [` + hex.EncodeToString(keySum[:]) + `]}
auth:
  api_key: {header: X-API-Key}
  jwt:
    issuers:
      - {name: test, issuer: "https://idp.test", jwks_url: "` + idp.URL + `", audiences: [orders], algorithms: [RS256], insecure_http: true}
throttle:
  defaults:
    consumer: {requests: 100000, per: 1s}
    ip: {requests: 100000, per: 1s}
routes_from:
  file: openapi.yaml
  overrides:
    createOrder: {auth: {methods: [apikey, jwt]}}
    getOrder: {auth: {methods: [apikey, jwt]}}
`
	e.full = benchGateway(b, full, upstream, DefaultModules, true)
	e.fullNoCache = benchGateway(b, strings.Replace(full, "  jwt:\n", "  jwt:\n    token_cache: {disabled: true}\n", 1), upstream, DefaultModules, true)
	e.crs = benchGateway(b, full+"waf: {enabled: true, paranoia_level: 1}\n", upstream, DefaultModules, true)

	target, _ := neturl.Parse(upstream)
	rp := &httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(target) },
		Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64},
	}
	srv := httptest.NewServer(rp)
	b.Cleanup(srv.Close)
	e.plainProxy = srv.URL
	return e
}

// benchGateway serves cfg on 127.0.0.1. wrapped uses the gateway's own
// Serve (framing wrapper included); otherwise the same http.Server settings
// serve the raw listener, which isolates the wrapper's cost.
func benchGateway(b *testing.B, cfg, upstream string, modules []Module, wrapped bool) string {
	p := writeConfig(b, b.TempDir(), cfg, upstream)
	c, err := Load(p)
	if err != nil {
		b.Fatal(err)
	}
	g, err := New(c, Options{Modules: modules, Audit: builtinRecorder(io.Discard), Logger: NewLogger(io.Discard, "error")})
	if err != nil {
		b.Fatal(err)
	}
	if err := g.Listen(); err != nil {
		b.Fatal(err)
	}
	if !wrapped {
		srv, err := g.newServer(c.Listeners[0], c)
		if err != nil {
			b.Fatal(err)
		}
		ln := g.listeners[c.Listeners[0].Name]
		go srv.Serve(ln)
		b.Cleanup(func() { srv.Close(); g.Close() })
		return "http://" + ln.Addr().String()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Serve(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
	return "http://" + g.Addr("public").String()
}

// load sends b.N requests from clients concurrent clients over kept-alive
// connections and reports requests/s and the p50/p99 latency. A non-200
// answer fails the benchmark: a refused request is not a measurement.
func load(b *testing.B, url string, hdr http.Header, clients int) {
	tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: clients * 2, DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	send := func() (time.Duration, error) {
		req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(benchBody))
		if err != nil {
			return 0, err
		}
		for k, v := range hdr {
			req.Header[k] = v
		}
		req.Header.Set("Content-Type", "application/json")
		start := time.Now()
		resp, err := cl.Do(req)
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			err = &statusErr{resp.StatusCode}
		}
		return time.Since(start), err
	}
	// Warm the connections (and the JWKS cache) outside the measurement.
	for range clients {
		if _, err := send(); err != nil {
			b.Fatal(err)
		}
	}
	dials := upstreamConns.Load()
	var next atomic.Int64
	lats := make([][]time.Duration, clients)
	var failed atomic.Value
	deadline := time.Now().Add(loadTimeLimit)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, b.N/clients+1)
			for next.Add(1) <= int64(b.N) {
				if time.Now().After(deadline) {
					failed.Store("load loop over its time limit")
					break
				}
				d, err := send()
				if err != nil {
					failed.Store(err.Error())
					break
				}
				mine = append(mine, d)
			}
			lats[c] = mine
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if msg, ok := failed.Load().(string); ok {
		b.Fatal(msg)
	}
	all := slices.Concat(lats...)
	slices.Sort(all)
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(upstreamConns.Load()-dials), "upstream-conns")
}

type statusErr struct{ code int }

func (e *statusErr) Error() string { return "status " + http.StatusText(e.code) }

// BenchmarkHandler runs the gateway's handler chain in process (no client
// socket, real loopback upstream) so that its CPU and allocations per
// request can be profiled without the load generator's own cost:
//
//	go test -run '^$' -bench Handler -benchmem -benchtime 20000x -cpuprofile cpu.out ./internal/gateway/
func BenchmarkHandler(b *testing.B) {
	up := benchUpstream(b)
	for _, c := range []struct{ name, cfg, path string }{
		{"bare", `
listeners: [{name: public, address: "127.0.0.1:0"}]
audit: {sink: none}
routes:
  - {name: plain, method: POST, path: /plain, upstream: UPSTREAM, proxy: {strip_prefix: /plain}}
`, "/plain"},
		{"validation", `
listeners: [{name: public, address: "127.0.0.1:0"}]
audit: {sink: none}
routes_from:
  file: openapi.yaml
`, "/orders"},
	} {
		b.Run(c.name, func(b *testing.B) {
			p := writeConfig(b, b.TempDir(), c.cfg, up.URL)
			cfg, err := Load(p)
			if err != nil {
				b.Fatal(err)
			}
			g, err := New(cfg, Options{Modules: []Module{}, Audit: builtinRecorder(io.Discard), Logger: NewLogger(io.Discard, "error")})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { g.Close() })
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				req := httptest.NewRequest(http.MethodPost, c.path, strings.NewReader(benchBody))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				g.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
