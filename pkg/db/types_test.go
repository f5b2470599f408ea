package db_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/testkit/pgtest"
)

// With RegisterTypes, a []string for a uuid[] parameter is encoded in the
// binary format at once; pgx alone refuses it (and would retry as text on
// every call).
func TestUUIDStringsEncodeInBinary(t *testing.T) {
	t.Parallel()
	ids := []string{"0190b0a4-9b1c-7d2e-8f00-00000000000a", "FFFFFFFF-0000-4000-8000-0123456789AB"}
	plain := pgtype.NewMap()
	if _, err := plain.Encode(pgtype.UUIDArrayOID, pgtype.BinaryFormatCode, ids, nil); err == nil {
		t.Fatal("pgx's own map encodes []string as binary uuid[]: RegisterTypes may be unneeded")
	}
	m := pgtype.NewMap()
	db.RegisterTypes(m)
	buf, err := m.Encode(pgtype.UUIDArrayOID, pgtype.BinaryFormatCode, ids, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The binary array ends with each element's length (16) and bytes.
	if want := []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0x40, 0, 0x80, 0, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab}; !slices.Equal(buf[len(buf)-16:], want) {
		t.Errorf("last element encoded as % x, want % x", buf[len(buf)-16:], want)
	}
	for _, bad := range []string{"", "0190b0a4-9b1c-7d2e-8f00-00000000000", "0190b0a4x9b1c-7d2e-8f00-00000000000a",
		"0190b0a4-9b1c-7d2e-8f00-00000000000g", "{0190b0a4-9b1c-7d2e-8f00-00000000000a}"} {
		if _, err := m.Encode(pgtype.UUIDOID, pgtype.BinaryFormatCode, bad, nil); err == nil {
			t.Errorf("%q encoded as a binary uuid", bad)
		}
	}
}

// Through a service's pool, ids round-trip as uuid and uuid[] whatever
// spelling PostgreSQL accepts (a non-canonical one goes out as text), and a
// string that is no uuid is refused by PostgreSQL as before.
func TestUUIDStringsRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := db.Open(ctx, pgtest.NewDatabase(t), "app", 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	ids := []string{"0190b0a4-9b1c-7d2e-8f00-00000000000a", "FFFFFFFF-0000-4000-8000-0123456789AB"}
	var got []string
	if err := pool.QueryRow(ctx, `SELECT array_agg(u::text ORDER BY o) FROM unnest($1::uuid[]) WITH ORDINALITY AS t(u, o)`, ids).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := []string{ids[0], strings.ToLower(ids[1])}; !slices.Equal(got, want) {
		t.Errorf("uuid[] round trip: %q, want %q", got, want)
	}
	var one string
	if err := pool.QueryRow(ctx, `SELECT ($1::uuid)::text`, "{0190b0a4-9b1c-7d2e-8f00-00000000000a}").Scan(&one); err != nil || one != ids[0] {
		t.Errorf("braced uuid: %q, %v", one, err)
	}
	if err := pool.QueryRow(ctx, `SELECT array_length($1::uuid[], 1)`, []string{"{0190b0a4-9b1c-7d2e-8f00-00000000000a}"}).Scan(new(int)); err != nil {
		t.Errorf("braced uuid in an array: %v", err)
	}
	if err := pool.QueryRow(ctx, `SELECT array_length($1::uuid[], 1)`, []string{"not-a-uuid"}).Scan(new(int)); err == nil ||
		!strings.Contains(err.Error(), "22P02") {
		t.Errorf("a string that is no uuid: %v, want PostgreSQL's invalid_text_representation (22P02)", err)
	}
}

// BenchmarkAuditParams encodes the parameters of an audit insert (two
// uuid[] from Go strings, a text[], texts) as pgx does before sending
// them, with pgx's own type map and with RegisterTypes.
func BenchmarkAuditParams(b *testing.B) {
	sd := &pgconn.StatementDescription{ParamOIDs: []uint32{pgtype.UUIDOID, pgtype.TextOID, pgtype.UUIDArrayOID,
		pgtype.UUIDArrayOID, pgtype.TextOID, pgtype.TextArrayOID}}
	args := []any{"0190b0a4-9b1c-7d2e-8f00-00000000000a", "client", []string{"0190b0a4-9b1c-7d2e-8f00-00000000000a"},
		[]string{"0190b0a4-9b1c-7d2e-8f00-00000000000b"}, "read", []string{"given_name", "family_name", "sex"}}
	for _, c := range []struct {
		name     string
		register bool
	}{{"pgx", false}, {"registered", true}} {
		b.Run(c.name, func(b *testing.B) {
			m := pgtype.NewMap()
			if c.register {
				db.RegisterTypes(m)
			}
			var eqb pgx.ExtendedQueryBuilder
			for b.Loop() {
				if err := eqb.Build(m, sd, args); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
