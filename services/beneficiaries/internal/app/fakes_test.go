package app

import (
	"context"

	auditlog "github.com/spona/spona/pkg/audit"
	"github.com/spona/spona/pkg/events"
)

// journal is what every use-case fake shares: it keeps the audit records
// (AuditStore.AppendAudit) and the events (Outbox.Emit) written. A fake
// embeds it and defines the Repository methods its use cases call; any
// other panics on the nil Repository.
type journal struct {
	Repository
	audit   []auditlog.Record
	emitted []events.Event
	// locks lists the persons read through LockBeneficiary, as
	// "<id> <lock>".
	locks []string
}

func (j *journal) lock(id string, lock Lock) {
	j.locks = append(j.locks, id+" "+map[Lock]string{LockRecords: "records", LockPerson: "person"}[lock])
}

func (j *journal) AppendAudit(_ context.Context, recs []auditlog.Record) error {
	j.audit = append(j.audit, recs...)
	return nil
}

func (j *journal) Emit(_ context.Context, evs ...events.Event) error {
	j.emitted = append(j.emitted, evs...)
	return nil
}

// violationsOf is the violations a case expects: none, or one of field.
func violationsOf(field string) []string {
	if field == "" {
		return nil
	}
	return []string{field}
}

// actions lists the audit actions recorded, in order.
func actions(recs []auditlog.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.Action)
	}
	return out
}

// types lists the event types emitted, in order.
func types(evs []events.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}
