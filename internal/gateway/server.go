package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/wardensec/warden/internal/gateway/auditrec"
	"github.com/wardensec/warden/internal/gateway/deception"
	"github.com/wardensec/warden/internal/gateway/framing"
	"github.com/wardensec/warden/internal/gateway/metrics"
)

// Options are the process-level choices of a Gateway.
type Options struct {
	Logger *slog.Logger
	// Modules are the stages built by other packages (auth, authz,
	// throttle, waf); DefaultModules when nil.
	Modules []Module
	// Audit builds the audit recorder; nil uses the built-in one (JSON
	// lines to Stdout, or none).
	Audit  RecorderFactory
	Stdout io.Writer
	// Metrics receives one observation per request; nil creates one.
	Metrics *metrics.Metrics
}

// Gateway serves one config at a time and swaps it atomically on reload.
type Gateway struct {
	opts      Options
	log       *slog.Logger
	metrics   *metrics.Metrics
	proc      *process
	audClose  io.Closer
	path      string
	cur       atomic.Pointer[generation]
	reloadMu  sync.Mutex
	certs     map[string]*atomic.Pointer[tls.Certificate]
	listeners map[string]net.Listener
	servers   []*http.Server
	adminLn   net.Listener
	adminSrv  *http.Server
}

// NewLogger returns the JSON slog logger for a config's log section.
func NewLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	switch strings.ToLower(level) {
	case "debug":
		l = slog.LevelDebug
	case "warn":
		l = slog.LevelWarn
	case "error":
		l = slog.LevelError
	default:
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// Check loads path and builds every stage once, without serving: the body
// of `warden gateway validate`.
func Check(path string, opts Options) error {
	cfg, err := Load(path)
	if err != nil {
		return err
	}
	if opts.Modules == nil {
		opts.Modules = DefaultModules
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	g, err := build(cfg, &process{log: log, blocklist: deception.NewBlocklist(nil), modules: opts.Modules, checkOnly: true})
	if err != nil {
		return err
	}
	if opts.Audit == nil {
		if err := checkAudit(&cfg.Audit); err != nil {
			g.retire()
			return located(cfg.File, moduleIssues(cfg, err, "audit", 0))
		}
	}
	g.retire()
	<-g.done
	return g.closeErr
}

// New builds a Gateway from a loaded config. path is re-read on Reload.
func New(cfg *Config, opts Options) (*Gateway, error) {
	if opts.Modules == nil {
		opts.Modules = DefaultModules
	}
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	if opts.Logger == nil {
		opts.Logger = NewLogger(os.Stderr, cfg.Log.Level)
	}
	if opts.Metrics == nil {
		opts.Metrics = metrics.New()
	}
	if opts.Audit == nil {
		opts.Audit = DefaultAudit(opts.Logger, opts.Stdout)
	}
	g := &Gateway{opts: opts, log: opts.Logger, metrics: opts.Metrics, path: cfg.File, certs: map[string]*atomic.Pointer[tls.Certificate]{}}
	rec, closer, err := opts.Audit(&cfg.Audit, cfg)
	if err != nil {
		return nil, located(cfg.File, moduleIssues(cfg, err, "audit", 0))
	}
	g.audClose = closer
	g.proc = &process{
		log:       opts.Logger,
		recorder:  auditrec.Multi(rec, opts.Metrics),
		blocklist: deception.NewBlocklist(nil),
		modules:   opts.Modules,
	}
	gen, err := build(cfg, g.proc)
	if err != nil {
		if closer != nil {
			_ = closer.Close()
		}
		return nil, err
	}
	g.cur.Store(gen)
	return g, nil
}

// Config returns the config currently served.
func (g *Gateway) Config() *Config { return g.cur.Load().cfg }

// Metrics returns the process metrics.
func (g *Gateway) Metrics() *metrics.Metrics { return g.metrics }

// ServeHTTP dispatches to the current generation. A request holds its
// generation until it ends, so a reload never closes a stage under it.
//
// A request on a checked TLS connection gets its TLS state back (net/http
// cannot see it through the wrapper), and the stand-in for a head the
// listener refused is turned back into the refused request line, marked for
// the limits stage to answer.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.TLS == nil {
		if st := framing.TLSState(r); st != nil {
			r.TLS = st
		}
	}
	r = framing.Mark(r)
	for {
		gen := g.cur.Load()
		if gen.acquire() {
			defer gen.release()
			gen.handler.ServeHTTP(w, r)
			return
		}
	}
}

// Reload re-reads the config file and swaps it in. When the new file is
// invalid the old config keeps serving and the error is returned.
func (g *Gateway) Reload() error {
	cfg, err := Load(g.path)
	if err != nil {
		g.metrics.Reloaded(false)
		return err
	}
	return g.ReloadConfig(cfg)
}

// ReloadConfig swaps in an already loaded config.
func (g *Gateway) ReloadConfig(cfg *Config) error {
	g.reloadMu.Lock()
	defer g.reloadMu.Unlock()
	gen, err := build(cfg, g.proc)
	if err != nil {
		g.metrics.Reloaded(false)
		return err
	}
	old := g.cur.Swap(gen)
	g.metrics.Reloaded(true)
	g.warnRestartOnly(old.cfg, cfg)
	for name, p := range g.certs {
		for _, l := range cfg.Listeners {
			if l.Name == name && l.TLS != nil {
				if c, err := tls.LoadX509KeyPair(cfg.path(l.TLS.CertFile), cfg.path(l.TLS.KeyFile)); err == nil {
					p.Store(&c)
				}
			}
		}
	}
	old.retire()
	return nil
}

// warnRestartOnly logs settings that a reload cannot apply to open sockets.
func (g *Gateway) warnRestartOnly(old, cur *Config) {
	type fixed struct {
		l []Listener
		s ServerConfig
		a any
		h int
		u any
	}
	a := fixed{old.Listeners, old.Server, old.Admin, old.Limits.MaxHeaderBytes, old.Audit.Value}
	b := fixed{cur.Listeners, cur.Server, cur.Admin, cur.Limits.MaxHeaderBytes, cur.Audit.Value}
	if !reflect.DeepEqual(a.l, b.l) || a.s != b.s || !reflect.DeepEqual(a.a, b.a) || a.h != b.h {
		g.log.Warn("listener, server, admin or max_header_bytes changes need a restart; kept the running values")
	}
}

// Listen binds every listener and the admin listener. It is separate from
// Serve so that tests (and systemd-style supervisors) can learn the bound
// addresses first.
func (g *Gateway) Listen() error {
	cfg := g.Config()
	g.listeners = map[string]net.Listener{}
	for _, l := range cfg.Listeners {
		ln, err := net.Listen("tcp", l.Address)
		if err != nil {
			g.closeListeners()
			return fmt.Errorf("gateway: listen %s (%s): %w", l.Name, l.Address, err)
		}
		g.listeners[l.Name] = ln
	}
	if cfg.Admin.Address != "" {
		ln, err := net.Listen("tcp", cfg.Admin.Address)
		if err != nil {
			g.closeListeners()
			return fmt.Errorf("gateway: listen admin (%s): %w", cfg.Admin.Address, err)
		}
		g.adminLn = ln
	}
	return nil
}

func (g *Gateway) closeListeners() {
	for _, ln := range g.listeners {
		_ = ln.Close()
	}
	if g.adminLn != nil {
		_ = g.adminLn.Close()
	}
}

// Addr is the bound address of a listener ("admin" for the admin one).
func (g *Gateway) Addr(name string) net.Addr {
	if name == "admin" && g.adminLn != nil {
		return g.adminLn.Addr()
	}
	if ln := g.listeners[name]; ln != nil {
		return ln.Addr()
	}
	return nil
}

func (g *Gateway) newServer(l Listener, cfg *Config) (*http.Server, error) {
	sc := cfg.Server.withDefaults()
	srv := &http.Server{
		Handler:           g,
		ReadHeaderTimeout: sc.ReadHeaderTimeout,
		ReadTimeout:       sc.ReadTimeout,
		WriteTimeout:      sc.WriteTimeout,
		IdleTimeout:       sc.IdleTimeout,
		MaxHeaderBytes:    g.cur.Load().limits.MaxHeaderBytes(),
		ErrorLog:          slog.NewLogLogger(g.log.Handler(), slog.LevelDebug),
		ConnContext:       framing.ConnContext,
	}
	h2 := l.HTTP2 == nil || *l.HTTP2
	var protos http.Protocols
	protos.SetHTTP1(true)
	if l.TLS != nil {
		protos.SetHTTP2(h2)
		cert, err := tls.LoadX509KeyPair(cfg.path(l.TLS.CertFile), cfg.path(l.TLS.KeyFile))
		if err != nil {
			return nil, fmt.Errorf("gateway: listener %s: %w", l.Name, err)
		}
		p := &atomic.Pointer[tls.Certificate]{}
		p.Store(&cert)
		g.certs[l.Name] = p
		tc := &tls.Config{
			MinVersion: tls.VersionTLS12,
			GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
				return p.Load(), nil
			},
		}
		if l.TLS.MinVersion == "1.3" {
			tc.MinVersion = tls.VersionTLS13
		}
		if ca := cfg.clientCAFile(l); ca != "" {
			pool, err := loadCAPool(ca)
			if err != nil {
				return nil, fmt.Errorf("gateway: listener %s: %w", l.Name, err)
			}
			tc.ClientCAs = pool
			tc.ClientAuth = tls.VerifyClientCertIfGiven
		}
		tc.NextProtos = []string{"http/1.1"}
		if h2 {
			tc.NextProtos = []string{"h2", "http/1.1"}
		}
		srv.TLSConfig = tc
	} else {
		protos.SetUnencryptedHTTP2(l.HTTP2 != nil && *l.HTTP2)
	}
	srv.Protocols = &protos
	return srv, nil
}

// Serve runs the listeners until ctx ends, reloading on SIGHUP, then drains
// in-flight requests for at most server.shutdown_timeout. Listen must have
// been called.
func (g *Gateway) Serve(ctx context.Context) error {
	cfg := g.Config()
	errc := make(chan error, len(cfg.Listeners)+1)
	for _, l := range cfg.Listeners {
		srv, err := g.newServer(l, cfg)
		if err != nil {
			g.closeListeners()
			return err
		}
		g.servers = append(g.servers, srv)
		ln := g.listeners[l.Name]
		// HTTP/1.x framing is checked below net/http, which would
		// otherwise normalise ambiguous requests before any handler sees
		// them; the TLS variant terminates TLS itself to see the
		// plaintext.
		fo := framing.Options{MaxHeaderBytes: srv.MaxHeaderBytes, HandshakeTimeout: srv.ReadHeaderTimeout}
		if srv.TLSConfig != nil {
			ln = framing.NewTLSListener(ln, srv.TLSConfig, fo)
		} else {
			ln = framing.NewListener(ln, fo)
		}
		go func() {
			err := srv.Serve(ln)
			if !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("gateway: listener %s: %w", l.Name, err)
			}
		}()
		g.log.Info("listening", "listener", l.Name, "address", ln.Addr().String(), "tls", l.TLS != nil)
	}
	if g.adminLn != nil {
		g.adminSrv = &http.Server{Handler: g.metrics.Handler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
		go func() {
			if err := g.adminSrv.Serve(g.adminLn); !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("gateway: admin listener: %w", err)
			}
		}()
		g.log.Info("admin listening", "address", g.adminLn.Addr().String())
	}
	g.metrics.SetReady(true)

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case err := <-errc:
			runErr = err
			break loop
		case <-hup:
			if err := g.Reload(); err != nil {
				g.log.Error("reload refused; keeping the running config", "err", err.Error())
			} else {
				g.log.Info("config reloaded", "file", g.path)
			}
		}
	}
	return errors.Join(runErr, g.shutdown())
}

func (g *Gateway) shutdown() error {
	g.metrics.SetReady(false)
	timeout := g.Config().Server.withDefaults().ShutdownTimeout
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var errs []error
	for _, s := range g.servers {
		if err := s.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("gateway: shutdown: %w", err))
		}
	}
	if g.adminSrv != nil {
		_ = g.adminSrv.Shutdown(ctx)
	}
	errs = append(errs, g.closeWithin(ctx))
	return errors.Join(errs...)
}

// Close closes the current generation and the audit recorder, waiting at
// most server.shutdown_timeout for in-flight requests. Serve calls it on the
// way out; tests that only use ServeHTTP call it themselves.
func (g *Gateway) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), g.Config().Server.withDefaults().ShutdownTimeout)
	defer cancel()
	return g.closeWithin(ctx)
}

func (g *Gateway) closeWithin(ctx context.Context) error {
	gen := g.cur.Load()
	gen.retire()
	select {
	case <-gen.done:
	case <-ctx.Done():
		// Requests that outlive the drain are stuck (a hung upstream or
		// audit store); the process is going away, so close under them
		// rather than hang the exit.
		g.log.Warn("closing with requests still in flight", "in_flight", gen.inflight.Load())
		gen.close()
	}
	err := gen.closeErr
	if g.audClose != nil {
		err = errors.Join(err, g.audClose.Close())
		g.audClose = nil
	}
	return err
}
