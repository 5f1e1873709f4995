package gateway

// The file, in brief (every section is optional except listeners and routes
// or routes_from; unknown keys are errors with their line):
//
//	listeners:
//	  - name: public
//	    address: 0.0.0.0:8443
//	    tls: {cert_file: cert.pem, key_file: key.pem, min_version: "1.2", client_ca_file: clients.pem}
//	    http2: true                      # default on TLS; h2c on cleartext when true
//	admin: {address: 127.0.0.1:9090}     # /metrics /healthz /readyz
//	server: {read_header_timeout: 5s, read_timeout: 30s, write_timeout: 60s, idle_timeout: 120s, shutdown_timeout: 30s}
//	log: {level: info}
//	consumers:
//	  - {name: acme, api_keys: [<sha256 hex>], mtls_subjects: [billing], scopes: [orders.read], roles: [partner]}
//	limits: {max_header_bytes: 32768, max_url_bytes: 8192, max_body_bytes: 1048576, max_json_depth: 32, max_json_elements: 10000, allow_content_encoding: false}
//	request_id: {header: X-Request-Id, trust_incoming: false, trusted_proxies: [10.0.0.0/8], on_record_error: abort}
//	cors: {allowed_origins: [https://app.example.com], allowed_methods: [], allowed_headers: [Authorization], exposed_headers: [], allow_credentials: false, max_age: 10m, allow_unlisted_origins: false}
//	validate: {max_errors: 5, assert_format: false}
//	proxy: {dial_timeout: 5s, response_header_timeout: 30s, timeout: 30s, idle_conn_timeout: 90s, max_idle_conns_per_host: 64, retries: 0, retry_backoff: 50ms}
//	response_filter: {hsts_max_age: 8760h, content_security_policy: "...", referrer_policy: no-referrer, replace_all_errors: false, max_inspect_bytes: 65536}
//	deception: {enabled: true, no_builtin: false, decoys: [{path: /old-admin, status: 200, content_type: text/html, body: "..."}], block_for: 10m, max_blocked: 100000}
//	auth: ...      # internal/gateway/authn (also accepted as authn:)
//	authz: ...     # internal/gateway/authz
//	throttle: ...  # internal/gateway/throttle
//	waf: ...       # internal/gateway/waf
//	audit: ...     # internal/audit; sink: none turns it off
//	routes_from:   # or just: routes_from: openapi.yaml
//	  file: openapi.yaml
//	  upstream: http://127.0.0.1:9000      # else x-warden-upstream in the document
//	  overrides: {createOrder: {auth: {methods: [jwt]}, validate: {reject_unknown_query: true}}}
//	routes:
//	  - name: orders
//	    method: POST
//	    path: /orders/{id}                 # http.ServeMux syntax; a trailing / is exact, {rest...} a subtree
//	    upstream: https://abc.lambda-url.eu-west-1.on.aws
//	    limits: {max_body_bytes: 4096}
//	    cors: {disabled: false, allowed_origins: [...], allow_credentials: false}
//	    validate: {content_types: [application/json], body: {type: object}, body_file: order.schema.json, require_body: true,
//	               query: {limit: {required: false, schema: {type: integer}}}, path: {id: {schema: {type: integer}}}, reject_unknown_query: true}
//	    proxy: {timeout: 10s, retries: 1, strip_prefix: /api, preserve_host: false, sigv4: {region: eu-west-1, service: lambda}}
//	    response_filter: {disabled: false, replace_all_errors: true}
//	    auth: ... authz: ... throttle: ... waf: ...
//
// Reload (SIGHUP) re-reads the file and every file it names. Listeners,
// server timeouts, the admin address, max_header_bytes and the audit section
// need a restart; everything else changes in place.
