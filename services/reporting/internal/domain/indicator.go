package domain

import (
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/fieldmask"
	"github.com/spona/spona/pkg/validate"
)

// Logframe levels.
var Levels = []string{"impact", "outcome", "output"}

// Metric names where an indicator's actual value comes from. The training
// metrics say how far the people counted got: registered at an event,
// trained (completed one: attendance at or above its completion
// threshold) or certified.
const (
	MetricManual                            = "manual"
	MetricProfessionalsRegistered           = "professionals_registered"
	MetricProfessionalsTrained              = "professionals_trained"
	MetricProfessionalsCertified            = "professionals_certified"
	MetricBeneficiaryParticipantsRegistered = "beneficiary_participants_registered"
	MetricBeneficiaryParticipantsTrained    = "beneficiary_participants_trained"
	MetricBeneficiaryParticipantsCertified  = "beneficiary_participants_certified"
	MetricTrainingEvents                    = "training_events"
	MetricBeneficiariesAssisted             = "beneficiaries_assisted"
	MetricReferralsMade                     = "referrals_made"
	MetricReferralsAccepted                 = "referrals_accepted"
	MetricReferralsCompleted                = "referrals_completed"

	// MetricCommunityBeneficiaries is the former name of
	// MetricBeneficiaryParticipantsRegistered; Normalize replaces it.
	MetricCommunityBeneficiaries = "community_beneficiaries"
)

// Participation is what a training metric counts: participants of a kind
// ("professional", "beneficiary") who reached a stage ("registered",
// "trained", "certified").
type Participation struct{ Kind, Stage string }

// ParticipationMetrics maps the training metrics to what they count.
var ParticipationMetrics = map[string]Participation{
	MetricProfessionalsRegistered:           {"professional", "registered"},
	MetricProfessionalsTrained:              {"professional", "trained"},
	MetricProfessionalsCertified:            {"professional", "certified"},
	MetricBeneficiaryParticipantsRegistered: {"beneficiary", "registered"},
	MetricBeneficiaryParticipantsTrained:    {"beneficiary", "trained"},
	MetricBeneficiaryParticipantsCertified:  {"beneficiary", "certified"},
}

// Dimensions of the training metrics: the three stages of one kind of
// participant share them. A professional's organisation is the one they
// work for; a beneficiary participant's is the organisation that
// registered them at the event (the organiser), with its directory kind.
// Beneficiaries have no sector.
var (
	professionalDims = []string{"sector", "sex", "organisation_kind", "organisation", "event_type"}
	participantDims  = []string{"sex", "organisation_kind", "organisation", "event_type", "municipality", "age_band", "legal_status"}
)

// MetricDimensions lists, per metric, the dimensions a report may break it
// down by. The manual metric has none.
var MetricDimensions = map[string][]string{
	MetricManual:                            nil,
	MetricProfessionalsRegistered:           professionalDims,
	MetricProfessionalsTrained:              professionalDims,
	MetricProfessionalsCertified:            professionalDims,
	MetricBeneficiaryParticipantsRegistered: participantDims,
	MetricBeneficiaryParticipantsTrained:    participantDims,
	MetricBeneficiaryParticipantsCertified:  participantDims,
	MetricTrainingEvents:                    {"event_type", "municipality", "country"},
	MetricBeneficiariesAssisted: {"sex", "age_band", "legal_status", "municipality", "assistance_type",
		"service", "service_category", "location"},
	MetricReferralsMade:      {"category", "urgency", "status", "sex", "age_band", "legal_status", "municipality"},
	MetricReferralsAccepted:  {"category", "urgency", "sex", "age_band", "legal_status", "municipality"},
	MetricReferralsCompleted: {"category", "urgency", "sex", "age_band", "legal_status", "municipality"},
}

// Measures say what an indicator's figures are, and so whether they add up
// over periods. A count does (persons reached in the first quarter and in
// the second make the half year's); a percentage or an average does not
// (75 % and 85 % are not 160 %). Every computed metric counts.
const (
	MeasureCount      = "count"
	MeasurePercentage = "percentage"
	MeasureAverage    = "average"
)

// Measures lists the measures an indicator may have.
var Measures = []string{MeasureCount, MeasurePercentage, MeasureAverage}

// DefaultMeasure is the measure of an indicator that names none: a manual
// indicator whose unit says it is a percentage is one; anything else counts.
func DefaultMeasure(metric, unit string) string {
	if metric == MetricManual {
		switch strings.ToLower(strings.TrimSpace(unit)) {
		case "%", "percent", "percentage":
			return MeasurePercentage
		}
	}
	return MeasureCount
}

// Additive reports whether the indicator's targets and values add up over
// periods, so that a report over several periods may give their sum.
func (in *Indicator) Additive() bool {
	return in.Measure != MeasurePercentage && in.Measure != MeasureAverage
}

var (
	decimalValue  = regexp.MustCompile(`^[0-9]{1,15}(\.[0-9]{1,4})?$`)
	indicatorCode = projectCode
)

const maxUnit = 50

// Baseline is an indicator's starting value.
type Baseline struct {
	Value string
	Date  date.Date
	// Suppressed is set, with Value cleared, on a baseline hidden from the
	// reader (Indicator.SuppressBaseline); its date is kept.
	Suppressed bool
}

// Target is an indicator's target for a period.
type Target struct {
	Start, End date.Date
	Value      string
}

// Value is a recorded value of a manual indicator for a period.
type Value struct {
	Start, End date.Date
	Value      string
	Comment    string
	// Suppressed is set, with Value cleared, on a value hidden from the
	// reader (Indicator.SuppressValues, which also clears every Comment of
	// a person count for a reader other than the implementing organisation).
	Suppressed bool
	// Recorder is who recorded the value and when (zero for a value
	// recorded before Spona kept it).
	Recorder Recorder
}

// Recorder is who recorded a value: the organisation and API client
// (key's client id or token subject) as the principal named them, and
// when. Ids only, never a person's name.
type Recorder struct {
	OrganisationID string
	ClientID       string
	Time           time.Time
}

// Indicator change actions, as the audit records them.
const (
	ActionIndicatorCreate = "indicator.create"
	ActionIndicatorUpdate = "indicator.update"
	ActionIndicatorDelete = "indicator.delete"
	ActionValueRecord     = "value.record"
	ActionValueCorrect    = "value.correct"
)

// Period returns the value of in recorded for exactly the period of v,
// and whether there is one.
func (in *Indicator) Period(v Value) (Value, bool) {
	for _, x := range in.Values {
		if x.Start == v.Start && x.End == v.End {
			return x, true
		}
	}
	return Value{}, false
}

// Repeats reports whether recording v would change nothing: the value
// recorded for v's period is the same number (12 and 12.0 alike) with the
// same comment, as a retry of the call that recorded it sends. Such a
// call is answered with the stored value and its first recorder; it is no
// correction, so neither an event nor an audit record (nothing changed).
func (in *Indicator) Repeats(v Value) bool {
	old, ok := in.Period(v)
	return ok && sameNumber(old.Value, v.Value) && old.Comment == v.Comment
}

// Indicator is a logframe indicator of a project.
type Indicator struct {
	ID            string
	ProjectID     string
	Code          string
	Titles        []Narrative
	Unit          string
	Measure       string
	LowerIsBetter bool
	// CountsPersons says that the values of a manual count count persons,
	// and so are suppressed as computed counts are (PersonCount). Only a
	// manual count may; CountsPersonsUnset (the caller gave none) makes
	// Normalize derive it.
	CountsPersons      bool
	CountsPersonsUnset bool
	// deriveCountsPersons is set by Apply when a change names the metric or
	// the measure but not counts_persons: Normalize derives it again when
	// the change makes the indicator a manual count or no longer one
	// (wasManualCount).
	deriveCountsPersons, wasManualCount bool
	Level                               string
	Baseline                            Baseline
	Targets                             []Target
	Metric                              string
	Disaggregations                     []string
	Values                              []Value
	Version                             int64
	// View is what the indicator as read depends on beyond its version:
	// for a reader other than the implementing organisation, the threshold
	// and the span its values were suppressed at (SuppressValues), which
	// change with the project and not the indicator; "" for the indicator
	// as stored. Its etag covers it (pkg/etag.OfView), so a reader's cached
	// copy is not revalidated once the project's threshold or planned
	// dates moved.
	View       string
	CreateTime time.Time
	UpdateTime time.Time
}

// Normalize trims free input.
func (in *Indicator) Normalize() {
	in.Code = strings.TrimSpace(in.Code)
	in.Unit = strings.TrimSpace(in.Unit)
	normalizeNarratives(in.Titles)
	in.Baseline.Value = strings.TrimSpace(in.Baseline.Value)
	for i := range in.Targets {
		in.Targets[i].Value = strings.TrimSpace(in.Targets[i].Value)
	}
	in.Disaggregations = normalizeList(in.Disaggregations, strings.ToLower)
	if in.Metric == MetricCommunityBeneficiaries {
		in.Metric = MetricBeneficiaryParticipantsRegistered
	}
	if in.Measure == "" {
		in.Measure = DefaultMeasure(in.Metric, in.Unit)
	}
	switch manualCount := in.manualCount(); {
	case in.CountsPersonsUnset:
		in.CountsPersons = manualCount
	case in.deriveCountsPersons && manualCount != in.wasManualCount:
		in.CountsPersons = manualCount
	}
	in.CountsPersonsUnset, in.deriveCountsPersons = false, false
}

// manualCount reports whether the indicator is a manual count, the only
// kind whose values may be marked as counting persons.
func (in *Indicator) manualCount() bool {
	return in.Metric == MetricManual && in.Measure == MeasureCount
}

// PersonCount reports whether the indicator's recorded values are counts
// of persons, which reports suppress as they do computed counts (a
// computed metric's counts are suppressed whatever this says).
func (in *Indicator) PersonCount() bool { return in.CountsPersons && in.manualCount() }

// SuppressedCounts reports whether reports suppress the indicator's
// figures: a computed metric's counts, and a manual count of persons.
func (in *Indicator) SuppressedCounts() bool { return in.Metric != MetricManual || in.PersonCount() }

// SameRequest reports whether in, the indicator a request id made, is
// what the create n (normalized) asks for again: every field the same
// (numbers as numbers). One changed by an update since no longer is.
func (in *Indicator) SameRequest(n *Indicator) bool {
	return in.Code == n.Code && slices.Equal(in.Titles, n.Titles) && in.Unit == n.Unit && in.Measure == n.Measure &&
		in.LowerIsBetter == n.LowerIsBetter && in.CountsPersons == n.CountsPersons && in.Level == n.Level && in.Metric == n.Metric &&
		slices.Equal(in.Disaggregations, n.Disaggregations) && in.Baseline.Date == n.Baseline.Date &&
		sameNumber(in.Baseline.Value, n.Baseline.Value) &&
		slices.EqualFunc(in.Targets, n.Targets, func(a, b Target) bool {
			return a.Start == b.Start && a.End == b.End && sameNumber(a.Value, b.Value)
		})
}

// Validate checks an indicator as a caller would submit it.
func (in *Indicator) Validate() error { return in.validate(true, false) }

// ValidateChange checks an indicator as a change of the fields named
// (update mask paths) leaves it, wasAdditive telling whether it added up
// before (Additive). That no two target periods of an indicator that adds
// up share a day is checked when the change names its targets or makes
// it add up (a percentage or an average made a count); the latter needs
// its recorded values to add up too. Targets and values stored before
// this rule do not stop other changes (a new title).
func (in *Indicator) ValidateChange(wasAdditive bool, named []string) error {
	return in.validate(!wasAdditive || slices.Contains(named, "targets"), !wasAdditive)
}

func (in *Indicator) validate(targetsAddUp, valuesAddUp bool) error {
	var v errs.Violations
	validate.Text(&v, "indicator.code", in.Code, maxCode, true)
	if in.Code != "" && !indicatorCode.MatchString(in.Code) {
		v.Add("indicator.code", "must start with a letter or digit and hold only letters, digits, '.', '_' and '-'")
	}
	narratives(&v, "indicator.titles", in.Titles, maxTitle, true)
	validate.Text(&v, "indicator.unit", in.Unit, maxUnit, false)
	validate.OneOf(&v, "indicator.level", in.Level, Levels, true)
	validate.OneOf(&v, "indicator.measure", in.Measure, Measures, false)
	if in.Metric != "" && in.Metric != MetricManual && in.Measure != "" && in.Measure != MeasureCount {
		v.Add("indicator.measure", "metric %s counts; only a manual indicator can be a %s", in.Metric, in.Measure)
	}
	date.CheckMinYear(&v, "indicator.baseline.date", in.Baseline.Date)
	if in.Baseline.Value != "" {
		decimal(&v, "indicator.baseline.value", in.Baseline.Value)
	} else if !in.Baseline.Date.IsZero() {
		v.Add("indicator.baseline.value", "is required when a baseline date is given")
	}
	if len(in.Targets) > maxList {
		v.Add("indicator.targets", "must have at most %d entries", maxList)
	}
	targets := make([]Period, len(in.Targets))
	for i, t := range in.Targets {
		f := fmt.Sprintf("indicator.targets[%d]", i)
		period(&v, f+".period", t.Start, t.End, true)
		decimal(&v, f+".value", t.Value)
		targets[i] = Period{t.Start, t.End}
		for j := range i {
			if targets[j] == targets[i] {
				v.Add(f+".period", "the same period as targets[%d]", j)
			}
		}
	}
	if in.Additive() {
		if targetsAddUp {
			disjoint(&v, "indicator.targets", "targets", targets)
		}
		if valuesAddUp {
			periods := make([]Period, len(in.Values))
			for i, x := range in.Values {
				periods[i] = Period{x.Start, x.End}
			}
			disjoint(&v, "indicator.values", "values", periods)
		}
	}
	if in.CountsPersons {
		if !in.manualCount() {
			v.Add("indicator.counts_persons", "only a manual count's values can be marked as counting persons: a computed metric's "+
				"counts are always suppressed, and a percentage or an average is not a count; leave it unset or false")
		}
		for _, x := range in.Values {
			if !whole(x.Value) {
				v.Add("indicator.counts_persons", "the value recorded for %s to %s (%s) is not a whole number, as a count of persons is; "+
					"record it again as one first", x.Start, x.End, x.Value)
				break
			}
		}
	}
	dims, known := MetricDimensions[in.Metric]
	switch {
	case in.Metric == "":
		v.Add("indicator.metric", "is required")
	case !known:
		v.Add("indicator.metric", "unknown value %q", in.Metric)
	default:
		for i, d := range in.Disaggregations {
			if !slices.Contains(dims, d) {
				v.Add(fmt.Sprintf("indicator.disaggregations[%d]", i), "metric %s cannot be broken down by %q; one of: %s",
					in.Metric, d, strings.Join(dims, ", "))
			}
		}
	}
	return v.Err()
}

// disjoint records a violation of field[i].period for each period of ps
// sharing a day with an earlier one (what is "the same period" is
// reported on its own): the targets and values of an indicator that adds
// up are summed over a report period, so each day may lie in one period
// only.
func disjoint(v *errs.Violations, field, what string, ps []Period) {
	for i, p := range ps {
		if p.Start.IsZero() || p.End.IsZero() {
			continue
		}
		for j := range i {
			if ps[j] != p && overlaps(ps[j].Start, ps[j].End, p.Start, p.End) {
				v.Add(fmt.Sprintf("%s[%d].period", field, i), "shares days with %s[%d] (%s to %s): %s",
					what, j, ps[j].Start, ps[j].End, whyDisjoint(what))
				break
			}
		}
	}
}

// whyDisjoint says why periods of an additive indicator's targets or
// values must not share a day, and what to give instead.
func whyDisjoint(what string) string {
	return "the " + what + " of a count add up over a report period, so a day may be in one period only " +
		"(both dates of a period are included); for cumulative milestones give each period's own increase"
}

// ValidateValue checks a manual value for the indicator.
func (in *Indicator) ValidateValue(x Value) error {
	var v errs.Violations
	if in.Metric != MetricManual {
		return errs.FailedPrecondition("NOT_MANUAL", "indicator %s is computed from %s; only manual indicators take recorded values", in.Code, in.Metric)
	}
	period(&v, "value.period", x.Start, x.End, true)
	decimal(&v, "value.value", x.Value)
	if in.PersonCount() && decimalValue.MatchString(x.Value) && !whole(x.Value) {
		v.Add("value.value", "must be a whole number: indicator %s counts persons (counts_persons)", in.Code)
	}
	if in.Additive() && !x.Start.IsZero() && !x.End.IsZero() {
		// A value for a period already recorded replaces it; any other
		// period it shares a day with would be counted twice.
		for _, o := range in.Values {
			if (o.Start != x.Start || o.End != x.End) && overlaps(o.Start, o.End, x.Start, x.End) {
				v.Add("value.period", "shares days with the value recorded for %s to %s: %s", o.Start, o.End, whyDisjoint("values"))
				break
			}
		}
	}
	validate.Text(&v, "value.comment", x.Comment, maxNarrative, false)
	return v.Err()
}

// IndicatorPaths are the update_mask paths of an indicator.
var IndicatorPaths = []string{"code", "titles", "unit", "measure", "lower_is_better", "counts_persons", "level", "baseline", "targets", "metric", "disaggregations"}

// Apply copies the fields named by paths (pkg/fieldmask; "project_id"
// names the parent) from src into in and returns their paths.
func (in *Indicator) Apply(src *Indicator, paths []string) ([]string, error) {
	named, err := fieldmask.Resolve(paths, IndicatorPaths, "project_id")
	if err != nil {
		return nil, err
	}
	in.wasManualCount = in.manualCount()
	in.deriveCountsPersons = !slices.Contains(named, "counts_persons") &&
		(slices.Contains(named, "metric") || slices.Contains(named, "measure"))
	for _, path := range named {
		switch path {
		case "code":
			in.Code = src.Code
		case "titles":
			in.Titles = src.Titles
		case "unit":
			in.Unit = src.Unit
		case "measure":
			in.Measure = src.Measure
		case "lower_is_better":
			in.LowerIsBetter = src.LowerIsBetter
		case "counts_persons":
			in.CountsPersons, in.CountsPersonsUnset = src.CountsPersons, src.CountsPersonsUnset
		case "level":
			in.Level = src.Level
		case "baseline":
			in.Baseline = src.Baseline
		case "targets":
			in.Targets = src.Targets
		case "metric":
			in.Metric = src.Metric
		case "disaggregations":
			in.Disaggregations = src.Disaggregations
		}
	}
	return named, nil
}

func decimal(v *errs.Violations, field, s string) {
	if s == "" {
		v.Add(field, "is required")
	} else if !decimalValue.MatchString(s) {
		v.Add(field, "must be a non-negative decimal number with at most 4 decimal places, such as 40 or 12.5")
	}
}

// whole reports whether the decimal s is a whole number ("12", "12.0").
func whole(s string) bool {
	r, ok := new(big.Rat).SetString(s)
	return ok && r.IsInt()
}

// sumDecimals adds decimal strings exactly; ok is false when there are none.
func sumDecimals(xs []string) (sum string, ok bool) {
	if len(xs) == 0 {
		return "", false
	}
	total := new(big.Rat)
	for _, x := range xs {
		r, good := new(big.Rat).SetString(x)
		if !good {
			return "", false
		}
		total.Add(total, r)
	}
	return formatRat(total), true
}

// formatRat writes r with as few decimals as it needs (at most 4).
func formatRat(r *big.Rat) string {
	s := r.FloatString(4)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
