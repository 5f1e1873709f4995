// Package config reads .warden.yaml, the per-project scan configuration.
//
// The file is decoded by hand from a yaml.Node rather than into a struct, so
// that every error names the line it is about and an unknown key (a typo
// such as "exlcude") is an error instead of a silently ignored setting: a
// config that quietly does nothing is how a security scanner ends up
// checking less than its users think.
package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/load/yamlsafe"
)

// DefaultFile is looked for at the scan root when --config is not given.
const DefaultFile = ".warden.yaml"

// MaxSize bounds the config file: it is read before anything else, possibly
// from an untrusted repository, and no honest config is near this size.
const MaxSize = 1 << 20

// Config is .warden.yaml after validation.
type Config struct {
	// Path is the file that was read; "" when the default file was absent.
	Path string
	// Analysis selects and tunes rules; pass it to analysis.Run.
	Analysis analysis.Config
	// MinSeverity is the lowest severity to show; 0 when not set, so the
	// CLI can tell "not configured" from "info" and let flags win.
	MinSeverity analysis.Severity
	// FailOn is the severity at or above which the scan exits 1; 0 when not
	// set.
	FailOn analysis.Severity
	// Vars are loader variables (`${opt:stage}` and friends); --var flags
	// override them.
	Vars map[string]string
	// Baseline is the baseline file, resolved against the config file's
	// directory; "" when not set.
	Baseline string
	// Warnings are problems that do not stop the scan, such as a rule ID
	// that does not exist. Each names file and line. The CLI must print
	// them: a misspelt rule in `disable` otherwise reads as "done".
	Warnings []string
}

// KnownRule reports whether a rule ID exists in the catalogue. A nil
// KnownRule skips the check.
type KnownRule func(id string) bool

// Error is a config problem at a line of the file.
type Error struct {
	File string
	Line int
	Col  int
	Msg  string
}

func (e *Error) Error() string {
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Default is the configuration used when there is no config file.
func Default() *Config {
	return &Config{Analysis: analysis.Config{Settings: analysis.DefaultSettings()}}
}

// Load reads the config for a scan of root. With explicit == "" it reads
// root/.warden.yaml if present and returns Default() if not; an explicit
// file must exist, because a mistyped --config path silently falling back
// to defaults would run a different scan than the one asked for.
func Load(root, explicit string, known KnownRule) (*Config, error) {
	file := explicit
	if file == "" {
		file = filepath.Join(root, DefaultFile)
	}
	data, err := readLimited(file)
	if err != nil {
		if explicit == "" && errors.Is(err, fs.ErrNotExist) {
			return Default(), nil
		}
		return nil, fmt.Errorf("read config: %w", err)
	}
	c, err := Parse(file, data, known)
	if err != nil {
		return nil, err
	}
	c.Path = file
	if c.Baseline != "" {
		c.Baseline = filepath.Join(filepath.Dir(file), filepath.FromSlash(c.Baseline))
	}
	return c, nil
}

func readLimited(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory, not a config file", file)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%s is larger than %d bytes; that is not a Warden config", file, MaxSize)
	}
	return data, nil
}

// Parse validates a config document. name is used in messages only. Every
// error found is returned (joined), not just the first, so that one run
// shows everything to fix.
func Parse(name string, data []byte, known KnownRule) (*Config, error) {
	c := Default()
	doc, err := yamlsafe.Parse(name, data)
	if err != nil {
		var ye *yamlsafe.Error
		if errors.As(err, &ye) && ye.Msg == "empty document" {
			return c, nil
		}
		return nil, fmt.Errorf("parse config: %w", err)
	}
	p := &parser{file: name, known: known, c: c}
	body := yamlsafe.Body(doc)
	if body == nil || isNull(body) {
		return c, nil
	}
	p.top(body)
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return c, nil
}

type parser struct {
	file  string
	known KnownRule
	c     *Config
	errs  []error
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	e := &Error{File: p.file, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	p.errs = append(p.errs, e)
}

func (p *parser) warnf(n *yaml.Node, format string, args ...any) {
	e := &Error{File: p.file, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	p.c.Warnings = append(p.c.Warnings, e.Error())
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// fields walks a mapping, rejecting unknown and duplicate keys. where names
// the mapping in messages ("rules", "settings").
func (p *parser) fields(m *yaml.Node, where string, handlers map[string]func(k, v *yaml.Node)) {
	if m.Kind != yaml.MappingNode {
		p.errorf(m, "%s must be a mapping, not %s", where, kindName(m))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], yamlsafe.Resolve(m.Content[i+1])
		if k.Tag == "!!merge" {
			p.errorf(k, "%s: YAML merge keys (<<) are not supported in the Warden config", where)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			p.errorf(k, "%s: keys must be plain strings", where)
			continue
		}
		if seen[k.Value] {
			p.errorf(k, "%s: duplicate key %q", where, k.Value)
			continue
		}
		seen[k.Value] = true
		h, ok := handlers[k.Value]
		if !ok {
			keys := make([]string, 0, len(handlers))
			for name := range handlers {
				keys = append(keys, name)
			}
			sort.Strings(keys)
			p.errorf(k, "%s: unknown key %q (known keys: %s)", where, k.Value, strings.Join(keys, ", "))
			continue
		}
		if v == nil {
			p.errorf(k, "%s.%s: unreadable value", where, k.Value)
			continue
		}
		h(k, v)
	}
}

func (p *parser) top(body *yaml.Node) {
	c := p.c
	p.fields(body, "config", map[string]func(k, v *yaml.Node){
		"rules":   func(_, v *yaml.Node) { p.rules(v) },
		"exclude": func(_, v *yaml.Node) { c.Analysis.Exclude = p.patterns(v, "exclude") },
		"severity": func(_, v *yaml.Node) {
			c.MinSeverity = p.severity(v, "severity")
		},
		"fail_on": func(_, v *yaml.Node) { c.FailOn = p.severity(v, "fail_on") },
		"vars":    func(_, v *yaml.Node) { c.Vars = p.vars(v) },
		"settings": func(_, v *yaml.Node) {
			p.settings(v, &c.Analysis.Settings)
		},
		"baseline": func(_, v *yaml.Node) { c.Baseline = p.baseline(v) },
	})
}

func (p *parser) rules(m *yaml.Node) {
	a := &p.c.Analysis
	var disableAt, enableAt map[string]*yaml.Node
	p.fields(m, "rules", map[string]func(k, v *yaml.Node){
		"disable": func(_, v *yaml.Node) { a.Disable, disableAt = p.ruleIDs(v, "rules.disable") },
		"enable":  func(_, v *yaml.Node) { a.Enable, enableAt = p.ruleIDs(v, "rules.enable") },
		"severity": func(_, v *yaml.Node) {
			if v.Kind != yaml.MappingNode {
				p.errorf(v, "rules.severity must map rule IDs to severities, not %s", kindName(v))
				return
			}
			a.Severity = map[string]analysis.Severity{}
			for i := 0; i+1 < len(v.Content); i += 2 {
				k, sv := v.Content[i], yamlsafe.Resolve(v.Content[i+1])
				if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
					p.errorf(k, "rules.severity: keys must be rule IDs")
					continue
				}
				id := strings.TrimSpace(k.Value)
				if _, dup := a.Severity[id]; dup {
					p.errorf(k, "rules.severity: duplicate rule %s", id)
					continue
				}
				p.checkRule(k, "rules.severity", id)
				if s := p.severity(sv, "rules.severity."+id); s != 0 {
					a.Severity[id] = s
				}
			}
		},
	})
	// The driver lets disable win; say so rather than let the user guess.
	for id, n := range enableAt {
		if _, ok := disableAt[id]; ok {
			p.warnf(n, "rule %s is both enabled and disabled; it stays disabled", id)
		}
	}
}

func (p *parser) checkRule(n *yaml.Node, where, id string) {
	if p.known != nil && !p.known(id) {
		p.warnf(n, "%s: unknown rule %s (see `warden rules` for the catalogue); it has no effect", where, id)
	}
}

func (p *parser) ruleIDs(v *yaml.Node, where string) ([]string, map[string]*yaml.Node) {
	at := map[string]*yaml.Node{}
	var out []string
	for _, n := range p.strings(v, where) {
		id := strings.TrimSpace(n.Value)
		if id == "" {
			p.errorf(n, "%s: empty rule ID", where)
			continue
		}
		if _, dup := at[id]; dup {
			continue
		}
		at[id] = n
		p.checkRule(n, where, id)
		out = append(out, id)
	}
	return out, at
}

// strings reads a sequence of scalars. A single scalar is accepted as a
// one-element list, the way most YAML configs are written by hand.
func (p *parser) strings(v *yaml.Node, where string) []*yaml.Node {
	switch {
	case isNull(v):
		return nil
	case v.Kind == yaml.ScalarNode:
		return []*yaml.Node{v}
	case v.Kind != yaml.SequenceNode:
		p.errorf(v, "%s must be a list of strings, not %s", where, kindName(v))
		return nil
	}
	var out []*yaml.Node
	for _, item := range v.Content {
		item = yamlsafe.Resolve(item)
		if item == nil || item.Kind != yaml.ScalarNode || isNull(item) {
			p.errorf(item, "%s: each entry must be a string", where)
			continue
		}
		out = append(out, item)
	}
	return out
}

func (p *parser) patterns(v *yaml.Node, where string) []string {
	var out []string
	for _, n := range p.strings(v, where) {
		pat := strings.TrimSpace(n.Value)
		if pat == "" {
			p.errorf(n, "%s: empty pattern", where)
			continue
		}
		if _, err := path.Match(pat, ""); err != nil {
			p.errorf(n, "%s: bad pattern %q: %v", where, pat, err)
			continue
		}
		out = append(out, pat)
	}
	return out
}

func (p *parser) scalar(v *yaml.Node, where string) (string, bool) {
	if v.Kind != yaml.ScalarNode || isNull(v) {
		p.errorf(v, "%s needs a single value, not %s", where, kindName(v))
		return "", false
	}
	return v.Value, true
}

func (p *parser) severity(v *yaml.Node, where string) analysis.Severity {
	s, ok := p.scalar(v, where)
	if !ok {
		return 0
	}
	sev, err := analysis.ParseSeverity(s)
	if err != nil {
		p.errorf(v, "%s: %v", where, err)
		return 0
	}
	return sev
}

func (p *parser) vars(v *yaml.Node) map[string]string {
	out := map[string]string{}
	if isNull(v) {
		return out
	}
	if v.Kind != yaml.MappingNode {
		p.errorf(v, "vars must map names to values, not %s", kindName(v))
		return out
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], yamlsafe.Resolve(v.Content[i+1])
		if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" || strings.TrimSpace(k.Value) == "" {
			p.errorf(k, "vars: names must be non-empty strings")
			continue
		}
		if _, dup := out[k.Value]; dup {
			p.errorf(k, "vars: duplicate variable %q", k.Value)
			continue
		}
		if s, ok := p.scalar(val, "vars."+k.Value); ok {
			out[k.Value] = s
		}
	}
	return out
}

func (p *parser) settings(v *yaml.Node, s *analysis.Settings) {
	intField := func(name string, dst *int) func(k, v *yaml.Node) {
		return func(_, v *yaml.Node) {
			raw, ok := p.scalar(v, "settings."+name)
			if !ok {
				return
			}
			n, err := strconv.Atoi(strings.TrimSpace(raw))
			if v.Tag != "!!int" || err != nil || n < 0 {
				p.errorf(v, "settings.%s must be a non-negative whole number, not %q", name, raw)
				return
			}
			*dst = n
		}
	}
	p.fields(v, "settings", map[string]func(k, v *yaml.Node){
		"allowed_regions": func(_, v *yaml.Node) {
			s.AllowedRegions = nil
			for _, n := range p.strings(v, "settings.allowed_regions") {
				if r := strings.TrimSpace(n.Value); r != "" {
					s.AllowedRegions = append(s.AllowedRegions, r)
				} else {
					p.errorf(n, "settings.allowed_regions: empty region")
				}
			}
		},
		"min_log_retention_days": intField("min_log_retention_days", &s.MinLogRetentionDays),
		"max_timeout_sec":        intField("max_timeout_sec", &s.MaxTimeoutSec),
		"max_memory_mb":          intField("max_memory_mb", &s.MaxMemoryMB),
		"min_password_length":    intField("min_password_length", &s.MinPasswordLength),
	})
}

// baseline accepts only a relative path that stays inside the config
// file's directory: .warden.yaml may come from the repository being
// scanned, and a hostile one must not make Warden read arbitrary files.
// --baseline on the command line has no such limit.
func (p *parser) baseline(v *yaml.Node) string {
	raw, ok := p.scalar(v, "baseline")
	if !ok {
		return ""
	}
	b := filepath.ToSlash(strings.TrimSpace(raw))
	clean := path.Clean(b)
	drive := len(b) >= 2 && b[1] == ':' // C:/..., whatever the host OS
	if b == "" || drive || path.IsAbs(b) || filepath.IsAbs(raw) || clean == ".." || strings.HasPrefix(clean, "../") {
		p.errorf(v, "baseline must be a relative path inside the project, not %q (use --baseline for other files)", raw)
		return ""
	}
	return clean
}

func kindName(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "an empty value"
		}
		return fmt.Sprintf("the value %q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "a document"
}
