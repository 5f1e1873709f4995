package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/wardensec/warden/internal/audit"
	"github.com/wardensec/warden/internal/gateway/auditrec"
)

// auditCLI runs the command tree in-process and captures stdout. Every
// call passes all flags it relies on, because cobra keeps flag values
// between Execute calls.
func auditCLI(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	rootCmd.SetOut(&out)
	defer rootCmd.SetOut(nil)
	code := run(args)
	return code, out.String()
}

func TestAuditCLI(t *testing.T) {
	dir := t.TempDir()
	prefix := filepath.Join(dir, "k")
	if code, out := auditCLI(t, "audit", "keygen", "--out", prefix, "--force=false"); code != 0 || !strings.Contains(out, "key id") {
		t.Fatalf("keygen: %d %s", code, out)
	}
	if code, _ := auditCLI(t, "audit", "keygen", "--out", prefix, "--force=false"); code != exitError {
		t.Fatalf("keygen overwrote an existing key: exit %d", code)
	}
	if fi, err := os.Stat(prefix + ".key"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("private key mode: %v %v", fi.Mode(), err)
	}

	dbPath := filepath.Join(dir, "audit.db")
	l, err := audit.New(audit.Config{Path: dbPath, SigningKeyFile: prefix + ".key", CheckpointEvery: 5}, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i := 0; i < 12; i++ {
		rec := auditrec.Record{ID: fmt.Sprintf("r%02d", i), Time: now.Add(-time.Duration(12-i) * time.Minute), Route: "orders",
			Consumer: []string{"alice", "bob"}[i%2], ClientIP: "127.0.0.1", Method: "GET", Path: "/orders",
			Decision: []string{"allow", "deny"}[i%3/2], Status: 200}
		if err := l.Record(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	code, out := auditCLI(t, "audit", "verify", "--db", dbPath, "--pubkey", prefix+".pub", "--jsonl", "")
	if code != 0 || !strings.Contains(out, "OK: 12 records") || !strings.Contains(out, "signed checkpoints verified") {
		t.Fatalf("verify: %d %s", code, out)
	}

	code, out = auditCLI(t, "audit", "tail", "--db", dbPath, "-n", "3", "--format", "text", "--follow=false")
	if code != 0 || strings.Count(out, "\n") != 3 || !strings.Contains(out, "id=r11") {
		t.Fatalf("tail: %d %q", code, out)
	}

	code, out = auditCLI(t, "audit", "query", "--db", dbPath, "--consumer", "alice", "--since", "5m30s", "--route", "", "--decision", "", "--format", "json", "--limit", "0")
	if code != 0 {
		t.Fatalf("query: %d %s", code, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, ln := range lines {
		var r audit.Record
		if err := json.Unmarshal([]byte(ln), &r); err != nil || r.Consumer != "alice" || r.Hash == "" {
			t.Fatalf("query line %q: %v", ln, err)
		}
	}
	// Records r07..r11 are within 5m30s; alice has the odd... even ids.
	if len(lines) != 2 {
		t.Fatalf("query returned %d records, want 2 (r08, r10): %s", len(lines), out)
	}

	if code, _ := auditCLI(t, "audit", "query", "--db", dbPath, "--consumer", "", "--since", "0s", "--decision", "maybe", "--format", "text", "--limit", "0"); code != exitError {
		t.Fatalf("bad --decision: exit %d", code)
	}
	if code, _ := auditCLI(t, "audit", "verify", "--db", filepath.Join(dir, "missing.db"), "--jsonl", ""); code != exitError {
		t.Fatalf("missing db: exit %d", code)
	}

	// Edit one row: verify must fail with exit 1, naming that record.
	db, err := sql.Open("sqlite", "file:"+dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE audit_log SET decision = 'allow' WHERE seq = 9`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	code, out = auditCLI(t, "audit", "verify", "--db", dbPath, "--pubkey", prefix+".pub", "--jsonl", "")
	if code != exitFindings || !strings.Contains(out, "seq 9 (id r08)") {
		t.Fatalf("tampered verify: %d %s", code, out)
	}
}
