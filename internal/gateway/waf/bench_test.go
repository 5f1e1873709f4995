package waf

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkWAF is the per-request cost of the WAF stage at PL1 (defaults),
// in process, without sockets: a simple GET with two query arguments and a
// small JSON POST (6 leaves). "bare" is the same upstream without the WAF.
// Run bounded, e.g.
//
//	go test -run '^$' -bench BenchmarkWAF -benchtime 2000x ./internal/gateway/waf
func BenchmarkWAF(b *testing.B) {
	mw, err := New(Config{Enabled: true}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer mw.Close()
	up := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	})
	h, err := mw.Wrap("bench", RouteConfig{}, up)
	if err != nil {
		b.Fatal(err)
	}
	const body = `{"customer":"Ada Lovelace","items":[{"sku":"A-100","qty":2}],"note":"Leave at the door","gift":false}`
	reqs := map[string]func() *http.Request{
		"GET": func() *http.Request {
			r := httptest.NewRequest("GET", "/orders?page=2&sort=name", nil)
			r.Host = "api.example.com"
			r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0")
			r.Header.Set("Accept", "application/json")
			return r
		},
		"JSON-POST": func() *http.Request {
			r := httptest.NewRequest("POST", "/orders", strings.NewReader(body))
			r.Host = "api.example.com"
			r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0")
			r.Header.Set("Accept", "application/json")
			r.Header.Set("Content-Type", "application/json")
			return r
		},
	}
	for _, name := range []string{"GET", "JSON-POST"} {
		for _, variant := range []struct {
			name string
			h    http.Handler
		}{{"bare", up}, {"crs-pl1", h}} {
			b.Run(name+"/"+variant.name, func(b *testing.B) {
				b.ReportAllocs()
				cpu0 := processCPU()
				for i := 0; i < b.N; i++ {
					w := httptest.NewRecorder()
					variant.h.ServeHTTP(w, reqs[name]())
					if w.Code != http.StatusOK {
						b.Fatalf("status %d", w.Code)
					}
				}
				// Process CPU (user+sys, GC included) per request holds up
				// better than wall time on a shared, loaded machine.
				b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N)/1e3, "cpu-µs/op")
			})
		}
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
