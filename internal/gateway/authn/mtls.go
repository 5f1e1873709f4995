package authn

import (
	"crypto/x509"
	"strings"
)

// certNames lists the identities a verified leaf certificate proves, most
// specific first: URI SANs (SPIFFE ids), DNS and email SANs, the subject
// CN, and the full subject DN.
func certNames(c *x509.Certificate) []string {
	var out []string
	for _, u := range c.URIs {
		out = append(out, u.String())
	}
	out = append(out, c.DNSNames...)
	out = append(out, c.EmailAddresses...)
	if c.Subject.CommonName != "" {
		out = append(out, c.Subject.CommonName)
	}
	out = append(out, c.Subject.String())
	return out
}

// mtlsIndex maps certificate identities to consumers.
type mtlsIndex map[string]*Consumer

func newMTLSIndex(consumers []Consumer) mtlsIndex {
	idx := mtlsIndex{}
	for i := range consumers {
		for _, s := range consumers[i].MTLSSubjects {
			idx[strings.TrimSpace(s)] = &consumers[i]
		}
	}
	return idx
}
