package domain

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spona/spona/pkg/intconv"
)

// Change is one entry of an organisation's change feed: the same thin event
// a subscription would deliver.
type Change struct {
	// Seq is the change's position in the feed, which all organisations'
	// changes share: never shown (Cursors seals it).
	Seq     int64
	EventID string
	Type    string
	Time    time.Time
	Data    map[string]any
	// Cursor is Seq sealed for the organisation reading it.
	Cursor string
}

// Cursors seals change-feed positions into the cursors an organisation is
// given, and opens them again. A position is a place in the one feed of
// every organisation's changes: two of them, or one and the feed's end,
// would tell an organisation how many changes others had between its reads
// (how many referrals a police unit made, say). A cursor is therefore the
// position encrypted and authenticated (AES-256-GCM) for the organisation
// it was given to, with a fresh random nonce each time: it cannot be read,
// made or changed, another organisation's does not open, and two cursors
// for the same position differ, so that comparing them says nothing
// either. Every cursor is 50 characters long.
type Cursors struct{ aead cipher.AEAD }

// cursorVersion is the first byte of a sealed cursor.
const cursorVersion = 2

// NewCursors returns cursors sealed with a key derived from secret
// (WEBHOOK_SECRETS_KEY, the same for every replica; a key of its own, not
// the one sealing the signing secrets).
func NewCursors(secret string) *Cursors {
	k := sha256.Sum256([]byte("spona webhooks change-feed cursors\x00" + secret))
	block, err := aes.NewCipher(k[:])
	if err != nil {
		panic(err) // a 32-byte key: never
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err) // a standard block cipher: never
	}
	return &Cursors{aead: aead}
}

// NewRandomCursors returns cursors sealed with a random key: valid for this
// process only (tests).
func NewRandomCursors() *Cursors {
	return NewCursors(rand.Text())
}

func cursorData(organisationID string) []byte {
	return []byte("spona change feed\x00" + strconv.Itoa(cursorVersion) + "\x00" + organisationID)
}

// Seal returns the cursor of position seq for the organisation.
func (c *Cursors) Seal(organisationID string, seq int64) string {
	nonce := make([]byte, c.aead.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails
	raw := make([]byte, 0, 1+len(nonce)+8+c.aead.Overhead())
	raw = append(append(raw, cursorVersion), nonce...)
	plain := binary.BigEndian.AppendUint64(nil, intconv.Uint64(seq))
	raw = c.aead.Seal(raw, nonce, plain, cursorData(organisationID))
	return base64.RawURLEncoding.EncodeToString(raw)
}

// Why a cursor does not open.
var (
	// ErrCursorRetired: a cursor of the kind given before cursors were
	// sealed (base64 of "c1:" and the position, readable by anyone): no
	// longer taken, since one made up would tell positions again.
	ErrCursorRetired = errors.New("a cursor of the retired, readable kind")
	// ErrCursorInvalid: not a cursor this feed gave the organisation
	// (made up, changed, another organisation's, or sealed with another
	// WEBHOOK_SECRETS_KEY).
	ErrCursorInvalid = errors.New("not a cursor of this feed for this organisation")
)

// Open returns the position of a cursor Seal gave the organisation; "" is
// the start of the feed.
func (c *Cursors) Open(organisationID, cursor string) (int64, error) {
	if cursor == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return 0, ErrCursorInvalid
	}
	if n, ok := strings.CutPrefix(string(raw), "c1:"); ok {
		if _, err := strconv.ParseUint(n, 10, 63); err == nil {
			return 0, ErrCursorRetired
		}
		return 0, ErrCursorInvalid
	}
	n := c.aead.NonceSize()
	if len(raw) != 1+n+8+c.aead.Overhead() || raw[0] != cursorVersion {
		return 0, ErrCursorInvalid
	}
	plain, err := c.aead.Open(nil, raw[1:1+n], raw[1+n:], cursorData(organisationID))
	if err != nil || len(plain) != 8 {
		return 0, ErrCursorInvalid
	}
	seq := binary.BigEndian.Uint64(plain)
	if seq > math.MaxInt64 {
		return 0, ErrCursorInvalid // never sealed
	}
	return int64(seq), nil
}
