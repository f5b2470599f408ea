package outbox

import (
	"encoding/base64"
	"encoding/binary"
	"errors"

	"github.com/google/uuid"
	"github.com/spona/spona/pkg/intconv"
)

// A cursor is the position after one outbox row of one feed: the feed's
// random id (so a cursor of another service, or of a database restored
// elsewhere, is refused instead of silently meaning something else) and the
// row id, as 24 bytes in unpadded base64url. It is opaque to consumers.
type cursor struct {
	feed uuid.UUID
	pos  int64
}

const cursorLen = 16 + 8

// Cursor errors (INVALID_ARGUMENT in the feed).
var (
	errMalformed   = errors.New("malformed cursor")
	errOtherFeed   = errors.New("cursor of another feed")
	errFromFuture  = errors.New("cursor from the future: beyond any event of this feed")
	errNegativePos = errors.New("malformed cursor: negative position")
)

func (c cursor) String() string {
	var b [cursorLen]byte
	copy(b[:16], c.feed[:])
	binary.BigEndian.PutUint64(b[16:], intconv.Uint64(c.pos))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// parseCursor decodes s, which must belong to feed.
func parseCursor(s string, feed uuid.UUID) (cursor, error) {
	c, err := decodeCursor(s)
	if err != nil {
		return cursor{}, err
	}
	if c.feed != feed {
		return cursor{}, errOtherFeed
	}
	return c, nil
}

// decodeCursor decodes s, of whichever feed.
func decodeCursor(s string) (cursor, error) {
	if base64.RawURLEncoding.DecodedLen(len(s)) != cursorLen {
		return cursor{}, errMalformed
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != cursorLen {
		return cursor{}, errMalformed
	}
	var c cursor
	copy(c.feed[:], b[:16])
	u := binary.BigEndian.Uint64(b[16:])
	if u > 1<<62 {
		return cursor{}, errNegativePos
	}
	c.pos = int64(u)
	return c, nil
}
