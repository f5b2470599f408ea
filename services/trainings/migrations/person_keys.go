package migrations

import (
	"context"
	"database/sql"

	"github.com/spona/spona/services/trainings/internal/domain"
)

// PersonKeys (migration 00008) sets the person key of every stored
// professional by the domain's rule (domain.PersonKeys), so professionals
// registered before it with an e-mail at one event and without one at
// another count once. It leaves the records themselves as they are; later
// registrations choose among them by domain.Identity.RecordFor.
func PersonKeys(ctx context.Context, tx *sql.Tx) error {
	if err := setPersonKeys(ctx, tx); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `ALTER TABLE professionals ALTER COLUMN person_key SET NOT NULL`)
	return err
}

// setPersonKeys sets the person key of every stored professional by
// domain.PersonKeys.
func setPersonKeys(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id::text, COALESCE(email, ''), given_key, family_key, organisation_key FROM professionals`)
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	var records []domain.Record
	for rows.Next() {
		var r domain.Record
		if err := rows.Scan(&r.ID, &r.Email, &r.Name.Given, &r.Name.Family, &r.Name.Organisation); err != nil {
			return err
		}
		records = append(records, r)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	keys := domain.PersonKeys(records)
	ids, values := make([]string, 0, len(keys)), make([]string, 0, len(keys))
	for id, k := range keys {
		ids, values = append(ids, id), append(values, k)
	}
	_, err = tx.ExecContext(ctx, `UPDATE professionals p SET person_key = x.key
		FROM unnest($1::uuid[], $2::text[]) AS x (id, key) WHERE p.id = x.id`, ids, values)
	return err
}
