package authn

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
)

// apiKeys maps SHA-256 digests of API keys to consumers.
//
// Why a map lookup is safe here: the presented key is hashed first, and the
// map is keyed by that digest. Any timing difference in the lookup depends
// on the digest of the attacker's guess, which the attacker can compute
// but cannot steer toward a stored digest without a SHA-256 preimage, so
// timing reveals nothing about stored keys or which consumers exist. Every
// request pays the same hash cost whether or not the key exists. The final
// equality is still checked with subtle.ConstantTimeCompare so that no
// byte-wise early exit ever runs on secret-derived data.
type apiKeys struct {
	byHash map[[sha256.Size]byte]keyEntry
}

type keyEntry struct {
	digest   [sha256.Size]byte
	consumer *Consumer
}

func newAPIKeys(consumers []Consumer) *apiKeys {
	k := &apiKeys{byHash: map[[sha256.Size]byte]keyEntry{}}
	for i := range consumers {
		c := &consumers[i]
		for _, h := range c.APIKeySHA256 {
			b, err := hex.DecodeString(strings.TrimSpace(h))
			if err != nil || len(b) != sha256.Size {
				continue // rejected by Validate
			}
			d := [sha256.Size]byte(b)
			k.byHash[d] = keyEntry{digest: d, consumer: c}
		}
	}
	return k
}

// lookup returns the consumer that owns key, or nil.
func (k *apiKeys) lookup(key string) *Consumer {
	sum := sha256.Sum256([]byte(key))
	e, ok := k.byHash[sum]
	// The map lookup already matched the digest; the constant-time
	// compare keeps any byte-wise early exit away from secret-derived
	// data even if the map implementation changes.
	if !ok || subtle.ConstantTimeCompare(e.digest[:], sum[:]) != 1 {
		return nil
	}
	return e.consumer
}

// HashAPIKey returns the hex SHA-256 digest to put in a consumer's
// api_key_sha256 list.
func HashAPIKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}
