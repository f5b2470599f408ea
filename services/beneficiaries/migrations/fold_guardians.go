package migrations

import (
	"context"
	"database/sql"

	"github.com/spona/spona/pkg/translit"
)

// FoldGuardians (migration 00035) folds, in Go (pkg/translit's Fold, as
// the service folds what it stores since; not in SQL, whose lower()
// follows the database's LC_CTYPE), the guardians' names of the consents
// stored before migration 00034 gave them guardian_folded, so that an
// erasure finds them too.
func FoldGuardians(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id::text, guardian_name FROM consents WHERE guardian_name <> '' AND guardian_folded = ''`)
	if err != nil {
		return err
	}
	var ids, folded []string
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			_ = rows.Close()
			return err
		}
		ids, folded = append(ids, id), append(folded, translit.Fold(name))
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	_, err = tx.ExecContext(ctx, `UPDATE consents c SET guardian_folded = f.folded
		FROM unnest($1::uuid[], $2::text[]) f(id, folded) WHERE c.id = f.id`, ids, folded)
	return err
}
