package adapters

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
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
