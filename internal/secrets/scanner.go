// Package secrets finds hard-coded secrets (SAS-7) in a project's code and
// configuration files: cloud keys, private keys, provider tokens, passwords in
// connection strings and JWT signing secrets.
//
// Detection is gitleaks' maintained rule set (222 rules, with its entropy
// thresholds and allowlists), extended with Warden rules for what serverless
// projects leak and gitleaks does not look for. gitleaks' library API is not
// semver-stable and its positions are inconsistent (0-based lines from
// DetectString, columns off by one after the first line), so it is used only
// behind SecretScanner, which returns Warden's own Finding with 1-based
// positions of the secret itself and a redacted form: a Finding never holds
// the full secret, so nothing downstream can print it.
package secrets

import (
	"fmt"
	"math"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/rs/zerolog"
	"github.com/zricethezav/gitleaks/v8/detect"
	"github.com/zricethezav/gitleaks/v8/logging"
	"github.com/zricethezav/gitleaks/v8/report"

	"github.com/wardensec/warden/internal/model"
)

// Pos is a 1-based line and column (in characters) in a file.
type Pos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

// Finding is one secret found in one file.
type Finding struct {
	// Rule is the detector: a gitleaks rule ID or a warden-* rule.
	Rule        string
	Description string
	// Pos is where the secret starts, not where the rule's match starts
	// (gitleaks matches include the variable name).
	Pos Pos
	// Redacted is a short prefix and the length; Prefix and Length are its parts.
	Redacted string
	Prefix   string
	Length   int
	Entropy  float64
	// Class is one of the model.Secret* classes.
	Class string
	File  string
	// Pair is the position of the other half of an AWS access key pair.
	Pair *Pos
}

// SecretScanner finds secrets in the content of one file. path is relative
// to the scan root with forward slashes; detectors use it for path-based
// allowlists and to tell code from configuration.
type SecretScanner interface {
	ScanFile(path string, data []byte) []Finding
}

// gitleaksScanner is the SecretScanner built on a gitleaks detector, plus
// Warden's line rules.
type gitleaksScanner struct {
	d     *detect.Detector
	rules []lineRule
}

var (
	defaultOnce    sync.Once
	defaultScanner *gitleaksScanner
	defaultErr     error
)

// New returns the gitleaks-backed scanner with gitleaks' default rules and
// Warden's own. Building the detector compiles a few hundred regular
// expressions (about 100 ms), so it is built once per process and shared;
// it is safe for concurrent use.
func New() (SecretScanner, error) {
	defaultOnce.Do(func() {
		// gitleaks logs through a global zerolog logger, at trace level with
		// the secret in the event. Silence it so that no log line can
		// carry a secret to the terminal or CI logs.
		logging.Logger = zerolog.Nop()
		d, err := detect.NewDetectorDefaultConfig()
		if err != nil {
			defaultErr = fmt.Errorf("load gitleaks default rules: %w", err)
			return
		}
		defaultScanner = &gitleaksScanner{d: d, rules: wardenRules()}
	})
	if defaultErr != nil {
		return nil, defaultErr
	}
	return defaultScanner, nil
}

// candidate is one match of either engine, before Warden's filters.
type candidate struct {
	rule, description string
	secret, match     string
	entropy           float64
	pos               Pos
}

// ScanFile runs the detector over one file and maps its results to
// Findings, dropping placeholders and values that only look like secrets in
// their context (see keep).
func (s *gitleaksScanner) ScanFile(p string, data []byte) []Finding {
	if len(data) == 0 {
		return nil
	}
	content := string(data)
	lines := strings.Split(content, "\n")
	var cands []candidate
	// Detect is the only entry point that takes a path (needed for
	// gitleaks' path allowlists) without reading files itself; its
	// Fragment type is deprecated in favour of sources.Fragment in v9.
	//lint:ignore SA1019 no non-deprecated equivalent in v8.30
	for _, g := range s.d.Detect(detect.Fragment{Raw: content, FilePath: p}) {
		// Some gitleaks rules (hashicorp-tf-password) capture the quotes
		// around the value; the secret is what is inside them.
		if t := strings.Trim(g.Secret, "\"'`"); len(t) > 0 {
			g.Secret = t
		}
		pos, ok := locate(lines, g)
		if !ok {
			continue
		}
		cands = append(cands, candidate{rule: g.RuleID, description: g.Description, secret: g.Secret, match: g.Match, entropy: float64(g.Entropy), pos: pos})
	}
	cands = append(cands, s.wardenPass(p, content, lines)...)

	var out []Finding
	seen := map[Pos]int{} // index in out
	for _, c := range cands {
		if c.secret == "" || !keep(p, c) {
			continue
		}
		f := Finding{
			Rule:        c.rule,
			Description: c.description,
			Pos:         c.pos,
			Entropy:     math.Round(c.entropy*100) / 100,
			Class:       classify(c.rule),
			File:        p,
		}
		f.Prefix, f.Length, f.Redacted = Redact(c.secret)
		// Two rules on the same secret (a Warden rule and a gitleaks one):
		// keep the more specific, i.e. the more severe class.
		if i, dup := seen[c.pos]; dup {
			if classRank(f.Class) < classRank(out[i].Class) || classRank(f.Class) == classRank(out[i].Class) && f.Rule < out[i].Rule {
				out[i] = f
			}
			continue
		}
		seen[c.pos] = len(out)
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Pos != out[j].Pos {
			return out[i].Pos.Line < out[j].Pos.Line || out[i].Pos.Line == out[j].Pos.Line && out[i].Pos.Column < out[j].Pos.Column
		}
		return out[i].Rule < out[j].Rule
	})
	pairAWS(out)
	return out
}

// wardenPass runs Warden's rules, each only on the lines that hold one of
// its keywords: run over whole files, their case-insensitive patterns cost
// as much as all of gitleaks' rules together. gitleaks' global allowlists
// (paths, stopwords, ${VAR}-style values) and `gitleaks:allow` comments
// apply to them as they do to gitleaks' own rules.
func (s *gitleaksScanner) wardenPass(p, content string, lines []string) []candidate {
	lower := strings.ToLower(content)
	var lowerLines []string
	var out []candidate
	for _, r := range s.rules {
		present := false
		for _, k := range r.keywords {
			if strings.Contains(lower, k) {
				present = true
				break
			}
		}
		if !present {
			continue
		}
		if s.pathAllowed(p) {
			return nil
		}
		if lowerLines == nil {
			lowerLines = make([]string, len(lines))
			for i, l := range lines {
				lowerLines[i] = strings.ToLower(l)
			}
		}
		for i, l := range lines {
			hit := false
			for _, k := range r.keywords {
				if strings.Contains(lowerLines[i], k) {
					hit = true
					break
				}
			}
			if !hit || strings.Contains(l, "gitleaks:allow") {
				continue
			}
			for _, m := range r.re.FindAllStringSubmatchIndex(l, -1) {
				start, end := -1, -1
				for g := 2; g+1 < len(m); g += 2 {
					if m[g] >= 0 && m[g+1] > m[g] {
						start, end = m[g], m[g+1]
						break
					}
				}
				if start < 0 {
					continue
				}
				c := candidate{rule: r.id, description: r.description, secret: l[start:end], match: l[m[0]:m[1]],
					pos: Pos{Line: i + 1, Column: utf8.RuneCountInString(l[:start]) + 1}}
				c.entropy = shannon(c.secret)
				if (r.entropy > 0 && c.entropy <= r.entropy) || (r.allow != nil && r.allow.MatchString(c.secret)) || s.allowed(c, l) {
					continue
				}
				out = append(out, c)
			}
		}
	}
	return out
}

// pathAllowed applies gitleaks' global path allowlist (vendored code, lock
// files, binary formats).
func (s *gitleaksScanner) pathAllowed(p string) bool {
	for _, a := range s.d.Config.Allowlists {
		if a.PathAllowed(p) {
			return true
		}
	}
	return false
}

// allowed applies gitleaks' global value allowlists and stopwords.
func (s *gitleaksScanner) allowed(c candidate, line string) bool {
	for _, a := range s.d.Config.Allowlists {
		target := c.secret
		switch a.RegexTarget {
		case "match":
			target = c.match
		case "line":
			target = line
		}
		if a.RegexAllowed(target) {
			return true
		}
		if stop, _ := a.ContainsStopWord(c.secret); stop {
			return true
		}
	}
	return false
}

// shannon is the Shannon entropy of s in bits per byte, as gitleaks
// computes it.
func shannon(s string) float64 {
	if s == "" {
		return 0
	}
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	var h float64
	n := float64(len(s))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// locate finds where the secret itself starts. gitleaks reports the line of
// the match 0-based (DetectString) and a column that is off by one after
// the first line, and the match includes the variable name, so the column
// is recomputed here from the text: the match's first line is searched in
// the reported line (near gitleaks' column when it occurs more than once),
// then the secret inside the match.
func locate(lines []string, g report.Finding) (Pos, bool) {
	li := g.StartLine
	if li < 0 || li >= len(lines) {
		return Pos{}, false
	}
	line := lines[li]
	firstLine := func(s string) string {
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			s = s[:i]
		}
		return strings.TrimSuffix(s, "\r")
	}
	match, secret := firstLine(g.Match), firstLine(g.Secret)
	mi := nearest(line, match, g.StartColumn-1)
	if mi < 0 {
		mi = 0
	}
	si := -1
	if secret != "" {
		if j := strings.Index(line[mi:], secret); j >= 0 {
			si = mi + j
		} else {
			si = strings.Index(line, secret)
		}
	}
	if si < 0 {
		return Pos{}, false
	}
	return Pos{Line: li + 1, Column: utf8.RuneCountInString(line[:si]) + 1}, true
}

// nearest returns the byte offset of the occurrence of sub in s closest to
// hint, or -1.
func nearest(s, sub string, hint int) int {
	if sub == "" {
		return -1
	}
	best, from := -1, 0
	for {
		i := strings.Index(s[from:], sub)
		if i < 0 {
			return best
		}
		i += from
		if best < 0 || abs(i-hint) < abs(best-hint) {
			best = i
		}
		from = i + 1
		if from >= len(s) {
			return best
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// Redact returns what may be shown of a secret: a prefix of at most four
// characters and never more than a quarter of it (short passwords show
// none), and the length. Private keys show their BEGIN line, which is not
// secret and says what kind of key it is.
func Redact(secret string) (prefix string, length int, redacted string) {
	length = utf8.RuneCountInString(secret)
	if strings.HasPrefix(secret, "-----BEGIN") {
		// Only a real key block: a header alone would be shown whole.
		if i := strings.Index(secret[5:], "-----"); i >= 0 && i <= 60 && len(secret)-(5+i+5) >= 32 {
			prefix = secret[:5+i+5]
			return prefix, length, fmt.Sprintf("%s**** (%d chars)", prefix, length)
		}
	}
	n := min(4, length/4)
	if length < 8 {
		n = 0
	}
	// Cut after n characters on the original bytes, so that the prefix is
	// a prefix of the secret even when the secret is not valid UTF-8.
	end := 0
	for i := 0; i < n; i++ {
		_, size := utf8.DecodeRuneInString(secret[end:])
		end += size
	}
	prefix = secret[:end]
	return prefix, length, fmt.Sprintf("%s**** (%d chars)", prefix, length)
}

// classify maps a detector to a model secret class. Cloud credentials are
// keys to a whole cloud account; a Google API key (AIza...) is a project
// key usually restricted to some APIs, so it counts as a provider token.
func classify(rule string) string {
	switch {
	case rule == ruleAWSSecret || rule == "aws-access-token" || rule == "alibaba-secret-key" ||
		rule == "azure-ad-client-secret" || rule == "yandex-aws-access-token" ||
		strings.HasPrefix(rule, "aws-amazon-bedrock"):
		return model.SecretCloud
	case rule == "private-key" || rule == "age-secret-key" || rule == "pkcs12-file":
		return model.SecretPrivateKey
	case rule == ruleConnURL || rule == ruleConnADO || strings.HasSuffix(rule, "-password"):
		return model.SecretPassword
	case rule == ruleJWTName || rule == ruleJWTCall:
		return model.SecretSigningKey
	case strings.HasPrefix(rule, "generic"):
		return model.SecretGeneric
	}
	return model.SecretToken
}

func classRank(c string) int {
	switch c {
	case model.SecretCloud:
		return 0
	case model.SecretPrivateKey:
		return 1
	case model.SecretPassword:
		return 2
	case model.SecretSigningKey:
		return 3
	case model.SecretToken:
		return 4
	}
	return 5
}

// pairLines is how close an AWS key ID and a secret access key must be to
// count as one credential: the two lines of a credentials file, an
// environment block, or the arguments of one boto3.client call.
const pairLines = 5

// pairAWS links AWS key IDs and secret access keys that sit together in the
// file. A key pair is a working credential, which the rule rates critical; a
// lone key ID is only half of one.
func pairAWS(fs []Finding) {
	for i := range fs {
		if fs[i].Rule != "aws-access-token" {
			continue
		}
		for j := range fs {
			if fs[j].Rule == ruleAWSSecret && fs[j].Pair == nil && abs(fs[j].Pos.Line-fs[i].Pos.Line) <= pairLines {
				pi, pj := fs[i].Pos, fs[j].Pos
				fs[i].Pair, fs[j].Pair = &pj, &pi
				break
			}
		}
	}
}

// testPath matches files that hold tests and fixtures, where generic
// high-entropy values are mostly made-up data.
var testPath = regexp.MustCompile(`(?i)(?:^|/)(?:tests?|__tests__|specs?|fixtures?|mocks?|__mocks__|testdata)/|(?:^|/)test_[^/]*\.py$|_test\.(?:go|py)$|\.(?:test|spec)\.[cm]?[jt]sx?$`)

// hashContext matches lines where a generic match is a digest, not a key.
var hashContext = regexp.MustCompile(`(?i)(?:integrity|checksum|sha(?:1|256|384|512)?|hash|digest|etag|fingerprint|nonce)\b`)

// configExt are files where an unquoted value is a literal; in code it is an
// expression (a variable, a call), so unquoted matches there are dropped.
var configExt = map[string]bool{".env": true, ".yml": true, ".yaml": true, ".ini": true, ".properties": true, ".toml": true, ".cfg": true, ".conf": true}

// keep applies Warden's context on top of gitleaks' allowlists: placeholder
// values are never secrets; generic matches in tests need a higher entropy
// and are never digests; Warden's name-based rules accept unquoted values
// only in configuration files.
func keep(p string, c candidate) bool {
	if isPlaceholder(c.secret) {
		return false
	}
	if strings.HasPrefix(c.rule, "generic") {
		if testPath.MatchString(p) && c.entropy < 4.0 {
			return false
		}
		if hashContext.MatchString(c.match) || hasRun(c.secret, 5) {
			return false
		}
		// obj1KeysLength = obj1Keys.length: an unquoted dotted name in code
		// is an expression.
		if !quoted(c.match, c.secret) && !isConfigFile(p) && codeRef.MatchString(c.secret) {
			return false
		}
	}
	if c.rule == ruleJWTName && !quoted(c.match, c.secret) {
		// Unquoted, a value in code is an expression (a variable, a type
		// annotation); in a configuration file it is a literal, unless it
		// reads like a dotted reference.
		if !isConfigFile(p) || codeRef.MatchString(c.secret) {
			return false
		}
	}
	if c.rule == ruleConnURL {
		// user:user@ is a local development default, not a leaked credential.
		if u := connUser.FindStringSubmatch(c.match); u != nil && strings.EqualFold(u[1], c.secret) {
			return false
		}
	}
	return true
}

// hasRun reports whether s holds n consecutive ascending characters
// ("12345", "abcde"): made-up values ("bench-key-0123456789") have them,
// random keys practically never (about one in 36^4 per position).
func hasRun(s string, n int) bool {
	run := 1
	for i := 1; i < len(s); i++ {
		if s[i] == s[i-1]+1 && isAlnum(s[i]) && isAlnum(s[i-1]) {
			if run++; run >= n {
				return true
			}
		} else {
			run = 1
		}
	}
	return false
}

func isAlnum(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

func isConfigFile(p string) bool {
	base := path.Base(p)
	return configExt[path.Ext(base)] || strings.HasPrefix(base, ".env") || base == "credentials"
}

// quoted reports whether the secret is enclosed in quotes in the match.
func quoted(match, secret string) bool {
	i := strings.Index(match, secret)
	if i <= 0 {
		return false
	}
	switch match[i-1] {
	case '"', '\'', '`':
		return true
	}
	return false
}

// codeRef matches values that are references in code, not literals:
// process.env.X, config.jwt.secret, settings.SECRET.
var codeRef = regexp.MustCompile(`^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$`)

var connUser = regexp.MustCompile(`://([^:@/\s'"]+):`)

// placeholderRE matches values that stand in for a secret: template and
// shell interpolations, angle-bracket and curly placeholders, format verbs,
// masks, store references, and the usual dummy words.
var placeholderRE = regexp.MustCompile(`(?i)^(?:` +
	`.*\$\{.*|.*\{\{.*|\$[A-Za-z_]\w*|%[A-Za-z_]\w*%|<[^>]*>|\[[^\]]*\]|\{[\w.-]*\}|%[sdv]|%\(\w+\)s|:\w+|` +
	`[*x.#-]+|` +
	`(?:arn|ssm|secretsmanager|vault|kms|projects|resolve):.*|@microsoft\.keyvault\(.*|` +
	`(?:my|your|the|some|a|an|dummy|fake|sample|example|test|placeholder|default|dev|local)?[_-]?(?:secret|password|passwd|pass|pwd|token|key|api[_-]?key|jwt[_-]?secret|value|here)(?:[_-]?(?:here|goes[_-]?here|value))?|` +
	`change[_-]?me|changeit|replace[_-]?me|todo|tbd|fixme|redacted|removed|none|null|nil|undefined|empty|example|sample|dummy|fake|test|testing|secret123|password123|admin|root|guest|postgres|mysql|user|username` +
	`)$`)

// isPlaceholder reports whether v is a stand-in rather than a secret.
func isPlaceholder(v string) bool {
	v = strings.TrimSpace(v)
	if len(v) < 3 {
		return true
	}
	return placeholderRE.MatchString(v)
}

// Warden's own rule IDs.
const (
	ruleAWSSecret = "warden-aws-secret-access-key"
	ruleConnURL   = "warden-connection-string-password"
	ruleConnADO   = "warden-ado-connection-string-password"
	ruleJWTName   = "warden-jwt-signing-secret"
	ruleJWTCall   = "warden-jwt-literal-key"
)

// lineRule is one of Warden's detectors: a pattern whose first non-empty
// capture group is the secret, run on the lines holding a keyword.
type lineRule struct {
	id, description string
	re              *regexp.Regexp
	keywords        []string // lower case
	entropy         float64  // minimum Shannon entropy of the secret, 0 for none
	allow           *regexp.Regexp
}

// wardenRules are detectors gitleaks does not have.
func wardenRules() []lineRule {
	return []lineRule{
		{
			id:          ruleAWSSecret,
			description: "AWS secret access key assigned to a telling name",
			// The 40-character secret key under a name that says what it is:
			// aws_secret_access_key, AWS_SECRET_ACCESS_KEY, secretAccessKey,
			// SecretAccessKey, and secret_key (the Terraform AWS provider):
			// in code, credentials files, env blocks and HCL. Exactly 40
			// base64 characters is the AWS secret key's shape.
			re:       regexp.MustCompile(`(?i)(?:aws[\w.-]{0,20}secret[\w.-]{0,10}key|secret[_.-]?access[_.-]?key|\bsecret[_.-]?key)["'\]]{0,2}\s*(?::|=|=>|:=)\s*["'\x60]?([A-Za-z0-9/+]{40})(?:["'\x60\s;,)}]|\\[nr]|$)`),
			keywords: []string{"secret"},
			entropy:  3.5,
			// AWS documentation's example keys end in EXAMPLE / EXAMPLEKEY.
			allow: regexp.MustCompile(`EXAMPLE`),
		},
		{
			id:          ruleConnURL,
			description: "Password in a database or broker connection URL",
			// postgres://user:pass@host, mongodb+srv://, mysql://, redis://,
			// amqp://, jdbc:postgresql://, SQLAlchemy dialect+driver://.
			re:       regexp.MustCompile(`(?i)\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|oracle|cockroachdb|clickhouse|neo4j(?:\+s)?|couchdb|ldaps?|s?ftp|smtps?)(?:\+[a-z0-9]+)?://[^:@/\s'"\x60]{1,100}:([^@/\s'"\x60]{3,200})@[^\s'"\x60/]{1,200}`),
			keywords: []string{"://"},
		},
		{
			id:          ruleConnADO,
			description: "Password in an ADO.NET / ODBC connection string",
			re:          regexp.MustCompile(`(?i)\b(?:server|data source|host|address|addr)\s*=[^;'"\x60\n]{1,200};[^'"\x60\n]{0,300}?\b(?:password|pwd)\s*=\s*([^;'"\x60\n]{3,200})|\b(?:password|pwd)\s*=\s*([^;'"\x60\n]{3,200});[^'"\x60\n]{0,300}?\b(?:server|data source)\s*=`),
			keywords:    []string{"password", "pwd"},
		},
		{
			id:          ruleJWTName,
			description: "JWT or session signing secret assigned to a telling name",
			// JWT_SECRET = "...", jwtSecret: '...', app.config['SECRET_KEY'],
			// SESSION_SECRET=..., var jwtKey = []byte("..."). The name must end
			// there (\b), so jwtSecretArn and JWT_SECRET_NAME are not matched.
			re:       regexp.MustCompile(`(?i)(?:jwt[_.-]?(?:secret(?:[_.-]?key)?|key|signing[_.-]?key|sign(?:ing)?[_.-]?secret|token[_.-]?secret)|(?:token|signing|hmac|session|cookie|auth|app)[_.-]?secret(?:[_.-]?key)?|(?:signing|hmac)[_.-]?key|secret[_.-]?key(?:[_.-]?base)?)\b["'\]]{0,2}(?:\s*:\s*[A-Za-z_][\w.<>\[\]| ]{0,40}?)?\s*(?::|=|=>|:=|\?\?=|\|\|=)\s*(?:\[\]byte\()?(?:["'\x60]([^"'\x60\n]{6,200})["'\x60]|([^\s"'\x60,;(){}\[\]#]{6,200})(?:[\s#;,]|$))`),
			keywords: []string{"jwt", "secret", "signing", "hmac"},
		},
		{
			id:          ruleJWTCall,
			description: "Literal key passed to a JWT sign or verify call",
			re:          regexp.MustCompile(`\bjwt\.(?:sign|encode|verify|decode)\(\s*(?:[\w$.\[\]'"]+|\{[^{}\n]{0,200}\})\s*,\s*(?:\[\]byte\()?["'\x60]([^"'\x60\n]{4,200})["'\x60]`),
			keywords:    []string{"jwt."},
		},
	}
}
