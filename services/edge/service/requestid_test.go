package service_test

import (
	"strings"
	"testing"

	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
)

// A create's request_id is the client's: one that is not 1 to 255
// printable ASCII characters (a NUL, a letter outside ASCII, 3,000
// characters) is 400 with a field violation, in every service, before
// anything is stored; before, PostgreSQL refused it and the client got 500.
func TestRequestIDChecked(t *testing.T) {
	s := edgetest.Start(t, nil)
	key := s.CreateKey(t, "p", "Request id NGO")
	c := resttest.New(s.URL, key.Key)
	project := c.Do(t, "POST", "/v1/projects", map[string]any{"code": "RID-1", "titles": []any{map[string]any{"text": "T"}},
		"planned_start_date": "2024-01-01", "planned_end_date": "2024-12-31", "sectors": []string{"15160"}}).Must(t, 200).Str("id")
	creates := []struct {
		path string
		body map[string]any
	}{
		{"/v1/beneficiaries", map[string]any{"given_name": "Ajša", "sex": "SEX_FEMALE"}},
		{"/v1/households", map[string]any{"reference": "H-1"}},
		{"/v1/projects", map[string]any{"code": "RID-2", "titles": []any{map[string]any{"text": "T"}},
			"planned_start_date": "2024-01-01", "planned_end_date": "2024-12-31", "sectors": []string{"15160"}}},
		{"/v1/trainingEvents", map[string]any{"project_id": project, "type": "EVENT_TYPE_WORKSHOP", "title": "W",
			"start_date": "2024-05-01", "end_date": "2024-05-01"}},
		{"/v1/organisations/" + key.Organisation + "/services", map[string]any{"name": "Legal aid", "category": "REFERRAL_CATEGORY_LEGAL"}},
	}
	for _, cr := range creates {
		for _, rid := range []string{"%00", "ab%C3%A9", strings.Repeat("r", 3000)} {
			r := c.Do(t, "POST", cr.path+"?request_id="+rid, cr.body).Must(t, 400)
			if _, _, fields := localized(t, r); fields["request_id"][1] != "Must be 1 to 255 printable ASCII characters." {
				t.Errorf("POST %s request_id=%.12s: field violations %v: %s", cr.path, rid, fields, r.Raw)
			}
		}
	}
	if l := c.Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 200); l.Body["beneficiaries"] != nil {
		t.Fatalf("a refused create stored something: %s", l.Raw)
	}
	// A valid one still makes the create idempotent.
	rid := strings.Repeat("k", 255)
	first := c.Do(t, "POST", "/v1/beneficiaries?request_id="+rid, creates[0].body).Must(t, 200).Str("id")
	if again := c.Do(t, "POST", "/v1/beneficiaries?request_id="+rid, creates[0].body).Must(t, 200).Str("id"); again != first {
		t.Fatalf("retry with request_id: %s, first %s", again, first)
	}
}

// An import's request_id (in its first message, a client stream) is
// checked the same way; an import without one takes the Idempotency-Key
// (prefixed with the client's id), which may be 255 characters.
func TestImportRequestIDChecked(t *testing.T) {
	s := edgetest.Start(t, nil)
	c := resttest.New(s.URL, s.CreateKey(t, "p", "Request id NGO").Key)
	sheet := []byte("given_name,family_name\nAna,Petrović\n")
	for _, rid := range []string{"%00", "ab%C3%A9", strings.Repeat("r", 3000)} {
		r := c.Do(t, "POST", "/v1/beneficiaries:import?validate_only=true&request_id="+rid, sheet, "Content-Type", "text/csv").Must(t, 400)
		if _, _, fields := localized(t, r); fields["request_id"][1] != "Must be 1 to 255 printable ASCII characters." {
			t.Errorf("import request_id=%.12s: field violations %v: %s", rid, fields, r.Raw)
		}
	}
	c.Do(t, "POST", "/v1/beneficiaries:import?validate_only=true", sheet, "Content-Type", "text/csv",
		"Idempotency-Key", strings.Repeat("u", 255)).Must(t, 200)
}
