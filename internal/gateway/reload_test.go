package gateway

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/wardensec/warden/internal/gateway/auditrec"
	"github.com/wardensec/warden/internal/gateway/confpath"
	"github.com/wardensec/warden/internal/gateway/reqctx"
)

// fakeStage stands in for a module built by another package: it refuses
// requests without the header named in its route section and counts Close.
type fakeStage struct {
	closed *atomic.Int64
	header string
}

type fakeRoute struct {
	Require string `yaml:"require"`
}

func (f *fakeStage) Wrap(route string, n *yaml.Node, next http.Handler) (http.Handler, error) {
	var rc fakeRoute
	if err := DecodeSection(n, &rc); err != nil {
		return nil, err
	}
	if rc.Require == "bad" {
		return nil, confpath.Errorf("require", "bad is not a header")
	}
	hdr := rc.Require
	if hdr == "" {
		hdr = f.header
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(hdr) == "" {
			reqctx.Reject(w, r, http.StatusUnauthorized, "auth.fake.missing", "unauthorized")
			return
		}
		reqctx.From(r.Context()).SetIdentity(&reqctx.Identity{Consumer: "alice", Method: "apikey"})
		next.ServeHTTP(w, r)
	}), nil
}

func (f *fakeStage) Close() error { f.closed.Add(1); return nil }

func fakeModule(closed *atomic.Int64) Module {
	return Module{Key: "auth", Build: func(n *yaml.Node, env Env) (Stage, error) {
		var c struct {
			Header string `yaml:"header"`
		}
		if err := DecodeSection(n, &c); err != nil {
			return nil, err
		}
		if c.Header == "" {
			return nil, confpath.Errorf("header", "required")
		}
		return &fakeStage{closed: closed, header: c.Header}, nil
	}}
}

const moduleConfig = `
listeners: [{name: public, address: "127.0.0.1:0"}]
auth:
  header: X-Key
routes:
  - {name: slow, method: GET, path: /slow, upstream: UPSTREAM}
  - {name: open, method: GET, path: /open, upstream: UPSTREAM}
  - name: other
    method: GET
    path: /other
    upstream: UPSTREAM
    auth: {require: X-Other}
`

func TestModuleWiringAndReloadDrain(t *testing.T) {
	up := newUpstream(t)
	var closed atomic.Int64
	rn := start(t, moduleConfig, up.URL, Options{Modules: []Module{fakeModule(&closed)}})

	if resp, _ := do(t, "GET", rn.base+"/open", "", nil); resp.StatusCode != 401 {
		t.Errorf("no key: %d", resp.StatusCode)
	}
	resp, _ := do(t, "GET", rn.base+"/open", "", map[string]string{"X-Key": "k"})
	if resp.StatusCode != 200 {
		t.Errorf("with key: %d", resp.StatusCode)
	}
	if rec := rn.audit.byID(t, resp.Header.Get("X-Request-Id")); rec.Consumer != "alice" {
		t.Errorf("consumer not audited: %+v", rec)
	}
	if resp, _ := do(t, "GET", rn.base+"/other", "", map[string]string{"X-Key": "k"}); resp.StatusCode != 401 {
		t.Errorf("route override ignored: %d", resp.StatusCode)
	}

	// Start a request that holds the first generation.
	type result struct {
		code int
		body string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("GET", rn.base+"/slow", nil)
		req.Header.Set("X-Key", "k")
		resp, err := client.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- result{code: resp.StatusCode, body: string(b)}
	}()
	<-up.entered // the request is inside the upstream now

	// An invalid config is refused and the old one keeps serving.
	bad := strings.Replace(moduleConfig, "header: X-Key", "header: \"\"", 1)
	if err := os.WriteFile(rn.file, []byte(strings.ReplaceAll(bad, "UPSTREAM", up.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	err := rn.g.Reload()
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "gateway.yaml:4: auth.header: required") {
		t.Fatalf("invalid reload: %v", err)
	}
	if resp, _ := do(t, "GET", rn.base+"/open", "", map[string]string{"X-Key": "k"}); resp.StatusCode != 200 {
		t.Errorf("old config lost after invalid reload: %d", resp.StatusCode)
	}
	if closed.Load() != 0 {
		t.Errorf("stage closed by a refused reload")
	}

	// A valid reload swaps; the in-flight request keeps its generation.
	good := strings.Replace(moduleConfig, "header: X-Key", "header: X-New", 1)
	if err := os.WriteFile(rn.file, []byte(strings.ReplaceAll(good, "UPSTREAM", up.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := rn.g.Reload(); err != nil {
		t.Fatalf("valid reload: %v", err)
	}
	if resp, _ := do(t, "GET", rn.base+"/open", "", map[string]string{"X-Key": "k"}); resp.StatusCode != 401 {
		t.Errorf("new config not applied: %d", resp.StatusCode)
	}
	if resp, _ := do(t, "GET", rn.base+"/open", "", map[string]string{"X-New": "k"}); resp.StatusCode != 200 {
		t.Errorf("new config not applied: %d", resp.StatusCode)
	}
	if closed.Load() != 0 {
		t.Fatalf("old generation closed while a request was in flight")
	}
	close(up.release)
	r := <-done
	if r.err != nil || r.code != 200 || r.body != "slow done" {
		t.Fatalf("in-flight request: %+v", r)
	}
	// The old generation is closed once its last request has ended; the
	// release happens after the response is written, so wait for it.
	deadline := time.Now().Add(10 * time.Second)
	for closed.Load() != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if closed.Load() != 1 {
		t.Errorf("old generation closed %d times, want 1", closed.Load())
	}
}

func TestSIGHUPReload(t *testing.T) {
	up := newUpstream(t)
	cfg := "listeners: [{name: public, address: \"127.0.0.1:0\"}]\nroutes:\n  - {name: a, method: GET, path: /a, upstream: UPSTREAM}\n"
	rn := start(t, cfg, up.URL, Options{})
	if resp, _ := do(t, "GET", rn.base+"/b", "", nil); resp.StatusCode != 404 {
		t.Fatalf("/b before reload: %d", resp.StatusCode)
	}
	next := cfg + "  - {name: b, method: GET, path: /b, upstream: UPSTREAM}\n"
	if err := os.WriteFile(rn.file, []byte(strings.ReplaceAll(next, "UPSTREAM", up.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	// The reload is asynchronous; poll the observable effect.
	deadline := time.Now().Add(10 * time.Second)
	code := 0
	for time.Now().Before(deadline) {
		resp, _ := do(t, "GET", rn.base+"/b", "", nil)
		if code = resp.StatusCode; code == 200 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code != 200 {
		t.Errorf("/b after SIGHUP: %d", code)
	}
}

// blockingRecorder holds every Record call until released.
type blockingRecorder struct {
	entered chan struct{}
	release chan struct{}
	mu      sync.Mutex
	recs    []auditrec.Record
}

func (b *blockingRecorder) Record(_ context.Context, r auditrec.Record) error {
	b.entered <- struct{}{}
	<-b.release
	b.mu.Lock()
	b.recs = append(b.recs, r)
	b.mu.Unlock()
	return nil
}

// TestAuditBeforeResponseCompletes checks that a client cannot hold a
// complete response whose audit record is not written: with the recorder
// blocked, the last byte of a 64 KiB body must not have arrived. The body is
// an event stream, which the proxy flushes after every write, so net/http's
// own buffering does not hold anything back.
func TestAuditBeforeResponseCompletes(t *testing.T) {
	up := newUpstream(t)
	br := &blockingRecorder{entered: make(chan struct{}, 1), release: make(chan struct{})}
	var once sync.Once
	unblock := func() { once.Do(func() { close(br.release) }) }
	rn := start(t, baseConfig, up.URL, Options{Audit: func(*yaml.Node, *Config) (auditrec.Recorder, io.Closer, error) { return br, nil, nil }})
	c, err := net.Dial("tcp", rn.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET /big?stream=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	<-br.entered
	// Collect whatever has arrived while the record is being written.
	var got []byte
	buf := make([]byte, 32<<10)
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	for {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			break
		}
	}
	head, body, _ := strings.Cut(string(got), "\r\n\r\n")
	if !strings.Contains(head, "Content-Length: 65536") {
		t.Fatalf("unexpected head %q", head)
	}
	unblock()
	if len(body) >= 65536 {
		t.Fatalf("client had the whole body (%d bytes) before the audit record was written", len(body))
	}
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
	rest, _ := io.ReadAll(c)
	if len(body)+len(rest) != 65536 {
		t.Errorf("body %d+%d bytes, want 65536", len(body), len(rest))
	}
	br.mu.Lock()
	defer br.mu.Unlock()
	if len(br.recs) != 1 || br.recs[0].Route != "big" || br.recs[0].Status != 200 {
		t.Errorf("records %+v", br.recs)
	}
}

// failingRecorder refuses every record.
type failingRecorder struct{}

func (failingRecorder) Record(context.Context, auditrec.Record) error {
	return errors.New("disk full")
}

func TestAuditFailureAbortsResponse(t *testing.T) {
	up := newUpstream(t)
	rn := start(t, baseConfig, up.URL, Options{Audit: func(*yaml.Node, *Config) (auditrec.Recorder, io.Closer, error) { return failingRecorder{}, nil, nil }})
	req, _ := http.NewRequest("GET", rn.base+"/big", nil)
	resp, err := client.Do(req)
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil {
		t.Fatal("client received a complete response that was never audited")
	}
}
