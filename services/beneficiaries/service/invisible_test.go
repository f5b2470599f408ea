package service_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/services/beneficiaries/migrations"
)

// TestNamesWithoutInvisibleCharacters: names, the municipality and the
// case number copied with invisible format characters (a zero-width
// space, a soft hyphen, a byte order mark) are stored without them, so
// the person is found by a search for the name as it looks and matched
// as a duplicate of the record typed by hand; a zero-width non-joiner,
// part of a Persian name's spelling, is kept. Records stored with them
// before are keyed again by migration 00030 (their text left as it was).
// Before, "Mar\u200bko Markovi\u00adć" was stored as sent, keyed "mar ko
// markovi c", and neither the search "Marko Marković" nor :findDuplicates
// of the record typed by hand found her (r14 left-alone item).
func TestNamesWithoutInvisibleCharacters(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	pasted := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "\ufeffMar\u200bko", FamilyName: "Markovi\u00adć",
		Municipality: "Ši\u200bd", ExternalId: "CASE-\u200b17", BirthYear: 1990})
	if pasted.GetGivenName() != "Marko" || pasted.GetFamilyName() != "Marković" || pasted.GetMunicipality() != "Šid" ||
		pasted.GetExternalId() != "CASE-17" {
		t.Errorf("stored %+q %+q %+q %+q, want Marko Marković, Šid, CASE-17", pasted.GetGivenName(), pasted.GetFamilyName(),
			pasted.GetMunicipality(), pasted.GetExternalId())
	}
	if b := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Alireza", OriginalScriptName: "علی\u200cرضا\u200b"}); b.GetOriginalScriptName() != "علی\u200cرضا" {
		t.Errorf("Persian name stored %+q, want its zero-width non-joiner kept", b.GetOriginalScriptName())
	}
	typed := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Marko", FamilyName: "Marković", BirthYear: 1990})
	found := func(c pb.BeneficiaryServiceClient, id, query string) {
		t.Helper()
		r, err := c.SearchBeneficiaries(ctx, &pb.SearchBeneficiariesRequest{Query: query})
		if err != nil || len(r.GetResults()) == 0 || r.GetResults()[0].GetScore() < 1 {
			t.Errorf("search %+q: %v %v, want both records, scored 1", query, r, err)
		}
		d, err := c.FindDuplicates(ctx, &pb.FindDuplicatesRequest{Id: typed.GetId()})
		if err != nil || len(d.GetCandidates()) != 1 || d.GetCandidates()[0].GetBeneficiary().GetId() != id ||
			d.GetCandidates()[0].GetNameScore() < 1 {
			t.Errorf("duplicates of the typed record: %v %v, want %s, its name the same", d, err, id)
		}
	}
	found(c, pasted.GetId(), "Marko Mar\u200bković")

	// A record stored with them before: its key folded the characters
	// into spaces.
	conn, err := pgx.Connect(context.Background(), c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	before := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Jovana", BirthYear: 1990})
	pgtest.Undo(t, conn, "beneficiaries", migrations.FS, 30)
	if _, err := conn.Exec(context.Background(), `UPDATE beneficiaries.beneficiaries SET given_name = 'Mar'||U&'\200B'||'ko',
		family_name = 'Markovi'||U&'\00AD'||'ć', name_key = 'mar ko markovi c' WHERE id = $1`, before.GetId()); err != nil {
		t.Fatal(err)
	}
	// The merge runs after the restart has migrated the schema again (this
	// code reads columns of later migrations, 00033's).
	again := restarted(t, c)
	if _, err := again.MergeBeneficiaries(ctx, &pb.MergeBeneficiariesRequest{Id: before.GetId(), DuplicateId: pasted.GetId()}); err != nil {
		t.Fatal(err)
	}
	found(again, before.GetId(), "Marko Marković")
}
