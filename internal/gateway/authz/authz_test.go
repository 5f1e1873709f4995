package authz

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cel.dev/cel-go/common/types"

	"github.com/wardensec/warden/internal/gateway/authn"
	"github.com/wardensec/warden/internal/gateway/reqctx"
)

// stubAuthn plays the authn middleware: it installs the identity that the
// test encodes in X-Test-Identity (JSON), or none when the header is absent.
func stubAuthn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &reqctx.State{ID: "req-1", Start: time.Now()}
		if h := r.Header.Get("X-Test-Identity"); h != "" {
			var id struct {
				reqctx.Identity
				Claims map[string]any `json:"claims"`
			}
			if err := json.Unmarshal([]byte(h), &id); err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			id.Identity.Claims = id.Claims
			st.SetIdentity(&id.Identity)
		}
		next.ServeHTTP(w, r.WithContext(reqctx.With(r.Context(), st)))
	})
}

func serve(t *testing.T, rc RouteConfig) *httptest.Server {
	t.Helper()
	m, err := New(Config{}, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	h, err := m.Wrap("orders", rc, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	if err != nil {
		t.Fatalf("Wrap: %v", err)
	}
	srv := httptest.NewServer(stubAuthn(h))
	t.Cleanup(srv.Close)
	return srv
}

func call(t *testing.T, srv *httptest.Server, identity string, hdr map[string]string) (int, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/orders/7?tenant=t1", nil)
	if identity != "" {
		req.Header.Set("X-Test-Identity", identity)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header
}

func TestScopesAndRoles(t *testing.T) {
	reader := `{"method":"jwt","sub":"u1","scopes":["orders:read"],"roles":["viewer"]}`
	writer := `{"method":"jwt","sub":"u2","scopes":["orders:read","orders:write"],"roles":["admin"]}`
	keyUser := `{"method":"apikey","consumer":"acme","scopes":["orders:read"]}`
	cases := []struct {
		name string
		rc   RouteConfig
		id   string
		want int
	}{
		{"all_of allow", RouteConfig{Scopes: Set{AllOf: []string{"orders:read", "orders:write"}}}, writer, 200},
		{"all_of deny", RouteConfig{Scopes: Set{AllOf: []string{"orders:read", "orders:write"}}}, reader, 403},
		{"any_of allow", RouteConfig{Scopes: Set{AnyOf: []string{"orders:write", "orders:read"}}}, reader, 200},
		{"any_of deny", RouteConfig{Scopes: Set{AnyOf: []string{"orders:write", "admin"}}}, reader, 403},
		{"role allow", RouteConfig{Roles: Set{AnyOf: []string{"admin", "ops"}}}, writer, 200},
		{"role deny", RouteConfig{Roles: Set{AnyOf: []string{"admin", "ops"}}}, reader, 403},
		{"api key consumer scopes", RouteConfig{Scopes: Set{AllOf: []string{"orders:read"}}}, keyUser, 200},
		{"no identity", RouteConfig{Scopes: Set{AllOf: []string{"orders:read"}}}, "", 403},
		{"no requirements", RouteConfig{}, "", 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := serve(t, tc.rc)
			got, hdr := call(t, srv, tc.id, nil)
			if got != tc.want {
				t.Fatalf("status %d, want %d", got, tc.want)
			}
			if tc.name == "all_of deny" && !strings.Contains(hdr.Get("WWW-Authenticate"), `error="insufficient_scope"`) {
				t.Fatalf("missing insufficient_scope challenge: %q", hdr.Get("WWW-Authenticate"))
			}
		})
	}
}

func TestCELExpressions(t *testing.T) {
	id := func(claims string) string {
		return `{"method":"jwt","sub":"u1","consumer":"u1","scopes":["a"],"roles":["admin"],"claims":` + claims + `}`
	}
	cases := []struct {
		name string
		expr string
		id   string
		hdr  map[string]string
		want int
	}{
		{"claim equals", `claims.tenant == "t1"`, id(`{"tenant":"t1"}`), nil, 200},
		{"claim differs", `claims.tenant == "t1"`, id(`{"tenant":"t2"}`), nil, 403},
		{"missing claim denies", `claims.tenant == "t1"`, id(`{}`), nil, 403},
		{"claim vs header", `claims.tenant == request.headers["x-tenant"]`, id(`{"tenant":"t1"}`), map[string]string{"X-Tenant": "t1"}, 200},
		{"claim vs other header", `claims.tenant == request.headers["x-tenant"]`, id(`{"tenant":"t1"}`), map[string]string{"X-Tenant": "t9"}, 403},
		{"claim vs query", `claims.tenant == request.query["tenant"]`, id(`{"tenant":"t1"}`), nil, 200},
		{"number claim", `claims.level >= 3`, id(`{"level":5}`), nil, 200},
		{"number claim low", `claims.level >= 3`, id(`{"level":1}`), nil, 403},
		{"identity roles", `"admin" in identity.roles && request.method == "GET"`, id(`{}`), nil, 200},
		{"nested list", `claims.groups.exists(g, g.startsWith("eng-"))`, id(`{"groups":["ops","eng-core"]}`), nil, 200},
		{"nested list deny", `claims.groups.exists(g, g.startsWith("eng-"))`, id(`{"groups":["ops"]}`), nil, 403},
		{"path", `request.path.startsWith("/orders/")`, id(`{}`), nil, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := serve(t, RouteConfig{Expr: tc.expr})
			if got, _ := call(t, srv, tc.id, tc.hdr); got != tc.want {
				t.Fatalf("status %d, want %d", got, tc.want)
			}
		})
	}
}

func TestCELCostLimitDenies(t *testing.T) {
	// The same expression and claims pass under a generous limit (control)
	// and are denied under the default one.
	for _, tc := range []struct {
		limit uint64
		want  int
	}{{10_000_000, 200}, {0, 403}} {
		if got := costRun(t, tc.limit); got != tc.want {
			t.Fatalf("cost limit %d: status %d, want %d", tc.limit, got, tc.want)
		}
	}
}

func costRun(t *testing.T, limit uint64) int {
	m, err := New(Config{CostLimit: limit}, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	// A quadratic comprehension over a 200-element claim.
	h, err := m.Wrap("r", RouteConfig{Expr: `claims.xs.all(x, claims.xs.all(y, x + y >= 0))`},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(stubAuthn(h))
	defer srv.Close()
	xs := make([]string, 200)
	for i := range xs {
		xs[i] = "1"
	}
	got, _ := call(t, srv, `{"method":"jwt","claims":{"xs":[`+strings.Join(xs, ",")+`]}}`, nil)
	return got
}

func TestCompileErrorsAtLoad(t *testing.T) {
	m, _ := New(Config{}, Options{})
	for expr, want := range map[string]string{
		`claims.tenant ==`:        "authz.expr",
		`claims.tenant`:           "must evaluate to bool",
		`undefined_var == 1`:      "undeclared reference",
		strings.Repeat("a", 5000): "longer than",
	} {
		_, err := m.Wrap("r", RouteConfig{Expr: expr}, http.NotFoundHandler())
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("expr %.20q: error %v, want %q", expr, err, want)
		}
	}
	if _, err := m.Wrap("r", RouteConfig{Scopes: Set{AllOf: []string{"a b"}}}, http.NotFoundHandler()); err == nil {
		t.Error("scope with a space accepted")
	}
}

// TestWithRealAuthn runs the API-key path of the real authn middleware in
// front of authz, over a socket.
func TestWithRealAuthn(t *testing.T) {
	an, err := authn.New(authn.Config{Consumers: []authn.Consumer{
		{Name: "reader", APIKeySHA256: []string{authn.HashAPIKey("key-reader-0123456789")}, Scopes: []string{"orders:read"}},
		{Name: "admin", APIKeySHA256: []string{authn.HashAPIKey("key-admin-0123456789")}, Scopes: []string{"orders:read", "orders:write"}, Roles: []string{"admin"}},
	}}, authn.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer an.Close()
	az, _ := New(Config{}, Options{})
	inner, err := az.Wrap("w", RouteConfig{Scopes: Set{AllOf: []string{"orders:write"}}, Expr: `identity.consumer == "admin" && identity.method == "apikey"`},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	if err != nil {
		t.Fatal(err)
	}
	h, err := an.Wrap("w", authn.RouteConfig{Methods: []string{"apikey"}}, inner)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(reqctx.With(r.Context(), &reqctx.State{ID: "x"})))
	}))
	defer srv.Close()
	for key, want := range map[string]int{"key-admin-0123456789": 200, "key-reader-0123456789": 403, "nope": 401} {
		if got, _ := call(t, srv, "", map[string]string{"X-API-Key": key}); got != want {
			t.Errorf("key %s: status %d, want %d", key, got, want)
		}
	}
}

func BenchmarkCELEval(b *testing.B) {
	m, _ := New(Config{}, Options{})
	prg, err := m.Compile(`claims.tenant == request.headers["x-tenant"] && "admin" in identity.roles`)
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/orders/1", nil)
	r.Header.Set("X-Tenant", "t1")
	r.Header.Set("Accept", "application/json")
	act := &activation{id: &reqctx.Identity{Method: "jwt", Roles: []string{"admin"}, Claims: map[string]any{"tenant": "t1"}}, r: r}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		out, _, err := prg.Eval(act)
		if err != nil || out != types.True {
			b.Fatal(out, err)
		}
	}
}
