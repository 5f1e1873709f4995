package authn

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
)

// ClientAuthConfig builds the client-authentication part of a listener's
// tls.Config from a PEM CA bundle. The caller copies ClientCAs and
// ClientAuth into its own config (or uses this one as the base).
//
// require=false gives VerifyClientCertIfGiven: routes that do not use mTLS
// keep working without a certificate, while a presented certificate is
// still verified by the handshake, so the authn middleware only ever sees
// verified chains. require=true refuses the handshake without one.
func ClientAuthConfig(caFile string, require bool) (*tls.Config, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("read client CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("client CA file " + caFile + " holds no PEM certificate")
	}
	mode := tls.VerifyClientCertIfGiven
	if require {
		mode = tls.RequireAndVerifyClientCert
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, ClientCAs: pool, ClientAuth: mode}, nil
}

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
