package service_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"google.golang.org/protobuf/testing/protocmp"
)

// TestProfessionalSexOnce: a professional is one person across organisers,
// and is in one cell of the breakdown by sex: the sex a registration of
// theirs gave (the latest one that gave any), not "unknown" because
// another organiser's sign-in sheet had no such column. Before, Ana
// registered as female by one organiser and without her sex by the other
// was in both the female and the unknown cell: the cells of one total of
// 3 added up to 5.
func TestProfessionalSexOnce(t *testing.T) {
	o := startOrganisers(t)
	c, orgA, orgB, project := o.client, o.orgA, o.orgB, o.project
	a1, b1 := o.seminarOn(t, orgA, "2021-03-01"), o.seminarOn(t, orgB, "2021-04-01")
	// Ana: female at A, no sex given at B (same e-mail).
	register(t, c, orgA, a1, professional("Ana", "Kovač", "ana@example.org", "CSR Šid", pb.Sector_SECTOR_SOCIAL_WELFARE, commonv1.Sex_SEX_FEMALE))
	register(t, c, orgB, b1, professional("Ana", "Kovač", "ana@example.org", "CSR Šid", pb.Sector_SECTOR_SOCIAL_WELFARE, 0))
	// Marko: no sex at A, male at B (same names and organisation, no e-mail).
	register(t, c, orgA, a1, professional("Marko", "Ilić", "", "PU Šid", pb.Sector_SECTOR_POLICE, 0))
	register(t, c, orgB, b1, professional("Marko", "Ilić", "", "PU Šid", pb.Sector_SECTOR_POLICE, commonv1.Sex_SEX_MALE))
	// Jelena: no sex anywhere.
	register(t, c, orgB, b1, professional("Jelena", "Perić", "jelena@example.org", "", pb.Sector_SECTOR_HEALTH, 0))

	r, err := c.CountParticipants(orgA, &pb.CountParticipantsRequest{ProjectId: project,
		Kind: pb.ParticipantKind_PARTICIPANT_KIND_PROFESSIONAL, Stage: pb.ParticipationStage_PARTICIPATION_STAGE_REGISTERED,
		GroupBy: []string{"sex"}})
	if err != nil {
		t.Fatal(err)
	}
	want := &commonv1.Aggregate{Total: 3, Groups: []*commonv1.Group{
		group(1, "sex", "female"), group(1, "sex", "male"), group(1, "sex", "unknown")}}
	if diff := cmp.Diff(want, r.GetAggregate(), protocmp.Transform()); diff != "" {
		t.Errorf("professionals registered by sex (-want +got):\n%s", diff)
	}
}

// TestDeletedRegistrationTakesItsSex: a registration made by mistake that
// gave a professional's record another sex (Ana registered as male) and
// is deleted leaves the record with the sex her remaining registrations
// gave; before, she stayed in the male cell of every breakdown by sex.
func TestDeletedRegistrationTakesItsSex(t *testing.T) {
	o := startOrganisers(t)
	c, orgA, project := o.client, o.orgA, o.project
	a1, a2 := o.seminarOn(t, orgA, "2021-03-01"), o.seminarOn(t, orgA, "2021-04-01")
	ana := func(sex commonv1.Sex) *pb.Participant {
		return professional("Ana", "Kovač", "ana@example.org", "CSR Šid", pb.Sector_SECTOR_SOCIAL_WELFARE, sex)
	}
	first := register(t, c, orgA, a1, ana(commonv1.Sex_SEX_FEMALE))
	wrong := register(t, c, orgA, a2, ana(commonv1.Sex_SEX_MALE))
	if _, err := c.DeleteParticipant(orgA, &pb.DeleteParticipantRequest{EventId: a2, Id: wrong.GetId()}); err != nil {
		t.Fatal(err)
	}
	p, err := c.GetParticipant(orgA, &pb.GetParticipantRequest{EventId: a1, Id: first.GetId()})
	if err != nil || p.GetParticipant().GetProfessional().GetSex() != commonv1.Sex_SEX_FEMALE {
		t.Errorf("Ana after the registration giving her as male was deleted: %v (%v), want female", p.GetParticipant(), err)
	}
	r, err := c.CountParticipants(orgA, &pb.CountParticipantsRequest{ProjectId: project,
		Kind: pb.ParticipantKind_PARTICIPANT_KIND_PROFESSIONAL, Stage: pb.ParticipationStage_PARTICIPATION_STAGE_REGISTERED,
		GroupBy: []string{"sex"}})
	if err != nil {
		t.Fatal(err)
	}
	want := &commonv1.Aggregate{Total: 1, Groups: []*commonv1.Group{group(1, "sex", "female")}}
	if diff := cmp.Diff(want, r.GetAggregate(), protocmp.Transform()); diff != "" {
		t.Errorf("professionals registered by sex (-want +got):\n%s", diff)
	}
}
