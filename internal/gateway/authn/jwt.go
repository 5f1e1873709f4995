package authn

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/wardensec/warden/internal/gateway/reqctx"
)

// tokenError is a verification failure with a stable reason for the audit
// log and a short description that is safe to send to the client.
type tokenError struct {
	reason string // suffix after "authn.jwt."
	desc   string // RFC 6750 error_description: fixed strings only
	status int    // 401, or 503 when keys could not be loaded
	err    error  // detail for server logs, never sent
}

func (e *tokenError) Error() string {
	if e.err != nil {
		return "jwt " + e.reason + ": " + e.err.Error()
	}
	return "jwt " + e.reason
}

func (e *tokenError) Unwrap() error { return e.err }

func tokErr(reason, desc string, err error) *tokenError {
	return &tokenError{reason: reason, desc: desc, status: 401, err: err}
}

// issuer is one configured IdP with its cached keys.
type issuer struct {
	cfg  IssuerConfig
	algs map[string]jwa.SignatureAlgorithm
	keys *keyCache
	now  func() time.Time
	// cacheTTL caps the reuse of a verification; 0 = not cached.
	cacheTTL time.Duration
	cache    *tokenCache // shared with the verifier; nil when off
	stop     chan struct{}
	stopped  chan struct{}
}

// verifier checks bearer tokens against a set of issuers.
type verifier struct {
	maxBytes int
	issuers  map[string]*issuer // by iss value
	cache    *tokenCache        // verified tokens; nil when off
}

// Verify checks a compact JWS token and returns the identity it proves.
// allowed restricts the issuers (nil = all). Nothing in the token header
// selects where keys come from: jku, x5u, x5c and jwk are ignored, the
// algorithm must be on the issuer's allowlist and match the key's family,
// and kid is only a lookup key into the issuer's cached JWKS.
func (v *verifier) Verify(ctx context.Context, token string, allowed map[string]bool) (*reqctx.Identity, error) {
	if len(token) > v.maxBytes {
		return nil, tokErr("too_large", "token too large", nil)
	}
	var ck *[sha256.Size]byte
	if v.cache != nil {
		k := sha256.Sum256([]byte(token))
		if id := v.cache.get(k, allowed); id != nil {
			return id, nil
		}
		ck = &k
	}
	// Compact JWS only: exactly three base64url segments. Checking the
	// charset first bounds the work on garbage (e.g. "......").
	if strings.Count(token, ".") != 2 || !isB64URLDots(token) {
		return nil, tokErr("malformed", "malformed token", nil)
	}
	first := strings.IndexByte(token, '.')
	last := strings.LastIndexByte(token, '.')
	if first == 0 || last == first+1 || last == len(token)-1 {
		// An empty signature is how alg=none tokens look.
		return nil, tokErr("malformed", "malformed token", nil)
	}
	var hdr struct {
		Alg  string          `json:"alg"`
		Kid  string          `json:"kid"`
		Typ  string          `json:"typ"`
		Crit json.RawMessage `json:"crit"`
		B64  json.RawMessage `json:"b64"`
	}
	hb, err := base64.RawURLEncoding.DecodeString(token[:first])
	if err != nil {
		return nil, tokErr("malformed", "malformed token", err)
	}
	if err := json.Unmarshal(hb, &hdr); err != nil {
		return nil, tokErr("malformed", "malformed token", fmt.Errorf("decode header: %w", err))
	}
	// RFC 7515 §4.1.11: a recipient must reject critical extensions it does
	// not understand, and we understand none. jwx v3 leaves crit
	// validation off by default, so this check is ours. b64=false
	// (RFC 7797) changes what is signed; refuse it as well.
	if hdr.Crit != nil || hdr.B64 != nil {
		return nil, tokErr("crit", "unsupported critical header", nil)
	}
	payload, err := base64.RawURLEncoding.DecodeString(token[first+1 : last])
	if err != nil {
		return nil, tokErr("malformed", "malformed token", err)
	}
	// The unverified iss only picks which issuer's keys to try; the
	// signature check below uses that issuer's keys and nothing else, and
	// the verified iss must equal it.
	claims, err := decodeClaims(payload)
	if err != nil {
		return nil, tokErr("malformed", "malformed token", err)
	}
	iss, _ := claims["iss"].(string)
	is, ok := v.issuers[iss]
	if !ok || (allowed != nil && !allowed[iss]) {
		return nil, tokErr("iss", "untrusted issuer", nil)
	}
	// The allowlist is checked before the library parses the header, so
	// that "none" in any spelling and HS* never reach a verifier.
	if _, ok := is.algs[hdr.Alg]; !ok {
		return nil, tokErr("alg", "algorithm not allowed", fmt.Errorf("alg %q", hdr.Alg))
	}
	if hdr.Kid == "" {
		return nil, tokErr("kid", "unknown key", errors.New("token has no kid"))
	}
	if len(is.cfg.Types) > 0 && !typeOK(hdr.Typ, is.cfg.Types) {
		return nil, tokErr("typ", "token type not accepted", fmt.Errorf("typ %q", hdr.Typ))
	}
	return is.verify(ctx, token, claims, ck)
}

// verify checks the signature and claims. ck is the token's cache key, nil
// when the cache is off.
func (is *issuer) verify(ctx context.Context, token string, claims map[string]any, ck *[sha256.Size]byte) (*reqctx.Identity, error) {
	var (
		kerr     *tokenError
		usedKid  string
		usedKS   *keySet
		usedKeys []verifyKey
	)
	provider := jws.KeyProviderFunc(func(ctx context.Context, sink jws.KeySink, sig *jws.Signature, _ *jws.Message) error {
		h := sig.ProtectedHeaders()
		alg, _ := h.Algorithm()
		sa, ok := is.algs[alg.String()]
		if !ok {
			kerr = tokErr("alg", "algorithm not allowed", fmt.Errorf("alg %q", alg.String()))
			return kerr
		}
		kid, _ := h.KeyID()
		if kid == "" {
			kerr = tokErr("kid", "unknown key", errors.New("token has no kid"))
			return kerr
		}
		keys, ks, ok := is.keys.get(ctx, kid)
		if !ok {
			if !is.keys.loaded() {
				kerr = &tokenError{reason: "keys_unavailable", desc: "keys unavailable", status: 503, err: errors.New("jwks never loaded")}
				return kerr
			}
			kerr = tokErr("kid", "unknown key", nil)
			return kerr
		}
		n := 0
		for _, k := range keys {
			if k.alg != "" && k.alg != sa.String() {
				continue
			}
			if !keyFits(sa.String(), k.pub) {
				continue
			}
			sink.Key(sa, k.pub)
			n++
		}
		if n == 0 {
			kerr = tokErr("alg", "algorithm does not match key", fmt.Errorf("kid %q has no key for %s", kid, sa))
			return kerr
		}
		usedKid, usedKS, usedKeys = kid, ks, keys
		return nil
	})
	skew := is.cfg.Leeway
	opts := []jwt.ParseOption{
		jwt.WithKeyProvider(provider),
		jwt.WithValidate(true),
		jwt.WithContext(ctx),
		jwt.WithClock(jwt.ClockFunc(is.now)),
		jwt.WithAcceptableSkew(skew),
		jwt.WithIssuer(is.cfg.Issuer),
		jwt.WithRequiredClaim(jwt.ExpirationKey),
	}
	tok, err := jwt.ParseString(token, opts...)
	if err != nil {
		if kerr != nil {
			return nil, kerr
		}
		return nil, classify(err)
	}
	if !audOK(tok, is.cfg.Audiences) {
		return nil, tokErr("aud", "invalid audience", nil)
	}
	if is.cfg.MaxAge > 0 {
		iat, ok := tok.IssuedAt()
		if !ok || is.now().Sub(iat) > is.cfg.MaxAge+skew {
			return nil, tokErr("iat", "token too old", nil)
		}
	}
	id := is.identity(tok, claims)
	if is.cache != nil && ck != nil && usedKS != nil {
		// Only a token that passed every check above is stored.
		e := &cachedToken{key: *ck, is: is, id: id,
			kid: usedKid, ks: usedKS, keys: usedKeys, validUntil: is.now().Add(is.cacheTTL)}
		e.exp, _ = tok.Expiration()
		e.nbf, _ = tok.NotBefore()
		e.iat, _ = tok.IssuedAt()
		is.cache.put(e)
		return cloneIdentity(id), nil
	}
	return id, nil
}

// typeOK compares media types per RFC 7515 §4.1.9: case-insensitive, with
// the "application/" prefix optional.
func typeOK(typ string, allowed []string) bool {
	norm := func(s string) string { return strings.TrimPrefix(strings.ToLower(s), "application/") }
	for _, a := range allowed {
		if norm(a) == norm(typ) {
			return true
		}
	}
	return false
}

func classify(err error) *tokenError {
	switch {
	case errors.Is(err, jwt.TokenExpiredError()):
		return tokErr("expired", "token expired", err)
	case errors.Is(err, jwt.TokenNotYetValidError()):
		return tokErr("not_yet_valid", "token not yet valid", err)
	case errors.Is(err, jwt.InvalidIssuedAtError()):
		return tokErr("iat", "invalid iat", err)
	case errors.Is(err, jwt.InvalidIssuerError()):
		return tokErr("iss", "untrusted issuer", err)
	case errors.Is(err, jwt.MissingRequiredClaimError()):
		return tokErr("claims", "missing required claim", err)
	case errors.Is(err, jwt.ValidateError()):
		return tokErr("claims", "invalid claims", err)
	}
	return tokErr("signature", "invalid signature", err)
}

// keyFits refuses a key whose type does not belong to the algorithm family.
// This is the run-time half of the HS/RS confusion defence: even if an
// allowlist were wrong, an RSA key never verifies an ECDSA or HMAC token.
func keyFits(alg string, pub any) bool {
	switch alg[:2] {
	case "RS", "PS":
		_, ok := pub.(*rsa.PublicKey)
		return ok
	case "ES":
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return false
		}
		switch alg {
		case "ES256":
			return k.Curve == elliptic.P256()
		case "ES384":
			return k.Curve == elliptic.P384()
		case "ES512":
			return k.Curve == elliptic.P521()
		}
	case "Ed":
		_, ok := pub.(ed25519.PublicKey)
		return ok
	}
	return false
}

func audOK(tok jwt.Token, want []string) bool {
	aud, _ := tok.Audience()
	for _, a := range aud {
		for _, w := range want {
			if a == w {
				return true
			}
		}
	}
	return false
}

// identity maps verified claims to the request identity.
func (is *issuer) identity(tok jwt.Token, claims map[string]any) *reqctx.Identity {
	sub, _ := tok.Subject()
	id := &reqctx.Identity{Subject: sub, Issuer: is.cfg.Issuer, Method: MethodJWT, Claims: claims, Consumer: sub}
	if c := is.cfg.ConsumerClaim; c != "" {
		if s, ok := claimPath(claims, c).(string); ok {
			id.Consumer = s
		}
	}
	id.Scopes = scopesOf(claims)
	if is.cfg.RolesClaim != "" {
		id.Roles = stringsOf(claimPath(claims, is.cfg.RolesClaim))
	}
	return id
}

// scopesOf reads OAuth scopes from `scope` (RFC 8693 space-separated
// string) or `scp` (Azure AD / Okta: a string or an array).
func scopesOf(claims map[string]any) []string {
	if s, ok := claims["scope"].(string); ok {
		return strings.Fields(s)
	}
	switch s := claims["scp"].(type) {
	case string:
		return strings.Fields(s)
	default:
		return stringsOf(s)
	}
}

func stringsOf(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// claimPath resolves a dotted path (realm_access.roles). A claim whose own
// name contains a dot is found first.
func claimPath(claims map[string]any, path string) any {
	if v, ok := claims[path]; ok {
		return v
	}
	var cur any = claims
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

func decodeClaims(payload []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode claims: %w", err)
	}
	if m == nil {
		return nil, errors.New("decode claims: not an object")
	}
	return m, nil
}

func isB64URLDots(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
