package waf_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/audit"
	"github.com/wardensec/warden/internal/gateway/reqctx"
	"github.com/wardensec/warden/internal/gateway/requestid"
	"github.com/wardensec/warden/internal/gateway/waf"
)

// TestWAFDecisionsReachTheAuditLog assembles the three pieces the way the
// gateway chain does (request id + audit ► ... ► WAF ► upstream) over a
// real socket, and checks that each WAF decision lands in the hash-chained
// log with its rule, and that the log verifies.
func TestWAFDecisionsReachTheAuditLog(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(t.TempDir(), "audit.db")
	log, err := audit.New(audit.Config{Path: dbPath, CheckpointEvery: 2}, audit.Options{SigningKey: priv})
	if err != nil {
		t.Fatal(err)
	}
	rid, err := requestid.New(requestid.Config{}, requestid.Options{Recorder: log})
	if err != nil {
		t.Fatal(err)
	}
	mw, err := waf.New(waf.Config{Enabled: true}, waf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer mw.Close()
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"ok":true}`) })
	detect := true
	routes := map[string]waf.RouteConfig{"api": {}, "watch": {DetectionOnly: &detect}}
	mux := http.NewServeMux()
	for name, rc := range routes {
		h, err := mw.Wrap(name, rc, upstream)
		if err != nil {
			t.Fatal(err)
		}
		// Stand-in for the router, which names the route in the state.
		mux.Handle("/"+name+"/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			reqctx.From(r.Context()).Route = name
			h.ServeHTTP(w, r)
		}))
	}
	srv := httptest.NewServer(rid.Wrap(mux))
	defer srv.Close()

	sqli := url.QueryEscape("1' OR '1'='1' --")
	cases := []struct {
		path, decision, reasonPrefix string
		status                       int
	}{
		{"/api/items?id=7", "allow", "", 200},
		{"/api/items?id=" + sqli, "deny", "waf.942", 403},
		{"/watch/items?id=" + sqli, "detect", "waf.942", 200},
	}
	ids := make([]string, len(cases))
	for i, c := range cases {
		resp, err := http.Get(srv.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Fatalf("%s: status %d, want %d", c.path, resp.StatusCode, c.status)
		}
		ids[i] = resp.Header.Get("X-Request-Id")
		if ids[i] == "" {
			t.Fatalf("%s: no request id header", c.path)
		}
	}
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := audit.OpenDB(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	recs, err := audit.Query(context.Background(), db, audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]audit.Record{}
	for _, r := range recs {
		byID[r.ID] = r
	}
	for i, c := range cases {
		r, ok := byID[ids[i]]
		if !ok {
			t.Fatalf("%s: request %s not in the audit log", c.path, ids[i])
		}
		if r.Decision != c.decision || !strings.HasPrefix(r.Reason, c.reasonPrefix) || r.Status != c.status {
			t.Fatalf("%s: record %+v; want %s %s* %d", c.path, r, c.decision, c.reasonPrefix, c.status)
		}
		if strings.Contains(r.Path, "?") || strings.Contains(r.Path, "OR") {
			t.Fatalf("query string leaked into the record path %q", r.Path)
		}
	}
	if _, err := audit.Verify(context.Background(), db, pub); err != nil {
		t.Fatal(err)
	}
}
