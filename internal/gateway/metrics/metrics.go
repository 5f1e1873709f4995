// Package metrics exposes the gateway's Prometheus metrics, /healthz and
// /readyz on a separate admin listener, so that the operational endpoints are
// never reachable through the public listener. It gets its data as an audit
// Recorder: every request already produces one record with route, status,
// decision and latencies, and counting those keeps metrics and audit in step.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wardensec/warden/internal/gateway/auditrec"
	"github.com/wardensec/warden/internal/gateway/confpath"
)

// Config is the admin section.
type Config struct {
	// Address of the admin listener, e.g. "127.0.0.1:9090". Empty disables
	// it. Keep it off public interfaces: it has no authentication.
	Address string `yaml:"address"`
}

// Validate checks the section.
func (c *Config) Validate() error {
	if c.Address != "" && !strings.Contains(c.Address, ":") {
		return confpath.Errorf("address", "want host:port, got %q", c.Address)
	}
	return nil
}

// Metrics is process-wide: the registry must survive reloads, or counters
// would reset and Prometheus would see false restarts.
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	upstream  *prometheus.HistogramVec
	decisions *prometheus.CounterVec
	hostile   prometheus.Counter
	reloads   *prometheus.CounterVec
	ready     atomic.Bool
}

// New registers the gateway's metrics on a fresh registry.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	buckets := []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "warden_gateway_requests_total", Help: "Requests by route, status code and decision.",
		}, []string{"route", "code", "decision"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "warden_gateway_request_duration_seconds", Help: "Time from request start to audit record, by route.", Buckets: buckets,
		}, []string{"route"}),
		upstream: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "warden_gateway_upstream_duration_seconds", Help: "Time the upstream took to answer, by route.", Buckets: buckets,
		}, []string{"route"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "warden_gateway_decisions_total", Help: "Deny and detect decisions by stage (limits, authn, throttle, waf, ...) and reason.",
		}, []string{"stage", "reason", "decision"}),
		hostile: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "warden_gateway_hostile_requests_total", Help: "Requests from clients marked hostile (decoy hits, blocked clients).",
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "warden_gateway_config_reloads_total", Help: "Config reloads by result.",
		}, []string{"result"}),
	}
	reg.MustRegister(m.requests, m.latency, m.upstream, m.decisions, m.hostile, m.reloads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is for tests and for other packages that add collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// SetReady flips /readyz: true once a config generation serves, false while
// shutting down so load balancers drain the instance first.
func (m *Metrics) SetReady(v bool) { m.ready.Store(v) }

// Reloaded counts a reload attempt.
func (m *Metrics) Reloaded(ok bool) {
	if ok {
		m.reloads.WithLabelValues("ok").Inc()
	} else {
		m.reloads.WithLabelValues("invalid").Inc()
	}
}

// maxReasonLen keeps the reason label bounded: reasons are stable dotted
// identifiers, so anything longer is cut rather than trusted.
const maxReasonLen = 48

// Record implements auditrec.Recorder.
func (m *Metrics) Record(_ context.Context, rec auditrec.Record) error {
	route := rec.Route
	if route == "" {
		route = "_none"
	}
	m.requests.WithLabelValues(route, strconv.Itoa(rec.Status), rec.Decision).Inc()
	m.latency.WithLabelValues(route).Observe(rec.Latency.Seconds())
	if rec.UpstreamLatency > 0 {
		m.upstream.WithLabelValues(route).Observe(rec.UpstreamLatency.Seconds())
	}
	if rec.Decision != "allow" && rec.Reason != "" {
		stage, _, _ := strings.Cut(rec.Reason, ".")
		reason := rec.Reason
		if len(reason) > maxReasonLen {
			reason = reason[:maxReasonLen]
		}
		m.decisions.WithLabelValues(stage, reason, rec.Decision).Inc()
	}
	if rec.Hostile {
		m.hostile.Inc()
	}
	return nil
}

var _ auditrec.Recorder = (*Metrics)(nil)

// Handler serves /metrics, /healthz and /readyz.
func (m *Metrics) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !m.ready.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("not ready\n"))
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	return mux
}
