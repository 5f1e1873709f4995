package gateway

import (
	"testing"
)

// FuzzParse feeds arbitrary bytes to the config loader: it must return a
// config or a *ConfigError, never panic, and never produce a config without
// routes or listeners. Seeds are in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add([]byte(baseConfig))
	f.Add([]byte(moduleConfig))
	f.Add([]byte("listeners: [{address: \"127.0.0.1:0\"}]\nroutes: [{name: a, method: GET, path: \"/a/{x}\", upstream: \"http://127.0.0.1:1\"}]\n"))
	f.Add([]byte("a: &a [*a, *a]\n"))
	dir := f.TempDir() // no openapi.yaml in it: routes_from fails cleanly
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, "fuzz.yaml", dir)
		if err != nil {
			if _, ok := err.(*ConfigError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if len(cfg.Routes) == 0 || len(cfg.Listeners) == 0 {
			t.Fatalf("accepted a config without routes or listeners")
		}
		for _, r := range cfg.Routes {
			if r.Upstream == "" || r.Path == "" || r.Path[0] != '/' {
				t.Fatalf("accepted route %+v", r)
			}
		}
	})
}
