package rules

import "github.com/wardensec/warden/internal/deps"

// The dependency rules (WAR-DEP-*) live with the lock-file and OSV code in
// internal/deps; the catalogue lists them like any other.
func init() {
	for _, r := range deps.Rules {
		register(r)
	}
}
