// Command upstream is the example's "function": a tiny orders API that the
// gateway protects, plus a development identity provider on a second port
// that publishes a JWKS and mints short-lived RS256 access tokens. Both
// listen on loopback only. The IdP is a stand-in for Cognito, Auth0 or
// Keycloak so that the example runs without any account; never use it for
// anything else.
package main

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "address of the orders function")
	idpAddr := flag.String("idp", "127.0.0.1:9001", "address of the development IdP")
	flag.Parse()
	if !strings.HasPrefix(*addr, "127.0.0.1:") || !strings.HasPrefix(*idpAddr, "127.0.0.1:") {
		log.Fatal("upstream: the example listens on 127.0.0.1 only")
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		log.Fatal(err)
	}
	idp := &devIdP{key: key, kid: "dev-1", issuer: "http://" + *idpAddr}
	go func() { log.Fatal(http.ListenAndServe(*idpAddr, idp.mux())) }()
	log.Printf("orders function on http://%s, dev IdP on http://%s", *addr, *idpAddr)
	log.Fatal(http.ListenAndServe(*addr, ordersMux()))
}

type order struct {
	ID   int     `json:"id"`
	Item string  `json:"item"`
	Qty  int     `json:"qty"`
	Note *string `json:"note,omitempty"`
}

func ordersMux() *http.ServeMux {
	var mu sync.Mutex
	orders := map[int]order{1: {ID: 1, Item: "book", Qty: 1}}
	next := 2
	mux := http.NewServeMux()
	mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) {
		var o order
		if err := json.NewDecoder(r.Body).Decode(&o); err != nil {
			http.Error(w, `{"error":"bad order"}`, http.StatusBadRequest)
			return
		}
		if o.Item == "crash" {
			// A deliberate bug, to show the gateway hiding the trace.
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, "Traceback (most recent call last):\n  File \"/var/task/orders.py\", line 41, in create\n    db.execute(sql)\nsqlite3.OperationalError: no such table: orders\n")
			return
		}
		mu.Lock()
		o.ID = next
		next++
		orders[o.ID] = o
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(o)
	})
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		var id int
		fmt.Sscan(r.PathValue("id"), &id)
		mu.Lock()
		o, ok := orders[id]
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":"no such order"}`)
			return
		}
		_ = json.NewEncoder(w).Encode(o)
	})
	return mux
}

type devIdP struct {
	key    *rsa.PrivateKey
	kid    string
	issuer string
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func (d *devIdP) mux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /jwks.json", func(w http.ResponseWriter, r *http.Request) {
		pub := d.key.PublicKey
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{
			"kty": "RSA", "use": "sig", "alg": "RS256", "kid": d.kid,
			"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes()),
		}}})
	})
	// GET /token?sub=alice&scope=orders.write mints a 15-minute token.
	mux.HandleFunc("GET /token", func(w http.ResponseWriter, r *http.Request) {
		sub := r.URL.Query().Get("sub")
		if sub == "" {
			sub = "alice"
		}
		now := time.Now()
		claims := map[string]any{
			"iss": d.issuer, "aud": "orders-api", "sub": sub,
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(15 * time.Minute).Unix(),
			"scope": r.URL.Query().Get("scope"),
		}
		tok, err := d.sign(claims)
		if err != nil {
			http.Error(w, "sign failed", http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, tok)
	})
	return mux
}

func (d *devIdP) sign(claims map[string]any) (string, error) {
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": d.kid})
	c, _ := json.Marshal(claims)
	input := b64(h) + "." + b64(c)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, d.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return input + "." + b64(sig), nil
}
