// Package auditrec defines the one record the gateway writes per request and
// the Recorder interface that stores it. It is a leaf package so that the
// request-id middleware (which calls Record) and internal/audit (which
// implements the hash-chained store) do not import each other.
package auditrec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// Record is one audit entry. Bodies, query strings and headers are left out on
// purpose: they may carry credentials (API keys in the query, bearer tokens),
// and the audit log must be safe to hand to an investigator.
type Record struct {
	ID              string        `json:"id"`
	Time            time.Time     `json:"time"`
	Route           string        `json:"route,omitempty"`
	Consumer        string        `json:"consumer,omitempty"`
	ClientIP        string        `json:"client_ip"`
	Method          string        `json:"method"`
	Path            string        `json:"path"`
	Decision        string        `json:"decision"`
	Reason          string        `json:"reason,omitempty"`
	Status          int           `json:"status"`
	Latency         time.Duration `json:"latency_ns"`
	UpstreamLatency time.Duration `json:"upstream_latency_ns,omitempty"`
	Hostile         bool          `json:"hostile,omitempty"`
}

// Recorder stores audit records. Record is called synchronously before the
// response is complete, so an implementation that returns nil promises the
// record is durable enough to survive the process (the issue's "a request
// whose response was sent is in the log"). It must be safe for concurrent use.
type Recorder interface {
	Record(ctx context.Context, rec Record) error
}

// RecorderFunc adapts a function to Recorder.
type RecorderFunc func(ctx context.Context, rec Record) error

// Record calls f.
func (f RecorderFunc) Record(ctx context.Context, rec Record) error { return f(ctx, rec) }

// Multi fans a record out to several recorders (the audit store and the
// metrics counters). Every recorder is called; their errors are joined.
func Multi(rs ...Recorder) Recorder {
	var out multi
	for _, r := range rs {
		if r != nil {
			out = append(out, r)
		}
	}
	return out
}

type multi []Recorder

func (m multi) Record(ctx context.Context, rec Record) error {
	var errs []error
	for _, r := range m {
		if err := r.Record(ctx, rec); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// JSONLines writes one JSON object per line to w. It is the "stdout" audit
// sink: without a hash chain, but greppable and cheap. Writes are serialised
// so that concurrent records never interleave within a line.
type JSONLines struct {
	mu sync.Mutex
	w  io.Writer
}

// NewJSONLines returns a Recorder writing to w (usually os.Stdout).
func NewJSONLines(w io.Writer) *JSONLines { return &JSONLines{w: w} }

// Record encodes rec as one line.
func (j *JSONLines) Record(_ context.Context, rec Record) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("auditrec: encode record %s: %w", rec.ID, err)
	}
	b = append(b, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, err := j.w.Write(b); err != nil {
		return fmt.Errorf("auditrec: write record %s: %w", rec.ID, err)
	}
	return nil
}
