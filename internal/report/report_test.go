package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/model"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func pos(file string, line, col int) model.Pos { return model.Pos{File: file, Line: line, Col: col} }

// fixture is a small scan with one of everything a reporter must handle:
// two functions, a finding on a shared resource, inline and baseline
// suppressions, a finding below the threshold, an unparsable file, many
// unresolved values in one file and a diagnostic with no file.
func fixture() *Report {
	getUser := &model.Function{ID: "template.yaml#GetUser", Name: "GetUser", Provider: model.AWS, Framework: model.SAM, Pos: pos("template.yaml", 10, 3)}
	worker := &model.Function{ID: "serverless.yml#worker", Name: "worker", Provider: model.AWS, Framework: model.Serverless, Pos: pos("serverless.yml", 20, 3)}
	app := &model.App{
		Root: "examples/app",
		Files: []*model.File{
			{Path: "broken.yaml", Kind: "cloudformation", Parsed: false},
			{Path: "main.tf", Kind: "terraform", Framework: model.Terraform, Parsed: true},
			{Path: "serverless.yml", Kind: "serverless", Framework: model.Serverless, Parsed: true},
			{Path: "template.yaml", Kind: "cloudformation", Framework: model.SAM, Parsed: true, Unresolved: 7},
		},
		Functions: []*model.Function{getUser, worker},
		Resources: []*model.Resource{{ID: "main.tf#aws_s3_bucket.data", Kind: model.KindBucket, Name: "data", Pos: pos("main.tf", 1, 1)}},
		Diagnostics: []model.Diagnostic{
			{Pos: pos("broken.yaml", 3, 5), Level: model.DiagError, Code: "parse", Message: "mapping values are not allowed in this context"},
			{Pos: pos("", 0, 0), Level: model.DiagInfo, Code: "unsupported", Message: "serverless.ts cannot be evaluated statically"},
		},
	}
	for i := 0; i < 7; i++ {
		app.Diagnostics = append(app.Diagnostics, model.Diagnostic{Pos: pos("template.yaml", 30+i, 9), Level: model.DiagWarning, Code: "unresolved",
			Message: "!ImportValue SharedVpc-" + string(rune('A'+i)) + " cannot be resolved statically"})
	}
	rules := []*analysis.Rule{
		{ID: "WAR-IAM-001", Title: "Wildcard action in an execution role", SAS: "SAS-5", CWE: []string{"CWE-250", "CWE-269"}, Severity: analysis.Critical,
			Doc: "A role that allows `*` actions turns any code bug into account takeover.\n\nLeast privilege limits the blast radius.",
			Fix: "List the actions the function calls.", Frameworks: []model.Framework{model.SAM, model.Terraform},
			Examples: []analysis.Example{{Framework: model.SAM, Code: "Policies:\n  - DynamoDBReadPolicy:\n      TableName: !Ref Table\n"}}},
		{ID: "WAR-API-001", Title: "HTTP route without authentication", SAS: "SAS-2", CWE: []string{"CWE-306"}, Severity: analysis.High,
			Doc: "Anyone on the internet can call the function.", Fix: "Add an authorizer."},
		{ID: "WAR-S3-001", Title: "Bucket without encryption", SAS: "SAS-3", CWE: []string{"CWE-311"}, Severity: analysis.Medium, Doc: "Data at rest is readable."},
		{ID: "WAR-LOG-001", Title: "Short log retention", SAS: "SAS-10", Severity: analysis.Low},
		{ID: "WAR-FN-009", Title: "Tracing disabled", SAS: "SAS-10", Severity: analysis.Info},
	}
	findings := []analysis.Finding{
		{RuleID: "WAR-IAM-001", Title: rules[0].Title, SAS: "SAS-5", CWE: rules[0].CWE, Severity: analysis.Critical,
			Message: "Role GetUserRole allows dynamodb:* on *", Pos: pos("template.yaml", 18, 11), Anchor: pos("template.yaml", 10, 3),
			Related: []analysis.Location{{Pos: pos("template.yaml", 40, 5), Message: "role declared here"}},
			Fix:     rules[0].Fix, FunctionID: getUser.ID, Subject: "GetUserRole/Policies/0", Fingerprint: "aaaa000000000000000000000000000a"},
		{RuleID: "WAR-API-001", Title: rules[1].Title, SAS: "SAS-2", CWE: rules[1].CWE, Severity: analysis.High,
			Message: "GET /users/{id} has no authorizer", Pos: pos("template.yaml", 14, 9), FunctionID: getUser.ID, Fix: rules[1].Fix,
			CodeFlows:   [][]analysis.Location{{{Pos: pos("template.yaml", 14, 9), Message: "public route"}, {Pos: pos("src/get_user.py", 7, 5), Message: "event reaches SQL"}}},
			Fingerprint: "bbbb000000000000000000000000000b"},
		{RuleID: "WAR-S3-001", Title: rules[2].Title, SAS: "SAS-3", CWE: rules[2].CWE, Severity: analysis.Medium,
			Message: "Bucket data has no server-side encryption", Pos: pos("main.tf", 1, 1), Fingerprint: "cccc000000000000000000000000000c"},
		{RuleID: "WAR-LOG-001", Title: rules[3].Title, SAS: "SAS-10", Severity: analysis.Low,
			Message: "Log group keeps logs 7 days", Pos: pos("serverless.yml", 25, 7), FunctionID: worker.ID, Fingerprint: "dddd000000000000000000000000000d"},
		{RuleID: "WAR-API-001", Title: rules[1].Title, SAS: "SAS-2", Severity: analysis.High,
			Message: "POST /jobs has no authorizer", Pos: pos("serverless.yml", 22, 9), FunctionID: worker.ID, Fingerprint: "eeee000000000000000000000000000e",
			Suppressed: &analysis.Suppression{Kind: "inline", Reason: "behind the VPN", Pos: pos("serverless.yml", 21, 9)}},
		{RuleID: "WAR-S3-001", Title: rules[2].Title, SAS: "SAS-3", Severity: analysis.Medium,
			Message: "Bucket logs has no server-side encryption", Pos: pos("main.tf", 9, 1), Fingerprint: "ffff000000000000000000000000000f",
			Suppressed: &analysis.Suppression{Kind: "baseline"}},
		{RuleID: "WAR-FN-009", Title: rules[4].Title, SAS: "SAS-10", Severity: analysis.Info,
			Message: "Function worker has tracing disabled", Pos: pos("serverless.yml", 20, 3), FunctionID: worker.ID, Fingerprint: "1111000000000000000000000000000f"},
		// Rule-failure findings from the driver have no rule in the catalogue
		// and no position.
		{RuleID: "WAR-META-000", Title: "Rule failed", Severity: analysis.Medium, Message: "rule WAR-X failed", Fingerprint: "2222000000000000000000000000000f"},
	}
	analysis.SortFindings(findings)
	return &Report{
		Tool: "warden", Version: "0.1.0", InformationURI: "https://github.com/wardensec/warden",
		Root: "examples/app", App: app, Findings: findings, Rules: rules, MinSeverity: analysis.Low,
	}
}

func render(t *testing.T, format string, r *Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, format, r); err != nil {
		t.Fatalf("Write %s: %v", format, err)
	}
	return buf.Bytes()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file (run go test ./internal/report -update after checking the change)\n--- got:\n%s", name, got)
	}
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct{ format, file string }{
		{"text", "fixture.txt"},
		{"json", "fixture.json"},
		{"sarif", "fixture.sarif"},
	} {
		t.Run(tc.format, func(t *testing.T) { golden(t, tc.file, render(t, tc.format, fixture())) })
	}
	t.Run("quiet", func(t *testing.T) {
		r := fixture()
		r.Options.Quiet = true
		golden(t, "fixture-quiet.txt", render(t, "text", r))
	})
}

// TestDeterministic shuffles every input list: the output must not depend on
// the order in which parallel loaders or rules produced things.
func TestDeterministic(t *testing.T) {
	want := map[string][]byte{}
	for _, f := range Formats() {
		want[f] = render(t, f, fixture())
	}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 20; i++ {
		r := fixture()
		rng.Shuffle(len(r.Findings), func(a, b int) { r.Findings[a], r.Findings[b] = r.Findings[b], r.Findings[a] })
		rng.Shuffle(len(r.Rules), func(a, b int) { r.Rules[a], r.Rules[b] = r.Rules[b], r.Rules[a] })
		rng.Shuffle(len(r.App.Files), func(a, b int) { r.App.Files[a], r.App.Files[b] = r.App.Files[b], r.App.Files[a] })
		rng.Shuffle(len(r.App.Functions), func(a, b int) {
			r.App.Functions[a], r.App.Functions[b] = r.App.Functions[b], r.App.Functions[a]
		})
		rng.Shuffle(len(r.App.Diagnostics), func(a, b int) {
			r.App.Diagnostics[a], r.App.Diagnostics[b] = r.App.Diagnostics[b], r.App.Diagnostics[a]
		})
		for _, f := range Formats() {
			if got := render(t, f, r); !bytes.Equal(got, want[f]) {
				t.Fatalf("%s output changed after shuffling inputs:\n%s\n--- want:\n%s", f, got, want[f])
			}
		}
	}
}

func TestTextContent(t *testing.T) {
	out := string(render(t, "text", fixture()))
	mustContain(t, out,
		"Function GetUser (sam) template.yaml:10:3",
		"Function worker (serverless) serverless.yml:20:3",
		"Other resources",
		"CRITICAL WAR-IAM-001",
		"Fix: List the actions the function calls.",
		"see template.yaml:40:5: role declared here",
		"Input problems",
		"broken.yaml: could not be parsed; nothing in it was checked, 1 diagnostic",
		"broken.yaml:3:5 error [parse] mapping values",
		"template.yaml: 7 unresolved values, 7 diagnostics",
		"... and 2 more (see --format json)",
		"(no file): 1 diagnostic",
		"Findings:    5 (1 critical, 1 high, 2 medium, 1 low, 0 info)",
		"By category: SAS-2 1, SAS-3 1, SAS-5 1, SAS-10 1, uncategorised 1",
		"Suppressed:  2 (baseline 1, inline 1)",
		"Hidden:      1 below severity low",
		"Files:       4 scanned, 3 parsed, 1 failed, 7 unresolved values",
	)
	// Suppressed and below-threshold findings are counted, not listed.
	mustNotContain(t, out, "POST /jobs", "Bucket logs", "tracing disabled", "\x1b[", "WARNING")
	// Grouping: the bucket finding has no function, the log finding belongs
	// to worker.
	if i, j := strings.Index(out, "Other resources"), strings.Index(out, "Bucket data has no"); j < i {
		t.Errorf("finding without a function is not under Other resources:\n%s", out)
	}
	if i, j := strings.Index(out, "Function worker"), strings.Index(out, "Log group keeps"); j < i {
		t.Errorf("worker's finding is not under worker:\n%s", out)
	}
}

func TestTextColor(t *testing.T) {
	r := fixture()
	r.Options.Color = true
	out := string(render(t, "text", r))
	mustContain(t, out, "\x1b[1m\x1b[35mCRITICAL", ansiReset)
}

func TestNothingChecked(t *testing.T) {
	for _, tc := range []struct {
		name string
		app  *model.App
		want string
	}{
		{"no files", &model.App{}, "No serverless template was found under examples/app: nothing was checked."},
		{"nil app", nil, "No serverless template was found under examples/app: nothing was checked."},
		{"all failed", &model.App{Files: []*model.File{{Path: "a.yaml"}}}, "No serverless template could be parsed under examples/app (1 found, all failed)"},
		{"empty model", &model.App{Files: []*model.File{{Path: "a.yaml", Parsed: true}}}, "declare no function, role or resource: nothing was checked."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, quiet := range []bool{false, true} {
				r := &Report{Root: "examples/app", App: tc.app, Options: Options{Quiet: quiet}}
				mustContain(t, string(render(t, "text", r)), "WARNING: ", tc.want)
				var doc map[string]any
				if err := json.Unmarshal(render(t, "json", r), &doc); err != nil {
					t.Fatal(err)
				}
				if s := doc["summary"].(map[string]any); s["nothing_checked"] != true {
					t.Errorf("JSON summary.nothing_checked = %v, want true", s["nothing_checked"])
				}
				mustContain(t, string(render(t, "sarif", r)), `"id": "nothing-checked"`)
			}
		})
	}
	// And a real scan does not cry wolf.
	r := fixture()
	mustNotContain(t, string(render(t, "text", r)), "nothing was checked")
}

func TestQuiet(t *testing.T) {
	r := fixture()
	r.Options.Quiet = true
	out := string(render(t, "text", r))
	mustContain(t, out, "WAR-IAM-001", "5 findings (1 critical, 1 high, 2 medium, 1 low), 2 suppressed, 1 below threshold; 3/4 files parsed, 7 unresolved values")
	mustNotContain(t, out, "Input problems", "Summary", "Fix:")
	if n := strings.Count(strings.TrimSpace(out[strings.LastIndex(strings.TrimRight(out, "\n"), "\n")+1:]), "\n"); n != 0 {
		t.Errorf("summary is not one line")
	}
}

func TestJSONContent(t *testing.T) {
	var doc struct {
		SchemaVersion string `json:"schema_version"`
		Summary       struct {
			Total          int            `json:"total"`
			BySAS          map[string]int `json:"by_sas"`
			Suppressed     int            `json:"suppressed"`
			BelowThreshold int            `json:"below_threshold"`
			Files          struct{ Failed, Unresolved int }
		} `json:"summary"`
		Files []struct {
			Path        string `json:"path"`
			Parsed      bool   `json:"parsed"`
			Diagnostics int    `json:"diagnostics"`
		} `json:"files"`
		Diagnostics []json.RawMessage `json:"diagnostics"`
		Findings    []struct {
			RuleID      string `json:"rule_id"`
			Suppressed  bool   `json:"suppressed"`
			Suppression *struct {
				Kind, Reason string
			} `json:"suppression"`
			Fingerprint string `json:"fingerprint"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(render(t, "json", fixture()), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SchemaVersion != JSONSchemaVersion {
		t.Errorf("schema_version = %q", doc.SchemaVersion)
	}
	if doc.Summary.Total != 5 || doc.Summary.Suppressed != 2 || doc.Summary.BelowThreshold != 1 || doc.Summary.BySAS["none"] != 1 {
		t.Errorf("summary = %+v", doc.Summary)
	}
	if doc.Summary.Files.Failed != 1 || doc.Summary.Files.Unresolved != 7 {
		t.Errorf("files summary = %+v", doc.Summary.Files)
	}
	if len(doc.Diagnostics) != 9 {
		t.Errorf("got %d diagnostics, want all 9 (JSON never collapses)", len(doc.Diagnostics))
	}
	if len(doc.Files) != 4 || doc.Files[0].Path != "broken.yaml" || doc.Files[0].Parsed || doc.Files[0].Diagnostics != 1 {
		t.Errorf("files = %+v", doc.Files)
	}
	// 8 findings, minus the info one below the threshold; suppressed ones
	// are listed and marked.
	if len(doc.Findings) != 7 {
		t.Fatalf("got %d findings, want 7", len(doc.Findings))
	}
	kinds := map[string]string{}
	for _, f := range doc.Findings {
		if f.Fingerprint == "" {
			t.Errorf("%s has no fingerprint", f.RuleID)
		}
		if f.Suppressed != (f.Suppression != nil) {
			t.Errorf("%s: suppressed=%v but suppression=%v", f.RuleID, f.Suppressed, f.Suppression)
		}
		if f.Suppression != nil {
			kinds[f.Suppression.Kind] = f.Suppression.Reason
		}
	}
	if len(kinds) != 2 || kinds["inline"] != "behind the VPN" {
		t.Errorf("suppressions = %v", kinds)
	}
}

func TestJSONMatchesSchema(t *testing.T) {
	sch := compileSchema(t, filepath.Join("..", "..", "docs", "warden-report.schema.json"), "https://wardensec.github.io/warden/warden-report.schema.json")
	for name, r := range map[string]*Report{"fixture": fixture(), "empty": {Root: "."}} {
		validate(t, sch, name, render(t, "json", r))
	}
	// The schema must be able to fail: a document missing a required field
	// or with a bad severity is rejected.
	var doc map[string]any
	_ = json.Unmarshal(render(t, "json", fixture()), &doc)
	doc["findings"].([]any)[0].(map[string]any)["severity"] = "severe"
	bad, _ := json.Marshal(doc)
	if err := sch.Validate(mustInstance(t, bad)); err == nil {
		t.Error("schema accepted severity \"severe\"")
	}
}

func TestSARIFMatchesOfficialSchema(t *testing.T) {
	sch := compileSchema(t, filepath.Join("testdata", "sarif-schema-2.1.0.json"), "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
	empty := &Report{Root: "/abs/scan root"}
	for name, r := range map[string]*Report{"fixture": fixture(), "empty": empty} {
		validate(t, sch, name, render(t, "sarif", r))
	}
	// Guard against a schema that accepts anything.
	if err := sch.Validate(mustInstance(t, []byte(`{"version":"2.1.0","runs":[{"tool":{"driver":{}}}]}`))); err == nil {
		t.Error("schema accepted a driver without a name")
	}
}

func TestSARIFContent(t *testing.T) {
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID                   string
						Help                 struct{ Text, Markdown string }
						DefaultConfiguration struct{ Level string }
						Properties           map[string]any
					}
				}
			}
			OriginalURIBaseIDs map[string]struct{ URI string } `json:"originalUriBaseIds"`
			Results            []struct {
				RuleID    string
				RuleIndex int
				Level     string
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI, URIBaseID string }
						Region           struct{ StartLine, StartColumn int }
					}
				}
				CodeFlows           []json.RawMessage
				PartialFingerprints map[string]string
				Suppressions        []struct{ Kind, Justification string }
			}
			Invocations []struct {
				ToolExecutionNotifications []struct {
					Level      string
					Descriptor struct{ ID string }
				}
			}
		}
	}
	r := fixture()
	r.Root = "/home/me/app"
	if err := json.Unmarshal(render(t, "sarif", r), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if got := run.OriginalURIBaseIDs["%SRCROOT%"].URI; got != "file:///home/me/app/" {
		t.Errorf("%%SRCROOT%% = %q", got)
	}
	rules := run.Tool.Driver.Rules
	// The whole catalogue plus the driver's own WAR-META-000.
	if len(rules) != 6 {
		t.Fatalf("got %d rules, want 6", len(rules))
	}
	sev := map[string]any{}
	for _, rule := range rules {
		sev[rule.ID] = rule.Properties["security-severity"]
		if rule.ID == "WAR-IAM-001" {
			mustContain(t, rule.Help.Markdown, "## Fix", "```yaml\nPolicies:", "**SAS-5 · CWE-250 · CWE-269")
			tags, _ := json.Marshal(rule.Properties["tags"])
			if string(tags) != `["security","SAS-5","CWE-250","CWE-269","sam","terraform"]` {
				t.Errorf("tags = %s", tags)
			}
			if rule.DefaultConfiguration.Level != "error" {
				t.Errorf("level = %s", rule.DefaultConfiguration.Level)
			}
		}
	}
	if sev["WAR-IAM-001"] != "9.5" || sev["WAR-API-001"] != "8.0" || sev["WAR-S3-001"] != "5.5" || sev["WAR-LOG-001"] != "3.0" || sev["WAR-FN-009"] != nil {
		t.Errorf("security-severity = %v", sev)
	}
	suppressed := map[string]string{}
	for _, res := range run.Results {
		if len(res.Locations) == 0 {
			t.Errorf("%s: result without a location (GitHub rejects the upload)", res.RuleID)
		}
		if rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %s has ruleIndex %d pointing at %s", res.RuleID, res.RuleIndex, rules[res.RuleIndex].ID)
		}
		if len(res.PartialFingerprints["warden/v1"]) != 32 {
			t.Errorf("%s: partialFingerprints = %v", res.RuleID, res.PartialFingerprints)
		}
		for _, l := range res.Locations {
			al := l.PhysicalLocation.ArtifactLocation
			if al.URIBaseID != "%SRCROOT%" || strings.HasPrefix(al.URI, "/") || al.URI == "" {
				t.Errorf("%s: artifact location %+v is not root-relative", res.RuleID, al)
			}
		}
		for _, s := range res.Suppressions {
			suppressed[s.Kind] = s.Justification
		}
		if res.RuleID == "WAR-API-001" && len(res.Suppressions) == 0 && len(res.CodeFlows) != 1 {
			t.Errorf("code flow missing: %+v", res)
		}
	}
	if suppressed["inSource"] != "behind the VPN" || suppressed["external"] == "" {
		t.Errorf("suppressions = %v", suppressed)
	}
	notes := map[string]int{}
	for _, n := range run.Invocations[0].ToolExecutionNotifications {
		notes[n.Descriptor.ID+"/"+n.Level]++
	}
	// The crashed rule's finding has no location, which GitHub would reject
	// as a result; it must still be visible, as a notification.
	if notes["parse/error"] != 1 || notes["unresolved/warning"] != 7 || notes["unsupported/note"] != 1 || notes["WAR-META-000/warning"] != 1 {
		t.Errorf("notifications = %v", notes)
	}
}

func TestSARIFOverrideAndURIs(t *testing.T) {
	r := fixture()
	r.SeverityOverrides = map[string]analysis.Severity{"WAR-S3-001": analysis.Critical}
	r.Findings[0].Pos.File = "dir with space/a#b.yaml"
	out := string(render(t, "sarif", r))
	mustContain(t, out, `"uri": "dir%20with%20space/a%23b.yaml"`)
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID         string
						Properties map[string]any
					}
				}
			}
		}
	}
	_ = json.Unmarshal([]byte(out), &log)
	for _, rule := range log.Runs[0].Tool.Driver.Rules {
		if rule.ID == "WAR-S3-001" && rule.Properties["security-severity"] != "9.5" {
			t.Errorf("override not applied: %v", rule.Properties)
		}
	}
}

func TestUnknownFormat(t *testing.T) {
	if err := Write(&bytes.Buffer{}, "html", fixture()); err == nil || !strings.Contains(err.Error(), "html") {
		t.Errorf("err = %v", err)
	}
}

func compileSchema(t *testing.T, file, id string) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	c := jsonschema.NewCompiler()
	// No loader for any scheme: every schema must be registered here, so a
	// test never reaches for the network.
	c.UseLoader(jsonschema.SchemeURLLoader{})
	c.AssertFormat()
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		t.Fatalf("compile %s: %v", file, err)
	}
	return sch
}

func mustInstance(t *testing.T, b []byte) any {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func validate(t *testing.T, sch *jsonschema.Schema, name string, b []byte) {
	t.Helper()
	if err := sch.Validate(mustInstance(t, b)); err != nil {
		t.Errorf("%s does not validate: %v\n%s", name, err, b)
	}
}

func mustContain(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("output lacks %q:\n%s", sub, s)
		}
	}
}

func mustNotContain(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			t.Errorf("output has %q:\n%s", sub, s)
		}
	}
}

func TestFailing(t *testing.T) {
	fs := fixture().Findings
	for _, tc := range []struct {
		on   analysis.Severity
		want int
	}{{0, 0}, {analysis.Critical, 1}, {analysis.High, 2}, {analysis.Medium, 4}, {analysis.Info, 6}} {
		if got := Failing(fs, tc.on); got != tc.want {
			t.Errorf("Failing(%v) = %d, want %d", tc.on, got, tc.want)
		}
	}
}
