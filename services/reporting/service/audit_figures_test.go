package service_test

import (
	"context"
	"encoding/json"
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
		{Action: "project.delete", Client: "key-manager", Fields: []string{}},
	}
	if diff := cmp.Diff(wantProject, tr.figures("project_audit", p.GetId(), append(texts, "Tuzla")...)); diff != "" {
		t.Errorf("project_audit (-want +got):\n%s", diff)
	}
}
