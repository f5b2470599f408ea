package migrations

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/spona/spona/pkg/validate"
	"github.com/spona/spona/services/trainings/internal/adapters"
)

// NormalEmails (migration 00010) writes every stored professional's e-mail
// address in the one form every service stores addresses in
// (validate.NormalEmail: the internationalised domain in ASCII), as
// registrations store them since. Before, marko@udruga-đakovo.hr and
// marko@xn--udruga-akovo-ctb.hr, one address, were two professionals, and
// counted twice. Where one organiser holds a record under each spelling,
// the two become the older record: the newer one's participations move to
// it (one participation per event, with the attendance, scores and
// certificate of either) and the newer record goes. Then every person key
// is set afresh by the domain's rule. An address whose part before @ is
// not ASCII has no other form and stays as it is.
func NormalEmails(ctx context.Context, tx *sql.Tx) error {
	// Only an address with a character outside ASCII can change: the
	// others were stored trimmed and in lower case already.
	rows, err := tx.QueryContext(ctx, `SELECT id::text, organiser_organisation_id::text, email FROM professionals
		WHERE octet_length(email) <> char_length(email) ORDER BY id`)
	if err != nil {
		return err
	}
	type record struct{ id, organiser, email string }
	var records []record
	for rows.Next() {
		var r record
		if err := rows.Scan(&r.id, &r.organiser, &r.email); err != nil {
			_ = rows.Close()
			return err
		}
		records = append(records, r)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	changed := false
	for _, r := range records {
		to := validate.NormalEmail(r.email)
		if to == r.email {
			continue
		}
		changed = true
		var other string
		err := tx.QueryRowContext(ctx, `SELECT id::text FROM professionals WHERE organiser_organisation_id = $1 AND email = $2`,
			r.organiser, to).Scan(&other)
		if errors.Is(err, sql.ErrNoRows) {
			if _, err := tx.ExecContext(ctx, `UPDATE professionals SET email = $2, update_time = now() WHERE id = $1`, r.id, to); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		// Ids are UUIDv7: the smaller is the older record.
		keep, dup := other, r.id
		if r.id < other {
			keep, dup = r.id, other
		}
		if err := mergeProfessionals(ctx, tx, dup, keep); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE professionals SET email = $2, update_time = now() WHERE id = $1`, keep, to); err != nil {
			return err
		}
	}
	if !changed {
		return nil
	}
	return setPersonKeys(ctx, tx)
}

// mergeProfessionals makes the record dup (of one organiser) keep's: its
// participations move, a sex and position keep lacks are taken from it,
// and it goes.
func mergeProfessionals(ctx context.Context, tx *sql.Tx, dup, keep string) error {
	for _, s := range adapters.MoveParticipations("professional_id") {
		var args []any
		if strings.Contains(s, "$1") {
			args = []any{dup, keep}
		}
		if _, err := tx.ExecContext(ctx, s, args...); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `UPDATE professionals k SET
			sex = CASE WHEN k.sex = 'unknown' THEN d.sex ELSE k.sex END,
			position = CASE WHEN k.position = '' THEN d.position ELSE k.position END
		FROM professionals d WHERE k.id = $2 AND d.id = $1`, dup, keep)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM professionals WHERE id = $1`, dup)
	return err
}
