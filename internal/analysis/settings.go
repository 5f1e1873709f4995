package analysis

// Settings are the tunable thresholds rules read, from the config file.
// Defaults follow AWS guidance and the peers' defaults where they agree.
type Settings struct {
	// AllowedRegions, when set, is the data-residency allowlist.
	AllowedRegions []string `yaml:"allowed_regions" json:"allowed_regions,omitempty"`
	// MinLogRetentionDays is the floor for log group retention.
	MinLogRetentionDays int `yaml:"min_log_retention_days" json:"min_log_retention_days"`
	// MaxTimeoutSec flags functions with very long timeouts (bill exhaustion).
	MaxTimeoutSec int `yaml:"max_timeout_sec" json:"max_timeout_sec"`
	// MaxMemoryMB flags very large memory settings.
	MaxMemoryMB int `yaml:"max_memory_mb" json:"max_memory_mb"`
	// MinPasswordLength for user pools.
	MinPasswordLength int `yaml:"min_password_length" json:"min_password_length"`
}

// DefaultSettings returns the defaults.
func DefaultSettings() Settings {
	return Settings{MinLogRetentionDays: 30, MaxTimeoutSec: 300, MaxMemoryMB: 3008, MinPasswordLength: 12}
}
