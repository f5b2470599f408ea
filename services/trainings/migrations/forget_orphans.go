package migrations

import (
	"context"
	"database/sql"
)

// ForgetOrphans (migration 00011) deletes the professionals no registration
// names, left by registrations deleted before a deletion forgot them (a
// registration made by mistake kept the name and the wrong e-mail, out of
// every API's reach), and sets every person key afresh by the domain's
// rule, as a later registration without an e-mail may have been counted by
// the e-mail of such a record.
func ForgetOrphans(ctx context.Context, tx *sql.Tx) error {
	res, err := tx.ExecContext(ctx, `DELETE FROM professionals pr
		WHERE NOT EXISTS (SELECT 1 FROM participants pa WHERE pa.professional_id = pr.id)`)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	return setPersonKeys(ctx, tx)
}
