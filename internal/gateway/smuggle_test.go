package gateway

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// These tests speak raw HTTP/1.1 to the gateway's real listener. net/http
// parses the framing before any handler runs; what matters is the end
// result: the upstream sees exactly the requests the gateway routed, and a
// smuggled request is never forwarded inside another one's body.
func TestSmugglingRawSocket(t *testing.T) {
	up := newUpstream(t)
	rn := start(t, baseConfig, up.URL, Options{})

	t.Run("CL.TE", func(t *testing.T) {
		before := up.hits.Load()
		// A front end trusting Content-Length would forward the whole
		// thing as one request; trusting Transfer-Encoding, the
		// "GET /admin" part becomes a second request.
		smuggled := "GET /admin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
		body := "0\r\n\r\n" + smuggled
		resp := raw(t, rn.addr, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"+
			"Content-Length: "+itoa(len(body))+"\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"+body)
		codes := statusCodes(resp)
		// The chunked body is empty; the remainder is parsed as the
		// client's own next request and meets the whole chain (404: no
		// such route). It never reaches the upstream hidden in a body.
		if len(codes) == 0 || codes[0] != 200 {
			t.Fatalf("responses %v\n%s", codes, resp)
		}
		if len(codes) > 1 && codes[1] != 404 {
			t.Errorf("smuggled request answered %d", codes[1])
		}
		if got := up.hits.Load() - before; got != 1 {
			t.Errorf("upstream saw %d requests, want 1: %v", got, up.seen())
		}
		if slices.Contains(up.seen(), "GET /admin") {
			t.Error("smuggled request reached the upstream")
		}
		for _, p := range up.seen() {
			if strings.Contains(p, "admin") {
				t.Errorf("upstream saw %q", p)
			}
		}
	})

	cases := []struct {
		name, req string
		status    int
	}{
		{"conflicting Content-Length", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde", 400},
		{"Content-Length list", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 5\r\n\r\nabcde", 400},
		{"signed Content-Length", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc", 400},
		{"TE chunked, identity", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", 501},
		{"TE with space before colon", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400},
		{"two TE headers", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501},
		{"bare LF in chunk size", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n", 400},
		{"oversized chunk size", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\nabc\r\n0\r\n\r\n", 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := up.hits.Load()
			resp := raw(t, rn.addr, c.req)
			codes := statusCodes(resp)
			if len(codes) == 0 || codes[0] != c.status {
				t.Errorf("status %v, want %d\n%s", codes, c.status, resp)
			}
			if got := up.hits.Load() - before; got != 0 {
				t.Errorf("upstream saw %d requests", got)
			}
		})
	}

	t.Run("identical duplicate Content-Length", func(t *testing.T) {
		// net/http folds identical values into one (RFC 9110 §8.6 allows
		// it); the length is unambiguous, so the request is served once.
		before := up.hits.Load()
		resp := raw(t, rn.addr, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc")
		if codes := statusCodes(resp); len(codes) != 1 || codes[0] != 200 {
			t.Errorf("status %v", codes)
		}
		if got := up.hits.Load() - before; got != 1 {
			t.Errorf("upstream saw %d requests", got)
		}
	})
}

func itoa(n int) string { return strconv.Itoa(n) }
