package rules

import "testing"

func TestLooksSecret(t *testing.T) {
	for _, c := range []struct {
		name, value string
		want        bool
	}{
		{"DB_PASSWORD", "Sup3rS3cretPassw0rd!", true},
		{"STRIPE_KEY", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", true},
		{"ANYTHING", "AKIAIOSFODNN7EXAMPLE", true},
		{"API_TOKEN", "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", true},
		{"DB_PASSWORD_ARN", "arn:aws:secretsmanager:eu-west-1:1:secret:db", false},
		{"DB_SECRET_NAME", "prod/db/password", false},
		{"TOKEN_TABLE", "tokens-prod-table", false},
		{"API_KEY", "/prod/api/key", false},
		{"PASSWORD", "short", false},
		{"SECRET", "{{resolve:secretsmanager:db:SecretString:password}}", false},
		{"TABLE_NAME", "orders-prod-table-2024", false},
		{"AUTH_SECRET", "aaaaaaaaaaaa", false},
	} {
		if got := looksSecret(c.name, c.value); got != c.want {
			t.Errorf("looksSecret(%q, %q) = %v, want %v", c.name, c.value, got, c.want)
		}
	}
	if r := redact("Sup3rS3cretPassw0rd!"); r != "Sup3**** (20 chars)" {
		t.Errorf("redact = %q", r)
	}
}
