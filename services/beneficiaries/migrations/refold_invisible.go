package migrations

import (
	"context"
	"database/sql"

	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

// RefoldInvisible (migration 00030) keys again the names and
// municipalities stored with invisible format characters (a zero-width
// space, a byte order mark, a soft hyphen, copied along with the text):
// folded with them, a name's key had a space where the character was
// (Mar<U+200B>ko as "mar ko"), so the person was not found by a search
// for the name nor matched as a duplicate of its other records. The keys
// are now folded without them (domain.Beneficiary.NameKey,
// domain.MunicipalityKey), as the service folds every name it stores
// since; the stored text is left as it was (erasure folds it as stored
// to find the purposes naming the person), and loses the characters on
// its next change. The regular expression only narrows the rows read;
// a row whose key does not change is not written.
func RefoldInvisible(ctx context.Context, tx *sql.Tx) error {
	const format = `'[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]'`
	rows, err := tx.QueryContext(ctx, `SELECT id::text, given_name, family_name, original_script_name, municipality,
			name_key, COALESCE(municipality_key, '') FROM beneficiaries
		WHERE (given_name || family_name || original_script_name || municipality) ~ `+format)
	if err != nil {
		return err
	}
	var ids, names, places []string
	for rows.Next() {
		var id, nameKey, placeKey string
		var b domain.Beneficiary
		if err := rows.Scan(&id, &b.GivenName, &b.FamilyName, &b.OriginalScriptName, &b.Municipality, &nameKey, &placeKey); err != nil {
			_ = rows.Close()
			return err
		}
		if n, m := b.NameKey(), b.MunicipalityKey(); n != nameKey || m != placeKey {
			ids, names, places = append(ids, id), append(names, n), append(places, m)
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	_, err = tx.ExecContext(ctx, `UPDATE beneficiaries b SET name_key = k.name_key, municipality_key = k.municipality_key
		FROM unnest($1::uuid[], $2::text[], $3::text[]) k(id, name_key, municipality_key) WHERE b.id = k.id`, ids, names, places)
	return err
}
