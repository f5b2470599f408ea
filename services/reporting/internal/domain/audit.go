package domain

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/spona/spona/pkg/date"
)

// Project change actions, as the audit records them.
const (
	ActionProjectCreate = "project.create"
	ActionProjectUpdate = "project.update"
	ActionProjectDelete = "project.delete"
)

// Change is the audit record of a change of a project, of an indicator
// or of one of its values: who (organisation, API client), what and, on
// storing, when. What is the action and
//   - for an update, the fields it wrote and the figures and codes it
//     changed, before and after (Figures.Changed);
//   - for a creation, its figures (after);
//   - for a deletion, the figures it removed (before: Project.Figures,
//     Indicator.Removed), as the row deleted held them;
//   - for a value recorded or corrected, its period and the value before
//     and after, decimal numbers.
//
// Never a title, description, objective, name or comment: those are free
// text.
type Change struct {
	Action              string
	ActorOrganisationID string
	ActorClientID       string
	Fields              []string
	Before, After       Figures
	// A value's (value.record, value.correct) only.
	Start, End              date.Date
	ValueBefore, ValueAfter string
}

// Free text fields, named by an update's fields but never kept as
// figures: they may say anything (a person's name among it).
var (
	IndicatorFreeText = []string{"titles"}
	ProjectFreeText   = []string{"titles", "descriptions", "general_objectives", "specific_objectives", "reporting_organisation_names"}
)

// Figures are the audited fields of a record as JSON values, keyed by the
// field's name in the API (and in an update's fields): the figures and
// codes, never free text.
type Figures map[string]any

// Figures returns the indicator's audited fields: every field but its
// titles (free text) and its recorded values (audited one by one).
func (in *Indicator) Figures() Figures {
	targets := make([]map[string]string, 0, len(in.Targets))
	for _, t := range in.Targets {
		targets = append(targets, map[string]string{"start": t.Start.String(), "end": t.End.String(), "value": t.Value})
	}
	return Figures{
		"code":            in.Code,
		"unit":            in.Unit,
		"measure":         in.Measure,
		"lower_is_better": in.LowerIsBetter,
		"counts_persons":  in.CountsPersons,
		"level":           in.Level,
		"baseline":        map[string]string{"value": in.Baseline.Value, "date": in.Baseline.Date.String()},
		"targets":         targets,
		"metric":          in.Metric,
		"disaggregations": nonNil(in.Disaggregations),
	}
}

// Removed returns what deleting the indicator removes, as its
// indicator.delete audit record keeps it (before): its figures and its
// recorded values ("values": each one's period and number; not its
// comment, free text, nor its recorder, whom its value.record and
// value.correct records name).
func (in *Indicator) Removed() Figures {
	values := make([]map[string]string, 0, len(in.Values))
	for _, v := range in.Values {
		values = append(values, map[string]string{"start": v.Start.String(), "end": v.End.String(), "value": v.Value})
	}
	f := in.Figures()
	f["values"] = values
	return f
}

// Figures returns the project's audited fields: its code, dates, status,
// places, sectors, suppression threshold (0: the default), participating
// organisations (their Spona id, IATI identifier, type and role, not
// their names) and budgets; not its titles, descriptions, objectives or
// reporting organisation's names (free text).
func (p *Project) Figures() Figures {
	orgs := make([]map[string]any, 0, len(p.Participants))
	for _, o := range p.Participants {
		orgs = append(orgs, map[string]any{"organisation_id": o.OrganisationID, "ref": o.Ref, "type": o.Type, "role": o.Role})
	}
	budgets := make([]map[string]string, 0, len(p.Budgets))
	for _, b := range p.Budgets {
		budgets = append(budgets, map[string]string{"start": b.Start.String(), "end": b.End.String(),
			"amount": b.Value.Amount, "currency": b.Value.Currency, "value_date": b.ValueDate.String()})
	}
	return Figures{
		"code":                        p.Code,
		"reporting_organisation_type": p.ReportingOrgType,
		"participating_organisations": orgs,
		"budgets":                     budgets,
		"planned_start_date":          p.PlannedStart.String(),
		"planned_end_date":            p.PlannedEnd.String(),
		"actual_start_date":           p.ActualStart.String(),
		"actual_end_date":             p.ActualEnd.String(),
		"activity_status":             p.Status,
		"recipient_countries":         nonNil(p.Countries),
		"municipalities":              nonNil(p.Municipalities),
		"sectors":                     nonNil(p.Sectors),
		"suppression_threshold":       p.SuppressionThreshold,
	}
}

// Changed returns the fields of f whose value differs in next, before and
// after (both empty when none does), in the form they are stored in: the
// audit's record of what a change did, whether its fields named them or
// it derived them (an indicator's counts_persons from a new metric).
func (f Figures) Changed(next Figures) (before, after Figures) {
	before, after = Figures{}, Figures{}
	for k, v := range f {
		a, errA := json.Marshal(v)
		b, errB := json.Marshal(next[k])
		if errA == nil && errB == nil && string(a) == string(b) {
			continue
		}
		before[k], after[k] = v, next[k]
	}
	return before, after
}

// nonNil returns xs, or an empty list for nil, so that none and an empty
// list are the same figure.
func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return slices.Clone(xs)
}

// AuditEvent is a Change as the audit keeps it: its number, when it was
// made and what it changed (the project and, for an indicator's or a
// value's change, the indicator). Project records (project.*) and
// indicator records (indicator.*, value.*) are numbered apart.
type AuditEvent struct {
	ID          int64
	Time        time.Time
	ProjectID   string
	IndicatorID string // empty for a project record
	Change
}
