package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

const schema = `
CREATE TABLE IF NOT EXISTS audit_log (
	seq         INTEGER PRIMARY KEY,
	id          TEXT    NOT NULL,
	ts          INTEGER NOT NULL,  -- Unix nanoseconds, as hashed
	route       TEXT    NOT NULL,
	consumer    TEXT    NOT NULL,
	client_ip   TEXT    NOT NULL,
	method      TEXT    NOT NULL,
	path        TEXT    NOT NULL,
	decision    TEXT    NOT NULL,
	reason      TEXT    NOT NULL,
	status      INTEGER NOT NULL,
	latency_ns  INTEGER NOT NULL,
	upstream_ns INTEGER NOT NULL,
	hostile     INTEGER NOT NULL,
	prev_hash   TEXT    NOT NULL,
	hash        TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_ts ON audit_log(ts);
CREATE INDEX IF NOT EXISTS audit_log_consumer_ts ON audit_log(consumer, ts);
CREATE TABLE IF NOT EXISTS audit_checkpoint (
	seq       INTEGER PRIMARY KEY,
	head_hash TEXT    NOT NULL,
	ts        INTEGER NOT NULL,
	key_id    TEXT    NOT NULL,
	sig       BLOB    NOT NULL
);
`

const recordColumns = `seq, id, ts, route, consumer, client_ip, method, path, decision, reason, status, latency_ns, upstream_ns, hostile, prev_hash, hash`

// dsn builds a modernc.org/sqlite DSN. busy_timeout lets readers (verify,
// tail) and the writer wait for each other instead of failing with
// SQLITE_BUSY; WAL lets them read while the gateway writes.
func dsn(path string, sync string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	if readOnly {
		q.Add("mode", "ro")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous("+strings.ToUpper(sync)+")")
		q.Add("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

type sqliteBackend struct {
	db   *sql.DB
	ins  *sql.Stmt
	insC *sql.Stmt
}

func openSQLiteBackend(path, sync string) (*sqliteBackend, error) {
	db, err := sql.Open("sqlite", dsn(path, sync, false))
	if err != nil {
		return nil, fmt.Errorf("audit: open %s: %w", path, err)
	}
	// One connection: SQLite has one writer anyway, and a single
	// connection keeps the pragmas and the prepared statements in one place.
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("audit: create schema in %s: %w", path, err)
	}
	b := &sqliteBackend{db: db}
	if b.ins, err = db.Prepare(`INSERT INTO audit_log (` + recordColumns + `) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`); err != nil {
		db.Close()
		return nil, fmt.Errorf("audit: prepare insert: %w", err)
	}
	if b.insC, err = db.Prepare(`INSERT INTO audit_checkpoint (seq, head_hash, ts, key_id, sig) VALUES (?,?,?,?,?)`); err != nil {
		db.Close()
		return nil, fmt.Errorf("audit: prepare checkpoint insert: %w", err)
	}
	return b, nil
}

func (b *sqliteBackend) head() (int64, string, int64, error) {
	seq, hash := int64(0), zeroHash
	err := b.db.QueryRow(`SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&seq, &hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, "", 0, err
	}
	var cp sql.NullInt64
	if err := b.db.QueryRow(`SELECT MAX(seq) FROM audit_checkpoint`).Scan(&cp); err != nil {
		return 0, "", 0, err
	}
	return seq, hash, cp.Int64, nil
}

func (b *sqliteBackend) append(recs []Record, cp *Checkpoint) (err error) {
	tx, err := b.db.Begin()
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	ins := tx.Stmt(b.ins)
	for i := range recs {
		r := &recs[i]
		if _, err = ins.Exec(r.Seq, r.ID, r.Time.UnixNano(), r.Route, r.Consumer, r.ClientIP, r.Method, r.Path,
			r.Decision, r.Reason, r.Status, int64(r.Latency), int64(r.UpstreamLatency), boolInt(r.Hostile), r.PrevHash, r.Hash); err != nil {
			return fmt.Errorf("insert seq %d: %w", r.Seq, err)
		}
	}
	if cp != nil {
		if _, err = tx.Stmt(b.insC).Exec(cp.Seq, cp.Head, cp.Time.UnixNano(), cp.KeyID, cp.Sig); err != nil {
			return fmt.Errorf("insert checkpoint %d: %w", cp.Seq, err)
		}
	}
	return tx.Commit()
}

func (b *sqliteBackend) close() error {
	b.ins.Close()
	b.insC.Close()
	return b.db.Close()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// OpenDB opens an audit database for reading (verify, tail, query). It fails
// if the file does not exist rather than creating an empty log that would
// then "verify" successfully.
func OpenDB(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn(path, "", true))
	if err != nil {
		return nil, fmt.Errorf("audit: open %s: %w", path, err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN ('audit_log','audit_checkpoint')`).Scan(&n); err != nil {
		db.Close()
		return nil, fmt.Errorf("audit: open %s: %w", path, err)
	}
	if n != 2 {
		db.Close()
		return nil, fmt.Errorf("audit: %s is not a warden audit database", path)
	}
	return db, nil
}

type scanner interface{ Scan(...any) error }

func scanRecord(s scanner) (Record, error) {
	var r Record
	var ts, lat, up int64
	var hostile int
	err := s.Scan(&r.Seq, &r.ID, &ts, &r.Route, &r.Consumer, &r.ClientIP, &r.Method, &r.Path,
		&r.Decision, &r.Reason, &r.Status, &lat, &up, &hostile, &r.PrevHash, &r.Hash)
	r.Time = time.Unix(0, ts).UTC()
	r.Latency, r.UpstreamLatency = time.Duration(lat), time.Duration(up)
	r.Hostile = hostile != 0
	return r, err
}

// Filter selects records for Query. Zero fields match everything.
type Filter struct {
	Consumer string
	Route    string
	Decision string
	Since    time.Time
	AfterSeq int64
	// Limit caps the result; 0 means no cap.
	Limit int
}

// Query returns matching records in seq order.
func Query(ctx context.Context, db *sql.DB, f Filter) ([]Record, error) {
	var where []string
	var args []any
	if f.Consumer != "" {
		where, args = append(where, "consumer = ?"), append(args, f.Consumer)
	}
	if f.Route != "" {
		where, args = append(where, "route = ?"), append(args, f.Route)
	}
	if f.Decision != "" {
		where, args = append(where, "decision = ?"), append(args, f.Decision)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "ts >= ?"), append(args, f.Since.UnixNano())
	}
	if f.AfterSeq > 0 {
		where, args = append(where, "seq > ?"), append(args, f.AfterSeq)
	}
	q := `SELECT ` + recordColumns + ` FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY seq"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return queryRecords(ctx, db, q, args...)
}

// Tail returns the last n records in seq order.
func Tail(ctx context.Context, db *sql.DB, n int) ([]Record, error) {
	return queryRecords(ctx, db, `SELECT * FROM (SELECT `+recordColumns+` FROM audit_log ORDER BY seq DESC LIMIT ?) ORDER BY seq`, n)
}

func queryRecords(ctx context.Context, db *sql.DB, q string, args ...any) ([]Record, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("audit: query: %w", err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("audit: scan record: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: query: %w", err)
	}
	return out, nil
}
