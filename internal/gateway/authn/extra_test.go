package authn

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/wardensec/warden/internal/gateway/reqctx"
)

// FuzzVerifyToken feeds arbitrary strings to the verifier. It must never
// panic, and it may only accept a token whose decoded header, payload and
// signature are byte-for-byte those of the genuine seed token (base64
// padding-bit variants decode to the same bytes and are harmless).
func FuzzVerifyToken(f *testing.F) {
	e := newEnv(f, nil, RouteConfig{})
	good := sign(f, rsaAK, jwa.RS256(), e.claims(), nil)
	if _, err := e.m.VerifyToken(context.Background(), good); err != nil {
		f.Fatalf("seed token rejected: %v", err)
	}
	f.Add(good)
	f.Add(sign(f, ecK, jwa.ES256(), e.claims(), nil)[:40])
	f.Add(sign(f, rsaAK, jwa.RS256(), e.claims(), map[string]any{"kid": "../../dev/null"}))
	want := decodeParts(good)
	f.Fuzz(func(t *testing.T, tok string) {
		id, err := e.m.VerifyToken(context.Background(), tok)
		if err != nil {
			if id != nil {
				t.Fatal("identity returned with an error")
			}
			return
		}
		got := decodeParts(tok)
		if got == nil || string(got[0]) != string(want[0]) || string(got[1]) != string(want[1]) || string(got[2]) != string(want[2]) {
			t.Fatalf("accepted a token that is not the genuine one: %q", tok)
		}
	})
}

func decodeParts(tok string) [][]byte {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil
	}
	out := make([][]byte, 3)
	for i, p := range parts {
		b, err := base64.RawURLEncoding.DecodeString(p)
		if err != nil {
			return nil
		}
		out[i] = b
	}
	return out
}

func TestMalformedTokenBoundedWork(t *testing.T) {
	e := newEnv(t, nil, RouteConfig{})
	dots := strings.Repeat(".", 100_000)
	allocs := testing.AllocsPerRun(20, func() {
		_, _ = e.m.VerifyToken(context.Background(), dots)
	})
	if allocs > 2 {
		t.Fatalf("%v allocations per run on 100k dots; want O(1)", allocs)
	}
	long := "Bearer " + strings.Repeat("a", 9000)
	if r := e.do(strings.TrimPrefix(long, "Bearer "), nil, ""); r.status != 401 {
		t.Fatalf("oversized: %d", r.status)
	}
}

func TestMultipleAuthorizationHeaders(t *testing.T) {
	e := newEnv(t, nil, RouteConfig{})
	tok := sign(t, rsaAK, jwa.RS256(), e.claims(), nil)
	req, _ := http.NewRequest("GET", e.gw.URL, nil)
	req.Header.Add("Authorization", "Bearer "+tok)
	req.Header.Add("Authorization", "Bearer "+tok)
	resp, err := e.gw.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("two Authorization headers: %d", resp.StatusCode)
	}
}

// pki is a throwaway CA with helpers to issue leaf certificates.
type pki struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newPKI(t *testing.T, cn string) *pki {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &pki{cert: c, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

func (p *pki) client(t *testing.T, cn, uri string) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	u, _ := url.Parse(uri)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: cn}, URIs: []*url.URL{u},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.cert, &key.PublicKey, p.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestMTLS(t *testing.T) {
	ca := newPKI(t, "warden test CA")
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, ca.pem, 0o600); err != nil {
		t.Fatal(err)
	}
	// The listener's client-auth settings, as the gateway's server sets them.
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca.pem)
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12, ClientCAs: pool, ClientAuth: tls.VerifyClientCertIfGiven}
	m, err := New(Config{MTLS: MTLSConfig{ClientCAFile: caFile, RequireKnown: true}, Consumers: []Consumer{
		{Name: "billing-svc", MTLSSubjects: []string{"spiffe://warden/billing"}, Roles: []string{"service"}},
	}}, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var got *reqctx.Identity
	h, err := m.Wrap("r", RouteConfig{Methods: []string{"mtls"}}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = reqctx.From(r.Context()).Identity()
	}))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(withState(h))
	srv.TLS = tlsCfg
	srv.StartTLS()
	defer srv.Close()

	call := func(cert *tls.Certificate) (int, error) {
		tr := srv.Client().Transport.(*http.Transport).Clone()
		if cert != nil {
			// Always present the certificate, even when it is not issued by
			// one of the CAs the server asks for, so that the server-side
			// verification is what gets tested.
			tr.TLSClientConfig.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
		}
		c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
		resp, err := c.Get(srv.URL)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	known := ca.client(t, "billing", "spiffe://warden/billing")
	if st, err := call(&known); err != nil || st != 200 {
		t.Fatalf("known client cert: %d %v", st, err)
	}
	if got == nil || got.Method != "mtls" || got.Consumer != "billing-svc" || got.Subject != "spiffe://warden/billing" {
		t.Fatalf("identity %+v", got)
	}
	if st, err := call(nil); err != nil || st != 401 {
		t.Fatalf("no client cert: %d %v", st, err)
	}
	unknown := ca.client(t, "stranger", "spiffe://warden/stranger")
	if st, err := call(&unknown); err != nil || st != 401 {
		t.Fatalf("unknown subject with require_known: %d %v", st, err)
	}
	rogue := newPKI(t, "rogue CA").client(t, "billing", "spiffe://warden/billing")
	if st, err := call(&rogue); err == nil {
		t.Fatalf("certificate from an untrusted CA was accepted by the handshake: %d", st)
	}
}

func BenchmarkVerifyRS256(b *testing.B) { benchVerify(b, "rsa") }
func BenchmarkVerifyES256(b *testing.B) { benchVerify(b, "ec") }

// benchVerify measures the full check (signature included) with the token
// cache off; cache_test.go has the cached variants.
func benchVerify(b *testing.B, kind string) {
	e := newEnv(b, func(c *Config) { c.JWT.TokenCache.Disabled = true }, RouteConfig{})
	c := e.claims()
	c["exp"] = time.Now().Add(time.Hour).Unix()
	var tok string
	if kind == "rsa" {
		tok = sign(b, rsaAK, jwa.RS256(), c, nil)
	} else {
		tok = sign(b, ecK, jwa.ES256(), c, nil)
	}
	ctx := context.Background()
	if _, err := e.m.VerifyToken(ctx, tok); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.m.VerifyToken(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAPIKeyLookup(b *testing.B) {
	var cs []Consumer
	for i := 0; i < 1000; i++ {
		cs = append(cs, Consumer{Name: "c" + string(rune('a'+i%26)), APIKeySHA256: []string{HashAPIKey(base64.StdEncoding.EncodeToString([]byte{byte(i), byte(i >> 8)}))}})
	}
	k := newAPIKeys(cs)
	key := base64.StdEncoding.EncodeToString([]byte{7, 0})
	if k.lookup(key) == nil {
		b.Fatal("key not found")
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = k.lookup(key)
	}
}
