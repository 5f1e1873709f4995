// Package framing checks HTTP/1.x message framing below net/http.
//
// net/http normalises ambiguous framing before any handler runs: with both
// Transfer-Encoding and Content-Length it drops Content-Length, it folds
// identical duplicate Content-Length values into one, and it ignores
// Transfer-Encoding on HTTP/1.0. A handler therefore cannot tell that a
// request was ambiguous, yet those are exactly the requests that a proxy in
// front of or behind the gateway may frame differently (request smuggling).
// This package wraps the listener's connections, follows each request's
// framing as the bytes stream through Read (head, Content-Length body or
// chunked body, next head), and refuses an ambiguous head before net/http
// parses it.
//
// A refused head is never handed to net/http. The connection instead
// delivers a synthetic request that carries a per-connection token, and then
// end of stream: net/http answers it after any earlier pipelined response is
// complete, through the gateway's own handler chain, so the refusal gets the
// gateway's error shape and its audit record. Nothing after the refused head
// (its body, smuggled requests) is ever read by net/http.
package framing

import (
	"bytes"
)

// Reasons a head is refused. The gateway reports them as "limits.<reason>".
const (
	ReasonLengthAndChunked   = "framing.length_and_chunked"
	ReasonDuplicateLength    = "framing.duplicate_length"
	ReasonBadLength          = "framing.bad_length"
	ReasonTransferEncoding   = "framing.transfer_encoding"
	ReasonHeaderName         = "framing.header_name"
	ReasonRequestLine        = "request_line.malformed"
	ReasonRequestLineFrag    = "request_line.fragment"
	ReasonRequestLineVersion = "request_line.version"
)

type state int

const (
	stHead      state = iota // collecting a request head
	stBody                   // Content-Length body: remain bytes left
	stChunkLine              // chunk-size line
	stChunkData              // chunk data: remain bytes left
	stChunkCRLF              // CRLF after chunk data
	stTrailer                // trailer lines after the last chunk
	stPass                   // not following any more (h2, upgrade, too large, unparseable body)
)

// maxLine bounds a chunk-size or trailer line, as net/http does (4 KiB).
const maxLine = 4096

// parser follows message boundaries. It holds no more than one head (up to
// the header limit) and one chunk line.
type parser struct {
	st      state
	remain  int64
	line    []byte // partial chunk-size or trailer line
	maxHead int
}

// verdict is the result of checking one complete head.
type verdict struct {
	reason  string // "" when the head is fine
	method  []byte // slices of the head, copied only on refusal
	target  []byte
	chunked bool
	length  int64
	pass    bool // stop following: h2 preface, CONNECT
	upgrade bool
}

// headEnd returns the index just past the blank line ending the head in b,
// or -1. Leading empty lines (RFC 9112 §2.2 lets a server skip them) do not
// end a head. The search starts at from, so that a head arriving a few bytes
// at a time is not rescanned from the start on every read.
func headEnd(b []byte, from int) int {
	lead := 0
	for lead < len(b) && (b[lead] == '\r' || b[lead] == '\n') {
		lead++
	}
	i := max(lead, from)
	for {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return -1
		}
		k := i + j
		if k+1 < len(b) && b[k+1] == '\n' {
			return k + 2
		}
		if k+2 < len(b) && b[k+1] == '\r' && b[k+2] == '\n' {
			return k + 3
		}
		i = k + 1
	}
}

func isOWS(c byte) bool { return c == ' ' || c == '\t' }

func trimOWS(b []byte) []byte {
	for len(b) > 0 && isOWS(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isOWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func trimCR(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		return b[:len(b)-1]
	}
	return b
}

// checkHead judges one complete head (request line, fields, blank line).
// It only refuses what is ambiguous or malformed in a way that decides
// framing or routing; everything else is left to net/http, whose own
// checks still run on every head this one lets through.
func checkHead(h []byte) verdict {
	var v verdict
	for len(h) > 0 && (h[0] == '\r' || h[0] == '\n') {
		h = h[1:]
	}
	nl := bytes.IndexByte(h, '\n')
	if nl < 0 {
		return verdict{reason: ReasonRequestLine}
	}
	line := trimCR(h[:nl])
	rest := h[nl+1:]
	if bytes.HasPrefix(line, []byte("PRI * HTTP/2.0")) {
		v.pass = true // HTTP/2 prior knowledge: no HTTP/1 framing follows
		return v
	}
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 <= 0 {
		return verdict{reason: ReasonRequestLine}
	}
	sp2 := bytes.IndexByte(line[sp1+1:], ' ')
	if sp2 < 0 {
		return verdict{reason: ReasonRequestLine}
	}
	v.method = line[:sp1]
	target := line[sp1+1 : sp1+1+sp2]
	version := line[sp1+1+sp2+1:]
	v.target = target
	// HTTP/0.9 has no version token, and no HTTP/0.x other than 0.9
	// existed, so "HTTP/0.x" is a malformed line rather than an
	// unsupported version (net/http would answer 505 and let the client
	// believe some other version might be served).
	if len(version) == 8 && bytes.HasPrefix(version, []byte("HTTP/0.")) {
		v.reason = ReasonRequestLineVersion
		return v
	}
	// A fragment is never part of a request target (RFC 9112 §3.2); net/http
	// silently drops it, so the WAF, the router and the upstream could
	// each see a different target.
	if bytes.IndexByte(target, '#') >= 0 {
		v.reason = ReasonRequestLineFrag
		return v
	}
	http10 := bytes.Equal(version, []byte("HTTP/1.0"))
	if string(v.method) == "CONNECT" {
		v.pass = true
	}
	var nCL, nTE int
	var teBad bool
	var cl int64 = -1
	var lastName []byte
	var lastVal []byte
	flush := func() string {
		if lastName == nil {
			return ""
		}
		name, val := lastName, trimOWS(lastVal)
		lastName, lastVal = nil, nil
		switch {
		case asciiEqualFold(name, "content-length"):
			nCL++
			if nCL > 1 {
				return ReasonDuplicateLength
			}
			if len(val) == 0 || len(val) > 18 {
				return ReasonBadLength
			}
			var n int64
			for _, c := range val {
				if c < '0' || c > '9' {
					return ReasonBadLength
				}
				n = n*10 + int64(c-'0')
			}
			cl = n
		case asciiEqualFold(name, "transfer-encoding"):
			nTE++
			if nTE > 1 || !asciiEqualFold(val, "chunked") {
				teBad = true
			}
		case asciiEqualFold(name, "upgrade"):
			v.upgrade = true
		}
		return ""
	}
	for len(rest) > 0 {
		nl := bytes.IndexByte(rest, '\n')
		if nl < 0 {
			break
		}
		l := trimCR(rest[:nl])
		rest = rest[nl+1:]
		if len(l) == 0 {
			break
		}
		if isOWS(l[0]) {
			// obs-fold: a continuation of the previous field. Joining it
			// makes "Transfer-Encoding: chunked\r\n identity" the
			// obfuscated value it is.
			if lastName != nil {
				lastVal = append(append(append([]byte(nil), lastVal...), ' '), trimOWS(l)...)
			}
			continue
		}
		if r := flush(); r != "" {
			v.reason = r
			return v
		}
		colon := bytes.IndexByte(l, ':')
		if colon < 0 {
			continue // net/http refuses it
		}
		name := l[:colon]
		if tn := trimOWS(name); len(tn) != len(name) {
			// "Transfer-Encoding : chunked": some servers honour it,
			// net/http refuses it; a framing field in disguise is
			// refused here whatever its name.
			if asciiEqualFold(tn, "transfer-encoding") || asciiEqualFold(tn, "content-length") {
				v.reason = ReasonHeaderName
				return v
			}
			continue
		}
		lastName, lastVal = name, l[colon+1:]
	}
	if r := flush(); r != "" {
		v.reason = r
		return v
	}
	switch {
	case nTE > 0 && nCL > 0:
		v.reason = ReasonLengthAndChunked
	case nTE > 0 && (teBad || http10):
		// RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means the framing
		// is faulty; net/http would ignore it and use Content-Length.
		v.reason = ReasonTransferEncoding
	case nTE > 0:
		v.chunked = true
	case cl > 0:
		v.length = cl
	}
	return v
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// afterHead sets the body state for an accepted head.
func (p *parser) afterHead(v verdict) {
	switch {
	case v.pass:
		p.st = stPass
	case v.chunked:
		p.st, p.line = stChunkLine, p.line[:0]
	case v.length > 0:
		p.st, p.remain = stBody, v.length
	default:
		p.st = stHead
	}
}

// body consumes body bytes from b and returns how many belong to the
// current message; it stops where the next head starts (state stHead).
func (p *parser) body(b []byte) int {
	i := 0
	for i < len(b) {
		switch p.st {
		case stHead:
			return i
		case stPass:
			return len(b)
		case stBody, stChunkData:
			n := int64(len(b) - i)
			if n > p.remain {
				n = p.remain
			}
			i += int(n)
			p.remain -= n
			if p.remain == 0 {
				if p.st == stBody {
					p.st = stHead
				} else {
					p.st, p.line = stChunkCRLF, p.line[:0]
				}
			}
		case stChunkCRLF:
			p.line = append(p.line, b[i])
			i++
			if len(p.line) == 2 {
				if p.line[0] != '\r' || p.line[1] != '\n' {
					p.st = stPass // net/http fails this body and closes
				} else {
					p.st, p.line = stChunkLine, p.line[:0]
				}
			}
		case stChunkLine, stTrailer:
			j := bytes.IndexByte(b[i:], '\n')
			end := len(b)
			if j >= 0 {
				end = i + j + 1
			}
			if len(p.line)+end-i > maxLine {
				p.st = stPass // net/http refuses lines this long
				return len(b)
			}
			p.line = append(p.line, b[i:end]...)
			i = end
			if j < 0 {
				continue
			}
			p.endLine()
		}
	}
	return i
}

// endLine handles a complete chunk-size or trailer line in p.line. Its
// parsing follows net/http's chunked reader so that both agree on where the
// body ends; where net/http would fail the body (and close the connection)
// the parser stops following.
func (p *parser) endLine() {
	l := p.line
	p.line = p.line[:0]
	if len(l) < 2 || l[len(l)-2] != '\r' {
		p.st = stPass // bare LF: net/http refuses it
		return
	}
	l = l[:len(l)-2]
	if p.st == stTrailer {
		if len(l) == 0 {
			p.st = stHead
		}
		return
	}
	if i := bytes.IndexByte(l, ';'); i >= 0 {
		l = l[:i]
	}
	l = trimOWS(l)
	if len(l) == 0 || len(l) > 16 {
		p.st = stPass
		return
	}
	var n uint64
	for _, c := range l {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			p.st = stPass
			return
		}
		n = n<<4 | uint64(d)
	}
	if n > 1<<62 {
		p.st = stPass
		return
	}
	if n == 0 {
		p.st = stTrailer
		return
	}
	p.st, p.remain = stChunkData, int64(n)
}
