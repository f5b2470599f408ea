package adapters

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spona/spona/services/webhooks/internal/domain"
)

// Sealer encrypts signing secrets at rest (AES-256-GCM, the key derived
// from WEBHOOK_SECRETS_KEY with SHA-256), bound to their subscription's id
// so a ciphertext copied to another row does not open.
type Sealer struct{ aead cipher.AEAD }

// NewSealer returns a sealer keyed with key (at least 16 bytes).
func NewSealer(key string) (*Sealer, error) {
	if len(key) < 16 {
		return nil, fmt.Errorf("WEBHOOK_SECRETS_KEY must be at least 16 bytes, got %d", len(key))
	}
	k := sha256.Sum256([]byte("spona webhooks secrets\x00" + key))
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts secret for the subscription id.
func (s *Sealer) Seal(secret, id string) []byte {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(secret)+s.aead.Overhead())
	_, _ = rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, []byte(secret), []byte(id))
}

var errSealed = errors.New("webhook secret does not decrypt (wrong WEBHOOK_SECRETS_KEY?)")

// Open decrypts what Seal returned for the subscription id.
func (s *Sealer) Open(sealed []byte, id string) (string, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return "", errSealed
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(id))
	if err != nil {
		return "", errSealed
	}
	return string(plain), nil
}

// earlierSecret is how a secret an earlier rotation replaced is stored
// (sealed, as a JSON list, in subscriptions.earlier_secrets).
type earlierSecret struct {
	Secret     string    `json:"secret"`
	ExpireTime time.Time `json:"expire_time"`
}

// sealEarlier encrypts the earlier secrets of the subscription id; nil
// (NULL) when there are none.
func (s *Sealer) sealEarlier(earlier []domain.ReplacedSecret, id string) []byte {
	if len(earlier) == 0 {
		return nil
	}
	list := make([]earlierSecret, len(earlier))
	for i, e := range earlier {
		list[i] = earlierSecret{Secret: e.Secret, ExpireTime: e.Expires}
	}
	raw, _ := json.Marshal(list) //nolint:gosec // sealed right below; strings and times: never fails
	return s.Seal(string(raw), id)
}

// openEarlier decrypts what sealEarlier returned.
func (s *Sealer) openEarlier(sealed []byte, id string) ([]domain.ReplacedSecret, error) {
	if sealed == nil {
		return nil, nil
	}
	raw, err := s.Open(sealed, id)
	if err != nil {
		return nil, err
	}
	var list []earlierSecret
	if err := json.Unmarshal([]byte(raw), &list); err != nil {
		return nil, errSealed
	}
	out := make([]domain.ReplacedSecret, len(list))
	for i, e := range list {
		out[i] = domain.ReplacedSecret{Secret: e.Secret, Expires: e.ExpireTime}
	}
	return out, nil
}
