package export

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/sheet"
	"github.com/spona/spona/pkg/testkit/standards"
	"github.com/spona/spona/services/reporting/internal/domain"
)

func d(s string) date.Date {
	x, err := date.Parse(s)
	if err != nil {
		panic(err)
	}
	return x
}

// sample is the worked example's report, suppressed as the service does.
func sample() *domain.Report {
	p := &domain.Project{
		ID: "0190a000-0000-7000-8000-000000000001", Code: "HR-2016-INT-01",
		Titles:                     []domain.Narrative{{Lang: "en", Text: "Improving intersectoral cooperation"}, {Lang: "hr", Text: "Unapređenje međusektorske suradnje"}},
		ImplementingOrganisationID: "0190a000-0000-7000-8000-000000000002",
		ReportingOrgType:           "22",
		ReportingOrgNames:          []domain.Narrative{{Text: "Centre for Peace Studies"}},
		Participants: []domain.ParticipatingOrg{{Ref: "HR-MIN-01", Type: "10", Role: domain.RoleFunding,
			Names: []domain.Narrative{{Text: "Ministry <of> Labour & Social Policy"}}}},
		Budgets: []domain.Budget{{Start: d("2016-11-01"), End: d("2017-10-31"), ValueDate: d("2016-11-01"),
			Value: domain.Money{Amount: "140000.00", Currency: "HRK"}}},
		PlannedStart: d("2016-11-01"), PlannedEnd: d("2017-10-31"), ActualStart: d("2016-11-02"),
		Status: 2, Countries: []string{"HR", "RS", "BA"}, Sectors: []string{"15160"},
		UpdateTime: time.Date(2017, 11, 1, 10, 0, 0, 0, time.UTC),
	}
	trained := &domain.Indicator{Code: "OP1", Titles: []domain.Narrative{{Text: "Professionals trained"}}, Unit: "persons",
		Level: "output", Metric: domain.MetricProfessionalsTrained, Disaggregations: []string{"sector"},
		Baseline: domain.Baseline{Value: "0", Date: d("2016-11-01")},
		Targets:  []domain.Target{{Start: d("2016-11-01"), End: d("2017-10-31"), Value: "40"}}}
	assisted := &domain.Indicator{Code: "OP2", Titles: []domain.Narrative{{Text: "=HYPERLINK(\"x\")"}}, Unit: "persons",
		Level: "outcome", Metric: domain.MetricBeneficiariesAssisted, Disaggregations: []string{"sex"}}
	manual := &domain.Indicator{Code: "OC1", Titles: []domain.Narrative{{Text: "Protocol applied"}}, Unit: "%",
		Measure: domain.MeasurePercentage, Level: "impact", Metric: domain.MetricManual,
		Values: []domain.Value{{Start: d("2017-01-01"), End: d("2017-06-30"), Value: "52.5"}}}
	pub := domain.NewPublisher(p, domain.DirectoryOrganisation{ID: p.ImplementingOrganisationID, Name: "Centar za mirovne studije",
		Kind: "ngo", Identifier: "HR-OIB-12345678901"})
	r := &domain.Report{Project: p, From: d("2016-11-01"), To: d("2017-10-31"), Threshold: 5,
		GenerateTime: time.Date(2017, 11, 2, 9, 0, 0, 0, time.UTC), Publisher: &pub}
	r1 := domain.NewResult(trained, r.From, r.To)
	r1.Actual = domain.Table{Total: domain.Cell{Count: 41}, Breakdowns: []domain.Breakdown{{Dimension: "sector",
		Cells: []domain.Cell{{Label: "health", Count: 3}, {Label: "police", Count: 30}, {Label: "social_welfare", Count: 8}}}}}
	r2 := domain.NewResult(assisted, r.From, r.To)
	r2.Actual = domain.Table{Total: domain.Cell{Count: 8}, Breakdowns: []domain.Breakdown{{Dimension: "sex",
		Cells: []domain.Cell{{Label: "female", Count: 8}}}}}
	r3 := domain.NewResult(manual, r.From, r.To)
	r.Results = []domain.Result{r3, r1, r2}
	for i := range r.Results {
		domain.Suppress(&r.Results[i].Actual, r.Threshold)
	}
	return r
}

func TestCSV(t *testing.T) {
	out, err := CSV(sample())
	if err != nil {
		t.Fatal(err)
	}
	// UTF-8 with a byte order mark, so Excel shows "Bihać" as it is.
	body, ok := bytes.CutPrefix(out, []byte("\uFEFF"))
	if !ok {
		t.Fatalf("the CSV starts with %q, not a byte order mark", out[:min(len(out), 8)])
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Header, rows[0]); diff != "" {
		t.Fatalf("header (-want +got):\n%s", diff)
	}
	var got []string
	for _, r := range rows[1:] {
		got = append(got, strings.Join([]string{r[0], r[9], r[10], r[11], r[12], r[13]}, "|"))
	}
	want := []string{
		// A percentage: a row per period, no total.
		"OC1||period|2017-01-01/2017-06-30|52.5|false",
		"OP1|40||total|41|false",
		// 3 is small; 8, the next smallest, goes with it.
		"OP1|40|sector|health||true",
		"OP1|40|sector|police||true",
		"OP1|40|sector|social_welfare|8|false",
		"OP2|||total|8|false",
		"OP2||sex|female|8|false",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("rows (-want +got):\n%s", diff)
	}
	// Titles that a spreadsheet would run as formulas are defused.
	if rows[len(rows)-1][1] != `'=HYPERLINK("x")` {
		t.Fatalf("formula title written as %q", rows[len(rows)-1][1])
	}
}

func TestXLSX(t *testing.T) {
	out, err := XLSX(sample())
	if err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(out), int64(len(out)))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]string{}
	for _, f := range z.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		parts[f.Name] = string(b)
		// Every part is well-formed XML.
		dec := xml.NewDecoder(bytes.NewReader(b))
		for {
			if _, err := dec.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
		}
	}
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml"} {
		if _, ok := parts[name]; !ok {
			t.Fatalf("package lacks %s", name)
		}
	}
	var sheet struct {
		Rows []struct {
			R     string `xml:"r,attr"`
			Cells []struct {
				R      string `xml:"r,attr"`
				T      string `xml:"t,attr"`
				V      string `xml:"v"`
				Inline string `xml:"is>t"`
			} `xml:"c"`
		} `xml:"sheetData>row"`
	}
	if err := xml.Unmarshal([]byte(parts["xl/worksheets/sheet1.xml"]), &sheet); err != nil {
		t.Fatal(err)
	}
	cell := func(ref string) (string, string) {
		for _, r := range sheet.Rows {
			for _, c := range r.Cells {
				if c.R == ref {
					return c.T, c.V + c.Inline
				}
			}
		}
		return "", ""
	}
	if typ, v := cell("A1"); typ != "inlineStr" || v != "indicator_code" {
		t.Fatalf("A1 = %s %q", typ, v)
	}
	// Row 3 is OP1's total: the value column (M) is a number.
	if typ, v := cell("M3"); typ != "" || v != "41" {
		t.Fatalf("M3 = %q %q, want the number 41", typ, v)
	}
	// So are the baseline (H) and the target (J): a donor sums targets and
	// divides values by them, which text cells spoil (SUM skips them).
	for ref, want := range map[string]string{"H3": "0", "J3": "40"} {
		if typ, v := cell(ref); typ != "" || v != want {
			t.Errorf("%s = %q %q, want the number %s", ref, typ, v, want)
		}
	}
	if _, v := cell("B3"); v != "Professionals trained" {
		t.Fatalf("B3 = %q", v)
	}
	// Suppressed cells are empty.
	if _, v := cell("M4"); v != "" {
		t.Fatalf("suppressed M4 = %q", v)
	}
	if len(sheet.Rows) != 8 {
		t.Fatalf("%d rows, want 8", len(sheet.Rows))
	}
}

// TestXLSXReadsBack reads the XLSX export with Spona's own spreadsheet
// reader (the imports'), which takes what spreadsheet programs write: a
// workbook it cannot read is one a partner cannot re-import either. The
// rows come back as the CSV export's.
func TestXLSXReadsBack(t *testing.T) {
	r := sample()
	out, err := XLSX(r)
	if err != nil {
		t.Fatal(err)
	}
	rd, err := sheet.Open(out, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", sheet.DefaultLimits(1000))
	if err != nil {
		t.Fatalf("the XLSX export cannot be read back: %v", err)
	}
	defer rd.Close()
	var got [][]string
	for {
		_, cells, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, cells)
	}
	want := Rows(r)
	for i, row := range want { // the reader leaves out trailing empty cells
		for len(row) > 0 && row[len(row)-1] == "" {
			row = row[:len(row)-1]
		}
		want[i] = row
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("XLSX read back (-CSV rows +read):\n%s", diff)
	}
}

// activityOrder is the sequence of iati-activity's children in the IATI
// 2.03 activity schema.
var activityOrder = []string{
	"iati-identifier", "reporting-org", "title", "description", "participating-org", "other-identifier",
	"activity-status", "activity-date", "contact-info", "activity-scope", "recipient-country",
	"recipient-region", "location", "sector", "country-budget-items", "humanitarian-scope", "policy-marker",
	"collaboration-type", "default-flow-type", "default-finance-type", "default-aid-type",
	"default-tied-status", "budget", "planned-disbursement", "capital-spend", "transaction",
	"document-link", "related-activity", "legacy-data", "conditions", "result", "crs-add", "fss",
}

type node = standards.XMLNode

func parse(t *testing.T, b []byte) *node {
	t.Helper()
	root, err := standards.ParseXML(b)
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// one returns n's only child called name.
func one(t *testing.T, n *node, name string) *node {
	t.Helper()
	xs := n.All(name)
	if len(xs) != 1 {
		t.Fatalf("%s has %d %s, want 1", n.Name, len(xs), name)
	}
	return xs[0]
}

// inOrder checks that n's children follow order (each name at most where
// the sequence allows).
func inOrder(t *testing.T, n *node, order []string) {
	t.Helper()
	last := -1
	for _, c := range n.Children {
		i := slices.Index(order, c.Name)
		if i < 0 {
			t.Fatalf("%s: unexpected child %s", n.Name, c.Name)
		}
		if i < last {
			t.Fatalf("%s: %s after %s breaks the schema's sequence", n.Name, c.Name, order[last])
		}
		last = i
	}
}

func requireAttrs(t *testing.T, n *node, names ...string) {
	t.Helper()
	for _, a := range names {
		if n.Attrs[a] == "" {
			t.Fatalf("%s lacks @%s", n.Name, a)
		}
	}
}

func TestIATIStructure(t *testing.T) {
	out, err := IATI(sample())
	if err != nil {
		t.Fatal(err)
	}
	root := parse(t, out)
	if root.Name != "iati-activities" || root.Attrs["version"] != "2.03" {
		t.Fatalf("root %s version %q", root.Name, root.Attrs["version"])
	}
	a := one(t, root, "iati-activity")
	inOrder(t, a, activityOrder)
	requireAttrs(t, a, "xml:lang", "last-updated-datetime")
	for _, req := range []string{"iati-identifier", "reporting-org", "title", "activity-status"} {
		one(t, a, req)
	}
	if got := one(t, a, "iati-identifier").Text; got != "HR-OIB-12345678901-HR-2016-INT-01" {
		t.Fatalf("identifier %q", got)
	}
	requireAttrs(t, one(t, a, "reporting-org"), "ref", "type")
	if n := one(t, a, "title").All("narrative"); len(n) != 2 || n[1].Attrs["xml:lang"] != "hr" {
		t.Fatalf("title narratives: %+v", n)
	}
	var roles []string
	for _, o := range a.All("participating-org") {
		requireAttrs(t, o, "role")
		roles = append(roles, o.Attrs["role"])
	}
	if diff := cmp.Diff([]string{"1", "4"}, roles); diff != "" {
		t.Fatalf("participating-org roles (-want +got):\n%s", diff)
	}
	if got := one(t, a.All("participating-org")[0], "narrative").Text; got != "Ministry <of> Labour & Social Policy" {
		t.Fatalf("escaped name came back as %q", got)
	}
	if one(t, a, "activity-status").Attrs["code"] != "2" {
		t.Fatal("activity-status")
	}
	var dates []string
	for _, x := range a.All("activity-date") {
		requireAttrs(t, x, "type", "iso-date")
		dates = append(dates, x.Attrs["type"]+"="+x.Attrs["iso-date"])
	}
	if diff := cmp.Diff([]string{"1=2016-11-01", "2=2016-11-02", "3=2017-10-31"}, dates); diff != "" {
		t.Fatalf("activity dates (-want +got):\n%s", diff)
	}
	var shares []string
	for _, c := range a.All("recipient-country") {
		shares = append(shares, c.Attrs["code"]+"="+c.Attrs["percentage"])
	}
	if diff := cmp.Diff([]string{"HR=33.34", "RS=33.33", "BA=33.33"}, shares); diff != "" {
		t.Fatalf("country shares must add up to 100 (-want +got):\n%s", diff)
	}
	s := one(t, a, "sector")
	if s.Attrs["vocabulary"] != "1" || s.Attrs["code"] != "15160" || s.Attrs["percentage"] != "100" {
		t.Fatalf("sector %v", s.Attrs)
	}
	b := one(t, a, "budget")
	inOrder(t, b, []string{"period-start", "period-end", "value"})
	v := one(t, b, "value")
	if v.Text != "140000.00" || v.Attrs["currency"] != "HRK" || v.Attrs["value-date"] != "2016-11-01" {
		t.Fatalf("budget value %q %v", v.Text, v.Attrs)
	}
	results := a.All("result")
	if len(results) != 3 {
		t.Fatalf("%d results", len(results))
	}
	var summary []string
	for _, r := range results {
		requireAttrs(t, r, "type")
		inOrder(t, r, []string{"title", "description", "document-link", "indicator"})
		ind := one(t, r, "indicator")
		requireAttrs(t, ind, "measure")
		inOrder(t, ind, []string{"title", "description", "document-link", "reference", "baseline", "period"})
		for _, bl := range ind.All("baseline") {
			requireAttrs(t, bl, "year")
		}
		p := one(t, ind, "period")
		inOrder(t, p, []string{"period-start", "period-end", "target", "actual"})
		requireAttrs(t, one(t, p, "period-start"), "iso-date")
		line := r.Attrs["type"] + ":"
		for _, x := range p.All("target") {
			line += " target=" + x.Attrs["value"]
		}
		for _, x := range p.All("actual") {
			inOrder(t, x, []string{"location", "dimension", "comment", "document-link"})
			label := "total"
			if dims := x.All("dimension"); len(dims) == 1 {
				requireAttrs(t, dims[0], "name", "value")
				label = dims[0].Attrs["name"] + "/" + dims[0].Attrs["value"]
			}
			requireAttrs(t, x, "value")
			line += " " + label + "=" + x.Attrs["value"]
		}
		// Withheld cells have no actual (IATI wants a value on each); the
		// indicator's description names them.
		for _, desc := range ind.All("description") {
			line += " withheld: " + one(t, desc, "narrative").Text
		}
		summary = append(summary, line)
	}
	want := []string{
		"3: total=52.5",
		"1: target=40 total=41 sector/social_welfare=8 withheld: Withheld to protect the people counted (counts below 5, and counts from which they could be worked out): sector health; sector police.",
		"2: total=8 sex/female=8",
	}
	if diff := cmp.Diff(want, summary); diff != "" {
		t.Fatalf("results (-want +got):\n%s", diff)
	}
}
