// Package adapters implements what the reporting application needs: the
// project repository on PostgreSQL and the other services' aggregates over
// gRPC.
package adapters

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/outbox"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/reporting/internal/app"
	"github.com/spona/spona/services/reporting/internal/domain"
)

// Postgres is the repository.
type Postgres struct{ pool *pgxpool.Pool }

// NewPostgres returns the repository on pool.
func NewPostgres(pool *pgxpool.Pool) *Postgres {
	db.NameUniqueKeys("reporting", uniqueKeys)
	return &Postgres{pool: pool}
}

// uniqueKeys are the unique keys of the schema a request can run into, by
// the field that takes them.
var uniqueKeys = map[string]db.UniqueKey{
	"projects_code_key":   {Field: "project.code", Description: "is already taken: another project of your organisation has this code"},
	"indicators_code_key": {Field: "indicator.code", Description: "is already taken: another indicator of this project has this code"},
}

var _ app.Repository = (*Postgres)(nil)

// Budgets travel as JSON with the amount as text, so it stays exact.
const projectCols = `p.id, p.code, p.titles, p.descriptions, p.general_objectives, p.specific_objectives,
	p.implementing_organisation_id, p.reporting_org_names, p.reporting_org_type,
	p.participants, p.planned_start_date, p.planned_end_date, p.actual_start_date, p.actual_end_date,
	p.activity_status, p.recipient_countries, p.municipalities, p.sectors, p.suppression_threshold,
	p.version, p.create_time, p.update_time, p.indicator_delete_time,
	COALESCE((SELECT json_agg(json_build_object('start', b.period_start, 'end', b.period_end,
		'amount', b.amount::text, 'currency', b.currency, 'value_date', b.value_date) ORDER BY b.position)
		FROM project_budgets b WHERE b.project_id = p.id), '[]')`

type budgetRow struct {
	Start     string `json:"start"`
	End       string `json:"end"`
	Amount    string `json:"amount"`
	Currency  string `json:"currency"`
	ValueDate string `json:"value_date"`
}

func scanProject(row pgx.Row) (*domain.Project, error) {
	var p domain.Project
	var ps, pe time.Time
	var as, ae, deleted *time.Time
	var budgets []budgetRow
	err := row.Scan(&p.ID, &p.Code, &p.Titles, &p.Descriptions, &p.GeneralObjectives, &p.SpecificObjectives,
		&p.ImplementingOrganisationID, &p.ReportingOrgNames, &p.ReportingOrgType,
		&p.Participants, &ps, &pe, &as, &ae, &p.Status, &p.Countries, &p.Municipalities, &p.Sectors,
		&p.SuppressionThreshold, &p.Version, &p.CreateTime, &p.UpdateTime, &deleted, &budgets)
	if err != nil {
		return nil, err
	}
	p.PlannedStart, p.PlannedEnd = date.Of(ps), date.Of(pe)
	p.ActualStart, p.ActualEnd = date.FromPtr(as), date.FromPtr(ae)
	if deleted != nil {
		p.IndicatorDeleteTime = *deleted
	}
	for _, b := range budgets {
		var bd domain.Budget
		var perr error
		bd.Start, perr = date.Parse(b.Start)
		if perr == nil {
			bd.End, perr = date.Parse(b.End)
		}
		if perr == nil {
			bd.ValueDate, perr = date.Parse(b.ValueDate)
		}
		if perr != nil {
			return nil, perr
		}
		bd.Value = domain.Money{Amount: b.Amount, Currency: b.Currency}
		p.Budgets = append(p.Budgets, bd)
	}
	return &p, nil
}

// narr maps nil to an empty JSON array for NOT NULL jsonb columns.
func narr(ns []domain.Narrative) []domain.Narrative {
	if ns == nil {
		return []domain.Narrative{}
	}
	return ns
}

func participants(ps []domain.ParticipatingOrg) []domain.ParticipatingOrg {
	if ps == nil {
		return []domain.ParticipatingOrg{}
	}
	return ps
}

// readerIDs are the participating organisations' Spona ids, stored for the
// access check.
func readerIDs(p *domain.Project) []string { return db.Strings(p.Readers()[1:]) }

// CreateProject inserts p with its audit record and evs; a repeated
// request id returns the first row (and writes neither again).
func (p *Postgres) CreateProject(ctx context.Context, pr *domain.Project, requestID string, c domain.Change, evs ...events.Event) (*domain.Project, error) {
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return nil, db.Error(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	tag, err := tx.Exec(ctx, `
		INSERT INTO projects (id, implementing_organisation_id, code, titles, descriptions, general_objectives,
			specific_objectives, reporting_org_names, reporting_org_type, participants, reader_ids,
			planned_start_date, planned_end_date, actual_start_date, actual_end_date, activity_status,
			recipient_countries, municipalities, sectors, suppression_threshold, request_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
		ON CONFLICT (implementing_organisation_id, request_id) DO NOTHING`,
		pr.ID, pr.ImplementingOrganisationID, pr.Code, narr(pr.Titles), narr(pr.Descriptions), narr(pr.GeneralObjectives),
		narr(pr.SpecificObjectives), narr(pr.ReportingOrgNames), pr.ReportingOrgType,
		participants(pr.Participants), readerIDs(pr), pr.PlannedStart.Time(), pr.PlannedEnd.Time(),
		pr.ActualStart.Ptr(), pr.ActualEnd.Ptr(), pr.Status, db.Strings(pr.Countries), db.Strings(pr.Municipalities),
		db.Strings(pr.Sectors), pr.SuppressionThreshold, db.Null(requestID))
	if err != nil {
		return nil, db.Error(err)
	}
	if tag.RowsAffected() == 0 {
		// A retry: return what the first request created.
		return scanProject(tx.QueryRow(ctx, `SELECT `+projectCols+` FROM projects p
			WHERE p.implementing_organisation_id = $1 AND p.request_id = $2`, pr.ImplementingOrganisationID, requestID))
	}
	if err := writeBudgets(ctx, tx, pr); err != nil {
		return nil, err
	}
	out, err := scanProject(tx.QueryRow(ctx, `SELECT `+projectCols+` FROM projects p WHERE p.id = $1`, pr.ID))
	if err != nil {
		return nil, db.Error(err)
	}
	if err := projectAudited(ctx, tx, pr.ID, c, evs); err != nil {
		return nil, err
	}
	return out, db.Error(tx.Commit(ctx))
}

// projectAudited writes, in tx, the audit record c of a change of project
// id, and evs.
func projectAudited(ctx context.Context, tx pgx.Tx, id string, c domain.Change, evs []events.Event) error {
	if err := db.Defer(ctx, tx, `INSERT INTO project_audit (action, actor_organisation_id, actor_client_id, project_id, fields, before, after)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		c.Action, c.ActorOrganisationID, c.ActorClientID, id, db.Strings(c.Fields), c.Before, c.After); err != nil {
		return err
	}
	return outbox.Write(ctx, tx, evs...)
}

func writeBudgets(ctx context.Context, tx pgx.Tx, pr *domain.Project) error {
	if _, err := tx.Exec(ctx, `DELETE FROM project_budgets WHERE project_id = $1`, pr.ID); err != nil {
		return db.Error(err)
	}
	for i, b := range pr.Budgets {
		_, err := tx.Exec(ctx, `INSERT INTO project_budgets (project_id, position, period_start, period_end, amount, currency, value_date)
			VALUES ($1, $2, $3, $4, CAST($5::text AS numeric(18, 2)), $6, $7)`,
			pr.ID, i, b.Start.Time(), b.End.Time(), b.Value.Amount, b.Value.Currency, b.ValueDate.Time())
		if err != nil {
			return db.Error(err)
		}
	}
	return nil
}

// visible is the access condition: the viewer ($1) implements the project
// or is one of its participating organisations.
const visible = `($1::uuid = p.implementing_organisation_id OR $1::uuid = ANY (p.reader_ids))`

// getProject reads the project id as viewer ($1) may read it; $2 is id.
const getProject = `SELECT ` + projectCols + ` FROM projects p WHERE p.id = $2 AND ` + visible

// GetProject returns the project if viewer may read it.
func (p *Postgres) GetProject(ctx context.Context, viewer, id string) (*domain.Project, error) {
	return projectOf(p.pool.QueryRow(ctx, getProject, viewer, id), id)
}

// projectOf scans the row of getProject: errs.NotFound when there is none.
func projectOf(row pgx.Row, id string) (*domain.Project, error) {
	pr, err := scanProject(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFound("project", id)
	}
	return pr, db.Error(err)
}

// withProject sends getProject of viewer and id and then the statements
// of more, in one batch: one round trip. It returns the project (an error
// when viewer may not read it; more's answers are then left unread) and
// the batch at more's first answer, which the caller reads and closes.
// Each statement of more must itself keep to what viewer may read: it runs
// whatever the project's answer.
func (p *Postgres) withProject(ctx context.Context, viewer, id string, more *pgx.Batch) (*domain.Project, pgx.BatchResults, error) {
	b := &pgx.Batch{}
	b.Queue(getProject, viewer, id)
	b.QueuedQueries = append(b.QueuedQueries, more.QueuedQueries...)
	br := p.pool.SendBatch(ctx, b)
	pr, err := projectOf(br.QueryRow(), id)
	if err != nil {
		return nil, nil, errors.Join(err, db.Error(br.Close()))
	}
	return pr, br, nil
}

// ListProjects returns up to page.Limit() of the projects viewer may read
// after page.After, newest first.
func (p *Postgres) ListProjects(ctx context.Context, viewer string, page pagination.Page) ([]*domain.Project, error) {
	after := page.After
	if after == "" {
		after = "ffffffff-ffff-ffff-ffff-ffffffffffff"
	}
	rows, err := p.pool.Query(ctx, `SELECT `+projectCols+` FROM projects p
		WHERE `+visible+` AND p.id < $2::uuid ORDER BY p.id DESC LIMIT $3`, viewer, after, page.Limit())
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Project, error) { return scanProject(r) })
	return out, db.Error(err)
}

// UpdateProject stores pr, with its audit record and evs, if its stored
// version is still version.
func (p *Postgres) UpdateProject(ctx context.Context, pr *domain.Project, version int64, c domain.Change, evs ...events.Event) (*domain.Project, error) {
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return nil, db.Error(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	tag, err := tx.Exec(ctx, `UPDATE projects SET code = $3, titles = $4, descriptions = $5, general_objectives = $6,
			specific_objectives = $7, reporting_org_names = $8, reporting_org_type = $9,
			participants = $10, reader_ids = $11, planned_start_date = $12, planned_end_date = $13,
			actual_start_date = $14, actual_end_date = $15, activity_status = $16, recipient_countries = $17,
			municipalities = $18, sectors = $19, suppression_threshold = $20,
			version = version + 1, update_time = now()
		WHERE id = $1 AND version = $2`,
		pr.ID, version, pr.Code, narr(pr.Titles), narr(pr.Descriptions), narr(pr.GeneralObjectives),
		narr(pr.SpecificObjectives), narr(pr.ReportingOrgNames), pr.ReportingOrgType,
		participants(pr.Participants), readerIDs(pr), pr.PlannedStart.Time(), pr.PlannedEnd.Time(),
		pr.ActualStart.Ptr(), pr.ActualEnd.Ptr(), pr.Status, db.Strings(pr.Countries), db.Strings(pr.Municipalities),
		db.Strings(pr.Sectors), pr.SuppressionThreshold)
	if err != nil {
		return nil, db.Error(err)
	}
	if tag.RowsAffected() == 0 {
		return nil, etag.Mismatch()
	}
	if err := writeBudgets(ctx, tx, pr); err != nil {
		return nil, err
	}
	out, err := scanProject(tx.QueryRow(ctx, `SELECT `+projectCols+` FROM projects p WHERE p.id = $1`, pr.ID))
	if err != nil {
		return nil, db.Error(err)
	}
	if err := projectAudited(ctx, tx, pr.ID, c, evs); err != nil {
		return nil, err
	}
	return out, db.Error(tx.Commit(ctx))
}

// DeleteProject deletes the project (and, by cascade, its budgets,
// indicators and values) if its version is version (any when 0). Each
// indicator leaves what its own deletion leaves: the audit record c, its
// before what the indicator held (domain.Indicator.Removed), and the event
// indicatorDeleted, named by its id (in the order of their codes), then
// the project's audit record deleted, its before the project's figures,
// and evs; in the same transaction. The project is locked first: an
// indicator's insert (its foreign key's lock) and deletion (which locks
// the project before the indicator) wait for the commit, so the
// indicators audited are those the cascade deletes. Its indicators are
// locked next, then the project and they are read: what is audited is
// what the cascade deletes, an update or value recorded meanwhile
// waiting. Two round trips: the locks and reads, then the rest with the
// COMMIT.
func (p *Postgres) DeleteProject(ctx context.Context, id string, version int64, deleted domain.Change, c domain.Change, indicatorDeleted events.Event, evs ...events.Event) error {
	return db.InTx(ctx, p.pool, func(tx pgx.Tx) error {
		if err := locked(ctx, tx, etag.Mismatch(), `SELECT true FROM projects WHERE id = $1 AND ($2 = 0 OR version = $2) FOR UPDATE`, id, version); err != nil {
			return err
		}
		const indicators = `FROM indicators i WHERE i.project_id = $1 ORDER BY i.code`
		if err := db.Defer(ctx, tx, `SELECT `+indicators+` FOR UPDATE`, id); err != nil {
			return err
		}
		var pr *domain.Project
		if err := db.DeferRow(ctx, tx, `SELECT `+projectCols+` FROM projects p WHERE p.id = $1`, []any{id}, func(r pgx.Row) (err error) {
			pr, err = scanProject(r)
			return db.Error(err)
		}); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+indicatorCols+` `+indicators, id)
		if err != nil {
			return db.Error(err)
		}
		gone, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Indicator, error) { return scanIndicator(r) })
		if err != nil {
			return db.Error(err)
		}
		ids, before := make([]string, 0, len(gone)), make([]domain.Figures, 0, len(gone))
		for _, in := range gone {
			ids, before = append(ids, in.ID), append(before, in.Removed())
		}
		if err := db.Defer(ctx, tx, `INSERT INTO indicator_audit (action, actor_organisation_id, actor_client_id, project_id, indicator_id, fields, before)
			SELECT $2, $3, $4, $1, x.id, $5, x.before FROM unnest($6::uuid[], $7::jsonb[]) WITH ORDINALITY AS x(id, before, n) ORDER BY x.n`,
			id, c.Action, c.ActorOrganisationID, c.ActorClientID, db.Strings(c.Fields), ids, before); err != nil {
			return err
		}
		if err := outbox.WriteEach(ctx, tx, indicatorDeleted, "indicator_id", `SELECT i.id::text `+indicators, id); err != nil {
			return err
		}
		if err := db.Defer(ctx, tx, `DELETE FROM projects WHERE id = $1`, id); err != nil {
			return err
		}
		deleted.Before = pr.Figures()
		return projectAudited(ctx, tx, id, deleted, evs)
	})
}

// locked runs lock, a SELECT … FOR UPDATE (or another row lock) of one
// row, queued with the statement that follows it; none found is the
// error missing.
func locked(ctx context.Context, tx pgx.Tx, missing error, lock string, args ...any) error {
	return db.DeferRow(ctx, tx, lock, args, func(r pgx.Row) error {
		var found bool
		if err := r.Scan(&found); errors.Is(err, pgx.ErrNoRows) {
			return missing
		} else if err != nil {
			return db.Error(err)
		}
		return nil
	})
}

const indicatorCols = `i.id, i.project_id, i.code, i.titles, i.unit, i.measure, i.lower_is_better, i.counts_persons, i.level, i.baseline_value, i.baseline_date,
	i.targets, i.metric, i.disaggregations, i.version, i.create_time, i.update_time,
	COALESCE((SELECT json_agg(json_build_object('start', v.period_start, 'end', v.period_end, 'value', v.value,
		'comment', v.comment, 'by_org', v.recorded_by_organisation_id, 'by_client', v.recorded_by_client_id,
		'time', v.record_time) ORDER BY v.period_start, v.period_end)
		FROM indicator_values v WHERE v.indicator_id = i.id), '[]')`

// periodValue is a target or a recorded value (with its recorder) as
// stored in JSON. A recorder's JSON null (a value recorded before Spona
// kept it) leaves the field's zero value.
type periodValue struct {
	Start    string    `json:"start"`
	End      string    `json:"end"`
	Value    string    `json:"value"`
	Comment  string    `json:"comment,omitempty"`
	ByOrg    string    `json:"by_org,omitempty"`
	ByClient string    `json:"by_client,omitempty"`
	Time     time.Time `json:"time,omitzero"`
}

func (v periodValue) dates() (date.Date, date.Date, error) {
	s, err := date.Parse(v.Start)
	if err != nil {
		return date.Date{}, date.Date{}, err
	}
	e, err := date.Parse(v.End)
	return s, e, err
}

func targetsJSON(ts []domain.Target) ([]byte, error) {
	out := make([]periodValue, 0, len(ts))
	for _, t := range ts {
		out = append(out, periodValue{Start: t.Start.String(), End: t.End.String(), Value: t.Value})
	}
	return json.Marshal(out)
}

func scanIndicator(row pgx.Row) (*domain.Indicator, error) {
	var in domain.Indicator
	var bd *time.Time
	var targets, values []periodValue
	err := row.Scan(&in.ID, &in.ProjectID, &in.Code, &in.Titles, &in.Unit, &in.Measure, &in.LowerIsBetter, &in.CountsPersons, &in.Level, &in.Baseline.Value, &bd,
		&targets, &in.Metric, &in.Disaggregations, &in.Version, &in.CreateTime, &in.UpdateTime, &values)
	if err != nil {
		return nil, err
	}
	in.Baseline.Date = date.FromPtr(bd)
	for _, t := range targets {
		s, e, err := t.dates()
		if err != nil {
			return nil, err
		}
		in.Targets = append(in.Targets, domain.Target{Start: s, End: e, Value: t.Value})
	}
	for _, v := range values {
		s, e, err := v.dates()
		if err != nil {
			return nil, err
		}
		in.Values = append(in.Values, domain.Value{Start: s, End: e, Value: v.Value, Comment: v.Comment,
			Recorder: domain.Recorder{OrganisationID: v.ByOrg, ClientID: v.ByClient, Time: v.Time}})
	}
	return &in, nil
}

// auditSQL appends an indicator's audit record.
const auditSQL = `INSERT INTO indicator_audit (action, actor_organisation_id, actor_client_id, project_id, indicator_id,
	fields, period_start, period_end, value_before, value_after, before, after)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`

// audited writes, in tx, the audit record c of a change of indicator id
// of project projectID, and evs (last: the change has locked the
// indicator). On a pipelined transaction both go with the COMMIT.
func audited(ctx context.Context, tx pgx.Tx, projectID, id string, c domain.Change, evs []events.Event) error {
	if err := db.Defer(ctx, tx, auditSQL, c.Action, c.ActorOrganisationID, c.ActorClientID, projectID, id,
		db.Strings(c.Fields), c.Start.Ptr(), c.End.Ptr(), db.Null(c.ValueBefore), db.Null(c.ValueAfter), c.Before, c.After); err != nil {
		return err
	}
	return outbox.Write(ctx, tx, evs...)
}

// CreateIndicator inserts in with its audit record and evs; a repeated
// request id returns the first row (and writes neither again).
func (p *Postgres) CreateIndicator(ctx context.Context, in *domain.Indicator, requestID string, c domain.Change, evs ...events.Event) (*domain.Indicator, error) {
	targets, err := targetsJSON(in.Targets)
	if err != nil {
		return nil, err
	}
	var out *domain.Indicator
	err = db.InTx(ctx, p.pool, func(tx pgx.Tx) error {
		out, err = db.CreateOnce(ctx, tx, scanIndicator, `
			WITH i AS (
				INSERT INTO indicators (id, project_id, code, titles, unit, level, baseline_value, baseline_date,
					targets, metric, disaggregations, request_id, measure, lower_is_better, counts_persons)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
				ON CONFLICT (project_id, request_id) DO NOTHING
				RETURNING *)
			SELECT `+indicatorCols+` FROM i`,
			[]any{in.ID, in.ProjectID, in.Code, narr(in.Titles), in.Unit, in.Level, in.Baseline.Value, in.Baseline.Date.Ptr(),
				targets, in.Metric, db.Strings(in.Disaggregations), db.Null(requestID), in.Measure, in.LowerIsBetter, in.CountsPersons},
			`SELECT `+indicatorCols+` FROM indicators i WHERE i.project_id = $1 AND i.request_id = $2`,
			in.ProjectID, requestID)
		if err != nil || out.ID != in.ID {
			return err // a retry: the first request wrote them
		}
		return audited(ctx, tx, in.ProjectID, in.ID, c, evs)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetIndicator returns an indicator of the project.
func (p *Postgres) GetIndicator(ctx context.Context, projectID, id string) (*domain.Indicator, error) {
	in, err := scanIndicator(p.pool.QueryRow(ctx, `SELECT `+indicatorCols+` FROM indicators i
		WHERE i.project_id = $1 AND i.id = $2`, projectID, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFound("indicator", id)
	}
	return in, db.Error(err)
}

// ListIndicators returns the project viewer may read (errs.NotFound when
// it may not) and up to page.Limit() of its indicators after page.After,
// by code, in one round trip (withProject): the indicators only of a
// project viewer may read.
func (p *Postgres) ListIndicators(ctx context.Context, viewer, projectID string, page pagination.Page) (*domain.Project, []*domain.Indicator, error) {
	b := &pgx.Batch{}
	b.Queue(`SELECT `+indicatorCols+` FROM indicators i
		WHERE i.project_id = $2 AND i.code > $3 AND EXISTS (SELECT FROM projects p WHERE p.id = $2 AND `+visible+`)
		ORDER BY i.code LIMIT $4`, viewer, projectID, page.After, page.Limit())
	pr, br, err := p.withProject(ctx, viewer, projectID, b)
	if err != nil {
		return nil, nil, err
	}
	rows, err := br.Query()
	var out []*domain.Indicator
	if err == nil {
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Indicator, error) { return scanIndicator(r) })
	}
	return pr, out, db.Error(errors.Join(err, br.Close()))
}

// ListAllIndicators returns every indicator of the project, by code.
func (p *Postgres) ListAllIndicators(ctx context.Context, projectID string) ([]*domain.Indicator, error) {
	rows, err := p.pool.Query(ctx, `SELECT `+indicatorCols+` FROM indicators i
		WHERE i.project_id = $1 ORDER BY i.code`, projectID)
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Indicator, error) { return scanIndicator(r) })
	return out, db.Error(err)
}

// UpdateIndicator stores in, with its audit record and evs, if its stored
// version is still version.
func (p *Postgres) UpdateIndicator(ctx context.Context, in *domain.Indicator, version int64, c domain.Change, evs ...events.Event) (*domain.Indicator, error) {
	targets, err := targetsJSON(in.Targets)
	if err != nil {
		return nil, err
	}
	var out *domain.Indicator
	err = db.InTx(ctx, p.pool, func(tx pgx.Tx) error {
		out, err = p.updateIndicator(ctx, tx, in, version, targets)
		if err != nil {
			return err
		}
		return audited(ctx, tx, in.ProjectID, in.ID, c, evs)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (p *Postgres) updateIndicator(ctx context.Context, tx pgx.Tx, in *domain.Indicator, version int64, targets []byte) (*domain.Indicator, error) {
	out, err := scanIndicator(tx.QueryRow(ctx, `
		WITH i AS (
			UPDATE indicators SET code = $4, titles = $5, unit = $6, level = $7, baseline_value = $8,
				baseline_date = $9, targets = $10, metric = $11, disaggregations = $12, measure = $13,
				lower_is_better = $14, counts_persons = $15, version = version + 1, update_time = now()
			WHERE project_id = $1 AND id = $2 AND version = $3
			RETURNING *)
		SELECT `+indicatorCols+` FROM i`,
		in.ProjectID, in.ID, version, in.Code, narr(in.Titles), in.Unit, in.Level, in.Baseline.Value,
		in.Baseline.Date.Ptr(), targets, in.Metric, db.Strings(in.Disaggregations), in.Measure, in.LowerIsBetter, in.CountsPersons))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, etag.Mismatch()
	}
	return out, db.Error(err)
}

// DeleteIndicator deletes the indicator if its version is version (any
// when 0), and records when on its project, in the same statement; with
// its audit record, its before what the indicator held
// (domain.Indicator.Removed), and evs in the same transaction. The project
// is locked first (the lock its update takes), as DeleteProject locks it
// before its indicators: locked the other way round, a project's
// deletion between the two locks deadlocked with it. Once the project is
// gone (deleted while this waited), the indicator went with it:
// errs.NotFound. The indicator is locked next, before the statement that
// deletes it and reads what it held: that statement's snapshot is taken
// once an update or a value recorded before has committed, so its
// figures and values are those deleted. Two round trips: the locks and
// the deletion, then the audit record and evs with the COMMIT.
func (p *Postgres) DeleteIndicator(ctx context.Context, projectID, id string, version int64, c domain.Change, evs ...events.Event) error {
	return db.InTx(ctx, p.pool, func(tx pgx.Tx) error {
		if err := locked(ctx, tx, errs.NotFound("indicator", id), `SELECT true FROM projects WHERE id = $1 FOR NO KEY UPDATE`, projectID); err != nil {
			return err
		}
		if err := db.Defer(ctx, tx, `SELECT FROM indicators WHERE project_id = $1 AND id = $2 FOR UPDATE`, projectID, id); err != nil {
			return err
		}
		gone, err := scanIndicator(tx.QueryRow(ctx, `
			WITH i AS (DELETE FROM indicators WHERE project_id = $1 AND id = $2 AND ($3 = 0 OR version = $3) RETURNING *),
				p AS (UPDATE projects SET indicator_delete_time = now() WHERE id IN (SELECT project_id FROM i))
			SELECT `+indicatorCols+` FROM i`,
			projectID, id, version))
		if errors.Is(err, pgx.ErrNoRows) {
			return etag.Mismatch()
		}
		if err != nil {
			return db.Error(err)
		}
		c.Before = gone.Removed()
		return audited(ctx, tx, projectID, id, c, evs)
	})
}

// RecordValue stores the value for its period with its recorder (at the
// transaction's time), replacing an earlier one, and moves the indicator
// to a new version, if its stored version is still version (else
// etag.Mismatch); with its audit record and evs in the same transaction.
func (p *Postgres) RecordValue(ctx context.Context, projectID, indicatorID string, v domain.Value, version int64, c domain.Change, evs ...events.Event) (*domain.Indicator, error) {
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return nil, db.Error(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	tag, err := tx.Exec(ctx, `UPDATE indicators SET version = version + 1, update_time = now()
		WHERE project_id = $1 AND id = $2 AND version = $3`, projectID, indicatorID, version)
	if err != nil {
		return nil, db.Error(err)
	}
	if tag.RowsAffected() == 0 {
		return nil, etag.Mismatch()
	}
	_, err = tx.Exec(ctx, `INSERT INTO indicator_values (indicator_id, period_start, period_end, value, comment,
			recorded_by_organisation_id, recorded_by_client_id, record_time)
		VALUES ($1, $2, $3, $4, $5, $6, $7, now())
		ON CONFLICT (indicator_id, period_start, period_end) DO UPDATE SET value = excluded.value, comment = excluded.comment,
			recorded_by_organisation_id = excluded.recorded_by_organisation_id,
			recorded_by_client_id = excluded.recorded_by_client_id, record_time = excluded.record_time`,
		indicatorID, v.Start.Time(), v.End.Time(), v.Value, v.Comment, v.Recorder.OrganisationID, v.Recorder.ClientID)
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := scanIndicator(tx.QueryRow(ctx, `SELECT `+indicatorCols+` FROM indicators i WHERE i.id = $1`, indicatorID))
	if err != nil {
		return nil, db.Error(err)
	}
	if err := audited(ctx, tx, projectID, indicatorID, c, evs); err != nil {
		return nil, err
	}
	return out, db.Error(tx.Commit(ctx))
}

// auditCols are an audit record's columns as scanAudit reads them, a
// project record's with no indicator, period or value.
const auditCols = `a.id, a.time, a.project_id, a.action, a.actor_organisation_id, a.actor_client_id, a.fields, a.before, a.after`

// auditPage bounds an audit table's rows to a page of q: those of @key
// (the project, or the indicator) in column by, numbered below @before
// (the table's page key), highest number first. It reads the table's
// (by, id) index backward from the page key to the first row, and so
// never the rows of other projects: the bounds and the order are of the
// pair (by, id), not an equality on by, which would leave the order id
// alone and let the plan take the primary key backward, filtering out
// every newer record of every other project (as it did in
// BenchmarkListProjectAuditEvents).
func auditPage(by string) string {
	return ` (a.` + by + `, a.id) < (@key, @before) AND (a.` + by + `, a.id) > (@key, 0)
	AND a.time >= @from AND (@to::timestamptz IS NULL OR a.time < @to)
	ORDER BY a.` + by + ` DESC, a.id DESC LIMIT @limit`
}

// ListAudit returns the project q.ProjectID as q.Viewer may read it
// (errs.NotFound when it may not) and, when q.Viewer implements it, up to
// q.Limit records of each kind of q, highest number first (none
// otherwise), in one round trip (withProject): on the tables'
// (project_id, id) indexes, or the indicator's (indicator_id, id) for one
// indicator's. Each list reads its table only for a project q.Viewer
// implements (a one-time condition: another's records are never read).
func (p *Postgres) ListAudit(ctx context.Context, q app.AuditQuery) (pr *domain.Project, projects, indicators []domain.AuditEvent, err error) {
	args := pgx.NamedArgs{"project": q.ProjectID, "viewer": q.Viewer, "key": q.ProjectID, "from": q.From, "to": nil, "limit": q.Limit}
	if !q.To.IsZero() {
		args["to"] = q.To
	}
	page := func(before int64) pgx.NamedArgs {
		if before == 0 {
			before = math.MaxInt64
		}
		out := maps.Clone(args)
		out["before"] = before
		return out
	}
	const owner = ` EXISTS (SELECT FROM projects p WHERE p.id = @project AND p.implementing_organisation_id = @viewer) AND`
	indicatorCols := `SELECT ` + auditCols + `, a.indicator_id, a.period_start, a.period_end,
		COALESCE(a.value_before, ''), COALESCE(a.value_after, '') FROM indicator_audit a WHERE a.project_id = @project AND` + owner
	b := &pgx.Batch{}
	if q.IndicatorID != "" {
		ia := page(q.BeforeIndicator)
		ia["key"] = q.IndicatorID
		b.Queue(indicatorCols+auditPage("indicator_id"), ia)
	} else {
		b.Queue(`SELECT `+auditCols+`, NULL::uuid, NULL::date, NULL::date, '', ''
		FROM project_audit a WHERE`+owner+auditPage("project_id"), page(q.BeforeProject))
		b.Queue(indicatorCols+auditPage("project_id"), page(q.BeforeIndicator))
	}
	pr, br, err := p.withProject(ctx, q.Viewer, q.ProjectID, b)
	if err != nil {
		return nil, nil, nil, err
	}
	if q.IndicatorID == "" {
		projects, err = listAudit(br)
	}
	if err == nil {
		indicators, err = listAudit(br)
	}
	return pr, projects, indicators, db.Error(errors.Join(err, br.Close()))
}

// listAudit reads the next answer of br, a list of audit records.
func listAudit(br pgx.BatchResults) ([]domain.AuditEvent, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.AuditEvent, error) {
		var e domain.AuditEvent
		var indicator *string
		var start, end *time.Time
		err := r.Scan(&e.ID, &e.Time, &e.ProjectID, &e.Action, &e.ActorOrganisationID, &e.ActorClientID, &e.Fields,
			&e.Before, &e.After, &indicator, &start, &end, &e.ValueBefore, &e.ValueAfter)
		if indicator != nil {
			e.IndicatorID = *indicator
		}
		e.Start, e.End = date.FromPtr(start), date.FromPtr(end)
		return e, err
	})
}
