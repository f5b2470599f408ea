package migrations

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/spona/spona/pkg/validate"
)

// ASCIIEmails (migration 00016) writes the domain of every stored
// directory e-mail address in ASCII (validate.NormalEmail), as the directory
// stores new ones since: organisations', services' and their contacts'.
// Before, an address such as pomoc@udruga-đakovo.hr was stored as given,
// and every HSDS answer listing it broke the HSDS schema. A changed entry
// gets a new version and update time (HSDS last_modified, modified_after).
// A local part (before @) that is not ASCII stays as it is, since nothing
// writes it in ASCII: the HSDS API leaves such an address out, and the next
// change of the entry is refused until it is replaced.
func ASCIIEmails(ctx context.Context, tx *sql.Tx) error {
	// octet_length differs from char_length exactly when the text has a
	// character outside ASCII (the database is UTF-8).
	orgs, err := emails(ctx, tx, `SELECT id::text, email FROM organisations WHERE octet_length(email) <> char_length(email)`)
	if err != nil {
		return err
	}
	for id, email := range orgs {
		if to := validate.NormalEmail(email); to != email {
			if _, err := tx.ExecContext(ctx, `UPDATE organisations SET email = $2, version = version + 1, update_time = now() WHERE id = $1`, id, to); err != nil {
				return err
			}
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT id::text, email, contacts::text FROM services
		WHERE octet_length(email) <> char_length(email) OR octet_length(contacts::text) <> char_length(contacts::text)`)
	if err != nil {
		return err
	}
	type service struct{ id, email, contacts string }
	var services []service
	for rows.Next() {
		var s service
		if err := rows.Scan(&s.id, &s.email, &s.contacts); err != nil {
			_ = rows.Close()
			return err
		}
		services = append(services, s)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, s := range services {
		// Contacts as stored, every other key kept.
		var contacts []map[string]any
		if err := json.Unmarshal([]byte(s.contacts), &contacts); err != nil {
			return err
		}
		changed := false
		for _, c := range contacts {
			if e, ok := c["email"].(string); ok && validate.NormalEmail(e) != e {
				c["email"], changed = validate.NormalEmail(e), true
			}
		}
		email := validate.NormalEmail(s.email)
		if !changed && email == s.email {
			continue
		}
		doc, err := json.Marshal(contacts)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE services SET email = $2, contacts = $3::jsonb, version = version + 1, update_time = now() WHERE id = $1`,
			s.id, email, string(doc)); err != nil {
			return err
		}
	}
	return nil
}

// emails reads id and address pairs.
func emails(ctx context.Context, tx *sql.Tx, query string) (map[string]string, error) {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	out := map[string]string{}
	for rows.Next() {
		var id, email string
		if err := rows.Scan(&id, &email); err != nil {
			return nil, err
		}
		out[id] = email
	}
	return out, rows.Err()
}
