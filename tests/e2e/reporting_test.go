package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spona/spona/pkg/testkit/standards"
)

// TestReportingWorkedExample is the example of the reporting issue, through
// the REST API only: the project "Improving intersectoral cooperation in the
// integration of persons granted international protection" (1 Nov 2016 - 31
// Oct 2017, 140,000.00 HRK, funded by a ministry) holds a five-session
// seminar for which 43 professionals from justice, police, social welfare,
// education, health, labour and NGOs registered: 41 completed it (at least
// four sessions, the 80% threshold), 2 came to too few; certificates were
// handed out after the fourth session, so the 3 who completed only on the
// fifth day have none yet (38 certified). Its counselling centre supports 8
// persons under international protection. The report shows 43 registered,
// 41 trained and 38 certified, each by sector with small cells suppressed,
// and 8 persons supported, to the implementing organisation and to the
// ministry, and in every export format (issues 13 and 14).
func TestReportingWorkedExample(t *testing.T) {
	s := startSystem(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ngo, ministry := s.keyA, s.keyB
	stranger, err := s.stack.CreateKey(ctx, "partner-c", "Organisation C")
	if err != nil {
		t.Fatal(err)
	}
	// The ministry's organisation id, as Spona knows it.
	ministryOrg := s.call(t, "POST", "/v1/projects", ministry, map[string]any{
		"code": "MIN-SELF", "titles": []any{map[string]any{"text": "Ministry's own"}},
		"planned_start_date": "2016-01-01", "planned_end_date": "2016-12-31", "sectors": []string{"15110"},
	}).must(t, 200).str("implementing_organisation_id")

	body := map[string]any{
		"code": "HR-2016-INT-01",
		"titles": []any{
			map[string]any{"lang": "en", "text": "Improving intersectoral cooperation in the integration of persons granted international protection"},
			map[string]any{"lang": "hr", "text": "Unapređenje međusektorske suradnje u integraciji osoba kojima je odobrena međunarodna zaštita"},
		},
		"descriptions":                 []any{map[string]any{"text": "Seminars for professionals and a counselling centre."}},
		"reporting_organisation_names": []any{map[string]any{"text": "Centre for Peace Studies"}},
		"reporting_organisation_type":  "22",
		"participating_organisations": []any{map[string]any{
			"organisation_id": ministryOrg, "ref": "HR-MIN-01", "type": "10", "role": "ORGANISATION_ROLE_FUNDING",
			"names": []any{map[string]any{"text": "Ministry of Labour, Pension System, Family and Social Policy"}},
		}},
		"budgets": []any{map[string]any{
			"period": map[string]any{"start_date": "2016-11-01", "end_date": "2017-10-31"},
			"value":  map[string]any{"amount": "140000.00", "currency_code": "HRK"},
		}},
		"planned_start_date": "2016-11-01", "planned_end_date": "2017-10-31",
		"activity_status": "ACTIVITY_STATUS_IMPLEMENTATION", "recipient_countries": []string{"HR"},
		"municipalities": []string{"Zagreb"}, "sectors": []string{"15160"},
	}
	p := s.call(t, "POST", "/v1/projects", ngo, body, "Idempotency-Key", "project-1").must(t, 200)
	project := p.str("id")
	// The IATI exports name the organisation by its registered identifier,
	// which the platform administrator verifies in its directory entry.
	s.verifyIdentifier(t, p.str("implementing_organisation_id"), "HR-OIB-12345678901")
	if b := p.Body["budgets"].([]any)[0].(map[string]any)["value"].(map[string]any); b["amount"] != "140000.00" || b["currency_code"] != "HRK" {
		t.Fatalf("budget: %s", p.Raw)
	}
	// A retry with the same Idempotency-Key creates nothing new.
	if again := s.call(t, "POST", "/v1/projects", ngo, body, "Idempotency-Key", "project-1").must(t, 200); again.str("id") != project {
		t.Fatalf("retry created %s, first was %s", again.str("id"), project)
	}

	// The seminar: five sessions, 43 professionals from seven sectors.
	ev := s.call(t, "POST", "/v1/trainingEvents", ngo, map[string]any{
		"project_id": project, "type": "EVENT_TYPE_SEMINAR", "title": "Seminar on the integration of protected persons",
		"start_date": "2017-03-13", "end_date": "2017-03-17", "municipality": "Zagreb", "country": "HR",
		"completion_threshold_percent": 80,
	}).must(t, 200).str("id")
	var sessions []string
	for day := 13; day <= 17; day++ {
		sessions = append(sessions, s.call(t, "POST", "/v1/trainingEvents/"+ev+"/sessions", ngo,
			map[string]any{"date": fmt.Sprintf("2017-03-%d", day)}).must(t, 200).str("id"))
	}
	// Per sector: how many registered, and of them how many came to too few
	// sessions (absent) or completed only on the last day (late).
	type group struct {
		sector                   string
		registered, absent, late int
	}
	groups := []group{
		{"SECTOR_JUSTICE", 7, 0, 3}, {"SECTOR_POLICE", 7, 0, 0}, {"SECTOR_SOCIAL_WELFARE", 7, 0, 0},
		{"SECTOR_EDUCATION", 7, 0, 0}, {"SECTOR_HEALTH", 6, 1, 0}, {"SECTOR_LABOUR", 2, 0, 0}, {"SECTOR_NGO", 7, 1, 0},
	}
	// attended[i] lists the sessions (0-4) participant i attended.
	var participants []string
	var attended [][]int
	for _, g := range groups {
		for i := range g.registered {
			n := len(participants)
			participants = append(participants, s.call(t, "POST", "/v1/trainingEvents/"+ev+"/participants", ngo, map[string]any{
				"professional": map[string]any{"given_name": fmt.Sprintf("P%d", n), "family_name": "Professional",
					"sector": g.sector, "sex": []string{"SEX_FEMALE", "SEX_MALE"}[n%2]},
			}).must(t, 200).str("id"))
			switch {
			case i < g.absent:
				attended = append(attended, []int{0, 1}) // 2 of 5: not completed
			case i < g.absent+g.late:
				attended = append(attended, []int{0, 1, 2, 4}) // 4 of 5, the fourth on the last day
			default:
				attended = append(attended, []int{0, 1, 2, 3, 4})
			}
		}
	}
	if len(participants) != 43 {
		t.Fatalf("%d registered, want 43", len(participants))
	}
	mark := func(session int) {
		t.Helper()
		var marks []any
		for i, id := range participants {
			marks = append(marks, map[string]any{"participant_id": id, "present": slices.Contains(attended[i], session)})
		}
		s.call(t, "POST", "/v1/trainingEvents/"+ev+"/sessions/"+sessions[session]+":recordAttendance", ngo,
			map[string]any{"marks": marks}).must(t, 200)
	}
	for session := range 4 {
		mark(session)
	}
	// Certificates after the fourth day: to the 38 who already reached 4 of 5.
	if certified := s.call(t, "POST", "/v1/trainingEvents/"+ev+":issueCertificates", ngo, map[string]any{}).must(t, 200); certified.Body["issued_count"] != float64(38) {
		t.Fatalf("certificates after day four: %s", certified.Raw)
	}
	mark(4)

	// The counselling centre: 8 persons under international protection,
	// each counselled twice (counted once).
	for i := range 8 {
		b := s.call(t, "POST", "/v1/beneficiaries", ngo, map[string]any{
			"given_name": fmt.Sprintf("Person %d", i), "legal_status": "LEGAL_STATUS_INTERNATIONAL_PROTECTION"}).must(t, 200)
		for _, day := range []string{"2017-01-10", "2017-02-10"} {
			s.call(t, "POST", "/v1/beneficiaries/"+b.str("id")+"/assistances", ngo, map[string]any{
				"project_id": project, "type": "ASSISTANCE_TYPE_PSYCHOSOCIAL_COUNSELLING", "date": day}).must(t, 200)
		}
	}

	year := map[string]any{"start_date": "2016-11-01", "end_date": "2017-10-31"}
	for _, in := range []struct{ code, title, metric, target string }{
		{"OP1", "Professionals trained", "METRIC_PROFESSIONALS_TRAINED", "40"},
		{"OP1R", "Professionals registered", "METRIC_PROFESSIONALS_REGISTERED", ""},
		{"OP1C", "Professionals certified", "METRIC_PROFESSIONALS_CERTIFIED", ""},
	} {
		body := map[string]any{
			"code": in.code, "titles": []any{map[string]any{"text": in.title}}, "unit": "persons",
			"level": "INDICATOR_LEVEL_OUTPUT", "metric": in.metric, "disaggregations": []string{"sector"},
			"baseline": map[string]any{"value": "0", "date": "2016-11-01"},
		}
		if in.target != "" {
			body["targets"] = []any{map[string]any{"period": year, "value": in.target}}
		}
		s.call(t, "POST", "/v1/projects/"+project+"/indicators", ngo, body).must(t, 200)
	}
	s.call(t, "POST", "/v1/projects/"+project+"/indicators", ngo, map[string]any{
		"code": "OP2", "titles": []any{map[string]any{"text": "Persons under international protection supported"}}, "unit": "persons",
		"level": "INDICATOR_LEVEL_OUTPUT", "metric": "METRIC_BENEFICIARIES_ASSISTED", "disaggregations": []string{"legal_status"},
		"targets": []any{map[string]any{"period": year, "value": "8"}},
	}).must(t, 200)
	// Only the implementing organisation changes indicators.
	s.call(t, "POST", "/v1/projects/"+project+"/indicators", ministry, map[string]any{
		"code": "X", "titles": []any{map[string]any{"text": "x"}}, "level": "INDICATOR_LEVEL_OUTPUT", "metric": "METRIC_MANUAL",
	}).must(t, 403)

	// By sector, small cells (under 5) hidden, and with a single one the
	// next listed (labour, ngo) so no hidden count follows from the total
	// ("*"). Certified: justice 4 and labour 2 hide each other.
	want := map[string]struct {
		total    string
		bySector map[string]string
	}{
		"OP1R": {"43", map[string]string{"justice": "7", "police": "7", "social_welfare": "7", "education": "7", "health": "6", "labour": "*", "ngo": "*"}},
		"OP1":  {"41", map[string]string{"justice": "7", "police": "7", "social_welfare": "7", "education": "7", "health": "5", "labour": "*", "ngo": "*"}},
		"OP1C": {"38", map[string]string{"justice": "*", "police": "7", "social_welfare": "7", "education": "7", "health": "5", "labour": "*", "ngo": "6"}},
		"OP2":  {"8", map[string]string{}},
	}
	check := func(t *testing.T, key string) {
		t.Helper()
		results := s.reportResults(t, project, key, len(want))
		for _, r := range results {
			w := want[r["code"].(string)]
			if v := r["actual"].(map[string]any)["value"]; v != w.total {
				t.Fatalf("%s: %v, want %s: %v", r["code"], v, w.total, r)
			}
			if r["code"] == "OP2" {
				continue
			}
			if diff := cmp.Diff(w.bySector, cells(r, "sector")); diff != "" {
				t.Fatalf("%s by sector (-want +got):\n%s", r["code"], diff)
			}
		}
		if trained := results[0]; trained["code"] != "OP1" || trained["target"] != "40" {
			t.Fatalf("professionals trained against the target of 40: %v", trained)
		}
	}
	t.Run("report for the implementing organisation", func(t *testing.T) { check(t, ngo) })
	t.Run("report for the funding ministry", func(t *testing.T) { check(t, ministry) })
	t.Run("nothing for others", func(t *testing.T) {
		s.call(t, "GET", "/v1/projects/"+project, stranger, nil).must(t, 404)
		s.call(t, "GET", "/v1/projects/"+project+"/report", stranger, nil).must(t, 404)
		s.call(t, "GET", "/v1/projects/"+project+"/report:export?format=csv", stranger, nil).must(t, 404)
	})

	t.Run("exports", func(t *testing.T) {
		get := func(format, contentType, ext string) response {
			t.Helper()
			r := s.call(t, "GET", "/v1/projects/"+project+"/report:export?format="+format, ministry, nil).must(t, 200)
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, contentType) {
				t.Fatalf("%s: Content-Type %q, want %q", format, ct, contentType)
			}
			want := `attachment; filename="HR-2016-INT-01_2016-11-01_2017-10-31.` + ext + `"`
			if cd := r.Header.Get("Content-Disposition"); cd != want {
				t.Fatalf("%s: Content-Disposition %q, want %q", format, cd, want)
			}
			return r
		}
		j := get("json", "application/json", "json")
		var jr struct {
			Results []struct {
				Actual struct {
					Value string `json:"value"`
				} `json:"actual"`
			} `json:"results"`
		}
		if err := json.Unmarshal([]byte(j.Raw), &jr); err != nil || len(jr.Results) != 4 ||
			jr.Results[0].Actual.Value != "41" || jr.Results[1].Actual.Value != "38" || jr.Results[2].Actual.Value != "43" || jr.Results[3].Actual.Value != "8" {
			t.Fatalf("json export (%v): %s", err, j.Raw)
		}

		rows, err := csv.NewReader(strings.NewReader(get("csv", "text/csv", "csv").Raw)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		totals := map[string]string{}
		for _, r := range rows[1:] {
			if r[11] == "total" {
				totals[r[0]] = r[12]
			}
		}
		if totals["OP1"] != "41" || totals["OP1R"] != "43" || totals["OP1C"] != "38" || totals["OP2"] != "8" {
			t.Fatalf("csv totals %v; rows %v", totals, rows)
		}

		x := get("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
		z, err := zip.NewReader(bytes.NewReader([]byte(x.Raw)), int64(len(x.Raw)))
		if err != nil {
			t.Fatalf("xlsx is not a zip: %v", err)
		}
		var sheet string
		for _, f := range z.File {
			if f.Name == "xl/worksheets/sheet1.xml" {
				rc, _ := f.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				sheet = string(b)
			}
		}
		if !strings.Contains(sheet, "<v>41</v>") || !strings.Contains(sheet, "<v>8</v>") {
			t.Fatalf("xlsx sheet lacks the totals: %s", sheet)
		}

		iati := get("iati", "application/xml", "xml")
		var doc struct {
			Version  string `xml:"version,attr"`
			Activity []struct {
				Identifier string `xml:"iati-identifier"`
				Budget     []struct {
					Value struct {
						Currency string `xml:"currency,attr"`
						Amount   string `xml:",chardata"`
					} `xml:"value"`
				} `xml:"budget"`
				Result []struct {
					Indicator struct {
						Period struct {
							Actual []struct {
								Value string `xml:"value,attr"`
							} `xml:"actual"`
						} `xml:"period"`
					} `xml:"indicator"`
				} `xml:"result"`
			} `xml:"iati-activity"`
		}
		if err := xml.Unmarshal([]byte(iati.Raw), &doc); err != nil {
			t.Fatalf("iati: %v\n%s", err, iati.Raw)
		}
		a := doc.Activity[0]
		if doc.Version != "2.03" || a.Identifier != "HR-OIB-12345678901-HR-2016-INT-01" || a.Budget[0].Value.Amount != "140000.00" ||
			a.Budget[0].Value.Currency != "HRK" || len(a.Result) != 4 || a.Result[0].Indicator.Period.Actual[0].Value != "41" ||
			a.Result[1].Indicator.Period.Actual[0].Value != "38" || a.Result[2].Indicator.Period.Actual[0].Value != "43" ||
			a.Result[3].Indicator.Period.Actual[0].Value != "8" {
			t.Fatalf("iati document: %+v\n%s", doc, iati.Raw)
		}

		standards.ValidateIATI(t, map[string][]byte{"worked example": []byte(iati.Raw)})
		if fails := standards.IATIRuleFailures([]byte(iati.Raw), time.Now()); len(fails) > 0 {
			t.Fatalf("worked example breaks IATI rules: %v\n%s", fails, iati.Raw)
		}

		s.call(t, "GET", "/v1/projects/"+project+"/report:export?format=pdf", ministry, nil).must(t, 400)
	})

	t.Run("stale etag is a conflict", func(t *testing.T) {
		cur := s.call(t, "GET", "/v1/projects/"+project, ngo, nil).must(t, 200)
		s.call(t, "PATCH", "/v1/projects/"+project+"?update_mask=suppression_threshold", ngo,
			map[string]any{"suppression_threshold": 3, "etag": cur.str("etag")}).must(t, 200)
		s.call(t, "PATCH", "/v1/projects/"+project+"?update_mask=suppression_threshold", ngo,
			map[string]any{"suppression_threshold": 4, "etag": cur.str("etag")}).must(t, 409)
		s.call(t, "PATCH", "/v1/projects/"+project+"?update_mask=suppression_threshold", ministry,
			map[string]any{"suppression_threshold": 4}).must(t, 403)
	})
}
