package deception

import (
	"archive/zip"
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/wardensec/warden/internal/gateway/reqctx"
)

func TestBlocklistExpiryAndBound(t *testing.T) {
	now := time.Unix(1000, 0)
	b := NewBlocklist(func() time.Time { return now })
	if !b.Block("1.1.1.1", time.Minute, 2) || !b.Block("2.2.2.2", time.Second, 2) {
		t.Fatal("block refused")
	}
	if b.Block("3.3.3.3", time.Minute, 2) {
		t.Error("list grew past its bound")
	}
	now = now.Add(2 * time.Second) // 2.2.2.2 expired: room again
	if !b.Block("3.3.3.3", time.Minute, 2) || b.Blocked("2.2.2.2") || !b.Blocked("1.1.1.1") {
		t.Error("expiry not applied")
	}
	now = now.Add(time.Hour)
	if b.Blocked("1.1.1.1") {
		t.Error("block outlived its duration")
	}
}

func TestDecoys(t *testing.T) {
	m, err := New(Config{Enabled: true, Decoys: []Decoy{{Path: "/old-admin", Body: "login"}}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	passed := 0
	h := m.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { passed++ }))
	get := func(p string) (*httptest.ResponseRecorder, *reqctx.State) {
		st := &reqctx.State{ClientIP: "192.0.2.1"}
		r := httptest.NewRequest("GET", p, nil)
		r = r.WithContext(reqctx.With(r.Context(), st))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec, st
	}
	rec, st := get("/admin/backup.zip")
	if _, err := zip.NewReader(bytes.NewReader(rec.Body.Bytes()), int64(rec.Body.Len())); err != nil || rec.Code != 200 {
		t.Errorf("backup.zip is not a zip: %v", err)
	}
	if !st.Snapshot().Hostile {
		t.Error("not marked hostile")
	}
	if rec, _ := get("/old-admin"); rec.Body.String() != "login" {
		t.Errorf("custom decoy: %q", rec.Body.String())
	}
	// Without block_for the client is not blocked.
	if _, st := get("/real"); passed != 1 || st.Snapshot().Hostile {
		t.Errorf("normal request: passed=%d", passed)
	}
	if err := (&Config{Decoys: []Decoy{{Path: "x"}, {Path: "/a", Status: 99}}}).Validate(); err == nil {
		t.Error("bad decoys accepted")
	}
}
