package sbom

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/wardensec/warden/internal/model"
)

// schema compiles one of the official schemas in testdata/schema, with
// every schema there registered under its $id so that $refs resolve
// offline.
func schema(t *testing.T, id string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	files, _ := filepath.Glob(filepath.Join("testdata", "schema", "*.json"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		sid, _ := doc.(map[string]any)["$id"].(string)
		if err := c.AddResource(sid, doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	s, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, data []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(inst); err != nil {
		t.Errorf("document does not validate: %v\n%s", err, data)
	}
}

// sampleApp has two functions sharing a package, a scoped npm package, a
// Go module with a "+incompatible" version, a dev-only package and a
// function without dependencies.
func sampleApp() *model.App {
	f := func(id, rt string) *model.Function {
		return &model.Function{ID: "template.yaml#" + id, Name: id, Runtime: model.Str(rt, model.Pos{}), Provider: model.AWS}
	}
	uses := func(ids ...string) []model.PackageUse {
		var u []model.PackageUse
		for _, id := range ids {
			u = append(u, model.PackageUse{FunctionID: "template.yaml#" + id, Via: "code"})
		}
		return u
	}
	return &model.App{
		Functions: []*model.Function{f("Orders", "python3.12"), f("Notify", "nodejs20.x"), f("Resize", "provided.al2023"), f("Empty", "python3.12"),
			{ID: "template.yaml#Gone", Name: "Gone", Deployed: model.Str("false", model.Pos{})}},
		Packages: []*model.Package{
			{Ecosystem: "PyPI", Name: "PyYAML", Version: "5.3.1", Pos: model.Pos{File: "orders/requirements.txt", Line: 2}, Uses: uses("Orders"),
				Vulns: []model.Vuln{{ID: "GHSA-8q59-q68h-6hv4", Aliases: []string{"CVE-2020-14343", "PYSEC-2021-142"}, Summary: "Improper Input Validation in PyYAML",
					Severity: "critical", Score: 9.8, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Fixed: "5.4", URL: "https://github.com/advisories/GHSA-8q59-q68h-6hv4"}}},
			{Ecosystem: "PyPI", Name: "pytest", Version: "7.4.0", Dev: true, Pos: model.Pos{File: "orders/requirements-dev.txt", Line: 1}, Uses: uses("Orders")},
			{Ecosystem: "npm", Name: "lodash", Version: "4.17.20", Pos: model.Pos{File: "package-lock.json", Line: 9}, Uses: uses("Notify", "Orders"),
				Vulns: []model.Vuln{{ID: "TEST-UNRATED-1", Fixed: ""}}},
			{Ecosystem: "npm", Name: "@types/node", Version: "20.11.5", Pos: model.Pos{File: "package-lock.json", Line: 20}, Uses: uses("Notify")},
			{Ecosystem: "Go", Name: "github.com/docker/docker", Version: "v20.10.24+incompatible", Pos: model.Pos{File: "resize/go.mod", Line: 7}, Uses: uses("Resize")},
			{Ecosystem: "Go", Name: "stdlib", Version: "1.22", Pos: model.Pos{File: "resize/go.mod", Line: 3}, Uses: uses("Resize", "Gone")},
		},
	}
}

func TestCycloneDXValidatesAgainstOfficialSchema(t *testing.T) {
	s := schema(t, "http://cyclonedx.org/schema/bom-1.5.schema.json")
	for _, dev := range []bool{false, true} {
		var buf bytes.Buffer
		if err := WriteCycloneDX(&buf, sampleApp(), Options{Name: "orders", ToolVersion: "0.1.0", IncludeDev: dev}); err != nil {
			t.Fatal(err)
		}
		validate(t, s, buf.Bytes())
		var bom cdxBOM
		if err := json.Unmarshal(buf.Bytes(), &bom); err != nil {
			t.Fatal(err)
		}
		deps := map[string][]string{}
		for _, d := range bom.Dependencies {
			deps[d.Ref] = d.DependsOn
		}
		if got := strings.Join(deps["function:template.yaml#Notify"], " "); got != "pkg:npm/%40types/node@20.11.5 pkg:npm/lodash@4.17.20" {
			t.Errorf("Notify depends on %q", got)
		}
		if got := strings.Join(deps["function:template.yaml#Resize"], " "); got != "pkg:golang/github.com/docker/docker@v20.10.24%2Bincompatible pkg:golang/stdlib@1.22" {
			t.Errorf("Resize depends on %q", got)
		}
		if _, ok := deps["function:template.yaml#Gone"]; ok {
			t.Error("an undeployed function is in the SBOM")
		}
		if _, ok := deps["function:template.yaml#Empty"]; !ok {
			t.Error("a function without packages is missing")
		}
		orders := strings.Join(deps["function:template.yaml#Orders"], " ")
		if strings.Contains(orders, "pytest") != dev {
			t.Errorf("IncludeDev=%v: Orders depends on %q", dev, orders)
		}
		if !strings.Contains(orders, "pkg:pypi/pyyaml@5.3.1") {
			t.Errorf("PyPI purl not normalised: %q", orders)
		}
		if len(bom.Vulnerabilities) != 2 || bom.Vulnerabilities[0].ID != "GHSA-8q59-q68h-6hv4" || bom.Vulnerabilities[0].Affects[0].Ref != "pkg:pypi/pyyaml@5.3.1" ||
			bom.Vulnerabilities[0].Ratings[0].Method != "CVSSv31" || bom.Vulnerabilities[1].Ratings[0].Severity != "unknown" {
			t.Errorf("vulnerabilities = %+v", bom.Vulnerabilities)
		}
	}
	// Deterministic: the same input gives the same bytes.
	var a, b bytes.Buffer
	WriteCycloneDX(&a, sampleApp(), Options{Name: "orders"})
	WriteCycloneDX(&b, sampleApp(), Options{Name: "orders"})
	if a.String() != b.String() {
		t.Error("CycloneDX output is not deterministic")
	}
}

func TestSPDXValidatesAgainstOfficialSchema(t *testing.T) {
	s := schema(t, "http://spdx.org/rdf/terms/2.3")
	for _, dev := range []bool{false, true} {
		var buf bytes.Buffer
		if err := WriteSPDX(&buf, sampleApp(), Options{Name: "orders app", ToolVersion: "0.1.0", IncludeDev: dev, Created: time.Unix(1700000000, 0)}); err != nil {
			t.Fatal(err)
		}
		validate(t, s, buf.Bytes())
		var doc spdxDoc
		json.Unmarshal(buf.Bytes(), &doc)
		ids := map[string]string{}
		for _, p := range doc.Packages {
			ids[p.SPDXID] = p.Name
		}
		contains := map[string][]string{}
		for _, r := range doc.Relationships {
			if _, ok := ids[r.Related]; !ok && r.Type != "DESCRIBES" {
				t.Errorf("relationship to unknown element %s", r.Related)
			}
			if r.Type == "CONTAINS" {
				contains[ids[r.Element]] = append(contains[ids[r.Element]], ids[r.Related])
			}
		}
		if got := strings.Join(contains["Orders"], ","); got != "lodash,PyYAML" {
			t.Errorf("Orders contains %q", got)
		}
		if len(doc.DocumentDescribes) != 4 || doc.CreationInfo.Created != "2023-11-14T22:13:20Z" {
			t.Errorf("describes %v, created %s", doc.DocumentDescribes, doc.CreationInfo.Created)
		}
	}
}

// The validators must be able to fail: a document missing required
// fields is rejected.
func TestSchemasRejectBrokenDocuments(t *testing.T) {
	cdx := schema(t, "http://cyclonedx.org/schema/bom-1.5.schema.json")
	if err := cdx.Validate(map[string]any{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": []any{map[string]any{"type": "library"}}}); err == nil {
		t.Error("CycloneDX component without a name validated")
	}
	spdx := schema(t, "http://spdx.org/rdf/terms/2.3")
	if err := spdx.Validate(map[string]any{"spdxVersion": "SPDX-2.3", "packages": []any{map[string]any{"name": "x"}}}); err == nil {
		t.Error("SPDX package without SPDXID/downloadLocation validated")
	}
}
