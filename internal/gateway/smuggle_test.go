package gateway

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// These tests speak raw HTTP/1.1 to the gateway's real listener. The
// listener checks each request head below net/http (package framing), so
// ambiguous framing is refused with 400 even where net/http would have
// normalised it; the upstream must see exactly the requests the gateway
// routed, and nothing hidden in a refused request's body.
func TestSmugglingRawSocket(t *testing.T) {
	up := newUpstream(t)
	rn := start(t, baseConfig, up.URL, Options{})

	smuggled := "GET /admin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
	chunkedSmuggle := "0\r\n\r\n" + smuggled
	// TE.CL: a front end trusting Content-Length (4: "3c\r\n") forwards the
	// chunk as the next request.
	teclBody := "3c\r\n" + "GET /admin HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\nx=\r\n0\r\n\r\n"

	cases := []struct {
		name, req string
		status    int
		reason    string // audit reason when the gateway answered itself
	}{
		{"CL.TE", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: " + itoa(len(chunkedSmuggle)) + "\r\nTransfer-Encoding: chunked\r\n\r\n" + chunkedSmuggle, 400, "limits.framing.length_and_chunked"},
		{"TE.CL", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n" + teclBody, 400, "limits.framing.length_and_chunked"},
		{"CL.CL same value", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400, "limits.framing.duplicate_length"},
		{"CL.CL different values", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde", 400, "limits.framing.duplicate_length"},
		{"Content-Length list", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 5\r\n\r\nabcde", 400, "limits.framing.bad_length"},
		{"Content-Length list of equal values", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3,3\r\n\r\nabc", 400, "limits.framing.bad_length"},
		{"signed Content-Length", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc", 400, "limits.framing.bad_length"},
		{"TE xchunked", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", 400, "limits.framing.transfer_encoding"},
		{"TE chunked, identity", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", 400, "limits.framing.transfer_encoding"},
		{"TE identity, chunked", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n", 400, "limits.framing.transfer_encoding"},
		{"TE with space before colon", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400, "limits.framing.header_name"},
		{"TE with vertical tab", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\x0bchunked\r\n\r\n0\r\n\r\n", 400, "limits.framing.transfer_encoding"},
		{"TE folded", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n identity\r\n\r\n0\r\n\r\n", 400, "limits.framing.transfer_encoding"},
		{"two TE headers", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "limits.framing.transfer_encoding"},
		{"TE on HTTP/1.0", "POST /echo HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "limits.framing.transfer_encoding"},
		{"HTTP/0.9 version token", "GET /echo HTTP/0.9\r\nHost: x\r\n\r\n", 400, "limits.request_line.version"},
		{"raw fragment", "GET /echo#frag HTTP/1.1\r\nHost: x\r\n\r\n", 400, "limits.request_line.fragment"},
		// Left to net/http, which refuses them itself before any handler.
		{"bare LF in chunk size", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n", 400, ""},
		{"oversized chunk size", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\nabc\r\n0\r\n\r\n", 400, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := up.hits.Load()
			resp := raw(t, rn.addr, c.req)
			codes := statusCodes(resp)
			if len(codes) != 1 || codes[0] != c.status {
				t.Fatalf("responses %v, want exactly [%d]\n%s", codes, c.status, resp)
			}
			if got := up.hits.Load() - before; got != 0 {
				t.Errorf("upstream saw %d requests: %v", got, up.seen())
			}
			if c.reason == "" {
				return
			}
			if !strings.Contains(strings.ToLower(resp), "connection: close") {
				t.Errorf("refusal does not close the connection:\n%s", resp)
			}
			_, body, _ := strings.Cut(resp, "\r\n\r\n")
			var e struct {
				Error     string `json:"error"`
				RequestID string `json:"request_id"`
			}
			if err := json.Unmarshal([]byte(body), &e); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			want := "ambiguous request framing"
			if strings.HasPrefix(c.reason, "limits.request_line") {
				want = "malformed request line"
			}
			if e.Error != want {
				t.Errorf("error %q, want %q", e.Error, want)
			}
			rec := rn.audit.byID(t, e.RequestID)
			if rec.Reason != c.reason || rec.Decision != "deny" || rec.Status != 400 {
				t.Errorf("audit record %+v, want deny/400/%s", rec, c.reason)
			}
		})
	}
	for _, p := range up.seen() {
		if strings.Contains(p, "admin") {
			t.Errorf("a smuggled request reached the upstream: %q", p)
		}
	}

	t.Run("audit shows the refused request line", func(t *testing.T) {
		resp := raw(t, rn.addr, "POST /echo?x=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na")
		_, body, _ := strings.Cut(resp, "\r\n\r\n")
		var e struct {
			RequestID string `json:"request_id"`
		}
		_ = json.Unmarshal([]byte(body), &e)
		rec := rn.audit.byID(t, e.RequestID)
		if rec.Method != "POST" || rec.Path != "/echo" {
			t.Errorf("audit has %s %s, want POST /echo", rec.Method, rec.Path)
		}
	})

	t.Run("pipelined, second request ambiguous", func(t *testing.T) {
		before := up.hits.Load()
		first := "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nfirst"
		second := "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: " + itoa(len(chunkedSmuggle)) + "\r\nTransfer-Encoding: chunked\r\n\r\n" + chunkedSmuggle
		resp := raw(t, rn.addr, first+second)
		if codes := statusCodes(resp); !slices.Equal(codes, []int{200, 400}) {
			t.Fatalf("responses %v, want [200 400]\n%s", codes, resp)
		}
		if !strings.Contains(resp, `"body":"first"`) {
			t.Errorf("first response incomplete:\n%s", resp)
		}
		if got := up.hits.Load() - before; got != 1 {
			t.Errorf("upstream saw %d requests, want 1", got)
		}
	})

	t.Run("keep-alive sequence passes", func(t *testing.T) {
		// Bodies that contain what looks like a head must be skipped as
		// bodies, both with Content-Length and chunked (with an extension
		// and a trailer), and the heads after them checked and served.
		before := up.hits.Load()
		lookalike := "GET /admin HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"
		chunk := strconv.FormatInt(int64(len(lookalike)), 16)
		seq := "GET /hello/ann HTTP/1.1\r\nHost: x\r\n\r\n" +
			"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: " + itoa(len(lookalike)) + "\r\n\r\n" + lookalike +
			"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + ";ext=1\r\n" + lookalike + "\r\n0\r\nX-Trailer: t\r\n\r\n" +
			"\r\nGET /hello/bob HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
		resp := raw(t, rn.addr, seq)
		if codes := statusCodes(resp); !slices.Equal(codes, []int{200, 200, 200, 200}) {
			t.Fatalf("responses %v, want four 200s\n%s", codes, resp)
		}
		if got := up.hits.Load() - before; got != 4 {
			t.Errorf("upstream saw %d requests, want 4", got)
		}
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestH2CNotFollowed: on a plaintext listener with http2 on, an HTTP/2
// prior-knowledge connection passes the framing wrapper untouched (HTTP/2
// frames carry their own lengths), while HTTP/1.1 on the same listener is
// still checked.
func TestH2CNotFollowed(t *testing.T) {
	up := newUpstream(t)
	cfg := strings.Replace(baseConfig, "    address: 127.0.0.1:0\n", "    address: 127.0.0.1:0\n    http2: true\n", 1)
	rn := start(t, cfg, up.URL, Options{})
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	h2c := &http.Client{Transport: &http.Transport{Proxy: nil, Protocols: &protos}}
	resp, err := h2c.Post(rn.base+"/echo", "text/plain", strings.NewReader("over h2c"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ProtoMajor != 2 || !strings.Contains(string(body), "over h2c") {
		t.Errorf("h2c: %d over %s: %s", resp.StatusCode, resp.Proto, body)
	}
	codes := statusCodes(raw(t, rn.addr, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na"))
	if len(codes) != 1 || codes[0] != 400 {
		t.Errorf("HTTP/1.1 on the h2c listener: %v, want [400]", codes)
	}
}
