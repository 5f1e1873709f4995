// Package proxynet parses the trusted_proxies lists of the gateway's stages.
// The request_id and throttle sections each carry one; they are parsed and
// matched here so that both accept exactly the same entries.
package proxynet

import (
	"fmt"
	"net/netip"
	"strings"
)

// Trusted is a set of proxy networks whose X-Forwarded-For entries are
// believed.
type Trusted []netip.Prefix

// Parse parses CIDRs or single addresses.
func Parse(cidrs []string) (Trusted, error) {
	out := make(Trusted, 0, len(cidrs))
	for _, c := range cidrs {
		p, err := ParsePrefix(c)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// ParsePrefix parses one entry: a CIDR (masked) or a single address (as a
// full-length prefix). IPv4-mapped IPv6 addresses are unmapped.
func ParsePrefix(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || strings.Contains(s, "/") {
		return netip.Prefix{}, fmt.Errorf("%q is neither a CIDR nor an IP address", s)
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

// Contains reports whether a is inside one of the networks.
func (t Trusted) Contains(a netip.Addr) bool {
	for _, p := range t {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
