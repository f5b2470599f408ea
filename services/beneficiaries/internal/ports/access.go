package ports

import (
	"context"
	"fmt"
	"time"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/intconv"
	"github.com/spona/spona/pkg/protoenum"
	"github.com/spona/spona/services/beneficiaries/internal/app"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Access implements pb.BeneficiaryAccessServiceServer, the internal RPCs
// the referrals service uses.
type Access struct {
	pb.UnimplementedBeneficiaryAccessServiceServer
	app *app.App
}

// NewAccess returns the internal access port of a.
func NewAccess(a *app.App) *Access { return &Access{app: a} }

func (s *Access) CheckConsent(ctx context.Context, req *pb.CheckConsentRequest) (*pb.CheckConsentResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.app.CheckConsent(ctx, act, req.GetBeneficiaryId(), protoenum.Code(req.GetPurpose()))
	if err != nil {
		return nil, err
	}
	if c == nil {
		return &pb.CheckConsentResponse{}, nil
	}
	return &pb.CheckConsentResponse{Live: true, ConsentId: c.ID, ExpireTime: timestamp(c.ExpireTime)}, nil
}

func (s *Access) GrantAccess(ctx context.Context, req *pb.GrantAccessRequest) (*pb.GrantAccessResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var v errs.Violations
	expire := grpcx.Time(&v, "expire_time", req.GetExpireTime())
	if err := v.Err(); err != nil {
		return nil, err
	}
	g, err := s.app.GrantAccess(ctx, act, &domain.Grant{
		BeneficiaryID:         req.GetBeneficiaryId(),
		GranteeOrganisationID: req.GetGranteeOrganisationId(),
		SourceID:              req.GetSourceId(),
		Reason:                req.GetReason(),
		ExpireTime:            expire,
		ConsentID:             req.GetConsentId(),
	})
	if err != nil {
		return nil, err
	}
	return &pb.GrantAccessResponse{Grant: grantToProto(g)}, nil
}

func (s *Access) RevokeAccess(ctx context.Context, req *pb.RevokeAccessRequest) (*pb.RevokeAccessResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	n, err := s.app.RevokeAccess(ctx, act, req.GetBeneficiaryId(), req.GetSourceId())
	if err != nil {
		return nil, err
	}
	return &pb.RevokeAccessResponse{Revoked: intconv.Int32(n)}, nil
}

// CountBeneficiaries counts persons the caller knows by id by their own
// data (the trainings service's beneficiary participants by sex, age
// band, legal status).
func (s *Access) CountBeneficiaries(ctx context.Context, req *pb.CountBeneficiariesRequest) (*pb.CountBeneficiariesResponse, error) {
	var v errs.Violations
	cohorts := make([]domain.Cohort, len(req.GetCohorts()))
	for i, c := range req.GetCohorts() {
		cohorts[i].Labels = c.GetLabels()
		cohorts[i].Members = make([]domain.CohortMember, len(c.GetBeneficiaries()))
		for j, m := range c.GetBeneficiaries() {
			cohorts[i].Members[j] = domain.CohortMember{BeneficiaryID: m.GetBeneficiaryId(), OrganisationIDs: m.GetOrganisationIds(),
				AgeYear: int(m.GetAgeYear())}
			if s := m.GetLegalStatusDate(); s != "" {
				// The field is named only when it is wrong: a call holds up
				// to 20,000 members.
				d, err := date.Parse(s)
				if err != nil {
					v.Add(fmt.Sprintf("cohorts[%d].beneficiaries[%d].legal_status_date", i, j), "must be a date in YYYY-MM-DD form")
				}
				cohorts[i].Members[j].StatusDate = d
			}
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	agg, err := s.app.CountCohorts(ctx, cohorts, req.GetGroupBy())
	if err != nil {
		return nil, err
	}
	return &pb.CountBeneficiariesResponse{Aggregate: aggregate.ToProto(agg)}, nil
}

func (s *Access) CheckAccess(ctx context.Context, req *pb.CheckAccessRequest) (*pb.CheckAccessResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.app.CheckAccess(ctx, act, req.GetBeneficiaryId(), req.GetSourceId())
	if err != nil {
		return nil, err
	}
	return &pb.CheckAccessResponse{
		Access:      protoenum.Parse[pb.AccessLevel](c.Access),
		EndedReason: c.EndedReason,
		ConsentId:   c.ConsentID,
	}, nil
}

func (s *Access) RecordAccess(ctx context.Context, req *pb.RecordAccessRequest) (*pb.RecordAccessResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	act = act.WithPurpose(req.GetPurpose())
	reads := make([]domain.Read, len(req.GetResources()))
	for i, r := range req.GetResources() {
		reads[i] = domain.Read{BeneficiaryID: r.GetBeneficiaryId(), Resource: r.GetResource()}
	}
	n, err := s.app.RecordAccess(ctx, act, req.GetAction(), req.GetFields(), reads)
	if err != nil {
		return nil, err
	}
	return &pb.RecordAccessResponse{Recorded: intconv.Int32(n)}, nil
}

func grantToProto(g *domain.Grant) *pb.AccessGrant {
	return &pb.AccessGrant{
		Id:                      g.ID,
		BeneficiaryId:           g.BeneficiaryID,
		GranteeOrganisationId:   g.GranteeOrganisationID,
		GrantedByOrganisationId: g.GrantedBy,
		SourceId:                g.SourceID,
		Reason:                  g.Reason,
		CreateTime:              timestamp(g.CreateTime),
		ExpireTime:              timestamp(g.ExpireTime),
		RevokeTime:              timestamp(g.RevokeTime),
	}
}

// timestamp maps the zero time to an unset field.
func timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}
