package adapters

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/services/trainings/internal/domain"
)

// The aggregates count over every organiser's events of a project that start
// in the period. They return counts only. Dimension values are lower-case
// codes; a missing value is reported as "unknown" by aggregate.CollectSets.

// participantCounts describes, per kind of participant, what is counted
// (the unit of count(DISTINCT ...)), over which rows and by which
// dimensions.
var participantCounts = map[string]struct {
	unit, from string
	dims       aggregate.Dimensions
	// joins are added to from when the count is grouped by their
	// dimension.
	joins map[string]string
}{
	// A professional is counted once even across organisers: the unit is
	// person_key (e-mail, else normalised name and organisation), not the
	// organiser-private professional rows.
	domain.KindProfessional: {"pr.person_key", `
		FROM participants pa
		JOIN professionals pr ON pr.id = pa.professional_id
		JOIN training_events e ON e.id = pa.event_id`, aggregate.Dimensions{
		// Sector and organisation as recorded at the registration.
		"sector": "pa.sector",
		// Sex is the person's, one for all their records: see personSex.
		"sex":               "ps.sex",
		"organisation_kind": "NULLIF(pa.organisation_kind, '')",
		// A directory id, else the name given (spellings folding alike
		// are one cell: see organisationLabel; a registration without
		// the key, by a replica of the release before migration 00015
		// during a rolling upgrade, is counted by its name as given).
		"organisation": "COALESCE(pa.organisation_id::text, ol.label, NULLIF(pa.organisation_name, ''))",
		"event_type":   "e.type",
	}, map[string]string{"sex": personSex, "organisation": organisationLabel}},
	// The person's own data (sex, age band, legal status) is not here:
	// see BeneficiaryCohorts.
	domain.KindBeneficiary: {"pa.beneficiary_id", `
		FROM participants pa
		JOIN training_events e ON e.id = pa.event_id`, aggregate.Dimensions{
		"event_type":    "e.type",
		dimMunicipality: "NULLIF(e.municipality, '')", // see municipality
		// The organisation that registered the person at the event: the
		// organiser. Its kind is the directory's, looked up by the
		// application and given as the organisers ($4) and their kinds
		// ($5): see organiserKinds.
		"organisation":             "e.organiser_organisation_id::text",
		domain.DimOrganisationKind: "(SELECT k.kind FROM unnest($4::uuid[], $5::text[]) AS k (org, kind) WHERE k.org = e.organiser_organisation_id)",
	}, nil},
}

// personSex joins ps, the sex of each professional pr as a person (of
// all organisers' records with its person_key): the known sex of the
// record updated last (the organiser who registered them last), else
// unknown. A professional registered as female by one
// organiser and without a sex by another (a sign-in sheet without the
// column) is in the female cell only, as they are one in the total.
const personSex = `
		JOIN (SELECT DISTINCT ON (p.person_key) p.person_key, p.sex FROM professionals p
			ORDER BY p.person_key, p.sex = 'unknown', p.update_time DESC, p.id) ps ON ps.person_key = pr.person_key`

// organisationLabel joins ol, the label of the cell of each organisation
// name given at registrations without a directory id, by its folded key
// (pa.organisation_key): PU Kanjiža, ПУ Кањижа and PU KANJIZA are one
// organisation, labelled with the spelling most of the project's ($1)
// registrations gave it (the first in order on a tie).
const organisationLabel = `
		LEFT JOIN (SELECT o.organisation_key, mode() WITHIN GROUP (ORDER BY o.organisation_name) AS label
			FROM participants o JOIN training_events oe ON oe.id = o.event_id
			WHERE oe.project_id = $1 AND o.organisation_id IS NULL AND o.organisation_key <> ''
			GROUP BY o.organisation_key) ol ON pa.organisation_id IS NULL AND ol.organisation_key = pa.organisation_key`

// organiserKinds are the arguments $4 and $5 of a count of beneficiary
// participants by organisation kind (kinds maps organisers to their
// kinds), none otherwise.
func organiserKinds(kind string, groupBy []string, kinds map[string]string) []any {
	if kind != domain.KindBeneficiary || !slices.Contains(groupBy, domain.DimOrganisationKind) {
		return nil
	}
	orgs, codes := make([]string, 0, len(kinds)), make([]string, 0, len(kinds))
	for org, code := range kinds {
		orgs, codes = append(orgs, org), append(codes, code)
	}
	return []any{orgs, codes}
}

// stageFilters keep the participants that reached a stage. Certified
// counts among those who completed: a certificate holder whose attendance
// was corrected below the threshold, or whose event's threshold was raised
// since, is not counted, so certified never exceeds trained.
var stageFilters = map[string]string{
	domain.StageRegistered: "",
	domain.StageTrained:    " AND " + completedSQL,
	domain.StageCertified:  " AND pa.certificate_number IS NOT NULL AND " + completedSQL,
}

// CountParticipants counts unique participants of a kind (domain.Kind*)
// who reached a stage (domain.Stage*) at events of the project; kinds maps
// the organisers to their directory kinds (for beneficiary participants by
// organisation kind).
func (p *Postgres) CountParticipants(ctx context.Context, q aggregate.Query, kind, stage string, kinds map[string]string) (aggregate.Aggregate, error) {
	c, ok := participantCounts[kind]
	filter, known := stageFilters[stage]
	if !ok || !known {
		return aggregate.Aggregate{}, domain.ValidateCount(kind, stage)
	}
	from := c.from
	for _, g := range q.Dimensions() {
		from += c.joins[g]
	}
	return p.count(ctx, q, c.dims, c.unit, from, filter, organiserKinds(kind, q.Dimensions(), kinds)...)
}

// BeneficiaryCohorts returns the beneficiary participants who reached stage
// at the project's events in the period, grouped by q.GroupBy (dimensions
// of the trainings service), each with the organisers of the events they
// took part in, the year the first of them started and the day the last
// of them started; kinds as for CountParticipants.
func (p *Postgres) BeneficiaryCohorts(ctx context.Context, q aggregate.Query, stage string, kinds map[string]string) ([]domain.Cohort, error) {
	c := participantCounts[domain.KindBeneficiary]
	filter, known := stageFilters[stage]
	if !known {
		return nil, domain.ValidateCount(domain.KindBeneficiary, stage)
	}
	if err := c.dims.Check("group_by", q.GroupBy); err != nil {
		return nil, err
	}
	dims, labels, err := municipality.Apply(ctx, p.pool, c.dims, q.GroupBy, q.ProjectID)
	if err != nil {
		return nil, err
	}
	var cols []string
	for _, g := range q.GroupBy {
		cols = append(cols, dims[g]+", ")
	}
	sel := strings.Join(cols, "")
	sql, args := labels.Bind(`SELECT `+sel+`pa.beneficiary_id::text, array_agg(DISTINCT e.organiser_organisation_id::text), date_part('year', min(e.start_date))::int, max(e.start_date)`+
		c.from+countWhere(c.unit, filter)+` GROUP BY `+sel+`pa.beneficiary_id`,
		append([]any{q.ProjectID, q.From.Ptr(), q.To.Ptr()}, organiserKinds(domain.KindBeneficiary, q.GroupBy, kinds)...))
	rows, err := p.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, db.Error(err)
	}
	defer rows.Close()
	var out []domain.Cohort
	index := map[string]int{}
	for rows.Next() {
		vals := make([]*string, len(q.GroupBy))
		dest := make([]any, 0, len(vals)+2)
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		var m domain.CohortMember
		var last time.Time
		if err := rows.Scan(append(dest, &m.BeneficiaryID, &m.Organisers, &m.AgeYear, &last)...); err != nil {
			return nil, db.Error(err)
		}
		m.StatusDate = date.Of(last)
		labels := make(map[string]string, len(vals))
		var key strings.Builder
		for i, v := range vals {
			labels[q.GroupBy[i]] = "unknown"
			if v != nil && *v != "" {
				labels[q.GroupBy[i]] = *v
			}
			key.WriteString(labels[q.GroupBy[i]] + "\x00")
		}
		i, ok := index[key.String()]
		if !ok {
			i = len(out)
			index[key.String()] = i
			out = append(out, domain.Cohort{Labels: labels})
		}
		out[i].Members = append(out[i].Members, m)
	}
	return out, db.Error(rows.Err())
}

// ProjectOrganisers returns the organisers of the project's events in the
// period.
func (p *Postgres) ProjectOrganisers(ctx context.Context, q aggregate.Query) ([]string, error) {
	rows, err := p.pool.Query(ctx, `SELECT DISTINCT e.organiser_organisation_id::text FROM training_events e`+
		countWhere("e.id", ""), q.ProjectID, q.From.Ptr(), q.To.Ptr())
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return out, db.Error(err)
}

var eventDims = aggregate.Dimensions{
	"event_type":    "e.type",
	dimMunicipality: "NULLIF(e.municipality, '')", // see municipality
	"country":       "NULLIF(e.country, '')",
}

// dimMunicipality is the event's municipality as typed, counted by its
// folded spelling (aggregate.Folded): events in Šid, Sid, ŠID and Шид are
// one cell, labelled with the spelling most of the project's events give
// (any period, any organiser: the same label in every period's report),
// and a person at events of two spellings is counted once in it.
const dimMunicipality = "municipality"

var municipality = aggregate.Folded{Dim: dimMunicipality, Expr: "e.municipality", Spellings: `SELECT municipality, count(*) FROM training_events
		WHERE project_id = $1 AND municipality <> '' GROUP BY municipality`}

// CountTrainingEvents counts the events of the project.
func (p *Postgres) CountTrainingEvents(ctx context.Context, q aggregate.Query) (aggregate.Aggregate, error) {
	return p.count(ctx, q, eventDims, "e.id", ` FROM training_events e`, "")
}

// countWhere keeps the rows of unit (not null) at the events (e) of the
// project ($1) starting in the period ($2, $3), with the extra condition
// filter ("" or " AND ...").
func countWhere(unit, filter string) string {
	return ` WHERE e.project_id = $1
			AND ($2::date IS NULL OR e.start_date >= $2)
			AND ($3::date IS NULL OR e.start_date <= $3)
			AND ` + unit + ` IS NOT NULL` + filter
}

// count runs count(DISTINCT unit) over from (which binds e to the events)
// for the project and period of q, with the extra condition filter ("" or
// " AND ..."), grouped as asked; extra are the arguments after $3 the
// dimensions asked for take.
func (p *Postgres) count(ctx context.Context, q aggregate.Query, dims aggregate.Dimensions, unit, from, filter string, extra ...any) (aggregate.Aggregate, error) {
	if err := q.Check(dims); err != nil {
		return aggregate.Aggregate{}, err
	}
	dims, labels, err := municipality.Apply(ctx, p.pool, dims, q.Dimensions(), q.ProjectID)
	if err != nil {
		return aggregate.Aggregate{}, err
	}
	// The total and every breakdown asked for in one statement (one
	// snapshot: they are of the same events and participants).
	cols, sel, group := dims.GroupingSets(q.Sets())
	sql, args := labels.Bind(`SELECT `+sel+`count(DISTINCT `+unit+`)`+from+countWhere(unit, filter)+group,
		append([]any{q.ProjectID, q.From.Ptr(), q.To.Ptr()}, extra...))
	rows, err := p.pool.Query(ctx, sql, args...)
	if err != nil {
		return aggregate.Aggregate{}, db.Error(err)
	}
	defer rows.Close()
	var agg aggregate.Aggregate
	if err := aggregate.CollectSets(rows, cols, &agg); err != nil {
		return aggregate.Aggregate{}, db.Error(err)
	}
	agg.Sort()
	return agg, nil
}
