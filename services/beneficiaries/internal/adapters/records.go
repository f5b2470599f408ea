package adapters

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/audit"
	"github.com/spona/spona/pkg/audit/auditpg"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/intconv"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

const documentCols = `id, beneficiary_id, organisation_id, type, number, issuing_country, expiry_date, create_time`

func scanDocument(row pgx.Row) (*domain.Document, error) {
	var d domain.Document
	var expiry *time.Time
	if err := row.Scan(&d.ID, &d.BeneficiaryID, &d.OrganisationID, &d.Type, &d.Number, &d.IssuingCountry, &expiry, &d.CreateTime); err != nil {
		return nil, err
	}
	d.ExpiryDate = date.FromPtr(expiry)
	return &d, nil
}

// CreateDocument queues the insert of d: the returned document is filled
// once it has run, at the latest when the transaction commits. The same
// document twice on one person is AlreadyExists naming document.number
// (uniqueKeys).
func (p *Postgres) CreateDocument(ctx context.Context, d *domain.Document) (*domain.Document, error) {
	out := &domain.Document{}
	err := db.DeferRow(ctx, p.q, `INSERT INTO identity_documents
		(id, beneficiary_id, organisation_id, type, number, issuing_country, expiry_date)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+documentCols,
		[]any{d.ID, d.BeneficiaryID, d.OrganisationID, d.Type, d.Number, d.IssuingCountry, d.ExpiryDate.Ptr()},
		func(row pgx.Row) error {
			got, err := scanDocument(row)
			if err == nil {
				*out = *got
			}
			return err
		})
	return out, db.Error(err)
}

// ListDocuments lists a beneficiary's documents, oldest first.
func (p *Postgres) ListDocuments(ctx context.Context, beneficiaryID string) ([]*domain.Document, error) {
	rows, err := p.q.Query(ctx, `SELECT `+documentCols+` FROM identity_documents WHERE beneficiary_id = $1 ORDER BY id`, beneficiaryID)
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Document, error) { return scanDocument(r) })
	return out, db.Error(err)
}

// ListDocumentsPage lists one page of a beneficiary's documents, oldest
// first (keyset on the UUIDv7 id).
func (p *Postgres) ListDocumentsPage(ctx context.Context, beneficiaryID string, page pagination.Page) ([]*domain.Document, error) {
	rows, err := p.q.Query(ctx, `SELECT `+documentCols+` FROM identity_documents
		WHERE beneficiary_id = $1 AND ($2 = '' OR id > $2::uuid) ORDER BY id LIMIT $3`, beneficiaryID, page.After, page.Limit())
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Document, error) { return scanDocument(r) })
	return out, db.Error(err)
}

// DeleteDocument removes a document of a beneficiary.
func (p *Postgres) DeleteDocument(ctx context.Context, beneficiaryID, id string) error {
	tag, err := p.q.Exec(ctx, `DELETE FROM identity_documents WHERE id = $1 AND beneficiary_id = $2`, id, beneficiaryID)
	if err != nil {
		return db.Error(err)
	}
	if tag.RowsAffected() == 0 {
		return errs.NotFound("document", id)
	}
	return nil
}

func scanHousehold(row pgx.Row) (*domain.Household, error) {
	var h domain.Household
	err := row.Scan(&h.ID, &h.OrganisationID, &h.Reference, &h.CreateTime)
	return &h, err
}

// createOnce inserts with "ON CONFLICT (<request id key>) DO NOTHING
// RETURNING …"; when that returns no row the request id was seen before and
// existing returns the first result, with created false.
func createOnce[T any](ctx context.Context, q db.Querier, scan func(pgx.Row) (T, error), insert string, args []any, existing string, eargs ...any) (T, bool, error) {
	v, err := scan(q.QueryRow(ctx, insert, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		v, err = scan(q.QueryRow(ctx, existing, eargs...))
		return v, false, db.Error(err)
	}
	return v, err == nil, db.Error(err)
}

// CreateHousehold inserts h (without members); a repeated request id
// returns the first row with created false.
func (p *Postgres) CreateHousehold(ctx context.Context, h *domain.Household, requestID string) (*domain.Household, bool, error) {
	return createOnce(ctx, p.q, scanHousehold, `INSERT INTO households (id, organisation_id, reference, request_id)
		VALUES ($1, $2, $3, $4) ON CONFLICT (organisation_id, request_id) DO NOTHING
		RETURNING id, organisation_id, reference, create_time`,
		[]any{h.ID, h.OrganisationID, h.Reference, db.RequestKey(requestID)},
		`SELECT id, organisation_id, reference, create_time FROM households WHERE organisation_id = $1 AND `+db.RequestIDIs("request_id", "$2"),
		h.OrganisationID, requestID)
}

// GetHousehold returns a household of org with its members.
func (p *Postgres) GetHousehold(ctx context.Context, org, id string) (*domain.Household, error) {
	h, err := scanHousehold(p.q.QueryRow(ctx, `SELECT id, organisation_id, reference, create_time FROM households
		WHERE id = $1 AND organisation_id = $2`, id, org))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFound("household", id)
	}
	if err != nil {
		return nil, db.Error(err)
	}
	rows, err := p.q.Query(ctx, `SELECT beneficiary_id, relationship FROM household_members WHERE household_id = $1
		ORDER BY relationship <> 'head', beneficiary_id`, id)
	if err != nil {
		return nil, db.Error(err)
	}
	h.Members, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.HouseholdMember, error) {
		var m domain.HouseholdMember
		err := r.Scan(&m.BeneficiaryID, &m.Relationship)
		return m, err
	})
	return h, db.Error(err)
}

// NeverMembers returns those of persons (ids) who were never members of
// household id: neither a member now nor departed from it, and neither
// erased nor merged since (the erasure forgets its departures, a merge
// moves the membership to the survivor).
func (p *Postgres) NeverMembers(ctx context.Context, id string, persons []string) ([]string, error) {
	rows, err := p.q.Query(ctx, `SELECT m.id::text FROM unnest($2::uuid[]) AS m (id)
		WHERE NOT EXISTS (SELECT 1 FROM household_members x WHERE x.household_id = $1 AND x.beneficiary_id = m.id)
			AND NOT EXISTS (SELECT 1 FROM household_departures x WHERE x.household_id = $1 AND x.beneficiary_id = m.id)
			AND NOT EXISTS (SELECT 1 FROM beneficiaries b WHERE b.id = m.id AND (b.erase_time IS NOT NULL OR b.merged_into IS NOT NULL))`,
		id, persons)
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return out, db.Error(err)
}

// AddHouseholdMember adds a member; one already in a household is refused,
// and so is a head for a household that has one (domain.ErrHeadTaken).
func (p *Postgres) AddHouseholdMember(ctx context.Context, householdID string, m domain.HouseholdMember) error {
	_, err := p.q.Exec(ctx, `INSERT INTO household_members (household_id, beneficiary_id, relationship) VALUES ($1, $2, $3)`,
		householdID, m.BeneficiaryID, m.Relationship)
	if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) && pgErr.ConstraintName == "household_members_head_key" {
		return domain.ErrHeadTaken
	}
	if errs.KindOf(db.Error(err)) == errs.KindAlreadyExists {
		return errs.New(errs.KindAlreadyExists, "beneficiary %s is already in a household", m.BeneficiaryID)
	}
	return db.Error(err)
}

// RemoveHouseholdMember removes a member and records the departure (the
// household's reference may name them: erasing them blanks it).
func (p *Postgres) RemoveHouseholdMember(ctx context.Context, householdID, beneficiaryID string) error {
	var removed int
	err := p.q.QueryRow(ctx, `WITH gone AS (DELETE FROM household_members WHERE household_id = $1 AND beneficiary_id = $2
			RETURNING household_id, beneficiary_id),
		left_ AS (INSERT INTO household_departures (household_id, beneficiary_id) SELECT household_id, beneficiary_id FROM gone
			ON CONFLICT DO NOTHING)
		SELECT count(*) FROM gone`, householdID, beneficiaryID).Scan(&removed)
	if err != nil {
		return db.Error(err)
	}
	if removed == 0 {
		return errs.NotFound("household member", beneficiaryID)
	}
	return nil
}

// AppendAudit inserts audit records in the repository's transaction.
func (p *Postgres) AppendAudit(ctx context.Context, recs []audit.Record) error {
	return auditpg.Append(ctx, p.q, recs)
}

// ListAudit lists the records of owner's beneficiaries (one, or all for ""),
// newest first, optionally only by actor.
func (p *Postgres) ListAudit(ctx context.Context, owner, beneficiaryID, actor string, page pagination.Page) ([]audit.Record, error) {
	return auditpg.List(ctx, p.q, owner, beneficiaryID, actor, page)
}

const assistanceCols = `id, beneficiary_id, organisation_id, COALESCE(project_id::text, ''), type, date, notes, create_time,
	COALESCE(service_id::text, ''), COALESCE(location_id::text, ''), service_category, COALESCE(referral_id::text, ''),
	void_time, COALESCE(void_reason, '')`

func scanAssistance(row pgx.Row) (*domain.Assistance, error) { return scanAssistanceWith(row) }

// scanAssistanceWith scans assistanceCols, then the columns after them
// into extra.
func scanAssistanceWith(row pgx.Row, extra ...any) (*domain.Assistance, error) {
	var a domain.Assistance
	var d time.Time
	var voided *time.Time
	if err := row.Scan(append([]any{&a.ID, &a.BeneficiaryID, &a.OrganisationID, &a.ProjectID, &a.Type, &d, &a.Notes, &a.CreateTime,
		&a.ServiceID, &a.LocationID, &a.ServiceCategory, &a.ReferralID, &voided, &a.VoidReason}, extra...)...); err != nil {
		return nil, err
	}
	a.Date = date.Of(d)
	if voided != nil {
		a.VoidTime = *voided
	}
	return &a, nil
}

// CreateAssistance inserts a; a repeated request id returns the first row.
func (p *Postgres) CreateAssistance(ctx context.Context, a *domain.Assistance, requestID string) (*domain.Assistance, error) {
	return db.CreateOnce(ctx, p.q, scanAssistance, `
		INSERT INTO assistances (id, beneficiary_id, organisation_id, project_id, type, date, notes, request_id,
			service_id, location_id, service_category, referral_id, municipality)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
			(SELECT b.municipality FROM beneficiaries b WHERE b.id = $2))
		ON CONFLICT (organisation_id, request_id) DO NOTHING
		RETURNING `+assistanceCols,
		[]any{a.ID, a.BeneficiaryID, a.OrganisationID, db.Null(a.ProjectID), a.Type, a.Date.Time(), a.Notes, db.RequestKey(requestID),
			db.Null(a.ServiceID), db.Null(a.LocationID), a.ServiceCategory, db.Null(a.ReferralID)},
		`SELECT `+assistanceCols+` FROM assistances WHERE organisation_id = $1 AND `+db.RequestIDIs("request_id", "$2"),
		a.OrganisationID, requestID)
}

// ListAssistances lists the assistance of a beneficiary, newest first; only
// that recorded by onlyOrg unless it is empty; voided records only when
// voided says so.
func (p *Postgres) ListAssistances(ctx context.Context, onlyOrg, beneficiaryID string, voided bool, page pagination.Page) ([]*domain.Assistance, error) {
	rows, err := p.q.Query(ctx, `SELECT `+assistanceCols+` FROM assistances
		WHERE beneficiary_id = $1 AND ($2 = '' OR id < $2::uuid) AND ($4 = '' OR organisation_id = $4::uuid)
			AND ($5 OR void_time IS NULL)
		ORDER BY id DESC LIMIT $3`, beneficiaryID, page.After, page.Limit(), onlyOrg, voided)
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Assistance, error) { return scanAssistance(r) })
	return out, db.Error(err)
}

// ReferralAssistances implements app.AssistanceStore.
func (p *Postgres) ReferralAssistances(ctx context.Context, org, beneficiaryID, referralID string) ([]*domain.Assistance, error) {
	rows, err := p.q.Query(ctx, `SELECT `+assistanceCols+` FROM assistances
		WHERE beneficiary_id = $1 AND organisation_id = $2 AND referral_id = $3 ORDER BY id`, beneficiaryID, org, referralID)
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Assistance, error) { return scanAssistance(r) })
	return out, db.Error(err)
}

// LockAssistance returns assistance id with its person's registering
// organisation, the row locked (FOR UPDATE) until the transaction ends.
func (p *Postgres) LockAssistance(ctx context.Context, id string) (*domain.Assistance, string, error) {
	if p.tx == nil {
		return nil, "", errors.New("beneficiaries: a row lock outside a transaction")
	}
	var owner string
	a, err := scanAssistanceWith(p.q.QueryRow(ctx, `SELECT `+assistanceCols+`,
		(SELECT b.organisation_id::text FROM beneficiaries b WHERE b.id = assistances.beneficiary_id)
		FROM assistances WHERE id = $1 FOR UPDATE`, id), &owner)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, "", errs.NotFound("assistance", id)
	}
	return a, owner, db.Error(err)
}

// VoidAssistance marks assistance id voided for reason now, and frees its
// request id (so the same request records it anew).
func (p *Postgres) VoidAssistance(ctx context.Context, id, reason string) (*domain.Assistance, error) {
	a, err := scanAssistance(p.q.QueryRow(ctx, `UPDATE assistances SET void_time = now(), void_reason = $2, request_id = NULL
		WHERE id = $1 AND void_time IS NULL RETURNING `+assistanceCols, id, reason))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFound("assistance", id)
	}
	return a, db.Error(err)
}

// withStatusThen is the one definition of "the legal status a person had
// on a day" every count by legal status uses: rel (SQL of a query) gives
// rows of a person (column person) and a day (column day); the result has
// rel's rows and columns and status_then, the status of the person on that
// row's day. Of the person's legal status history, that is the entry with
// the latest since on or before the day (of entries with the same since,
// the one recorded last); when the day is before every entry, the first
// entry (the status the person was first recorded with is the best known
// for the time before it: a status recorded without a since date starts on
// the day it was recorded, often after the assistance recorded with it);
// with no history, NULL, for statusThen's current status. So a report of a
// past period keeps its figures when a status changes later; erasure and
// merges keep the history (a merge joins the two histories).
//
// Each entry stores the days it is valid on (migration 00015: the ranges
// of a person's entries cover every day once, by the rule above), so the
// entry of a day is found by a join on the person and the range (one hash
// join), with no sort to pick it. Picking it at count time instead (the
// history joined, then DISTINCT ON the row, latest since first) took 1.5x
// as long for the persons assisted over 1,000,000 records (one run of
// BenchmarkReport, every person's last day found first in both).
func withStatusThen(rel, person, day string) string {
	return `(SELECT r.*, h.legal_status AS status_then FROM (` + rel + `) r
		LEFT JOIN legal_status_history h ON h.beneficiary_id = r.` + person + `
			AND r.` + day + ` >= h.valid_from AND r.` + day + ` < h.valid_until)`
}

// statusThen is the SQL of the legal status of then of the person b, from
// the row alias of withStatusThen's result: its status_then, else b's
// current status; NULL when none (an entry of no status: the status was
// cleared before that day).
func statusThen(alias string) string {
	return "NULLIF(COALESCE(" + alias + ".status_then, b.legal_status), '')"
}

// assistedStatus joins to the persons b counted by CountAssisted their
// legal status on the day of their last assistance counted (in the period
// $2 to $3, as assistedWhere selects), as personDims' legal status reads
// it, without finding that day for every person: a person whose status
// did not change in the period has an entry valid on every day of it (w);
// only those with an entry starting within the period are looked up by
// the day of their last record there (c, by withStatusThen); a person
// without history has neither (the current status). Finding the last day
// of every person first took 1.4-3x as long over 1,000,000 records
// (docs/operations.md, Reports).
var assistedStatus = `
	LEFT JOIN legal_status_history w ON w.beneficiary_id = b.id
		AND w.valid_from <= COALESCE($2::date, '-infinity') AND w.valid_until >= COALESCE($3::date + 1, 'infinity')
	LEFT JOIN ` + withStatusThen(`SELECT a.beneficiary_id, max(a.date) AS day FROM assistances a WHERE`+assistedWhere+`
		AND a.beneficiary_id IN (SELECT x.beneficiary_id FROM legal_status_history x
			WHERE x.valid_from > COALESCE($2::date, '-infinity') AND x.valid_from <= COALESCE($3::date, 'infinity') AND x.valid_from < x.valid_until)
		GROUP BY a.beneficiary_id`, "beneficiary_id", "day") + ` c ON c.beneficiary_id = b.id`

// The dimensions of CountAssisted: of the person (one value per person)
// and of the assistance (a person may have several). The age band is
// computed from the birth year alone, so that erasing a person, which
// keeps only the birth year, changes no count: the age reached in the year
// of the person's first assistance counted in the period (a child assisted
// in 2019 is a child reached in a 2019-2021 report, as donors count
// persons reached), which for a period within one year is that year ($5,
// the period's end or the report time zone's today for a period not
// ended; see firstAssisted). The legal status is the one the person had on the day of
// their last counted assistance (assistedStatus): one status per person,
// the one they had when the period's assistance ended for them, never one
// they got after it (as of the period's end, a person assisted in March as
// an asylum seeker and recognised as a refugee in December would count as
// a refugee assisted).
var (
	personDims = aggregate.Dimensions{
		"sex":                 "b.sex::text",
		"age_band":            aggregate.AgeBandSQL("b.birth_year", "$5::date"),
		domain.DimLegalStatus: "NULLIF(COALESCE(w.legal_status, c.status_then, b.legal_status), '')",
		// Where the person lived then, by folded spelling: see
		// municipality.
		dimMunicipality: "NULLIF(" + municipalityThenExpr + ", '')",
	}
	// Values as stored (made text when counted: see CountAssisted).
	assistanceDims = aggregate.Dimensions{
		"assistance_type": "a.type",
		// The directory service that delivered it, its category and
		// location.
		"service":          "a.service_id",
		"service_category": "NULLIF(a.service_category, '')",
		"location":         "a.location_id",
	}
	assistedDims = func() aggregate.Dimensions {
		all := aggregate.Dimensions{}
		maps.Copy(all, personDims)
		maps.Copy(all, assistanceDims)
		return all
	}()
)

// firstAssisted joins to the persons b counted by CountAssisted the day of
// their first assistance counted in the period (f.first_day), which their
// age band is taken in when the period spans more than one year
// (ageBandThen); within one year every such day is in $5's year.
var (
	firstAssisted = `
	JOIN (SELECT a.beneficiary_id, min(a.date) AS first_day FROM assistances a WHERE` + assistedWhere + `
		GROUP BY a.beneficiary_id) f ON f.beneficiary_id = b.id`
	ageBandThen = aggregate.AgeBandSQL("b.birth_year", "f.first_day")
)

// dimMunicipality is the municipality the person lived in when last
// assisted in the period (municipalityThen), as typed, counted by its
// folded spelling (aggregate.Folded): Šid, Sid, ŠID and Шид are one cell,
// labelled with the spelling most of the persons assisted under the
// project give (in any period and by any organisation: the same label in
// every period's report).
const dimMunicipality = "municipality"

var municipality = aggregate.Folded{Dim: dimMunicipality, Expr: municipalityThenExpr, Spellings: `SELECT t.m, count(*) FROM (
			SELECT DISTINCT r.beneficiary_id, COALESCE(r.municipality, b.municipality) AS m
			FROM (SELECT DISTINCT a.beneficiary_id, a.municipality FROM assistances a WHERE a.project_id = $1 AND a.void_time IS NULL) r
			JOIN beneficiaries b ON b.id = r.beneficiary_id) t
		WHERE t.m <> '' GROUP BY t.m`}

// municipalityThen joins to the persons b counted by CountAssisted the
// municipality recorded with their last assistance counted in the period
// (m.municipality: where they lived when it was recorded), so that a
// person who moved counts where they lived then in a closed period's
// report; one cell per person. municipalityThenExpr reads it, the
// person's current municipality for a record made before assistances
// kept theirs (NULL).
const (
	municipalityThen = ` LEFT JOIN ` + lastRecord + ` m ON m.beneficiary_id = b.id`
	// lastRecord is each person's last assistance counted (the latest
	// day, of the same day the one recorded last): one index-only scan
	// of assistances_last_idx, in its order, with no sort.
	lastRecord = `(SELECT DISTINCT ON (a.beneficiary_id) a.beneficiary_id, a.municipality FROM assistances a WHERE` + assistedWhere + `
		ORDER BY a.beneficiary_id, a.date DESC, a.id DESC)`
	municipalityThenExpr = "COALESCE(m.municipality, b.municipality)"
)

// personJoins are the joins the dimensions of the person in set need
// besides the person b, with dims the person's dimensions as counted.
func personJoins(set []string, dims aggregate.Dimensions) string {
	out := ""
	if slices.Contains(set, domain.DimAgeBand) && dims[domain.DimAgeBand] == ageBandThen {
		out += firstAssisted
	}
	if slices.Contains(set, dimMunicipality) {
		out += municipalityThen
	}
	return out
}

// assistedWhere selects the project's assistance records a ($1 project, $2
// and $3 the period's ends, $4 the organisations) that count: not voided
// (the indexes hold only those, migration 00031).
const assistedWhere = ` a.project_id = $1 AND a.void_time IS NULL
	AND ($2::date IS NULL OR a.date >= $2)
	AND ($3::date IS NULL OR a.date <= $3)
	AND (cardinality($4::uuid[]) = 0 OR a.organisation_id = ANY ($4::uuid[]))`

// CountAssisted counts unique beneficiaries with assistance under the project
// in the period, optionally only by some organisations, grouped as asked.
//
// Nothing counts DISTINCT over the join of every record with its person:
// the total and the breakdowns by the person's own dimensions count each
// person once, found by a semi-join on the records (one pass, every such
// breakdown a grouping set of it); a breakdown by a dimension of the
// assistance counts the distinct (person, value) pairs. All statements go
// in one round trip, planned for their values every time (db.CustomPlans:
// after five runs on a connection PostgreSQL took a generic plan, 1.18x
// the time of the same statement planned for the project and period),
// in one snapshot (db.InSnapshot): the breakdowns by the assistance's
// dimensions are of the persons the total counts, whatever is recorded
// meanwhile.
func (p *Postgres) CountAssisted(ctx context.Context, q aggregate.Query, organisations []string, asOf date.Date) (aggregate.Aggregate, error) {
	if err := q.Check(assistedDims); err != nil {
		return aggregate.Aggregate{}, err
	}
	if p.tx == nil {
		var agg aggregate.Aggregate
		err := db.InSnapshot(ctx, p.pool, func(tx *db.Pipe) error {
			var err error
			agg, err = (&Postgres{pool: p.pool, q: tx, tx: tx}).CountAssisted(ctx, q, organisations, asOf)
			return err
		})
		return agg, err
	}
	personDims, labels, err := municipality.Apply(ctx, p.q, personDims, q.Dimensions(), q.ProjectID)
	if err != nil {
		return aggregate.Aggregate{}, err
	}
	// Over more than one year, each person's age band is taken in the
	// year they were first assisted in the period (firstAssisted).
	if slices.Contains(q.Dimensions(), domain.DimAgeBand) && (q.From.IsZero() || q.From.Year != asOf.Year) {
		personDims = maps.Clone(personDims)
		personDims[domain.DimAgeBand] = ageBandThen
	}
	// $5, the day age bands are as of, only in the statements counting by
	// age band, then the municipality labels in those counting by
	// municipality (a statement takes as many arguments as it names).
	all := []any{q.ProjectID, q.From.Ptr(), q.To.Ptr(), db.Strings(organisations), asOf}
	bind := func(sql string) (string, []any) {
		args := all[:4]
		if strings.Contains(sql, "$5") {
			args = all
		}
		return labels.Bind(sql, args)
	}
	var agg aggregate.Aggregate
	var personSets, recordSets [][]string
	for _, set := range q.Sets() {
		if slices.ContainsFunc(set, func(g string) bool { _, ok := assistanceDims[g]; return ok }) {
			recordSets = append(recordSets, set)
		} else {
			personSets = append(personSets, set)
		}
	}
	batch := db.CustomPlans()
	dims, sel, group := personDims.GroupingSets(personSets)
	status := ""
	if slices.Contains(dims, domain.DimLegalStatus) {
		status = assistedStatus
	}
	// The persons assisted: found by a semi-join on the records, or, when
	// counted by municipality, as those with a last record (lastRecord),
	// in the pass that finds it rather than in a second one.
	from, where := `beneficiaries b`+status+personJoins(dims, personDims),
		` WHERE b.id IN (SELECT a.beneficiary_id FROM assistances a WHERE`+assistedWhere+`)`
	if slices.Contains(dims, dimMunicipality) {
		from, where = lastRecord+` m JOIN beneficiaries b ON b.id = m.beneficiary_id`+status+
			personJoins(slices.DeleteFunc(slices.Clone(dims), func(g string) bool { return g == dimMunicipality }), personDims), ""
	}
	persons := `SELECT ` + sel + `count(*) FROM ` + from + where + group
	if len(personSets) == 0 {
		// The total alone needs no person (0: the mask CollectSets reads).
		persons = `SELECT 0, count(*) FROM (SELECT DISTINCT a.beneficiary_id FROM assistances a WHERE` + assistedWhere + `) u`
	}
	persons, args := bind(persons)
	batch.Queue(persons, args...).Query(func(rows pgx.Rows) error { return aggregate.CollectSets(rows, dims, &agg) })
	for _, set := range recordSets {
		// The distinct (person, values of the assistance) pairs, then
		// grouped with the person's dimensions if the set has any. The
		// values stay as stored (uuids) until the last step: made text
		// first, the pairs took about twice as long to find. By legal
		// status, each pair comes with the status of the day of its last
		// record: the one the person had when that service, place or type
		// of assistance last reached them.
		var inner, outer, cols, pair []string
		join := ""
		for i, g := range set {
			if e, ok := assistanceDims[g]; ok {
				col := "u.d" + strconv.Itoa(i)
				inner = append(inner, ", "+e+" AS d"+strconv.Itoa(i))
				pair = append(pair, e)
				outer = append(outer, col+"::text")
				cols = append(cols, col)
			} else {
				e := personDims[g]
				if g == domain.DimLegalStatus {
					e = statusThen("u") // the status of the pair's day
				}
				outer = append(outer, e)
				cols = append(cols, e)
				join = ` JOIN beneficiaries b ON b.id = u.beneficiary_id` + personJoins(set, personDims)
			}
		}
		pairs := `(SELECT DISTINCT a.beneficiary_id` + strings.Join(inner, "") + ` FROM assistances a WHERE` + assistedWhere + `)`
		if slices.Contains(set, domain.DimLegalStatus) {
			pairs = withStatusThen(`SELECT a.beneficiary_id`+strings.Join(inner, "")+`, max(a.date) AS day FROM assistances a WHERE`+assistedWhere+
				` GROUP BY a.beneficiary_id, `+strings.Join(pair, ", "), "beneficiary_id", "day")
		}
		sql := `SELECT ` + strings.Join(outer, ", ") + `, 0, count(*)
			FROM ` + pairs + ` u` + join + `
			GROUP BY ` + strings.Join(cols, ", ")
		sql, args := bind(sql)
		batch.Queue(sql, args...).Query(func(rows pgx.Rows) error { return aggregate.CollectSets(rows, set, &agg) })
	}
	if err := p.sendBatch(ctx, batch); err != nil {
		return aggregate.Aggregate{}, db.Error(err)
	}
	agg.Sort()
	return agg, nil
}

// cohortDims are the dimensions of CountCohorts: the person's data, only
// when s.seen (an organisation named with them registered them or held a
// grant to them), else unknown. Age bands are CountAssisted's, from the
// birth year, the age reached in the member's age year (s.age_year: the
// age as a difference of two columns, which the band's CASE repeats;
// computed from a date instead, counting by age band took 1.23x the count
// by sex in BenchmarkCountBeneficiaryParticipants), legal status the one
// the person had on the member's status date (the latest given for the
// person in the cohort) by withStatusThen. A missing value
// is 'unknown' in the statement itself, so that an unseen person and one
// whose value is not recorded fall in one group.
var cohortDims = func() aggregate.Dimensions {
	dims := aggregate.Dimensions{}
	for g, e := range map[string]string{
		"sex":                 personDims["sex"],
		"age_band":            aggregate.AgeBandOfSQL("(s.age_year - b.birth_year)"),
		domain.DimLegalStatus: statusThen("s"),
	} {
		dims[g] = "CASE WHEN s.seen THEN COALESCE(NULLIF(" + e + ", ''), 'unknown') ELSE 'unknown' END"
	}
	return dims
}()

// CountCohorts counts the persons of each cohort once, by groupBy, in one
// statement: the persons and the organisations named with them go as
// arrays (cohort number, person, organisation, the year the person's
// age is taken in when counted by age band and the day their legal status
// is taken on when counted by legal status), whether one of the
// organisations registered the person or held a grant to them (live or
// not: erasure, withdrawal and a closed referral end grants, not the
// count) is decided per person, then the persons are counted by their
// data.
func (p *Postgres) CountCohorts(ctx context.Context, cohorts []domain.Cohort, groupBy []string) (aggregate.Aggregate, error) {
	if err := cohortDims.Check("group_by", groupBy); err != nil {
		return aggregate.Aggregate{}, err
	}
	byAge := slices.Contains(groupBy, domain.DimAgeBand)
	byStatus := slices.Contains(groupBy, domain.DimLegalStatus)
	var nos []int32
	var persons, orgs []string
	var ages []int32
	var days []time.Time
	for i, c := range cohorts {
		for _, m := range c.Members {
			named := m.OrganisationIDs
			if len(named) == 0 {
				named = []string{""} // counted, as unknown
			}
			for _, o := range named {
				nos, persons, orgs = append(nos, intconv.Int32(i)), append(persons, m.BeneficiaryID), append(orgs, o)
				if byAge {
					ages = append(ages, intconv.Int32(m.AgeYear))
				}
				if byStatus {
					days = append(days, m.StatusDate.Time())
				}
			}
		}
	}
	cols := []string{"s.cohort"}
	for _, g := range groupBy {
		cols = append(cols, cohortDims[g])
	}
	all := strings.Join(cols, ", ")
	counted := "s"
	if byStatus {
		counted = withStatusThen("SELECT * FROM s", "id", "status_date") + " s"
	}
	// Without age band, $4 is empty and unnest pads it with NULLs; so is $5
	// without legal status. Planned for the arrays given (db.CustomPlans):
	// a generic plan knows neither how many persons come nor in how many
	// cohorts.
	var agg aggregate.Aggregate
	batch := db.CustomPlans()
	batch.Queue(`WITH p AS (SELECT * FROM unnest($1::int[], $2::uuid[], $3::text[], $4::int[], $5::date[])
				AS p (cohort, id, org, age_year, status_date)),
		s AS (SELECT p.cohort, p.id, bool_or(b.organisation_id = NULLIF(p.org, '')::uuid OR EXISTS (
				SELECT 1 FROM access_grants g WHERE g.beneficiary_id = p.id AND g.organisation_id = NULLIF(p.org, '')::uuid)) AS seen,
				min(p.age_year) AS age_year, max(p.status_date) AS status_date
			FROM p LEFT JOIN beneficiaries b ON b.id = p.id
			GROUP BY p.cohort, p.id)
		SELECT `+all+`, GROUPING(`+all+`) <> 0, count(DISTINCT s.id)
		FROM `+counted+` LEFT JOIN beneficiaries b ON b.id = s.id
		GROUP BY GROUPING SETS ((`+all+`), ())`, nos, persons, orgs, ages, days).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var no *int32
			vals := make([]*string, len(groupBy))
			dest := []any{&no}
			for i := range vals {
				dest = append(dest, &vals[i])
			}
			var total bool
			var n int64
			if err := rows.Scan(append(dest, &total, &n)...); err != nil {
				return err
			}
			if total || no == nil {
				agg.Total = n
				continue
			}
			labels := maps.Clone(cohorts[*no].Labels)
			if labels == nil {
				labels = map[string]string{}
			}
			for i, g := range groupBy {
				labels[g] = "unknown"
				if vals[i] != nil && *vals[i] != "" {
					labels[g] = *vals[i]
				}
			}
			agg.Groups = append(agg.Groups, aggregate.Group{Labels: labels, Count: n})
		}
		return rows.Err()
	})
	if err := p.sendBatch(ctx, batch); err != nil {
		return aggregate.Aggregate{}, db.Error(err)
	}
	agg.Sort()
	return agg, nil
}
