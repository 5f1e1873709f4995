package vulndb

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/google/osv-scalibr/semantic"
)

// Ecosystems are the OSV ecosystems Warden reads lock files for, spelled as
// OSV spells them (also the directory names of the offline layout).
var Ecosystems = []string{"npm", "PyPI", "Go"}

// SupportedEcosystem returns the OSV spelling of eco, or "" when Warden does
// not handle it. The match is case-insensitive so that --ecosystem pypi works.
func SupportedEcosystem(eco string) string {
	for _, e := range Ecosystems {
		if strings.EqualFold(e, strings.TrimSpace(eco)) {
			return e
		}
	}
	return ""
}

var pep503 = regexp.MustCompile(`[-_.]+`)

// NormalizeName gives the form package names are compared in. PyPI names are
// PEP 503-normalised on both sides, because advisories spell them as the
// project does (GitHub writes "PyYAML") while lock files write the installed
// name ("pyyaml"). npm and Go names are case-sensitive and compared as is.
func NormalizeName(eco, name string) string {
	name = strings.TrimSpace(name)
	if eco == "PyPI" {
		return pep503.ReplaceAllString(strings.ToLower(name), "-")
	}
	return name
}

// goVersion turns a Go module version into the form OSV's Go database uses:
// no leading "v", and no "+incompatible" (build metadata, which semantic
// versioning says never takes part in ordering).
func goVersion(v string) string {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	return strings.TrimSuffix(v, "+incompatible")
}

// Version is a parsed version of one ecosystem.
type Version struct {
	eco string
	v   semantic.Version
}

// ParseVersion parses v with the ordering rules of its ecosystem (npm
// semver with prerelease rules, PEP 440 with epochs, pre/post/dev releases
// and local versions, Go module versions with pseudo-versions), using
// osv-scalibr's semantic package, the implementation osv-scanner relies on.
func ParseVersion(eco, v string) (Version, error) {
	if eco == "Go" {
		v = goVersion(v)
	}
	if strings.TrimSpace(v) == "" {
		return Version{}, fmt.Errorf("parse %s version: empty", eco)
	}
	sv, err := semantic.Parse(strings.TrimSpace(v), eco)
	if err != nil {
		return Version{}, fmt.Errorf("parse %s version %q: %w", eco, v, err)
	}
	return Version{eco: eco, v: sv}, nil
}

// Compare returns -1, 0 or +1 as v is less than, equal to or greater than
// the version string w of the same ecosystem.
func (v Version) Compare(w string) (int, error) {
	if v.eco == "Go" {
		w = goVersion(w)
	}
	c, err := v.v.CompareStr(strings.TrimSpace(w))
	if err != nil {
		return 0, fmt.Errorf("compare %s versions: %w", v.eco, err)
	}
	return c, nil
}

// CompareVersions compares two versions of one ecosystem.
func CompareVersions(eco, a, b string) (int, error) {
	v, err := ParseVersion(eco, a)
	if err != nil {
		return 0, err
	}
	return v.Compare(b)
}
