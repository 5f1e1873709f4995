package respfilter

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestLooksLikeTrace(t *testing.T) {
	leaks := []string{
		"Traceback (most recent call last):\n  File \"/app/x.py\", line 3, in <module>",
		"\tat com.example.Foo.bar(Foo.java:42)",
		"Exception in thread \"main\" java.lang.IllegalStateException: x",
		"Error: boom\n    at Object.<anonymous> (/var/task/index.js:3:9)",
		"    at /var/task/node_modules/x/lib.mjs:10:2",
		"goroutine 1 [running]:\nmain.main()",
		"panic: runtime error: invalid memory address",
		"System.NullReferenceException: Object reference not set\n   at Api.Get() in /src/Api.cs:line 7",
		"PHP Fatal error:  Uncaught Error in /var/www/index.php on line 12",
		"app.rb:12:in `block in <main>'",
		"SQLSTATE[42000]: Syntax error",
		"You have an error in your SQL syntax near 'x'",
	}
	for _, s := range leaks {
		if !LooksLikeTrace([]byte(s)) {
			t.Errorf("missed: %q", s)
		}
	}
	clean := []string{
		`{"error":"qty must be positive"}`,
		`{"message":"Order not found","code":"NOT_FOUND"}`,
		"at least one item is required",
		`{"error":"invalid panic button state"}`,
		"Bad Request",
	}
	for _, s := range clean {
		if LooksLikeTrace([]byte(s)) {
			t.Errorf("false positive: %q", s)
		}
	}
}

func TestWrap(t *testing.T) {
	m, err := New(Config{MaxInspectBytes: 64}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	up := func(code int, body string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Powered-By", "PHP/8")
			w.WriteHeader(code)
			io.WriteString(w, body)
		})
	}
	run := func(rc RouteConfig, code int, body string) *httptest.ResponseRecorder {
		h, _ := m.Wrap("r", rc, up(code, body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		return rec
	}
	trace := "goroutine 7 [running]:\nmain.handler()"
	if rec := run(RouteConfig{}, 500, trace); strings.Contains(rec.Body.String(), "goroutine") || rec.Code != 500 || rec.Header().Get("X-Powered-By") != "" {
		t.Errorf("trace passed: %d %q", rec.Code, rec.Body.String())
	}
	// A trace past the inspected prefix is not seen; a trace inside a long
	// body within the prefix is.
	long := strings.Repeat("x", 40) + trace + strings.Repeat("y", 200)
	if rec := run(RouteConfig{}, 500, long); strings.Contains(rec.Body.String(), "goroutine") {
		t.Errorf("trace in long body passed")
	}
	if rec := run(RouteConfig{}, 500, `{"error":"db down"}`); rec.Body.String() != `{"error":"db down"}` {
		t.Errorf("clean 5xx changed: %q", rec.Body.String())
	}
	all := true
	if rec := run(RouteConfig{ReplaceAllErrors: &all}, 503, `{"error":"db down"}`); strings.Contains(rec.Body.String(), "db down") {
		t.Errorf("replace_all_errors ignored")
	}
	if rec := run(RouteConfig{}, 200, trace); rec.Body.String() != trace {
		t.Errorf("2xx bodies are never rewritten: %q", rec.Body.String())
	}
	if rec := run(RouteConfig{Disabled: true}, 500, trace); rec.Body.String() != trace || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("disabled route: %q %v", rec.Body.String(), rec.Header())
	}
}
