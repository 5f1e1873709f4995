package rules

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/analysis/analysistest"
	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/load/all"
	"github.com/wardensec/warden/internal/report"
	"github.com/wardensec/warden/internal/scan"
	"github.com/wardensec/warden/internal/source"
)

// plantedSecrets are the raw secrets in testdata/WAR-SEC-006. Each must be
// found there and none may appear in any report.
var plantedSecrets = []string{
	"AKIAZ7VQ3XK2MNB4PLRW",
	"q8Zr3fT1vLx9Wm2Kp7Yc4Nd6Hs0Bj5Ge8Ua1Ro3T",
	"ghp_R8xT2mQ9vL4kZ7pW1nC6bH3yF5sJ0dG8aE2u",
	"ghp_Z3kL9mQ2vT7xW4pN8cB1hY6fS5dJ0gA2eR7u",
	"T04ABCD1E2F/B05GHIJ3K4L/Qm7Rk2Lp9Xv4Tn8Wc3Yd6Fh1",
	"sk_live_51Hx8QmL2pR7vT9kW3nY6cB4dF0sJ1gA",
	"Orders-JWT-signing-secret-2024",
	"Xk9vQ2mL7pR4tW",
	"Dev-orders-jwt-Qz81x",
	"Payments-JWT-secret-Zx91",
	"Zq8Wm3Lp6Rt9Yv2N",
	"Payments-sign-key-Lp7Q",
	"Worker-typed-secret-7Hk",
	"Hq7Lz2Vm9Pw4Kt",
	"Tf-db-Passw0rd-91xQ",
	"Wm3Lp6Rt9Yv2NqZ8",
	"MHcCAQEEIBkV8rXq2m3pLz7Yc4Nd6Hs0Bj5Ge8Ua1Ro3TfT1vLx9oAoGCCqGSM49",
}

// TestNoReportPrintsASecret scans every WAR-SEC-006 fixture with the whole
// catalogue, as `warden scan` does, and writes the text, JSON and SARIF
// reports: no planted secret may appear in any of them, nor its part after
// the shown prefix, while the findings themselves must be there.
func TestNoReportPrintsASecret(t *testing.T) {
	dir := filepath.Join("testdata", "WAR-SEC-006")
	cases, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var fixtures bytes.Buffer
	for _, c := range cases {
		caseDir := filepath.Join(dir, c.Name())
		_ = filepath.WalkDir(caseDir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				b, _ := os.ReadFile(p)
				fixtures.Write(b)
			}
			return nil
		})
		t.Run(c.Name(), func(t *testing.T) {
			root, err := source.Open(caseDir)
			if err != nil {
				t.Fatal(err)
			}
			defer root.Close()
			app, err := scan.Load(context.Background(), root, scan.Options{Loaders: all.Loaders(), Load: load.Options{}})
			if err != nil {
				t.Fatal(err)
			}
			analysistest.DefaultEnrich(context.Background(), root, app)
			findings := analysis.Run(context.Background(), app, All(), analysis.Config{Settings: analysis.DefaultSettings()}, nil, nil)
			n := 0
			for _, f := range findings {
				if f.RuleID == "WAR-SEC-006" {
					n++
				}
			}
			if n == 0 {
				t.Fatal("no WAR-SEC-006 finding: the test would pass vacuously")
			}
			for _, format := range report.Formats() {
				var out bytes.Buffer
				rep := &report.Report{Tool: "warden", Version: "test", Root: caseDir, App: app, Findings: findings, Rules: All()}
				if err := report.Write(&out, format, rep); err != nil {
					t.Fatalf("%s: %v", format, err)
				}
				text := out.String()
				if !strings.Contains(text, "WAR-SEC-006") || !strings.Contains(text, "****") {
					t.Errorf("%s report does not show the redacted findings", format)
				}
				for _, s := range plantedSecrets {
					if strings.Contains(text, s) || strings.Contains(text, s[4:]) {
						t.Errorf("%s report of %s prints the secret %.4s...", format, c.Name(), s)
					}
				}
			}
		})
	}
	for _, s := range plantedSecrets {
		if !bytes.Contains(fixtures.Bytes(), []byte(s)) {
			t.Errorf("planted secret %.4s... is not in the fixtures; the list is stale", s)
		}
	}
}
