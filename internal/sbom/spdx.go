package sbom

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"time"

	"github.com/wardensec/warden/internal/model"
)

type spdxDoc struct {
	SPDXVersion       string             `json:"spdxVersion"`
	DataLicense       string             `json:"dataLicense"`
	SPDXID            string             `json:"SPDXID"`
	Name              string             `json:"name"`
	DocumentNamespace string             `json:"documentNamespace"`
	CreationInfo      spdxCreationInfo   `json:"creationInfo"`
	DocumentDescribes []string           `json:"documentDescribes"`
	Packages          []spdxPackage      `json:"packages"`
	Relationships     []spdxRelationship `json:"relationships"`
}

type spdxCreationInfo struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type spdxPackage struct {
	SPDXID           string       `json:"SPDXID"`
	Name             string       `json:"name"`
	VersionInfo      string       `json:"versionInfo,omitempty"`
	DownloadLocation string       `json:"downloadLocation"`
	FilesAnalyzed    bool         `json:"filesAnalyzed"`
	PrimaryPurpose   string       `json:"primaryPackagePurpose,omitempty"`
	Comment          string       `json:"comment,omitempty"`
	ExternalRefs     []spdxExtRef `json:"externalRefs,omitempty"`
}

type spdxExtRef struct {
	Category string `json:"referenceCategory"`
	Type     string `json:"referenceType"`
	Locator  string `json:"referenceLocator"`
}

type spdxRelationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

var spdxIDUnsafe = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

// spdxID makes an SPDX identifier (letters, digits, "." and "-" only)
// that stays unique by suffixing a counter.
func spdxID(prefix, name string, used map[string]bool) string {
	base := "SPDXRef-" + prefix + "-" + spdxIDUnsafe.ReplaceAllString(name, "-")
	id := base
	for n := 2; used[id]; n++ {
		id = base + "-" + strconv.Itoa(n)
	}
	used[id] = true
	return id
}

// WriteSPDX writes an SPDX 2.3 JSON document: the document describes one
// package per function, and each function CONTAINS the packages it ships
// (DEV_DEPENDENCY_OF for development-only ones, when included).
func WriteSPDX(w io.Writer, app *model.App, opts Options) error {
	fs, cs := collect(app, opts.IncludeDev)
	d := digest(opts.Name, fs, cs)
	created := opts.Created
	if created.IsZero() {
		created = creationTime()
	}
	doc := spdxDoc{
		SPDXVersion:       "SPDX-2.3",
		DataLicense:       "CC0-1.0",
		SPDXID:            "SPDXRef-DOCUMENT",
		Name:              nonEmpty(opts.Name, "application"),
		DocumentNamespace: "https://spdx.org/spdxdocs/warden-" + spdxIDUnsafe.ReplaceAllString(nonEmpty(opts.Name, "application"), "-") + "-" + d[:32],
		CreationInfo:      spdxCreationInfo{Created: created.UTC().Format(time.RFC3339), Creators: []string{"Tool: warden-" + nonEmpty(opts.ToolVersion, "dev")}},
		DocumentDescribes: []string{},
		Packages:          []spdxPackage{},
		Relationships:     []spdxRelationship{},
	}
	used := map[string]bool{}
	pkgIDs := map[*component]string{}
	for _, c := range cs {
		id := spdxID("Package", c.pkg.Ecosystem+"-"+c.pkg.Name+"-"+c.pkg.Version, used)
		pkgIDs[c] = id
		p := spdxPackage{SPDXID: id, Name: c.pkg.Name, VersionInfo: c.pkg.Version, DownloadLocation: "NOASSERTION", PrimaryPurpose: "LIBRARY",
			ExternalRefs: []spdxExtRef{{Category: "PACKAGE-MANAGER", Type: "purl", Locator: c.purl}}}
		p.Comment = "found in " + joinFiles(c.files)
		for _, v := range c.pkg.Vulns {
			if v.URL != "" {
				p.ExternalRefs = append(p.ExternalRefs, spdxExtRef{Category: "SECURITY", Type: "advisory", Locator: v.URL})
			}
		}
		doc.Packages = append(doc.Packages, p)
	}
	for _, f := range fs {
		id := spdxID("Function", f.f.Name, used)
		p := spdxPackage{SPDXID: id, Name: f.f.Name, DownloadLocation: "NOASSERTION", PrimaryPurpose: "APPLICATION",
			Comment: "serverless function " + f.f.ID}
		if rt := runtimeOf(f.f); rt != "" {
			p.Comment += ", runtime " + rt
		}
		doc.Packages = append(doc.Packages, p)
		doc.DocumentDescribes = append(doc.DocumentDescribes, id)
		doc.Relationships = append(doc.Relationships, spdxRelationship{Element: "SPDXRef-DOCUMENT", Type: "DESCRIBES", Related: id})
		for _, c := range f.pkgs {
			if c.dev {
				doc.Relationships = append(doc.Relationships, spdxRelationship{Element: pkgIDs[c], Type: "DEV_DEPENDENCY_OF", Related: id})
			} else {
				doc.Relationships = append(doc.Relationships, spdxRelationship{Element: id, Type: "CONTAINS", Related: pkgIDs[c]})
			}
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write SPDX: %w", err)
	}
	return nil
}

// creationTime is now, or SOURCE_DATE_EPOCH for reproducible builds.
func creationTime() time.Time {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return time.Unix(n, 0)
		}
	}
	return time.Now()
}

func joinFiles(fs []string) string {
	out := ""
	for i, f := range fs {
		if i > 0 {
			out += ", "
		}
		out += f
	}
	return out
}
