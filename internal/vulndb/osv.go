// Package vulndb is Warden's offline vulnerability database: OSV advisories
// for npm, PyPI and Go, downloaded (`warden db update`) or imported (`warden
// db import`) into the user cache, verified, and indexed on disk so that a
// scan looks up a package with a binary search over a memory-mapped index
// instead of re-reading the archives.
//
// The cache keeps the layout osv-scanner and osv-scalibr use for their
// offline mode, <dir>/<Ecosystem>/all.zip, so that users can fill it with
// those tools or with curl; Warden adds its index files beside each zip.
package vulndb

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Record is the part of an OSV record (https://ossf.github.io/osv-schema/)
// that matching and reporting need. Unknown fields are ignored, so newer
// schema versions still load.
type Record struct {
	ID               string          `json:"id"`
	Modified         string          `json:"modified,omitempty"`
	Published        string          `json:"published,omitempty"`
	Withdrawn        string          `json:"withdrawn,omitempty"`
	Aliases          []string        `json:"aliases,omitempty"`
	Summary          string          `json:"summary,omitempty"`
	Details          string          `json:"details,omitempty"`
	Severity         []Severity      `json:"severity,omitempty"`
	Affected         []Affected      `json:"affected,omitempty"`
	References       []Reference     `json:"references,omitempty"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
}

// Severity is one OSV severity entry: a CVSS vector or a named rating.
type Severity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

// Affected is one affected package of a record.
type Affected struct {
	Package           Pkg             `json:"package"`
	Severity          []Severity      `json:"severity,omitempty"`
	Ranges            []Range         `json:"ranges,omitempty"`
	Versions          []string        `json:"versions,omitempty"`
	EcosystemSpecific json.RawMessage `json:"ecosystem_specific,omitempty"`
	DatabaseSpecific  json.RawMessage `json:"database_specific,omitempty"`
}

// Pkg names a package in an ecosystem.
type Pkg struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	PURL      string `json:"purl,omitempty"`
}

// Range is a SEMVER, ECOSYSTEM or GIT range as a list of events.
type Range struct {
	Type   string  `json:"type"`
	Events []Event `json:"events"`
}

// Event is one range event; exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// jsonRaw is an undecoded JSON value: ecosystem- and database-specific
// objects differ per source, so only the fields used are decoded, on demand.
type jsonRaw = json.RawMessage

// Reference is a link of a record.
type Reference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// ParseRecord decodes and checks one OSV JSON document. A record without an
// id is refused: an archive that holds one is corrupt or not OSV at all.
func ParseRecord(data []byte) (*Record, error) {
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("parse OSV record: %w", err)
	}
	if strings.TrimSpace(r.ID) == "" {
		return nil, fmt.Errorf("parse OSV record: no id")
	}
	return &r, nil
}

// dbSeverity reads the severity word that GitHub (database_specific.severity)
// and some ecosystems (affected[].ecosystem_specific.severity) put beside or
// instead of a CVSS vector.
func dbSeverity(raws ...jsonRaw) string {
	for _, raw := range raws {
		if len(raw) == 0 {
			continue
		}
		var v struct {
			Severity any `json:"severity"`
		}
		if json.Unmarshal(raw, &v) != nil {
			continue
		}
		if s, ok := v.Severity.(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// AdvisoryURL picks the link a user should open: the ADVISORY reference of
// the record's own database when there is one, else a URL built from the ID.
func (r *Record) AdvisoryURL() string {
	switch {
	case strings.HasPrefix(r.ID, "GHSA-"):
		return "https://github.com/advisories/" + r.ID
	case strings.HasPrefix(r.ID, "GO-"):
		return "https://pkg.go.dev/vuln/" + r.ID
	}
	for _, ref := range r.References {
		if ref.Type == "ADVISORY" {
			return ref.URL
		}
	}
	return "https://osv.dev/vulnerability/" + r.ID
}
