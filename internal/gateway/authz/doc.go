package authz

// Configuration, as it appears in gateway.yaml:
//
//	authz:
//	  cost_limit: 10000
//
//	routes:
//	  - name: orders-write
//	    authz:
//	      scopes: {all_of: [orders:write]}
//	      roles: {any_of: [admin, ops]}
//	      expr: 'claims.tenant == request.headers["x-tenant"]'
//
// Denial reasons (all 403): authz.no_identity, authz.scope (with an RFC
// 6750 insufficient_scope challenge for bearer tokens), authz.role,
// authz.expr, authz.expr_error (missing claim, type error or cost limit).
