package gateway

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardensec/warden/internal/gateway/auditrec"
)

// upstream is a real function stand-in on 127.0.0.1 that counts what it saw.
type upstream struct {
	*httptest.Server
	hits    atomic.Int64
	mu      sync.Mutex
	paths   []string
	release chan struct{} // /slow waits on it
	entered chan struct{} // /slow signals it
}

func newUpstream(t *testing.T) *upstream {
	t.Helper()
	u := &upstream{release: make(chan struct{}), entered: make(chan struct{}, 16)}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Server", "Werkzeug/2.0 Python/3.11")
		w.Header().Set("X-Powered-By", "Express")
		_ = json.NewEncoder(w).Encode(map[string]any{"method": r.Method, "path": r.URL.Path, "query": r.URL.RawQuery, "body": string(body), "request_id": r.Header.Get("X-Request-Id")})
	})
	mux.HandleFunc("/trace/python", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		io.WriteString(w, "Traceback (most recent call last):\n  File \"/var/task/app.py\", line 12, in handler\n    db.query(sql)\nValueError: bad\n")
	})
	mux.HandleFunc("/trace/java", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		io.WriteString(w, "java.lang.NullPointerException\n\tat com.acme.Orders.create(Orders.java:42)\n")
	})
	mux.HandleFunc("/trace/node", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(502)
		io.WriteString(w, "TypeError: x is undefined\n    at handler (/var/task/index.js:10:5)\n")
	})
	mux.HandleFunc("/trace/go", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		io.WriteString(w, "panic: runtime error: index out of range\n\ngoroutine 1 [running]:\nmain.main()\n")
	})
	mux.HandleFunc("/trace/dotnet", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		io.WriteString(w, "System.InvalidOperationException: boom\n   at Acme.Api.Run() in C:\\src\\Api.cs:line 7\n")
	})
	mux.HandleFunc("/trace/gzip", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.WriteHeader(500)
		w.Write(gz("Traceback (most recent call last):\n  File \"x.py\", line 1\n"))
	})
	mux.HandleFunc("/plain400", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		io.WriteString(w, `{"error":"qty must be positive"}`)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		b := bytes.Repeat([]byte("a"), 64<<10)
		if r.URL.Query().Has("stream") {
			// ReverseProxy flushes event streams after every write.
			w.Header().Set("Content-Type", "text/event-stream")
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.Write(b)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		u.entered <- struct{}{}
		select {
		case <-u.release:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, "slow done")
	})
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.hits.Add(1)
		u.mu.Lock()
		u.paths = append(u.paths, r.Method+" "+r.URL.Path)
		u.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) seen() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.paths...)
}

// auditBuf collects JSON-lines audit records.
type auditBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (a *auditBuf) Write(p []byte) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.buf.Write(p)
}

func (a *auditBuf) records(t *testing.T) []auditrec.Record {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []auditrec.Record
	sc := bufio.NewScanner(bytes.NewReader(a.buf.Bytes()))
	for sc.Scan() {
		var r auditrec.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

func (a *auditBuf) byID(t *testing.T, id string) auditrec.Record {
	t.Helper()
	for _, r := range a.records(t) {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no audit record for request %q", id)
	return auditrec.Record{}
}

type running struct {
	g     *Gateway
	base  string
	addr  string
	admin string
	audit *auditBuf
	file  string
}

// writeConfig writes yaml (with UPSTREAM replaced) and the test OpenAPI file
// into a temp dir.
func writeConfig(t testing.TB, dir, yaml, upstreamURL string) string {
	t.Helper()
	spec, err := os.ReadFile("testdata/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	spec = bytes.ReplaceAll(spec, []byte("http://127.0.0.1:1"), []byte(upstreamURL))
	if err := os.WriteFile(filepath.Join(dir, "openapi.yaml"), spec, 0o600); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "gateway.yaml")
	if err := os.WriteFile(p, []byte(strings.ReplaceAll(yaml, "UPSTREAM", upstreamURL)), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// start serves a config on 127.0.0.1:0 with the real listeners.
func start(t *testing.T, yaml, upstreamURL string, opts Options) *running {
	t.Helper()
	p := writeConfig(t, t.TempDir(), yaml, upstreamURL)
	cfg, err := Load(p)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	ab := &auditBuf{}
	if opts.Stdout == nil {
		opts.Stdout = ab
	}
	if opts.Logger == nil {
		opts.Logger = NewLogger(io.Discard, "error")
	}
	if opts.Modules == nil {
		opts.Modules = []Module{} // the chain's own stages only; see modules_test.go
	}
	if opts.Audit == nil {
		opts.Audit = builtinRecorder(opts.Stdout)
	}
	g, err := New(cfg, opts)
	if err != nil {
		t.Fatalf("new: %v", err)
	}
	if err := g.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("serve: %v", err)
		}
	})
	rn := &running{g: g, addr: g.Addr(cfg.Listeners[0].Name).String(), audit: ab, file: p}
	rn.base = "http://" + rn.addr
	if a := g.Addr("admin"); a != nil {
		rn.admin = "http://" + a.String()
	}
	return rn
}

var client = &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: false}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func do(t *testing.T, method, url, body string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp, string(b)
}

// raw sends bytes over a fresh TCP connection and returns everything the
// server answers until it closes the connection.
func raw(t *testing.T, addr, payload string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// A safety net against a hung test, not an assertion.
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(c, payload); err != nil {
		t.Fatal(err)
	}
	// No half-close: net/http takes a read EOF as the client leaving and
	// cancels the request. Payloads end with Connection: close or an error.
	b, _ := io.ReadAll(c)
	return string(b)
}

// statusCodes parses the responses in resp, in order, until the bytes no
// longer form a response.
func statusCodes(resp string) []int {
	var out []int
	br := bufio.NewReader(strings.NewReader(resp))
	for {
		r, err := http.ReadResponse(br, nil)
		if err != nil {
			return out
		}
		out = append(out, r.StatusCode)
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			return out
		}
		r.Body.Close()
	}
}

func gz(s string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.Bytes()
}
