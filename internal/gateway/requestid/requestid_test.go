package requestid

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wardensec/warden/internal/gateway/reqctx"
)

func TestClientIP(t *testing.T) {
	m, err := New(Config{TrustedProxies: []string{"10.0.0.0/8", "::1"}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ remote, xff, want string }{
		{"203.0.113.9:4000", "1.2.3.4", "203.0.113.9"},             // untrusted peer: XFF ignored
		{"10.1.2.3:4000", "1.2.3.4", "1.2.3.4"},                    // trusted proxy
		{"10.1.2.3:4000", "6.6.6.6, 1.2.3.4, 10.9.9.9", "1.2.3.4"}, // spoofed left entry ignored
		{"10.1.2.3:4000", "garbage, 10.9.9.9", "10.1.2.3"},         // unparseable: stop believing
		{"[::1]:4000", "2001:db8::1", "2001:db8::1"},
		{"[::ffff:203.0.113.9]:1", "", "203.0.113.9"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := m.ClientIP(r); got != c.want {
			t.Errorf("%s + %q = %s, want %s", c.remote, c.xff, got, c.want)
		}
	}
}

func TestIncomingIDTrust(t *testing.T) {
	m, _ := New(Config{TrustIncoming: true, TrustedProxies: []string{"10.0.0.0/8"}}, Options{})
	var seen string
	h := m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = reqctx.From(r.Context()).ID }))
	for _, c := range []struct {
		remote, id string
		kept       bool
	}{
		{"10.0.0.1:1", "lb-123", true},
		{"203.0.113.1:1", "lb-123", false},      // untrusted peer cannot choose its id
		{"10.0.0.1:1", "bad id\r\nx: y", false}, // malformed
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		r.Header.Set("X-Request-Id", c.id)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if (seen == c.id) != c.kept || rec.Header().Get("X-Request-Id") != seen {
			t.Errorf("%s %q: id %q", c.remote, c.id, seen)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	c := Config{Header: "X Bad", TrustedProxies: []string{"nope"}, OnRecordError: "ignore"}
	if err := c.Validate(); err == nil {
		t.Fatal("invalid config accepted")
	}
}
