package service_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	"github.com/spona/spona/pkg/ids"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// auditEvents walks every page of ListProjectAuditEvents of req as who,
// page_size at a time.
func (tr *trail) auditEvents(who context.Context, req *pb.ListProjectAuditEventsRequest) []*pb.ProjectAuditEvent {
	tr.t.Helper()
	var out []*pb.ProjectAuditEvent
	for pages := 0; ; pages++ {
		if pages > 100 {
			tr.t.Fatal("ListProjectAuditEvents does not end")
		}
		r, err := tr.c.ListProjectAuditEvents(who, req)
		if err != nil {
			tr.t.Fatal(err)
		}
		out = append(out, r.GetAuditEvents()...)
		if r.GetNextPageToken() == "" {
			return out
		}
		req.PageToken = r.GetNextPageToken()
	}
}

// actions names each event by its action (and the indicator's code, by
// byID: indicator id to code).
func actions(evs []*pb.ProjectAuditEvent, byID map[string]string) []string {
	var out []string
	for _, e := range evs {
		out = append(out, strings.TrimSpace(e.GetAction()+" "+byID[e.GetIndicatorId()]))
	}
	return out
}

// TestProjectAuditEvents: the implementing organisation reads who changed
// its project's figures, indicators and recorded values, when, newest
// first, page by page (every record once), of a time window and of one
// indicator (a deleted one too); with the value's period and numbers
// before and after, an update's changed figures, a deletion's removed
// ones, the API client of each change; never a title. A funder reading
// the project (and its values suppressed) is refused, another
// organisation answered as for no project. Before, there was no API: the
// audit was SQL only.
func TestProjectAuditEvents(t *testing.T) {
	tr := startTrail(t)
	org, funder := ids.New(), ids.New()
	clerk, manager := caller(org, "key-clerk"), caller(org, "key-manager")
	p := tr.project(clerk, "AU-1", funder)
	op1 := tr.manual(clerk, p.GetId(), "OP1")
	q1 := &pb.IndicatorValue{Period: period("2024-01-01", "2024-03-31"), Value: "3", Comment: "Ana and her brother"}
	tr.record(clerk, op1, q1)
	q1.Value = "4"
	tr.record(manager, op1, q1)
	pr, err := tr.c.UpdateProject(manager, &pb.UpdateProjectRequest{Project: &pb.Project{Id: p.GetId(), Etag: p.GetEtag(),
		Titles: []*pb.Narrative{{Text: "Foster care in Tuzla"}}, SuppressionThreshold: 10},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"titles", "suppression_threshold"}}})
	if err != nil {
		t.Fatal(err)
	}
	op2 := tr.manual(clerk, p.GetId(), "OP2")
	if _, err := tr.c.DeleteIndicator(manager, &pb.DeleteIndicatorRequest{ProjectId: p.GetId(), Id: op2.GetId()}); err != nil {
		t.Fatal(err)
	}
	byID := map[string]string{op1.GetId(): "OP1", op2.GetId(): "OP2"}

	// Every record, newest first, the same in pages of 1, 2, 3 and 100.
	want := []string{"indicator.delete OP2", "indicator.create OP2", "project.update", "value.correct OP1",
		"value.record OP1", "indicator.create OP1", "project.create"}
	var all []*pb.ProjectAuditEvent
	for _, size := range []int32{1, 2, 3, 100} {
		all = tr.auditEvents(manager, &pb.ListProjectAuditEventsRequest{ProjectId: p.GetId(), PageSize: size})
		if got := actions(all, byID); !slices.Equal(got, want) {
			t.Fatalf("page_size %d: %q, want %q", size, got, want)
		}
	}
	for i, e := range all {
		if e.GetProjectId() != p.GetId() || e.GetActorOrganisationId() != org || e.GetCreateTime() == nil || e.GetId() <= 0 {
			t.Errorf("%s: %v", want[i], e)
		}
		if i > 0 && e.GetCreateTime().AsTime().After(all[i-1].GetCreateTime().AsTime()) {
			t.Errorf("%s is listed after an older record", want[i-1])
		}
		raw, _ := protojson.Marshal(e)
		for _, text := range []string{"Foster care", "Workshops held", "Donor", "Ana and her brother", "Tuzla"} {
			if strings.Contains(string(raw), text) {
				t.Errorf("%s keeps the free text %q: %s", want[i], text, raw)
			}
		}
	}
	correct, update, deleted := all[3], all[2], all[0]
	if correct.GetActorClientId() != "key-manager" || correct.GetValueBefore() != "3" || correct.GetValueAfter() != "4" ||
		correct.GetPeriod().GetStartDate() != "2024-01-01" || correct.GetPeriod().GetEndDate() != "2024-03-31" {
		t.Errorf("value.correct: %v", correct)
	}
	if all[4].GetActorClientId() != "key-clerk" || all[4].GetValueBefore() != "" || all[4].GetValueAfter() != "3" {
		t.Errorf("value.record: %v", all[4])
	}
	if got := update.GetBefore().AsMap()["suppression_threshold"]; got != float64(0) || update.GetAfter().AsMap()["suppression_threshold"] != float64(10) ||
		!slices.Equal(update.GetFields(), []string{"titles", "suppression_threshold"}) {
		t.Errorf("project.update: %v", update)
	}
	if deleted.GetBefore().AsMap()["code"] != "OP2" || deleted.GetAfter() != nil || deleted.GetIndicatorId() != op2.GetId() {
		t.Errorf("indicator.delete: %v", deleted)
	}

	// One indicator's, a deleted one's too; no project records.
	if got := actions(tr.auditEvents(manager, &pb.ListProjectAuditEventsRequest{ProjectId: p.GetId(), IndicatorId: op2.GetId(), PageSize: 1}), byID); !slices.Equal(got, want[:2]) {
		t.Errorf("indicator OP2: %q, want %q", got, want[:2])
	}
	// A time window: from the value's first record to the project's
	// update (exclusive).
	window := &pb.ListProjectAuditEventsRequest{ProjectId: p.GetId(), StartTime: all[4].GetCreateTime(), EndTime: update.GetCreateTime(), PageSize: 1}
	if got := actions(tr.auditEvents(manager, window), byID); !slices.Equal(got, want[3:5]) {
		t.Errorf("window: %q, want %q", got, want[3:5])
	}

	// The funder reads the project and the indicator (its small value
	// suppressed), not the audit; another organisation not even that.
	fund := caller(funder, "key-funder")
	if _, err := tr.c.GetProject(fund, &pb.GetProjectRequest{Id: pr.GetProject().GetId()}); err != nil {
		t.Fatal(err)
	}
	for who, code := range map[context.Context]codes.Code{fund: codes.PermissionDenied, caller(ids.New(), "key-other"): codes.NotFound} {
		r, err := tr.c.ListProjectAuditEvents(who, &pb.ListProjectAuditEventsRequest{ProjectId: p.GetId()})
		if status.Code(err) != code || len(r.GetAuditEvents()) != 0 {
			t.Errorf("ListProjectAuditEvents as another organisation = %v %v, want %v", r, err, code)
		}
	}
}

// TestProjectAuditEventsBadInput: each mistake is INVALID_ARGUMENT naming
// its field: a malformed indicator id, a window that ends before it
// starts, a timestamp out of range, a page token of other filters.
func TestProjectAuditEventsBadInput(t *testing.T) {
	tr := startTrail(t)
	org := caller(ids.New(), "key-clerk")
	p := tr.project(org, "AU-2")
	tr.manual(org, p.GetId(), "OP1")
	r, err := tr.c.ListProjectAuditEvents(org, &pb.ListProjectAuditEventsRequest{ProjectId: p.GetId(), PageSize: 1})
	if err != nil || r.GetNextPageToken() == "" {
		t.Fatalf("%v %v", r, err)
	}
	start := timestamppb.Now()
	for field, req := range map[string]*pb.ListProjectAuditEventsRequest{
		"indicator_id": {ProjectId: p.GetId(), IndicatorId: "not-a-uuid"},
		"end_time":     {ProjectId: p.GetId(), StartTime: start, EndTime: start},
		"start_time":   {ProjectId: p.GetId(), StartTime: &timestamppb.Timestamp{Seconds: -1 << 40}},
		"page_token":   {ProjectId: p.GetId(), StartTime: start, PageToken: r.GetNextPageToken()},
		"project_id":   {ProjectId: "not-a-uuid"},
		"page_size":    {ProjectId: p.GetId(), PageSize: -1},
	} {
		_, err := tr.c.ListProjectAuditEvents(org, req)
		if got := violated(err); status.Code(err) != codes.InvalidArgument || got != field {
			t.Errorf("%s: %v, violation of %q", field, err, got)
		}
	}
}

// violated is the field of err's only field violation.
func violated(err error) string {
	var fields []string
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				fields = append(fields, v.GetField())
			}
		}
	}
	return strings.Join(fields, ",")
}
