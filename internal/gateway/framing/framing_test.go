package framing

import (
	"bytes"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCheckHead(t *testing.T) {
	cases := []struct {
		head    string
		reason  string
		chunked bool
		length  int64
		pass    bool
	}{
		{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "", false, 0, false},
		{"\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", "", false, 0, false},
		{"POST / HTTP/1.1\r\nContent-Length: 12\r\n\r\n", "", false, 12, false},
		{"POST / HTTP/1.1\r\ncontent-length:\t7 \r\n\r\n", "", false, 7, false},
		{"POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n", "", true, 0, false},
		{"POST / HTTP/1.1\nTransfer-Encoding: chunked\n\n", "", true, 0, false},
		{"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "", false, 0, true},
		{"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", "", false, 0, true},
		{"POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", ReasonLengthAndChunked, false, 0, false},
		{"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n", ReasonLengthAndChunked, false, 0, false},
		{"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", ReasonDuplicateLength, false, 0, false},
		{"POST / HTTP/1.1\r\nContent-Length: 1,1\r\n\r\n", ReasonBadLength, false, 0, false},
		{"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", ReasonBadLength, false, 0, false},
		{"POST / HTTP/1.1\r\nContent-Length: \r\n\r\n", ReasonBadLength, false, 0, false},
		{"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", ReasonBadLength, false, 0, false},
		{"POST / HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n", ReasonTransferEncoding, false, 0, false},
		{"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, identity\r\n\r\n", ReasonTransferEncoding, false, 0, false},
		{"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\tidentity\r\n\r\n", ReasonTransferEncoding, false, 0, false},
		{"POST / HTTP/1.1\r\nTransfer-Encoding: \x0bchunked\r\n\r\n", ReasonTransferEncoding, false, 0, false},
		{"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", ReasonTransferEncoding, false, 0, false},
		{"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", ReasonTransferEncoding, false, 0, false},
		{"POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n", ReasonHeaderName, false, 0, false},
		{"POST / HTTP/1.1\r\nContent-Length\t: 3\r\n\r\n", ReasonHeaderName, false, 0, false},
		{"GET / HTTP/0.9\r\n\r\n", ReasonRequestLineVersion, false, 0, false},
		{"GET /#x HTTP/1.1\r\n\r\n", ReasonRequestLineFrag, false, 0, false},
		{"GET\r\n\r\n", ReasonRequestLine, false, 0, false},
		// Not framing: left to net/http.
		{"GET / HTTP/4.0\r\n\r\n", "", false, 0, false},
		{"GET / HTTP/1.1\r\nX-Content-Length: 1\r\nX-Content-Length: 2\r\n\r\n", "", false, 0, false},
	}
	for _, c := range cases {
		v := checkHead([]byte(c.head))
		if v.reason != c.reason || v.chunked != c.chunked || v.length != c.length || v.pass != c.pass {
			t.Errorf("%q: got %+v, want reason=%q chunked=%v length=%d pass=%v", c.head, v, c.reason, c.chunked, c.length, c.pass)
		}
	}
}

// script is a net.Conn whose reads return the given pieces in order and
// then io.EOF.
type script struct {
	pieces [][]byte
	wrote  bytes.Buffer
}

func (s *script) Read(p []byte) (int, error) {
	if len(s.pieces) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.pieces[0])
	s.pieces[0] = s.pieces[0][n:]
	if len(s.pieces[0]) == 0 {
		s.pieces = s.pieces[1:]
	}
	return n, nil
}
func (s *script) Write(p []byte) (int, error)      { return s.wrote.Write(p) }
func (s *script) Close() error                     { return nil }
func (s *script) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (s *script) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (s *script) SetDeadline(time.Time) error      { return nil }
func (s *script) SetReadDeadline(time.Time) error  { return nil }
func (s *script) SetWriteDeadline(time.Time) error { return nil }

// through runs input through a Conn, delivered in pieces of the given
// sizes (cycled), read with a buffer of readSize, and returns what the
// caller saw and the connection.
func through(input []byte, sizes []int, readSize int, maxHeader int) ([]byte, *Conn) {
	var pieces [][]byte
	for i, k := 0, 0; i < len(input); k++ {
		n := 1
		if len(sizes) > 0 {
			n = max(1, sizes[k%len(sizes)])
		}
		n = min(n, len(input)-i)
		pieces = append(pieces, append([]byte(nil), input[i:i+n]...))
		i += n
	}
	c := newConn(&script{pieces: pieces}, Options{MaxHeaderBytes: maxHeader})
	var out bytes.Buffer
	buf := make([]byte, max(readSize, 1))
	for range 1 << 20 {
		n, err := c.Read(buf)
		out.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return out.Bytes(), c
}

func TestConnPassesValidStreamUnchanged(t *testing.T) {
	body := "GET /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n" // a head inside a body
	stream := "GET / HTTP/1.1\r\nHost: a\r\n\r\n" +
		"POST / HTTP/1.1\r\nContent-Length: " + itoa(len(body)) + "\r\n\r\n" + body +
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + hexa(len(body)) + " ;a=b\r\n" + body + "\r\n0\r\nT: 1\r\n\r\n" +
		"\r\nGET /last HTTP/1.1\r\n\r\n"
	for _, sizes := range [][]int{{1}, {2, 3}, {7}, {64}, {4096}} {
		for _, rs := range []int{1, 5, 4096} {
			got, c := through([]byte(stream), sizes, rs, 1<<10)
			if string(got) != stream {
				t.Fatalf("sizes %v read %d: stream changed:\n%q", sizes, rs, got)
			}
			if c.Rejection() != nil {
				t.Fatalf("refused: %+v", c.Rejection())
			}
		}
	}
}

func TestConnRefusesAfterValidRequests(t *testing.T) {
	good := "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
	bad := "POST /b HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n"
	for _, sizes := range [][]int{{1}, {3}, {4096}} {
		got, c := through([]byte(good+bad), sizes, 4096, 1<<10)
		rej := c.Rejection()
		if rej == nil || rej.Reason != ReasonLengthAndChunked || rej.Method != "POST" || rej.Target != "/b" {
			t.Fatalf("rejection %+v", rej)
		}
		if !strings.HasPrefix(string(got), good+"GET "+syntheticPath+" ") || strings.Contains(string(got), "smuggled") {
			t.Fatalf("caller saw %q", got)
		}
		if !strings.Contains(string(got), tokenHeader+": "+rej.token+"\r\n") || len(rej.token) != 32 {
			t.Fatalf("stand-in lacks the token: %q", got)
		}
	}
}

func TestConnLeavesOversizedHeadToNetHTTP(t *testing.T) {
	// Over the limit the head is handed over unchecked (net/http answers
	// 431 and closes); the wrapper holds no more than the limit.
	head := "GET / HTTP/1.1\r\nX: " + strings.Repeat("a", 8000) + "\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"
	got, c := through([]byte(head), []int{512}, 4096, 1024)
	if string(got) != head || c.Rejection() != nil {
		t.Fatalf("oversized head changed or refused")
	}
	// At most the limit plus one read, with append's growth on top.
	if cap(c.head) > 2*(1024+4096+4096) {
		t.Errorf("held %d bytes", cap(c.head))
	}
}

func TestConnStopsFollowingH2AndUpgrades(t *testing.T) {
	h2 := "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"
	if got, c := through([]byte(h2), []int{5}, 4096, 1024); string(got) != h2 || c.Rejection() != nil {
		t.Errorf("h2 stream changed or refused")
	}
	// An Upgrade request is followed until the server answers 101.
	up := "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n"
	s := &script{pieces: [][]byte{[]byte(up)}}
	c := newConn(s, Options{})
	buf := make([]byte, 4096)
	n, _ := c.Read(buf)
	if string(buf[:n]) != up {
		t.Fatalf("read %q", buf[:n])
	}
	if _, err := c.Write([]byte("HTTP/1.1 101 Switching Protocols\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	frame := "\x81\x05Content-Length: 1\r\nContent-Length: 2\r\n\r\n"
	s.pieces = [][]byte{[]byte(frame)}
	n, _ = c.Read(buf)
	if string(buf[:n]) != frame || c.Rejection() != nil {
		t.Errorf("websocket bytes changed or refused: %q", buf[:n])
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
func hexa(n int) string { return strconv.FormatInt(int64(n), 16) }

// FuzzConn checks, for any byte stream and any way of splitting it into
// reads, that the wrapper neither panics nor holds more than its limit, that
// the result does not depend on how the stream was split, and that what the
// caller sees is the stream itself, or a prefix of it followed by the
// stand-in request when a head was refused.
func FuzzConn(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), byte(3), byte(7))
	f.Add([]byte("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n"), byte(1), byte(200))
	f.Add([]byte("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc"), byte(2), byte(9))
	f.Add([]byte("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcPOST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"), byte(5), byte(5))
	f.Fuzz(func(t *testing.T, in []byte, split, rs byte) {
		if len(in) > 1<<14 {
			return
		}
		const maxHeader = 256
		whole, cw := through(in, []int{len(in)}, 4096, maxHeader)
		parts, cp := through(in, []int{int(split), int(split)/2 + 1}, int(rs)*17, maxHeader) // reads below and above directMin
		if r := cw.Rejection(); r != nil {
			whole = bytes.Replace(whole, []byte(r.token), []byte("TOKEN"), 1)
		}
		if r := cp.Rejection(); r != nil {
			parts = bytes.Replace(parts, []byte(r.token), []byte("TOKEN"), 1)
		}
		if !bytes.Equal(whole, parts) {
			t.Fatalf("result depends on read sizes:\n%q\n%q", whole, parts)
		}
		if (cw.Rejection() == nil) != (cp.Rejection() == nil) {
			t.Fatalf("refusal depends on read sizes")
		}
		if cap(cp.head) > 2*(maxHeader+4096+4096) {
			t.Fatalf("held %d bytes", cap(cp.head))
		}
		if rej := cw.Rejection(); rej != nil {
			i := bytes.Index(whole, []byte("GET "+syntheticPath+" HTTP/1.1\r\n"))
			if i < 0 || !bytes.HasPrefix(in, whole[:i]) {
				t.Fatalf("refused stream is not a prefix plus the stand-in: %q", whole)
			}
			return
		}
		if !bytes.Equal(whole, in) {
			t.Fatalf("stream changed:\n%q\n%q", in, whole)
		}
	})
}

// BenchmarkConnRead measures what the wrapper adds per request: one typical
// JSON POST (head and body) read through a Conn, against the same bytes read
// from the bare connection, with net/http's 4 KiB reads.
func BenchmarkConnRead(b *testing.B) {
	req := "POST /orders HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: Go-http-client/1.1\r\nContent-Length: 42\r\nContent-Type: application/json\r\nX-Api-Key: bench-key-0123456789\r\nAccept-Encoding: gzip\r\n\r\n" + `{"item":"book","qty":2,"note":"gift wrap"}`
	const perRound = 64
	stream := []byte(strings.Repeat(req, perRound))
	buf := make([]byte, 4096)
	for _, wrapped := range []bool{false, true} {
		name := "raw"
		if wrapped {
			name = "wrapped"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(req)))
			s := &script{}
			var c net.Conn = s
			if wrapped {
				c = newConn(s, Options{})
			}
			for i := 0; i < b.N; i += perRound {
				s.pieces = append(s.pieces[:0], stream)
				for {
					if _, err := c.Read(buf); err != nil {
						break
					}
				}
				if wrapped && c.(*Conn).Rejection() != nil {
					b.Fatal("refused")
				}
			}
		})
	}
}
