package sbom

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/wardensec/warden/internal/model"
)

type cdxBOM struct {
	BOMFormat    string          `json:"bomFormat"`
	SpecVersion  string          `json:"specVersion"`
	SerialNumber string          `json:"serialNumber"`
	Version      int             `json:"version"`
	Metadata     cdxMetadata     `json:"metadata"`
	Components   []cdxComponent  `json:"components"`
	Dependencies []cdxDependency `json:"dependencies"`
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
