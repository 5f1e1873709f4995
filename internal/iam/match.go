package iam

import "strings"

// globMatch matches IAM-style globs: "*" any run of characters, "?" exactly
// one. Callers lower-case both sides for actions; ARNs compare as written,
// because IAM compares resource ARNs case-sensitively.
func globMatch(p, s string) bool {
	px, sx := 0, 0
	star, mark := -1, 0
	for sx < len(s) {
		switch {
		case px < len(p) && (p[px] == '?' || p[px] == s[sx]):
			px++
			sx++
		case px < len(p) && p[px] == '*':
			star, mark = px, sx
			px++
		case star >= 0:
			px = star + 1
			mark++
			sx = mark
		default:
			return false
		}
	}
	for px < len(p) && p[px] == '*' {
		px++
	}
	return px == len(p)
}

// globCovers reports whether every string glob a matches is matched by glob
// p too. It reads a's wildcards as literal text that only p's "*" may
// absorb, which is sound (never claims coverage that does not hold) and
// exact for the shapes policies use ("arn:...:table/*" covers
// "arn:...:table/orders*"). Deny evaluation relies on soundness: a Deny that
// is not shown to cover a grant leaves the grant standing.
func globCovers(p, a string) bool {
	// A classic wildcard-pattern match where p's '?' may not consume a's '*'.
	px, ax := 0, 0
	star, mark := -1, 0
	for ax < len(a) {
		switch {
		case px < len(p) && p[px] != '*' && a[ax] != '*' && (p[px] == '?' || p[px] == a[ax]):
			px++
			ax++
		case px < len(p) && p[px] == '*':
			star, mark = px, ax
			px++
		case star >= 0:
			px = star + 1
			mark++
			ax = mark
		default:
			return false
		}
	}
	for px < len(p) && p[px] == '*' {
		px++
	}
	return px == len(p)
}

// MatchAction reports whether a policy action pattern covers an action,
// case-insensitively as IAM does ("S3:get*" covers "s3:GetObject").
func MatchAction(pattern, action string) bool {
	return globMatch(strings.ToLower(strings.TrimSpace(pattern)), strings.ToLower(action))
}

// arnSplit splits an ARN or ARN pattern into its six parts: "arn",
// partition, service, region, account and the resource part, which may
// itself hold colons and slashes.
func arnSplit(s string) ([]string, bool) {
	parts := strings.SplitN(s, ":", 6)
	return parts, len(parts) == 6 && parts[0] == "arn"
}

// MatchResource reports whether a policy Resource pattern matches a
// resource ARN (or another pattern treated as text). IAM matches the
// partition, service, region and account segments each on their own - a
// wildcard there stops at the next colon - while in the resource part "*"
// spans colons and slashes ("arn:aws:logs:*:*:log-group:/aws/lambda/*"
// covers every stream of every function log group).
func MatchResource(pattern, arn string) bool {
	if pattern == "*" {
		return true
	}
	pp, pok := arnSplit(pattern)
	ap, aok := arnSplit(arn)
	if !aok || !strings.HasPrefix(pattern, "arn:") {
		return globMatch(pattern, arn)
	}
	if !pok {
		// A short pattern ("arn:aws:s3:*"): its last segment takes the
		// rest of the ARN, the others still match one segment each.
		ap = strings.SplitN(arn, ":", len(pp))
	}
	for i := 1; i < len(pp); i++ {
		if !globMatch(pp[i], ap[i]) {
			return false
		}
	}
	return true
}

// resourceCovers reports whether pattern p covers every resource pattern a
// matches: the question a Deny asks of a grant.
func resourceCovers(p, a string) bool {
	if p == "*" {
		return true
	}
	if a == "*" {
		return false
	}
	pp, pok := arnSplit(p)
	ap, aok := arnSplit(a)
	if !pok || !aok {
		return globCovers(p, a)
	}
	for i := 1; i < 6; i++ {
		if !globCovers(pp[i], ap[i]) {
			return false
		}
	}
	return true
}

// resourceOverlaps reports whether two resource patterns can match a common
// resource. It errs towards true: callers use it to decide that a grant may
// reach a resource, and claiming a reach that is not there costs a finding,
// while missing one costs a vulnerability.
func resourceOverlaps(a, b string) bool {
	if a == "*" || b == "*" {
		return true
	}
	ap, aok := arnSplit(a)
	bp, bok := arnSplit(b)
	if !aok || !bok {
		return globOverlaps(a, b)
	}
	for i := 1; i < 6; i++ {
		if !globOverlaps(ap[i], bp[i]) {
			return false
		}
	}
	return true
}

// globOverlaps is an approximation of glob intersection: the literal
// prefixes before the first wildcard must agree, and so must the literal
// suffixes after the last one.
func globOverlaps(a, b string) bool {
	if !strings.ContainsAny(a, "*?") {
		return globMatch(b, a)
	}
	if !strings.ContainsAny(b, "*?") {
		return globMatch(a, b)
	}
	pa, pb := literalPrefix(a), literalPrefix(b)
	n := min(len(pa), len(pb))
	if pa[:n] != pb[:n] {
		return false
	}
	sa, sb := literalSuffix(a), literalSuffix(b)
	m := min(len(sa), len(sb))
	return sa[len(sa)-m:] == sb[len(sb)-m:]
}

func literalPrefix(s string) string {
	if i := strings.IndexAny(s, "*?"); i >= 0 {
		return s[:i]
	}
	return s
}

func literalSuffix(s string) string {
	if i := strings.LastIndexAny(s, "*?"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// IsWideResource reports whether a Resource pattern names every resource of
// some type rather than particular ones: "*", "arn:aws:s3:::*",
// "arn:aws:dynamodb:*:*:table/*", "arn:aws:lambda:*:*:function:*", but not
// "arn:aws:s3:::uploads/*" or "arn:aws:ssm:*:*:parameter/prod/*". It uses
// the ARN templates of the catalogue to know where the resource name starts
// in each service's ARNs, so it needs no per-service table.
func IsWideResource(pattern string) bool {
	if pattern == "*" {
		return true
	}
	parts, ok := arnSplit(pattern)
	if !ok {
		return strings.HasPrefix(pattern, "*")
	}
	if strings.ContainsAny(parts[2], "*?") {
		return true // any service
	}
	res := strings.ToLower(parts[5])
	if strings.HasPrefix(res, "*") {
		return true
	}
	svc, ok := Catalogue().Service(parts[2])
	if !ok {
		return false
	}
	for _, pre := range svc.scopePrefixes {
		if pre != "" && strings.HasPrefix(res, pre) && strings.HasPrefix(res[len(pre):], "*") {
			return true
		}
		// A resource type "*" in the prefix position ("*/orders") is
		// scoped by name, not wide.
	}
	return false
}
