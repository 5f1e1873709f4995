package audit

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardensec/warden/internal/gateway/auditrec"
)

// BenchmarkRecord measures what the durability contract costs a request:
// Record returns only after its transaction commits. "group" lets the
// writer put every record that queued during the previous commit into one
// transaction; "per-record" (max_batch 1) commits each alone. Both run 32
// concurrent callers, the shape of a gateway under load. Run bounded, e.g.
//
//	go test -run '^$' -bench BenchmarkRecord -benchtime 3000x ./internal/audit
func BenchmarkRecord(b *testing.B) {
	for _, sync := range []string{"full", "normal"} {
		for _, mode := range []struct {
			name     string
			maxBatch int
		}{{"group", 512}, {"per-record", 1}} {
			b.Run(fmt.Sprintf("sync=%s/%s", sync, mode.name), func(b *testing.B) {
				l, err := New(Config{Path: filepath.Join(b.TempDir(), "b.db"), Synchronous: sync, MaxBatch: mode.maxBatch},
					Options{SigningKey: testKey(b)})
				if err != nil {
					b.Fatal(err)
				}
				defer l.Close()
				rec := testRecord(1)
				var waited atomic.Int64
				b.SetParallelism(16) // 16 x GOMAXPROCS(2) = 32 callers
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						t0 := time.Now()
						if err := l.Record(context.Background(), rec); err != nil {
							b.Error(err)
							return
						}
						waited.Add(int64(time.Since(t0)))
					}
				})
				b.StopTimer()
				// ns/op is throughput (wall time / records); wait-µs is what
				// one request waits for its commit, i.e. the added latency.
				b.ReportMetric(float64(waited.Load())/float64(b.N)/1e3, "wait-µs/op")
				st := l.Stats()
				if st.Batches > 0 {
					b.ReportMetric(float64(st.Records)/float64(st.Batches), "records/txn")
				}
			})
		}
	}
}

// BenchmarkRecordSingle is one caller at a time: the latency a lone
// request pays for its commit (one fsync with synchronous FULL).
func BenchmarkRecordSingle(b *testing.B) {
	for _, sync := range []string{"full", "normal"} {
		b.Run("sync="+sync, func(b *testing.B) {
			l, err := New(Config{Path: filepath.Join(b.TempDir(), "b.db"), Synchronous: sync}, Options{SigningKey: testKey(b)})
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			rec := testRecord(1)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := l.Record(context.Background(), rec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzVerifyJSONL feeds arbitrary input to the JSON-lines verifier, seeded
// with a valid signed stream: it must never panic, and whatever it accepts
// must be a chain whose record count matches the record lines.
func FuzzVerifyJSONL(f *testing.F) {
	key := testKey(f)
	var buf bytes.Buffer
	l, err := New(Config{Sink: "stdout", CheckpointEvery: 2}, Options{SigningKey: key, Stdout: &buf})
	if err != nil {
		f.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		if err := l.Record(context.Background(), testRecord(i)); err != nil {
			f.Fatal(err)
		}
	}
	l.Close()
	f.Add(buf.Bytes())
	f.Add([]byte(`{"kind":"checkpoint"}`))
	f.Add([]byte(`{"kind":"record","seq":1,"prev_hash":"zz"}`))
	pub := pubOf(key)
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := VerifyJSONL(bytes.NewReader(data), pub)
		if err != nil {
			return
		}
		n := int64(strings.Count(string(data), `"kind":"record"`))
		if rep.Records > n {
			t.Fatalf("verified %d records from %d record lines", rep.Records, n)
		}
	})
}

// FuzzCanonical checks that the hashed encoding is injective: two records
// encode to the same bytes only if every field is equal, so no edit can
// keep a record's hash by moving bytes between fields.
func FuzzCanonical(f *testing.F) {
	f.Add("a", "b", "c", "/p", 200, int64(1), "a", "b", "c", "/p", 200, int64(1))
	f.Add("ab", "", "c", "/", 403, int64(0), "a", "b", "c", "/", 403, int64(0))
	f.Fuzz(func(t *testing.T, id1, route1, cons1, path1 string, st1 int, ns1 int64, id2, route2, cons2, path2 string, st2 int, ns2 int64) {
		mk := func(id, route, cons, path string, st int, ns int64) Record {
			r := Record{Seq: 7, PrevHash: zeroHash, Record: auditrec.Record{ID: id, Route: route, Consumer: cons, Path: path,
				Status: st, Time: time.Unix(0, ns), Decision: "allow"}}
			r.normalize()
			return r
		}
		a, b := mk(id1, route1, cons1, path1, st1, ns1), mk(id2, route2, cons2, path2, st2, ns2)
		same := a.ID == b.ID && a.Route == b.Route && a.Consumer == b.Consumer && a.Path == b.Path && a.Status == b.Status && a.Time.Equal(b.Time)
		zero := make([]byte, 32)
		if eq := bytes.Equal(a.canonical(zero), b.canonical(zero)); eq != same {
			t.Fatalf("canonical equal=%v but fields equal=%v: %+v vs %+v", eq, same, a, b)
		}
	})
}
