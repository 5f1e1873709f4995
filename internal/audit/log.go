package audit

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wardensec/warden/internal/gateway/auditrec"
)

// Log satisfies the gateway's recorder interface; the request-id middleware
// calls Record before the response completes.
var _ auditrec.Recorder = (*Log)(nil)

// backend is where committed records go. append must be atomic: either all
// records and the checkpoint are durable when it returns nil, or none are.
type backend interface {
	// head returns the last committed record's seq and hash (0 and zeroHash
	// for an empty log) and the seq of the last checkpoint.
	head() (seq int64, hash string, cpSeq int64, err error)
	append(recs []Record, cp *Checkpoint) error
	close() error
}

// Options are the non-config dependencies of a Log.
type Options struct {
	Logger *slog.Logger
	// Stdout is where the stdout sink writes; os.Stdout when nil.
	Stdout io.Writer
	// SigningKey overrides Config.SigningKeyFile (tests, embedding).
	SigningKey ed25519.PrivateKey
	// Dir resolves relative Path and SigningKeyFile (the gateway passes
	// the config file's directory).
	Dir string

	// tick replaces the checkpoint-interval ticker in tests, so that the
	// time-based checkpoint can be tested without waiting on a clock.
	tick <-chan time.Time
}

// ErrClosed is returned by Record after Close.
var ErrClosed = errors.New("audit log closed")

type pending struct {
	rec  auditrec.Record
	done chan error
}

// Log is the audit writer. It is safe for concurrent use; one goroutine owns
// the backend and commits records in batches.
type Log struct {
	cfg    Config
	key    ed25519.PrivateKey
	logger *slog.Logger
	be     backend

	mu     sync.RWMutex // guards closed and sends on queue
	closed bool
	queue  chan *pending
	done   chan struct{}
	force  chan chan error

	batches, records atomic.Int64
	tick             <-chan time.Time

	// Owned by the writer goroutine.
	seq    int64
	hash   string
	cpSeq  int64
	lastCP time.Time
}

// New opens the configured sink and continues the chain from its last
// committed record, which is what makes the log crash-consistent: a record
// is either fully committed (and becomes the new head) or absent.
func New(cfg Config, opts Options) (*Log, error) {
	if opts.Dir != "" {
		for _, p := range []*string{&cfg.Path, &cfg.SigningKeyFile} {
			if *p != "" && !filepath.IsAbs(*p) {
				*p = filepath.Join(opts.Dir, *p)
			}
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("audit config: %w", err)
	}
	cfg = cfg.withDefaults()
	l := &Log{cfg: cfg, key: opts.SigningKey, logger: opts.Logger, tick: opts.tick}
	if l.logger == nil {
		l.logger = slog.Default()
	}
	if l.key == nil && cfg.SigningKeyFile != "" {
		k, err := LoadPrivateKey(cfg.SigningKeyFile)
		if err != nil {
			return nil, err
		}
		l.key = k
	}
	var err error
	switch cfg.Sink {
	case "none":
		return nil, errors.New("audit: sink none: there is no log to open")
	case "stdout":
		w := opts.Stdout
		if w == nil {
			w = os.Stdout
		}
		l.be = newJSONLBackend(w)
	default:
		l.be, err = openSQLiteBackend(cfg.Path, cfg.Synchronous)
		if err != nil {
			return nil, err
		}
	}
	l.seq, l.hash, l.cpSeq, err = l.be.head()
	if err != nil {
		_ = l.be.close()
		return nil, fmt.Errorf("audit: read chain head: %w", err)
	}
	l.lastCP = time.Now()
	l.queue = make(chan *pending, cfg.QueueSize)
	l.done = make(chan struct{})
	l.force = make(chan chan error)
	go l.run()
	return l, nil
}

// Record appends rec and returns once it is committed. ctx bounds only the
// wait: a record that was queued is written even if ctx ends first, because
// a request whose client went away still happened and belongs in the log.
// The caller must not send the response before Record returns nil if it
// relies on the durability contract.
func (l *Log) Record(ctx context.Context, rec auditrec.Record) error {
	p := &pending{rec: rec, done: make(chan error, 1)}
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		return ErrClosed
	}
	// Queue first if there is room, even when ctx is already done: the
	// request happened and belongs in the log.
	select {
	case l.queue <- p:
	default:
		select {
		case l.queue <- p:
		case <-ctx.Done():
			l.mu.RUnlock()
			return fmt.Errorf("audit: queue record %s: %w", rec.ID, ctx.Err())
		}
	}
	l.mu.RUnlock()
	select {
	case err := <-p.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("audit: wait for commit of %s: %w", rec.ID, ctx.Err())
	}
}

// Checkpoint writes a signed checkpoint at the current head now (if there is
// a key and anything new to sign).
func (l *Log) Checkpoint(ctx context.Context) error {
	ch := make(chan error, 1)
	select {
	case l.force <- ch:
	case <-l.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stats counts committed records and the transactions that carried them;
// Records/Batches is the mean group-commit batch size.
type Stats struct{ Records, Batches int64 }

// Stats returns the counters since New.
func (l *Log) Stats() Stats { return Stats{Records: l.records.Load(), Batches: l.batches.Load()} }

// Close commits what is queued, writes a final checkpoint and closes the
// sink. Records submitted after Close fail with ErrClosed.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	close(l.queue)
	l.mu.Unlock()
	<-l.done
	return l.be.close()
}

func (l *Log) run() {
	defer close(l.done)
	tick := l.tick
	if tick == nil && l.key != nil && l.cfg.CheckpointInterval > 0 {
		t := time.NewTicker(l.cfg.CheckpointInterval)
		defer t.Stop()
		tick = t.C
	}
	batch := make([]*pending, 0, l.cfg.MaxBatch)
	for {
		select {
		case p, ok := <-l.queue:
			if !ok {
				if err := l.commit(nil, true); err != nil {
					l.logger.Error("audit: final checkpoint", "err", err)
				}
				return
			}
			batch = append(batch[:0], p)
			// Group commit: everything that queued up while the previous
			// transaction was committing goes into this one. No timer is
			// needed; the batch grows with the load.
		drain:
			for len(batch) < l.cfg.MaxBatch {
				select {
				case q, ok := <-l.queue:
					if !ok {
						break drain
					}
					batch = append(batch, q)
				default:
					break drain
				}
			}
			err := l.commit(batch, false)
			for _, q := range batch {
				q.done <- err
			}
			clear(batch)
		case <-tick:
			if time.Since(l.lastCP) >= l.cfg.CheckpointInterval {
				if err := l.commit(nil, true); err != nil {
					l.logger.Error("audit: periodic checkpoint", "err", err)
				}
			}
		case ch := <-l.force:
			ch <- l.commit(nil, true)
		}
	}
}

// commit chains and writes batch, adding a checkpoint when one is due (or
// forced). On failure the in-memory head is left unchanged, so the next
// batch chains onto the last record that really is committed.
func (l *Log) commit(batch []*pending, forceCP bool) error {
	seq, hash := l.seq, l.hash
	recs := make([]Record, 0, len(batch))
	for _, p := range batch {
		r := Record{Record: p.rec}
		r.normalize()
		seq++
		r.Seq, r.PrevHash = seq, hash
		h, err := r.computeHash()
		if err != nil {
			return fmt.Errorf("audit: hash record: %w", err)
		}
		r.Hash, hash = h, h
		recs = append(recs, r)
	}
	var cp *Checkpoint
	due := forceCP || (l.cfg.CheckpointEvery > 0 && seq-l.cpSeq >= int64(l.cfg.CheckpointEvery))
	if l.key != nil && due && seq > l.cpSeq {
		cp = &Checkpoint{Seq: seq, Head: hash, Time: time.Unix(0, time.Now().UnixNano()).UTC()}
		if err := signCheckpoint(cp, l.key); err != nil {
			return fmt.Errorf("audit: sign checkpoint: %w", err)
		}
	}
	if len(recs) == 0 && cp == nil {
		return nil
	}
	if err := l.be.append(recs, cp); err != nil {
		return fmt.Errorf("audit: commit %d records: %w", len(recs), err)
	}
	l.seq, l.hash = seq, hash
	if len(recs) > 0 {
		l.batches.Add(1)
		l.records.Add(int64(len(recs)))
	}
	if cp != nil {
		l.cpSeq, l.lastCP = cp.Seq, time.Now()
		// A copy of each checkpoint in the operational log gives an anchor
		// outside the database: an attacker who deletes the tail together
		// with its checkpoints still cannot remove this line.
		l.logger.Info("audit checkpoint", "seq", cp.Seq, "head_hash", cp.Head, "key_id", cp.KeyID)
	}
	return nil
}
