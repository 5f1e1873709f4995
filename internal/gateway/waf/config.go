package waf

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/wardensec/warden/internal/gateway/confpath"
)

// Config is the waf section of gateway.yaml.
//
//	waf:
//	  enabled: true
//	  paranoia_level: 1              # 1..4
//	  inbound_anomaly_threshold: 5
//	  outbound_anomaly_threshold: 4
//	  detection_only: false
//	  request_body_limit: 1048576    # bytes buffered and inspected; larger bodies get 413
//	  argument_limit: 255            # more arguments than this get 413 before the WAF runs
//	  response_body_inspection: false
//	  response_body_limit: 524288
//	  exclude_rules: [920350]        # SecRuleRemoveById for every route
type Config struct {
	Enabled                  bool  `yaml:"enabled" json:"enabled"`
	ParanoiaLevel            int   `yaml:"paranoia_level" json:"paranoia_level"`
	InboundAnomalyThreshold  int   `yaml:"inbound_anomaly_threshold" json:"inbound_anomaly_threshold"`
	OutboundAnomalyThreshold int   `yaml:"outbound_anomaly_threshold" json:"outbound_anomaly_threshold"`
	DetectionOnly            bool  `yaml:"detection_only" json:"detection_only"`
	RequestBodyLimit         int64 `yaml:"request_body_limit" json:"request_body_limit"`
	// ArgumentLimit exists because Coraza stops adding arguments to ARGS
	// past SecArgumentsLimit: padding a request with junk arguments would
	// push a payload out of sight. The gateway counts arguments itself and
	// refuses the request before Coraza sees it.
	ArgumentLimit int `yaml:"argument_limit" json:"argument_limit"`
	// ResponseBodyInspection buffers each response (up to
	// ResponseBodyLimit) so CRS can look for data leakage; it breaks
	// streaming and server-sent events, hence off by default.
	ResponseBodyInspection bool  `yaml:"response_body_inspection" json:"response_body_inspection"`
	ResponseBodyLimit      int64 `yaml:"response_body_limit" json:"response_body_limit"`
	ExcludeRules           []int `yaml:"exclude_rules" json:"exclude_rules"`
}

// RouteConfig holds per-route overrides; nil and empty fields inherit.
type RouteConfig struct {
	// Enabled switches the WAF for this route; CRS costs about 1 ms of CPU
	// per simple request and far more per JSON argument, so routes that do
	// not need it should not pay for it.
	Enabled       *bool `yaml:"enabled" json:"enabled"`
	DetectionOnly *bool `yaml:"detection_only" json:"detection_only"`
	// ExcludeRules are removed for this route in addition to the global
	// exclusions (the usual fix for a false positive on one endpoint).
	ExcludeRules []int `yaml:"exclude_rules" json:"exclude_rules"`
}

// Defaults for zero values.
const (
	DefaultParanoiaLevel            = 1
	DefaultInboundAnomalyThreshold  = 5
	DefaultOutboundAnomalyThreshold = 4
	DefaultRequestBodyLimit         = 1 << 20
	DefaultArgumentLimit            = 255
	DefaultResponseBodyLimit        = 512 << 10
	// maxBodyLimit keeps the buffered body in memory; Coraza would spill
	// larger bodies to temporary files (disk I/O, and failures on a
	// read-only root filesystem).
	maxBodyLimit = 64 << 20
)

func (c Config) withDefaults() Config {
	if c.ParanoiaLevel == 0 {
		c.ParanoiaLevel = DefaultParanoiaLevel
	}
	if c.InboundAnomalyThreshold == 0 {
		c.InboundAnomalyThreshold = DefaultInboundAnomalyThreshold
	}
	if c.OutboundAnomalyThreshold == 0 {
		c.OutboundAnomalyThreshold = DefaultOutboundAnomalyThreshold
	}
	if c.RequestBodyLimit == 0 {
		c.RequestBodyLimit = DefaultRequestBodyLimit
	}
	if c.ArgumentLimit == 0 {
		c.ArgumentLimit = DefaultArgumentLimit
	}
	if c.ResponseBodyLimit == 0 {
		c.ResponseBodyLimit = DefaultResponseBodyLimit
	}
	return c
}

// Validate returns confpath errors relative to the waf section.
func (c *Config) Validate() error {
	var errs []error
	if c.ParanoiaLevel < 0 || c.ParanoiaLevel > 4 {
		errs = append(errs, confpath.Errorf("paranoia_level", "must be 1 to 4, not %d", c.ParanoiaLevel))
	}
	if c.InboundAnomalyThreshold < 0 {
		errs = append(errs, confpath.Errorf("inbound_anomaly_threshold", "must be positive"))
	}
	if c.OutboundAnomalyThreshold < 0 {
		errs = append(errs, confpath.Errorf("outbound_anomaly_threshold", "must be positive"))
	}
	if c.RequestBodyLimit < 0 || c.RequestBodyLimit > maxBodyLimit {
		errs = append(errs, confpath.Errorf("request_body_limit", "must be between 1 and %d bytes", maxBodyLimit))
	}
	if c.ResponseBodyLimit < 0 || c.ResponseBodyLimit > maxBodyLimit {
		errs = append(errs, confpath.Errorf("response_body_limit", "must be between 1 and %d bytes", maxBodyLimit))
	}
	if c.ArgumentLimit < 0 || c.ArgumentLimit > 100000 {
		errs = append(errs, confpath.Errorf("argument_limit", "must be between 1 and 100000"))
	}
	if err := validateRuleIDs(c.ExcludeRules); err != nil {
		errs = append(errs, confpath.Prefix("exclude_rules", err))
	}
	return errors.Join(errs...)
}

// Validate returns confpath errors relative to the route's waf section.
func (c *RouteConfig) Validate() error {
	return confpath.Prefix("exclude_rules", validateRuleIDs(c.ExcludeRules))
}

func validateRuleIDs(ids []int) error {
	var errs []error
	for i, id := range ids {
		if id <= 0 || id > 99999999 {
			errs = append(errs, confpath.Errorf(fmt.Sprintf("[%d]", i), "rule id %d out of range", id))
		}
	}
	return errors.Join(errs...)
}

// variant is what distinguishes one compiled WAF from another: rule
// exclusions and the engine mode. Routes with the same variant share a WAF.
type variant struct {
	exclude       []int
	detectionOnly bool
}

func (v variant) key() string {
	var b strings.Builder
	fmt.Fprintf(&b, "d=%t;x=", v.detectionOnly)
	for _, id := range v.exclude {
		fmt.Fprintf(&b, "%d,", id)
	}
	return b.String()
}

func makeVariant(global []int, route []int, detectionOnly bool) variant {
	ids := slices.Concat(global, route)
	slices.Sort(ids)
	return variant{exclude: slices.Compact(ids), detectionOnly: detectionOnly}
}
