package sbom

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/wardensec/warden/internal/model"
)

type cdxBOM struct {
	BOMFormat       string          `json:"bomFormat"`
	SpecVersion     string          `json:"specVersion"`
	SerialNumber    string          `json:"serialNumber"`
	Version         int             `json:"version"`
	Metadata        cdxMetadata     `json:"metadata"`
	Components      []cdxComponent  `json:"components"`
	Dependencies    []cdxDependency `json:"dependencies"`
	Vulnerabilities []cdxVuln       `json:"vulnerabilities,omitempty"`
}

type cdxVuln struct {
	BOMRef         string       `json:"bom-ref"`
	ID             string       `json:"id"`
	Source         cdxSource    `json:"source"`
	References     []cdxVulnRef `json:"references,omitempty"`
	Ratings        []cdxRating  `json:"ratings,omitempty"`
	Description    string       `json:"description,omitempty"`
	Recommendation string       `json:"recommendation,omitempty"`
	Affects        []cdxAffect  `json:"affects"`
}

type cdxSource struct {
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

type cdxVulnRef struct {
	ID     string    `json:"id"`
	Source cdxSource `json:"source"`
}

type cdxRating struct {
	Source   cdxSource `json:"source"`
	Score    float64   `json:"score,omitempty"`
	Severity string    `json:"severity"`
	Method   string    `json:"method,omitempty"`
	Vector   string    `json:"vector,omitempty"`
}

type cdxAffect struct {
	Ref string `json:"ref"`
}

type cdxMetadata struct {
	Tools     cdxTools     `json:"tools"`
	Component cdxComponent `json:"component"`
}

type cdxTools struct {
	Components []cdxComponent `json:"components"`
}

type cdxComponent struct {
	Type        string        `json:"type"`
	BOMRef      string        `json:"bom-ref,omitempty"`
	Name        string        `json:"name"`
	Version     string        `json:"version,omitempty"`
	Description string        `json:"description,omitempty"`
	Scope       string        `json:"scope,omitempty"`
	PURL        string        `json:"purl,omitempty"`
	Properties  []cdxProperty `json:"properties,omitempty"`
}

type cdxProperty struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type cdxDependency struct {
	Ref       string   `json:"ref"`
	DependsOn []string `json:"dependsOn"`
}

// WriteCycloneDX writes a CycloneDX 1.5 JSON BOM: the application as the
// metadata component, each function as an application component that
// depends on the library components it ships.
func WriteCycloneDX(w io.Writer, app *model.App, opts Options) error {
	fs, cs := collect(app, opts.IncludeDev)
	d := digest(opts.Name, fs, cs)
	bom := cdxBOM{
		BOMFormat:    "CycloneDX",
		SpecVersion:  "1.5",
		SerialNumber: "urn:uuid:" + uuidFrom(d),
		Version:      1,
		Metadata: cdxMetadata{
			Tools:     cdxTools{Components: []cdxComponent{{Type: "application", Name: "warden", Version: opts.ToolVersion}}},
			Component: cdxComponent{Type: "application", BOMRef: "app", Name: nonEmpty(opts.Name, "application")},
		},
		Components:   []cdxComponent{},
		Dependencies: []cdxDependency{},
	}
	appDeps := cdxDependency{Ref: "app", DependsOn: []string{}}
	for _, f := range fs {
		ref := "function:" + f.f.ID
		c := cdxComponent{Type: "application", BOMRef: ref, Name: f.f.Name, Description: "serverless function " + f.f.ID,
			Properties: []cdxProperty{{Name: "warden:function-id", Value: f.f.ID}}}
		if rt := runtimeOf(f.f); rt != "" {
			c.Properties = append(c.Properties, cdxProperty{Name: "warden:runtime", Value: rt})
		}
		if f.f.Provider != "" {
			c.Properties = append(c.Properties, cdxProperty{Name: "warden:provider", Value: string(f.f.Provider)})
		}
		bom.Components = append(bom.Components, c)
		dep := cdxDependency{Ref: ref, DependsOn: []string{}}
		for _, p := range f.pkgs {
			dep.DependsOn = append(dep.DependsOn, p.purl)
		}
		bom.Dependencies = append(bom.Dependencies, dep)
		appDeps.DependsOn = append(appDeps.DependsOn, ref)
	}
	for _, c := range cs {
		comp := cdxComponent{Type: "library", BOMRef: c.purl, Name: c.pkg.Name, Version: c.pkg.Version, PURL: c.purl, Scope: "required"}
		if c.dev {
			comp.Scope = "excluded" // development-only: not in the deployed artifact
		}
		for _, f := range c.files {
			comp.Properties = append(comp.Properties, cdxProperty{Name: "warden:lockfile", Value: f})
		}
		if c.pkg.Source != "" {
			comp.Properties = append(comp.Properties, cdxProperty{Name: "warden:source", Value: c.pkg.Source})
		}
		bom.Components = append(bom.Components, comp)
		bom.Dependencies = append(bom.Dependencies, cdxDependency{Ref: c.purl, DependsOn: []string{}})
	}
	bom.Dependencies = append([]cdxDependency{appDeps}, bom.Dependencies...)
	bom.Vulnerabilities = cdxVulns(cs)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(bom); err != nil {
		return fmt.Errorf("write CycloneDX: %w", err)
	}
	return nil
}

// uuidFrom formats the first 16 bytes of a hex digest as an RFC 4122
// name-based UUID (version 5 layout), so the serial number is stable for
// the same content and unique across different content.
func uuidFrom(hexDigest string) string {
	b := []byte(hexDigest[:32])
	b[12] = '5'
	switch b[16] {
	case '8', '9', 'a', 'b':
	default:
		b[16] = '8'
	}
	s := string(b)
	return strings.Join([]string{s[0:8], s[8:12], s[12:16], s[16:20], s[20:32]}, "-")
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// cdxVulns lists the vulnerabilities Enrich attached, one entry per
// advisory with every component it affects, when the SBOM was made with
// the database.
func cdxVulns(cs []*component) []cdxVuln {
	byID := map[string]*cdxVuln{}
	var ids []string
	for _, c := range cs {
		for _, v := range c.pkg.Vulns {
			e := byID[v.ID]
			if e == nil {
				e = &cdxVuln{BOMRef: "vuln:" + v.ID, ID: v.ID, Source: cdxSource{Name: "OSV", URL: "https://osv.dev/vulnerability/" + v.ID},
					Description: v.Summary}
				for _, a := range v.Aliases {
					e.References = append(e.References, cdxVulnRef{ID: a, Source: cdxSource{Name: "OSV", URL: "https://osv.dev/vulnerability/" + a}})
				}
				r := cdxRating{Source: cdxSource{Name: "OSV"}, Severity: v.Severity, Score: v.Score, Vector: v.Vector, Method: cvssMethod(v.Vector)}
				if r.Severity == "" {
					r.Severity = "unknown"
				}
				e.Ratings = []cdxRating{r}
				byID[v.ID] = e
				ids = append(ids, v.ID)
			}
			e.Affects = append(e.Affects, cdxAffect{Ref: c.purl})
			if v.Fixed != "" {
				fix := "Upgrade " + c.pkg.Name + " to " + v.Fixed + " or later."
				if !strings.Contains(e.Recommendation, fix) {
					e.Recommendation = strings.TrimSpace(e.Recommendation + " " + fix)
				}
			}
		}
	}
	sort.Strings(ids)
	var out []cdxVuln
	for _, id := range ids {
		out = append(out, *byID[id])
	}
	return out
}

func cvssMethod(vector string) string {
	switch {
	case strings.HasPrefix(vector, "CVSS:3.1/"):
		return "CVSSv31"
	case strings.HasPrefix(vector, "CVSS:3.0/"):
		return "CVSSv3"
	case strings.HasPrefix(vector, "CVSS:4.0/"):
		return "CVSSv4"
	case vector == "":
		return ""
	}
	return "other"
}
