package vulndb

import (
	"strings"

	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"
)

// Rating is the severity Warden gives a record, with where it came from.
type Rating struct {
	// Severity is "critical", "high", "medium", "low", "none" or "" when
	// neither a vector nor the database rates the record (Go's vulndb does
	// not rate severities at all).
	Severity string
	Score    float64
	Vector   string
}

// Rate computes the severity of a record. CVSS base scores are computed
// from the vectors (go-cvss, which implements the FIRST specifications,
// including v4.0's macro-vector lookup) rather than trusted from a number
// in the feed, because OSV carries only vectors. The newest CVSS version
// wins; a vector that does not parse falls through to the database's own
// word (GitHub's LOW/MODERATE/HIGH/CRITICAL).
func (r *Record) Rate() Rating {
	sevs := append([]Severity(nil), r.Severity...)
	for _, a := range r.Affected {
		sevs = append(sevs, a.Severity...)
	}
	best := Rating{}
	bestRank := 0
	for _, s := range sevs {
		score, ok := cvssScore(s.Type, s.Score)
		if !ok {
			continue
		}
		rank := map[string]int{"CVSS_V3": 1, "CVSS_V4": 2}[s.Type]
		if rank > bestRank || (rank == bestRank && score > best.Score) {
			best = Rating{Severity: scoreSeverity(score), Score: score, Vector: s.Score}
			bestRank = rank
		}
	}
	if bestRank > 0 {
		return best
	}
	raws := []jsonRaw{r.DatabaseSpecific}
	for _, a := range r.Affected {
		raws = append(raws, a.EcosystemSpecific, a.DatabaseSpecific)
	}
	if w := dbSeverity(raws...); w != "" {
		return Rating{Severity: wordSeverity(w)}
	}
	return Rating{}
}

// cvssScore computes the base score of a CVSS v3.0, v3.1 or v4.0 vector.
func cvssScore(typ, vector string) (float64, bool) {
	switch {
	case typ == "CVSS_V3" && strings.HasPrefix(vector, "CVSS:3.1/"):
		v, err := gocvss31.ParseVector(vector)
		if err != nil {
			return 0, false
		}
		return v.BaseScore(), true
	case typ == "CVSS_V3" && strings.HasPrefix(vector, "CVSS:3.0/"):
		v, err := gocvss30.ParseVector(vector)
		if err != nil {
			return 0, false
		}
		return v.BaseScore(), true
	case typ == "CVSS_V4":
		v, err := gocvss40.ParseVector(vector)
		if err != nil {
			return 0, false
		}
		return v.Score(), true
	}
	return 0, false
}

// scoreSeverity maps a CVSS score to the qualitative rating scale that
// CVSS v3.x and v4.0 share.
func scoreSeverity(score float64) string {
	switch {
	case score >= 9.0:
		return "critical"
	case score >= 7.0:
		return "high"
	case score >= 4.0:
		return "medium"
	case score > 0:
		return "low"
	}
	return "none"
}

// wordSeverity normalises a database's severity word. GitHub says MODERATE
// where CVSS says medium.
func wordSeverity(w string) string {
	switch strings.ToLower(strings.TrimSpace(w)) {
	case "critical":
		return "critical"
	case "high", "important":
		return "high"
	case "moderate", "medium":
		return "medium"
	case "low":
		return "low"
	case "none":
		return "none"
	}
	return ""
}
