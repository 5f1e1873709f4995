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
	v, verr := ParseVersion(eco, version)
	return r.affects(eco, NormalizeName(eco, name), version, v, verr)
}

// affects is Affects with the name normalised and the version parsed once
// per package rather than once per record.
func (r *Record) affects(eco, want, version string, v Version, verr error) (bool, string) {
	if r.Withdrawn != "" {
		return false, ""
	}
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
	pv   Version // parsed ver; pv.v is nil when ver does not parse
}

// inRange evaluates one range for v, returning whether v is inside it and
// the smallest fixed version above v.
func inRange(v Version, events []Event) (bool, string) {
	var evs []event
	var limits []string
	add := func(kind, ver string) {
		e := event{kind: kind, ver: ver}
		if ver != "0" {
			e.pv, _ = ParseVersion(v.eco, ver)
		}
		evs = append(evs, e)
	}
	for _, e := range events {
		switch {
		case e.Introduced != "":
			add("introduced", e.Introduced)
		case e.Fixed != "":
			add("fixed", e.Fixed)
		case e.LastAffected != "":
			add("last_affected", e.LastAffected)
		case e.Limit != "":
			limits = append(limits, e.Limit)
		}
	}
	// Events come in any order in the wild; the spec evaluates them sorted,
	// with introduced "0" below every version. Unparsable versions keep
	// their place.
	sort.SliceStable(evs, func(i, j int) bool {
		a, b := evs[i], evs[j]
		if a.ver == "0" || b.ver == "0" {
			return a.ver == "0" && b.ver != "0"
		}
		if a.pv.v == nil || b.pv.v == nil {
			return false
		}
		c, err := a.pv.v.Compare(b.pv.v)
		return err == nil && c < 0
	})
	affected := false
	for _, e := range evs {
		switch e.kind {
		case "introduced":
			if e.ver == "0" || cmpEv(v, e) >= 0 {
				affected = true
			}
		case "fixed":
			if cmpEv(v, e) >= 0 {
				affected = false
			}
		case "last_affected":
			if cmpEv(v, e) > 0 {
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
			if e.kind == "fixed" && cmpEv(v, e) == -1 {
				fixed = e.ver
				break
			}
		}
	}
	return affected, fixed
}

// cmpEv compares v with an event's version: -1, 0 or +1, or -2 when the
// event's version does not parse (which then neither opens nor closes).
func cmpEv(v Version, e event) int {
	if e.pv.v == nil {
		return -2
	}
	c, err := v.v.Compare(e.pv.v)
	if err != nil {
		return -2
	}
	return c
}
