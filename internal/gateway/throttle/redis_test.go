package throttle

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisAddr returns the test Redis address. Unset WARDEN_TEST_REDIS_ADDR
// and nothing on 127.0.0.1:6379 skips; a set but unreachable address fails,
// so CI cannot silently skip the shared-limit tests.
func redisAddr(t testing.TB) string {
	t.Helper()
	addr, set := os.LookupEnv("WARDEN_TEST_REDIS_ADDR")
	if !set {
		addr = "127.0.0.1:6379"
	}
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		if set {
			t.Fatalf("WARDEN_TEST_REDIS_ADDR=%s is unreachable: %v", addr, err)
		}
		t.Skipf("no Redis on %s and WARDEN_TEST_REDIS_ADDR is unset: start redis-server on 127.0.0.1:6379 to run this test", addr)
	}
	c.Close()
	return addr
}

// uniquePrefix keeps runs (and the two instances' peers in other tests)
// from sharing keys.
func uniquePrefix(t testing.TB) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "warden-test:" + hex.EncodeToString(b) + ":"
}

func redisConfig(addr, prefix, policy string) Config {
	return Config{Backend: BackendRedis, FailurePolicy: policy,
		Redis: RedisConfig{Addr: addr, KeyPrefix: prefix, Timeout: 500 * time.Millisecond}}
}

// TestRedisSharedLimitAcrossInstances runs two gateway handler instances,
// each with its own go-redis client, under concurrent load against one
// route limit. The sum of allowed requests must equal the burst (plus one
// for a refill during the run, at 1 request/hour practically never).
func TestRedisSharedLimitAcrossInstances(t *testing.T) {
	addr := redisAddr(t)
	prefix := uniquePrefix(t)
	const burst = 50
	rc := RouteConfig{Route: &Rate{Requests: 1, Per: time.Hour, Burst: burst}}
	_, srvA := newServer(t, redisConfig(addr, prefix, FailClosed), rc, Options{})
	_, srvB := newServer(t, redisConfig(addr, prefix, FailClosed), rc, Options{})

	const workers, perWorker = 8, 40 // 320 requests in all, bounded
	var ok, limited, other atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			srv := srvA
			if w%2 == 1 {
				srv = srvB
			}
			client := &http.Client{Timeout: 10 * time.Second}
			for i := 0; i < perWorker; i++ {
				resp, err := client.Get(srv.URL + "/orders")
				if err != nil {
					other.Add(1)
					continue
				}
				resp.Body.Close()
				switch resp.StatusCode {
				case 200:
					ok.Add(1)
				case 429:
					limited.Add(1)
				default:
					other.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("two instances, %d concurrent workers: %d allowed, %d limited (limit %d)", workers, ok.Load(), limited.Load(), burst)
	if other.Load() != 0 {
		t.Fatalf("%d requests failed or got an unexpected status", other.Load())
	}
	if n := ok.Load(); n < burst || n > burst+1 {
		t.Fatalf("two instances allowed %d requests together; shared limit is %d (+1 tolerance)", n, burst)
	}
	if ok.Load()+limited.Load() != workers*perWorker {
		t.Fatalf("ok %d + limited %d != %d", ok.Load(), limited.Load(), workers*perWorker)
	}
}

func TestRedisQuotaShared(t *testing.T) {
	addr := redisAddr(t)
	prefix := uniquePrefix(t)
	rc := RouteConfig{Quota: Quota{Daily: 3}}
	_, srvA := newServer(t, redisConfig(addr, prefix, FailClosed), rc, Options{})
	_, srvB := newServer(t, redisConfig(addr, prefix, FailClosed), rc, Options{})
	c := map[string]string{"X-Test-Consumer": "alice"}
	want := []int{200, 200, 200, 429, 429}
	for i, w := range want {
		srv := srvA
		if i%2 == 1 {
			srv = srvB
		}
		r := get(t, srv, c)
		if r.status != w {
			t.Fatalf("request %d: status %d, want %d (%+v)", i, r.status, w, r)
		}
		if w == 429 && r.retry == "" {
			t.Fatal("429 without Retry-After")
		}
	}
	if r := get(t, srvA, map[string]string{"X-Test-Consumer": "bob"}); r.status != 200 || r.remaining != "2" || r.limit != "3" {
		t.Fatalf("bob: %+v", r)
	}
}

func TestRedisHeadersMatchLocal(t *testing.T) {
	addr := redisAddr(t)
	_, srv := newServer(t, redisConfig(addr, uniquePrefix(t), FailClosed), RouteConfig{Route: &Rate{Requests: 2, Per: time.Minute}}, Options{})
	r := get(t, srv, nil)
	if r.status != 200 || r.limit != "2" || r.remaining != "1" || r.reset != "30" {
		t.Fatalf("first: %+v", r)
	}
	get(t, srv, nil)
	r = get(t, srv, nil)
	if r.status != 429 || r.retry == "" || r.remaining != "0" {
		t.Fatalf("third: %+v", r)
	}
	if n, _ := strconv.Atoi(r.retry); n < 1 || n > 30 {
		t.Fatalf("Retry-After %q", r.retry)
	}
}

// startRedis runs a dedicated redis-server on a free loopback port, so the
// test can kill it without disturbing the shared one.
func startRedis(t *testing.T) (addr string, kill func()) {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		if _, set := os.LookupEnv("WARDEN_TEST_REDIS_ADDR"); set {
			t.Fatalf("redis-server binary not found: %v", err)
		}
		t.Skip("redis-server binary not found and WARDEN_TEST_REDIS_ADDR is unset")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(path, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	kill = func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
	}
	t.Cleanup(kill)
	addr = fmt.Sprintf("127.0.0.1:%d", port)
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer c.Close()
	for i := 0; i < 100; i++ { // up to ~5s for the server to accept
		if c.Ping(context.Background()).Err() == nil {
			return addr, kill
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("redis-server on %s did not answer PING", addr)
	return "", nil
}

// TestRedisOutagePolicies kills Redis mid-test: fail_closed must answer
// 503, local_fallback must keep limiting with the local limiter (limits
// divided by replicas).
func TestRedisOutagePolicies(t *testing.T) {
	addr, kill := startRedis(t)
	prefix := uniquePrefix(t)
	rc := RouteConfig{Route: &Rate{Requests: 1, Per: time.Hour, Burst: 4}}
	_, closed := newServer(t, redisConfig(addr, prefix+"c:", FailClosed), rc, Options{})
	fbCfg := redisConfig(addr, prefix+"f:", LocalFallback)
	fbCfg.Replicas = 2
	_, fallback := newServer(t, fbCfg, rc, Options{})

	for name, srv := range map[string]string{"fail_closed": closed.URL, "local_fallback": fallback.URL} {
		resp, err := http.Get(srv + "/orders")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s before outage: %d", name, resp.StatusCode)
		}
	}
	kill()

	for i := 0; i < 5; i++ {
		if r := get(t, closed, nil); r.status != http.StatusServiceUnavailable {
			t.Fatalf("fail_closed during outage, request %d: %d", i, r.status)
		}
	}
	// Burst 4 over 2 replicas: the local fallback allows 2, then limits.
	want := []int{200, 200, 429, 429}
	for i, w := range want {
		if r := get(t, fallback, nil); r.status != w {
			t.Fatalf("local_fallback during outage, request %d: %d, want %d", i, r.status, w)
		}
	}
}

func BenchmarkRedisTake(b *testing.B) {
	addr := redisAddr(b)
	m, err := New(redisConfig(addr, uniquePrefix(b), FailClosed), Options{Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	buckets := []bucket{
		{Key: m.prefix + "bench:route", Kind: "route", Emission: time.Microsecond, Burst: 1 << 40},
		{Key: m.prefix + "bench:ip", Kind: "ip", Emission: time.Microsecond, Burst: 1 << 40},
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.primary.take(ctx, buckets, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRedisUnresponsive covers the outage that hurts most: a Redis that
// accepts connections and never answers. The per-call timeout turns it into
// the failure policy instead of a stalled request. This needs no Redis.
func TestRedisUnresponsive(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns sync.WaitGroup
	done := make(chan struct{})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() { // swallow everything, answer nothing
				defer conns.Done()
				go func() { <-done; c.Close() }()
				_, _ = io.Copy(io.Discard, c)
			}()
		}
	}()
	t.Cleanup(func() { l.Close(); close(done); conns.Wait() })
	rc := RouteConfig{Route: &Rate{Requests: 1, Per: time.Hour, Burst: 1}}
	for _, tc := range []struct {
		policy string
		want   []int
	}{{FailClosed, []int{503, 503}}, {LocalFallback, []int{200, 429}}} {
		cfg := redisConfig(l.Addr().String(), "x:", tc.policy)
		cfg.Redis.Timeout = 50 * time.Millisecond
		_, srv := newServer(t, cfg, rc, Options{})
		for i, w := range tc.want {
			if r := get(t, srv, nil); r.status != w {
				t.Fatalf("%s request %d: %d, want %d", tc.policy, i, r.status, w)
			}
		}
	}
}
