package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// runCLI runs warden in-process and returns stdout, stderr and the exit code.
func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetErr(&errb)
	defer rootCmd.SetOut(nil)
	defer rootCmd.SetErr(nil)
	// Flags keep their values between Execute calls; reset the ones tests use.
	resetFlags(rootCmd)
	code := run(args)
	return out.String(), errb.String(), code
}

// resetFlags puts every flag of cmd and its subcommands back to its
// default, so in-process runs do not leak options into each other.
func resetFlags(cmd *cobra.Command) {
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			_ = sv.Replace(nil)
		} else {
			_ = f.Value.Set(f.DefValue)
		}
		f.Changed = false
	})
	for _, c := range cmd.Commands() {
		resetFlags(c)
	}
}

func TestScanVulnerableSampleFailsOnHigh(t *testing.T) {
	out, _, code := runCLI(t, "scan", "../../examples/vulnerable", "--fail-on", "high", "--no-color", "--format", "json")
	if code != exitFindings {
		t.Fatalf("exit code %d, want %d", code, exitFindings)
	}
	var rep struct {
		Findings []struct {
			RuleID string `json:"rule_id"`
			SAS    string `json:"sas"`
			Pos    struct {
				File string `json:"file"`
				Line int    `json:"line"`
			} `json:"location"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("scan --format json is not JSON: %v", err)
	}
	formats := map[string]bool{}
	sas := map[string]bool{}
	for _, f := range rep.Findings {
		formats[strings.SplitN(f.Pos.File, "/", 2)[0]] = true
		sas[f.SAS] = true
		if f.Pos.Line == 0 {
			t.Errorf("%s finding in %s has no line", f.RuleID, f.Pos.File)
		}
	}
	for _, want := range []string{"sam", "serverless", "terraform"} {
		if !formats[want] {
			t.Errorf("no finding from the %s sample (got findings in %v)", want, formats)
		}
	}
	for _, want := range []string{"SAS-2", "SAS-3", "SAS-4", "SAS-5", "SAS-7", "SAS-8"} {
		if !sas[want] {
			t.Errorf("no %s finding on the vulnerable sample", want)
		}
	}
}

func TestScanSecureTwinIsClean(t *testing.T) {
	out, errOut, code := runCLI(t, "scan", "../../examples/secure", "--fail-on", "medium", "--no-color")
	if code != exitOK {
		t.Fatalf("exit code %d, want 0\n%s\n%s", code, out, errOut)
	}
	if strings.Contains(out, "nothing was checked") {
		t.Fatalf("secure twin scan checked nothing:\n%s", out)
	}
}

func TestInventoryJSONHasPositions(t *testing.T) {
	for _, dir := range []string{"sam", "serverless", "terraform"} {
		out, errOut, code := runCLI(t, "inventory", "--format", "json", filepath.Join("../../examples/vulnerable", dir))
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", dir, code, errOut)
		}
		var v struct {
			Functions []struct {
				Name string `json:"name"`
				Pos  struct {
					File string `json:"file"`
					Line int    `json:"line"`
				} `json:"pos"`
				Triggers []struct {
					Auth string `json:"auth"`
					Pos  struct {
						Line int `json:"line"`
					} `json:"pos"`
				} `json:"triggers"`
				Role *struct {
					Statements []struct {
						Pos struct {
							Line int `json:"line"`
						} `json:"pos"`
					} `json:"statements"`
				} `json:"role"`
			} `json:"functions"`
		}
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		if len(v.Functions) == 0 {
			t.Fatalf("%s: no functions in the inventory", dir)
		}
		for _, f := range v.Functions {
			if f.Pos.File == "" || f.Pos.Line == 0 {
				t.Errorf("%s: function %s has no position", dir, f.Name)
			}
			for _, tr := range f.Triggers {
				if tr.Pos.Line == 0 {
					t.Errorf("%s: a trigger of %s has no line", dir, f.Name)
				}
			}
			if f.Role != nil {
				for _, st := range f.Role.Statements {
					if st.Pos.Line == 0 {
						t.Errorf("%s: a statement of %s's role has no line", dir, f.Name)
					}
				}
			}
		}
	}
}

func TestScanHostileProjectKeepsGoing(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("broken/template.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources: [unclosed\n")
	write("bomb/template.yaml", "AWSTemplateFormatVersion: '2010-09-09'\na: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n")
	write("ok/template.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python2.7\n      Handler: a.h\n      Role: arn:aws:iam::1:role/r\n      Code: {ZipFile: x}\n")
	write("svc/serverless.ts", "export default {}\n")
	out, _, code := runCLI(t, "scan", dir, "--no-color", "--fail-on", "high")
	if code == exitError {
		t.Fatalf("scan failed outright on hostile input:\n%s", out)
	}
	for _, want := range []string{"broken/template.yaml", "bomb/template.yaml", "svc/serverless.ts", "WAR-CFG-001"} {
		if !strings.Contains(out, want) {
			t.Errorf("scan output does not mention %s:\n%s", want, out)
		}
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"scan", "--format", "xml", "../../examples/secure"},
		{"scan", "--fail-on", "severe", "../../examples/secure"},
		{"scan", "does-not-exist"},
		{"scan", "--output", "sarif", "../../examples/secure"},
		{"rules", "WAR-NOPE-999"},
	} {
		if _, _, code := runCLI(t, args...); code != exitError {
			t.Errorf("warden %s: exit %d, want %d", strings.Join(args, " "), code, exitError)
		}
	}
}

func TestRulesListsCatalogue(t *testing.T) {
	out, _, code := runCLI(t, "rules")
	if code != 0 || !strings.Contains(out, "WAR-AUTH-001") {
		t.Fatalf("rules: exit %d\n%s", code, out)
	}
	doc, _, code := runCLI(t, "rules", "WAR-AUTH-001")
	if code != 0 || !strings.Contains(doc, "## How to fix it") {
		t.Fatalf("rules WAR-AUTH-001: exit %d\n%s", code, doc)
	}
}
