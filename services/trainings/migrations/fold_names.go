package migrations

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/spona/spona/pkg/translit"
	"github.com/spona/spona/services/trainings/internal/domain"
)

// FoldNames (migration 00014) keys every stored professional's names and
// organisation name as registrations key them since (domain's MatchKey:
// translit.Fold, as the beneficiaries' search and the directory fold
// names). Before, names matched ignoring case and spacing only: Marko
// Marković and Марко Марковић, or Đorđević and Djordjevic, were two
// professionals, counted twice. Where one organiser holds records that
// are now one professional, the newer becomes the record a registration of
// it would update (domain.Identity.RecordFor) unless that one had its key
// before too: its participations move (one per
// event, with the attendance, scores and certificate of either), the older
// takes its e-mail when it has none, and it goes. Then every person key is
// set afresh by the domain's rule, and the staged rows of imports still
// running are keyed as their rows are now.
func FoldNames(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id::text, organiser_organisation_id::text, COALESCE(email, ''),
			given_name, family_name, COALESCE(organisation_id::text, ''), organisation_name, given_key, family_key, organisation_key
		FROM professionals ORDER BY organiser_organisation_id, id`)
	if err != nil {
		return err
	}
	type record struct {
		domain.Record
		old domain.MatchKey
	}
	var records []record
	for rows.Next() {
		var r record
		var pr domain.Professional
		if err := rows.Scan(&r.ID, &r.Organiser, &r.Email, &pr.GivenName, &pr.FamilyName, &pr.OrganisationID, &pr.OrganisationName,
			&r.old.Given, &r.old.Family, &r.old.Organisation); err != nil {
			_ = rows.Close()
			return err
		}
		r.Name = pr.MatchKey()
		records = append(records, r)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	// Each organiser's records, oldest first (ids are UUIDv7), kept by
	// their new names and their e-mail: a record is the same professional
	// only as one sharing either.
	var byName map[domain.MatchKey][]*record
	var byEmail map[string]*record
	var ids, given, family, org []string
	for i := range records {
		r := &records[i]
		if i == 0 || r.Organiser != records[i-1].Organiser {
			byName, byEmail = map[domain.MatchKey][]*record{}, map[string]*record{}
		}
		sharing := byName[r.Name]
		if e := byEmail[r.Email]; r.Email != "" && e != nil {
			sharing = append(slices.Clone(sharing), e)
		}
		candidates := make([]domain.Record, len(sharing))
		for j, k := range sharing {
			candidates[j] = k.Record
		}
		target, same := r.RecordFor(candidates)
		var keep *record
		for _, k := range sharing {
			if same && k.ID == target.ID {
				keep = k
			}
		}
		// Records that had one key (one with an e-mail, one without) stay
		// as they were.
		if keep == nil || keep.old == r.old {
			byName[r.Name] = append(byName[r.Name], r)
			if r.Email != "" {
				byEmail[r.Email] = r
			}
			if r.Name != r.old {
				ids, given, family, org = append(ids, r.ID), append(given, r.Name.Given), append(family, r.Name.Family), append(org, r.Name.Organisation)
			}
			continue
		}
		if err := mergeProfessionals(ctx, tx, r.ID, keep.ID); err != nil {
			return err
		}
		if keep.Email == "" && r.Email != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE professionals SET email = $2 WHERE id = $1`, keep.ID, r.Email); err != nil {
				return err
			}
			keep.Email = r.Email
			byEmail[r.Email] = keep
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE professionals p SET given_key = x.given, family_key = x.family, organisation_key = x.org
		FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS x (id, given, family, org) WHERE p.id = x.id`,
		ids, given, family, org); err != nil {
		return err
	}
	if err := setPersonKeys(ctx, tx); err != nil {
		return err
	}
	return refoldStagedRows(ctx, tx)
}

// refoldStagedRows keys the staged rows of running imports (their names and
// organisation, MatchKey.String) as FoldNames keys the records they are
// compared with. A staged key is the names folded the old way (lower case,
// spacing), which translit.Fold folds as it folds the names themselves.
func refoldStagedRows(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT r.import_id::text, r.row_no, r.name_key FROM import_rows r
		JOIN imports i ON i.id = r.import_id WHERE i.state = 'running' AND r.name_key <> ''`)
	if err != nil {
		return err
	}
	var imports, keys []string
	var rowNos []int64
	for rows.Next() {
		var id, key string
		var n int64
		if err := rows.Scan(&id, &n, &key); err != nil {
			_ = rows.Close()
			return err
		}
		k, ok := domain.ParseMatchKey(key)
		if !ok {
			continue
		}
		k.Given, k.Family = translit.Fold(k.Given), translit.Fold(k.Family)
		if name, ok := strings.CutPrefix(k.Organisation, "name:"); ok {
			k.Organisation = "name:" + translit.Fold(name)
		}
		if k.String() != key {
			imports, rowNos, keys = append(imports, id), append(rowNos, n), append(keys, k.String())
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if len(keys) == 0 {
		return nil
	}
	_, err = tx.ExecContext(ctx, `UPDATE import_rows r SET name_key = x.key
		FROM unnest($1::uuid[], $2::int[], $3::text[]) AS x (import_id, row_no, key)
		WHERE r.import_id = x.import_id AND r.row_no = x.row_no`, imports, rowNos, keys)
	return err
}
