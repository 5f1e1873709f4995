package audit

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"time"
)

// Checkpoint pins the chain head at Seq with a signature. Verify checks that
// the record at Seq has hash Head and that the signature is valid for the
// operator's public key, so everything up to Seq is fixed even against an
// attacker who can recompute hashes. KeyID names the signing key (the first 8
// bytes of SHA-256 of the public key, hex) so an operator who rotates keys
// can tell which public key a checkpoint needs.
type Checkpoint struct {
	Seq   int64     `json:"seq"`
	Head  string    `json:"head_hash"`
	Time  time.Time `json:"time"`
	KeyID string    `json:"key_id"`
	Sig   []byte    `json:"sig"`
}

const checkpointDomain = "warden.audit.checkpoint.v1\n"

// message is the signed byte string. The domain prefix keeps a checkpoint
// signature from ever being valid as a signature over anything else.
func (c *Checkpoint) message() ([]byte, error) {
	head, err := hex.DecodeString(c.Head)
	if err != nil || len(head) != sha256.Size {
		return nil, fmt.Errorf("head hash %q is not a hex SHA-256", c.Head)
	}
	b := make([]byte, 0, len(checkpointDomain)+8+32+8)
	b = append(b, checkpointDomain...)
	b = binary.BigEndian.AppendUint64(b, uint64(c.Seq))
	b = append(b, head...)
	b = binary.BigEndian.AppendUint64(b, uint64(c.Time.UnixNano()))
	return b, nil
}

func signCheckpoint(c *Checkpoint, key ed25519.PrivateKey) error {
	msg, err := c.message()
	if err != nil {
		return err
	}
	c.KeyID = KeyID(key.Public().(ed25519.PublicKey))
	c.Sig = ed25519.Sign(key, msg)
	return nil
}

func verifyCheckpoint(c *Checkpoint, pub ed25519.PublicKey) error {
	msg, err := c.message()
	if err != nil {
		return err
	}
	if !ed25519.Verify(pub, msg, c.Sig) {
		return errors.New("signature does not verify with the given public key")
	}
	return nil
}

// KeyID is a short, stable name for a public key.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// GenerateKey returns a new key pair as PEM: PKCS#8 for the private key and
// PKIX for the public key, the formats openssl and most tooling read.
func GenerateKey() (privPEM, pubPEM []byte, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate ed25519 key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, fmt.Errorf("encode private key: %w", err)
	}
	pder, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, nil, fmt.Errorf("encode public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pder}), nil
}

// LoadPrivateKey reads a signing key file: PEM (PKCS#8 "PRIVATE KEY"), or
// base64 of the 32-byte seed (or of the 64-byte private key), so that a key
// can come from a secret store that only handles one-line values.
func LoadPrivateKey(path string) (ed25519.PrivateKey, error) {
	return loadKey(path, "signing key", ParsePrivateKey)
}

// ParsePrivateKey parses the formats LoadPrivateKey accepts.
func ParsePrivateKey(data []byte) (ed25519.PrivateKey, error) {
	return parseKey(data, "PKCS#8", x509.ParsePKCS8PrivateKey, func(raw []byte) (ed25519.PrivateKey, error) {
		switch len(raw) {
		case ed25519.SeedSize:
			return ed25519.NewKeyFromSeed(raw), nil
		case ed25519.PrivateKeySize:
			k := ed25519.NewKeyFromSeed(raw[:ed25519.SeedSize])
			if !bytes.Equal(k, raw) {
				return nil, errors.New("64-byte private key is inconsistent (public half does not match seed)")
			}
			return k, nil
		}
		return nil, fmt.Errorf("base64 key is %d bytes; want a 32-byte seed or 64-byte key", len(raw))
	})
}

// LoadPublicKey reads a verification key: PEM (PKIX "PUBLIC KEY") or base64
// of the 32 raw bytes.
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	return loadKey(path, "public key", ParsePublicKey)
}

// ParsePublicKey parses the formats LoadPublicKey accepts.
func ParsePublicKey(data []byte) (ed25519.PublicKey, error) {
	return parseKey(data, "PKIX", x509.ParsePKIXPublicKey, func(raw []byte) (ed25519.PublicKey, error) {
		if len(raw) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("base64 key is %d bytes; want 32", len(raw))
		}
		return ed25519.PublicKey(raw), nil
	})
}

// loadKey reads a key file and parses it, naming the file in errors.
func loadKey[K any](path, what string, parse func([]byte) (K, error)) (K, error) {
	var zero K
	data, err := os.ReadFile(path)
	if err != nil {
		return zero, fmt.Errorf("read %s: %w", what, err)
	}
	k, err := parse(data)
	if err != nil {
		return zero, fmt.Errorf("%s %s: %w", what, path, err)
	}
	return k, nil
}

// parseKey tells the two key encodings apart, the same way for private
// and public keys: a PEM block is DER for parseDER (which must give an
// Ed25519 key); anything else must be one line of base64, whose bytes
// parseRaw checks.
func parseKey[K any](data []byte, format string, parseDER func([]byte) (any, error), parseRaw func([]byte) (K, error)) (K, error) {
	var zero K
	if blk, _ := pem.Decode(data); blk != nil {
		k, err := parseDER(blk.Bytes)
		if err != nil {
			return zero, fmt.Errorf("parse %s: %w", format, err)
		}
		ek, ok := k.(K)
		if !ok {
			return zero, fmt.Errorf("key is %T, not Ed25519", k)
		}
		return ek, nil
	}
	raw, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(data)))
	if err != nil {
		return zero, errors.New("neither PEM nor base64")
	}
	return parseRaw(raw)
}
