package migrations

import (
	"context"
	"database/sql"

	"github.com/spona/spona/pkg/validate"
)

// EventLanguageCase (migration 00019) writes the language of every training
// event in its canonical case (validate.LanguageCase), as events are stored
// since: one stored as sent ("SR-latn") is "sr-Latn". A changed event gets a
// new version (etag) and update time, as its answers change.
func EventLanguageCase(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT language FROM training_events WHERE language <> ''`)
	if err != nil {
		return err
	}
	var sent, canonical []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			_ = rows.Close()
			return err
		}
		if c := validate.LanguageCase(l); c != l {
			sent, canonical = append(sent, l), append(canonical, c)
		}
	}
	if err := rows.Close(); err != nil || len(sent) == 0 {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE training_events e SET language = x.canonical, version = e.version + 1, update_time = now()
		FROM unnest($1::text[], $2::text[]) AS x (sent, canonical) WHERE e.language = x.sent`, sent, canonical)
	return err
}
