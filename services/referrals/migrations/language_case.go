package migrations

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/spona/spona/pkg/validate"
)

// LanguageCase (migration 00020) writes the working languages of every
// organisation and service in their canonical case
// (validate.LanguageCase), as the directory stores new ones since: the
// language filters compare tags as stored, and a service stored with
// "sr-latn" was not found by "sr-Latn", the same tag. A changed entry gets
// a new version and update time (the HSDS answers show the tags).
func LanguageCase(ctx context.Context, tx *sql.Tx) error {
	for _, table := range []struct{ read, write string }{
		{`SELECT id::text, array_to_string(languages, ',') FROM organisations WHERE languages <> '{}'`,
			`UPDATE organisations SET languages = string_to_array($2, ','), version = version + 1, update_time = now() WHERE id = $1`},
		{`SELECT id::text, array_to_string(languages, ',') FROM services WHERE languages <> '{}'`,
			`UPDATE services SET languages = string_to_array($2, ','), version = version + 1, update_time = now() WHERE id = $1`},
	} {
		rows, err := tx.QueryContext(ctx, table.read)
		if err != nil {
			return err
		}
		changed := map[string][]string{}
		for rows.Next() {
			var id, list string
			if err := rows.Scan(&id, &list); err != nil {
				_ = rows.Close()
				return err
			}
			tags := strings.Split(list, ",")
			canonical := make([]string, len(tags))
			for i, t := range tags {
				canonical[i] = validate.LanguageCase(t)
			}
			if !slices.Equal(tags, canonical) {
				changed[id] = canonical
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for id, tags := range changed {
			if _, err := tx.ExecContext(ctx, table.write, id, strings.Join(tags, ",")); err != nil {
				return err
			}
		}
	}
	return nil
}
