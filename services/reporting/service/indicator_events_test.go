package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestIndicatorEventsAndRecorder: a funder's figures do not change without
// a trace. Creating, changing and deleting an indicator, and recording and
// correcting a manual value, are events of the reporting feed, for the
// project's readers (the funder too, not another project's), carrying ids,
// field names and periods only (never the title, value or comment); a
// retried create is one event. Each value keeps who recorded it
// (organisation and API client) and when: the implementing organisation
// reads both, the funder the organisation and time only. Every change is
// in the append-only indicator_audit with its actor. Before, none of the
// six changes was an event, the recorder was not kept and nothing was
// audited.
func TestIndicatorEventsAndRecorder(t *testing.T) {
	tr := startTrail(t)
	c, conn, dbURL := tr.c, tr.conn, tr.dbURL
	org, funder, other := ids.New(), ids.New(), ids.New()
	as := caller
	clerk, manager := as(org, "key-clerk"), as(org, "key-manager")
	project := func(ctx context.Context, code string, funders ...string) string {
		return tr.project(ctx, code, funders...).GetId()
	}
	pid := project(clerk, "FC-1", funder)
	// Another organisation's project, whose indicator events are not the
	// funder's.
	otherProject := project(as(other, "key-other"), "FC-9")
	_, cursor := servicetest.Events(t, conn, "")

	const title, comment = "Djeca smještena kod hraniteljske porodice Jovanović", "Ana Marić (7) kod porodice Jovanović"
	var in *pb.Indicator
	for range 2 { // a retry
		r, err := c.CreateIndicator(clerk, &pb.CreateIndicatorRequest{ProjectId: pid, RequestId: "ind-1", Indicator: &pb.Indicator{
			Code: "OP1", Titles: []*pb.Narrative{{Text: title}}, Unit: "children",
			Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_MANUAL}})
		if err != nil {
			t.Fatal(err)
		}
		in = r.GetIndicator()
	}
	if _, err := c.CreateIndicator(as(other, "key-other"), &pb.CreateIndicatorRequest{ProjectId: otherProject, Indicator: &pb.Indicator{
		Code: "X1", Titles: []*pb.Narrative{{Text: "Other"}}, Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_MANUAL}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateIndicator(clerk, &pb.UpdateIndicatorRequest{Indicator: &pb.Indicator{Id: in.GetId(), ProjectId: pid, Etag: in.GetEtag(),
		Unit: "children placed"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"unit"}}}); err != nil {
		t.Fatal(err)
	}
	q1 := &pb.IndicatorValue{Period: period("2024-01-01", "2024-03-31"), Value: "12", Comment: comment}
	record := func(ctx context.Context, v *pb.IndicatorValue) *pb.Indicator {
		t.Helper()
		r, err := c.RecordIndicatorValue(ctx, &pb.RecordIndicatorValueRequest{ProjectId: pid, IndicatorId: in.GetId(), Value: v})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetIndicator()
	}
	record(clerk, q1)
	q1.Value = "9" // corrected by the manager
	record(manager, q1)
	got := record(clerk, &pb.IndicatorValue{Period: period("2024-04-01", "2024-06-30"), Value: "4"})

	// The recorder, as each reader reads it.
	type recorder struct{ Period, Org, Client string }
	recorders := func(in *pb.Indicator) []recorder {
		var out []recorder
		for _, v := range in.GetValues() {
			if v.GetRecordTime() == nil || v.GetRecordTime().AsTime().IsZero() {
				t.Errorf("value of %s without record_time", v.GetPeriod().GetStartDate())
			}
			out = append(out, recorder{v.GetPeriod().GetStartDate(), v.GetRecordedByOrganisationId(), v.GetRecordedByClientId()})
		}
		return out
	}
	want := []recorder{{"2024-01-01", org, "key-manager"}, {"2024-04-01", org, "key-clerk"}}
	if diff := cmp.Diff(want, recorders(got)); diff != "" {
		t.Errorf("recorders in the answer (-want +got):\n%s", diff)
	}
	read, err := c.GetIndicator(clerk, &pb.GetIndicatorRequest{ProjectId: pid, Id: in.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, recorders(read.GetIndicator())); diff != "" {
		t.Errorf("recorders read by the implementing organisation (-want +got):\n%s", diff)
	}
	// Not a person count, so the funder reads the values; not the client.
	if _, err := c.UpdateIndicator(clerk, &pb.UpdateIndicatorRequest{Indicator: &pb.Indicator{Id: in.GetId(), ProjectId: pid,
		Etag: read.GetIndicator().GetEtag(), CountsPersons: new(bool)}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"counts_persons"}}}); err != nil {
		t.Fatal(err)
	}
	fr, err := c.GetIndicator(as(funder, "key-donor"), &pb.GetIndicatorRequest{ProjectId: pid, Id: in.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]recorder{{"2024-01-01", org, ""}, {"2024-04-01", org, ""}}, recorders(fr.GetIndicator())); diff != "" {
		t.Errorf("recorders read by the funder (-want +got):\n%s", diff)
	}
	if _, err := c.DeleteIndicator(clerk, &pb.DeleteIndicatorRequest{ProjectId: pid, Id: in.GetId()}); err != nil {
		t.Fatal(err)
	}

	// The feed: the project's events concern its readers, with ids,
	// fields and periods only.
	evs, _ := servicetest.Events(t, conn, cursor)
	type event struct {
		Type, Aggregate, ID string
		Orgs                []string
		Data                map[string]any
	}
	var gotEvents []event
	for _, ev := range evs {
		raw, err := protojson.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		for _, text := range []string{"Jovanović", "Ana", "smještena", "children"} {
			if strings.Contains(string(raw), text) {
				t.Errorf("event %s carries free text %q: %s", ev.GetType(), text, raw)
			}
		}
		if ev.GetData().GetFields()["project_id"].GetStringValue() == otherProject {
			if len(ev.GetOrganisationIds()) != 1 || ev.GetOrganisationIds()[0] != other {
				t.Errorf("the other project's %s concerns %v", ev.GetType(), ev.GetOrganisationIds())
			}
			continue
		}
		gotEvents = append(gotEvents, event{ev.GetType(), ev.GetAggregateType(), ev.GetAggregateId(), ev.GetOrganisationIds(), ev.GetData().AsMap()})
	}
	id := in.GetId()
	readers := []string{org, funder}
	value := func(typ, start, end string) event {
		return event{typ, "indicator", id, readers, map[string]any{"project_id": pid, "indicator_id": id,
			"period_start": start, "period_end": end, "organisation_id": org}}
	}
	wantEvents := []event{
		{"indicator.created", "indicator", id, readers, map[string]any{"project_id": pid, "indicator_id": id}},
		{"indicator.updated", "indicator", id, readers, map[string]any{"project_id": pid, "indicator_id": id, "fields": []any{"unit"}}},
		value("indicator.value_recorded", "2024-01-01", "2024-03-31"),
		value("indicator.value_corrected", "2024-01-01", "2024-03-31"),
		value("indicator.value_recorded", "2024-04-01", "2024-06-30"),
		{"indicator.updated", "indicator", id, readers, map[string]any{"project_id": pid, "indicator_id": id, "fields": []any{"counts_persons"}}},
		{"indicator.deleted", "indicator", id, readers, map[string]any{"project_id": pid, "indicator_id": id}},
	}
	if diff := cmp.Diff(wantEvents, gotEvents); diff != "" {
		t.Errorf("indicator events (-want +got):\n%s", diff)
	}

	// The audit: who, what and when, outliving the indicator; no comment.
	type audit struct {
		Action, Org, Client  string
		Fields               []string
		Start, Before, After string
	}
	rows, err := pgtest.Connect(t, dbURL).Query(context.Background(), `SELECT action, actor_organisation_id::text, actor_client_id, fields,
		coalesce(period_start::text, ''), coalesce(value_before, ''), coalesce(value_after, '')
		FROM reporting.indicator_audit WHERE project_id = $1 AND indicator_id = $2 ORDER BY id`, pid, id)
	if err != nil {
		t.Fatal(err)
	}
	var audits []audit
	for rows.Next() {
		var a audit
		if err := rows.Scan(&a.Action, &a.Org, &a.Client, &a.Fields, &a.Start, &a.Before, &a.After); err != nil {
			t.Fatal(err)
		}
		audits = append(audits, a)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]audit{
		{"indicator.create", org, "key-clerk", []string{}, "", "", ""},
		{"indicator.update", org, "key-clerk", []string{"unit"}, "", "", ""},
		{"value.record", org, "key-clerk", []string{}, "2024-01-01", "", "12"},
		{"value.correct", org, "key-manager", []string{}, "2024-01-01", "12", "9"},
		{"value.record", org, "key-clerk", []string{}, "2024-04-01", "", "4"},
		{"indicator.update", org, "key-clerk", []string{"counts_persons"}, "", "", ""},
		{"indicator.delete", org, "key-clerk", []string{}, "", "", ""},
	}, audits); diff != "" {
		t.Errorf("indicator_audit (-want +got):\n%s", diff)
	}
}
