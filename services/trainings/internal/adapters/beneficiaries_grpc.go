package adapters

import (
	"context"
	"maps"
	"slices"
	"strings"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/audit"
	"github.com/spona/spona/pkg/audit/auditgrpc"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/intconv"
	"github.com/spona/spona/services/trainings/internal/app"
	"github.com/spona/spona/services/trainings/internal/domain"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// BeneficiariesGRPC asks the beneficiaries service whether the organiser
// sees a person (CheckAccess), to count beneficiary participants by sex
// (CountBeneficiaries) and to record the organiser's reads and changes of
// beneficiary participants in the persons' audit logs (RecordAccess), for the calling
// organisation, under a principal of its own with the internal scope
// access.check, beneficiaries.count or audit.write only: no personal data
// is read.
type BeneficiariesGRPC struct {
	c benv1.BeneficiaryAccessServiceClient
}

// NewBeneficiariesGRPC returns the adapter over conn.
func NewBeneficiariesGRPC(conn grpc.ClientConnInterface) *BeneficiariesGRPC {
	return &BeneficiariesGRPC{c: benv1.NewBeneficiaryAccessServiceClient(conn)}
}

var _ app.Beneficiaries = (*BeneficiariesGRPC)(nil)

// CheckVisible implements app.Beneficiaries.
func (b *BeneficiariesGRPC) CheckVisible(ctx context.Context, beneficiaryID string) error {
	caller := auth.Caller(ctx)
	cctx := auth.Delegate(ctx, caller.OrganisationID, caller.ClientID)
	_, err := b.c.CheckAccess(cctx, &benv1.CheckAccessRequest{BeneficiaryId: beneficiaryID})
	if status.Code(err) == codes.FailedPrecondition {
		return errs.FailedPrecondition(grpcx.Reason(err), "%s", status.Convert(err).Message())
	}
	return grpcx.FromDownstream(err, "beneficiary", beneficiaryID)
}

// RecordReads implements app.Beneficiaries, each read naming the
// registration as its resource, as its REST path names it
// (trainingEvents/{event}/participants/{participant}).
func (b *BeneficiariesGRPC) RecordReads(ctx context.Context, act audit.Actor, action string, fields []string, reads []app.ParticipantRead) error {
	return auditgrpc.Record(ctx, b.c, act, action, fields, "the participants", registrations(reads))
}

// RecordChanges implements app.Beneficiaries, naming each registration as
// RecordReads does.
func (b *BeneficiariesGRPC) RecordChanges(ctx context.Context, act audit.Actor, action string, fields []string, refused string, changes []app.ParticipantRead) error {
	return auditgrpc.RecordChange(ctx, b.c, act, action, fields, refused, registrations(changes))
}

// registrations names each participant by its REST path.
func registrations(ps []app.ParticipantRead) []auditgrpc.Read {
	rs := make([]auditgrpc.Read, len(ps))
	for i, r := range ps {
		rs[i] = auditgrpc.Read{BeneficiaryID: r.BeneficiaryID, Resource: "trainingEvents/" + r.EventID + "/participants/" + r.ParticipantID}
	}
	return rs
}

// cohortChunk bounds the entries of one CountBeneficiaries call (the
// beneficiaries service takes at most 20,000, about 1 MB).
const cohortChunk = 20000

// CountCohorts implements app.Beneficiaries: the cohorts go in calls of at
// most cohortChunk entries (a cohort may be split over calls: each person
// is in one of them, with all of their entries, so its counts add up),
// under a principal of this service with the internal scope
// beneficiaries.count only. A member's age year goes only when counted by
// age band, their legal status date only when counted by legal status.
func (b *BeneficiariesGRPC) CountCohorts(ctx context.Context, cohorts []domain.Cohort, groupBy []string) (aggregate.Aggregate, error) {
	caller := auth.Caller(ctx)
	cctx := auth.Delegate(ctx, caller.OrganisationID, caller.ClientID)
	counts := map[string]*aggregate.Group{}
	var order []string
	send := func(req *benv1.CountBeneficiariesRequest) error {
		resp, err := b.c.CountBeneficiaries(cctx, req)
		if err != nil {
			return grpcx.FromDownstream(err, "beneficiaries", "")
		}
		for _, g := range aggregate.FromProto(resp.GetAggregate()).Groups {
			k := labelKey(g.Labels)
			if c, ok := counts[k]; ok {
				c.Count += g.Count
				continue
			}
			counts[k] = &g
			order = append(order, k)
		}
		return nil
	}
	req := &benv1.CountBeneficiariesRequest{GroupBy: groupBy}
	byAge := slices.Contains(groupBy, domain.DimAgeBand)
	byStatus := slices.Contains(groupBy, domain.DimLegalStatus)
	n := 0
	for _, c := range cohorts {
		pc := &benv1.BeneficiaryCohort{Labels: c.Labels}
		for _, m := range c.Members {
			entries := memberEntries(m, byAge, byStatus)
			if n > 0 && (n+len(entries) > cohortChunk || len(req.Cohorts) == maxCohorts) {
				if len(pc.Beneficiaries) > 0 {
					req.Cohorts = append(req.Cohorts, pc)
				}
				if err := send(req); err != nil {
					return aggregate.Aggregate{}, err
				}
				req, n = &benv1.CountBeneficiariesRequest{GroupBy: groupBy}, 0
				pc = &benv1.BeneficiaryCohort{Labels: c.Labels}
			}
			pc.Beneficiaries = append(pc.Beneficiaries, entries...)
			n += len(entries)
		}
		if len(pc.Beneficiaries) > 0 {
			req.Cohorts = append(req.Cohorts, pc)
		}
	}
	if len(req.Cohorts) > 0 {
		if err := send(req); err != nil {
			return aggregate.Aggregate{}, err
		}
	}
	var agg aggregate.Aggregate
	for _, k := range order {
		agg.Groups = append(agg.Groups, *counts[k])
	}
	agg.Sort()
	return agg, nil
}

// maxCohorts bounds the cohorts of one CountBeneficiaries call.
const maxCohorts = 1000

// memberOrganisations bounds the organisations named with one entry of a
// cohort (the beneficiaries service takes at most 100).
const memberOrganisations = 100

// memberEntries gives a member as the entries of a cohort: one, or one per
// memberOrganisations of the organisers named with them when there are
// more. The beneficiaries service counts a person given in several entries
// of one cohort once, as seen when one of the entries' organisations sees
// them, so the entries go in the same call (CountCohorts never splits
// them).
func memberEntries(m domain.CohortMember, byAge, byStatus bool) []*benv1.CountedBeneficiary {
	var entries []*benv1.CountedBeneficiary
	for orgs := range slices.Chunk(m.Organisers, memberOrganisations) {
		entries = append(entries, &benv1.CountedBeneficiary{BeneficiaryId: m.BeneficiaryID, OrganisationIds: orgs})
	}
	if len(entries) == 0 {
		entries = append(entries, &benv1.CountedBeneficiary{BeneficiaryId: m.BeneficiaryID})
	}
	for _, cb := range entries {
		if byAge {
			cb.AgeYear = intconv.Int32(m.AgeYear)
		}
		if byStatus {
			cb.LegalStatusDate = m.StatusDate.String()
		}
	}
	return entries
}

// labelKey identifies a group by its labels.
func labelKey(labels map[string]string) string {
	keys := slices.Sorted(maps.Keys(labels))
	var sb strings.Builder
	for _, k := range keys {
		sb.WriteString(k + "=" + labels[k] + "\x00")
	}
	return sb.String()
}
