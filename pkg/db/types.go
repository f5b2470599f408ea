package db

import (
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
)

// RegisterTypes teaches a connection's type map how Spona passes its
// values. Ids are Go strings: pgx sends a string to a uuid parameter as
// text, but it cannot encode a []string for a uuid[] parameter (the audit
// rows, the outbox's organisations, batch lookups) in the binary format.
// It would try on every call — a plan search that is not memoised when it
// fails, and an error formatted with fmt — before falling back to text.
// The uuid codec registered here encodes a string element as the 16 bytes
// of the binary format directly; a string that is not a canonical uuid
// still goes out as text, for PostgreSQL to accept or refuse as before.
//
// Open registers them on every connection of a service's pool; a pool made
// elsewhere (benchmarks, deploy/load) calls it from its AfterConnect.
func RegisterTypes(m *pgtype.Map) {
	uuid := &pgtype.Type{Name: "uuid", OID: pgtype.UUIDOID, Codec: uuidCodec{}}
	m.RegisterType(uuid)
	m.RegisterType(&pgtype.Type{Name: "_uuid", OID: pgtype.UUIDArrayOID, Codec: &pgtype.ArrayCodec{ElementType: uuid}})
}

// uuidCodec is pgx's uuid codec that also encodes Go strings in the binary
// format.
type uuidCodec struct{ pgtype.UUIDCodec }

func (c uuidCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := value.(string); ok && format == pgtype.BinaryFormatCode {
		return uuidStringPlan{}
	}
	return c.UUIDCodec.PlanEncode(m, oid, format, value)
}

type uuidStringPlan struct{}

var errNotCanonicalUUID = errors.New("not a canonical uuid")

// Encode appends the 16 bytes of s (8-4-4-4-12 hexadecimal digits); any
// other spelling fails, and pgx then sends the value as text.
func (uuidStringPlan) Encode(value any, buf []byte) ([]byte, error) {
	s, ok := value.(string)
	if !ok || len(s) != 36 {
		return nil, errNotCanonicalUUID
	}
	u, err := uuid.Parse(s)
	if err != nil {
		return nil, errNotCanonicalUUID
	}
	return append(buf, u[:]...), nil
}
