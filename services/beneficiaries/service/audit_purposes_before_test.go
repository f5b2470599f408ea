package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/services/beneficiaries/migrations"
	"github.com/spona/spona/services/beneficiaries/service"
)

// restarted starts the service again on c's database (its migrations run)
// and returns a client of it.
func restarted(t *testing.T, c clients) pb.BeneficiaryServiceClient {
	t.Helper()
	return pb.NewBeneficiaryServiceClient(servicetest.Start(t, service.New(service.Config{Config: servicetest.Platform(t, c.dbURL),
		ReportingAddr: c.svc.Addr, ConsentExpiryInterval: time.Hour, ReferralsAddr: noDirectory})))
}

// auditOf returns what show makes of each of id's audit records of
// action.
func auditOf(t *testing.T, ctx context.Context, c pb.BeneficiaryServiceClient, id, action string, show func(*pb.AuditEvent) string) []string {
	t.Helper()
	r, err := c.ListAuditEvents(ctx, &pb.ListAuditEventsRequest{BeneficiaryId: id})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range r.GetAuditEvents() {
		if e.GetAction() == action {
			out = append(out, show(e))
		}
	}
	return out
}

// purposesOf returns the purposes of id's audit records of action.
func purposesOf(t *testing.T, ctx context.Context, c pb.BeneficiaryServiceClient, id, action string) []string {
	t.Helper()
	return auditOf(t, ctx, c, id, action, (*pb.AuditEvent).GetPurpose)
}

// oldErasure erases id as the versions before 00018 did: the person wiped,
// the imports that touched them lose their purpose (when blank is set: the
// versions since that fix), and their own audit records' purposes blanked.
func oldErasure(t *testing.T, db *pgx.Conn, id string, blankImports bool) {
	t.Helper()
	bg := context.Background()
	if _, err := db.Exec(bg, `UPDATE beneficiaries.beneficiaries SET given_name = '', family_name = '', name_key = '', erase_time = now() WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if blankImports {
		if _, err := db.Exec(bg, `UPDATE beneficiaries.imports SET purpose = '' WHERE id IN (SELECT import_id FROM beneficiaries.import_rows
			WHERE resource_id = $1 OR matches @> jsonb_build_array(jsonb_build_object('id', $1::text)))`, id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(bg, `SELECT beneficiaries.audit_events_forget_purposes($1::uuid[])`, []string{id}); err != nil {
		t.Fatal(err)
	}
}

// TestAuditPurposesOfImportsBeforeUpgrade: an import skipped a row as a
// duplicate of Amina and created Mirza; its purpose names the family. Its
// records reach erasure as an import's made after the upgrade do
// (migration 00019): erasing Amina after the upgrade blanks the purpose on
// Mirza's record; so does the upgrade itself when Amina was erased before
// it, whether the old erasure blanked the import's own purpose or not.
// An import that touched nobody erased keeps its purpose.
func TestAuditPurposesOfImportsBeforeUpgrade(t *testing.T) {
	const purpose = "Haddad family (Beograd camp)" // not her full name: this is about imports, not texts naming her
	for _, tc := range []struct {
		name                  string
		upgrade, erasedBefore bool
		blankImports          bool
	}{
		{name: "import_after_upgrade"},
		{name: "erased_after_upgrade", upgrade: true},
		{name: "erased_before_upgrade", upgrade: true, erasedBefore: true, blankImports: true},
		{name: "erased_before_upgrade_import_kept_purpose", upgrade: true, erasedBefore: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := startAll(t)
			ctx := servicetest.As(t, ids.New())
			amina := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Amina", FamilyName: "Haddad", BirthDate: "1990-04-12"}).GetId()
			ic := clientsOf(c.conn)
			imp := func(file string) *importsv1.Import {
				t.Helper()
				op, err := upload(withPurpose(ctx, purpose), ic.imp, &pb.ImportBeneficiariesRequest{OnDuplicate: "skip", File: csvFile(file)})
				if err != nil {
					t.Fatal(err)
				}
				return finished(t, ctx, ic, op)
			}
			if i := imp("ime;prezime;datum rođenja\nAmina;Haddad;12.4.1990.\nMirza;Haddad;1.1.2015.\n"); i.GetState() != importsv1.ImportState_IMPORT_STATE_SUCCEEDED ||
				i.GetCounts().GetCreated() != 1 || i.GetCounts().GetSkipped() != 1 {
				t.Fatalf("import: %v", i)
			}
			// Another import with the same text, of nobody erased.
			if i := imp("ime;prezime;datum rođenja\nSelma;Kovač;3.3.2001.\n"); i.GetCounts().GetCreated() != 1 {
				t.Fatalf("import: %v", i)
			}
			db := pgtest.Connect(t, c.dbURL)
			idOf := func(given string) string {
				t.Helper()
				var id string
				if err := db.QueryRow(context.Background(), `SELECT id::text FROM beneficiaries.beneficiaries WHERE given_name = $1`, given).Scan(&id); err != nil {
					t.Fatal(err)
				}
				return id
			}
			mirza, selma := idOf("Mirza"), idOf("Selma")
			client := c.BeneficiaryServiceClient
			if tc.upgrade {
				pgtest.Undo(t, db, "beneficiaries", migrations.FS, 18)
				if tc.erasedBefore {
					oldErasure(t, db, amina, tc.blankImports)
				}
				client = restarted(t, c)
				if !tc.erasedBefore {
					if got := purposesOf(t, ctx, client, mirza, "create"); len(got) != 1 || got[0] != purpose {
						t.Fatalf("Mirza's create record after the upgrade, before any erasure: %q", got)
					}
				}
			}
			if !tc.erasedBefore {
				if _, err := client.EraseBeneficiary(ctx, &pb.EraseBeneficiaryRequest{Id: amina}); err != nil {
					t.Fatal(err)
				}
			}
			if got := purposesOf(t, ctx, client, mirza, "create"); len(got) != 1 || got[0] != "" {
				t.Errorf("Mirza's create record keeps the import's purpose naming the erased Amina: %q", got)
			}
			if got := purposesOf(t, ctx, client, selma, "create"); len(got) != 1 || got[0] != purpose {
				t.Errorf("the other import's record: %q, want its purpose", got)
			}
			var blanked bool
			if err := db.QueryRow(context.Background(), `SELECT bool_and(purpose = '') FROM beneficiaries.imports
				WHERE id IN (SELECT import_id FROM beneficiaries.import_rows WHERE resource_id = $1::uuid)`, mirza).Scan(&blanked); err != nil || !blanked {
				t.Errorf("the import's own purpose blanked: %v %v", blanked, err)
			}
		})
	}
}

// TestAuditPurposesOfPersonsErasedBeforeUpgrade: before 00018 a search
// for "Amina Haddad" read Haddad and Hadžić, and Haddad was erased then
// (her own record's purpose blanked, Hadžić's kept). The upgrade blanks
// the text on Hadžić's record too (migration 00019). Nothing else loses
// its purpose: the same text in an earlier call that read Hadžić alone, a
// call of another client in the same moment, and the records of people
// never erased. A merge into her blanks its record on the duplicate too.
func TestAuditPurposesOfPersonsErasedBeforeUpgrade(t *testing.T) {
	c := startAll(t)
	org := ids.New()
	ctx := servicetest.As(t, org)
	haddad := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Amina", FamilyName: "Haddad"}).GetId()
	hadzic := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Amina", FamilyName: "Hadžić"}).GetId()
	other := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Emir", FamilyName: "Begić"}).GetId()
	dup := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "A.", FamilyName: "Haddad"}).GetId()
	bg := context.Background()
	db := pgtest.Connect(t, c.dbURL)
	pgtest.Undo(t, db, "beneficiaries", migrations.FS, 18)
	const named = "is Amina Haddad (HIV clinic) registered?"
	// The old version's calls: one statement each, one record per person read.
	call := func(client, action, purpose string, ago time.Duration, bens ...string) {
		t.Helper()
		if _, err := db.Exec(bg, `INSERT INTO beneficiaries.audit_events (time, actor_organisation_id, actor_client_id, owner_organisation_id, beneficiary_id, action, purpose)
			SELECT clock_timestamp() - $6::interval, $1, $2, $1, b, $3, $4 FROM unnest($5::uuid[]) b`, org, client, action, purpose, bens, ago); err != nil {
			t.Fatal(err)
		}
	}
	call("old", "search", named, time.Hour, hadzic)
	call("old", "search", named, 0, haddad, hadzic)
	call("other", "search", "routine check", 0, hadzic, other)
	call("old", "read", "case review of Emir", 0, other)
	// A merge of a duplicate into her: its two records have two actions.
	call("merger", "merge", "Amina Haddad's duplicate", 0, haddad)
	call("merger", "merged_into", "Amina Haddad's duplicate", 0, dup)
	oldErasure(t, db, haddad, true)
	c2 := restarted(t, c)
	check := func(when string) {
		t.Helper()
		want := map[string]int{"": 2, named: 1, "routine check": 1} // Haddad's search (old erasure) and Hadžić's from that call
		got := map[string]int{}
		for _, p := range purposesOf(t, ctx, c2, hadzic, "search") {
			got[p]++
		}
		for _, p := range purposesOf(t, ctx, c2, haddad, "search") {
			got[p]++
		}
		if len(got) != len(want) || got[""] != want[""] || got[named] != want[named] || got["routine check"] != want["routine check"] {
			t.Errorf("%s: the search records' purposes %v, want %v", when, got, want)
		}
		if got := purposesOf(t, ctx, c2, other, "read"); len(got) != 1 || got[0] != "case review of Emir" {
			t.Errorf("%s: a never erased person's read record: %q", when, got)
		}
		if got := purposesOf(t, ctx, c2, dup, "merged_into"); len(got) != 1 || got[0] != "" {
			t.Errorf("%s: the merged duplicate's record keeps the merge's purpose naming her: %q", when, got)
		}
	}
	check("after the upgrade")
	// Erasing her again changes nothing more.
	if _, err := c2.EraseBeneficiary(ctx, &pb.EraseBeneficiaryRequest{Id: haddad}); err != nil {
		t.Fatal(err)
	}
	check("after a second erasure")
}
