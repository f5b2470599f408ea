package migrations

import (
	"context"
	"database/sql"

	"github.com/spona/spona/services/trainings/internal/domain"
)

// OrganisationKeys (migration 00016) sets the folded organisation name of
// every professional's registration made by an organisation's name
// (domain.Professional.OrganisationKey), as registrations set it since.
func OrganisationKeys(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id::text, organisation_name FROM participants
		WHERE professional_id IS NOT NULL AND organisation_id IS NULL AND organisation_name <> ''`)
	if err != nil {
		return err
	}
	var ids, keys []string
	for rows.Next() {
		var id string
		var pr domain.Professional
		if err := rows.Scan(&id, &pr.OrganisationName); err != nil {
			_ = rows.Close()
			return err
		}
		ids, keys = append(ids, id), append(keys, pr.OrganisationKey())
	}
	if err := rows.Close(); err != nil || len(ids) == 0 {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE participants pa SET organisation_key = x.key
		FROM unnest($1::uuid[], $2::text[]) AS x (id, key) WHERE pa.id = x.id`, ids, keys)
	return err
}
