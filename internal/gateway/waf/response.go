package waf

import (
	"bytes"
	"net/http"

	"github.com/corazawaf/coraza/v3/types"

	"github.com/wardensec/warden/internal/gateway/reqctx"
)

// serveInspected runs the upstream with the response held back so that CRS
// phases 3 and 4 can still block it. Only used when
// response_body_inspection is on: it buffers up to ResponseBodyLimit and
// so delays the first byte and breaks streaming; past the limit the rest
// passes through uninspected (ProcessPartial).
func (h *handler) serveInspected(w http.ResponseWriter, r *http.Request, tx types.Transaction, st *reqctx.State) {
	bw := &bufferedWriter{w: w, header: http.Header{}, limit: h.m.cfg.ResponseBodyLimit}
	bw.tx, bw.h, bw.r, bw.st = tx, h, r, st
	h.next.ServeHTTP(bw, r)
	bw.finish()
}

type bufferedWriter struct {
	w      http.ResponseWriter
	header http.Header
	status int
	buf    bytes.Buffer
	limit  int64

	tx      types.Transaction
	h       *handler
	r       *http.Request
	st      *reqctx.State
	decided bool // the verdict was reached and headers went out (or a block)
	blocked bool
}

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	if b.blocked {
		return len(p), nil
	}
	if b.decided {
		return b.w.Write(p)
	}
	if int64(b.buf.Len()+len(p)) <= b.limit {
		return b.buf.Write(p)
	}
	// Over the limit: decide on what we have, then stream the rest.
	room := int(b.limit) - b.buf.Len()
	b.buf.Write(p[:room])
	b.decide()
	if b.blocked {
		return len(p), nil
	}
	if _, err := b.w.Write(p[room:]); err != nil {
		return room, err
	}
	return len(p), nil
}

func (b *bufferedWriter) finish() {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	if !b.decided {
		b.decide()
	}
}

// decide runs phases 3 and 4 on the headers and the buffered body, then
// either blocks or forwards what was held back.
func (b *bufferedWriter) decide() {
	b.decided = true
	tx := b.tx
	for k, vs := range b.header {
		for _, v := range vs {
			tx.AddResponseHeader(k, v)
		}
	}
	it := tx.ProcessResponseHeaders(b.status, b.r.Proto)
	if it == nil && tx.IsResponseBodyProcessable() && b.buf.Len() > 0 {
		var err error
		if it, _, err = tx.WriteResponseBody(b.buf.Bytes()); err == nil && it == nil {
			it, err = tx.ProcessResponseBody()
		}
		if err != nil {
			b.h.m.logger.Warn("waf: process response body", "route", b.h.route, "request_id", b.st.ID, "err", err)
		}
	}
	if it != nil {
		b.blocked = true
		// The upstream's headers are dropped with its body.
		b.h.block(b.w, b.r, tx, it)
		return
	}
	b.h.noteDetection(tx, b.st, true)
	dst := b.w.Header()
	for k, vs := range b.header {
		dst[k] = vs
	}
	b.w.WriteHeader(b.status)
	if b.buf.Len() > 0 {
		_, _ = b.w.Write(b.buf.Bytes())
	}
}
