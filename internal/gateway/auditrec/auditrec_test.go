package auditrec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestJSONLinesConcurrent(t *testing.T) {
	var buf bytes.Buffer
	j := NewJSONLines(&buf)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = j.Record(context.Background(), Record{ID: strings.Repeat("x", 100), Time: time.Unix(0, 0), Status: 200, Decision: "allow"})
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 50 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, l := range lines {
		var r Record
		if err := json.Unmarshal([]byte(l), &r); err != nil || r.Status != 200 {
			t.Fatalf("interleaved or bad line %q: %v", l, err)
		}
	}
}

func TestMultiCallsAllAndJoinsErrors(t *testing.T) {
	var calls int
	ok := RecorderFunc(func(context.Context, Record) error { calls++; return nil })
	bad := RecorderFunc(func(context.Context, Record) error { calls++; return errors.New("down") })
	err := Multi(bad, nil, ok).Record(context.Background(), Record{})
	if calls != 2 || err == nil || !strings.Contains(err.Error(), "down") {
		t.Errorf("calls=%d err=%v", calls, err)
	}
}
