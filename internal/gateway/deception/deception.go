// Package deception serves decoy routes that no legitimate client ever asks
// for (/.env, /wp-login.php, /admin/backup.zip). A hit is a near-certain sign
// of a scanner or an attacker: the client is marked hostile in the audit log
// and can be blocked for a while. Decoys answer plausibly, so a scanner keeps
// its results, but the content is fake and harmless.
package deception

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wardensec/warden/internal/gateway/confpath"
	"github.com/wardensec/warden/internal/gateway/reqctx"
)

// Decoy is one fake resource.
type Decoy struct {
	Path        string `yaml:"path"`
	Status      int    `yaml:"status"`
	ContentType string `yaml:"content_type"`
	Body        string `yaml:"body"`
}

// Config is the deception section.
type Config struct {
	Enabled bool `yaml:"enabled"`
	// NoBuiltin leaves out the built-in decoys, keeping only Decoys.
	NoBuiltin bool    `yaml:"no_builtin"`
	Decoys    []Decoy `yaml:"decoys"`
	// BlockFor refuses every request from a client that touched a decoy,
	// for this long. Zero only marks the client hostile.
	BlockFor time.Duration `yaml:"block_for"`
	// MaxBlocked bounds the blocklist so that a spoofing-free but
	// wide-ranging scan (IPv6) cannot grow it without limit.
	MaxBlocked int `yaml:"max_blocked"`
}

// Validate checks the section.
func (c *Config) Validate() error {
	var errs []error
	seen := map[string]bool{}
	for i, d := range c.Decoys {
		p := fmt.Sprintf("decoys[%d]", i)
		if !strings.HasPrefix(d.Path, "/") {
			errs = append(errs, confpath.Errorf(p+".path", "must start with /"))
		}
		if seen[d.Path] {
			errs = append(errs, confpath.Errorf(p+".path", "duplicate decoy %q", d.Path))
		}
		seen[d.Path] = true
		if d.Status != 0 && (d.Status < 200 || d.Status > 599) {
			errs = append(errs, confpath.Errorf(p+".status", "not an HTTP status: %d", d.Status))
		}
		if strings.ContainsAny(d.ContentType, "\r\n") {
			errs = append(errs, confpath.Errorf(p+".content_type", "must be one line"))
		}
	}
	if c.BlockFor < 0 {
		errs = append(errs, confpath.Errorf("block_for", "must not be negative"))
	}
	if c.MaxBlocked < 0 {
		errs = append(errs, confpath.Errorf("max_blocked", "must not be negative"))
	}
	return errors.Join(errs...)
}

// Blocklist holds blocked client IPs. It belongs to the process, not to a
// config generation, so that a reload does not unblock an attacker.
type Blocklist struct {
	mu    sync.Mutex
	until map[string]time.Time
	now   func() time.Time
}

// NewBlocklist returns an empty list; now may be nil (time.Now).
func NewBlocklist(now func() time.Time) *Blocklist {
	if now == nil {
		now = time.Now
	}
	return &Blocklist{until: map[string]time.Time{}, now: now}
}

// Block blocks ip for d. When the list is full, expired entries are dropped
// first; if it is still full, the new entry is not added (the hit is still
// audited as hostile).
func (b *Blocklist) Block(ip string, d time.Duration, max int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if _, ok := b.until[ip]; !ok && len(b.until) >= max {
		for k, t := range b.until {
			if !t.After(now) {
				delete(b.until, k)
			}
		}
		if len(b.until) >= max {
			return false
		}
	}
	b.until[ip] = now.Add(d)
	return true
}

// Blocked reports whether ip is blocked now.
func (b *Blocklist) Blocked(ip string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.until[ip]
	if !ok {
		return false
	}
	if !t.After(b.now()) {
		delete(b.until, ip)
		return false
	}
	return true
}

// Len is the number of entries, expired or not.
func (b *Blocklist) Len() int { b.mu.Lock(); defer b.mu.Unlock(); return len(b.until) }

// Options are process-level dependencies.
type Options struct {
	Blocklist *Blocklist // shared across generations; nil creates one
}

type decoy struct {
	status int
	ctype  string
	body   []byte
}

// Middleware is one config generation of the stage.
type Middleware struct {
	cfg    Config
	decoys map[string]decoy
	block  *Blocklist
}

// New builds the stage.
func New(cfg Config, opts Options) (*Middleware, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.MaxBlocked == 0 {
		cfg.MaxBlocked = 100000
	}
	m := &Middleware{cfg: cfg, decoys: map[string]decoy{}, block: opts.Blocklist}
	if m.block == nil {
		m.block = NewBlocklist(nil)
	}
	if !cfg.NoBuiltin {
		for p, d := range builtin() {
			m.decoys[p] = d
		}
	}
	for _, d := range cfg.Decoys {
		dd := decoy{status: d.Status, ctype: d.ContentType, body: []byte(d.Body)}
		if dd.status == 0 {
			dd.status = http.StatusOK
		}
		if dd.ctype == "" {
			dd.ctype = "text/plain; charset=utf-8"
		}
		m.decoys[d.Path] = dd
	}
	return m, nil
}

// Close releases nothing; the blocklist outlives the generation.
func (m *Middleware) Close() error { return nil }

// Wrap returns the stage around the router. It is route-independent: decoys
// must answer on paths no route serves.
func (m *Middleware) Wrap(next http.Handler) http.Handler {
	if !m.cfg.Enabled {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := reqctx.From(r.Context())
		if st.ClientIP != "" && m.block.Blocked(st.ClientIP) {
			st.MarkHostile("deception.blocked")
			reqctx.Reject(w, r, http.StatusForbidden, "deception.blocked", "forbidden")
			return
		}
		d, ok := m.decoys[r.URL.Path]
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		st.Route = "decoy" // a bounded label for metrics, and findable in the audit log
		st.MarkHostile("deception.decoy")
		if m.cfg.BlockFor > 0 && st.ClientIP != "" {
			m.block.Block(st.ClientIP, m.cfg.BlockFor, m.cfg.MaxBlocked)
		}
		h := w.Header()
		h.Set("Content-Type", d.ctype)
		h.Set("Content-Length", strconv.Itoa(len(d.body)))
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(d.status)
		if r.Method != http.MethodHead {
			_, _ = w.Write(d.body)
		}
	})
}

// canary is a per-process random value in the fake secrets: if it ever shows
// up in a login attempt elsewhere, it came from this decoy.
func canary(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func builtin() map[string]decoy {
	env := fmt.Sprintf(`APP_ENV=production
APP_DEBUG=false
APP_KEY=base64:%s
DB_CONNECTION=mysql
DB_HOST=10.20.3.41
DB_PORT=3306
DB_DATABASE=app_prod
DB_USERNAME=app_rw
DB_PASSWORD=%s
AWS_ACCESS_KEY_ID=AKIA%s
AWS_SECRET_ACCESS_KEY=%s
`, canary(24), canary(10), strings.ToUpper(canary(8)), canary(20))
	login := `<!DOCTYPE html>
<html lang="en-US"><head><meta charset="UTF-8"><title>Log In &lsaquo; Site &#8212; WordPress</title>
<meta name="robots" content="noindex,noarchive"></head>
<body class="login"><div id="login"><h1><a href="https://wordpress.org/">Powered by WordPress</a></h1>
<form name="loginform" id="loginform" action="/wp-login.php" method="post">
<p><label for="user_login">Username or Email Address</label><input type="text" name="log" id="user_login"></p>
<p><label for="user_pass">Password</label><input type="password" name="pwd" id="user_pass"></p>
<p class="submit"><input type="submit" name="wp-submit" id="wp-submit" value="Log In"></p>
</form></div></body></html>
`
	gitcfg := `[core]
	repositoryformatversion = 0
	filemode = true
	bare = false
[remote "origin"]
	url = git@git.internal:platform/api.git
	fetch = +refs/heads/*:refs/remotes/origin/*
`
	return map[string]decoy{
		"/.env":                {200, "text/plain; charset=utf-8", []byte(env)},
		"/wp-login.php":        {200, "text/html; charset=UTF-8", []byte(login)},
		"/admin/backup.zip":    {200, "application/zip", backupZip()},
		"/.git/config":         {200, "text/plain; charset=utf-8", []byte(gitcfg)},
		"/phpmyadmin/":         {200, "text/html; charset=utf-8", []byte("<!DOCTYPE html><html><head><title>phpMyAdmin</title></head><body><form method=\"post\" action=\"index.php\"><input name=\"pma_username\"><input type=\"password\" name=\"pma_password\"></form></body></html>\n")},
		"/server-status":       {403, "text/html; charset=iso-8859-1", []byte("<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1></body></html>\n")},
		"/actuator/env":        {200, "application/json", []byte(`{"activeProfiles":["prod"],"propertySources":[{"name":"systemEnvironment","properties":{"SPRING_DATASOURCE_PASSWORD":{"value":"******"}}}]}` + "\n")},
		"/config/database.yml": {200, "text/plain; charset=utf-8", []byte("production:\n  adapter: postgresql\n  database: app_production\n  username: app\n  password: " + canary(10) + "\n")},
	}
}

// backupZip is a valid, tiny zip whose only file says nothing of value.
func backupZip() []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	f, err := zw.CreateHeader(&zip.FileHeader{Name: "backup/README.txt", Method: zip.Deflate, Modified: time.Date(2024, 3, 14, 2, 11, 0, 0, time.UTC)})
	if err == nil {
		_, _ = f.Write([]byte("Nightly export. Restore with the admin tool.\n"))
	}
	_ = zw.Close()
	return buf.Bytes()
}
