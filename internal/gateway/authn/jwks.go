package authn

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

// verifyKey is a public key taken from the issuer's JWKS, exported to its Go
// type once at fetch time so that verification does no conversion work and
// the algorithm-family check is a type switch.
type verifyKey struct {
	pub any    // *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
	alg string // the JWK's "alg", "" when the JWK does not pin one
}

// keySet is one immutable generation of an issuer's keys, indexed by kid.
// Keys are only ever looked up here: the kid is a map key, never a path.
type keySet map[string][]verifyKey

// keyCache holds an issuer's JWKS and refreshes it periodically and on
// demand. On-demand refreshes (unknown kid) are rate-limited by
// minInterval and coalesced: one fetch runs, concurrent callers wait for it.
type keyCache struct {
	issuer      string
	jwksURL     string // empty until discovery resolved it
	discovery   bool
	insecure    bool
	client      *http.Client
	now         func() time.Time
	minInterval time.Duration
	log         *slog.Logger

	keys    atomic.Pointer[keySet]
	fetches atomic.Int64 // counted for metrics and tests

	mu          sync.Mutex
	lastAttempt time.Time
	inflight    chan struct{}
}

// get returns the keys for kid. On a miss it triggers at most one
// rate-limited refresh and looks again.
// The key set the keys came from is returned too: the token cache records
// that generation.
func (c *keyCache) get(ctx context.Context, kid string) ([]verifyKey, *keySet, bool) {
	if ks := c.keys.Load(); ks != nil {
		if k, ok := (*ks)[kid]; ok {
			return k, ks, true
		}
	}
	c.refreshLimited(ctx)
	if ks := c.keys.Load(); ks != nil {
		k, ok := (*ks)[kid]
		return k, ks, ok
	}
	return nil, nil, false
}

// loaded reports whether a key set was ever fetched.
func (c *keyCache) loaded() bool { return c.keys.Load() != nil }

// refreshLimited fetches the JWKS unless a fetch happened within
// minInterval. A caller that finds a fetch in flight waits for it (bounded
// by its own context), so a key rotation does not fail a burst of requests.
func (c *keyCache) refreshLimited(ctx context.Context) {
	c.mu.Lock()
	if ch := c.inflight; ch != nil {
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
		}
		return
	}
	if !c.lastAttempt.IsZero() && c.now().Sub(c.lastAttempt) < c.minInterval {
		c.mu.Unlock()
		return
	}
	ch := c.startLocked()
	c.mu.Unlock()
	c.runFetch(ch)
}

// refresh fetches unconditionally (periodic refresh), unless a fetch is
// already running.
func (c *keyCache) refresh() {
	c.mu.Lock()
	if c.inflight != nil {
		c.mu.Unlock()
		return
	}
	ch := c.startLocked()
	c.mu.Unlock()
	c.runFetch(ch)
}

func (c *keyCache) startLocked() chan struct{} {
	c.lastAttempt = c.now()
	ch := make(chan struct{})
	c.inflight = ch
	return ch
}

func (c *keyCache) runFetch(ch chan struct{}) {
	// The fetch has its own deadline, not the request's: a client that
	// hangs up must not abort a refresh other requests are waiting for.
	ctx, cancel := context.WithTimeout(context.Background(), DefaultFetchTimeout)
	defer cancel()
	if err := c.fetch(ctx); err != nil {
		c.log.Warn("jwks refresh failed; keeping previous keys", "issuer", c.issuer, "err", err)
	}
	c.mu.Lock()
	c.inflight = nil
	c.mu.Unlock()
	close(ch)
}

func (c *keyCache) fetch(ctx context.Context) error {
	c.fetches.Add(1)
	if c.jwksURL == "" {
		u, err := c.discover(ctx)
		if err != nil {
			return err
		}
		c.jwksURL = u
	}
	body, err := c.getJSON(ctx, c.jwksURL)
	if err != nil {
		return fmt.Errorf("fetch jwks: %w", err)
	}
	set, err := jwk.Parse(body)
	if err != nil {
		return fmt.Errorf("parse jwks from %s: %w", c.jwksURL, err)
	}
	ks := keySet{}
	for i := 0; i < set.Len(); i++ {
		k, _ := set.Key(i)
		kid, _ := k.KeyID()
		if kid == "" {
			continue // tokens must name their key; see verifier
		}
		if use, ok := k.KeyUsage(); ok && use != "sig" {
			continue
		}
		var raw any
		if err := jwk.Export(k, &raw); err != nil {
			c.log.Warn("jwks: skipping key that cannot be exported", "issuer", c.issuer, "kid", kid, "err", err)
			continue
		}
		vk := verifyKey{}
		if a, ok := k.Algorithm(); ok {
			vk.alg = a.String()
		}
		switch p := raw.(type) {
		case *rsa.PublicKey:
			if p.N.BitLen() < 2048 {
				c.log.Warn("jwks: skipping RSA key under 2048 bits", "issuer", c.issuer, "kid", kid)
				continue
			}
			vk.pub = p
		case *ecdsa.PublicKey, ed25519.PublicKey:
			vk.pub = p
		default:
			// Symmetric ("oct") and private keys are never verification
			// keys here: an HMAC secret published in a JWKS is public.
			continue
		}
		ks[kid] = append(ks[kid], vk)
	}
	c.keys.Store(&ks)
	return nil
}

// discover resolves jwks_uri from the OIDC discovery document and checks
// that the document speaks for the configured issuer (OIDC Discovery §4.3).
func (c *keyCache) discover(ctx context.Context) (string, error) {
	u := strings.TrimSuffix(c.issuer, "/") + "/.well-known/openid-configuration"
	body, err := c.getJSON(ctx, u)
	if err != nil {
		return "", fmt.Errorf("oidc discovery: %w", err)
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", fmt.Errorf("oidc discovery %s: %w", u, err)
	}
	if doc.Issuer != c.issuer {
		return "", fmt.Errorf("oidc discovery %s: document issuer %q does not match %q", u, doc.Issuer, c.issuer)
	}
	if err := checkURL(doc.JWKSURI, c.insecure); err != nil {
		return "", fmt.Errorf("oidc discovery %s: jwks_uri: %w", u, err)
	}
	return doc.JWKSURI, nil
}

func (c *keyCache) getJSON(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("get %s: status %d", u, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", u, err)
	}
	if len(body) > maxJWKSBytes {
		return nil, errors.New("response from " + u + " exceeds 1 MiB")
	}
	return body, nil
}
