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

// A subscription's replaced secrets (domain.Subscription.Replaced, newest
// first) are stored in two places: the newest, the one the last rotation
// replaced, in previous_secret (sealed) and previous_secret_expire_time,
// as replicas from before webhooks migration 00007 read and write it; the
// others, which rotations before it replaced, in earlier_secrets, a sealed
// JSON list.

// earlierSecret is how a secret in earlier_secrets is stored.
type earlierSecret struct {
	Secret     string    `json:"secret"`
	ExpireTime time.Time `json:"expire_time"`
}

// sealReplaced returns the previous_secret, previous_secret_expire_time
// and earlier_secrets columns of the replaced secrets of the subscription
// id (NULLs for none).
func (s *Sealer) sealReplaced(replaced []domain.ReplacedSecret, id string) (prev []byte, prevExp *time.Time, earlier []byte) {
	if len(replaced) == 0 {
		return nil, nil, nil
	}
	prevExp = &replaced[0].Expires
	if len(replaced) > 1 {
		list := make([]earlierSecret, len(replaced)-1)
		for i, r := range replaced[1:] {
			list[i] = earlierSecret{Secret: r.Secret, ExpireTime: r.Expires}
		}
		raw, _ := json.Marshal(list) //nolint:gosec // sealed right below; strings and times: never fails
		earlier = s.Seal(string(raw), id)
	}
	return s.Seal(replaced[0].Secret, id), prevExp, earlier
}

// openReplaced decrypts what sealReplaced returned, newest first.
func (s *Sealer) openReplaced(prev []byte, prevExp *time.Time, earlier []byte, id string) ([]domain.ReplacedSecret, error) {
	var out []domain.ReplacedSecret
	if prev != nil {
		secret, err := s.Open(prev, id)
		if err != nil {
			return nil, err
		}
		out = append(out, domain.ReplacedSecret{Secret: secret, Expires: timeOf(prevExp)})
	}
	if earlier == nil {
		return out, nil
	}
	raw, err := s.Open(earlier, id)
	if err != nil {
		return nil, err
	}
	var list []earlierSecret
	if err := json.Unmarshal([]byte(raw), &list); err != nil {
		return nil, errSealed
	}
	for _, e := range list {
		out = append(out, domain.ReplacedSecret{Secret: e.Secret, Expires: e.ExpireTime})
	}
	return out, nil
}
