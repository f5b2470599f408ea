package migrations

import (
	"context"
	"database/sql"

	"github.com/spona/spona/pkg/translit"
)

// FoldPurposes (migration 00023) folds again, in Go, the audit purposes
// whose folded text migration 00021 wrote: it folded them in SQL
// (translit_fold), whose lower() follows the database's LC_CTYPE, and
// under "C" (CloudNativePG's default) it left the capitals outside the
// letters translit_fold maps itself as they were (Ə, Қ, Ŋ, Greek,
// Armenian), so erasure, which folds the person's names in Go
// (pkg/translit's Fold, as the service folds the purposes it stores),
// would not find them. A purpose whose text is ASCII only folds alike
// either way and is not read; one that differs is written.
func FoldPurposes(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id::text, purpose, COALESCE(folded, '') FROM audit_purposes
		WHERE purpose <> '' AND (folded IS NULL OR octet_length(purpose) <> char_length(purpose))`)
	if err != nil {
		return err
	}
	var ids, folded []string
	for rows.Next() {
		var id, purpose, was string
		if err := rows.Scan(&id, &purpose, &was); err != nil {
			_ = rows.Close()
			return err
		}
		if f := translit.Fold(purpose); f != was {
			ids, folded = append(ids, id), append(folded, f)
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `ALTER TABLE audit_purposes DISABLE TRIGGER audit_purposes_no_update_delete`); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_purposes p SET folded = f.folded
		FROM unnest($1::uuid[], $2::text[]) f(id, folded) WHERE p.id = f.id`, ids, folded); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `ALTER TABLE audit_purposes ENABLE TRIGGER audit_purposes_no_update_delete`)
	return err
}
