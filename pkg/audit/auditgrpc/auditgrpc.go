// Package auditgrpc is how a service other than beneficiaries records the
// reads of personal data it answers with (referrals: a referral's reason
// and notes; trainings: a beneficiary participant's registration), and its
// changes of personal data (trainings: a beneficiary participant's
// registration, attendance, scores and certificate), in the person's audit
// log, which the beneficiaries service keeps: one RecordAccess call, for
// the caller's organisation and client, before the answer goes out (a
// change: as the last step of its transaction, once nothing in it can
// refuse the commit: RecordChange). An answer whose reads, or a change
// whose record, cannot be written is refused, and the change is not made;
// a change that is not made leaves no record.
package auditgrpc

import (
	"context"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/audit"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
)

// Read is one person's data an answer shows or a change changes, named by
// the resource the REST path names (referrals/{id}).
type Read struct {
	BeneficiaryID string
	Resource      string
}

// Record appends act's reads to the audit log through access (under a
// principal delegated for act's organisation and client, with the
// audit.write its process issues: auth.Delegated). When the log is
// unavailable it is UNAVAILABLE, saying that shown (what the answer holds:
// "the referral") cannot be shown; any other failure is INTERNAL.
func Record(ctx context.Context, access benv1.BeneficiaryAccessServiceClient, act audit.Actor, action string, fields []string, shown string, reads []Read) error {
	return record(ctx, access, act, action, fields, reads, "so "+shown+" cannot be shown; retry later")
}

// RecordChange appends act's change of the persons' data (action, such as
// "training_participant.record_attendance", and the fields it writes) to
// the audit log as Record appends reads. The caller calls it in the
// change's transaction (ctx carries it: db.WithTx), and the record is
// written as that transaction's last step (db.Pipe.BeforeCommit): after
// every other statement of it has run and its deferred constraints have
// been checked, so a change refused by the database, or whose transaction
// fails before that point (a later statement, the caller gone), leaves no
// record; and before its COMMIT, so no change is made without its record.
// From the commit on, the caller's end (a client gone) cancels neither the
// record nor the COMMIT. When the log cannot be
// written the change is rolled back and the transaction's commit fails:
// UNAVAILABLE when the log is unavailable, saying that refused ("the
// attendance cannot be recorded") and that nothing was changed; any other
// failure is INTERNAL. Outside a pipelined transaction the record is
// written at once.
func RecordChange(ctx context.Context, access benv1.BeneficiaryAccessServiceClient, act audit.Actor, action string, fields []string, refused string, changes []Read) error {
	write := func(ctx context.Context) error {
		return record(ctx, access, act, action, fields, changes, "so "+refused+"; nothing was changed, retry later")
	}
	if tx, ok := db.TxFrom(ctx); ok {
		if p, ok := tx.(*db.Pipe); ok {
			p.BeforeCommit(write)
			return nil
		}
	}
	return write(ctx)
}

func record(ctx context.Context, access benv1.BeneficiaryAccessServiceClient, act audit.Actor, action string, fields []string, reads []Read, unavailable string) error {
	cctx := auth.Delegate(ctx, act.OrganisationID, act.ClientID)
	req := &benv1.RecordAccessRequest{Action: action, Fields: fields, Purpose: act.Purpose}
	for _, r := range reads {
		req.Resources = append(req.Resources, &benv1.AccessedResource{BeneficiaryId: r.BeneficiaryID, Resource: r.Resource})
	}
	if _, err := access.RecordAccess(cctx, req); err != nil {
		if errs.KindOf(grpcx.FromDownstream(err, "audit log", "")) == errs.KindUnavailable {
			return errs.Wrap(errs.KindUnavailable, err, "the audit log is unavailable, "+unavailable)
		}
		return errs.Wrap(errs.KindInternal, err, "recording "+action+" in the audit log")
	}
	return nil
}
