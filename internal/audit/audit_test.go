package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardensec/warden/internal/gateway/auditrec"
)

func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.DiscardHandler))
	os.Exit(m.Run())
}

func testKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

func pubOf(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

func testRecord(i int) auditrec.Record {
	return auditrec.Record{
		ID:       fmt.Sprintf("req-%04d", i),
		Time:     time.Date(2026, 11, 23, 12, 0, 0, i, time.UTC),
		Route:    "orders",
		Consumer: []string{"alice", "bob"}[i%2],
		ClientIP: "127.0.0.1",
		Method:   "GET",
		Path:     fmt.Sprintf("/orders/%d", i),
		Decision: []string{"allow", "deny"}[i%2],
		Reason:   []string{"", "waf.942100"}[i%2],
		Status:   []int{200, 403}[i%2],
		Latency:  time.Duration(i) * time.Microsecond,
	}
}

// writeLog writes n records concurrently (so that group commit batches them)
// with a checkpoint every cpEvery records, and returns the db path.
func writeLog(t *testing.T, key ed25519.PrivateKey, n, cpEvery int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.db")
	l, err := New(Config{Path: path, CheckpointEvery: cpEvery}, Options{SigningKey: key})
	if err != nil {
		t.Fatal(err)
	}
	// Sequential, so that checkpoints land on exact multiples of cpEvery;
	// TestGroupCommit covers concurrent writers.
	for i := 1; i <= n; i++ {
		if err := l.Record(context.Background(), testRecord(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func openRW(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func verifyPath(t *testing.T, path string, pub ed25519.PublicKey) (*Report, error) {
	t.Helper()
	db, err := OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return Verify(context.Background(), db, pub)
}

func idAt(t *testing.T, db *sql.DB, seq int64) string {
	t.Helper()
	var id string
	if err := db.QueryRow(`SELECT id FROM audit_log WHERE seq = ?`, seq).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func TestChainVerifies(t *testing.T) {
	key := testKey(t)
	path := writeLog(t, key, 60, 10)
	rep, err := verifyPath(t, path, pubOf(key))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != 60 || rep.HeadSeq != 60 || !rep.KeyChecked {
		t.Fatalf("report = %+v", rep)
	}
	// Close writes a final checkpoint, so nothing is left unsigned.
	if rep.SignedSeq != 60 || rep.Unsigned != 0 || rep.Checkpoints < 6 {
		t.Fatalf("checkpoints: %+v", rep)
	}
	// Without a key the chain and checkpoint heads are still checked.
	if rep, err := verifyPath(t, path, nil); err != nil || rep.KeyChecked {
		t.Fatalf("no key: %+v %v", rep, err)
	}
}

func TestTamperDetected(t *testing.T) {
	key := testKey(t)
	clean := writeLog(t, key, 60, 10)
	cases := []struct {
		name    string
		tamper  func(t *testing.T, db *sql.DB) (seq int64, id string)
		wantMsg string
	}{
		{"edit", func(t *testing.T, db *sql.DB) (int64, string) {
			mustExec(t, db, `UPDATE audit_log SET status = 200, decision = 'allow' WHERE seq = 17`)
			return 17, idAt(t, db, 17)
		}, "edited"},
		{"edit-time", func(t *testing.T, db *sql.DB) (int64, string) {
			mustExec(t, db, `UPDATE audit_log SET ts = ts + 1 WHERE seq = 3`)
			return 3, idAt(t, db, 3)
		}, "edited"},
		{"delete", func(t *testing.T, db *sql.DB) (int64, string) {
			mustExec(t, db, `DELETE FROM audit_log WHERE seq = 23`)
			return 24, idAt(t, db, 24)
		}, "deleted"},
		{"insert", func(t *testing.T, db *sql.DB) (int64, string) {
			// Make room at seq 31 and insert a forged record whose own hash
			// is valid: the break shows at the record after it.
			mustExec(t, db, `UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 31`)
			mustExec(t, db, `UPDATE audit_log SET seq = seq - 999 WHERE seq >= 1031`)
			var prev string
			if err := db.QueryRow(`SELECT hash FROM audit_log WHERE seq = 30`).Scan(&prev); err != nil {
				t.Fatal(err)
			}
			f := Record{Record: testRecord(999)}
			f.normalize()
			f.Seq, f.PrevHash = 31, prev
			h, err := f.computeHash()
			if err != nil {
				t.Fatal(err)
			}
			mustExec(t, db, `INSERT INTO audit_log (`+recordColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
				f.Seq, f.ID, f.Time.UnixNano(), f.Route, f.Consumer, f.ClientIP, f.Method, f.Path, f.Decision, f.Reason, f.Status, int64(f.Latency), int64(f.UpstreamLatency), boolInt(f.Hostile), f.PrevHash, h)
			return 32, idAt(t, db, 32)
		}, "inserted"},
		{"reorder", func(t *testing.T, db *sql.DB) (int64, string) {
			// Swap every column but seq between two rows.
			mustExec(t, db, `UPDATE audit_log SET seq = -41 WHERE seq = 41`)
			mustExec(t, db, `UPDATE audit_log SET seq = 41 WHERE seq = 42`)
			mustExec(t, db, `UPDATE audit_log SET seq = 42 WHERE seq = -41`)
			return 41, idAt(t, db, 41)
		}, "reordered"},
		{"truncate-tail", func(t *testing.T, db *sql.DB) (int64, string) {
			mustExec(t, db, `DELETE FROM audit_log WHERE seq > 55`)
			return 56, ""
		}, "truncated"},
		{"bad-checkpoint-signature", func(t *testing.T, db *sql.DB) (int64, string) {
			mustExec(t, db, `UPDATE audit_checkpoint SET sig = zeroblob(64) WHERE seq = 20`)
			return 20, idAt(t, db, 20)
		}, "signature"},
		{"rewrite-chain", func(t *testing.T, db *sql.DB) (int64, string) {
			// An attacker who recomputes every hash after an edit keeps the
			// chain consistent; the signed checkpoint at 10 exposes it.
			rewrite(t, db, 5)
			return 10, idAt(t, db, 10)
		}, "checkpoint"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := copyDB(t, clean)
			db := openRW(t, path)
			seq, id := tc.tamper(t, db)
			db.Close()
			_, err := verifyPath(t, path, pubOf(key))
			var te *TamperError
			if !errors.As(err, &te) {
				t.Fatalf("verify after %s: err = %v, want TamperError", tc.name, err)
			}
			if te.Seq != seq || te.ID != id || !strings.Contains(te.Error(), tc.wantMsg) {
				t.Fatalf("got %v (seq %d id %q); want seq %d id %q containing %q", te, te.Seq, te.ID, seq, id, tc.wantMsg)
			}
		})
	}
}

// rewrite changes the record at seq and recomputes the chain from there.
func rewrite(t *testing.T, db *sql.DB, from int64) {
	t.Helper()
	mustExec(t, db, `UPDATE audit_log SET status = 299 WHERE seq = ?`, from)
	recs, err := queryRecords(context.Background(), db, `SELECT `+recordColumns+` FROM audit_log WHERE seq >= ? ORDER BY seq`, from-1)
	if err != nil {
		t.Fatal(err)
	}
	prev := recs[0].Hash
	for _, r := range recs[1:] {
		r.PrevHash = prev
		h, err := r.computeHash()
		if err != nil {
			t.Fatal(err)
		}
		mustExec(t, db, `UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?`, prev, h, r.Seq)
		prev = h
	}
}

func copyDB(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "copy.db")
	db := openRW(t, src)
	mustExec(t, db, `VACUUM INTO ?`, dst)
	return dst
}

func TestVerifyWrongKey(t *testing.T) {
	key := testKey(t)
	path := writeLog(t, key, 12, 5)
	_, err := verifyPath(t, path, pubOf(testKey(t)))
	if !IsTampered(err) || !strings.Contains(err.Error(), "signature") {
		t.Fatalf("err = %v; want a signature failure", err)
	}
}

func TestKeyRotation(t *testing.T) {
	k1, k2 := testKey(t), testKey(t)
	path := filepath.Join(t.TempDir(), "a.db")
	for _, k := range []ed25519.PrivateKey{k1, k2} {
		l, err := New(Config{Path: path, CheckpointEvery: 3}, Options{SigningKey: k})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 7; i++ {
			if err := l.Record(context.Background(), testRecord(i)); err != nil {
				t.Fatal(err)
			}
		}
		l.Close()
	}
	db, err := OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if rep, err := Verify(context.Background(), db, pubOf(k1), pubOf(k2)); err != nil || rep.Records != 14 {
		t.Fatalf("both keys: %+v %v", rep, err)
	}
	if _, err := Verify(context.Background(), db, pubOf(k1)); !IsTampered(err) || !strings.Contains(err.Error(), "not among") {
		t.Fatalf("old key only: %v", err)
	}
}

// TestVerifyDuringWrites runs Verify against a database that a Log is
// writing to: each Verify reads one snapshot, so it must never report a
// false truncation or gap.
func TestVerifyDuringWrites(t *testing.T) {
	key := testKey(t)
	path := filepath.Join(t.TempDir(), "a.db")
	l, err := New(Config{Path: path, CheckpointEvery: 7}, Options{SigningKey: key})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Record(context.Background(), testRecord(0)); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 1; i <= 600; i++ {
			if err := l.Record(context.Background(), testRecord(i)); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	db, err := OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for n := 0; n < 30; n++ {
		if _, err := Verify(context.Background(), db, pubOf(key)); err != nil {
			t.Fatalf("verify %d during writes: %v", n, err)
		}
	}
	<-done
}

func TestReopenContinuesChain(t *testing.T) {
	key := testKey(t)
	path := filepath.Join(t.TempDir(), "audit.db")
	for round := 0; round < 3; round++ {
		l, err := New(Config{Path: path, CheckpointEvery: 4}, Options{SigningKey: key})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 5; i++ {
			if err := l.Record(context.Background(), testRecord(round*10+i)); err != nil {
				t.Fatal(err)
			}
		}
		// No Close on the middle round: that is a crash without the final
		// checkpoint, and the next open must still continue the chain.
		if round != 1 {
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
		} else {
			l.mu.Lock()
			l.closed = true
			close(l.queue)
			l.mu.Unlock()
			<-l.done
			_ = l.be.close()
		}
	}
	rep, err := verifyPath(t, path, pubOf(key))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != 15 {
		t.Fatalf("records = %d, want 15", rep.Records)
	}
}

func TestRecordAfterClose(t *testing.T) {
	l, err := New(Config{Path: filepath.Join(t.TempDir(), "a.db")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Record(context.Background(), testRecord(1)); !errors.Is(err, ErrClosed) {
		t.Fatalf("err = %v, want ErrClosed", err)
	}
}

func TestCanceledContextStillRecorded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	l, err := New(Config{Path: path}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = l.Record(ctx, testRecord(1)) // may report ctx.Err while waiting
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	rep, err := verifyPath(t, path, nil)
	if err != nil || rep.Records != 1 {
		t.Fatalf("record of a canceled request: %+v %v", rep, err)
	}
}

func TestNoKeyNoCheckpoints(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	l, err := New(Config{Path: path, CheckpointEvery: 1}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := l.Record(context.Background(), testRecord(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	rep, err := verifyPath(t, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Checkpoints != 0 || rep.Unsigned != 3 {
		t.Fatalf("report = %+v", rep)
	}
}

func TestIntervalCheckpoint(t *testing.T) {
	key := testKey(t)
	path := filepath.Join(t.TempDir(), "a.db")
	tick := make(chan time.Time)
	// An interval of 1ns makes every tick due; the ticks come from the test.
	l, err := New(Config{Path: path, CheckpointEvery: 1000, CheckpointInterval: time.Nanosecond}, Options{SigningKey: key, tick: tick})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := 0; i < 3; i++ {
		if err := l.Record(context.Background(), testRecord(i)); err != nil {
			t.Fatal(err)
		}
	}
	tick <- time.Now()
	tick <- time.Now() // the writer handled the first tick before taking this one
	rep, err := verifyPath(t, path, pubOf(key))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Checkpoints != 1 || rep.SignedSeq != 3 {
		t.Fatalf("after a tick with 3 new records: %+v (a second tick with nothing new must not add one)", rep)
	}
}

func TestForcedCheckpoint(t *testing.T) {
	key := testKey(t)
	path := filepath.Join(t.TempDir(), "a.db")
	l, err := New(Config{Path: path, CheckpointEvery: 1000}, Options{SigningKey: key})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := 0; i < 3; i++ {
		if err := l.Record(context.Background(), testRecord(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	rep, err := verifyPath(t, path, pubOf(key))
	if err != nil {
		t.Fatal(err)
	}
	if rep.SignedSeq != 3 {
		t.Fatalf("signed seq = %d, want 3", rep.SignedSeq)
	}
}

func TestFieldsRoundTripAndCap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	l, err := New(Config{Path: path}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	in := testRecord(7)
	in.Path = "/" + strings.Repeat("x", 3*MaxFieldLen)
	in.Hostile, in.UpstreamLatency = true, 3*time.Millisecond
	if err := l.Record(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	l.Close()
	db, err := OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := Query(context.Background(), db, Filter{Consumer: "bob", Decision: "deny"})
	if err != nil || len(got) != 1 {
		t.Fatalf("query = %v, %v", got, err)
	}
	g := got[0]
	if len(g.Path) != MaxFieldLen || !g.Hostile || g.UpstreamLatency != 3*time.Millisecond || !g.Time.Equal(in.Time) || g.Reason != "waf.942100" {
		t.Fatalf("round trip: %+v", g)
	}
	if none, _ := Query(context.Background(), db, Filter{Consumer: "alice"}); len(none) != 0 {
		t.Fatalf("filter leaked: %v", none)
	}
}

func TestOpenDBRefusesMissingFile(t *testing.T) {
	if _, err := OpenDB(filepath.Join(t.TempDir(), "nope.db")); err == nil {
		t.Fatal("OpenDB of a missing file succeeded")
	}
}

func TestJSONLSink(t *testing.T) {
	key := testKey(t)
	var buf bytes.Buffer
	for seg := 0; seg < 2; seg++ {
		l, err := New(Config{Sink: "stdout", CheckpointEvery: 3}, Options{SigningKey: key, Stdout: &buf})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 7; i++ {
			if err := l.Record(context.Background(), testRecord(i)); err != nil {
				t.Fatal(err)
			}
		}
		l.Close()
	}
	rep, err := VerifyJSONL(bytes.NewReader(buf.Bytes()), pubOf(key))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Segments != 2 || rep.Records != 14 || rep.Checkpoints < 4 {
		t.Fatalf("report = %+v", rep)
	}
	if strings.Contains(buf.String(), "?") {
		t.Fatal("query string leaked into the log")
	}
	// Edit one line: the status of the third record.
	lines := strings.Split(buf.String(), "\n")
	lines[2] = strings.Replace(lines[2], `"status":200`, `"status":201`, 1)
	lines[2] = strings.Replace(lines[2], `"status":403`, `"status":200`, 1)
	_, err = VerifyJSONL(strings.NewReader(strings.Join(lines, "\n")), pubOf(key))
	var te *TamperError
	if !errors.As(err, &te) || te.Seq != 3 {
		t.Fatalf("edited jsonl: %v", err)
	}
}

func TestCanonicalFieldBoundaries(t *testing.T) {
	// Moving a byte from one field to its neighbour must change the hash.
	a, b := Record{Record: testRecord(1)}, Record{Record: testRecord(1)}
	a.Route, a.Consumer = "ab", "c"
	b.Route, b.Consumer = "a", "bc"
	a.PrevHash, b.PrevHash = zeroHash, zeroHash
	ha, _ := a.computeHash()
	hb, _ := b.computeHash()
	if ha == hb {
		t.Fatal("field boundary shift kept the hash")
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func TestGroupCommit(t *testing.T) {
	key := testKey(t)
	path := filepath.Join(t.TempDir(), "a.db")
	l, err := New(Config{Path: path, CheckpointEvery: 25}, Options{SigningKey: key})
	if err != nil {
		t.Fatal(err)
	}
	const n = 400
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- l.Record(context.Background(), testRecord(i))
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	st := l.Stats()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if st.Records != n || st.Batches >= n {
		t.Fatalf("stats = %+v: want %d records in fewer than %d transactions", st, n, n)
	}
	rep, err := verifyPath(t, path, pubOf(key))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != n || rep.Unsigned != 0 {
		t.Fatalf("report = %+v", rep)
	}
	db, _ := OpenDB(path)
	defer db.Close()
	all, _ := Query(context.Background(), db, Filter{})
	seen := map[string]bool{}
	for _, r := range all {
		seen[r.ID] = true
	}
	for i := 0; i < n; i++ {
		if !seen[testRecord(i).ID] {
			t.Fatalf("record %d missing", i)
		}
	}
}

func TestKeyFormats(t *testing.T) {
	privPEM, pubPEM, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	priv, err := ParsePrivateKey(privPEM)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParsePublicKey(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	if !pub.Equal(priv.Public()) {
		t.Fatal("PEM pair does not match")
	}
	seed := []byte(strings.TrimSpace(b64(priv.Seed())))
	p2, err := ParsePrivateKey(append(seed, '\n'))
	if err != nil || !p2.Equal(priv) {
		t.Fatalf("base64 seed: %v", err)
	}
	if _, err := ParsePrivateKey([]byte("not a key")); err == nil {
		t.Fatal("garbage accepted")
	}
	if _, err := ParsePublicKey([]byte(b64(make([]byte, 31)))); err == nil {
		t.Fatal("short public key accepted")
	}
	// Each parser takes its own PEM only, and says which encoding failed.
	if _, err := ParsePublicKey(privPEM); err == nil || !strings.Contains(err.Error(), "parse PKIX") {
		t.Errorf("private PEM as public key: %v", err)
	}
	if _, err := ParsePrivateKey(pubPEM); err == nil || !strings.Contains(err.Error(), "parse PKCS#8") {
		t.Errorf("public PEM as private key: %v", err)
	}
	full := []byte(b64(priv))
	if p3, err := ParsePrivateKey(full); err != nil || !p3.Equal(priv) {
		t.Errorf("base64 64-byte key: %v", err)
	}
	if _, err := ParsePublicKey([]byte(b64(pub))); err != nil {
		t.Errorf("base64 public key: %v", err)
	}
	dir := t.TempDir()
	missing := filepath.Join(dir, "none.pem")
	if _, err := LoadPublicKey(missing); err == nil || !strings.HasPrefix(err.Error(), "read public key: ") {
		t.Errorf("missing public key file: %v", err)
	}
	bad := filepath.Join(dir, "bad.key")
	if err := os.WriteFile(bad, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadPrivateKey(bad); err == nil || err.Error() != "signing key "+bad+": neither PEM nor base64" {
		t.Errorf("bad signing key file: %v", err)
	}
}
