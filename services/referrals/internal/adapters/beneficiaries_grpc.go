package adapters

import (
	"context"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/audit"
	"github.com/spona/spona/pkg/audit/auditgrpc"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/protoenum"
	"github.com/spona/spona/services/referrals/internal/app"
	"github.com/spona/spona/services/referrals/internal/domain"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// BeneficiariesGRPC asks the beneficiaries service, as the calling
// organisation: every call carries a principal the referrals service issues
// for it, with the called method's scope alone (auth.Delegated).
type BeneficiariesGRPC struct {
	people benv1.BeneficiaryServiceClient
	access benv1.BeneficiaryAccessServiceClient
}

// NewBeneficiariesGRPC returns the adapter over conn.
func NewBeneficiariesGRPC(conn grpc.ClientConnInterface) *BeneficiariesGRPC {
	return &BeneficiariesGRPC{people: benv1.NewBeneficiaryServiceClient(conn), access: benv1.NewBeneficiaryAccessServiceClient(conn)}
}

// GrantState asks whether the caller's grant made for sourceID is live.
func (b *BeneficiariesGRPC) GrantState(ctx context.Context, beneficiaryID, sourceID string) (app.GrantState, error) {
	caller := auth.Caller(ctx)
	cctx := auth.Delegate(ctx, caller.OrganisationID, caller.ClientID)
	resp, err := b.access.CheckAccess(cctx, &benv1.CheckAccessRequest{BeneficiaryId: beneficiaryID, SourceId: sourceID})
	if status.Code(err) == codes.FailedPrecondition {
		// Merged or erased: access through this referral has ended.
		return app.GrantState{EndedReason: grpcx.Reason(err)}, nil
	}
	if err != nil {
		return app.GrantState{}, grpcx.FromDownstream(err, "beneficiary", beneficiaryID)
	}
	return app.GrantState{Live: resp.GetAccess() != benv1.AccessLevel_ACCESS_LEVEL_UNSPECIFIED, EndedReason: resp.GetEndedReason()}, nil
}

// AuditGRPC records reads of personal data held by referrals in the
// beneficiaries' audit log (RecordAccess), for the reader.
type AuditGRPC struct {
	access benv1.BeneficiaryAccessServiceClient
}

// NewAuditGRPC returns the audit log adapter over conn.
func NewAuditGRPC(conn grpc.ClientConnInterface) *AuditGRPC {
	return &AuditGRPC{access: benv1.NewBeneficiaryAccessServiceClient(conn)}
}

var _ app.AuditLog = (*AuditGRPC)(nil)

// Record implements app.AuditLog.
func (a *AuditGRPC) Record(ctx context.Context, act audit.Actor, action string, fields []string, reads []app.Read) error {
	rs := make([]auditgrpc.Read, len(reads))
	for i, r := range reads {
		rs[i] = auditgrpc.Read{BeneficiaryID: r.BeneficiaryID, Resource: "referrals/" + r.ReferralID}
	}
	return auditgrpc.Record(ctx, a.access, act, action, fields, "the referral", rs)
}

var _ app.Beneficiaries = (*BeneficiariesGRPC)(nil)

// View returns the dimensions of a beneficiary the caller can see. The
// beneficiaries service's refusal of the id the caller gave (a record
// merged into another: FAILED_PRECONDITION, BENEFICIARY_MERGED, naming the
// survivor) reaches the caller as given.
func (b *BeneficiariesGRPC) View(ctx context.Context, id string) (app.BeneficiaryView, error) {
	resp, err := b.people.GetBeneficiary(ctx, &benv1.GetBeneficiaryRequest{Id: id})
	if err != nil {
		return app.BeneficiaryView{}, grpcx.Relay(err, "beneficiary", id)
	}
	p := resp.GetBeneficiary()
	v := app.BeneficiaryView{
		Owned:        p.GetAccess() == benv1.AccessLevel_ACCESS_LEVEL_OWNER,
		Erased:       p.GetEraseTime() != nil,
		Sex:          protoenum.Code(p.GetSex()),
		BirthYear:    int(p.GetBirthYear()),
		LegalStatus:  protoenum.Code(p.GetLegalStatus()),
		Municipality: p.GetMunicipality(),
	}
	return v, nil
}

// Actor acts for an organisation the way the edge does for a partner's
// request: the calls it makes carry principals the referrals service issues
// for that organisation (with the scopes delegated to it). Used only to end
// the access a referral of that organisation granted.
type Actor struct{}

var _ app.Actor = Actor{}

// ServiceClientID names the referrals service as the client of what it does
// on its own.
const ServiceClientID = "spona-referrals"

// As returns ctx acting for organisationID.
func (Actor) As(ctx context.Context, organisationID string) (context.Context, error) {
	return auth.Delegate(ctx, organisationID, ServiceClientID), nil
}

// RecordAssistance records assistance the caller delivered, through the
// beneficiaries API as the caller. A type the schema does not know reaches
// it as the number given (protoenum.Pass), refused as unknown.
func (b *BeneficiariesGRPC) RecordAssistance(ctx context.Context, beneficiaryID string, a domain.Assistance, requestID string) (string, error) {
	resp, err := b.people.CreateAssistance(ctx, &benv1.CreateAssistanceRequest{BeneficiaryId: beneficiaryID, RequestId: requestID,
		Assistance: &benv1.Assistance{Type: protoenum.Pass[benv1.AssistanceType](a.Type), Date: a.Date, ServiceId: a.ServiceID,
			LocationId: a.LocationID, ProjectId: a.ProjectID, Notes: a.Notes, ReferralId: a.ReferralID}})
	if err != nil {
		return "", grpcx.Relay(err, "beneficiary", beneficiaryID)
	}
	return resp.GetAssistance().GetId(), nil
}

// VoidAssistance voids an assistance the caller recorded, through the
// beneficiaries API as the caller.
func (b *BeneficiariesGRPC) VoidAssistance(ctx context.Context, id, reason string) error {
	_, err := b.people.VoidAssistance(ctx, &benv1.VoidAssistanceRequest{Id: id,
		Reason: protoenum.Parse[benv1.AssistanceVoidReason](reason)})
	return grpcx.Relay(err, "assistance", id)
}
