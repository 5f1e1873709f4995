package authn

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wardensec/warden/internal/gateway/confpath"
)

// Method names accepted in RouteConfig.Methods.
const (
	MethodJWT    = "jwt"
	MethodAPIKey = "apikey"
	MethodMTLS   = "mtls"
	MethodNone   = "none" // the route is public
)

// Defaults and caps. The leeway cap follows RFC 8725 practice: clock skew
// between an IdP and a gateway is seconds, and a large leeway silently
// extends every token's life.
const (
	DefaultMaxTokenBytes      = 8 << 10
	DefaultRefreshInterval    = 15 * time.Minute
	DefaultMinRefreshInterval = 30 * time.Second
	DefaultFetchTimeout       = 5 * time.Second
	DefaultAPIKeyHeader       = "X-API-Key"
	MaxLeeway                 = 60 * time.Second
	maxJWKSBytes              = 1 << 20
	maxAPIKeyBytes            = 1 << 10
)

// Config is the `authn` section of gateway.yaml.
type Config struct {
	// DefaultMethods applies to routes whose RouteConfig.Methods is empty.
	// When both are empty Wrap refuses the route: a route is public only
	// when the config says so ([none]), never by omission.
	DefaultMethods []string     `yaml:"default_methods"`
	JWT            JWTConfig    `yaml:"jwt"`
	APIKey         APIKeyConfig `yaml:"api_key"`
	MTLS           MTLSConfig   `yaml:"mtls"`
	// Consumers are the known callers. The gateway core may fill this from
	// a top-level `consumers:` section.
	Consumers []Consumer `yaml:"consumers"`
}

// JWTConfig configures bearer-token authentication.
type JWTConfig struct {
	// MaxTokenBytes caps the token length before any parsing, so that
	// pathological tokens cost nothing. Default 8 KiB.
	MaxTokenBytes int            `yaml:"max_token_bytes"`
	Issuers       []IssuerConfig `yaml:"issuers"`
	// TokenCache configures the verified-token cache shared by all
	// issuers (on by default; see cache.go for what a hit must satisfy).
	TokenCache TokenCacheConfig `yaml:"token_cache"`
}

// TokenCacheConfig configures the verified-token cache. Globally (under
// jwt) all three fields apply; per issuer only max_ttl and disabled do, as
// the size bound is one for the whole cache.
type TokenCacheConfig struct {
	// Size is the maximum number of cached tokens. Default 10000.
	Size int `yaml:"size"`
	// MaxTTL caps how long one verification is reused, whatever the
	// token's exp says. Default 5m, at most 1h.
	MaxTTL time.Duration `yaml:"max_ttl"`
	// Disabled turns the cache off (globally, or for one issuer).
	Disabled bool `yaml:"disabled"`
}

// IssuerConfig describes one trusted token issuer. Each issuer is bound to
// its own key set: a token claiming issuer A is only ever checked against
// A's keys.
type IssuerConfig struct {
	// Name is how routes refer to the issuer; defaults to Issuer.
	Name string `yaml:"name"`
	// Issuer is the exact `iss` value tokens must carry.
	Issuer string `yaml:"issuer"`
	// JWKSURL is where the keys are. When empty the keys are found through
	// OIDC discovery at Issuer + "/.well-known/openid-configuration".
	JWKSURL string `yaml:"jwks_url"`
	// Audiences: the token's `aud` must contain at least one of them.
	Audiences []string `yaml:"audiences"`
	// Algorithms is the allowlist. Only asymmetric algorithms are accepted:
	// keys come from a published JWKS, and an HMAC "key" that is public
	// is the classic RS256→HS256 confusion attack.
	Algorithms []string `yaml:"algorithms"`
	// Types, when set, is an allowlist for the JWS `typ` header (compared
	// case-insensitively, "application/" prefix ignored), e.g. [at+jwt]
	// so that an ID token cannot be replayed as an access token (RFC 9068).
	Types []string `yaml:"types"`
	// Leeway tolerates clock skew on exp, nbf and iat. At most 60s.
	Leeway time.Duration `yaml:"leeway"`
	// MaxAge, when set, rejects tokens whose iat is older than this.
	MaxAge time.Duration `yaml:"max_age"`
	// RefreshInterval is how often the key set is refetched. Default 15m.
	RefreshInterval time.Duration `yaml:"refresh_interval"`
	// MinRefreshInterval rate-limits refetches caused by unknown `kid`s,
	// so random kids cannot make the gateway hammer the IdP. Default 30s.
	MinRefreshInterval time.Duration `yaml:"min_refresh_interval"`
	// RolesClaim is a claim name or dotted path (realm_access.roles) whose
	// string or string-array value becomes Identity.Roles.
	RolesClaim string `yaml:"roles_claim"`
	// ConsumerClaim names the claim used as Identity.Consumer (default sub).
	ConsumerClaim string `yaml:"consumer_claim"`
	// InsecureHTTP allows http:// discovery and JWKS URLs. Only for tests
	// and loopback IdPs: over plain HTTP anyone on path can swap the keys.
	InsecureHTTP bool `yaml:"insecure_http"`
	// TokenCache overrides jwt.token_cache's max_ttl or disables caching
	// for this issuer's tokens. Nil inherits the global settings.
	TokenCache *TokenCacheConfig `yaml:"token_cache"`
}

// APIKeyConfig says where API keys are read from.
type APIKeyConfig struct {
	// Header carrying the key. Default X-API-Key.
	Header string `yaml:"header"`
	// Query parameter carrying the key. Off by default because query
	// strings end up in access logs and browser history.
	Query string `yaml:"query"`
}

// MTLSConfig configures client-certificate authentication. The listener
// does the chain verification: the gateway's server loads ClientCAFile into
// its TLS config (unless the listener names its own tls.client_ca_file).
type MTLSConfig struct {
	// ClientCAFile is a PEM bundle of CAs allowed to issue client certs.
	ClientCAFile string `yaml:"client_ca_file"`
	// RequireKnown rejects verified certificates that match no consumer.
	RequireKnown bool `yaml:"require_known"`
}

// Consumer is a known caller.
type Consumer struct {
	Name string `yaml:"name"`
	// APIKeySHA256 holds hex SHA-256 digests of the consumer's keys (several
	// allow rotation). Plain keys never appear in the config.
	APIKeySHA256 []string `yaml:"api_key_sha256"`
	// MTLSSubjects are certificate identities (subject CN, DNS/URI/email
	// SAN, or the full subject DN) that map to this consumer.
	MTLSSubjects []string `yaml:"mtls_subjects"`
	// Scopes and Roles are granted to the consumer when it authenticates
	// with an API key or a certificate, so authz works the same way for
	// every method.
	Scopes []string `yaml:"scopes"`
	Roles  []string `yaml:"roles"`
}

// RouteConfig is the per-route `authn` override.
type RouteConfig struct {
	// Methods accepted on the route, tried in order: jwt, apikey, mtls, or
	// [none] for a public route. Empty inherits Config.DefaultMethods.
	Methods []string `yaml:"methods"`
	// Issuers restricts JWTs to these issuer names. Empty allows all.
	Issuers []string `yaml:"issuers"`
}

var asymmetricAlgs = map[string]bool{
	"RS256": true, "RS384": true, "RS512": true,
	"PS256": true, "PS384": true, "PS512": true,
	"ES256": true, "ES384": true, "ES512": true,
	"EdDSA": true,
}

func (c *IssuerConfig) name() string {
	if c.Name != "" {
		return c.Name
	}
	return c.Issuer
}

// Validate checks the section; paths are relative to it.
func (c *Config) Validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	for i, m := range c.DefaultMethods {
		add(checkMethod(fmt.Sprintf("default_methods[%d]", i), m, c.DefaultMethods))
	}
	if c.JWT.MaxTokenBytes < 0 || c.JWT.MaxTokenBytes > 64<<10 {
		add(confpath.Errorf("jwt.max_token_bytes", "must be between 1 and 65536 (0 means %d)", DefaultMaxTokenBytes))
	}
	add(c.JWT.TokenCache.validate("jwt.token_cache", true))
	names := map[string]bool{}
	for i := range c.JWT.Issuers {
		ic := &c.JWT.Issuers[i]
		p := fmt.Sprintf("jwt.issuers[%d]", i)
		add(confpath.Prefix(p, ic.Validate()))
		if names[ic.name()] {
			add(confpath.Errorf(p+".name", "duplicate issuer name %q", ic.name()))
		}
		names[ic.name()] = true
	}
	if h := c.APIKey.Header; h != "" && !validHeaderName(h) {
		add(confpath.Errorf("api_key.header", "%q is not a valid header name", h))
	}
	if strings.EqualFold(c.APIKey.Header, "Authorization") {
		add(confpath.Errorf("api_key.header", "Authorization is reserved for bearer tokens"))
	}
	seenC := map[string]bool{}
	seenH := map[string]string{}
	for i, cons := range c.Consumers {
		p := fmt.Sprintf("consumers[%d]", i)
		if cons.Name == "" {
			add(confpath.Errorf(p+".name", "is required"))
		} else if seenC[cons.Name] {
			add(confpath.Errorf(p+".name", "duplicate consumer %q", cons.Name))
		}
		seenC[cons.Name] = true
		for j, h := range cons.APIKeySHA256 {
			hp := fmt.Sprintf("%s.api_key_sha256[%d]", p, j)
			b, err := hex.DecodeString(h)
			if err != nil || len(b) != 32 {
				add(confpath.Errorf(hp, "must be a 64-character hex SHA-256 digest of the key, not the key itself"))
				continue
			}
			k := strings.ToLower(h)
			if other, ok := seenH[k]; ok {
				add(confpath.Errorf(hp, "same key hash as consumer %q", other))
			}
			seenH[k] = cons.Name
		}
	}
	return errors.Join(errs...)
}

// Validate checks one issuer.
func (c *IssuerConfig) Validate() error {
	var errs []error
	add := func(path, f string, a ...any) { errs = append(errs, confpath.Errorf(path, f, a...)) }
	if c.Issuer == "" {
		add("issuer", "is required")
	}
	if c.JWKSURL == "" {
		if err := checkURL(c.Issuer, c.InsecureHTTP); err != nil && c.Issuer != "" {
			add("issuer", "discovery needs an absolute URL: %v (or set jwks_url)", err)
		}
	} else if err := checkURL(c.JWKSURL, c.InsecureHTTP); err != nil {
		add("jwks_url", "%v", err)
	}
	if len(c.Audiences) == 0 {
		add("audiences", "at least one audience is required: without it a token minted for another API would be accepted")
	}
	if len(c.Algorithms) == 0 {
		add("algorithms", "an explicit allowlist is required, e.g. [RS256]")
	}
	for i, a := range c.Algorithms {
		p := fmt.Sprintf("algorithms[%d]", i)
		switch {
		case strings.EqualFold(a, "none"):
			add(p, "\"none\" is never allowed")
		case strings.HasPrefix(strings.ToUpper(a), "HS"):
			add(p, "%s is refused: keys come from a public JWKS, and HMAC with a public key is the key-confusion attack", a)
		case !asymmetricAlgs[a]:
			add(p, "unsupported algorithm %q (use RS*, PS*, ES* or EdDSA)", a)
		}
	}
	if c.Leeway < 0 || c.Leeway > MaxLeeway {
		add("leeway", "must be between 0 and %s", MaxLeeway)
	}
	if c.MaxAge < 0 {
		add("max_age", "must not be negative")
	}
	if c.RefreshInterval != 0 && c.RefreshInterval < time.Minute {
		add("refresh_interval", "must be at least 1m")
	}
	if c.MinRefreshInterval != 0 && c.MinRefreshInterval < time.Second {
		add("min_refresh_interval", "must be at least 1s")
	}
	if c.TokenCache != nil {
		if err := c.TokenCache.validate("token_cache", false); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// validate checks a token_cache section at path; global says whether size
// may be set there.
func (c *TokenCacheConfig) validate(path string, global bool) error {
	var errs []error
	switch {
	case !global && c.Size != 0:
		errs = append(errs, confpath.Errorf(path+".size", "the cache size is global: set it in jwt.token_cache.size"))
	case c.Size < 0 || c.Size > MaxTokenCacheSize:
		errs = append(errs, confpath.Errorf(path+".size", "must be between 1 and %d (0 means %d)", MaxTokenCacheSize, DefaultTokenCacheSize))
	}
	if c.MaxTTL < 0 || c.MaxTTL > MaxTokenCacheTTL {
		errs = append(errs, confpath.Errorf(path+".max_ttl", "must be between 1s and %s (0 means %s)", MaxTokenCacheTTL, DefaultTokenCacheMaxTTL))
	} else if c.MaxTTL != 0 && c.MaxTTL < time.Second {
		errs = append(errs, confpath.Errorf(path+".max_ttl", "must be at least 1s (0 means %s)", DefaultTokenCacheMaxTTL))
	}
	return errors.Join(errs...)
}

// Validate checks a route override.
func (c *RouteConfig) Validate() error {
	var errs []error
	for i, m := range c.Methods {
		if err := checkMethod(fmt.Sprintf("methods[%d]", i), m, c.Methods); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func checkMethod(path, m string, all []string) error {
	switch m {
	case MethodJWT, MethodAPIKey, MethodMTLS:
		return nil
	case MethodNone:
		if len(all) > 1 {
			return confpath.Errorf(path, "\"none\" cannot be combined with other methods")
		}
		return nil
	}
	return confpath.Errorf(path, "unknown method %q (jwt, apikey, mtls or none)", m)
}

func checkURL(raw string, insecure bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("parse %q: %w", raw, err)
	}
	if u.Host == "" {
		return fmt.Errorf("%q has no host", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if insecure {
			return nil
		}
		return fmt.Errorf("%q must use https (insecure_http: true allows http for tests)", raw)
	}
	return fmt.Errorf("%q: scheme must be https", raw)
}

func validHeaderName(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return h != "" && http.CanonicalHeaderKey(h) != ""
}
