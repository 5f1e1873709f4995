package throttle

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/wardensec/warden/internal/gateway/proxynet"
)

// maxXFFHops bounds the walk over X-Forwarded-For: a chain longer than this
// is not a real proxy path, and the walk must cost O(1) on hostile input.
const maxXFFHops = 32

// ClientIP returns the address of the client that sent r.
//
// The TCP peer is the only fact; X-Forwarded-For is believed only as far as
// it was written by trusted proxies. Each proxy appends the address it
// received the request from, so the list is walked right to left: while
// the current hop is a trusted proxy, the entry to its left is the next hop
// back. The first untrusted hop is the client. Entries further left were
// written by the client itself and are ignored, so a spoofed
// "X-Forwarded-For: 1.2.3.4" from an untrusted peer changes nothing.
// If the chain is unparsable or exhausted, the last trusted hop reached is
// used, which errs on the side of limiting the proxy rather than trusting
// garbage.
func ClientIP(r *http.Request, trusted proxynet.Trusted) netip.Addr {
	peer := parseHost(r.RemoteAddr)
	if !peer.IsValid() || len(trusted) == 0 || !trusted.Contains(peer) {
		return peer
	}
	return walkXFF(peer, r.Header.Values("X-Forwarded-For"), trusted)
}

// walkXFF walks the header values right to left starting from a trusted
// peer.
func walkXFF(peer netip.Addr, values []string, trusted proxynet.Trusted) netip.Addr {
	cur := peer
	hops := 0
	for vi := len(values) - 1; vi >= 0; vi-- {
		v := values[vi]
		for {
			if hops >= maxXFFHops {
				return cur
			}
			hops++
			var entry string
			if i := strings.LastIndexByte(v, ','); i >= 0 {
				entry, v = v[i+1:], v[:i]
			} else {
				entry, v = v, ""
			}
			a := parseHost(strings.TrimSpace(entry))
			if !a.IsValid() {
				return cur
			}
			if !trusted.Contains(a) {
				return a
			}
			cur = a
			if v == "" {
				break
			}
		}
	}
	return cur
}

// parseHost accepts "ip", "ip:port", "[ipv6]:port" and "[ipv6]", and
// returns the unmapped address (so ::ffff:1.2.3.4 and 1.2.3.4 are one
// client). Zones are dropped.
func parseHost(s string) netip.Addr {
	if s == "" || len(s) > 64 {
		return netip.Addr{}
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone("")
	}
	if h, _, err := net.SplitHostPort(s); err == nil {
		if a, err := netip.ParseAddr(h); err == nil {
			return a.Unmap().WithZone("")
		}
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil {
			return a.Unmap().WithZone("")
		}
	}
	return netip.Addr{}
}

// ipKey is the limiter key for an address: IPv4 as is, IPv6 by prefix.
func ipKey(a netip.Addr, v6bits int) string {
	if !a.IsValid() {
		return "unknown"
	}
	if a.Is6() && v6bits < 128 {
		p, err := a.Prefix(v6bits)
		if err == nil {
			return p.String()
		}
	}
	return a.String()
}
