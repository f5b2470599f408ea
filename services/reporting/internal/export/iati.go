package export

import (
	"bytes"
	"encoding/xml"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spona/spona/services/reporting/internal/domain"
)

// IATI 2.03 activity XML. Element order follows the sequence the activity
// schema prescribes; values are written as recorded (decimal strings).

// IATIVersion is the IATI standard version the export declares.
const IATIVersion = "2.03"

type iatiActivities struct {
	XMLName   xml.Name       `xml:"iati-activities"`
	Version   string         `xml:"version,attr"`
	Generated string         `xml:"generated-datetime,attr"`
	Activity  []iatiActivity `xml:"iati-activity"`
}

type narrative struct {
	Lang string `xml:"http://www.w3.org/XML/1998/namespace lang,attr,omitempty"`
	Text string `xml:",chardata"`
}

type narratives struct {
	Narrative []narrative `xml:"narrative"`
}

type description struct {
	Type      string      `xml:"type,attr"`
	Narrative []narrative `xml:"narrative"`
}

type iatiOrg struct {
	Ref       string      `xml:"ref,attr,omitempty"`
	Type      string      `xml:"type,attr,omitempty"`
	Role      string      `xml:"role,attr,omitempty"`
	Narrative []narrative `xml:"narrative"`
}

type codeAttr struct {
	Code string `xml:"code,attr"`
}

type activityDate struct {
	Type    string `xml:"type,attr"`
	ISODate string `xml:"iso-date,attr"`
}

type isoDate struct {
	ISODate string `xml:"iso-date,attr"`
}

type recipientCountry struct {
	Code       string `xml:"code,attr"`
	Percentage string `xml:"percentage,attr,omitempty"`
}

type sector struct {
	Vocabulary string `xml:"vocabulary,attr"`
	Code       string `xml:"code,attr"`
	Percentage string `xml:"percentage,attr,omitempty"`
}

type budgetValue struct {
	Currency  string `xml:"currency,attr"`
	ValueDate string `xml:"value-date,attr"`
	Amount    string `xml:",chardata"`
}

type budget struct {
	Type        string      `xml:"type,attr"`
	Status      string      `xml:"status,attr"`
	PeriodStart isoDate     `xml:"period-start"`
	PeriodEnd   isoDate     `xml:"period-end"`
	Value       budgetValue `xml:"value"`
}

type dimension struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// measured is a target or an actual, and baseline an indicator's
// baseline. Neither writes IATI's optional comment: Spona keeps no text
// for it (a value's comment is the implementing organisation's note on one
// period, not on a report period's sum, and may name the persons counted;
// README), and what a donor must read about withheld figures is in the
// indicator's description (withheld).
type measured struct {
	Value     *string     `xml:"value,attr"`
	Dimension []dimension `xml:"dimension"`
}

type baseline struct {
	Year    string `xml:"year,attr"`
	ISODate string `xml:"iso-date,attr,omitempty"`
	Value   string `xml:"value,attr"`
}

type period struct {
	PeriodStart isoDate    `xml:"period-start"`
	PeriodEnd   isoDate    `xml:"period-end"`
	Target      []measured `xml:"target"`
	Actual      []measured `xml:"actual"`
}

type indicator struct {
	Measure     string      `xml:"measure,attr"`
	Ascending   string      `xml:"ascending,attr"`
	Title       narratives  `xml:"title"`
	Description *narratives `xml:"description"`
	Baseline    []baseline  `xml:"baseline"`
	Period      []period    `xml:"period"`
}

type result struct {
	Type      string      `xml:"type,attr"`
	Title     narratives  `xml:"title"`
	Indicator []indicator `xml:"indicator"`
}

type iatiActivity struct {
	LastUpdated      string             `xml:"last-updated-datetime,attr"`
	Lang             string             `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	DefaultCurrency  string             `xml:"default-currency,attr,omitempty"`
	Identifier       string             `xml:"iati-identifier"`
	ReportingOrg     iatiOrg            `xml:"reporting-org"`
	Title            narratives         `xml:"title"`
	Description      []description      `xml:"description"`
	ParticipatingOrg []iatiOrg          `xml:"participating-org"`
	ActivityStatus   codeAttr           `xml:"activity-status"`
	ActivityDate     []activityDate     `xml:"activity-date"`
	RecipientCountry []recipientCountry `xml:"recipient-country"`
	Sector           []sector           `xml:"sector"`
	Budget           []budget           `xml:"budget"`
	Result           []result           `xml:"result"`
}

// IATI result types by logframe level (IATI ResultType codelist).
var resultType = map[string]string{"output": "1", "outcome": "2", "impact": "3"}

func iatiNarratives(ns []domain.Narrative) []narrative {
	out := make([]narrative, 0, len(ns))
	for _, n := range ns {
		out = append(out, narrative{Lang: n.Lang, Text: n.Text})
	}
	return out
}

// equalShares splits 100 % over n items with two decimals, the remainder
// on the first, so the shares add up to exactly 100 (IATI rules 2.1.2 and
// 3.1.2; a single item gets 100).
func equalShares(n int) []string {
	switch n {
	case 0:
		return nil
	case 1:
		return []string{"100"}
	}
	hundredths := 10000 / n
	out := make([]string, n)
	for i := range out {
		h := hundredths
		if i == 0 {
			h += 10000 - hundredths*n
		}
		out[i] = strconv.Itoa(h/100) + "." + strconv.Itoa(h%100/10) + strconv.Itoa(h%10)
	}
	return out
}

// IATI renders the report as an IATI 2.03 activity file holding the
// project as one activity, with the report period's results. The report
// must carry its publisher (the app checks the project with
// domain.CheckIATI first).
func IATI(r *domain.Report) ([]byte, error) {
	p, pub := r.Project, r.Publisher
	if pub == nil {
		return nil, errors.New("iati: the report has no publisher")
	}
	stamp := r.GenerateTime.UTC().Format(time.RFC3339)
	reporting := iatiOrg{Ref: pub.Ref, Type: pub.Type, Narrative: iatiNarratives(pub.Names)}
	a := iatiActivity{
		LastUpdated:    r.LastUpdated().UTC().Format(time.RFC3339),
		Lang:           "en",
		Identifier:     p.IATIIdentifier(*pub),
		ReportingOrg:   reporting,
		Title:          narratives{iatiNarratives(p.Titles)},
		ActivityStatus: codeAttr{strconv.Itoa(p.IATIStatus())},
	}
	// Description type 1 general, 2 objectives (IATI DescriptionType).
	desc := p.Descriptions
	if len(desc) == 0 {
		desc = p.Titles
	}
	a.Description = append(a.Description, description{"1", iatiNarratives(desc)})
	for _, objs := range [][]domain.Narrative{p.GeneralObjectives, p.SpecificObjectives} {
		if len(objs) > 0 {
			a.Description = append(a.Description, description{"2", iatiNarratives(objs)})
		}
	}
	listed := false // the project lists its implementing organisation itself
	for _, o := range p.Participants {
		org := iatiOrg{Ref: o.Ref, Type: o.Type, Role: strconv.Itoa(o.Role), Narrative: iatiNarratives(o.Names)}
		if o.OrganisationID != "" && o.OrganisationID == p.ImplementingOrganisationID {
			// The reporting organisation listed by its Spona id: with the
			// identifier and type it reports under, unless given here.
			if org.Ref == "" {
				org.Ref = pub.Ref
			}
			if org.Type == "" {
				org.Type = pub.Type
			}
		}
		a.ParticipatingOrg = append(a.ParticipatingOrg, org)
		if o.Role == domain.RoleImplementing && ((o.OrganisationID != "" && o.OrganisationID == p.ImplementingOrganisationID) || o.Ref == pub.Ref) {
			listed = true
		}
	}
	if !listed {
		reporting.Role = strconv.Itoa(domain.RoleImplementing)
		a.ParticipatingOrg = append(a.ParticipatingOrg, reporting)
	}
	// Activity date types: 1 planned start, 2 actual start, 3 planned end, 4 actual end.
	a.ActivityDate = append(a.ActivityDate, activityDate{"1", p.PlannedStart.String()})
	if !p.ActualStart.IsZero() {
		a.ActivityDate = append(a.ActivityDate, activityDate{"2", p.ActualStart.String()})
	}
	a.ActivityDate = append(a.ActivityDate, activityDate{"3", p.PlannedEnd.String()})
	if !p.ActualEnd.IsZero() {
		a.ActivityDate = append(a.ActivityDate, activityDate{"4", p.ActualEnd.String()})
	}
	for i, share := range equalShares(len(p.Countries)) {
		a.RecipientCountry = append(a.RecipientCountry, recipientCountry{Code: p.Countries[i], Percentage: share})
	}
	for i, share := range equalShares(len(p.Sectors)) {
		a.Sector = append(a.Sector, sector{Vocabulary: "1", Code: p.Sectors[i], Percentage: share})
	}
	for _, b := range p.Budgets {
		a.Budget = append(a.Budget, budget{Type: "1", Status: "2",
			PeriodStart: isoDate{b.Start.String()}, PeriodEnd: isoDate{b.End.String()},
			Value: budgetValue{Currency: b.Value.Currency, ValueDate: b.ValueDate.String(), Amount: b.Value.Amount}})
	}
	for i := range r.Results {
		a.Result = append(a.Result, iatiResult(r, &r.Results[i]))
	}
	doc := iatiActivities{Version: IATIVersion, Generated: stamp, Activity: []iatiActivity{a}}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	buf.WriteString("\n")
	return buf.Bytes(), nil
}

// iatiMeasure maps an indicator's measure to the IATI IndicatorMeasure
// codelist: a percentage is 2, a count or an average is measured in units (1).
func iatiMeasure(m string) string {
	if m == domain.MeasurePercentage {
		return "2"
	}
	return "1"
}

// withheld says which published cells suppression withheld. IATI requires
// a value on every actual of a quantitative indicator (rule 8.10.1), so a
// withheld cell has no actual element; the indicator's description says
// which cells are missing and why.
func withheld(threshold int, cells []string) *narratives {
	if len(cells) == 0 {
		return nil
	}
	return &narratives{[]narrative{{Text: "Withheld to protect the people counted (counts below " + strconv.Itoa(threshold) +
		", and counts from which they could be worked out): " + strings.Join(cells, "; ") + "."}}}
}

func iatiResult(r *domain.Report, res *domain.Result) result {
	in := res.Indicator
	ind := indicator{Measure: iatiMeasure(in.Measure), Ascending: iatiBool(!in.LowerIsBetter), Title: narratives{iatiNarratives(in.Titles)}}
	var hidden []string
	if in.Baseline.Suppressed {
		// IATI requires a value on the baseline of a quantitative
		// indicator: a withheld one has no baseline element.
		hidden = append(hidden, "the baseline")
	} else if in.Baseline.Value != "" {
		b := baseline{Value: in.Baseline.Value, Year: strconv.Itoa(r.Project.PlannedStart.Year)}
		if !in.Baseline.Date.IsZero() {
			b.Year, b.ISODate = strconv.Itoa(in.Baseline.Date.Year), in.Baseline.Date.String()
		}
		ind.Baseline = append(ind.Baseline, b)
	}
	typ := resultType[in.Level]
	if len(res.Periods) > 0 {
		// Figures that do not add up: one IATI period per target or value
		// period, each with its own, instead of a sum over the report period.
		for _, f := range res.Periods {
			per := period{PeriodStart: isoDate{f.Start.String()}, PeriodEnd: isoDate{f.End.String()}}
			if f.Target != "" {
				per.Target = append(per.Target, measured{Value: &f.Target})
			}
			if f.Value != "" {
				per.Actual = append(per.Actual, measured{Value: &f.Value})
			}
			ind.Period = append(ind.Period, per)
		}
		ind.Description = withheld(r.Threshold, hidden)
		return result{Type: typ, Title: narratives{iatiNarratives(in.Titles)}, Indicator: []indicator{ind}}
	}
	per := period{PeriodStart: isoDate{r.From.String()}, PeriodEnd: isoDate{r.To.String()}}
	if res.Target != "" {
		t := res.Target
		per.Target = append(per.Target, measured{Value: &t})
	}
	if v := res.ActualValue(); v != "" {
		per.Actual = append(per.Actual, measured{Value: &v})
	} else if res.Actual.Total.Suppressed {
		hidden = append(hidden, "the total")
	}
	shown := shownLabels(res.Actual)
	for _, b := range res.Actual.Breakdowns {
		for _, c := range b.Cells {
			dims := []dimension{{Name: b.Dimension, Value: shown[b.Dimension][c.Label]}}
			if b.Parent != "" {
				// A nested cell names the parent cell it is part of: a
				// value may be under several ("unknown" locations of
				// two services).
				parent, ok := shown[b.Parent][c.Parent]
				if !ok {
					parent = c.Parent
				}
				dims = append(dims, dimension{Name: b.Parent, Value: parent})
			}
			if c.Suppressed {
				what := b.Dimension + " " + dims[0].Value
				if len(dims) > 1 {
					what += " (" + dims[1].Name + " " + dims[1].Value + ")"
				}
				hidden = append(hidden, what)
				continue
			}
			v := domain.CellValue(c)
			per.Actual = append(per.Actual, measured{Value: &v, Dimension: dims})
		}
	}
	ind.Description = withheld(r.Threshold, hidden)
	ind.Period = append(ind.Period, per)
	return result{Type: typ, Title: narratives{iatiNarratives(in.Titles)}, Indicator: []indicator{ind}}
}

// shownLabels are, per dimension of tab, the values its cells are
// exported as: a cell's name, else its label; a name that cells of
// different labels share (two teams both called "Mobilni tim", two
// offices "Ured, Bihać") with the label added, since an IATI dimension
// has its value only and a reader could not tell such cells apart; and
// an organisation the platform administrator has not verified marked
// " (unverified)", as the other formats mark it (its name is its own
// claim).
func shownLabels(tab domain.Table) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, b := range tab.Breakdowns {
		labels := map[string][]string{} // by name shown
		for _, c := range b.Cells {
			if n := c.Shown(); !slices.Contains(labels[n], c.Label) {
				labels[n] = append(labels[n], c.Label)
			}
		}
		values := map[string]string{}
		for _, c := range b.Cells {
			values[c.Label] = c.Shown()
			if len(labels[c.Shown()]) > 1 && c.Name != "" {
				values[c.Label] = c.Name + " (" + c.Label + ")"
			}
			if c.Unverified {
				values[c.Label] += " (unverified)"
			}
		}
		out[b.Dimension] = values
	}
	return out
}

// iatiBool is an xsd:boolean as IATI writes it.
func iatiBool(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
