package secrets

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzScanFile feeds arbitrary text through the detector and Warden's
// position mapping (locate, nearest) and redaction: no panic, every
// position inside the file, and no redacted form longer than its prefix
// allowance.
func FuzzScanFile(f *testing.F) {
	for _, seed := range []string{
		"",
		`K = "` + githubPAT + `"`,
		"a: 1\r\nb: '" + githubPAT + "'\r\n",
		"JWT_SECRET=" + jwtSecret,
		"DSN = \"postgres://a:" + dbPassword + "@h/db\"",
		"Server=x;Password=" + adoPassword + ";",
		"aws_access_key_id = " + awsKeyID + "\naws_secret_access_key = " + awsSecretKey,
		privateKey,
		"é\n\n\t" + githubPAT + githubPAT,
		"jwt.sign({ a: 1 }, 'k\x00\xffey-value')",
	} {
		f.Add("f.py", seed)
		f.Add(".env", seed)
	}
	s := scanner(f)
	f.Fuzz(func(t *testing.T, name, src string) {
		lines := strings.Split(src, "\n")
		for _, h := range s.ScanFile(name, []byte(src)) {
			if h.Pos.Line < 1 || h.Pos.Line > len(lines) {
				t.Fatalf("line %d outside 1..%d", h.Pos.Line, len(lines))
			}
			if max := utf8.RuneCountInString(lines[h.Pos.Line-1]) + 1; h.Pos.Column < 1 || h.Pos.Column > max {
				t.Fatalf("column %d outside 1..%d", h.Pos.Column, max)
			}
			if h.Length < 1 || !strings.HasPrefix(h.Redacted, h.Prefix) {
				t.Fatalf("bad redaction %q", h.Redacted)
			}
			if !strings.HasPrefix(h.Prefix, "-----BEGIN") && utf8.RuneCountInString(h.Prefix) > min(4, h.Length/4) {
				t.Fatalf("prefix %q shows more than a quarter of a %d-character secret", h.Prefix, h.Length)
			}
		}
	})
}

// FuzzRedact checks the redaction alone on any string.
func FuzzRedact(f *testing.F) {
	for _, seed := range []string{"", "a", "hunter2", githubPAT, privateKey, "-----BEGIN", "-----BEGIN X-----", "ключ"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, secret string) {
		prefix, n, red := Redact(secret)
		if n != utf8.RuneCountInString(secret) || !strings.HasPrefix(secret, prefix) || !strings.HasPrefix(red, prefix) {
			t.Fatalf("Redact(%q) = %q, %d, %q", secret, prefix, n, red)
		}
		if n >= 16 && !strings.HasPrefix(secret, "-----BEGIN") && strings.Contains(red, secret) {
			t.Fatalf("Redact(%q) shows the secret", secret)
		}
	})
}
