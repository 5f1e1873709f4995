package throttle

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardensec/warden/internal/gateway/proxynet"
	"github.com/wardensec/warden/internal/gateway/reqctx"
)

type fakeClock struct{ ns atomic.Int64 }

func newClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}
func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestGCRABurstThenRate(t *testing.T) {
	clk := newClock()
	l := newLocal(0, clk.Now)
	b := []bucket{{Key: "k", Kind: "route", Emission: time.Second, Burst: 3}}
	for i := 0; i < 3; i++ {
		d, _ := l.take(context.Background(), b, nil)
		if !d.Allowed || d.Remaining != int64(2-i) || d.Limit != 3 {
			t.Fatalf("request %d: %+v", i, d)
		}
	}
	d, _ := l.take(context.Background(), b, nil)
	if d.Allowed || d.DeniedBy != "route" || d.RetryAfter != time.Second {
		t.Fatalf("4th request: %+v", d)
	}
	clk.Advance(999 * time.Millisecond)
	if d, _ := l.take(context.Background(), b, nil); d.Allowed {
		t.Fatal("allowed before one emission interval elapsed")
	}
	clk.Advance(time.Millisecond)
	if d, _ := l.take(context.Background(), b, nil); !d.Allowed || d.Remaining != 0 {
		t.Fatalf("after one interval: %+v", d)
	}
	clk.Advance(time.Hour)
	if d, _ := l.take(context.Background(), b, nil); !d.Allowed || d.Remaining != 2 {
		t.Fatalf("after idle: %+v", d)
	}
}

func TestLocalAllOrNothing(t *testing.T) {
	clk := newClock()
	l := newLocal(0, clk.Now)
	route := bucket{Key: "route", Kind: "route", Emission: time.Second, Burst: 10}
	ip := bucket{Key: "ip", Kind: "ip", Emission: time.Second, Burst: 1}
	if d, _ := l.take(context.Background(), []bucket{route, ip}, nil); !d.Allowed {
		t.Fatal("first")
	}
	for i := 0; i < 5; i++ {
		if d, _ := l.take(context.Background(), []bucket{route, ip}, nil); d.Allowed || d.DeniedBy != "ip" {
			t.Fatalf("ip limit: %+v", d)
		}
	}
	// Denials by the IP bucket did not consume the route's budget: 9 left.
	d, _ := l.take(context.Background(), []bucket{route}, nil)
	if !d.Allowed || d.Remaining != 8 {
		t.Fatalf("route remaining %+v, want 8 after 2 takes", d)
	}
}

func TestLocalQuotaPeriods(t *testing.T) {
	clk := newClock()
	l := newLocal(0, clk.Now)
	end := clk.Now().Add(12 * time.Hour)
	q := []quota{{Key: "q", Kind: "quota.daily", Limit: 2, ExpireAt: end}}
	for i := 0; i < 2; i++ {
		if d, _ := l.take(context.Background(), nil, q); !d.Allowed {
			t.Fatalf("take %d denied", i)
		}
	}
	d, _ := l.take(context.Background(), nil, q)
	if d.Allowed || d.DeniedBy != "quota.daily" || d.RetryAfter != 12*time.Hour {
		t.Fatalf("third: %+v", d)
	}
	clk.Advance(12 * time.Hour)
	if d, _ := l.take(context.Background(), nil, q); !d.Allowed {
		t.Fatal("quota not reset after expiry")
	}
}

func TestLocalMemoryBounded(t *testing.T) {
	clk := newClock()
	l := newLocal(64*20, clk.Now)
	for i := 0; i < 50_000; i++ {
		_, _ = l.take(context.Background(), []bucket{{Key: fmt.Sprintf("ip-%d", i), Kind: "ip", Emission: time.Minute, Burst: 5}}, nil)
	}
	if n := l.size(); n > 64*20 {
		t.Fatalf("%d keys tracked, cap %d", n, 64*20)
	}
	// Idle (full) buckets are dropped before live ones: after the buckets
	// refill, new keys evict them and a live key keeps its state.
	clk.Advance(time.Hour)
	live := bucket{Key: "live", Kind: "ip", Emission: time.Minute, Burst: 1}
	if d, _ := l.take(context.Background(), []bucket{live}, nil); !d.Allowed {
		t.Fatal("live first")
	}
	for i := 0; i < 300; i++ { // well under the cap: only expired entries need to go
		_, _ = l.take(context.Background(), []bucket{{Key: fmt.Sprintf("new-%d", i), Kind: "ip", Emission: time.Nanosecond, Burst: 1}}, nil)
	}
	if d, _ := l.take(context.Background(), []bucket{live}, nil); d.Allowed {
		t.Fatal("live key lost its state to eviction of expired entries")
	}
}

// identityFrom plays the request-id and authn middleware: X-Test-Consumer
// becomes the authenticated consumer.
func identityFrom(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &reqctx.State{ID: "req"}
		if c := r.Header.Get("X-Test-Consumer"); c != "" {
			st.SetIdentity(&reqctx.Identity{Consumer: c, Method: "apikey"})
		}
		next.ServeHTTP(w, r.WithContext(reqctx.With(r.Context(), st)))
	})
}

func newServer(t *testing.T, cfg Config, rc RouteConfig, opts Options) (*Middleware, *httptest.Server) {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	m, err := New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	h, err := m.Wrap("orders", rc, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(identityFrom(h))
	t.Cleanup(srv.Close)
	return m, srv
}

type result struct {
	status                         int
	limit, remaining, reset, retry string
}

func get(t *testing.T, srv *httptest.Server, hdr map[string]string) result {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/orders", nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return result{resp.StatusCode, resp.Header.Get("RateLimit-Limit"), resp.Header.Get("RateLimit-Remaining"),
		resp.Header.Get("RateLimit-Reset"), resp.Header.Get("Retry-After")}
}

func TestMiddlewareHeadersAnd429(t *testing.T) {
	clk := newClock()
	_, srv := newServer(t, Config{}, RouteConfig{Route: &Rate{Requests: 2, Per: time.Minute}}, Options{Now: clk.Now})
	r := get(t, srv, nil)
	if r.status != 200 || r.limit != "2" || r.remaining != "1" || r.reset != "30" {
		t.Fatalf("first: %+v", r)
	}
	if r := get(t, srv, nil); r.status != 200 || r.remaining != "0" {
		t.Fatalf("second: %+v", r)
	}
	r = get(t, srv, nil)
	if r.status != 429 || r.retry != "30" || r.remaining != "0" {
		t.Fatalf("third: %+v", r)
	}
	clk.Advance(30 * time.Second)
	if r := get(t, srv, nil); r.status != 200 {
		t.Fatalf("after refill: %+v", r)
	}
}

func TestPerConsumerAndPlans(t *testing.T) {
	clk := newClock()
	cfg := Config{Consumers: map[string]Plan{"gold": {Rate: &Rate{Requests: 5, Per: time.Minute}}}}
	_, srv := newServer(t, cfg, RouteConfig{Consumer: &Rate{Requests: 1, Per: time.Minute}}, Options{Now: clk.Now})
	a := map[string]string{"X-Test-Consumer": "alice"}
	if get(t, srv, a).status != 200 || get(t, srv, a).status != 429 {
		t.Fatal("alice: want 200 then 429")
	}
	if r := get(t, srv, map[string]string{"X-Test-Consumer": "bob"}); r.status != 200 {
		t.Fatalf("bob shares alice's bucket: %+v", r)
	}
	gold := map[string]string{"X-Test-Consumer": "gold"}
	for i := 0; i < 5; i++ {
		if r := get(t, srv, gold); r.status != 200 {
			t.Fatalf("gold plan request %d: %+v", i, r)
		}
	}
	if get(t, srv, gold).status != 429 {
		t.Fatal("gold plan not limited at 5")
	}
}

func TestDailyQuota(t *testing.T) {
	clk := newClock() // 12:00 UTC
	_, srv := newServer(t, Config{}, RouteConfig{Quota: Quota{Daily: 3, Monthly: 100}}, Options{Now: clk.Now})
	c := map[string]string{"X-Test-Consumer": "alice"}
	for i := 0; i < 3; i++ {
		if r := get(t, srv, c); r.status != 200 {
			t.Fatalf("request %d: %+v", i, r)
		}
	}
	r := get(t, srv, c)
	if r.status != 429 || r.retry != strconv.Itoa(12*3600) {
		t.Fatalf("over quota: %+v (want Retry-After until midnight UTC)", r)
	}
	clk.Advance(12 * time.Hour)
	if r := get(t, srv, c); r.status != 200 || r.remaining != "2" {
		t.Fatalf("next day: %+v", r)
	}
}

func TestPerIPWithTrustedProxies(t *testing.T) {
	clk := newClock()
	rc := RouteConfig{IP: &Rate{Requests: 1, Per: time.Minute}}
	// The test client connects from 127.0.0.1, which is the trusted proxy.
	_, srv := newServer(t, Config{TrustedProxies: []string{"127.0.0.1/32", "10.0.0.0/8"}}, rc, Options{Now: clk.Now})
	a := map[string]string{"X-Forwarded-For": "203.0.113.7, 10.1.2.3"}
	if get(t, srv, a).status != 200 || get(t, srv, a).status != 429 {
		t.Fatal("client 203.0.113.7: want 200 then 429")
	}
	// A spoofed left-most entry does not make a new client.
	if r := get(t, srv, map[string]string{"X-Forwarded-For": "1.1.1.1, 203.0.113.7, 10.1.2.3"}); r.status != 429 {
		t.Fatalf("spoofed prefix escaped the limit: %+v", r)
	}
	if r := get(t, srv, map[string]string{"X-Forwarded-For": "198.51.100.9"}); r.status != 200 {
		t.Fatalf("other client: %+v", r)
	}

	// Without trusted proxies XFF is ignored: every request is 127.0.0.1.
	_, srv2 := newServer(t, Config{}, rc, Options{Now: clk.Now})
	if get(t, srv2, map[string]string{"X-Forwarded-For": "1.1.1.1"}).status != 200 {
		t.Fatal("first")
	}
	if r := get(t, srv2, map[string]string{"X-Forwarded-For": "2.2.2.2"}); r.status != 429 {
		t.Fatalf("untrusted XFF changed the limiter key: %+v", r)
	}
}

func TestClientIP(t *testing.T) {
	trusted, _ := proxynet.Parse([]string{"10.0.0.0/8", "192.168.1.1", "2001:db8::/32"})
	cases := []struct {
		peer string
		xff  []string
		want string
	}{
		{"203.0.113.1:5555", []string{"1.2.3.4"}, "203.0.113.1"},             // untrusted peer
		{"10.0.0.1:5555", nil, "10.0.0.1"},                                   // trusted, no XFF
		{"10.0.0.1:5555", []string{"1.2.3.4"}, "1.2.3.4"},                    // one hop
		{"10.0.0.1:5555", []string{"6.6.6.6, 1.2.3.4, 10.9.9.9"}, "1.2.3.4"}, // skip trusted, stop at client
		{"10.0.0.1:5555", []string{"6.6.6.6", "1.2.3.4"}, "1.2.3.4"},         // several header lines
		{"10.0.0.1:5555", []string{"garbage, 10.2.2.2"}, "10.2.2.2"},         // unparsable: last trusted hop
		{"10.0.0.1:5555", []string{"10.3.3.3"}, "10.3.3.3"},                  // all trusted
		{"10.0.0.1:5555", []string{"[2001:db9::1]:443"}, "2001:db9::1"},      // bracketed v6 with port
		{"10.0.0.1:5555", []string{"::ffff:1.2.3.4"}, "1.2.3.4"},             // mapped
		{"[2001:db8::5]:1", []string{"1.2.3.4 , 192.168.1.1"}, "1.2.3.4"},    // trusted v6 peer
		{"10.0.0.1:5555", []string{""}, "10.0.0.1"},                          // empty header
		{"not-an-ip", []string{"1.2.3.4"}, "invalid IP"},
	}
	for _, tc := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.peer
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := ClientIP(r, trusted).String(); got != tc.want {
			t.Errorf("peer %s xff %q: got %s, want %s", tc.peer, tc.xff, got, tc.want)
		}
	}
	if k := ipKey(netip.MustParseAddr("2001:db8:1:2:3:4:5:6"), 64); k != "2001:db8:1:2::/64" {
		t.Errorf("ipKey v6 = %s", k)
	}
}

func TestConfigValidation(t *testing.T) {
	cases := map[string]Config{
		"redis without policy": {Backend: "redis", Redis: RedisConfig{Addr: "127.0.0.1:6379"}},
		"bad backend":          {Backend: "memcached"},
		"bad cidr":             {TrustedProxies: []string{"10.0.0.0/33"}},
		"zero rate":            {Defaults: RouteConfig{Route: &Rate{Requests: 0, Per: time.Second}}},
	}
	for name, c := range cases {
		if _, err := New(c, Options{}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := (&Config{Defaults: RouteConfig{IP: &Rate{Requests: 1}}}).Validate(); err == nil || err.Error() != "defaults.ip.per: must be a positive duration such as 1s or 1m" {
		t.Errorf("path: %v", err)
	}
}
