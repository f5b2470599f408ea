package adapters

import (
	"context"

	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/db"
)

// The aggregates count over every organiser's events of a project that start
// in the period. They return counts only. Dimension values are lower-case
// codes; a missing value is reported as "unknown" by aggregate.Collect.

var trainedDims = aggregate.Dimensions{
	// Sector and organisation as recorded at the registration.
	"sector":            "pa.sector",
	"sex":               "pr.sex",
	"organisation_kind": "NULLIF(pa.organisation_kind, '')",
	"organisation":      "COALESCE(pa.organisation_id::text, NULLIF(pa.organisation_name, ''))",
	"event_type":        "e.type",
}

// CountTrainedProfessionals counts unique professionals who took part in
// events of the project. A person is counted once even across organisers:
// the count is over person_key (e-mail, else normalised name and
// organisation), not over the organiser-private professional rows.
func (p *Postgres) CountTrainedProfessionals(ctx context.Context, q aggregate.Query, completedOnly bool) (aggregate.Aggregate, error) {
	return p.count(ctx, q, trainedDims, "pr.person_key", `
		FROM participants pa
		JOIN professionals pr ON pr.id = pa.professional_id
		JOIN training_events e ON e.id = pa.event_id`, completedOnly)
}

var eventDims = aggregate.Dimensions{
	"event_type":   "e.type",
	"municipality": "NULLIF(e.municipality, '')",
	"country":      "NULLIF(e.country, '')",
}

// CountTrainingEvents counts the events of the project.
func (p *Postgres) CountTrainingEvents(ctx context.Context, q aggregate.Query) (aggregate.Aggregate, error) {
	return p.count(ctx, q, eventDims, "e.id", ` FROM training_events e`, false)
}

var beneficiaryDims = aggregate.Dimensions{
	"event_type":   "e.type",
	"municipality": "NULLIF(e.municipality, '')",
}

// CountCommunityBeneficiaries counts unique beneficiaries registered at
// events of the project.
func (p *Postgres) CountCommunityBeneficiaries(ctx context.Context, q aggregate.Query) (aggregate.Aggregate, error) {
	return p.count(ctx, q, beneficiaryDims, "pa.beneficiary_id", `
		FROM participants pa
		JOIN training_events e ON e.id = pa.event_id`, false)
}

// count runs count(DISTINCT unit) over from (which binds e to the events)
// for the project and period of q, grouped as asked.
func (p *Postgres) count(ctx context.Context, q aggregate.Query, dims aggregate.Dimensions, unit, from string, completedOnly bool) (aggregate.Aggregate, error) {
	if err := dims.Check("group_by", q.GroupBy); err != nil {
		return aggregate.Aggregate{}, err
	}
	sel, group := dims.Select(q.GroupBy)
	where := ` WHERE e.project_id = $1
			AND ($2::date IS NULL OR e.start_date >= $2)
			AND ($3::date IS NULL OR e.start_date <= $3)
			AND ` + unit + ` IS NOT NULL`
	if completedOnly {
		where += ` AND ` + completedSQL
	}
	rows, err := p.pool.Query(ctx, `SELECT `+sel+`count(DISTINCT `+unit+`)`+from+where+group,
		q.ProjectID, q.From.Ptr(), q.To.Ptr())
	if err != nil {
		return aggregate.Aggregate{}, db.Error(err)
	}
	defer rows.Close()
	agg, err := aggregate.Collect(rows, q.GroupBy)
	return agg, db.Error(err)
}
