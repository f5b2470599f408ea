package adapters

import (
	"context"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/services/referrals/internal/app"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// ReferralConsent asks whether the beneficiary's referral_sharing consent
// is live; a refusal of the id is passed on as View passes it.
func (b *BeneficiariesGRPC) ReferralConsent(ctx context.Context, id string) (app.Consent, error) {
	resp, err := b.access.CheckConsent(ctx, &benv1.CheckConsentRequest{
		BeneficiaryId: id, Purpose: benv1.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING})
	if err != nil {
		return app.Consent{}, grpcx.Relay(err, "beneficiary", id)
	}
	c := app.Consent{Live: resp.GetLive(), ID: resp.GetConsentId()}
	if resp.GetExpireTime() != nil {
		c.Expires = resp.GetExpireTime().AsTime()
	}
	return c, nil
}

// GrantAccess gives the receiver of a referral a reduced view of the beneficiary.
func (b *BeneficiariesGRPC) GrantAccess(ctx context.Context, g app.Grant) error {
	req := &benv1.GrantAccessRequest{BeneficiaryId: g.BeneficiaryID, GranteeOrganisationId: g.Grantee, SourceId: g.SourceID, Reason: g.Reason,
		ConsentId: g.ConsentID}
	if !g.Expires.IsZero() {
		req.ExpireTime = timestamppb.New(g.Expires)
	}
	_, err := b.access.GrantAccess(ctx, req)
	if st, ok := status.FromError(err); ok && st.Code() == codes.FailedPrecondition {
		// The consent lapsed between the check and the grant (or is no
		// longer the one the referral records).
		return errs.FailedPrecondition("CONSENT_REQUIRED", "%s", st.Message())
	}
	return grpcx.FromDownstream(err, "beneficiary", g.BeneficiaryID)
}

// RevokeAccess ends the grants made for a referral.
func (b *BeneficiariesGRPC) RevokeAccess(ctx context.Context, beneficiaryID, sourceID string) error {
	_, err := b.access.RevokeAccess(ctx, &benv1.RevokeAccessRequest{BeneficiaryId: beneficiaryID, SourceId: sourceID})
	return grpcx.FromDownstream(err, "beneficiary", beneficiaryID)
}
