package model

// SecretHit is one hard-coded secret that internal/secrets found in a
// scanned file (function code, configuration or a template). It lives in the
// model so that rules, which see only the model, can report it, and so that
// correlating rules can tell which functions ship a credential.
//
// A SecretHit never holds the secret itself, nor a hash of it (an unsalted
// hash of a short password can be reversed offline): only Redacted, a short
// prefix and the length. JSON reports and model dumps may show it as it is.
type SecretHit struct {
	// Detector is the rule that matched: a gitleaks rule ID
	// ("aws-access-token", "stripe-access-token") or one of Warden's own
	// ("warden-connection-string-password").
	Detector    string `json:"detector"`
	Description string `json:"description,omitempty"`
	// Pos is where the secret itself starts (1-based line and column).
	Pos Pos `json:"pos"`
	// Redacted shows a short prefix and the length, never the whole secret.
	Redacted string `json:"redacted"`
	// Prefix and Length are what Redacted is built from, so that rules can
	// recognise the same secret reported by another rule on the same line.
	Prefix  string  `json:"prefix,omitempty"`
	Length  int     `json:"length"`
	Entropy float64 `json:"entropy"`
	// Class says what kind of credential it is: SecretCloud, SecretPrivateKey,
	// SecretPassword, SecretSigningKey, SecretToken or SecretGeneric.
	Class string `json:"class"`
	// Pair is the position of the other half of an AWS access key pair (key
	// ID and secret access key close together), when there is one.
	Pair *Pos `json:"pair,omitempty"`
	// FunctionID is the one function whose code path contains the file (or
	// whose environment variable holds the secret), "" when none or several.
	FunctionID string `json:"function_id,omitempty"`
	// FunctionIDs lists every function whose code path contains the file,
	// for shared files.
	FunctionIDs []string `json:"function_ids,omitempty"`
}

// Secret classes, from most to least severe.
const (
	SecretCloud      = "cloud-credential" // AWS key pairs and secret keys, other cloud accounts' keys
	SecretPrivateKey = "private-key"      // PEM private keys, service-account JSON keys
	SecretPassword   = "password"         // passwords in connection strings
	SecretSigningKey = "signing-key"      // JWT/session signing secrets
	SecretToken      = "token"            // provider API tokens (GitHub, Slack, Stripe, ...)
	SecretGeneric    = "generic"          // a high-entropy value under a secret-sounding name
)
