package vulndb

import (
	"sort"
	"strings"
)

// Affects reports whether version of the package (eco, name) is affected by
// r, and the first version that fixes it ("" when none is known). Withdrawn
// records affect nothing.
//
// It follows the OSV evaluation rules: explicit `versions` lists, and
// SEMVER/ECOSYSTEM ranges whose events are walked in version order, where
// "introduced" opens a range, "fixed" closes it before the fixed version,
// "last_affected" closes it after that version, and "limit" bounds the
// whole range from above. GIT ranges are skipped: a lock file gives no
// commit to place in them.
func (r *Record) Affects(eco, name, version string) (bool, string) {
	if r.Withdrawn != "" {
		return false, ""
	}
	want := NormalizeName(eco, name)
	v, verr := ParseVersion(eco, version)
	hit, fixed := false, ""
	for _, a := range r.Affected {
		if ecoBase(a.Package.Ecosystem) != eco || NormalizeName(eco, a.Package.Name) != want {
			continue
		}
		inList := false
		for _, lv := range a.Versions {
			if lv == version || (verr == nil && cmpEq(v, lv)) {
				inList = true
				break
			}
		}
		if inList {
			hit = true
		}
		if verr != nil {
			continue
		}
		for _, rg := range a.Ranges {
			if rg.Type != "SEMVER" && rg.Type != "ECOSYSTEM" {
				continue
			}
			in, fx := inRange(v, rg.Events)
			if in {
				hit = true
			}
			if (in || inList) && fx != "" && (fixed == "" || lessVersion(eco, fx, fixed)) {
				fixed = fx
			}
		}
	}
	return hit, fixed
}

func cmpEq(v Version, s string) bool {
	c, err := v.Compare(s)
	return err == nil && c == 0
}

func lessVersion(eco, a, b string) bool {
	c, err := CompareVersions(eco, a, b)
	return err == nil && c < 0
}

// ecoBase drops an ecosystem suffix ("Debian:11" → "Debian").
func ecoBase(e string) string {
	b, _, _ := strings.Cut(e, ":")
	return b
}

type event struct {
	kind string // introduced, fixed, last_affected
	ver  string
}

// inRange evaluates one range for v, returning whether v is inside it and
// the smallest fixed version above v.
func inRange(v Version, events []Event) (bool, string) {
	var evs []event
	var limits []string
	for _, e := range events {
		switch {
		case e.Introduced != "":
			evs = append(evs, event{"introduced", e.Introduced})
		case e.Fixed != "":
			evs = append(evs, event{"fixed", e.Fixed})
		case e.LastAffected != "":
			evs = append(evs, event{"last_affected", e.LastAffected})
		case e.Limit != "":
			limits = append(limits, e.Limit)
		}
	}
	// Events come in any order in the wild; the spec evaluates them sorted,
	// with introduced "0" below every version.
	eco := v.eco
	sort.SliceStable(evs, func(i, j int) bool {
		a, b := evs[i], evs[j]
		if a.ver == "0" || b.ver == "0" {
			return a.ver == "0" && b.ver != "0"
		}
		return lessVersion(eco, a.ver, b.ver)
	})
	affected := false
	for _, e := range evs {
		switch e.kind {
		case "introduced":
			if e.ver == "0" || cmpGE(v, e.ver) {
				affected = true
			}
		case "fixed":
			if cmpGE(v, e.ver) {
				affected = false
			}
		case "last_affected":
			if c, err := v.Compare(e.ver); err == nil && c > 0 {
				affected = false
			}
		}
	}
	if affected && len(limits) > 0 {
		below := false
		for _, l := range limits {
			if l == "*" {
				below = true
				break
			}
			if c, err := v.Compare(l); err == nil && c < 0 {
				below = true
				break
			}
		}
		affected = below
	}
	fixed := ""
	if affected {
		for _, e := range evs {
			if e.kind != "fixed" {
				continue
			}
			if c, err := v.Compare(e.ver); err == nil && c < 0 {
				fixed = e.ver
				break
			}
		}
	}
	return affected, fixed
}

func cmpGE(v Version, s string) bool {
	c, err := v.Compare(s)
	return err == nil && c >= 0
}
