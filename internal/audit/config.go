package audit

import (
	"errors"
	"time"

	"github.com/wardensec/warden/internal/gateway/confpath"
)

// Config is the audit section of gateway.yaml.
//
//	audit:
//	  sink: sqlite               # sqlite (default) | stdout | none (no log; New refuses it)
//	  path: /var/lib/warden/audit.db
//	  synchronous: full          # full (default) | normal
//	  signing_key_file: /etc/warden/audit-key.pem
//	  checkpoint_every: 1000     # records
//	  checkpoint_interval: 60s
//	  max_batch: 512             # records per group-commit transaction; 1 = no grouping
type Config struct {
	Sink string `yaml:"sink" json:"sink"`
	Path string `yaml:"path" json:"path"`
	// Synchronous is SQLite's synchronous pragma. FULL is the default
	// because the contract is that an answered request is in the log even
	// after a power loss: in WAL mode NORMAL survives a process crash but
	// may lose the last commits on an OS crash. Group commit pays FULL's
	// fsync once per batch, which is what makes FULL affordable.
	Synchronous string `yaml:"synchronous" json:"synchronous"`
	// SigningKeyFile holds the Ed25519 checkpoint key (PEM PKCS#8, or
	// base64 of the 32-byte seed). Without it no checkpoints are written,
	// and Verify cannot detect a rewritten or truncated tail.
	SigningKeyFile     string        `yaml:"signing_key_file" json:"signing_key_file"`
	CheckpointEvery    int           `yaml:"checkpoint_every" json:"checkpoint_every"`
	CheckpointInterval time.Duration `yaml:"checkpoint_interval" json:"checkpoint_interval"`
	MaxBatch           int           `yaml:"max_batch" json:"max_batch"`
	// QueueSize bounds the records waiting for the writer; callers block
	// (and so back-pressure the gateway) when it is full, rather than the
	// log dropping records.
	QueueSize int `yaml:"queue_size" json:"queue_size"`
}

// Defaults used for zero values.
const (
	DefaultPath               = "audit.db"
	DefaultCheckpointEvery    = 1000
	DefaultCheckpointInterval = time.Minute
	DefaultMaxBatch           = 512
	DefaultQueueSize          = 4096
)

// withDefaults returns c with zero values filled in.
func (c Config) withDefaults() Config {
	if c.Sink == "" {
		c.Sink = "sqlite"
	}
	if c.Path == "" {
		c.Path = DefaultPath
	}
	if c.Synchronous == "" {
		c.Synchronous = "full"
	}
	if c.CheckpointEvery == 0 {
		c.CheckpointEvery = DefaultCheckpointEvery
	}
	if c.CheckpointInterval == 0 {
		c.CheckpointInterval = DefaultCheckpointInterval
	}
	if c.MaxBatch == 0 {
		c.MaxBatch = DefaultMaxBatch
	}
	if c.QueueSize == 0 {
		c.QueueSize = DefaultQueueSize
	}
	return c
}

// Validate returns confpath errors relative to the audit section.
func (c *Config) Validate() error {
	var errs []error
	switch c.Sink {
	case "", "sqlite", "stdout", "none":
	default:
		errs = append(errs, confpath.Errorf("sink", "must be sqlite or stdout, not %q", c.Sink))
	}
	switch c.Synchronous {
	case "", "full", "normal", "FULL", "NORMAL":
	default:
		errs = append(errs, confpath.Errorf("synchronous", "must be full or normal, not %q", c.Synchronous))
	}
	if c.CheckpointEvery < 0 {
		errs = append(errs, confpath.Errorf("checkpoint_every", "must not be negative"))
	}
	if c.CheckpointInterval < 0 {
		errs = append(errs, confpath.Errorf("checkpoint_interval", "must not be negative"))
	}
	if c.MaxBatch < 0 {
		errs = append(errs, confpath.Errorf("max_batch", "must not be negative"))
	}
	if c.QueueSize < 0 {
		errs = append(errs, confpath.Errorf("queue_size", "must not be negative"))
	}
	if c.SigningKeyFile != "" {
		if _, err := LoadPrivateKey(c.SigningKeyFile); err != nil {
			errs = append(errs, confpath.Errorf("signing_key_file", "%v", err))
		}
	}
	return errors.Join(errs...)
}
