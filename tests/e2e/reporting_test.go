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
	"strings"
	"testing"
	"time"

	"github.com/spona/spona/pkg/testkit/standards"
)

// TestReportingWorkedExample is the example of the reporting issue, through
// the REST API only: the project "Improving intersectoral cooperation in the
// integration of persons granted international protection" (1 Nov 2016 - 31
// Oct 2017, 140,000.00 HRK, funded by a ministry) holds a seminar attended
// by 41 professionals from justice, police, social welfare, education,
// health, labour and NGOs, and its counselling centre supports 8 persons
// under international protection; its report shows 41 professionals trained
// (by sector) and 8 persons supported, to the implementing organisation and
// to the ministry, and in every export format.
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
	// which it records in its directory entry.
	ngoOrg := p.str("implementing_organisation_id")
	s.call(t, "PATCH", "/v1/organisations/"+ngoOrg+"?update_mask=organisation_identifier", ngo,
		map[string]any{"organisation_identifier": "HR-OIB-12345678901"}).must(t, 200)
	if b := p.Body["budgets"].([]any)[0].(map[string]any)["value"].(map[string]any); b["amount"] != "140000.00" || b["currency_code"] != "HRK" {
		t.Fatalf("budget: %s", p.Raw)
	}
	// A retry with the same Idempotency-Key creates nothing new.
	if again := s.call(t, "POST", "/v1/projects", ngo, body, "Idempotency-Key", "project-1").must(t, 200); again.str("id") != project {
		t.Fatalf("retry created %s, first was %s", again.str("id"), project)
	}

	// The seminar: 41 professionals from seven sectors.
	ev := s.call(t, "POST", "/v1/trainingEvents", ngo, map[string]any{
		"project_id": project, "type": "EVENT_TYPE_SEMINAR", "title": "Seminar on the integration of protected persons",
		"start_date": "2017-03-15", "municipality": "Zagreb", "country": "HR",
	}).must(t, 200)
	sectors := []string{"SECTOR_JUSTICE", "SECTOR_POLICE", "SECTOR_SOCIAL_WELFARE", "SECTOR_EDUCATION", "SECTOR_HEALTH", "SECTOR_LABOUR", "SECTOR_NGO"}
	for i := range 41 {
		s.call(t, "POST", "/v1/trainingEvents/"+ev.str("id")+"/participants", ngo, map[string]any{
			"professional": map[string]any{"given_name": fmt.Sprintf("P%d", i), "family_name": "Professional",
				"sector": sectors[i%len(sectors)], "sex": []string{"SEX_FEMALE", "SEX_MALE"}[i%2]},
		}).must(t, 200)
	}
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
	s.call(t, "POST", "/v1/projects/"+project+"/indicators", ngo, map[string]any{
		"code": "OP1", "titles": []any{map[string]any{"text": "Professionals trained"}}, "unit": "persons",
		"level": "INDICATOR_LEVEL_OUTPUT", "metric": "METRIC_PROFESSIONALS_TRAINED", "disaggregations": []string{"sector"},
		"baseline": map[string]any{"value": "0", "date": "2016-11-01"},
		"targets":  []any{map[string]any{"period": year, "value": "40"}},
	}).must(t, 200)
	s.call(t, "POST", "/v1/projects/"+project+"/indicators", ngo, map[string]any{
		"code": "OP2", "titles": []any{map[string]any{"text": "Persons under international protection supported"}}, "unit": "persons",
		"level": "INDICATOR_LEVEL_OUTPUT", "metric": "METRIC_BENEFICIARIES_ASSISTED", "disaggregations": []string{"legal_status"},
		"targets": []any{map[string]any{"period": year, "value": "8"}},
	}).must(t, 200)
	// Only the implementing organisation changes indicators.
	s.call(t, "POST", "/v1/projects/"+project+"/indicators", ministry, map[string]any{
		"code": "X", "titles": []any{map[string]any{"text": "x"}}, "level": "INDICATOR_LEVEL_OUTPUT", "metric": "METRIC_MANUAL",
	}).must(t, 403)

	check := func(t *testing.T, key string) {
		t.Helper()
		rep := s.call(t, "GET", "/v1/projects/"+project+"/report", key, nil).must(t, 200)
		results, _ := rep.Body["results"].([]any)
		if len(results) != 2 {
			t.Fatalf("report: %s", rep.Raw)
		}
		trained, assisted := results[0].(map[string]any), results[1].(map[string]any)
		if v := trained["actual"].(map[string]any)["value"]; v != "41" || trained["target"] != "40" {
			t.Fatalf("professionals trained: %v (target %v), want 41 (40): %s", v, trained["target"], rep.Raw)
		}
		bySector := map[string]string{}
		for _, c := range trained["disaggregations"].([]any)[0].(map[string]any)["cells"].([]any) {
			c := c.(map[string]any)
			v, _ := c["value"].(string)
			bySector[c["label"].(string)] = v
		}
		want := map[string]string{"justice": "6", "police": "6", "social_welfare": "6", "education": "6", "health": "6", "labour": "6", "ngo": "5"}
		if fmt.Sprint(bySector) != fmt.Sprint(want) {
			t.Fatalf("by sector: %v, want %v", bySector, want)
		}
		if v := assisted["actual"].(map[string]any)["value"]; v != "8" {
			t.Fatalf("persons supported: %v, want 8: %s", v, rep.Raw)
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
		if err := json.Unmarshal([]byte(j.Raw), &jr); err != nil || len(jr.Results) != 2 ||
			jr.Results[0].Actual.Value != "41" || jr.Results[1].Actual.Value != "8" {
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
		if totals["OP1"] != "41" || totals["OP2"] != "8" {
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
			a.Budget[0].Value.Currency != "HRK" || a.Result[0].Indicator.Period.Actual[0].Value != "41" ||
			a.Result[1].Indicator.Period.Actual[0].Value != "8" {
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
