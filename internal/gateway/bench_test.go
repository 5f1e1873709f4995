package gateway

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// Benchmarks compare, over loopback only, one client doing sequential
// requests against: the upstream directly; the gateway with only its
// always-on stages (request id, limits' framing checks, security headers,
// proxy, response filter; audit off); and the gateway with body limits and
// OpenAPI schema validation on a JSON POST. Run with a fixed count, e.g.
//
//	go test -run '^$' -bench . -benchtime 3000x ./internal/gateway/
//
// and compare ns/op (and p50/p99) of each gateway case with its direct case.

const benchBody = `{"item":"book","qty":2,"note":"gift wrap"}`

func benchUpstream(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	b.Cleanup(srv.Close)
	return srv
}

func benchGateway(b *testing.B, upstream string) string {
	cfg := `
listeners: [{name: public, address: "127.0.0.1:0"}]
audit: {sink: none}
routes_from:
  file: openapi.yaml
routes:
  - {name: plain, method: POST, path: /plain, upstream: UPSTREAM, proxy: {strip_prefix: /plain}}
`
	p := writeConfig(b, b.TempDir(), cfg, upstream)
	c, err := Load(p)
	if err != nil {
		b.Fatal(err)
	}
	g, err := New(c, Options{Modules: []Module{}, Audit: builtinRecorder(io.Discard), Logger: NewLogger(io.Discard, "error")})
	if err != nil {
		b.Fatal(err)
	}
	if err := g.Listen(); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Serve(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
	return "http://" + g.Addr("public").String()
}

func runBench(b *testing.B, url string) {
	cl := &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4}}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		req, _ := http.NewRequest("POST", url, strings.NewReader(benchBody))
		req.Header.Set("Content-Type", "application/json")
		resp, err := cl.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

func BenchmarkDirect(b *testing.B) {
	up := benchUpstream(b)
	runBench(b, up.URL+"/orders")
}

func BenchmarkGatewayBare(b *testing.B) {
	up := benchUpstream(b)
	runBench(b, benchGateway(b, up.URL)+"/plain")
}

func BenchmarkGatewayLimitsValidation(b *testing.B) {
	up := benchUpstream(b)
	runBench(b, benchGateway(b, up.URL)+"/orders")
}

// runParallel measures throughput with 8 concurrent clients (4 per CPU on
// this 2-core box); ns/op is wall time divided by requests.
func runParallel(b *testing.B, url string) {
	cl := &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64}}
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("POST", url, strings.NewReader(benchBody))
			req.Header.Set("Content-Type", "application/json")
			resp, err := cl.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}

func BenchmarkParallelDirect(b *testing.B) {
	up := benchUpstream(b)
	runParallel(b, up.URL+"/orders")
}

func BenchmarkParallelGatewayBare(b *testing.B) {
	up := benchUpstream(b)
	runParallel(b, benchGateway(b, up.URL)+"/plain")
}

func BenchmarkParallelGatewayLimitsValidation(b *testing.B) {
	up := benchUpstream(b)
	runParallel(b, benchGateway(b, up.URL)+"/orders")
}

// BenchmarkPlainReverseProxy is the floor for any reverse proxy: a bare
// httputil.ReverseProxy on loopback, no middleware. The gap between it and
// BenchmarkGatewayBare is what the gateway's own stages cost.
func BenchmarkPlainReverseProxy(b *testing.B) {
	up := benchUpstream(b)
	target, _ := neturl.Parse(up.URL)
	rp := &httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(target) },
		Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64},
	}
	srv := httptest.NewServer(rp)
	b.Cleanup(srv.Close)
	runBench(b, srv.URL+"/orders")
}
