package audit

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardensec/warden/internal/gateway/auditrec"
)

const (
	crashEnvDB  = "WARDEN_AUDIT_CRASH_DB"
	crashEnvKey = "WARDEN_AUDIT_CRASH_KEY"
)

// TestCrashHelper is not a test: TestCrashConsistency re-executes the test
// binary to run it as a child process. It serves requests that each write
// an audit record before answering 200, the way the gateway's request-id
// middleware does, until it is killed.
func TestCrashHelper(t *testing.T) {
	path := os.Getenv(crashEnvDB)
	if path == "" {
		t.Skip("helper process for TestCrashConsistency")
	}
	seed, err := hex.DecodeString(os.Getenv(crashEnvKey))
	if err != nil {
		t.Fatal(err)
	}
	l, err := New(Config{Path: path, CheckpointEvery: 50}, Options{SigningKey: ed25519.NewKeyFromSeed(seed)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("LISTEN %s\n", ln.Addr())
	_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Req-Id")
		rec := auditrec.Record{ID: id, Time: time.Now(), Route: "crash", Consumer: "load", ClientIP: "127.0.0.1",
			Method: r.Method, Path: r.URL.Path, Decision: "allow", Status: http.StatusOK}
		if err := l.Record(context.WithoutCancel(r.Context()), rec); err != nil {
			http.Error(w, "audit unavailable", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, id)
	}))
}

// TestCrashConsistency runs load against a child process that audits every
// request, kills it with SIGKILL mid-load, restarts it on the same database
// and kills it again. Every request that got a 200 must have its record,
// and the log must verify; then an edited row must fail verification.
func TestCrashConsistency(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	path := t.TempDir() + "/crash.db"
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	acked := map[string]bool{}
	var seq atomic.Int64
	const rounds, killAfter, perRoundCap, workers = 2, 300, 3000, 8

	for round := 0; round < rounds; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$")
		cmd.Env = append(os.Environ(), crashEnvDB+"="+path, crashEnvKey+"="+hex.EncodeToString(priv.Seed()))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		addr, err := readListen(stdout, 30*time.Second)
		if err != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("round %d: child did not start: %v", round, err)
		}
		go io.Copy(io.Discard, stdout)

		client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
		var ok, sent atomic.Int64
		var stop atomic.Bool
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for !stop.Load() && sent.Add(1) <= perRoundCap {
					id := fmt.Sprintf("r%d-%06d", round, seq.Add(1))
					req, _ := http.NewRequest("POST", "http://"+addr+"/crash", nil)
					req.Header.Set("X-Req-Id", id)
					resp, err := client.Do(req)
					if err != nil {
						continue // the child is gone, or going
					}
					body, rerr := io.ReadAll(resp.Body)
					resp.Body.Close()
					// A 200 counts only if the whole response arrived: that
					// is a response the client really received.
					if rerr == nil && resp.StatusCode == http.StatusOK && string(body) == id {
						mu.Lock()
						acked[id] = true
						mu.Unlock()
						ok.Add(1)
					}
				}
			}()
		}
		// Kill once enough requests succeeded, while the workers are still
		// sending, so that commits are in flight when the process dies.
		deadline := time.Now().Add(30 * time.Second)
		for ok.Load() < killAfter && time.Now().Before(deadline) && sent.Load() < perRoundCap {
			time.Sleep(5 * time.Millisecond)
		}
		if err := cmd.Process.Kill(); err != nil { // SIGKILL on Unix
			t.Fatal(err)
		}
		_ = cmd.Wait()
		stop.Store(true)
		wg.Wait()
		client.CloseIdleConnections()
		if ok.Load() == 0 {
			t.Fatalf("round %d: no request succeeded", round)
		}
		t.Logf("round %d: %d requests acknowledged before SIGKILL (%d sent)", round, ok.Load(), min(sent.Load(), perRoundCap))
	}

	db, err := OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	all, err := Query(context.Background(), db, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, r := range all {
		have[r.ID] = true
	}
	missing := 0
	for id := range acked {
		if !have[id] {
			missing++
			if missing <= 5 {
				t.Errorf("acknowledged request %s has no audit record", id)
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged requests missing from the log", missing, len(acked))
	}
	rep, err := Verify(context.Background(), db, pub)
	if err != nil {
		t.Fatalf("verify after crash: %v", err)
	}
	t.Logf("after 2 crashes: %d acknowledged, %d records, %d checkpoints, %d unsigned", len(acked), rep.Records, rep.Checkpoints, rep.Unsigned)
	db.Close()

	// Then edit one row: verify must fail, naming it.
	rw := openRW(t, path)
	target := all[len(all)/2]
	mustExec(t, rw, `UPDATE audit_log SET status = 500 WHERE seq = ?`, target.Seq)
	rw.Close()
	_, err = verifyPath(t, path, pub)
	var te *TamperError
	if !errors.As(err, &te) || te.Seq != target.Seq || te.ID != target.ID {
		t.Fatalf("edited row %d (%s): verify = %v", target.Seq, target.ID, err)
	}
}

// readListen reads the child's "LISTEN addr" line, bounded by timeout.
func readListen(r io.Reader, timeout time.Duration) (string, error) {
	ch := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "LISTEN "); ok {
				ch <- a
				return
			}
		}
		close(ch)
	}()
	select {
	case a, ok := <-ch:
		if !ok {
			return "", errors.New("child exited before listening")
		}
		return a, nil
	case <-time.After(timeout):
		return "", errors.New("timed out waiting for the child to listen")
	}
}
