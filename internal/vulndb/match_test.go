package vulndb

import (
	"os"
	"path/filepath"
	"testing"
)

// loadRecord reads one of the real advisories in testdata/osv.
func loadRecord(t testing.TB, rel string) *Record {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "osv", rel))
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseRecord(data)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAffectsRealAdvisories(t *testing.T) {
	tests := []struct {
		file, eco, name, version string
		hit                      bool
		fixed                    string
	}{
		{"npm/GHSA-35jh-r3h4-6jhm.json", "npm", "lodash", "4.17.20", true, "4.17.21"},
		{"npm/GHSA-35jh-r3h4-6jhm.json", "npm", "lodash", "4.17.21", false, ""},
		{"npm/GHSA-35jh-r3h4-6jhm.json", "npm", "lodash-es", "4.17.15", true, "4.17.21"},
		{"npm/GHSA-35jh-r3h4-6jhm.json", "npm", "underscore", "1.0.0", false, ""},
		// Two ranges in one affected entry list: each gets its own fix.
		{"npm/GHSA-xvch-5gv4-984h.json", "npm", "minimist", "1.2.5", true, "1.2.6"},
		{"npm/GHSA-xvch-5gv4-984h.json", "npm", "minimist", "0.2.3", true, "0.2.4"},
		{"npm/GHSA-xvch-5gv4-984h.json", "npm", "minimist", "0.2.4", false, ""},
		{"npm/GHSA-xvch-5gv4-984h.json", "npm", "minimist", "1.2.6", false, ""},
		{"npm/GHSA-xvch-5gv4-984h.json", "npm", "minimist", "1.0.0-rc.1", false, ""},
		// GitHub spells PyYAML; the lock file says pyyaml or PyYAML.
		{"PyPI/GHSA-8q59-q68h-6hv4.json", "PyPI", "pyyaml", "5.3.1", true, "5.4"},
		{"PyPI/GHSA-8q59-q68h-6hv4.json", "PyPI", "PyYAML", "5.3.1", true, "5.4"},
		{"PyPI/GHSA-8q59-q68h-6hv4.json", "PyPI", "py_yaml", "5.3.1", false, ""},
		{"PyPI/GHSA-8q59-q68h-6hv4.json", "PyPI", "pyyaml", "5.4b2", true, "5.4"},
		{"PyPI/GHSA-8q59-q68h-6hv4.json", "PyPI", "pyyaml", "5.4", false, ""},
		{"PyPI/GHSA-8q59-q68h-6hv4.json", "PyPI", "pyyaml", "6.0.1", false, ""},
		// PYSEC lists versions explicitly as well as the range.
		{"PyPI/PYSEC-2021-142.json", "PyPI", "PyYAML", "5.1b3", true, "5.4"},
		{"PyPI/PYSEC-2021-142.json", "PyPI", "pyyaml", "5.3.1", true, "5.4"},
		{"PyPI/GHSA-j8r2-6x86-q33q.json", "PyPI", "requests", "2.30.0", true, "2.31.0"},
		{"PyPI/GHSA-j8r2-6x86-q33q.json", "PyPI", "requests", "2.31.0", false, ""},
		{"PyPI/GHSA-j8r2-6x86-q33q.json", "PyPI", "requests", "2.2.1", false, ""},
		{"PyPI/GHSA-j8r2-6x86-q33q.json", "PyPI", "Requests", "2.3.0", true, "2.31.0"},
		{"Go/GO-2022-1144.json", "Go", "golang.org/x/net", "v0.3.0", true, "0.4.0"},
		{"Go/GO-2022-1144.json", "Go", "golang.org/x/net", "v0.4.0", false, ""},
		{"Go/GO-2022-1144.json", "Go", "golang.org/x/net", "v0.0.0-20220722155237-a158d28d115b", true, "0.4.0"},
		{"Go/GO-2022-1144.json", "Go", "stdlib", "1.19.3", true, "1.19.4"},
		{"Go/GO-2022-1144.json", "Go", "stdlib", "1.18.9", false, ""},
		{"Go/GO-2022-1144.json", "Go", "stdlib", "1.19.0-rc.1", true, "1.19.4"},
		{"Go/GO-2022-1144.json", "Go", "stdlib", "1.22", false, ""},
		{"Go/GO-2021-0053.json", "Go", "github.com/gogo/protobuf", "v1.3.1", true, "1.3.2"},
		{"Go/GO-2021-0053.json", "Go", "github.com/gogo/protobuf", "v1.3.2", false, ""},
		{"Go/GO-2024-2937.json", "Go", "golang.org/x/image", "v0.17.0", true, "0.18.0"},
		// The ecosystem must match too.
		{"Go/GO-2024-2937.json", "npm", "golang.org/x/image", "0.17.0", false, ""},
	}
	for _, tt := range tests {
		r := loadRecord(t, tt.file)
		hit, fixed := r.Affects(tt.eco, tt.name, tt.version)
		if hit != tt.hit || fixed != tt.fixed {
			t.Errorf("%s: %s %s@%s = (%v, %q), want (%v, %q)", r.ID, tt.eco, tt.name, tt.version, hit, fixed, tt.hit, tt.fixed)
		}
	}
}

// TestAffectsEventShapes covers the event kinds the sample advisories do
// not use. The records are synthetic shapes under a made-up package name,
// not advisories.
func TestAffectsEventShapes(t *testing.T) {
	rec := func(versions []string, events ...Event) *Record {
		return &Record{ID: "TEST-1", Affected: []Affected{{
			Package:  Pkg{Ecosystem: "npm", Name: "example-shape"},
			Versions: versions,
			Ranges:   []Range{{Type: "SEMVER", Events: events}},
		}}}
	}
	tests := []struct {
		name    string
		r       *Record
		version string
		hit     bool
		fixed   string
	}{
		{"last_affected includes it", rec(nil, Event{Introduced: "1.0.0"}, Event{LastAffected: "1.4.2"}), "1.4.2", true, ""},
		{"last_affected excludes above", rec(nil, Event{Introduced: "1.0.0"}, Event{LastAffected: "1.4.2"}), "1.4.3", false, ""},
		{"below introduced", rec(nil, Event{Introduced: "1.0.0"}, Event{Fixed: "2.0.0"}), "0.9.9", false, ""},
		{"prerelease of the introducing version is below it", rec(nil, Event{Introduced: "1.0.0"}, Event{Fixed: "2.0.0"}), "1.0.0-rc.1", false, ""},
		{"prerelease of the fix is still affected", rec(nil, Event{Introduced: "1.0.0"}, Event{Fixed: "2.0.0"}), "2.0.0-rc.1", true, "2.0.0"},
		{"unsorted events", rec(nil, Event{Fixed: "3.0.1"}, Event{Introduced: "3.0.0"}, Event{Fixed: "1.2.0"}, Event{Introduced: "0"}), "3.0.0", true, "3.0.1"},
		{"unsorted events, gap", rec(nil, Event{Fixed: "3.0.1"}, Event{Introduced: "3.0.0"}, Event{Fixed: "1.2.0"}, Event{Introduced: "0"}), "2.0.0", false, ""},
		{"limit bounds the range", rec(nil, Event{Introduced: "0"}, Event{Limit: "2.0.0"}), "2.1.0", false, ""},
		{"limit keeps below", rec(nil, Event{Introduced: "0"}, Event{Limit: "2.0.0"}), "1.9.0", true, ""},
		{"versions list only", rec([]string{"0.5.0"}), "0.5.0", true, ""},
		{"versions list, other version", rec([]string{"0.5.0"}), "0.5.1", false, ""},
	}
	for _, tt := range tests {
		hit, fixed := tt.r.Affects("npm", "example-shape", tt.version)
		if hit != tt.hit || fixed != tt.fixed {
			t.Errorf("%s: %s = (%v, %q), want (%v, %q)", tt.name, tt.version, hit, fixed, tt.hit, tt.fixed)
		}
	}
	w := rec(nil, Event{Introduced: "0"})
	w.Withdrawn = "2024-01-01T00:00:00Z"
	if hit, _ := w.Affects("npm", "example-shape", "1.0.0"); hit {
		t.Error("a withdrawn record matched")
	}
}

func TestRate(t *testing.T) {
	tests := []struct {
		file     string
		severity string
		score    float64
	}{
		{"npm/GHSA-35jh-r3h4-6jhm.json", "high", 7.2},     // CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H
		{"npm/GHSA-xvch-5gv4-984h.json", "critical", 9.8}, // CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H
		{"PyPI/GHSA-j8r2-6x86-q33q.json", "medium", 6.1},  // CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N
		{"PyPI/PYSEC-2021-142.json", "", 0},               // PyPA rates nothing
		{"Go/GO-2022-1144.json", "", 0},                   // Go's vulndb rates nothing
	}
	for _, tt := range tests {
		r := loadRecord(t, tt.file).Rate()
		if r.Severity != tt.severity || r.Score != tt.score {
			t.Errorf("%s: Rate() = %+v, want %s %.1f", tt.file, r, tt.severity, tt.score)
		}
	}
	v4 := &Record{ID: "X", Severity: []Severity{
		{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N"},
		{Type: "CVSS_V4", Score: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
	}}
	if r := v4.Rate(); r.Severity != "critical" || r.Score != 9.3 {
		t.Errorf("v4 vector: Rate() = %+v, want critical 9.3 (v4 preferred over v3)", r)
	}
	v30 := &Record{ID: "X", Severity: []Severity{{Type: "CVSS_V3", Score: "CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N"}}}
	if r := v30.Rate(); r.Severity != "low" || r.Score != 3.3 {
		t.Errorf("v3.0 vector: Rate() = %+v, want low 3.3", r)
	}
	word := &Record{ID: "X", Severity: []Severity{{Type: "CVSS_V3", Score: "not a vector"}}, DatabaseSpecific: []byte(`{"severity":"MODERATE"}`)}
	if r := word.Rate(); r.Severity != "medium" || r.Score != 0 {
		t.Errorf("database word: Rate() = %+v, want medium from MODERATE", r)
	}
}
