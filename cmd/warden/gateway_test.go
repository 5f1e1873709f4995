package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestGatewayValidateCommand(t *testing.T) {
	if code := run([]string{"gateway", "validate", filepath.Join("..", "..", "examples", "gateway", "gateway.yaml")}); code != exitOK {
		t.Errorf("example config: exit %d", code)
	}
	bad := filepath.Join(t.TempDir(), "gateway.yaml")
	if err := os.WriteFile(bad, []byte("listeners: [{address: \"127.0.0.1:0\"}]\nroutes: [{name: a, method: GET, path: /a, upsteam: x}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code := run([]string{"gateway", "validate", bad}); code != exitError {
		t.Errorf("bad config: exit %d, want %d", code, exitError)
	}
	if code := run([]string{"gateway"}); code != exitError {
		t.Errorf("missing --config: exit %d", code)
	}
}
