package gateway

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigErrorsNameLineAndField(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown field", `
listeners: [{address: "127.0.0.1:0"}]
routes:
  - name: a
    method: GET
    path: /a
    upsteam: http://127.0.0.1:1
`, []string{"gateway.yaml:7: routes[0].upsteam: unknown field (did you mean \"upstream\"?)", "gateway.yaml:4: routes[0].upstream: required"}},
		{"bad upstream", `
listeners: [{address: "127.0.0.1:0"}]
routes:
  - {name: a, method: GET, path: /a, upstream: http://127.0.0.1:1}
  - name: b
    method: GET
    path: /b
    upstream: ftp://x
`, []string{"gateway.yaml:8: routes[1].upstream: \"ftp://x\": scheme must be http or https"}},
		{"star with credentials", `
listeners: [{address: "127.0.0.1:0"}]
cors:
  allow_credentials: true
  allowed_origins:
    - "*"
routes: [{name: a, method: GET, path: /a, upstream: "http://127.0.0.1:1"}]
`, []string{"gateway.yaml:6: cors.allowed_origins[0]: \"*\" cannot be combined with allow_credentials"}},
		{"plain api key", `
listeners: [{address: "127.0.0.1:0"}]
consumers:
  - name: alice
    api_keys: [my-secret-key]
routes: [{name: a, method: GET, path: /a, upstream: "http://127.0.0.1:1"}]
`, []string{"gateway.yaml:5: consumers[0].api_keys[0]: must be the SHA-256 hex digest"}},
		{"type error", `
listeners: [{address: "127.0.0.1:0"}]
limits:
  max_body_bytes: lots
routes: [{name: a, method: GET, path: /a, upstream: "http://127.0.0.1:1"}]
`, []string{"gateway.yaml:4: limits.max_body_bytes: cannot unmarshal !!str `lots`"}},
		{"conflicting routes", `
listeners: [{address: "127.0.0.1:0"}]
routes:
  - {name: a, method: GET, path: "/a/{x}", upstream: "http://127.0.0.1:1"}
  - {name: b, method: GET, path: "/a/{y}", upstream: "http://127.0.0.1:1"}
`, []string{"gateway.yaml:5: routes[1].path:", "conflicts"}},
		{"bad method and TLS", `
listeners:
  - address: "127.0.0.1:0"
    tls: {cert_file: nope.pem, key_file: nope.key, min_version: "1.0"}
routes: [{name: a, method: FETCH, path: /a, upstream: "http://127.0.0.1:1"}]
`, []string{"gateway.yaml:4: listeners[0].tls.min_version: must be \"1.2\" or \"1.3\"", "listeners[0].tls.cert_file: cannot load certificate", "gateway.yaml:5: routes[0].method"}},
		{"schema does not compile", `
listeners: [{address: "127.0.0.1:0"}]
routes:
  - name: a
    method: POST
    path: /a
    upstream: "http://127.0.0.1:1"
    validate:
      body: {type: 12}
`, []string{"gateway.yaml:9: routes[0].validate.body: schema does not compile"}},
		{"stage not built", `
listeners: [{address: "127.0.0.1:0"}]
waf: {paranoia: 1}
routes: [{name: a, method: GET, path: /a, upstream: "http://127.0.0.1:1"}]
`, []string{"gateway.yaml:3: waf: the waf stage is not available in this build"}},
		{"openapi override for unknown operation", `
listeners: [{address: "127.0.0.1:0"}]
routes_from:
  file: openapi.yaml
  upstream: http://127.0.0.1:1
  overrides:
    nosuchOp: {limits: {max_body_bytes: 10}}
`, []string{"gateway.yaml:7: routes_from.overrides.nosuchOp: no operation with operationId"}},
		{"no routes", `listeners: [{address: "127.0.0.1:0"}]`, []string{"routes: at least one route is required"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeConfig(t, dir, c.yaml, "http://127.0.0.1:1")
			err := Check(p, Options{Modules: []Module{}})
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("want *ConfigError, got %v", err)
			}
			msg := strings.ReplaceAll(err.Error(), p, "gateway.yaml")
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
			if strings.Contains(msg, "my-secret-key") {
				t.Error("the plain key was echoed")
			}
		})
	}
}

func TestExampleConfigIsValid(t *testing.T) {
	p := filepath.Join("..", "..", "examples", "gateway", "gateway.yaml")
	if _, err := os.Stat(p); err != nil {
		t.Skip("example not present")
	}
	if err := Check(p, Options{Modules: []Module{}}); err != nil && !strings.Contains(err.Error(), "not available in this build") {
		t.Fatal(err)
	}
}

func TestRoutesFromScalarForm(t *testing.T) {
	p := writeConfig(t, t.TempDir(), "listeners: [{address: \"127.0.0.1:0\"}]\nroutes_from: openapi.yaml\n", "http://127.0.0.1:9")
	cfg, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range cfg.Routes {
		names = append(names, r.Name+"="+r.Method+" "+r.Path+" -> "+r.Upstream)
	}
	got := strings.Join(names, "; ")
	want := "createOrder=POST /orders -> http://127.0.0.1:9; getOrder=GET /orders/{id} -> http://127.0.0.1:9"
	if got != want {
		t.Errorf("routes %q, want %q", got, want)
	}
}
