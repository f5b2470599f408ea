package adapters

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/referrals/internal/domain"
)

const organisationCols = `id, name, localized_names, description, localized_descriptions, kind, municipality, country,
	languages, email, phone, website, organisation_identifier, verify_time, create_time, update_time, version`

func scanOrganisation(row pgx.Row) (*domain.Organisation, error) {
	var o domain.Organisation
	err := row.Scan(&o.ID, &o.Name, &o.LocalizedNames, &o.Description, &o.LocalizedDescriptions, &o.Kind, &o.Municipality,
		&o.Country, &o.Languages, &o.Email, &o.Phone, &o.Website, &o.Identifier, &o.VerifyTime, &o.CreateTime, &o.UpdateTime, &o.Version)
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// auditArgs are the values of change (nil: none) for auditInsert.
func auditArgs(change *domain.DirectoryChange) []any {
	c := change
	if c == nil {
		c = &domain.DirectoryChange{}
	}
	before, after := c.Before, c.After
	if before == nil {
		before = map[string]any{}
	}
	if after == nil {
		after = map[string]any{}
	}
	return []any{c.Action, db.Null(c.ActorOrganisationID), c.ActorClientID, c.Reason, before, after, db.Strings(c.Fields)}
}

// auditInsert is a CTE's statement writing the audit row of the change
// whose auditArgs are the placeholders from $n on, for each row of the CTE
// named from; org and service are the expressions of the organisation and
// service changed. It writes nothing when the change's action is "".
func auditInsert(n int, from, org, service string) string {
	return fmt.Sprintf(`INSERT INTO organisation_audit (action, actor_organisation_id, actor_client_id, reason, before, after,
			fields, organisation_id, service_id)
		SELECT $%[1]d::text, $%[2]d::uuid, $%[3]d::text, $%[4]d::text, $%[5]d::jsonb, $%[6]d::jsonb, $%[7]d::text[], %[8]s, %[9]s
		FROM %[10]s WHERE $%[1]d::text <> ''`, n, n+1, n+2, n+3, n+4, n+5, n+6, org, service, from)
}

// CreateOrganisation inserts o, with its audit record when change is not
// nil; a repeated request id returns the first row (audited once).
func (p *Postgres) CreateOrganisation(ctx context.Context, o *domain.Organisation, createdBy, requestID string, change *domain.DirectoryChange) (*domain.Organisation, error) {
	return db.CreateOnce(ctx, p.pool, scanOrganisation, `
		WITH i AS (
			INSERT INTO organisations (id, name, localized_names, description, localized_descriptions, kind, municipality,
				country, languages, email, phone, website, organisation_identifier, created_by, request_id, search_key,
				name_key, municipality_key)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
			ON CONFLICT (created_by, request_id) DO NOTHING
			RETURNING `+organisationCols+`
		), a AS (`+auditInsert(19, "i", "i.id", "NULL::uuid")+`)
		SELECT `+organisationCols+` FROM i`,
		append([]any{o.ID, o.Name, emptyMap(o.LocalizedNames), o.Description, emptyMap(o.LocalizedDescriptions), o.Kind, o.Municipality,
			o.Country, db.Strings(o.Languages), o.Email, o.Phone, o.Website, o.Identifier, createdBy, db.Null(requestID), o.SearchKey(),
			o.NameKey(), o.MunicipalityKey()}, auditArgs(change)...),
		`SELECT `+organisationCols+` FROM organisations WHERE created_by = $1 AND request_id = $2`, createdBy, requestID)
}

// GetOrganisation returns a directory entry.
func (p *Postgres) GetOrganisation(ctx context.Context, id string) (*domain.Organisation, error) {
	o, err := scanOrganisation(p.pool.QueryRow(ctx, `SELECT `+organisationCols+` FROM organisations WHERE id = $1`, id))
	return one(o, err, "organisation", id)
}

// UpdateOrganisation stores o if its version is unchanged, with the audit
// row of change (nil: none) in the same statement; a verification marks it
// verified.
func (p *Postgres) UpdateOrganisation(ctx context.Context, o *domain.Organisation, change *domain.DirectoryChange) (*domain.Organisation, error) {
	verify := change != nil && change.Action == domain.ChangeVerify
	out, err := scanOrganisation(p.pool.QueryRow(ctx, `
		WITH u AS (
			UPDATE organisations SET name = $3, localized_names = $4, description = $5, localized_descriptions = $6, kind = $7,
				municipality = $8, country = $9, languages = $10, email = $11, phone = $12, website = $13,
				organisation_identifier = $14, search_key = $16, name_key = $17, municipality_key = $18,
				version = version + 1, update_time = now(),
				verify_time = CASE WHEN $15::bool THEN now() ELSE verify_time END
			WHERE id = $1 AND version = $2
			RETURNING `+organisationCols+`
		), a AS (`+auditInsert(19, "u", "u.id", "NULL::uuid")+`)
		SELECT `+organisationCols+` FROM u`,
		append([]any{o.ID, o.Version, o.Name, emptyMap(o.LocalizedNames), o.Description, emptyMap(o.LocalizedDescriptions), o.Kind,
			o.Municipality, o.Country, db.Strings(o.Languages), o.Email, o.Phone, o.Website, o.Identifier,
			verify, o.SearchKey(), o.NameKey(), o.MunicipalityKey()}, auditArgs(change)...)...))
	if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) && pgErr.ConstraintName == "organisations_verified_identifier_key" {
		var holder string
		_ = p.pool.QueryRow(ctx, `SELECT id FROM organisations WHERE organisation_identifier = $1 AND verify_time IS NOT NULL AND id <> $2`,
			o.Identifier, o.ID).Scan(&holder) // named when still there
		return nil, domain.IdentifierTaken(o.Identifier, holder)
	}
	return staleOr(out, err)
}

// ListOrganisations lists directory entries after page.After.
func (p *Postgres) ListOrganisations(ctx context.Context, f domain.OrganisationFilter, page pagination.Page) ([]*domain.Organisation, error) {
	var w where
	if page.After != "" {
		w.add("id < ?::uuid", page.After)
	}
	if f.Name != "" {
		w.add("name_key = ?", f.NameKey)
	}
	if f.Kind != "" {
		w.add("kind = ?", f.Kind)
	}
	if f.Country != "" {
		w.add("country = ?", f.Country)
	}
	if f.Municipality != "" {
		w.add("municipality_key = ?", f.MunicipalityKey)
	}
	if f.Language != "" {
		w.add("languages @> ARRAY[?::text]", f.Language)
	}
	clause, args := w.sql("id DESC", page.Limit())
	rows, err := p.pool.Query(ctx, `SELECT `+organisationCols+` FROM organisations`+clause, args...)
	return collect(rows, err, scanOrganisation)
}

const serviceCols = `id, organisation_id, name, localized_names, description, localized_descriptions, category, languages,
	eligibility, accepting_referrals, locations, contacts, schedules, email, url, phone, create_time, update_time, version`

func scanService(row pgx.Row) (*domain.Service, error) {
	var s domain.Service
	err := row.Scan(&s.ID, &s.OrganisationID, &s.Name, &s.LocalizedNames, &s.Description, &s.LocalizedDescriptions, &s.Category,
		&s.Languages, &s.Eligibility, &s.AcceptingReferrals, &s.Locations, &s.Contacts, &s.Schedules, &s.Email, &s.URL, &s.Phone,
		&s.CreateTime, &s.UpdateTime, &s.Version)
	if err != nil {
		return nil, err
	}
	return &s, nil
}

func serviceArgs(s *domain.Service) []any {
	locations, contacts, schedules := s.Locations, s.Contacts, s.Schedules
	if locations == nil {
		locations = []domain.Location{}
	}
	if contacts == nil {
		contacts = []domain.Contact{}
	}
	if schedules == nil {
		schedules = []domain.Schedule{}
	}
	return []any{s.Name, emptyMap(s.LocalizedNames), s.Description, emptyMap(s.LocalizedDescriptions), s.Category,
		db.Strings(s.Languages), s.Eligibility, s.AcceptingReferrals, locations, s.Municipalities(), contacts, schedules,
		s.Email, s.URL, s.Phone, s.SearchKey(), s.LocationSearchKeys()}
}

// CreateService inserts s, with its audit record when change is not nil;
// a repeated request id returns the first row (audited once).
func (p *Postgres) CreateService(ctx context.Context, s *domain.Service, createdBy, requestID string, change *domain.DirectoryChange) (*domain.Service, error) {
	args := append(append([]any{s.ID, s.OrganisationID, createdBy, db.Null(requestID)}, serviceArgs(s)...), auditArgs(change)...)
	return db.CreateOnce(ctx, p.pool, scanService, `
		WITH i AS (
			INSERT INTO services (id, organisation_id, created_by, request_id, name, localized_names, description,
				localized_descriptions, category, languages, eligibility, accepting_referrals, locations, municipalities,
				contacts, schedules, email, url, phone, search_key, location_keys)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
			ON CONFLICT (created_by, request_id) DO NOTHING
			RETURNING `+serviceCols+`
		), a AS (`+auditInsert(22, "i", "i.organisation_id", "i.id")+`)
		SELECT `+serviceCols+` FROM i`, args,
		`SELECT `+serviceCols+` FROM services WHERE created_by = $1 AND request_id = $2`, createdBy, requestID)
}

// GetService returns a service.
func (p *Postgres) GetService(ctx context.Context, id string) (*domain.Service, error) {
	s, err := scanService(p.pool.QueryRow(ctx, `SELECT `+serviceCols+` FROM services WHERE id = $1`, id))
	return one(s, err, "service", id)
}

// ServiceWithLocation returns the service one of whose locations has id
// locationID.
func (p *Postgres) ServiceWithLocation(ctx context.Context, locationID string) (*domain.Service, error) {
	s, err := scanService(p.pool.QueryRow(ctx, `SELECT `+serviceCols+` FROM services WHERE locations @> jsonb_build_array(jsonb_build_object('id', $1::text))`, locationID))
	return one(s, err, "location", locationID)
}

// UpdateService stores s if its version is unchanged, with the audit row
// of change (nil: none) in the same statement.
func (p *Postgres) UpdateService(ctx context.Context, s *domain.Service, change *domain.DirectoryChange) (*domain.Service, error) {
	args := append(append([]any{s.ID, s.Version}, serviceArgs(s)...), auditArgs(change)...)
	out, err := scanService(p.pool.QueryRow(ctx, `
		WITH u AS (
			UPDATE services SET name = $3, localized_names = $4, description = $5, localized_descriptions = $6, category = $7,
				languages = $8, eligibility = $9, accepting_referrals = $10, locations = $11, municipalities = $12,
				contacts = $13, schedules = $14, email = $15, url = $16, phone = $17, search_key = $18, location_keys = $19,
				version = version + 1, update_time = now()
			WHERE id = $1 AND version = $2
			RETURNING `+serviceCols+`
		), a AS (`+auditInsert(20, "u", "u.organisation_id", "u.id")+`)
		SELECT `+serviceCols+` FROM u`, args...))
	return staleOr(out, err)
}

// ListServices lists services after page.After. The municipality filter
// matches a location's municipality, or the organisation's when the service
// lists no locations.
func (p *Postgres) ListServices(ctx context.Context, f domain.ServiceFilter, page pagination.Page) ([]*domain.Service, error) {
	var w where
	if page.After != "" {
		w.add("s.id < ?::uuid", page.After)
	}
	if f.OrganisationID != "" {
		w.add("s.organisation_id = ?::uuid", f.OrganisationID)
	}
	if f.Category != "" {
		w.add("s.category = ?", f.Category)
	}
	if f.Municipality != "" {
		w.add(`(s.municipalities @> ARRAY[?] OR (s.municipalities = '{}' AND o.municipality_key = ?))`, f.MunicipalityKey, f.MunicipalityKey)
	}
	if f.Language != "" {
		w.add("s.languages @> ARRAY[?::text]", f.Language)
	}
	if f.AcceptingReferrals != nil {
		w.add("s.accepting_referrals = ?", *f.AcceptingReferrals)
	}
	clause, args := w.sql("s.id DESC", page.Limit())
	rows, err := p.pool.Query(ctx, `SELECT `+serviceColsS+` FROM services s JOIN organisations o ON o.id = s.organisation_id`+clause, args...)
	return collect(rows, err, scanService)
}
