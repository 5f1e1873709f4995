package proxy

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// flaky answers after dropping the first n connections without a response.
func flaky(t *testing.T, drop int64) (*httptest.Server, *atomic.Int64) {
	var seen atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) <= drop {
			c, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				c.Close()
			}
			return
		}
		b, _ := io.ReadAll(r.Body)
		io.WriteString(w, "ok:"+string(b))
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func handler(t *testing.T, rc RouteConfig, opts Options) http.Handler {
	t.Helper()
	m, err := New(Config{Retries: 2, RetryBackoff: time.Millisecond}, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	h, err := m.Wrap("r", rc, nil)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func serve(h http.Handler, method, body string) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, "/x", rd)
	if body != "" {
		b := body
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(b)), nil }
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestRetriesOnlyIdempotent(t *testing.T) {
	srv, seen := flaky(t, 1)
	h := handler(t, RouteConfig{Upstream: srv.URL}, Options{})
	if rec := serve(h, "PUT", "v"); rec.Code != 200 || rec.Body.String() != "ok:v" || seen.Load() != 2 {
		t.Errorf("PUT: %d %q after %d attempts", rec.Code, rec.Body.String(), seen.Load())
	}
	srv2, seen2 := flaky(t, 1)
	h2 := handler(t, RouteConfig{Upstream: srv2.URL}, Options{})
	if rec := serve(h2, "POST", "v"); rec.Code != 502 || seen2.Load() != 1 {
		t.Errorf("POST retried or not mapped: %d after %d attempts", rec.Code, seen2.Load())
	}
	// Never more than 1+retries attempts.
	srv3, seen3 := flaky(t, 10)
	h3 := handler(t, RouteConfig{Upstream: srv3.URL}, Options{})
	if rec := serve(h3, "GET", ""); rec.Code != 502 || seen3.Load() != 3 {
		t.Errorf("GET: %d after %d attempts, want 502 after 3", rec.Code, seen3.Load())
	}
}

func TestTimeoutIs504(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // accepts and never answers
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	d := 50 * time.Millisecond
	h := handler(t, RouteConfig{Upstream: "http://" + ln.Addr().String(), Timeout: &d}, Options{})
	if rec := serve(h, "GET", ""); rec.Code != 504 || strings.Contains(rec.Body.String(), "deadline") {
		t.Errorf("%d %q", rec.Code, rec.Body.String())
	}
}

func TestSigV4(t *testing.T) {
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "AWS_SESSION_TOKEN": "tok"}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	var got *http.Request
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got, body = r.Clone(context.Background()), string(b)
	}))
	defer srv.Close()
	h := handler(t, RouteConfig{Upstream: srv.URL, SigV4: &SigV4{Region: "eu-west-1"}}, Options{Getenv: func(k string) string { return env[k] }, Now: func() time.Time { return now }})
	req := httptest.NewRequest("POST", "/x?b=2&a=1", strings.NewReader(`{"a":1}`))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(`{"a":1}`)), nil }
	req.Header.Set("Authorization", "Bearer client-token")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || got == nil {
		t.Fatalf("status %d", rec.Code)
	}
	auth := got.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261123/eu-west-1/lambda/aws4_request") {
		t.Fatalf("Authorization = %q", auth)
	}
	if got.Header.Get("X-Amz-Security-Token") != "tok" {
		t.Error("session token not sent")
	}
	// Re-sign what the upstream received with the same inputs: the
	// signatures must agree, which is what Lambda checks.
	check, _ := http.NewRequest(got.Method, "http://"+got.Host+got.URL.RequestURI(), strings.NewReader(body))
	for k, vs := range got.Header {
		if k != "Authorization" {
			check.Header[k] = vs
		}
	}
	check.Header.Del("Accept-Encoding") // added by the transport after signing
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: env["AWS_ACCESS_KEY_ID"], SecretAccessKey: env["AWS_SECRET_ACCESS_KEY"], SessionToken: "tok"},
		check, got.Header.Get("X-Amz-Content-Sha256"), "lambda", "eu-west-1", now)
	if err != nil {
		t.Fatal(err)
	}
	if sig := check.Header.Get("Authorization"); sig != auth {
		t.Errorf("signature mismatch:\n got  %s\n want %s", auth, sig)
	}
	// Missing credentials fail closed with 502, never an unsigned request.
	h2 := handler(t, RouteConfig{Upstream: srv.URL, SigV4: &SigV4{Region: "eu-west-1"}}, Options{Getenv: func(string) string { return "" }})
	got = nil
	if rec := serve(h2, "GET", ""); rec.Code != 502 || got != nil {
		t.Errorf("no credentials: %d, upstream reached: %v", rec.Code, got != nil)
	}
}
