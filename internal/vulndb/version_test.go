package vulndb

import "testing"

// TestVersionOrdering is the per-ecosystem comparison table, with the cases
// that naive string or semver comparison gets wrong.
func TestVersionOrdering(t *testing.T) {
	tests := []struct {
		eco, a, b string
		want      int
	}{
		// npm: semver 2.0 prerelease rules.
		{"npm", "1.0.0-rc.1", "1.0.0", -1},
		{"npm", "1.0.0-alpha", "1.0.0-alpha.1", -1},
		{"npm", "1.0.0-alpha.beta", "1.0.0-beta", -1},
		{"npm", "1.0.0-beta.2", "1.0.0-beta.11", -1},
		{"npm", "1.0.0-beta.11", "1.0.0-rc.1", -1},
		{"npm", "1.2.3-beta.10", "1.2.3-beta.2", 1},
		{"npm", "4.17.20", "4.17.21", -1},
		{"npm", "10.0.0", "9.9.9", 1},
		{"npm", "1.2.3", "1.2.3", 0},
		// PyPI: PEP 440.
		{"PyPI", "1.0.post1", "1.0", 1},
		{"PyPI", "1!0.1", "2.0", 1},
		{"PyPI", "2.0rc1", "2.0", -1},
		{"PyPI", "1.0.dev1", "1.0a1", -1},
		{"PyPI", "1.0a1", "1.0b1", -1},
		{"PyPI", "1.0b2", "1.0rc1", -1},
		{"PyPI", "1.0", "1.0.0", 0},
		{"PyPI", "1.0+local.7", "1.0", 1},
		{"PyPI", "1.0.post1.dev1", "1.0.post1", -1},
		{"PyPI", "1.0RC1", "1.0rc1", 0},
		{"PyPI", "5.3.1", "5.4", -1},
		{"PyPI", "5.4b2", "5.4", -1},
		{"PyPI", "2.10", "2.9", 1},
		// Go: module versions, pseudo-versions, +incompatible.
		{"Go", "v0.0.0-20200101000000-abcdef123456", "v0.1.0", -1},
		{"Go", "v0.0.0-20200101000000-abcdef123456", "0.0.0-20210101000000-0123456789ab", -1},
		{"Go", "v1.2.4-0.20200101000000-abcdef123456", "v1.2.3", 1},
		{"Go", "v1.2.4-0.20200101000000-abcdef123456", "1.2.4", -1},
		{"Go", "v2.0.0+incompatible", "2.0.0", 0},
		{"Go", "v2.1.0+incompatible", "2.0.9", 1},
		{"Go", "1.19.0-0", "1.19.0-rc.1", -1},
		{"Go", "1.19.0-rc.1", "1.19.0", -1},
		{"Go", "v0.3.0", "0.4.0", -1},
		{"Go", "v1.3.2", "1.3.2", 0},
	}
	for _, tt := range tests {
		got, err := CompareVersions(tt.eco, tt.a, tt.b)
		if err != nil {
			t.Errorf("%s %s vs %s: %v", tt.eco, tt.a, tt.b, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s: compare(%s, %s) = %d, want %d", tt.eco, tt.a, tt.b, got, tt.want)
		}
	}
}

func TestNormalizeName(t *testing.T) {
	tests := []struct{ eco, in, want string }{
		{"PyPI", "PyYAML", "pyyaml"},
		{"PyPI", "Foo.Bar__baz", "foo-bar-baz"},
		{"PyPI", "zope.interface", "zope-interface"},
		{"npm", "JSONStream", "JSONStream"},
		{"npm", "@types/node", "@types/node"},
		{"Go", "github.com/BurntSushi/toml", "github.com/BurntSushi/toml"},
	}
	for _, tt := range tests {
		if got := NormalizeName(tt.eco, tt.in); got != tt.want {
			t.Errorf("NormalizeName(%s, %q) = %q, want %q", tt.eco, tt.in, got, tt.want)
		}
	}
}
