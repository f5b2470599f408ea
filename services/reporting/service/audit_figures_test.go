package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// figureRow is a row of indicator_audit or project_audit with the figures
// it kept before and after (nil: none kept, SQL NULL).
type figureRow struct {
	Action, Client string
	Fields         []string
	Before, After  map[string]any
}

// figures returns the rows of table (indicator_audit or project_audit)
// of project, in order, and fails if a JSON of them holds one of the
// free texts of the project and its indicators.
func (tr *trail) figures(table, project string, texts ...string) []figureRow {
	tr.t.Helper()
	rows, err := pgtest.Connect(tr.t, tr.dbURL).Query(context.Background(), `SELECT action, actor_client_id, fields, before, after
		FROM reporting.`+table+` WHERE project_id = $1 ORDER BY id`, project)
	if err != nil {
		tr.t.Fatal(err)
	}
	defer rows.Close()
	var out []figureRow
	for rows.Next() {
		var r figureRow
		if err := rows.Scan(&r.Action, &r.Client, &r.Fields, &r.Before, &r.After); err != nil {
			tr.t.Fatal(err)
		}
		kept, err := json.Marshal([]any{r.Before, r.After})
		if err != nil {
			tr.t.Fatal(err)
		}
		for _, text := range texts {
			if strings.Contains(string(kept), text) {
				tr.t.Errorf("%s %s keeps the free text %q: %s", table, r.Action, text, kept)
			}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		tr.t.Fatal(err)
	}
	return out
}

// TestUpdatesKeepFiguresBeforeAndAfter: an indicator's update is audited
// with the figures and codes it changed, before and after (a target, the
// baseline, the unit; counts_persons too when a new measure derives it),
// an indicator's creation with the figures it was created with, and a
// project's creation, updates and deletion in project_audit the same way
// (its suppression threshold and dates before and after); never a title
// or a name. A title changed alone keeps no figure; a refused update
// (stale etag) keeps nothing. Before, indicator_audit kept the names of
// the fields an update wrote only (a funder's auditor could not tell what
// a target had been), and project_audit did not exist.
func TestUpdatesKeepFiguresBeforeAndAfter(t *testing.T) {
	tr := startTrail(t)
	org, funder := ids.New(), ids.New()
	clerk, manager := caller(org, "key-clerk"), caller(org, "key-manager")
	// Free texts that must not reach the audit.
	texts := []string{"Foster care", "Donor", "Workshops held", "Workshops run", "Safe homes"}
	p := tr.project(clerk, "FC-1", funder)
	r, err := tr.c.CreateIndicator(clerk, &pb.CreateIndicatorRequest{ProjectId: p.GetId(), Indicator: &pb.Indicator{
		Code: "OP1", Titles: []*pb.Narrative{{Text: "Workshops held"}}, Unit: "workshops", CountsPersons: new(bool),
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_MANUAL,
		Baseline: &pb.Baseline{Value: "4", Date: "2023-12-31"},
		Targets:  []*pb.Target{{Period: period("2024-01-01", "2024-06-30"), Value: "100"}, {Period: period("2024-07-01", "2024-12-31"), Value: "50"}}}})
	if err != nil {
		t.Fatal(err)
	}
	in := r.GetIndicator()
	update := func(who context.Context, change *pb.Indicator, paths ...string) {
		t.Helper()
		change.Id, change.ProjectId, change.Etag = in.GetId(), p.GetId(), in.GetEtag()
		r, err := tr.c.UpdateIndicator(who, &pb.UpdateIndicatorRequest{Indicator: change, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
		if err != nil {
			t.Fatal(err)
		}
		in = r.GetIndicator()
	}
	// The donor lowers a target: the manager changes it, the baseline and
	// the unit, and the title.
	update(manager, &pb.Indicator{Titles: []*pb.Narrative{{Text: "Workshops run"}}, Unit: "sessions",
		Baseline: &pb.Baseline{Value: "5", Date: "2023-12-31"},
		Targets:  []*pb.Target{{Period: period("2024-01-01", "2024-06-30"), Value: "80"}, {Period: period("2024-07-01", "2024-12-31"), Value: "50"}}},
		"titles", "unit", "baseline", "targets")
	// A title alone; a percentage; then a count again, which the update
	// (naming the measure only) makes a count of persons: counts_persons
	// derived, and kept as changed.
	update(clerk, &pb.Indicator{Titles: []*pb.Narrative{{Text: "Safe homes"}}}, "titles")
	update(clerk, &pb.Indicator{Measure: pb.IndicatorMeasure_INDICATOR_MEASURE_PERCENTAGE}, "measure")
	update(clerk, &pb.Indicator{Measure: pb.IndicatorMeasure_INDICATOR_MEASURE_COUNT}, "measure")
	// Refused: a stale etag keeps nothing.
	if _, err := tr.c.UpdateIndicator(clerk, &pb.UpdateIndicatorRequest{Indicator: &pb.Indicator{Id: in.GetId(), ProjectId: p.GetId(),
		Etag: `W/"1"`, Unit: "cases"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"unit"}}}); err == nil {
		t.Fatal("updated with a stale etag")
	}

	target := func(start, end, value string) map[string]any {
		return map[string]any{"start": start, "end": end, "value": value}
	}
	created := map[string]any{"code": "OP1", "unit": "workshops", "measure": "count", "lower_is_better": false,
		"counts_persons": false, "level": "output", "metric": "manual", "disaggregations": []any{},
		"baseline": map[string]any{"value": "4", "date": "2023-12-31"},
		"targets":  []any{target("2024-01-01", "2024-06-30", "100"), target("2024-07-01", "2024-12-31", "50")}}
	want := []figureRow{
		{Action: "indicator.create", Client: "key-clerk", Fields: []string{}, After: created},
		{Action: "indicator.update", Client: "key-manager", Fields: []string{"titles", "unit", "baseline", "targets"},
			Before: map[string]any{"unit": "workshops", "baseline": map[string]any{"value": "4", "date": "2023-12-31"},
				"targets": []any{target("2024-01-01", "2024-06-30", "100"), target("2024-07-01", "2024-12-31", "50")}},
			After: map[string]any{"unit": "sessions", "baseline": map[string]any{"value": "5", "date": "2023-12-31"},
				"targets": []any{target("2024-01-01", "2024-06-30", "80"), target("2024-07-01", "2024-12-31", "50")}}},
		{Action: "indicator.update", Client: "key-clerk", Fields: []string{"titles"}, Before: map[string]any{}, After: map[string]any{}},
		{Action: "indicator.update", Client: "key-clerk", Fields: []string{"measure"},
			Before: map[string]any{"measure": "count"}, After: map[string]any{"measure": "percentage"}},
		{Action: "indicator.update", Client: "key-clerk", Fields: []string{"measure"},
			Before: map[string]any{"measure": "percentage", "counts_persons": false},
			After:  map[string]any{"measure": "count", "counts_persons": true}},
	}
	if diff := cmp.Diff(want, tr.figures("indicator_audit", p.GetId(), texts...)); diff != "" {
		t.Errorf("indicator_audit (-want +got):\n%s", diff)
	}

	// The project: its threshold raised and its end moved, its title
	// changed; then deleted.
	pr, err := tr.c.UpdateProject(manager, &pb.UpdateProjectRequest{Project: &pb.Project{Id: p.GetId(), Etag: p.GetEtag(),
		Titles: []*pb.Narrative{{Text: "Foster care in Tuzla"}}, SuppressionThreshold: 10, PlannedEndDate: "2025-06-30"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"titles", "suppression_threshold", "planned_end_date"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.c.UpdateProject(manager, &pb.UpdateProjectRequest{Project: &pb.Project{Id: p.GetId(), Etag: p.GetEtag(),
		SuppressionThreshold: 20}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"suppression_threshold"}}}); err == nil {
		t.Fatal("updated a project with a stale etag")
	}
	if _, err := tr.c.DeleteProject(manager, &pb.DeleteProjectRequest{Id: p.GetId(), Etag: pr.GetProject().GetEtag()}); err != nil {
		t.Fatal(err)
	}
	wantProject := []figureRow{
		{Action: "project.create", Client: "key-clerk", Fields: []string{}, After: map[string]any{"code": "FC-1",
			"reporting_organisation_type": "", "budgets": []any{}, "planned_start_date": "2024-01-01", "planned_end_date": "2024-12-31",
			"actual_start_date": "", "actual_end_date": "", "activity_status": float64(0), "recipient_countries": []any{},
			"municipalities": []any{}, "sectors": []any{"15160"}, "suppression_threshold": float64(0),
			"participating_organisations": []any{map[string]any{"organisation_id": funder, "ref": "", "type": "", "role": float64(1)}}}},
		{Action: "project.update", Client: "key-manager", Fields: []string{"titles", "planned_end_date", "suppression_threshold"},
			Before: map[string]any{"suppression_threshold": float64(0), "planned_end_date": "2024-12-31"},
			After:  map[string]any{"suppression_threshold": float64(10), "planned_end_date": "2025-06-30"}},
		{Action: "project.delete", Client: "key-manager", Fields: []string{}, Before: map[string]any{"code": "FC-1",
			"reporting_organisation_type": "", "budgets": []any{}, "planned_start_date": "2024-01-01", "planned_end_date": "2025-06-30",
			"actual_start_date": "", "actual_end_date": "", "activity_status": float64(0), "recipient_countries": []any{},
			"municipalities": []any{}, "sectors": []any{"15160"}, "suppression_threshold": float64(10),
			"participating_organisations": []any{map[string]any{"organisation_id": funder, "ref": "", "type": "", "role": float64(1)}}}},
	}
	if diff := cmp.Diff(wantProject, tr.figures("project_audit", p.GetId(), append(texts, "Tuzla")...)); diff != "" {
		t.Errorf("project_audit (-want +got):\n%s", diff)
	}
}

// TestDeletionsKeepWhatTheyRemoved: an indicator's deletion is audited
// with what it removed (before): the indicator's figures and codes as
// they were when deleted (a target lowered since its creation too) and
// its recorded values, each period and number; a project's deletion with
// the project's figures, and each of its indicators' deletions as an
// indicator's own. Never a title, name or a value's comment. Before, an
// indicator.delete or project.delete record kept no figure (before NULL):
// once deleted, an auditor could not tell what a donor figure had been.
func TestDeletionsKeepWhatTheyRemoved(t *testing.T) {
	tr := startTrail(t)
	org, funder := ids.New(), ids.New()
	clerk, manager := caller(org, "key-clerk"), caller(org, "key-manager")
	texts := []string{"Foster care", "Donor", "Workshops held", "Marija"}
	p := tr.project(clerk, "FC-1", funder)
	a, b := tr.manual(clerk, p.GetId(), "OP1"), tr.manual(clerk, p.GetId(), "OP2")
	r, err := tr.c.UpdateIndicator(clerk, &pb.UpdateIndicatorRequest{Indicator: &pb.Indicator{Id: a.GetId(), ProjectId: p.GetId(),
		Etag: a.GetEtag(), Baseline: &pb.Baseline{Value: "4", Date: "2023-12-31"},
		Targets: []*pb.Target{{Period: period("2024-01-01", "2024-12-31"), Value: "80"}}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"baseline", "targets"}}})
	if err != nil {
		t.Fatal(err)
	}
	a = r.GetIndicator()
	tr.record(clerk, a, &pb.IndicatorValue{Period: period("2024-01-01", "2024-03-31"), Value: "12", Comment: "Marija's family counted twice"})
	tr.record(clerk, a, &pb.IndicatorValue{Period: period("2024-04-01", "2024-06-30"), Value: "7.5"})
	tr.record(clerk, b, &pb.IndicatorValue{Period: period("2024-01-01", "2024-03-31"), Value: "3"})
	// Without an etag: whichever version is stored is deleted, and kept.
	if _, err := tr.c.DeleteIndicator(manager, &pb.DeleteIndicatorRequest{ProjectId: p.GetId(), Id: a.GetId()}); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.c.DeleteProject(manager, &pb.DeleteProjectRequest{Id: p.GetId()}); err != nil {
		t.Fatal(err)
	}

	value := func(start, end, v string) map[string]any {
		return map[string]any{"start": start, "end": end, "value": v}
	}
	figures := func(code string, baseline map[string]any, targets []any, values ...any) map[string]any {
		return map[string]any{"code": code, "unit": "workshops", "measure": "count", "lower_is_better": false,
			"counts_persons": false, "level": "output", "metric": "manual", "disaggregations": []any{},
			"baseline": baseline, "targets": targets, "values": append([]any{}, values...)}
	}
	var deleted []figureRow
	for _, row := range tr.figures("indicator_audit", p.GetId(), texts...) {
		if row.Action == "indicator.delete" {
			deleted = append(deleted, row)
		}
	}
	want := []figureRow{
		{Action: "indicator.delete", Client: "key-manager", Fields: []string{}, Before: figures("OP1",
			map[string]any{"value": "4", "date": "2023-12-31"}, []any{value("2024-01-01", "2024-12-31", "80")},
			value("2024-01-01", "2024-03-31", "12"), value("2024-04-01", "2024-06-30", "7.5"))},
		{Action: "indicator.delete", Client: "key-manager", Fields: []string{}, Before: figures("OP2",
			map[string]any{"value": "", "date": ""}, []any{}, value("2024-01-01", "2024-03-31", "3"))},
	}
	if diff := cmp.Diff(want, deleted); diff != "" {
		t.Errorf("indicator.delete records (-want +got):\n%s", diff)
	}
	projects := tr.figures("project_audit", p.GetId(), texts...)
	last := projects[len(projects)-1]
	wantProject := figureRow{Action: "project.delete", Client: "key-manager", Fields: []string{}, Before: map[string]any{"code": "FC-1",
		"reporting_organisation_type": "", "budgets": []any{}, "planned_start_date": "2024-01-01", "planned_end_date": "2024-12-31",
		"actual_start_date": "", "actual_end_date": "", "activity_status": float64(0), "recipient_countries": []any{},
		"municipalities": []any{}, "sectors": []any{"15160"}, "suppression_threshold": float64(0),
		"participating_organisations": []any{map[string]any{"organisation_id": funder, "ref": "", "type": "", "role": float64(1)}}}}
	if diff := cmp.Diff(wantProject, last); diff != "" {
		t.Errorf("project.delete record (-want +got):\n%s", diff)
	}
}

// TestDeletionKeepsAValueRecordedWhileItWaited: a value recorded (the
// indicator locked, the value not yet written) while the indicator or its
// project is deleted without an etag: the deletion waits for it, and its
// audit record keeps the value, which it deletes. The deletion reads what
// it removes in a statement after it has locked the indicator; read with
// the DELETE (one statement, its snapshot taken before the wait), the
// value would be deleted without being kept.
func TestDeletionKeepsAValueRecordedWhileItWaited(t *testing.T) {
	tr := startTrail(t)
	conn := pgtest.Connect(t, tr.dbURL)
	org := ids.New()
	clerk, manager := caller(org, "key-clerk"), caller(org, "key-manager")
	for i, deletion := range []string{"indicator", "project"} {
		t.Run(deletion, func(t *testing.T) {
			p := tr.project(clerk, fmt.Sprintf("RV-%d", i))
			a := tr.manual(clerk, p.GetId(), "OP1")
			a = tr.record(clerk, a, &pb.IndicatorValue{Period: period("2024-01-01", "2024-03-31"), Value: "12"})
			record := func() error {
				_, err := tr.c.RecordIndicatorValue(clerk, &pb.RecordIndicatorValueRequest{ProjectId: p.GetId(), IndicatorId: a.GetId(),
					Value: &pb.IndicatorValue{Period: period("2024-04-01", "2024-06-30"), Value: "7"}})
				return err
			}
			remove := func() error {
				var err error
				if deletion == "indicator" {
					_, err = tr.c.DeleteIndicator(manager, &pb.DeleteIndicatorRequest{ProjectId: p.GetId(), Id: a.GetId()})
				} else {
					_, err = tr.c.DeleteProject(manager, &pb.DeleteProjectRequest{Id: p.GetId()})
				}
				return err
			}
			recordErr, deleteErr, returned := pgtest.Interleave(t, conn,
				fmt.Sprintf("INSERT ON reporting.indicator_values WHEN (NEW.indicator_id = '%s')", a.GetId()), record, remove)
			if recordErr != nil || deleteErr != nil || returned {
				t.Fatalf("value recorded: %v; %s deleted: %v; deleted while the value was held: %v", recordErr, deletion, deleteErr, returned)
			}
			var kept []any
			for _, row := range tr.figures("indicator_audit", p.GetId()) {
				if row.Action == "indicator.delete" {
					kept = append(kept, row.Before["values"])
				}
			}
			want := []any{[]any{map[string]any{"start": "2024-01-01", "end": "2024-03-31", "value": "12"},
				map[string]any{"start": "2024-04-01", "end": "2024-06-30", "value": "7"}}}
			if diff := cmp.Diff(want, kept); diff != "" {
				t.Errorf("the values the indicator.delete record keeps (-want +got):\n%s", diff)
			}
		})
	}
}
