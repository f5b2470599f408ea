package migrations

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/outbox"
	"github.com/spona/spona/pkg/validate"
	"github.com/spona/spona/services/trainings/internal/adapters"
	"github.com/spona/spona/services/trainings/internal/app"
	"github.com/spona/spona/services/trainings/internal/domain"
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
// and it goes. At an event where both took part, the two participations
// become keep's, and the merge tells it as a beneficiary merge does
// (app.MergeEvents, with no cause: participant.deleted of dup's, then
// what it changed of the certificate and completion of either).
func mergeProfessionals(ctx context.Context, tx *sql.Tx, dup, keep string) error {
	before, err := completions(ctx, tx, completedBefore, dup, keep)
	if err != nil {
		return err
	}
	for _, s := range adapters.MoveParticipations("professional_id") {
		var args []any
		if strings.Contains(s, "$1") {
			args = []any{dup, keep}
		}
		if _, err := tx.ExecContext(ctx, s, args...); err != nil {
			return err
		}
	}
	if err := tellCombined(ctx, tx, dup, keep, before); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE professionals k SET
			sex = CASE WHEN k.sex = 'unknown' THEN d.sex ELSE k.sex END,
			position = CASE WHEN k.position = '' THEN d.position ELSE k.position END
		FROM professionals d WHERE k.id = $2 AND d.id = $1`, dup, keep)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM professionals WHERE id = $1`, dup)
	return err
}

// completionsOf reads the event, participant, professional and whether
// it completes the event of the participations (pa) it is followed by a
// condition on.
const completionsOf = `SELECT pa.event_id::text, pa.id::text, pa.professional_id::text, COALESCE(` + adapters.CompletedSQL + `, false)
	FROM participants pa JOIN training_events e ON e.id = pa.event_id WHERE `

const (
	// completedBefore: the participations of professionals $1 and $2 at
	// the events where both took part.
	completedBefore = completionsOf + `pa.professional_id IN ($1, $2) AND pa.event_id IN (SELECT d.event_id
		FROM participants d JOIN participants k ON k.event_id = d.event_id WHERE d.professional_id = $1 AND k.professional_id = $2)`
	// completedAfter: the participations others were combined into.
	completedAfter = completionsOf + `pa.id IN (SELECT keep FROM merge_pairs)`
)

// completions runs query (completedBefore, completedAfter) and returns the
// completions it read, by event.
func completions(ctx context.Context, tx *sql.Tx, query string, args ...any) (map[string][]domain.Completion, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	out := map[string][]domain.Completion{}
	for rows.Next() {
		var event string
		var c domain.Completion
		if err := rows.Scan(&event, &c.ParticipantID, &c.ProfessionalID, &c.Completed); err != nil {
			_ = rows.Close()
			return nil, err
		}
		out[event] = append(out[event], c)
	}
	return out, rows.Close()
}

// tellCombined writes to the outbox the events of the participations of
// dup that mergeProfessionals combined into keep's (merge_pairs), the
// completions of both records' participations at those events being
// before.
func tellCombined(ctx context.Context, tx *sql.Tx, dup, keep string, before map[string][]domain.Completion) error {
	rows, err := tx.QueryContext(ctx, `SELECT m.event::text, e.organiser_organisation_id::text, COALESCE(e.project_id::text, ''),
			m.dup::text, m.keep::text, m.number IS NOT NULL
		FROM merge_pairs m JOIN training_events e ON e.id = m.event ORDER BY m.event, m.dup`)
	if err != nil {
		return err
	}
	var order []*domain.TrainingEvent
	combined := map[string][]domain.Combined{}
	for rows.Next() {
		var e domain.TrainingEvent
		var c domain.Combined
		if err := rows.Scan(&e.ID, &e.OrganiserOrganisationID, &e.ProjectID, &c.ParticipantID, &c.SurvivorID, &c.CertificateMoved); err != nil {
			_ = rows.Close()
			return err
		}
		c.EventID = e.ID
		if combined[e.ID] == nil {
			order = append(order, &e)
		}
		combined[e.ID] = append(combined[e.ID], c)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if len(order) == 0 {
		return nil
	}
	after, err := completions(ctx, tx, completedAfter)
	if err != nil {
		return err
	}
	var evs []events.Event
	for _, e := range order {
		evs = append(evs, app.MergeEvents(e, combined[e.ID], &domain.Participant{ProfessionalID: dup}, &domain.Participant{ProfessionalID: keep},
			before[e.ID], after[e.ID], "")...)
	}
	return outbox.WriteSQL(ctx, tx, evs...)
}
