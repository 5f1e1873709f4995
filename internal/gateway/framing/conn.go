package framing

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure the wrapper.
type Options struct {
	// MaxHeaderBytes is the server's header limit. A head that grows past
	// it (plus net/http's 4 KiB read-ahead slack) is released to net/http
	// unchecked, which refuses it with 431 and closes the connection; the
	// wrapper never holds more than this per connection.
	MaxHeaderBytes int
	// HandshakeTimeout bounds the TLS handshake that NewTLSListener runs
	// before it can tell HTTP/2 from HTTP/1.1; default 10s.
	HandshakeTimeout time.Duration
}

func (o Options) maxHead() int {
	n := o.MaxHeaderBytes
	if n <= 0 {
		n = http.DefaultMaxHeaderBytes
	}
	return n + 4096
}

// NewListener wraps a plaintext listener: every accepted connection is
// checked until it turns out to speak HTTP/2 (prior-knowledge preface),
// switches protocols, or ends.
func NewListener(ln net.Listener, opts Options) net.Listener {
	return &listener{Listener: ln, opts: opts}
}

type listener struct {
	net.Listener
	opts Options
}

func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return newConn(c, l.opts), nil
}

func newConn(c net.Conn, opts Options) *Conn {
	return &Conn{Conn: c, p: parser{maxHead: opts.maxHead()}}
}

// Conn is a connection whose HTTP/1.x request heads are checked before
// net/http reads them.
type Conn struct {
	net.Conn
	p      parser
	head   []byte // the head being collected
	out    []byte // checked bytes waiting for the caller, from outPos on
	rbuf   []byte
	err    error // read error to return (once) when out is drained
	outPos int
	done   bool // a head was refused: only the synthetic request remains

	// Write runs on the handler's goroutine while Read may run on
	// net/http's background read, so the upgrade hand-off is atomic.
	upgrade  atomic.Bool // the last head asked to switch protocols
	switched atomic.Bool // the server answered 101: stop following

	mu  sync.Mutex
	rej *Rejection
	tls *tls.ConnectionState
}

// Rejection describes a refused head.
type Rejection struct {
	Reason string // one of the Reason constants
	// Method and Target are the refused request line's, for the audit
	// record; either may be empty when the line itself was malformed.
	Method, Target string
	token          string
}

// syntheticPath is the target of the request that stands in for a refused
// head. It is recognised only together with the connection's token, so a
// client sending it gains nothing.
const syntheticPath = "/.warden/framing-refused"

const tokenHeader = "X-Warden-Framing-Token"

// directMin is the smallest caller buffer that Read fills straight from the
// connection. net/http reads 4 KiB at a time; its 1-byte background reads go
// through the wrapper's own buffer instead, so that a head does not arrive a
// byte per read.
const directMin = 1024

// Read returns the connection's bytes, withholding each request head until
// it is complete and checked. In the common case (a head and its body within
// one read) the bytes are checked in the caller's buffer and nothing is
// copied.
func (c *Conn) Read(p []byte) (int, error) {
	for {
		if c.outPos < len(c.out) {
			n := copy(p, c.out[c.outPos:])
			c.outPos += n
			if c.outPos == len(c.out) {
				c.out, c.outPos = c.out[:0], 0 // keep the buffer
			}
			return n, nil
		}
		if c.done {
			return c.drain()
		}
		if c.switched.Load() {
			c.p.st = stPass
		}
		if c.err != nil {
			// Reported once: a deadline that net/http set to interrupt
			// its background read must not fail the next read.
			err := c.err
			c.err = nil
			return 0, err
		}
		if len(p) == 0 {
			return 0, nil
		}
		if len(c.head) == 0 && len(p) >= directMin {
			n, err := c.Conn.Read(p)
			if err != nil {
				c.err = err
			}
			if k := c.scan(p[:n]); k > 0 {
				return k, nil
			}
			continue
		}
		if c.rbuf == nil {
			c.rbuf = make([]byte, 4096)
		}
		n, err := c.Conn.Read(c.rbuf)
		if err != nil {
			c.err = err
		}
		c.feed(c.rbuf[:n])
		if c.err != nil && !isTimeout(c.err) && c.outPos == len(c.out) && c.p.st == stHead && len(c.head) > 0 {
			// (out is empty here: it is drained before each read.)
			// The stream ended inside a head: let net/http see what came
			// and report the truncation itself. A timeout is different:
			// net/http uses deadlines to interrupt its own background
			// read, and the head stays held until it is complete.
			c.out = append(c.out, c.head...)
			c.head = c.head[:0]
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// scan checks b in place and returns how many of its bytes may be handed
// to the caller: complete checked heads and the bodies that follow them. A
// head cut off at the end of b is kept in head; a refused head and anything
// after it are dropped, and the stand-in request is queued.
func (c *Conn) scan(b []byte) int {
	i := 0
	for i < len(b) && !c.done {
		if c.p.st != stHead {
			i += c.p.body(b[i:])
			continue
		}
		end := headEnd(b[i:], 0)
		if end < 0 {
			c.head = append(c.head[:0], b[i:]...)
			c.headLimit()
			return i
		}
		v := checkHead(b[i : i+end])
		if v.reason != "" {
			c.refuse(v)
			return i
		}
		c.p.afterHead(v)
		c.upgrade.Store(v.upgrade)
		i += end
	}
	return i
}

// feed consumes in, copying what may be handed over to out: body bytes at
// once, a head once it is complete and checked.
func (c *Conn) feed(in []byte) {
	for len(in) > 0 && !c.done {
		if c.p.st != stHead {
			k := c.p.body(in)
			c.out = append(c.out, in[:k]...)
			in = in[k:]
			continue
		}
		if len(c.head) == 0 {
			end := headEnd(in, 0)
			if end < 0 {
				c.head = append(c.head, in...)
				c.headLimit()
				return
			}
			if !c.accept(in[:end]) {
				return
			}
			in = in[end:]
			continue
		}
		// A head continued from earlier reads: it ends inside in (the
		// part already held had no end), so what follows it is a suffix
		// of in and need not be copied.
		old := len(c.head)
		c.head = append(c.head, in...)
		end := headEnd(c.head, max(old-2, 0))
		if end < 0 {
			c.headLimit()
			return
		}
		ok := c.accept(c.head[:end])
		rest := in[min(max(end-old, 0), len(in)):]
		c.head = c.head[:0]
		if !ok {
			return
		}
		in = rest
	}
}

// accept checks a complete head and queues it, or refuses it.
func (c *Conn) accept(h []byte) bool {
	v := checkHead(h)
	if v.reason != "" {
		c.refuse(v)
		return false
	}
	c.out = append(c.out, h...)
	c.p.afterHead(v)
	c.upgrade.Store(v.upgrade)
	return true
}

// headLimit hands an unfinished head over unchecked once it is larger than
// any head net/http accepts; net/http answers 431 and closes, and the
// wrapper stops following the connection rather than hold more.
func (c *Conn) headLimit() {
	if len(c.head) > c.p.maxHead {
		c.out = append(c.out, c.head...)
		c.head = c.head[:0]
		c.p.st = stPass
	}
}

// drain is Read after a refusal: the client's further bytes (the refused
// request's body, anything smuggled in it) are discarded, and only the
// connection's end is reported. Returning EOF at once would look to
// net/http's background read like the client leaving, and cancel a
// pipelined request that is still being served.
func (c *Conn) drain() (int, error) {
	if c.rbuf == nil {
		c.rbuf = make([]byte, 4096)
	}
	for {
		if _, err := c.Conn.Read(c.rbuf); err != nil {
			return 0, err
		}
	}
}

func (c *Conn) refuse(v verdict) {
	var tok [16]byte
	_, _ = rand.Read(tok[:])
	r := &Rejection{Reason: v.reason, Method: string(v.method), Target: string(v.target), token: hex.EncodeToString(tok[:])}
	if len(r.Method) > 32 {
		r.Method = ""
	}
	if len(r.Target) > 2048 {
		r.Target = r.Target[:2048]
	}
	c.mu.Lock()
	c.rej = r
	c.mu.Unlock()
	c.head = nil
	c.out = append(c.out, "GET "+syntheticPath+" HTTP/1.1\r\nHost: warden.invalid\r\nConnection: close\r\n"+tokenHeader+": "+r.token+"\r\n\r\n"...)
	c.done = true
}

// Write passes through; it also notices a 101 answer to an Upgrade request,
// after which the connection carries another protocol and is no longer
// followed.
func (c *Conn) Write(b []byte) (int, error) {
	if c.upgrade.Load() && len(b) >= 12 && string(b[:12]) == "HTTP/1.1 101" {
		c.switched.Store(true)
	}
	return c.Conn.Write(b)
}

// Rejection returns the refusal recorded on this connection, if any.
func (c *Conn) Rejection() *Rejection {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rej
}

type ctxKey struct{}

// ConnContext is for http.Server.ConnContext: it makes the connection
// findable from its requests' contexts.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if fc, ok := c.(*Conn); ok {
		return context.WithValue(ctx, ctxKey{}, fc)
	}
	return ctx
}

// Refused reports whether r is the stand-in for a head this package
// refused on r's connection. The Rejection carries the reason and the
// refused request line.
func Refused(r *http.Request) (*Rejection, bool) {
	fc, ok := r.Context().Value(ctxKey{}).(*Conn)
	if !ok {
		return nil, false
	}
	rej := fc.Rejection()
	if rej == nil || r.URL.Path != syntheticPath || r.Header.Get(tokenHeader) != rej.token {
		return nil, false
	}
	return rej, true
}

// TLSState returns the TLS state of r's connection when the connection is
// a checked TLS connection (which net/http cannot see as *tls.Conn).
func TLSState(r *http.Request) *tls.ConnectionState {
	if fc, ok := r.Context().Value(ctxKey{}).(*Conn); ok {
		return fc.tls
	}
	return nil
}

type refusedKey struct{}

// Mark returns r unchanged unless it is the stand-in for a refused head;
// then it returns a copy with the refused head's method and target (so that
// logs and the audit record show what the client sent, not the stand-in)
// whose context carries the Rejection for FromContext. The gateway calls it
// before any stage runs.
func Mark(r *http.Request) *http.Request {
	rej, ok := Refused(r)
	if !ok {
		return r
	}
	r = r.WithContext(context.WithValue(r.Context(), refusedKey{}, rej))
	r.Header = r.Header.Clone()
	r.Header.Del(tokenHeader)
	if rej.Method != "" {
		r.Method = rej.Method
	}
	if rej.Target != "" {
		if u, err := url.ParseRequestURI(rej.Target); err == nil {
			r.URL = u
			r.RequestURI = rej.Target
		}
	}
	return r
}

// FromContext returns the Rejection that Mark attached, or nil.
func FromContext(ctx context.Context) *Rejection {
	rej, _ := ctx.Value(refusedKey{}).(*Rejection)
	return rej
}

// Message is the client-facing text for a refusal.
func (r *Rejection) Message() string {
	if len(r.Reason) > len("request_line.") && r.Reason[:len("request_line.")] == "request_line." {
		return "malformed request line"
	}
	return "ambiguous request framing"
}

// Guard answers the stand-in requests itself, for servers that do not run
// the gateway's limits stage (which answers them with its own audit
// record). Other requests go to next.
func Guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rej, ok := Refused(r); ok {
			w.Header().Set("Connection", "close")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error":"`+rej.Message()+`"}`+"\n")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// NewTLSListener terminates TLS itself so that the decrypted HTTP/1.x
// stream can be checked. net/http recognises TLS only on a *tls.Conn, so the
// handshake runs here, off the accept loop: a connection that negotiated h2
// through ALPN is handed over as the *tls.Conn it is (HTTP/2 frames carry
// lengths and no HTTP/1 framing), any other is wrapped, and its TLS state is
// available to handlers through TLSState. cfg must set NextProtos.
func NewTLSListener(ln net.Listener, cfg *tls.Config, opts Options) net.Listener {
	if opts.HandshakeTimeout <= 0 {
		opts.HandshakeTimeout = 10 * time.Second
	}
	l := &tlsListener{ln: ln, cfg: cfg, opts: opts, ready: make(chan net.Conn), closed: make(chan struct{})}
	go l.loop()
	return l
}

type tlsListener struct {
	ln     net.Listener
	cfg    *tls.Config
	opts   Options
	ready  chan net.Conn
	closed chan struct{}
	once   sync.Once
	mu     sync.Mutex
	err    error
}

func (l *tlsListener) loop() {
	for {
		raw, err := l.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			l.mu.Lock()
			l.err = err
			l.mu.Unlock()
			l.Close()
			return
		}
		go l.handshake(raw)
	}
}

func (l *tlsListener) handshake(raw net.Conn) {
	tc := tls.Server(raw, l.cfg)
	ctx, cancel := context.WithTimeout(context.Background(), l.opts.HandshakeTimeout)
	err := tc.HandshakeContext(ctx)
	cancel()
	if err != nil {
		_ = raw.Close()
		return
	}
	var c net.Conn = tc
	if st := tc.ConnectionState(); st.NegotiatedProtocol != "h2" {
		fc := newConn(tc, l.opts)
		fc.tls = &st
		c = fc
	}
	select {
	case l.ready <- c:
	case <-l.closed:
		_ = c.Close()
	}
}

func (l *tlsListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ready:
		return c, nil
	case <-l.closed:
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.err != nil {
			return nil, l.err
		}
		return nil, net.ErrClosed
	}
}

func (l *tlsListener) Close() error {
	var err error
	l.once.Do(func() {
		close(l.closed)
		err = l.ln.Close()
	})
	return err
}

func (l *tlsListener) Addr() net.Addr { return l.ln.Addr() }

// CloseWrite half-closes the connection when the underlying one can.
// net/http half-closes before it closes a connection it refused (431, 400),
// so that the client reads the answer instead of a reset; an embedded
// net.Conn alone would hide the method.
func (c *Conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
