package audit

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// TamperError names the first record at which the log stops being the log
// that was written. ID is empty when the record is missing (truncation).
type TamperError struct {
	Seq    int64
	ID     string
	Reason string
}

func (e *TamperError) Error() string {
	if e.ID == "" {
		return fmt.Sprintf("audit log tampered at seq %d: %s", e.Seq, e.Reason)
	}
	return fmt.Sprintf("audit log tampered at seq %d (id %s): %s", e.Seq, e.ID, e.Reason)
}

// Report summarises a successful verification.
type Report struct {
	Records     int64
	Checkpoints int
	HeadSeq     int64
	HeadHash    string
	// SignedSeq is the last checkpoint seq. Records after it (Unsigned) are
	// protected by the chain only: an attacker who can write the database
	// can rewrite or drop them without detection until the next checkpoint.
	SignedSeq int64
	Unsigned  int64
	// KeyChecked is false when no public key was given, in which case
	// checkpoint heads were compared but their signatures were not checked.
	KeyChecked bool
	Segments   int
}

type verifier struct {
	keys   map[string]ed25519.PublicKey // by KeyID
	rep    Report
	expect int64
	prev   string
}

func newVerifier(keys []ed25519.PublicKey) *verifier {
	v := &verifier{expect: 1, prev: zeroHash, rep: Report{HeadHash: zeroHash}}
	for _, k := range keys {
		if len(k) == 0 {
			continue // a nil key means "no key", not a key
		}
		if v.keys == nil {
			v.keys = map[string]ed25519.PublicKey{}
		}
		v.keys[KeyID(k)] = k
	}
	v.rep.KeyChecked = v.keys != nil
	return v
}

// checkSig verifies cp against the key it names. A checkpoint naming a key
// that was not supplied fails: accepting it would let a forger sign with
// any key of their own.
func (v *verifier) checkSig(cp *Checkpoint) error {
	if v.keys == nil {
		return nil
	}
	k, ok := v.keys[cp.KeyID]
	if !ok {
		return fmt.Errorf("signed by key %s, which is not among the given public keys", cp.KeyID)
	}
	return verifyCheckpoint(cp, k)
}

// record checks one record against the chain so far.
func (v *verifier) record(r *Record) *TamperError {
	bad := func(format string, args ...any) *TamperError {
		return &TamperError{Seq: r.Seq, ID: r.ID, Reason: fmt.Sprintf(format, args...)}
	}
	if r.Seq != v.expect {
		if r.Seq > v.expect {
			return bad("expected seq %d next: %d record(s) deleted", v.expect, r.Seq-v.expect)
		}
		return bad("expected seq %d next: record inserted or reordered", v.expect)
	}
	if r.PrevHash != v.prev {
		return bad("prev_hash does not match the hash of seq %d: record inserted, deleted or reordered", r.Seq-1)
	}
	h, err := r.computeHash()
	if err != nil {
		return bad("%v", err)
	}
	if h != r.Hash {
		return bad("hash mismatch: record contents edited")
	}
	v.expect, v.prev = r.Seq+1, r.Hash
	v.rep.Records++
	v.rep.HeadSeq, v.rep.HeadHash = r.Seq, r.Hash
	return nil
}

// checkpoint checks a checkpoint whose seq is the current head.
func (v *verifier) checkpoint(cp *Checkpoint, id string) *TamperError {
	if cp.Head != v.prev {
		return &TamperError{Seq: cp.Seq, ID: id, Reason: "record hash differs from the signed checkpoint: chain rewritten"}
	}
	if err := v.checkSig(cp); err != nil {
		return &TamperError{Seq: cp.Seq, ID: id, Reason: fmt.Sprintf("checkpoint signature: %v", err)}
	}
	v.rep.Checkpoints++
	v.rep.SignedSeq = cp.Seq
	return nil
}

func (v *verifier) finish() *Report {
	v.rep.Unsigned = v.rep.HeadSeq - v.rep.SignedSeq
	return &v.rep
}

// Verify checks the whole log in db against the chain and the checkpoints,
// reading one consistent snapshot so that a gateway writing at the same
// time cannot cause false alarms. It returns a *TamperError (check with
// errors.As) naming the first bad record, or another error when the
// database cannot be read. With no keys, checkpoint heads are compared but
// signatures are not checked; with several (after a key rotation), each
// checkpoint is checked against the key its KeyID names.
func Verify(ctx context.Context, db *sql.DB, keys ...ed25519.PublicKey) (*Report, error) {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("audit verify: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only

	cps, err := loadCheckpoints(ctx, tx)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+recordColumns+` FROM audit_log ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("audit verify: query: %w", err)
	}
	defer rows.Close()
	v := newVerifier(keys)
	ci := 0
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("audit verify: scan: %w", err)
		}
		// A checkpoint at a seq that is no longer reached in order (the
		// rows before it were deleted) is handled by the seq check.
		if te := v.record(&r); te != nil {
			return nil, te
		}
		for ci < len(cps) && cps[ci].Seq < r.Seq {
			// A checkpoint for a seq we passed without seeing: impossible
			// unless its record vanished, which v.record already caught.
			ci++
		}
		if ci < len(cps) && cps[ci].Seq == r.Seq {
			if te := v.checkpoint(&cps[ci], r.ID); te != nil {
				return nil, te
			}
			ci++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit verify: read rows: %w", err)
	}
	if ci < len(cps) {
		cp := &cps[ci]
		if err := v.checkSig(cp); err != nil {
			return nil, &TamperError{Seq: cp.Seq, Reason: fmt.Sprintf("checkpoint beyond the last record has a bad signature: %v", err)}
		}
		return nil, &TamperError{Seq: v.rep.HeadSeq + 1,
			Reason: fmt.Sprintf("log truncated: last record is seq %d but a checkpoint covers seq %d", v.rep.HeadSeq, cp.Seq)}
	}
	return v.finish(), nil
}

func loadCheckpoints(ctx context.Context, tx *sql.Tx) ([]Checkpoint, error) {
	rows, err := tx.QueryContext(ctx, `SELECT seq, head_hash, ts, key_id, sig FROM audit_checkpoint ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("audit verify: query checkpoints: %w", err)
	}
	defer rows.Close()
	var out []Checkpoint
	for rows.Next() {
		var c Checkpoint
		var ts int64
		if err := rows.Scan(&c.Seq, &c.Head, &ts, &c.KeyID, &c.Sig); err != nil {
			return nil, fmt.Errorf("audit verify: scan checkpoint: %w", err)
		}
		c.Time = time.Unix(0, ts).UTC()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit verify: read checkpoints: %w", err)
	}
	return out, nil
}

// maxLine bounds one JSON line; records are capped well below it.
const maxLine = 1 << 20

// VerifyJSONL checks the output of the stdout sink. Each segment (one
// gateway process) starts at seq 1; a checkpoint line must follow the
// record it signs. Truncation of a segment's tail cannot be detected from
// the stream itself; ship the lines to append-only storage.
func VerifyJSONL(r io.Reader, keys ...ed25519.PublicKey) (*Report, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	total := Report{KeyChecked: newVerifier(keys).keys != nil}
	var v *verifier
	lastID := ""
	flush := func() {
		if v != nil {
			rep := v.finish()
			total.Records += rep.Records
			total.Checkpoints += rep.Checkpoints
			total.Unsigned += rep.Unsigned
			total.HeadSeq, total.HeadHash, total.SignedSeq = rep.HeadSeq, rep.HeadHash, rep.SignedSeq
		}
	}
	lineNo := 0
	for sc.Scan() {
		lineNo++
		var ln Line
		ln.Record = &Record{}
		if err := json.Unmarshal(sc.Bytes(), &ln); err != nil {
			return nil, &TamperError{Seq: expectSeq(v), Reason: fmt.Sprintf("line %d is not an audit line: %v", lineNo, err)}
		}
		switch ln.Kind {
		case "record":
			rec := ln.Record
			if rec.Seq == 1 && rec.PrevHash == zeroHash {
				flush()
				v = newVerifier(keys)
				total.Segments++
			}
			if v == nil {
				return nil, &TamperError{Seq: rec.Seq, ID: rec.ID, Reason: "stream does not start at seq 1"}
			}
			if te := v.record(rec); te != nil {
				return nil, te
			}
			lastID = rec.ID
		case "checkpoint":
			if ln.Checkpoint == nil || v == nil || ln.Checkpoint.Seq != v.rep.HeadSeq {
				return nil, &TamperError{Seq: expectSeq(v), Reason: fmt.Sprintf("line %d: checkpoint out of place", lineNo)}
			}
			if te := v.checkpoint(ln.Checkpoint, lastID); te != nil {
				return nil, te
			}
		default:
			return nil, &TamperError{Seq: expectSeq(v), Reason: fmt.Sprintf("line %d: unknown kind %q", lineNo, ln.Kind)}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("audit verify: read lines: %w", err)
	}
	flush()
	return &total, nil
}

func expectSeq(v *verifier) int64 {
	if v == nil {
		return 1
	}
	return v.expect
}

// IsTampered reports whether err is a *TamperError.
func IsTampered(err error) bool {
	var te *TamperError
	return errors.As(err, &te)
}
