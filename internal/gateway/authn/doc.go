package authn

// Configuration, as it appears in gateway.yaml (the core maps the sections
// onto Config and RouteConfig):
//
//	authn:
//	  default_methods: [jwt]          # routes without authn.methods
//	  jwt:
//	    max_token_bytes: 8192
//	    token_cache:                    # verified-token cache, on by default
//	      size: 10000                   # entries (LRU, bounded); at most 1048576
//	      max_ttl: 5m                   # reuse one verification at most this long; at most 1h
//	      # disabled: true              # off switch
//	    issuers:
//	      - name: main
//	        issuer: https://idp.example.com/realms/acme   # discovery at /.well-known/openid-configuration
//	        # jwks_url: https://idp.example.com/keys      # instead of discovery
//	        audiences: [api://orders]
//	        algorithms: [RS256, ES256]  # asymmetric only; none and HS* are refused
//	        types: [at+jwt]             # optional typ allowlist
//	        leeway: 30s                 # at most 60s
//	        max_age: 24h                # optional, on iat
//	        refresh_interval: 15m
//	        min_refresh_interval: 30s   # unknown-kid refetch rate limit
//	        roles_claim: realm_access.roles
//	        # token_cache: {max_ttl: 1m}  # per issuer: max_ttl or disabled (size is global)
//	  api_key:
//	    header: X-API-Key
//	    query: ""                       # off unless set
//	  mtls:
//	    client_ca_file: /etc/warden/clients-ca.pem
//	    require_known: true
//	  consumers:
//	    - name: acme
//	      api_key_sha256: ["<printf %s \"$KEY\" | sha256sum>"]   # 64 hex chars
//	      mtls_subjects: [spiffe://acme/billing]
//	      scopes: [orders:read]
//	      roles: [partner]
//
//	routes:
//	  - name: orders
//	    authn:
//	      methods: [jwt, apikey]        # or [none] for a public route
//	      issuers: [main]
//
// The token cache (cache.go) skips the signature check for a token that
// already verified. It is keyed by the SHA-256 of the whole token, holds
// only successful verifications, and serves a hit only while exp, nbf, iat
// and max_age still pass at the current clock with the issuer's leeway,
// while max_ttl since the verification has not passed, and while the JWKS
// still holds the same keys under the token's kid. It belongs to one
// Middleware, so a config reload starts with an empty cache.
//
// Denial reasons recorded in reqctx: authn.missing, authn.apikey.invalid,
// authn.mtls.invalid, and authn.jwt.{too_large, malformed, crit, alg, kid,
// typ, iss, aud, expired, not_yet_valid, iat, claims, signature,
// keys_unavailable}. All are 401 except keys_unavailable (503: the IdP's
// keys were never loaded, which is our outage, not the caller's fault).
