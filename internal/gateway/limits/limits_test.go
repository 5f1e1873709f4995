package limits

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestWrapBody(t *testing.T) {
	m, err := New(Config{MaxBodyBytes: 100, MaxJSONDepth: 3, MaxJSONElements: 10}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got string
	h, _ := m.Wrap("r", RouteConfig{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = string(b)
		if r.GetBody == nil {
			return // empty body: nothing to replay
		}
		rb, _ := r.GetBody()
		again, _ := io.ReadAll(rb)
		if string(again) != got {
			t.Error("GetBody does not replay the body")
		}
	}))
	cases := []struct {
		ct, body string
		status   int
	}{
		{"application/json", `{"a":[1,[2]]}`, 200},
		{"application/problem+json", `[[[[1]]]]`, 400},
		{"application/json", `[1,2,3,4,5,6,7,8,9,10,11]`, 413},
		{"application/json", `{"a":`, 400},
		{"application/json", `"` + strings.Repeat("9", 200) + `"`, 413},
		{"application/json", `[` + strings.Repeat("1", 70) + `]`, 400},
		{"text/plain", strings.Repeat("a", 100), 200},
		{"text/plain", strings.Repeat("a", 101), 413},
		{"application/json", ``, 200},
	}
	for _, c := range cases {
		r := httptest.NewRequest("POST", "/", strings.NewReader(c.body))
		r.Header.Set("Content-Type", c.ct)
		rec := httptest.NewRecorder()
		got = ""
		h.ServeHTTP(rec, r)
		if rec.Code != c.status {
			t.Errorf("%s %.30q: %d, want %d", c.ct, c.body, rec.Code, c.status)
		}
		if c.status == 200 && got != c.body {
			t.Errorf("body changed: %q", got)
		}
	}
	// A chunked body over the limit (no Content-Length) is cut off too.
	r := httptest.NewRequest("POST", "/", io.NopCloser(strings.NewReader(strings.Repeat("a", 500))))
	r.ContentLength = -1
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != 413 {
		t.Errorf("chunked over limit: %d", rec.Code)
	}
}

func TestOuterFraming(t *testing.T) {
	m, _ := New(Config{}, Options{})
	h := m.Outer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	// Requests that net/http would not produce, as another front end
	// might: both framings, two lengths, a stray Transfer-Encoding header.
	reqs := map[string]func(r *http.Request){
		"CL and TE": func(r *http.Request) { r.TransferEncoding = []string{"chunked"}; r.Header.Set("Content-Length", "5") },
		"two CLs":   func(r *http.Request) { r.Header["Content-Length"] = []string{"5", "5"} },
		"TE header": func(r *http.Request) { r.Header.Set("Transfer-Encoding", "chunked") },
		"TE gzip":   func(r *http.Request) { r.TransferEncoding = []string{"gzip", "chunked"} },
		"signed CL": func(r *http.Request) { r.Header.Set("Content-Length", "+5") },
	}
	for name, mod := range reqs {
		r := httptest.NewRequest("POST", "/", nil)
		mod(r)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != 400 || rec.Header().Get("Connection") != "close" {
			t.Errorf("%s: %d", name, rec.Code)
		}
	}
}
