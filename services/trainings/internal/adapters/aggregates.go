package adapters

import (
	"context"

	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/services/trainings/internal/domain"
)

// The aggregates count over every organiser's events of a project that start
// in the period. They return counts only. Dimension values are lower-case
// codes; a missing value is reported as "unknown" by aggregate.Collect.

// participantCounts describes, per kind of participant, what is counted
// (the unit of count(DISTINCT ...)), over which rows and by which
// dimensions.
var participantCounts = map[string]struct {
	unit, from string
	dims       aggregate.Dimensions
}{
	// A professional is counted once even across organisers: the unit is
	// person_key (e-mail, else normalised name and organisation), not the
	// organiser-private professional rows.
	domain.KindProfessional: {"pr.person_key", `
		FROM participants pa
		JOIN professionals pr ON pr.id = pa.professional_id
		JOIN training_events e ON e.id = pa.event_id`, aggregate.Dimensions{
		// Sector and organisation as recorded at the registration.
		"sector":            "pa.sector",
		"sex":               "pr.sex",
		"organisation_kind": "NULLIF(pa.organisation_kind, '')",
		"organisation":      "COALESCE(pa.organisation_id::text, NULLIF(pa.organisation_name, ''))",
		"event_type":        "e.type",
	}},
	domain.KindBeneficiary: {"pa.beneficiary_id", `
		FROM participants pa
		JOIN training_events e ON e.id = pa.event_id`, aggregate.Dimensions{
		"event_type":   "e.type",
		"municipality": "NULLIF(e.municipality, '')",
		// The organisation that brought the person: the organiser.
		"organisation": "e.organiser_organisation_id::text",
	}},
}

// stageFilters keep the participants that reached a stage.
var stageFilters = map[string]string{
	domain.StageRegistered: "",
	domain.StageTrained:    " AND " + completedSQL,
	domain.StageCertified:  " AND pa.certificate_number IS NOT NULL",
}

// CountParticipants counts unique participants of a kind (domain.Kind*)
// who reached a stage (domain.Stage*) at events of the project.
func (p *Postgres) CountParticipants(ctx context.Context, q aggregate.Query, kind, stage string) (aggregate.Aggregate, error) {
	c, ok := participantCounts[kind]
	filter, known := stageFilters[stage]
	if !ok || !known {
		return aggregate.Aggregate{}, domain.ValidateCount(kind, stage)
	}
	return p.count(ctx, q, c.dims, c.unit, c.from, filter)
}

var eventDims = aggregate.Dimensions{
	"event_type":   "e.type",
	"municipality": "NULLIF(e.municipality, '')",
	"country":      "NULLIF(e.country, '')",
}

// CountTrainingEvents counts the events of the project.
func (p *Postgres) CountTrainingEvents(ctx context.Context, q aggregate.Query) (aggregate.Aggregate, error) {
	return p.count(ctx, q, eventDims, "e.id", ` FROM training_events e`, "")
}

// count runs count(DISTINCT unit) over from (which binds e to the events)
// for the project and period of q, with the extra condition filter ("" or
// " AND ..."), grouped as asked.
func (p *Postgres) count(ctx context.Context, q aggregate.Query, dims aggregate.Dimensions, unit, from, filter string) (aggregate.Aggregate, error) {
	if err := dims.Check("group_by", q.GroupBy); err != nil {
		return aggregate.Aggregate{}, err
	}
	sel, group := dims.Select(q.GroupBy)
	where := ` WHERE e.project_id = $1
			AND ($2::date IS NULL OR e.start_date >= $2)
			AND ($3::date IS NULL OR e.start_date <= $3)
			AND ` + unit + ` IS NOT NULL` + filter
	rows, err := p.pool.Query(ctx, `SELECT `+sel+`count(DISTINCT `+unit+`)`+from+where+group,
		q.ProjectID, q.From.Ptr(), q.To.Ptr())
	if err != nil {
		return aggregate.Aggregate{}, db.Error(err)
	}
	defer rows.Close()
	agg, err := aggregate.Collect(rows, q.GroupBy)
	return agg, db.Error(err)
}
