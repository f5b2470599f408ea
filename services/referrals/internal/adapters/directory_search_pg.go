package adapters

import (
	"context"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/services/referrals/internal/domain"
)

// Numbered pages of the directory (the HSDS API). The directory is small
// (organisations and services of three countries), so numbered pages use
// OFFSET, ordered by id; the total is counted by a second statement sent
// in the same round trip.

// likeWord matches a folded search word anywhere in a search key.
func likeWord(w string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(w) + "%"
}

func (w *where) search(column, search string) {
	for _, word := range domain.SearchWords(search) {
		w.add(column+" LIKE ?", likeWord(word))
	}
}

// serviceWhere is the condition of a directory query over services (s).
func serviceWhere(q domain.DirectoryQuery) *where {
	w := &where{}
	w.search("s.search_key", q.Search)
	if q.OrganisationID != "" {
		w.add("s.organisation_id = ?::uuid", q.OrganisationID)
	}
	if q.Category != "" {
		w.add("s.category = ?", q.Category)
	}
	if !q.ModifiedAfter.IsZero() {
		// The service or its organisation, which its answers nest.
		w.add("(s.update_time >= ? OR EXISTS (SELECT 1 FROM organisations o WHERE o.id = s.organisation_id AND o.update_time >= ?))",
			q.ModifiedAfter, q.ModifiedAfter)
	}
	return w
}

// paged reads a numbered page (selectSQL, ordered by order, then tail) and
// the total (countSQL) of the rows matching w, both in one round trip.
func paged[T any](ctx context.Context, p *Postgres, selectSQL, countSQL string, w *where, order string, q domain.DirectoryQuery,
	scan func(pgx.Row) (T, error), tail ...string) (domain.Results[T], error) {
	clause := ""
	if len(w.conds) > 0 {
		clause = " WHERE " + strings.Join(w.conds, " AND ")
	}
	n := len(w.args)
	args := append(append([]any(nil), w.args...), q.Offset(), q.PerPage)
	b := &pgx.Batch{}
	var out domain.Results[T]
	b.Queue(countSQL+clause, w.args...).QueryRow(func(row pgx.Row) error { return row.Scan(&out.Total) })
	b.Queue(selectSQL+clause+" ORDER BY "+order+" OFFSET $"+strconv.Itoa(n+1)+" LIMIT $"+strconv.Itoa(n+2)+strings.Join(tail, ""), args...).Query(func(rows pgx.Rows) error {
		var err error
		out.Items, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
		return err
	})
	if err := p.pool.SendBatch(ctx, b).Close(); err != nil {
		return domain.Results[T]{}, db.Error(err)
	}
	return out, nil
}

var serviceColsS = "s." + strings.ReplaceAll(strings.ReplaceAll(serviceCols, "\n\t", " "), ", ", ", s.")

// SearchServices returns a numbered page of services, oldest first.
func (p *Postgres) SearchServices(ctx context.Context, q domain.DirectoryQuery) (domain.Results[*domain.Service], error) {
	// The page's ids first, then their rows: rows skipped by OFFSET are not
	// read whole.
	return paged(ctx, p, `SELECT `+serviceColsS+` FROM services s WHERE s.id IN (SELECT s.id FROM services s`,
		`SELECT count(*) FROM services s`, serviceWhere(q), "s.id", q, scanService, `) ORDER BY s.id`)
}

// SearchServiceLocations returns a numbered page of the locations of
// services (a service without locations has none), by service then
// location. A search matches each location by its own key (the service's
// texts and that location's place), not by the service's, which names
// every place the service is delivered; a service without location keys
// (one a replica of a release before migration 00034 created, until the
// next start fills them) by the service's, as before.
func (p *Postgres) SearchServiceLocations(ctx context.Context, q domain.DirectoryQuery) (domain.Results[domain.ServiceLocation], error) {
	from := ` FROM services s CROSS JOIN LATERAL jsonb_array_elements(s.locations) WITH ORDINALITY AS l(loc, n)`
	search := q.Search
	q.Search = ""
	w := serviceWhere(q)
	w.search("COALESCE(s.location_keys[l.n::int], s.search_key)", search)
	return paged(ctx, p, `SELECT `+serviceColsS+`, l.n - 1`+from, `SELECT count(*)`+from, w, "s.id, l.n", q,
		func(r pgx.Row) (domain.ServiceLocation, error) {
			var index int
			s, err := scanService(extraRow{r, []any{&index}})
			return domain.ServiceLocation{Service: s, Index: index}, err
		})
}

// SearchOrganisations returns a numbered page of organisations, oldest first.
func (p *Postgres) SearchOrganisations(ctx context.Context, q domain.DirectoryQuery) (domain.Results[*domain.Organisation], error) {
	w := &where{}
	w.search("search_key", q.Search)
	return paged(ctx, p, `SELECT `+organisationCols+` FROM organisations`, `SELECT count(*) FROM organisations`, w, "id", q, scanOrganisation)
}

// OrganisationsByID returns the organisations of ids that exist.
func (p *Postgres) OrganisationsByID(ctx context.Context, ids []string) ([]*domain.Organisation, error) {
	rows, err := p.pool.Query(ctx, `SELECT `+organisationCols+` FROM organisations WHERE id = ANY($1::uuid[]) ORDER BY id`, ids)
	return collect(rows, err, scanOrganisation)
}

// ServicesOf returns the services of the organisations, oldest first.
func (p *Postgres) ServicesOf(ctx context.Context, organisationIDs []string) ([]*domain.Service, error) {
	rows, err := p.pool.Query(ctx, `SELECT `+serviceCols+` FROM services WHERE organisation_id = ANY($1::uuid[]) ORDER BY id`, organisationIDs)
	return collect(rows, err, scanService)
}

// FillSearchKeys writes the search keys of rows stored before they
// existed, the organisations' name and municipality keys (migration
// 00019), the services' municipalities with their search keys (both
// cleared by migration 00025 to be folded again) and their locations'
// search keys (migration 00034), a batch at a time, and returns how many
// it wrote.
func (p *Postgres) FillSearchKeys(ctx context.Context) (int, error) {
	filled := 0
	for {
		rows, err := p.pool.Query(ctx, `SELECT `+organisationCols+` FROM organisations
			WHERE search_key IS NULL OR name_key IS NULL OR municipality_key IS NULL LIMIT 200`)
		orgs, err := collect(rows, err, scanOrganisation)
		if err != nil {
			return filled, err
		}
		rows, err = p.pool.Query(ctx, `SELECT `+serviceCols+` FROM services WHERE search_key IS NULL OR location_keys IS NULL LIMIT 200`)
		svcs, err := collect(rows, err, scanService)
		if err != nil {
			return filled, err
		}
		if len(orgs)+len(svcs) == 0 {
			return filled, nil
		}
		b := &pgx.Batch{}
		for _, o := range orgs {
			b.Queue(`UPDATE organisations SET search_key = $2, name_key = $3, municipality_key = $4 WHERE id = $1`,
				o.ID, o.SearchKey(), o.NameKey(), o.MunicipalityKey())
		}
		for _, s := range svcs {
			b.Queue(`UPDATE services SET search_key = $2, municipalities = $3, location_keys = $4 WHERE id = $1`,
				s.ID, s.SearchKey(), s.Municipalities(), s.LocationSearchKeys())
		}
		if err := p.pool.SendBatch(ctx, b).Close(); err != nil {
			return filled, db.Error(err)
		}
		filled += len(orgs) + len(svcs)
	}
}

// extraRow scans a row whose last columns (a location's index) follow
// those the wrapped scan reads.
type extraRow struct {
	pgx.Row
	extra []any
}

func (r extraRow) Scan(dest ...any) error { return r.Row.Scan(append(dest, r.extra...)...) }
