package throttle

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wardensec/warden/internal/gateway/proxynet"
)

// FuzzClientIP checks the XFF walk on arbitrary input: it never panics, the
// result is always the peer or an address written in the header, and an
// untrusted peer always wins whatever the header says.
func FuzzClientIP(f *testing.F) {
	f.Add("10.0.0.1:4000", "1.2.3.4, 10.0.0.2")
	f.Add("203.0.113.9:1", "1.2.3.4")
	f.Add("[2001:db8::1]:443", "[2001:db9::2]:80, ::ffff:10.0.0.7")
	f.Add("10.0.0.1:1", strings.Repeat("10.0.0.3,", 100)+"8.8.8.8")
	trusted, _ := proxynet.Parse([]string{"10.0.0.0/8", "2001:db8::/32", "127.0.0.1"})
	f.Fuzz(func(t *testing.T, peer, xff string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = peer
		for _, line := range strings.Split(xff, "\n") {
			r.Header.Add("X-Forwarded-For", line)
		}
		got := ClientIP(r, trusted)
		p := parseHost(peer)
		if !p.IsValid() {
			if got.IsValid() {
				t.Fatalf("invalid peer %q gave %s", peer, got)
			}
			return
		}
		if !trusted.Contains(p) {
			if got != p {
				t.Fatalf("untrusted peer %s, got %s", p, got)
			}
			return
		}
		if got == p {
			return
		}
		for _, line := range strings.Split(xff, "\n") {
			for _, e := range strings.Split(line, ",") {
				if parseHost(strings.TrimSpace(e)) == got {
					return
				}
			}
		}
		t.Fatalf("result %s is neither the peer nor in the header %q", got, xff)
	})
}

func BenchmarkLocalTake(b *testing.B) {
	l := newLocal(0, time.Now)
	buckets := []bucket{
		{Key: "route", Kind: "route", Emission: time.Microsecond, Burst: 1 << 40},
		{Key: "ip:203.0.113.7", Kind: "ip", Emission: time.Microsecond, Burst: 1 << 40},
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := l.take(context.Background(), buckets, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkClientIP(b *testing.B) {
	trusted, _ := proxynet.Parse([]string{"10.0.0.0/8"})
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.0.0.1:5000"
	r.Header.Set("X-Forwarded-For", "198.51.100.1, 203.0.113.7, 10.1.1.1")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = ClientIP(r, trusted)
	}
}
