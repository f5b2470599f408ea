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
// OFFSET, ordered by id, with the total counted in the same query.

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
		w.add("s.update_time >= ?", q.ModifiedAfter)
	}
	return w
}

// paged runs a query whose rows end with count(*) OVER () and returns the
// page's rows and the total. A page past the end has no rows to carry the
// total, so it is counted apart.
func paged[T any](ctx context.Context, p *Postgres, sql string, w *where, order string, q domain.DirectoryQuery,
	scan func(pgx.Row) (T, int, error), countSQL string) (domain.Results[T], error) {
	clause := ""
	if len(w.conds) > 0 {
		clause = " WHERE " + strings.Join(w.conds, " AND ")
	}
	args := append(append([]any(nil), w.args...), q.Offset(), q.PerPage)
	n := len(w.args)
	rows, err := p.pool.Query(ctx, sql+clause+" ORDER BY "+order+" OFFSET $"+strconv.Itoa(n+1)+" LIMIT $"+strconv.Itoa(n+2), args...)
	if err != nil {
		return domain.Results[T]{}, db.Error(err)
	}
	var out domain.Results[T]
	out.Items, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) {
		v, total, err := scan(r)
		out.Total = total
		return v, err
	})
	if err != nil {
		return domain.Results[T]{}, db.Error(err)
	}
	if len(out.Items) == 0 && q.Offset() > 0 {
		err = p.pool.QueryRow(ctx, countSQL+clause, w.args...).Scan(&out.Total)
	}
	return out, db.Error(err)
}

var serviceColsS = "s." + strings.ReplaceAll(strings.ReplaceAll(serviceCols, "\n\t", " "), ", ", ", s.")

// SearchServices returns a numbered page of services, oldest first.
func (p *Postgres) SearchServices(ctx context.Context, q domain.DirectoryQuery) (domain.Results[*domain.Service], error) {
	return paged(ctx, p, `SELECT `+serviceColsS+`, count(*) OVER () FROM services s`, serviceWhere(q), "s.id", q,
		func(r pgx.Row) (*domain.Service, int, error) {
			var total int
			s, err := scanService(extraRow{r, []any{&total}})
			return s, total, err
		}, `SELECT count(*) FROM services s`)
}

// SearchServiceLocations returns a numbered page of the locations of
// services (a service without locations has none), by service then
// location.
func (p *Postgres) SearchServiceLocations(ctx context.Context, q domain.DirectoryQuery) (domain.Results[domain.ServiceLocation], error) {
	from := ` FROM services s CROSS JOIN LATERAL jsonb_array_elements(s.locations) WITH ORDINALITY AS l(loc, n)`
	return paged(ctx, p, `SELECT `+serviceColsS+`, l.n - 1, count(*) OVER ()`+from, serviceWhere(q), "s.id, l.n", q,
		func(r pgx.Row) (domain.ServiceLocation, int, error) {
			var total, index int
			s, err := scanService(extraRow{r, []any{&index, &total}})
			return domain.ServiceLocation{Service: s, Index: index}, total, err
		}, `SELECT count(*)`+from)
}

// SearchOrganisations returns a numbered page of organisations, oldest first.
func (p *Postgres) SearchOrganisations(ctx context.Context, q domain.DirectoryQuery) (domain.Results[*domain.Organisation], error) {
	w := &where{}
	w.search("search_key", q.Search)
	return paged(ctx, p, `SELECT `+organisationCols+`, count(*) OVER () FROM organisations`, w, "id", q,
		func(r pgx.Row) (*domain.Organisation, int, error) {
			var total int
			o, err := scanOrganisation(extraRow{r, []any{&total}})
			return o, total, err
		}, `SELECT count(*) FROM organisations`)
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
// existed, a batch at a time, and returns how many it wrote.
func (p *Postgres) FillSearchKeys(ctx context.Context) (int, error) {
	filled := 0
	for {
		rows, err := p.pool.Query(ctx, `SELECT `+organisationCols+` FROM organisations WHERE search_key IS NULL LIMIT 200`)
		orgs, err := collect(rows, err, scanOrganisation)
		if err != nil {
			return filled, err
		}
		rows, err = p.pool.Query(ctx, `SELECT `+serviceCols+` FROM services WHERE search_key IS NULL LIMIT 200`)
		svcs, err := collect(rows, err, scanService)
		if err != nil {
			return filled, err
		}
		if len(orgs)+len(svcs) == 0 {
			return filled, nil
		}
		b := &pgx.Batch{}
		for _, o := range orgs {
			b.Queue(`UPDATE organisations SET search_key = $2 WHERE id = $1`, o.ID, o.SearchKey())
		}
		for _, s := range svcs {
			b.Queue(`UPDATE services SET search_key = $2 WHERE id = $1`, s.ID, s.SearchKey())
		}
		if err := p.pool.SendBatch(ctx, b).Close(); err != nil {
			return filled, db.Error(err)
		}
		filled += len(orgs) + len(svcs)
	}
}

// extraRow scans a row whose last columns (a location's index, the total)
// follow those the wrapped scan reads.
type extraRow struct {
	pgx.Row
	extra []any
}

func (r extraRow) Scan(dest ...any) error { return r.Row.Scan(append(dest, r.extra...)...) }
