package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spona/spona/pkg/audit/auditpg"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/outbox"
)

// The statements the beneficiaries service sends for CreateBeneficiary and
// GetBeneficiary (services/beneficiaries/internal/adapters: the insert,
// its legal status history row, the audit row, the outbox insert; the read that audits, then the details), written out again here:
// the service's are internal to it. Keep them in step.
var (
	serviceCols = `b.id, b.organisation_id, COALESCE(b.external_id, ''), b.given_name, b.family_name, b.original_script_name,
	b.sex, b.birth_date, COALESCE(b.birth_year, 0), b.birth_date_estimated, b.nationality, b.languages, b.legal_status,
	b.municipality, b.country, b.accommodation, b.vulnerabilities, b.create_time, b.update_time, b.version,
	CASE WHEN b.organisation_id = $1 THEN 'owner' ELSE 'granted' END,
	b.phone, b.email, b.notes, b.legal_status_since, COALESCE(b.merged_into::text, ''), b.merge_time, b.erase_time`
	serviceVisible = `(b.organisation_id = $1 OR EXISTS (SELECT 1 FROM access_grants g JOIN consents gc ON gc.id = g.consent_id
	AND g.revoke_time IS NULL AND (g.expire_time IS NULL OR g.expire_time > now())
	AND gc.withdraw_time IS NULL AND (gc.expire_time IS NULL OR gc.expire_time > now())
	WHERE g.beneficiary_id = b.id AND g.organisation_id = $1))`
	serviceInsertSQL = `
		INSERT INTO beneficiaries AS b (id, organisation_id, external_id, given_name, family_name, original_script_name,
			sex, birth_date, birth_year, birth_date_estimated, nationality, languages, legal_status,
			municipality, country, accommodation, vulnerabilities, request_id, phone, email, notes, legal_status_since, name_key)
		VALUES ($2, $1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)
		RETURNING ` + serviceCols
	serviceHistorySQL = `INSERT INTO legal_status_history (id, beneficiary_id, legal_status, since, organisation_id)
		VALUES ($1, $2, $3, $4, $5)`
	serviceAuditSQL = `WITH ` + auditpg.Insert("a", `SELECT $1::uuid, $2::text, o, b, $5::text, $6::text[], $8::text
		FROM unnest($3::uuid[], $4::uuid[]) AS t(o, b)`, "$7::text[]", "$9") + ` SELECT`
	serviceReadSQL = `WITH r AS (SELECT ` + serviceCols + ` FROM beneficiaries b WHERE b.id = $2 AND ` + serviceVisible + `),
		` + auditpg.Insert("a", `SELECT $3::uuid, $4::text, m.organisation_id, m.id, $5::text,
				CASE WHEN m.organisation_id = $1 THEN $6::text[] ELSE $7::text[] END, ''::text
			FROM beneficiaries m WHERE m.id = $2 AND m.merged_into IS NULL AND EXISTS (SELECT 1 FROM r)`, "$8::text[]", "$9") + `
		SELECT * FROM r`
	serviceOwned      = `EXISTS (SELECT 1 FROM beneficiaries o WHERE o.id = $1 AND o.organisation_id = $2)`
	serviceDetailsSQL = `SELECT legal_status, since, organisation_id, create_time FROM legal_status_history
		WHERE beneficiary_id = $1 AND ` + serviceOwned + ` ORDER BY since, create_time, id`
	serviceDocumentsSQL = `SELECT id, beneficiary_id, organisation_id, type, number, issuing_country, expiry_date, create_time
		FROM identity_documents WHERE beneficiary_id = $1 AND ` + serviceOwned + ` ORDER BY id`
	serviceHouseholdSQL = `SELECT household_id, relationship FROM household_members WHERE beneficiary_id = $1 AND ` + serviceOwned
)

// The audit fields the service records (domain.ViewFields).
var (
	grantedFields = []string{"given_name", "family_name", "original_script_name", "sex", "birth_year", "languages",
		"legal_status", "vulnerabilities", "municipality", "country"}
	ownerFields = append(append([]string{}, grantedFields...), "external_id", "birth_date", "nationality",
		"accommodation", "phone", "email", "notes", "legal_status_history", "documents", "household")
)

// batchTx hands outbox.Write a transaction that queues (db.Queuer) into a
// batch, so the outbox's own statements join it.
type batchTx struct {
	pgx.Tx
	b *pgx.Batch
}

func (t batchTx) Queue(sql string, args ...any) { t.b.Queue(sql, args...) }
func (t batchTx) QueueRow(sql string, args []any, scan func(pgx.Row) error) {
	t.b.Queue(sql, args...).QueryRow(scan)
}
func (t batchTx) QueueRows(sql string, args []any, read func(pgx.Rows) error) {
	t.b.Queue(sql, args...).Query(read)
}

// serviceRow receives serviceCols.
type serviceRow struct {
	row
	access, phone, email, notes, merged string
	since, mergeTime, eraseTime         *time.Time
}

func (r *serviceRow) dest() []any {
	return append(r.row.dest(), &r.access, &r.phone, &r.email, &r.notes, &r.since, &r.merged, &r.mergeTime, &r.eraseTime)
}

// pgxEquivalentIteration sends what the service sends for a create and a
// read, each RPC's statements in one round trip: a pgx.Batch from BEGIN to
// COMMIT for the create, one batch (one implicit transaction) for the read.
// The difference to grpc is the service's own cost: gRPC, principal,
// translation, tracing and its round trips beyond one per call.
func pgxEquivalentIteration(pool *pgxpool.Pool, org string) iteration {
	return func(ctx context.Context, n int64) error {
		id := ids.New()
		today := time.Now().UTC().Truncate(24 * time.Hour)
		name := "Load " + strconv.FormatInt(n, 10)
		var created serviceRow
		b := &pgx.Batch{}
		b.Queue("begin")
		b.Queue(serviceInsertSQL, org, id, nil, name, "", "", "unknown", nil, nil, false, "", []string{}, "asylum_seeker",
			"", "", "", []string{}, nil, "", "", "", nil, "load "+strconv.FormatInt(n, 10)).
			QueryRow(func(r pgx.Row) error { return r.Scan(created.dest()...) })
		b.Queue(serviceHistorySQL, ids.New(), id, "asylum_seeker", today, org)
		b.Queue(serviceAuditSQL, org, "load", []string{org}, []string{id}, "create", ownerFields, auditpg.PurposeArg(""), "", nil)
		if err := outbox.Write(ctx, batchTx{b: b}, events.Event{Type: events.BeneficiaryCreated,
			AggregateType: events.AggregateBeneficiary, AggregateID: id, OrganisationIDs: []string{org},
			Data: map[string]any{"beneficiary_id": id}}); err != nil {
			return err
		}
		b.Queue("commit")
		if err := pool.SendBatch(ctx, b).Close(); err != nil {
			return err
		}

		var read serviceRow
		b = &pgx.Batch{}
		b.Queue(serviceReadSQL, org, id, org, "load", "read", ownerFields, grantedFields, auditpg.PurposeArg(""), nil).
			QueryRow(func(r pgx.Row) error { return r.Scan(read.dest()...) })
		b.Queue(serviceDetailsSQL, id, org).Query(func(rows pgx.Rows) error {
			_, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (struct{}, error) {
				var status, o string
				var since, at time.Time
				return struct{}{}, r.Scan(&status, &since, &o, &at)
			})
			return err
		})
		b.Queue(serviceDocumentsSQL, id, org).Query(func(rows pgx.Rows) error {
			rows.Close()
			return rows.Err()
		})
		b.Queue(serviceHouseholdSQL, id, org).QueryRow(func(r pgx.Row) error {
			var h, rel string
			if err := r.Scan(&h, &rel); err != nil && err != pgx.ErrNoRows {
				return err
			}
			return nil
		})
		if err := pool.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		if read.id != id || created.id != id {
			return fmt.Errorf("read %s, want %s", read.id, id)
		}
		return nil
	}
}
