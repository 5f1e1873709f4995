// Package gateway is `warden gateway`: the configuration file, the router,
// the listeners and the assembly of the middleware chain. Each concern of the
// chain lives in its own package under internal/gateway; this package only
// reads the file, wires the stages in order, and swaps whole generations of
// them on reload.
package gateway

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/wardensec/warden/internal/gateway/cors"
	"github.com/wardensec/warden/internal/gateway/deception"
	"github.com/wardensec/warden/internal/gateway/limits"
	"github.com/wardensec/warden/internal/gateway/metrics"
	"github.com/wardensec/warden/internal/gateway/proxy"
	"github.com/wardensec/warden/internal/gateway/requestid"
	"github.com/wardensec/warden/internal/gateway/respfilter"
	"github.com/wardensec/warden/internal/gateway/validate"
)

// maxConfigBytes bounds the file: a config is hand-written, and a huge one is
// a mistake or an attack on the loader.
const maxConfigBytes = 4 << 20

// Config is gateway.yaml.
type Config struct {
	Listeners []Listener     `yaml:"listeners"`
	Admin     metrics.Config `yaml:"admin"`
	Server    ServerConfig   `yaml:"server"`
	Log       LogConfig      `yaml:"log"`
	// RoutesFrom imports routes and request schemas from an OpenAPI 3
	// document: `routes_from: openapi.yaml` or a mapping (see RoutesFrom).
	RoutesFrom *RoutesFrom `yaml:"routes_from"`
	Routes     []Route     `yaml:"routes"`
	Consumers  []Consumer  `yaml:"consumers"`

	Limits         limits.Config     `yaml:"limits"`
	RequestID      requestid.Config  `yaml:"request_id"`
	CORS           cors.Config       `yaml:"cors"`
	Validate       validate.Config   `yaml:"validate"`
	Proxy          proxy.Config      `yaml:"proxy"`
	ResponseFilter respfilter.Config `yaml:"response_filter"`
	Deception      deception.Config  `yaml:"deception"`

	// Sections of stages that other packages build (see Module). They are
	// kept as nodes so that each module decodes its own section, with
	// line numbers intact.
	Auth     yaml.Node `yaml:"auth"`
	Authn    yaml.Node `yaml:"authn"` // alias of auth (the authn package's docs use it)
	Authz    yaml.Node `yaml:"authz"`
	Throttle yaml.Node `yaml:"throttle"`
	WAF      yaml.Node `yaml:"waf"`
	Audit    yaml.Node `yaml:"audit"`

	// File is the path the config was read from, Dir its directory (for
	// relative cert, schema and OpenAPI paths).
	File string `yaml:"-"`
	Dir  string `yaml:"-"`
	root *yaml.Node
}

// Section returns a module's global section by key.
func (c *Config) Section(key string) *yaml.Node {
	switch key {
	case "auth":
		if c.Auth.Kind == 0 {
			return &c.Authn
		}
		return &c.Auth
	case "authz":
		return &c.Authz
	case "throttle":
		return &c.Throttle
	case "waf":
		return &c.WAF
	case "audit":
		return &c.Audit
	}
	return nil
}

// sectionName is the key the file uses for a module's section (auth may
// be spelled authn), so that errors point at what the author wrote.
func (c *Config) sectionName(key string) string {
	if key == "auth" && c.Auth.Kind == 0 && c.Authn.Kind != 0 {
		return "authn"
	}
	return key
}

func (r *Route) sectionName(key string) string {
	if key == "auth" && r.Auth.Kind == 0 && r.Authn.Kind != 0 {
		return "authn"
	}
	return key
}

// Listener is one public socket.
type Listener struct {
	Name    string     `yaml:"name"`
	Address string     `yaml:"address"`
	TLS     *TLSConfig `yaml:"tls"`
	// HTTP2 defaults to true on TLS listeners (negotiated by ALPN). On
	// cleartext listeners it enables prior-knowledge h2c.
	HTTP2 *bool `yaml:"http2"`
}

// TLSConfig holds a listener's certificate. TLS 1.2 is the floor; "1.3"
// raises it.
type TLSConfig struct {
	CertFile   string `yaml:"cert_file"`
	KeyFile    string `yaml:"key_file"`
	MinVersion string `yaml:"min_version"`
	// ClientCAFile enables mTLS: client certificates are requested and,
	// when sent, verified against this CA bundle; the auth stage decides
	// whether a route requires one.
	ClientCAFile string `yaml:"client_ca_file"`
}

// ServerConfig holds the listeners' timeouts. net/http's defaults are zero
// (no timeout), which lets slowloris clients hold connections forever.
type ServerConfig struct {
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	ReadTimeout       time.Duration `yaml:"read_timeout"`
	WriteTimeout      time.Duration `yaml:"write_timeout"`
	IdleTimeout       time.Duration `yaml:"idle_timeout"`
	// ShutdownTimeout bounds the drain on SIGTERM.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
}

func (s ServerConfig) withDefaults() ServerConfig {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&s.ReadHeaderTimeout, 5*time.Second)
	def(&s.ReadTimeout, 30*time.Second)
	def(&s.WriteTimeout, 60*time.Second)
	def(&s.IdleTimeout, 120*time.Second)
	def(&s.ShutdownTimeout, 30*time.Second)
	return s
}

// LogConfig sets the slog level ("debug", "info", "warn", "error").
type LogConfig struct {
	Level string `yaml:"level"`
}

// RoutesFrom names an OpenAPI document to import routes from.
type RoutesFrom struct {
	File string `yaml:"file"`
	// Upstream for operations without an x-warden-upstream extension.
	Upstream string `yaml:"upstream"`
	// Overrides holds per-route settings by operationId, in the same shape
	// as an entry of routes (without method and path).
	Overrides map[string]yaml.Node `yaml:"overrides"`
	line      int
}

// UnmarshalYAML accepts both `routes_from: file.yaml` and the mapping form.
func (r *RoutesFrom) UnmarshalYAML(n *yaml.Node) error {
	r.line = n.Line
	if n.Kind == yaml.ScalarNode {
		r.File = n.Value
		return nil
	}
	type plain RoutesFrom
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	var issues []Issue
	checkFields(n, typeOf[plain](), "routes_from", &issues)
	if len(issues) > 0 {
		// The path is added back from the line by Parse.
		return fmt.Errorf("line %d: %s", issues[0].Line, issues[0].Msg)
	}
	p.line = n.Line
	*r = RoutesFrom(p)
	return nil
}

// Route is one entry of routes.
type Route struct {
	Name     string `yaml:"name"`
	Method   string `yaml:"method"`
	Path     string `yaml:"path"`
	Upstream string `yaml:"upstream"`

	Limits         limits.RouteConfig     `yaml:"limits"`
	CORS           cors.RouteConfig       `yaml:"cors"`
	Validate       validate.RouteConfig   `yaml:"validate"`
	Proxy          proxy.RouteConfig      `yaml:"proxy"`
	ResponseFilter respfilter.RouteConfig `yaml:"response_filter"`

	Auth     yaml.Node `yaml:"auth"`
	Authn    yaml.Node `yaml:"authn"` // alias of auth
	Authz    yaml.Node `yaml:"authz"`
	Throttle yaml.Node `yaml:"throttle"`
	WAF      yaml.Node `yaml:"waf"`

	// where names the route in errors ("routes[2]" or the routes_from
	// operation); line is its line in the file.
	where string
	line  int
}

// Section returns a module's per-route section by key.
func (r *Route) Section(key string) *yaml.Node {
	switch key {
	case "auth":
		if r.Auth.Kind == 0 {
			return &r.Authn
		}
		return &r.Auth
	case "authz":
		return &r.Authz
	case "throttle":
		return &r.Throttle
	case "waf":
		return &r.WAF
	}
	return nil
}

// Consumer is a known API client. API keys are stored as SHA-256 hex
// digests: a leaked config file then does not leak working keys, and the
// gateway compares digests in constant time.
type Consumer struct {
	Name    string   `yaml:"name"`
	APIKeys []string `yaml:"api_keys"`
	// MTLSSubjects are client-certificate identities (CN, a SAN or the
	// subject DN) that authenticate as this consumer.
	MTLSSubjects []string `yaml:"mtls_subjects"`
	Roles        []string `yaml:"roles"`
	Scopes       []string `yaml:"scopes"`
}

// clientCAFile is the CA bundle a TLS listener verifies client certificates
// with: its own tls.client_ca_file, else the auth section's
// mtls.client_ca_file, so that configuring mTLS authentication once is
// enough for the handshake to ask for certificates.
func (c *Config) clientCAFile(l Listener) string {
	if l.TLS == nil {
		return ""
	}
	if l.TLS.ClientCAFile != "" {
		return c.path(l.TLS.ClientCAFile)
	}
	var a struct {
		MTLS struct {
			ClientCAFile string `yaml:"client_ca_file"`
		} `yaml:"mtls"`
	}
	if n := c.Section("auth"); n.Kind != 0 {
		_ = n.Decode(&a) // the auth module reports errors in its section
	}
	return c.path(a.MTLS.ClientCAFile)
}

// Load reads and checks path.
func Load(path string) (*Config, error) {
	data, err := readLimited(path)
	if err != nil {
		return nil, fmt.Errorf("gateway: read config: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("gateway: config path: %w", err)
	}
	return Parse(data, path, filepath.Dir(abs))
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxConfigBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, maxConfigBytes)
	}
	return data, nil
}

func typeOf[T any]() reflect.Type { return reflect.TypeOf((*T)(nil)).Elem() }

func loadCAPool(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", filepath.Base(path))
	}
	return pool, nil
}

// Parse decodes and checks a config. name is used in messages; dir resolves
// relative paths. Every problem is reported with its line, in one
// *ConfigError.
func Parse(data []byte, name, dir string) (*Config, error) {
	if len(data) > maxConfigBytes {
		return nil, &ConfigError{Issues: []Issue{{File: name, Msg: "file too large"}}}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, located(name, yamlErrIssues(err, "", 0))
	}
	cfg := &Config{File: name, Dir: dir, root: &root}
	doc := deref(&root)
	if doc == nil {
		return nil, located(name, []Issue{{Msg: "empty config"}})
	}
	if doc.Kind != yaml.MappingNode {
		return nil, located(name, []Issue{{Line: doc.Line, Msg: "config must be a mapping"}})
	}
	if err := doc.Decode(cfg); err != nil {
		issues := yamlErrIssues(err, "", doc.Line)
		for i := range issues {
			if p, ok := pathAtLine(doc, issues[i].Line, ""); ok && issues[i].Path == "" {
				issues[i].Path = p
			}
		}
		return nil, located(name, issues)
	}
	// Unknown fields do not stop the check: one run should list every
	// problem in the file.
	var issues []Issue
	checkFields(doc, typeOf[Config](), "", &issues)
	for i := range cfg.Routes {
		cfg.Routes[i].where = fmt.Sprintf("routes[%d]", i)
		cfg.Routes[i].line = lookupLine(&root, cfg.Routes[i].where)
	}
	issues = append(issues, cfg.check()...)
	if len(issues) > 0 {
		return nil, located(name, issues)
	}
	return cfg, nil
}

func located(file string, issues []Issue) *ConfigError {
	for i := range issues {
		issues[i].File = file
	}
	sort.SliceStable(issues, func(a, b int) bool { return issues[a].Line < issues[b].Line })
	return &ConfigError{Issues: issues}
}

// Validate-style helpers collect issues against the config's own file.
func (c *Config) section(err error, prefix string) []Issue {
	return issuesFrom(err, prefix, c.root, lookupLine(c.root, prefix))
}

func (c *Config) issue(path, format string, args ...any) Issue {
	return Issue{Line: lookupLine(c.root, path), Path: path, Msg: fmt.Sprintf(format, args...)}
}

var methods = map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "OPTIONS": true}

// check validates everything that needs no other files than certificates,
// and imports routes_from.
func (c *Config) check() []Issue {
	var is []Issue
	is = append(is, c.section(c.Limits.Validate(), "limits")...)
	is = append(is, c.section(c.RequestID.Validate(), "request_id")...)
	is = append(is, c.section(c.CORS.Validate(), "cors")...)
	is = append(is, c.section(c.Validate.Validate(), "validate")...)
	is = append(is, c.section(c.Proxy.Validate(), "proxy")...)
	is = append(is, c.section(c.ResponseFilter.Validate(), "response_filter")...)
	is = append(is, c.section(c.Deception.Validate(), "deception")...)
	is = append(is, c.section(c.Admin.Validate(), "admin")...)
	is = append(is, c.checkListeners()...)
	is = append(is, c.checkConsumers()...)
	switch strings.ToLower(c.Log.Level) {
	case "", "debug", "info", "warn", "error":
	default:
		is = append(is, c.issue("log.level", "must be debug, info, warn or error"))
	}
	for _, d := range []struct {
		p string
		v time.Duration
	}{{"server.read_header_timeout", c.Server.ReadHeaderTimeout}, {"server.read_timeout", c.Server.ReadTimeout}, {"server.write_timeout", c.Server.WriteTimeout}, {"server.idle_timeout", c.Server.IdleTimeout}, {"server.shutdown_timeout", c.Server.ShutdownTimeout}} {
		if d.v < 0 {
			is = append(is, c.issue(d.p, "must not be negative"))
		}
	}
	if c.Auth.Kind != 0 && c.Authn.Kind != 0 {
		is = append(is, c.issue("authn", "auth and authn are the same section; keep one"))
	}
	for i := range c.Routes {
		if c.Routes[i].Auth.Kind != 0 && c.Routes[i].Authn.Kind != 0 {
			is = append(is, c.issue(fmt.Sprintf("routes[%d].authn", i), "auth and authn are the same section; keep one"))
		}
	}
	if c.RoutesFrom != nil {
		imported, iss := c.importOpenAPI()
		is = append(is, iss...)
		c.Routes = append(c.Routes, imported...)
	}
	if len(c.Routes) == 0 && len(is) == 0 {
		is = append(is, c.issue("routes", "at least one route is required (routes or routes_from)"))
	}
	is = append(is, c.checkRoutes()...)
	return is
}

func (c *Config) checkListeners() []Issue {
	var is []Issue
	if len(c.Listeners) == 0 {
		is = append(is, c.issue("listeners", "at least one listener is required"))
	}
	names := map[string]bool{}
	for i := range c.Listeners {
		l := &c.Listeners[i]
		p := fmt.Sprintf("listeners[%d]", i)
		if l.Name == "" {
			l.Name = fmt.Sprintf("listener%d", i)
		}
		if names[l.Name] {
			is = append(is, c.issue(p+".name", "duplicate listener name %q", l.Name))
		}
		names[l.Name] = true
		if _, _, err := net.SplitHostPort(l.Address); err != nil {
			is = append(is, c.issue(p+".address", "want host:port: %v", err))
		}
		if t := l.TLS; t != nil {
			switch t.MinVersion {
			case "", "1.2", "1.3":
			default:
				is = append(is, c.issue(p+".tls.min_version", "must be \"1.2\" or \"1.3\"; older TLS versions are refused"))
			}
			if t.CertFile == "" {
				is = append(is, c.issue(p+".tls.cert_file", "required"))
			}
			if t.KeyFile == "" {
				is = append(is, c.issue(p+".tls.key_file", "required"))
			}
			if t.CertFile != "" && t.KeyFile != "" {
				if _, err := tls.LoadX509KeyPair(c.path(t.CertFile), c.path(t.KeyFile)); err != nil {
					is = append(is, c.issue(p+".tls.cert_file", "cannot load certificate and key: %v", err))
				}
			}
			if ca := c.clientCAFile(*l); ca != "" {
				if _, err := loadCAPool(ca); err != nil {
					where := p + ".tls.client_ca_file"
					if t.ClientCAFile == "" {
						where = c.sectionName("auth") + ".mtls.client_ca_file"
					}
					is = append(is, c.issue(where, "%v", err))
				}
			}
		}
	}
	return is
}

// path resolves a path from the config relative to the config's directory.
func (c *Config) path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Dir, p)
}

func (c *Config) checkConsumers() []Issue {
	var is []Issue
	names := map[string]bool{}
	keys := map[string]string{}
	for i, cs := range c.Consumers {
		p := fmt.Sprintf("consumers[%d]", i)
		if cs.Name == "" {
			is = append(is, c.issue(p+".name", "required"))
		} else if names[cs.Name] {
			is = append(is, c.issue(p+".name", "duplicate consumer %q", cs.Name))
		}
		names[cs.Name] = true
		for j, k := range cs.APIKeys {
			kp := fmt.Sprintf("%s.api_keys[%d]", p, j)
			if !isSHA256Hex(k) {
				// Never echo the value: it may be a plain key pasted by mistake.
				is = append(is, c.issue(kp, "must be the SHA-256 hex digest of the key (printf %%s KEY | sha256sum), not the key itself"))
				continue
			}
			if other, dup := keys[strings.ToLower(k)]; dup {
				is = append(is, c.issue(kp, "same key digest as consumer %q", other))
			}
			keys[strings.ToLower(k)] = cs.Name
		}
	}
	return is
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// pattern turns a route into an http.ServeMux pattern. A trailing slash
// means that exact path ({$}), not a whole subtree: a route never silently
// covers paths its author did not write; use {rest...} for a subtree.
func (r *Route) pattern() string {
	p := r.Path
	if strings.HasSuffix(p, "/") {
		p += "{$}"
	}
	return r.Method + " " + p
}

func (c *Config) checkRoutes() []Issue {
	var is []Issue
	names := map[string]bool{}
	scratch := http.NewServeMux()
	for i := range c.Routes {
		r := &c.Routes[i]
		at := func(field, format string, args ...any) {
			line := r.line
			if l := lookupLine(c.root, r.where+"."+field); l > 0 && strings.HasPrefix(r.where, "routes[") {
				line = l
			}
			is = append(is, Issue{Line: line, Path: r.where + "." + field, Msg: fmt.Sprintf(format, args...)})
		}
		r.Method = strings.ToUpper(r.Method)
		if !methods[r.Method] {
			at("method", "must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS")
		}
		if !strings.HasPrefix(r.Path, "/") {
			at("path", "must start with /")
		}
		if r.Name == "" {
			r.Name = r.Method + " " + r.Path
		}
		if names[r.Name] {
			at("name", "duplicate route name %q", r.Name)
		}
		names[r.Name] = true
		if err := proxy.ValidateUpstream(r.Upstream); err != nil {
			at("upstream", "%v", err)
		}
		if methods[r.Method] && strings.HasPrefix(r.Path, "/") {
			if err := register(scratch, r.pattern(), http.NotFoundHandler()); err != nil {
				at("path", "%v", err)
			}
		}
		r.Proxy.Upstream = r.Upstream
		r.Validate.BaseDir = c.Dir
		for _, s := range []struct {
			key string
			err error
		}{
			{"limits", r.Limits.Validate()},
			{"cors", r.CORS.ValidateWith(c.CORS)},
			{"validate", r.Validate.Validate()},
			{"proxy", r.Proxy.Validate()},
		} {
			if s.err != nil {
				for _, iss := range issuesFrom(s.err, r.where+"."+s.key, c.root, r.line) {
					if !strings.HasPrefix(r.where, "routes[") {
						iss.Line = r.line
					}
					is = append(is, iss)
				}
			}
		}
	}
	return is
}

// register adds a pattern, turning ServeMux's panics (invalid or
// conflicting patterns) into errors.
func register(mux *http.ServeMux, pattern string, h http.Handler) (err error) {
	defer func() {
		if p := recover(); p != nil {
			msg := fmt.Sprint(p)
			if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "parsing") {
				msg = msg[i+2:]
			}
			err = fmt.Errorf("%s", msg)
		}
	}()
	mux.Handle(pattern, h)
	return nil
}
