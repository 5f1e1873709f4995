package validate

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestInlineSchemasAndParams(t *testing.T) {
	m, err := New(Config{MaxErrors: 2}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rc := RouteConfig{
		Body: map[string]any{"type": "object", "required": []any{"a"}, "properties": map[string]any{"a": map[string]any{"type": "integer"}, "b": map[string]any{"type": "string"}, "c": map[string]any{"type": "boolean"}}},
		Query: map[string]Param{
			"limit": {Schema: map[string]any{"type": "integer", "maximum": 50}},
			"tag":   {Schema: map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": []any{"x", "y"}}}},
			"req":   {Required: true},
		},
		Path:               map[string]Param{"id": {Schema: map[string]any{"type": "integer", "minimum": 1}}},
		RejectUnknownQuery: true,
	}
	reached := 0
	h, err := m.Wrap("r", rc, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached++ }))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /items/{id}", h)
	cases := []struct {
		url, ct, body string
		status        int
		want          string
	}{
		{"/items/3?req=1&limit=5&tag=x&tag=y", "application/json", `{"a":1}`, 200, ""},
		{"/items/3?req=1", "application/json; charset=utf-8", `{"a":1,"b":"s"}`, 200, ""},
		{"/items/0?req=1", "application/json", `{"a":1}`, 400, "/path/id: minimum"},
		{"/items/x?req=1", "application/json", `{"a":1}`, 400, "/path/id: type"},
		{"/items/3", "application/json", `{"a":1}`, 400, "/query/req: required"},
		{"/items/3?req=1&limit=51", "application/json", `{"a":1}`, 400, "/query/limit: maximum"},
		{"/items/3?req=1&limit=1&limit=2", "application/json", `{"a":1}`, 400, "/query/limit: repeated"},
		{"/items/3?req=1&tag=z", "application/json", `{"a":1}`, 400, "/query/tag/0: enum"},
		{"/items/3?req=1&debug=1", "application/json", `{"a":1}`, 400, "/query/debug: not allowed"},
		{"/items/3?req=1", "text/plain", `{"a":1}`, 415, ""},
		{"/items/3?req=1", "application/json", `{"a":"1","b":2,"c":"no"}`, 400, "(and 1 more)"},
	}
	for _, c := range cases {
		reached = 0
		r := httptest.NewRequest("POST", c.url, strings.NewReader(c.body))
		r.Header.Set("Content-Type", c.ct)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, r)
		if rec.Code != c.status || (c.status == 200) != (reached == 1) {
			t.Errorf("%s %s: %d (reached %d), want %d: %s", c.url, c.body, rec.Code, reached, c.status, rec.Body.String())
		}
		if c.want != "" && !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("%s %s: body %s lacks %q", c.url, c.body, rec.Body.String(), c.want)
		}
	}
}

func TestSchemasNeverLoadURLs(t *testing.T) {
	m, _ := New(Config{}, Options{})
	err := m.Compile("r", RouteConfig{Body: map[string]any{"$ref": "http://127.0.0.1:1/evil.json"}})
	if err == nil {
		t.Fatal("a remote $ref compiled")
	}
	if err := m.Compile("r", RouteConfig{Body: map[string]any{"$ref": "file:///etc/passwd"}}); err == nil {
		t.Fatal("a file $ref compiled")
	}
}
