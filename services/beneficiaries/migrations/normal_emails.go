package migrations

import (
	"context"
	"database/sql"

	"github.com/spona/spona/pkg/validate"
)

// NormalEmails (migration 00022) writes every stored beneficiary's e-mail
// address in the one form every service stores addresses in
// (validate.NormalEmail: trimmed, in lower case, the internationalised
// domain in ASCII), as the service stores them since; before, it kept them
// as given. A changed record gets a new version and update time. An address
// whose part before @ is not ASCII has no other form and stays (in lower
// case); the record's next change asks for an ASCII one.
func NormalEmails(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id::text, email FROM beneficiaries
		WHERE email <> '' AND (email <> lower(btrim(email)) OR octet_length(email) <> char_length(email))`)
	if err != nil {
		return err
	}
	var ids, emails []string
	for rows.Next() {
		var id, email string
		if err := rows.Scan(&id, &email); err != nil {
			_ = rows.Close()
			return err
		}
		if to := validate.NormalEmail(email); to != email {
			ids, emails = append(ids, id), append(emails, to)
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	_, err = tx.ExecContext(ctx, `UPDATE beneficiaries b SET email = x.email, version = version + 1, update_time = now()
		FROM unnest($1::uuid[], $2::text[]) AS x (id, email) WHERE b.id = x.id`, ids, emails)
	return err
}
