package gateway

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfSigned writes a loopback certificate and key into dir.
func selfSigned(t *testing.T, dir string) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	c, _ := x509.ParseCertificate(der)
	return c
}

func TestTLSListener(t *testing.T) {
	up := newUpstream(t)
	dir := t.TempDir()
	cert := selfSigned(t, dir)
	cfg := strings.Replace(baseConfig, "    address: 127.0.0.1:0\n", "    address: 127.0.0.1:0\n    tls: {cert_file: "+filepath.Join(dir, "cert.pem")+", key_file: "+filepath.Join(dir, "key.pem")+"}\n", 1)
	rn := start(t, cfg, up.URL, Options{})
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	url := "https://" + rn.addr + "/hello/ann"

	h2 := &http.Client{Transport: &http.Transport{Proxy: nil, TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	resp, err := h2.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ProtoMajor != 2 {
		t.Errorf("status %d over %s, want 200 over HTTP/2", resp.StatusCode, resp.Proto)
	}
	if hsts := resp.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(hsts, "max-age=31536000") {
		t.Errorf("HSTS = %q", hsts)
	}
	// TLS 1.1 is refused.
	old := &http.Client{Transport: &http.Transport{Proxy: nil, TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}}}
	if resp, err := old.Get(url); err == nil {
		resp.Body.Close()
		t.Error("TLS 1.1 handshake accepted")
	}
	// HTTP/1.1 over TLS still works.
	h1 := &http.Client{Transport: &http.Transport{Proxy: nil, TLSClientConfig: &tls.Config{RootCAs: pool}, TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{}}}
	resp, err = h1.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ProtoMajor != 1 {
		t.Errorf("HTTP/1.1: %d %s", resp.StatusCode, resp.Proto)
	}
	// HTTP/1.1 over TLS runs through the framing wrapper, which hides the
	// *tls.Conn from net/http; the handlers still see the TLS state.
	if hsts := resp.Header.Get("Strict-Transport-Security"); hsts == "" {
		t.Error("HTTP/1.1 over TLS: no HSTS, the request lost its TLS state")
	}
	// Ambiguous framing inside TLS is refused like on plaintext.
	before := up.hits.Load()
	tc, err := tls.Dial("tcp", rn.addr, &tls.Config{RootCAs: pool, NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	_ = tc.SetDeadline(time.Now().Add(20 * time.Second)) // safety net, not an assertion
	body := "0\r\n\r\nGET /admin HTTP/1.1\r\nHost: x\r\n\r\n"
	if _, err := tc.Write([]byte("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + itoa(len(body)) + "\r\nTransfer-Encoding: chunked\r\n\r\n" + body)); err != nil {
		t.Fatal(err)
	}
	all, _ := io.ReadAll(tc)
	if codes := statusCodes(string(all)); len(codes) != 1 || codes[0] != 400 {
		t.Errorf("CL.TE over TLS: responses %v\n%s", codes, all)
	}
	if got := up.hits.Load() - before; got != 0 {
		t.Errorf("upstream saw %d requests", got)
	}
}

// clientCA makes a CA (written to dir/ca.pem) and a client certificate for cn
// signed by it.
func clientCA(t *testing.T, dir, cn string) tls.Certificate {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(10), Subject: pkix.Name{CommonName: "test clients CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "ca.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600)
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(11), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestMTLSFromAuthSection: configuring mtls in the auth section is enough
// for the TLS listener to ask for client certificates.
func TestMTLSFromAuthSection(t *testing.T) {
	up := newUpstream(t)
	dir := t.TempDir()
	cert := selfSigned(t, dir)
	clientCert := clientCA(t, dir, "billing")
	cfg := `
listeners:
  - name: public
    address: 127.0.0.1:0
    tls: {cert_file: ` + filepath.Join(dir, "cert.pem") + `, key_file: ` + filepath.Join(dir, "key.pem") + `}
consumers:
  - {name: billing-svc, mtls_subjects: [billing]}
auth:
  default_methods: [mtls]
  mtls: {client_ca_file: ` + filepath.Join(dir, "ca.pem") + `, require_known: true}
routes:
  - {name: hello, method: GET, path: "/hello/{name}", upstream: UPSTREAM}
`
	rn := start(t, cfg, up.URL, Options{Modules: DefaultModules})
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	url := "https://" + rn.addr + "/hello/ann"
	with := &http.Client{Transport: &http.Transport{Proxy: nil, TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{clientCert}}}}
	resp, err := with.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("with a client certificate: %d", resp.StatusCode)
	}
	if rec := rn.audit.byID(t, resp.Header.Get("X-Request-Id")); rec.Consumer != "billing-svc" {
		t.Errorf("consumer %q", rec.Consumer)
	}
	without := &http.Client{Transport: &http.Transport{Proxy: nil, TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err = without.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("without a client certificate: %d", resp.StatusCode)
	}
}
