package service_test

import (
	"testing"

	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/importtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/genproto/googleapis/api/httpbody"
)

// TestImportEmitsRegistrations: a registration made by a sign-in sheet is
// a registration like one made over the API, with its
// participant.registered event in the feed, in the import's transaction.
// Before, an imported registration had none: the feed said nothing of it
// until its participant.deleted, and a consumer never learned of it.
func TestImportEmitsRegistrations(t *testing.T) {
	c := start(t)
	org := ids.New()
	ctx := servicetest.As(t, org)
	conn := servicetest.Dial(t, c.self, "trainings")
	e := event(t, c, ctx, seminar("")).GetId()
	ana := register(t, c, ctx, e, professional("Ana", "Kovač", "ana@example.org", "CSR Šid", pb.Sector_SECTOR_SOCIAL_WELFARE, 0))
	_, after := servicetest.Events(t, conn, "")

	// Ana (already registered: linked) and two new professionals.
	sheet := "given_name,family_name,organisation,sector,email\n" +
		"Ana,Kovač,CSR Šid,social_welfare,ana@example.org\nMarko,Ilić,PU Šid,police,\nMira,Perić,DZ Šid,health,mira@example.org\n"
	op, err := pb.NewParticipantImportServiceClient(conn).ImportParticipants(ctx, &pb.ImportParticipantsRequest{EventId: e,
		File: &httpbody.HttpBody{ContentType: "text/csv", Data: []byte(sheet)}})
	if err != nil {
		t.Fatal(err)
	}
	done := importtest.Done(t, ctx, importsv1.NewImportServiceClient(conn), op)
	if done.GetCounts().GetCreated() != 2 || done.GetCounts().GetLinked() != 1 {
		t.Fatalf("import: %v", done.GetCounts())
	}
	l, err := c.ListParticipants(ctx, &pb.ListParticipantsRequest{EventId: e})
	if err != nil {
		t.Fatal(err)
	}
	imported := map[string]string{}
	for _, p := range l.GetParticipants() {
		if p.GetId() != ana.GetId() {
			imported[p.GetId()] = p.GetProfessional().GetSector().String()
		}
	}
	evs, _ := servicetest.Events(t, conn, after)
	got := map[string]bool{}
	for _, ev := range evs {
		d := ev.GetData().GetFields()
		id := d["participant_id"].GetStringValue()
		if ev.GetType() != "participant.registered" || imported[id] == "" || d["event_id"].GetStringValue() != e ||
			d["professional_id"].GetStringValue() == "" || ev.GetOrganisationIds()[0] != org || got[id] {
			t.Errorf("event after the import: %v", ev)
		}
		got[id] = true
	}
	if len(got) != len(imported) || len(imported) != 2 {
		t.Errorf("participant.registered events of the import: %d for %d imported registrations, want one each", len(got), len(imported))
	}
}
