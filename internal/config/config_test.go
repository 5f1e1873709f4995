package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/analysis"
)

var catalogue = map[string]bool{"WAR-IAM-001": true, "WAR-API-001": true, "WAR-S3-001": true, "WAR-OPT-001": true}

func known(id string) bool { return catalogue[id] }

const full = `# a complete config
rules:
  disable: [WAR-S3-001]
  enable:
    - WAR-OPT-001
  severity:
    WAR-IAM-001: critical
    WAR-API-001: Medium
exclude:
  - test/*
  - "legacy/**"
severity: low
fail_on: high
vars:
  stage: prod
  region: eu-west-1
settings:
  allowed_regions: [eu-west-1, eu-central-1]
  min_log_retention_days: 90
  max_timeout_sec: 60
  max_memory_mb: 1024
  min_password_length: 14
baseline: .warden-baseline.json
`

func TestParseFull(t *testing.T) {
	c, err := Parse(".warden.yaml", []byte(full), known)
	if err != nil {
		t.Fatal(err)
	}
	want := analysis.Config{
		Disable:  []string{"WAR-S3-001"},
		Enable:   []string{"WAR-OPT-001"},
		Severity: map[string]analysis.Severity{"WAR-IAM-001": analysis.Critical, "WAR-API-001": analysis.Medium},
		Exclude:  []string{"test/*", "legacy/**"},
		Settings: analysis.Settings{AllowedRegions: []string{"eu-west-1", "eu-central-1"}, MinLogRetentionDays: 90,
			MaxTimeoutSec: 60, MaxMemoryMB: 1024, MinPasswordLength: 14},
	}
	if !reflect.DeepEqual(c.Analysis, want) {
		t.Errorf("Analysis =\n%+v\nwant\n%+v", c.Analysis, want)
	}
	if c.MinSeverity != analysis.Low || c.FailOn != analysis.High {
		t.Errorf("severity %v, fail_on %v", c.MinSeverity, c.FailOn)
	}
	if !reflect.DeepEqual(c.Vars, map[string]string{"stage": "prod", "region": "eu-west-1"}) {
		t.Errorf("vars = %v", c.Vars)
	}
	if c.Baseline != ".warden-baseline.json" || len(c.Warnings) != 0 {
		t.Errorf("baseline %q, warnings %v", c.Baseline, c.Warnings)
	}
}

func TestDefaultsKeepUnsetSettings(t *testing.T) {
	c, err := Parse("c.yaml", []byte("settings:\n  max_timeout_sec: 30\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := analysis.DefaultSettings()
	want.MaxTimeoutSec = 30
	if !reflect.DeepEqual(c.Analysis.Settings, want) {
		t.Errorf("settings = %+v, want %+v", c.Analysis.Settings, want)
	}
	if c.MinSeverity != 0 || c.FailOn != 0 {
		t.Error("unset severity and fail_on must stay 0 so flags can tell them apart")
	}
}

func TestEmptyDocuments(t *testing.T) {
	for _, doc := range []string{"", "\n\n", "# only a comment\n", "~\n", "---\n"} {
		c, err := Parse("c.yaml", []byte(doc), known)
		if err != nil {
			t.Errorf("%q: %v", doc, err)
			continue
		}
		if !reflect.DeepEqual(c, Default()) {
			t.Errorf("%q: got %+v, want defaults", doc, c)
		}
	}
}

func TestErrorsNameTheLine(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"unknown top key", "exlcude: [a]\n", `c.yaml:1:1: config: unknown key "exlcude" (known keys: baseline, exclude, fail_on, rules, settings, severity, vars)`},
		{"unknown rules key", "rules:\n  disabled: [WAR-IAM-001]\n", `c.yaml:2:3: rules: unknown key "disabled"`},
		{"unknown settings key", "settings:\n  max_timeout: 5\n", `c.yaml:2:3: settings: unknown key "max_timeout"`},
		{"bad min severity", "severity: hgh\n", `c.yaml:1:11: severity: unknown severity "hgh"`},
		{"bad fail_on", "\n\nfail_on: severe\n", `c.yaml:3:10: fail_on: unknown severity "severe"`},
		{"bad rule severity", "rules:\n  severity:\n    WAR-IAM-001: urgent\n", `c.yaml:3:18: rules.severity.WAR-IAM-001: unknown severity "urgent"`},
		{"severity list", "severity: [high]\n", "c.yaml:1:11: severity needs a single value, not a list"},
		{"duplicate key", "severity: low\nseverity: high\n", `c.yaml:2:1: config: duplicate key "severity"`},
		{"rules not mapping", "rules: [a]\n", "c.yaml:1:8: rules must be a mapping, not a list"},
		{"top not mapping", "- a\n", "c.yaml:1:1: config must be a mapping, not a list"},
		{"negative int", "settings:\n  max_memory_mb: -1\n", `c.yaml:2:18: settings.max_memory_mb must be a non-negative whole number, not "-1"`},
		{"string int", "settings:\n  max_memory_mb: lots\n", `settings.max_memory_mb must be a non-negative whole number, not "lots"`},
		{"float int", "settings:\n  max_memory_mb: 1.5\n", `settings.max_memory_mb must be a non-negative whole number`},
		{"huge int", "settings:\n  max_memory_mb: 99999999999999999999999\n", `settings.max_memory_mb must be a non-negative whole number`},
		{"bad pattern", "exclude: ['a[']\n", `c.yaml:1:11: exclude: bad pattern "a["`},
		{"nested var", "vars:\n  stage: {a: b}\n", "c.yaml:2:10: vars.stage needs a single value, not a mapping"},
		{"null var", "vars:\n  stage:\n", "vars.stage needs a single value, not an empty value"},
		{"absolute baseline", "baseline: /etc/passwd\n", `baseline must be a relative path inside the project, not "/etc/passwd"`},
		{"escaping baseline", "baseline: sub/../../x.json\n", "baseline must be a relative path inside the project"},
		{"drive baseline", "baseline: 'C:\\x.json'\n", "baseline must be a relative path inside the project"},
		{"merge key", "base: &b {severity: low}\n<<: *b\n", "c.yaml:1:1: config: unknown key \"base\""},
		{"invalid yaml", "rules:\n  - a\n b: c\n", "parse config: c.yaml:2: did not find expected key"},
		{"list of maps", "rules:\n  disable:\n    - {a: b}\n", "c.yaml:3:7: rules.disable: each entry must be a string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("c.yaml", []byte(tc.doc), known)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

func TestAllErrorsReported(t *testing.T) {
	_, err := Parse("c.yaml", []byte("severity: x\nfail_on: y\nnope: 1\n"), known)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"c.yaml:1:", "c.yaml:2:", "c.yaml:3:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %s: %v", want, err)
		}
	}
	var ce *Error
	if !errors.As(err, &ce) || ce.Line != 1 {
		t.Errorf("errors.As(*Error) = %+v", ce)
	}
}

func TestUnknownRulesAreWarnings(t *testing.T) {
	doc := "rules:\n  disable: [WAR-IAM-01]\n  enable: [WAR-IAM-001]\n  severity:\n    WAR-NOPE-1: low\n"
	c, err := Parse("c.yaml", []byte(doc), known)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"c.yaml:2:13: rules.disable: unknown rule WAR-IAM-01 (see `warden rules` for the catalogue); it has no effect",
		"c.yaml:5:5: rules.severity: unknown rule WAR-NOPE-1 (see `warden rules` for the catalogue); it has no effect",
	}
	if !reflect.DeepEqual(c.Warnings, want) {
		t.Errorf("warnings =\n%q\nwant\n%q", c.Warnings, want)
	}
	// Without a catalogue there is nothing to check against.
	c, _ = Parse("c.yaml", []byte(doc), nil)
	if len(c.Warnings) != 0 {
		t.Errorf("warnings without catalogue: %v", c.Warnings)
	}
	c, _ = Parse("c.yaml", []byte("rules:\n  disable: [WAR-IAM-001]\n  enable: [WAR-IAM-001]\n"), known)
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "c.yaml:3:12: rule WAR-IAM-001 is both enabled and disabled") {
		t.Errorf("warnings = %v", c.Warnings)
	}
}

func TestScalarListShorthand(t *testing.T) {
	c, err := Parse("c.yaml", []byte("exclude: test/*\nrules:\n  disable: WAR-S3-001\n"), known)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Analysis.Exclude, []string{"test/*"}) || !reflect.DeepEqual(c.Analysis.Disable, []string{"WAR-S3-001"}) {
		t.Errorf("got %+v", c.Analysis)
	}
}

func TestHostileInputs(t *testing.T) {
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i, prev := 0, "a"; i < 9; i++ {
		name := string(rune('b' + i))
		bomb += name + ": &" + name + " [" + strings.Repeat("*"+prev+", ", 9) + "*" + prev + "]\n"
		prev = name
	}
	// The bomb sits under a valid key, so only the size limit can stop it.
	bomb += "rules:\n  disable: *j\n"
	for name, tc := range map[string]struct{ doc, want string }{
		"alias bomb":     {bomb, "alias bomb"},
		"deep nesting":   {"rules: " + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + "\n", "nests deeper"},
		"recursive":      {"vars: &a\n  b: *a\n", "parse config"},
		"binary garbage": {"\x00\xff\xfe{{{:::", "parse config"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("c.yaml", []byte(tc.doc), known)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	// No default file: defaults, no error.
	c, err := Load(dir, "", known)
	if err != nil || c.Path != "" || !reflect.DeepEqual(c, Default()) {
		t.Fatalf("absent default file: %+v, %v", c, err)
	}
	// An explicit file that does not exist is an error.
	if _, err := Load(dir, filepath.Join(dir, "missing.yaml"), known); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("absent explicit file: err = %v", err)
	}
	// The default file is found at the root, and the baseline resolves
	// against its directory.
	write(t, filepath.Join(dir, DefaultFile), "severity: medium\nbaseline: ci/baseline.json\n")
	c, err = Load(dir, "", known)
	if err != nil {
		t.Fatal(err)
	}
	if c.Path != filepath.Join(dir, DefaultFile) || c.MinSeverity != analysis.Medium || c.Baseline != filepath.Join(dir, "ci", "baseline.json") {
		t.Errorf("got %+v", c)
	}
	// --config overrides the default file.
	other := filepath.Join(t.TempDir(), "other.yaml")
	write(t, other, "severity: high\n")
	if c, err = Load(dir, other, known); err != nil || c.MinSeverity != analysis.High {
		t.Errorf("explicit: %+v, %v", c, err)
	}
	// Errors carry the path.
	write(t, other, "severity: x\n")
	if _, err = Load(dir, other, known); err == nil || !strings.Contains(err.Error(), other+":1:11") {
		t.Errorf("err = %v", err)
	}
	// A directory or an oversized file is refused.
	if _, err = Load(dir, dir, known); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: err = %v", err)
	}
	write(t, other, "# "+strings.Repeat("x", MaxSize)+"\n")
	if _, err = Load(dir, other, known); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("oversized: err = %v", err)
	}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(full))
	f.Add([]byte("rules:\n  severity:\n    WAR-IAM-001: high\n"))
	f.Add([]byte("vars: {a: &x b, c: *x}\n"))
	f.Add([]byte("settings:\n  allowed_regions: eu-west-1\n"))
	f.Add([]byte("baseline: ../x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data, known)
		if err != nil {
			if c != nil {
				t.Fatal("config returned with an error")
			}
			return
		}
		// Whatever was accepted must be something the rest of Warden can
		// use without re-checking.
		for id, s := range c.Analysis.Severity {
			if s < analysis.Info || s > analysis.Critical {
				t.Fatalf("rule %s got invalid severity %d", id, s)
			}
		}
		if c.MinSeverity < 0 || c.MinSeverity > analysis.Critical || c.FailOn < 0 || c.FailOn > analysis.Critical {
			t.Fatalf("invalid severities %d %d", c.MinSeverity, c.FailOn)
		}
		if strings.HasPrefix(c.Baseline, "/") || c.Baseline == ".." || strings.HasPrefix(c.Baseline, "../") {
			t.Fatalf("baseline escapes: %q", c.Baseline)
		}
		for _, p := range c.Analysis.Exclude {
			if p == "" {
				t.Fatal("empty exclude pattern accepted")
			}
		}
	})
}
