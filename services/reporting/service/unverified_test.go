package service_test

import (
	"encoding/csv"
	"regexp"
	"slices"
	"strings"
	"testing"

	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	trainv1 "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/standards"
)

// TestReportMarksUnverifiedOrganisations (audit-trust finding 6, issue 16
// §2): cells of the "organisation" dimension say when the directory lists
// the organisation as not verified by the platform administrator (its name
// and kind are its own claim), in the report, its JSON export and a column
// of the CSV export.
func TestReportMarksUnverifiedOrganisations(t *testing.T) {
	e := start(t)
	org := e.organisation(t, "Centar za mirovne studije", "HR-OIB-12345678901")
	verified := e.organisation(t, "Policijska uprava Zagreb", "HR-OIB-11111111111")
	unverified := e.organisation(t, "Policijska uprava", "") // a claim nobody checked
	ctx := servicetest.As(t, org)
	pr := minimal("UNV")
	pr.SuppressionThreshold = 3
	p := create(t, e.c, ctx, pr)
	addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: "OP1", Titles: en("Professionals registered"), Unit: "persons",
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_PROFESSIONALS_REGISTERED,
		Disaggregations: []string{"organisation"}})
	ev, err := e.train.CreateTrainingEvent(ctx, &trainv1.CreateTrainingEventRequest{TrainingEvent: &trainv1.TrainingEvent{
		ProjectId: p.GetId(), Type: trainv1.EventType_EVENT_TYPE_SEMINAR, Title: "Seminar", StartDate: "2024-03-15", Country: "HR"}})
	if err != nil {
		t.Fatal(err)
	}
	for i, of := range []string{verified, verified, verified, unverified, unverified, unverified} {
		if _, err := e.train.CreateParticipant(ctx, &trainv1.CreateParticipantRequest{EventId: ev.GetTrainingEvent().GetId(),
			Participant: &trainv1.Participant{Person: &trainv1.Participant_Professional{Professional: &trainv1.Professional{
				GivenName: string(rune('A' + i)), FamilyName: "Officer", OrganisationId: of,
				Sector: trainv1.Sector_SECTOR_POLICE, Sex: commonv1.Sex_SEX_FEMALE}}}}); err != nil {
			t.Fatal(err)
		}
	}

	r, err := e.c.GetProjectReport(ctx, &pb.GetProjectReportRequest{ProjectId: p.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, d := range r.GetReport().GetResults()[0].GetDisaggregations() {
		for _, c := range d.GetCells() {
			got[c.GetLabel()] = c.GetName() + " " + c.GetValue()
			if c.GetUnverified() {
				got[c.GetLabel()] += " unverified"
			}
		}
	}
	want := map[string]string{verified: "Policijska uprava Zagreb 3", unverified: "Policijska uprava 3 unverified"}
	if len(got) != 2 || got[verified] != want[verified] || got[unverified] != want[unverified] {
		t.Fatalf("organisation cells: %v, want %v", got, want)
	}

	// The JSON export is the report; the CSV export has a column.
	js, err := e.c.ExportProjectReport(ctx, &pb.ExportProjectReportRequest{ProjectId: p.GetId(), Format: "json"})
	if err != nil || len(regexp.MustCompile(`"unverified":\s*true`).FindAll(js.GetData(), -1)) != 1 { // protojson varies its spacing
		t.Fatalf("JSON export: %v\n%s", err, js.GetData())
	}
	body, err := e.c.ExportProjectReport(ctx, &pb.ExportProjectReportRequest{ProjectId: p.GetId(), Format: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(body.GetData()), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col, cat := slices.Index(rows[0], "unverified_organisation"), slices.Index(rows[0], "category")
	if col < 0 {
		t.Fatalf("CSV header: %v", rows[0])
	}
	marks := map[string]string{}
	for _, row := range rows[1:] {
		marks[row[cat]] = row[col]
	}
	if marks[unverified] != "true" || marks[verified] != "" || marks["total"] != "" {
		t.Fatalf("CSV unverified_organisation by category: %v", marks)
	}

	// The IATI export, which a donor's system reads without the other
	// formats' mark, says it in the dimension's value.
	doc := exportIATI(t, e, ctx, p.GetId())
	checkIATI(t, map[string][]byte{"export": doc})
	root, err := standards.ParseXML(doc)
	if err != nil {
		t.Fatal(err)
	}
	var values []string
	for _, x := range root.All("iati-activity")[0].All("result")[0].All("indicator")[0].All("period")[0].All("actual") {
		for _, d := range x.All("dimension") {
			values = append(values, d.Attrs["value"]+"="+x.Attrs["value"])
		}
	}
	slices.Sort(values)
	if want := []string{"Policijska uprava (unverified)=3", "Policijska uprava Zagreb=3"}; !slices.Equal(values, want) {
		t.Fatalf("IATI organisation dimensions: %q, want %q\n%s", values, want, doc)
	}
}
