// Package audit is the gateway's tamper-evident audit log: one record per
// request, hash-chained, with periodic Ed25519-signed checkpoints, stored in
// SQLite (or written as JSON lines to stdout).
//
// The chain makes any edit, deletion, insertion or reordering of committed
// records visible to Verify, because every record's hash covers its sequence
// number and the previous record's hash. A hash chain alone cannot stop an
// attacker who rewrites the whole tail, or who cuts it off; the signed
// checkpoints pin (seq, head hash) with a key the database does not hold, so
// rewriting or truncating anything up to the last checkpoint is detected too.
//
// Durability: Log.Record returns only after the record is committed, so a
// caller that writes the response after Record returns never answers a
// request that is missing from the log. Concurrent callers share one
// transaction (group commit), which pays one fsync per batch instead of one
// per request.
package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/wardensec/warden/internal/gateway/auditrec"
)

// Record is one stored audit record: the gateway's auditrec.Record plus its
// place in the chain. Seq, PrevHash and Hash are assigned by the Log.
// Bodies, query strings and headers are never part of a record (see
// auditrec.Record): they can carry credentials and personal data, and the
// log must be safe to hand to an auditor.
type Record struct {
	Seq int64 `json:"seq"`
	auditrec.Record
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// MaxFieldLen caps each string field. A request path is attacker-chosen, and
// an unbounded one would let a single client grow the log by megabytes per
// request; the cap is applied before hashing so the chain covers what is
// stored.
const MaxFieldLen = 2048

// zeroHash is the prev_hash of the first record (seq 1).
var zeroHash = strings.Repeat("0", 64)

const recordDomain = "warden.audit.record.v1\n"

// canonical returns the byte string that a record's hash covers. Every field
// is length-prefixed or fixed-width, so two different records can never
// encode to the same bytes (no delimiter ambiguity). Time is covered as Unix
// nanoseconds, which is also how it is stored, so a round trip through SQLite
// or JSON cannot change the hash.
func (r *Record) canonical(prev []byte) []byte {
	b := make([]byte, 0, 256)
	b = append(b, recordDomain...)
	b = binary.BigEndian.AppendUint64(b, uint64(r.Seq))
	b = append(b, prev...)
	b = binary.BigEndian.AppendUint64(b, uint64(r.Time.UnixNano()))
	for _, s := range [...]string{r.ID, r.Route, r.Consumer, r.ClientIP, r.Method, r.Path, r.Decision, r.Reason} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	b = binary.BigEndian.AppendUint64(b, uint64(int64(r.Status)))
	b = binary.BigEndian.AppendUint64(b, uint64(r.Latency))
	b = binary.BigEndian.AppendUint64(b, uint64(r.UpstreamLatency))
	if r.Hostile {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	return b
}

// computeHash returns the hex SHA-256 of the record chained to r.PrevHash.
func (r *Record) computeHash() (string, error) {
	prev, err := hex.DecodeString(r.PrevHash)
	if err != nil || len(prev) != sha256.Size {
		return "", fmt.Errorf("prev_hash %q is not a hex SHA-256", r.PrevHash)
	}
	sum := sha256.Sum256(r.canonical(prev))
	return hex.EncodeToString(sum[:]), nil
}

// normalize bounds the fields and fixes the time representation so that the
// stored record is exactly the hashed one.
func (r *Record) normalize() {
	if r.Time.IsZero() {
		r.Time = time.Now()
	}
	// Nanosecond Unix time is what is hashed and stored; dropping the
	// monotonic reading and location makes the in-memory value equal to the
	// one read back.
	r.Time = time.Unix(0, r.Time.UnixNano()).UTC()
	for _, p := range []*string{&r.ID, &r.Route, &r.Consumer, &r.ClientIP, &r.Method, &r.Path, &r.Decision, &r.Reason} {
		if len(*p) > MaxFieldLen {
			*p = (*p)[:MaxFieldLen]
		}
	}
	if r.Decision == "" {
		r.Decision = "allow"
	}
}
