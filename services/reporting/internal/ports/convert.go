package ports

import (
	"fmt"

	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/pkg/intconv"
	"github.com/spona/spona/pkg/protoenum"
	"github.com/spona/spona/services/reporting/internal/domain"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func narrativesFromProto(in []*pb.Narrative) []domain.Narrative {
	var out []domain.Narrative
	for _, n := range in {
		out = append(out, domain.Narrative{Lang: n.GetLang(), Text: n.GetText()})
	}
	return out
}

func narrativesToProto(in []domain.Narrative) []*pb.Narrative {
	var out []*pb.Narrative
	for _, n := range in {
		out = append(out, &pb.Narrative{Lang: n.Lang, Text: n.Text})
	}
	return out
}

func rangeToProto(from, to date.Date) *commonv1.DateRange {
	return &commonv1.DateRange{StartDate: from.String(), EndDate: to.String()}
}

// enumNumber keeps a number the schema does not know, so validation can
// refuse it instead of it silently becoming "unspecified".
func enumNumber[E ~int32](e E) int { return int(e) }

func projectFromProto(in *pb.Project) (*domain.Project, error) {
	var v errs.Violations
	pr := &domain.Project{
		Code:               in.GetCode(),
		Titles:             narrativesFromProto(in.GetTitles()),
		Descriptions:       narrativesFromProto(in.GetDescriptions()),
		GeneralObjectives:  narrativesFromProto(in.GetGeneralObjectives()),
		SpecificObjectives: narrativesFromProto(in.GetSpecificObjectives()),
		ReportingOrgNames:  narrativesFromProto(in.GetReportingOrganisationNames()),
		ReportingOrgType:   in.GetReportingOrganisationType(),
		PlannedStart:       date.ParseField(&v, "project.planned_start_date", in.GetPlannedStartDate()),
		PlannedEnd:         date.ParseField(&v, "project.planned_end_date", in.GetPlannedEndDate()),
		ActualStart:        date.ParseField(&v, "project.actual_start_date", in.GetActualStartDate()),
		ActualEnd:          date.ParseField(&v, "project.actual_end_date", in.GetActualEndDate()),
		Status:             enumNumber(in.GetActivityStatus()),
		Countries:          in.GetRecipientCountries(),
		Municipalities:     in.GetMunicipalities(),
		Sectors:            in.GetSectors(),
	}
	// An out-of-range threshold must not wrap around when narrowed later.
	pr.SuppressionThreshold = int(in.GetSuppressionThreshold())
	for _, o := range in.GetParticipatingOrganisations() {
		pr.Participants = append(pr.Participants, domain.ParticipatingOrg{
			OrganisationID: o.GetOrganisationId(),
			Ref:            o.GetRef(),
			Type:           o.GetType(),
			Role:           enumNumber(o.GetRole()),
			Names:          narrativesFromProto(o.GetNames()),
		})
	}
	for i, b := range in.GetBudgets() {
		f := fmt.Sprintf("project.budgets[%d]", i)
		pr.Budgets = append(pr.Budgets, domain.Budget{
			Start:     date.ParseField(&v, f+".period.start_date", b.GetPeriod().GetStartDate()),
			End:       date.ParseField(&v, f+".period.end_date", b.GetPeriod().GetEndDate()),
			Value:     domain.Money{Amount: b.GetValue().GetAmount(), Currency: b.GetValue().GetCurrencyCode()},
			ValueDate: date.ParseField(&v, f+".value_date", b.GetValueDate()),
		})
	}
	return pr, v.Err()
}

func projectToProto(pr *domain.Project) *pb.Project {
	out := &pb.Project{
		Id:                         pr.ID,
		Code:                       pr.Code,
		Titles:                     narrativesToProto(pr.Titles),
		Descriptions:               narrativesToProto(pr.Descriptions),
		GeneralObjectives:          narrativesToProto(pr.GeneralObjectives),
		SpecificObjectives:         narrativesToProto(pr.SpecificObjectives),
		ImplementingOrganisationId: pr.ImplementingOrganisationID,
		ReportingOrganisationNames: narrativesToProto(pr.ReportingOrgNames),
		ReportingOrganisationType:  pr.ReportingOrgType,
		PlannedStartDate:           pr.PlannedStart.String(),
		PlannedEndDate:             pr.PlannedEnd.String(),
		ActualStartDate:            pr.ActualStart.String(),
		ActualEndDate:              pr.ActualEnd.String(),
		ActivityStatus:             pb.ActivityStatus(intconv.Int32(pr.Status)),
		RecipientCountries:         pr.Countries,
		Municipalities:             pr.Municipalities,
		Sectors:                    pr.Sectors,
		SuppressionThreshold:       intconv.Int32(pr.SuppressionThreshold),
		Etag:                       etag.Of(pr.Version),
		CreateTime:                 timestamppb.New(pr.CreateTime),
		UpdateTime:                 timestamppb.New(pr.UpdateTime),
	}
	for _, o := range pr.Participants {
		out.ParticipatingOrganisations = append(out.ParticipatingOrganisations, &pb.ParticipatingOrganisation{
			OrganisationId: o.OrganisationID, Ref: o.Ref, Type: o.Type,
			Role: pb.OrganisationRole(intconv.Int32(o.Role)), Names: narrativesToProto(o.Names),
		})
	}
	for _, b := range pr.Budgets {
		out.Budgets = append(out.Budgets, &pb.Budget{
			Period:    rangeToProto(b.Start, b.End),
			Value:     &pb.Money{Amount: b.Value.Amount, CurrencyCode: b.Value.Currency},
			ValueDate: b.ValueDate.String(),
		})
	}
	return out
}

func indicatorFromProto(in *pb.Indicator) (*domain.Indicator, error) {
	var v errs.Violations
	out := &domain.Indicator{
		Code:               in.GetCode(),
		Titles:             narrativesFromProto(in.GetTitles()),
		Unit:               in.GetUnit(),
		Measure:            protoenum.Code(in.GetMeasure()),
		LowerIsBetter:      in.GetLowerIsBetter(),
		CountsPersons:      in.GetCountsPersons(),
		CountsPersonsUnset: in.CountsPersons == nil,
		Level:              protoenum.Code(in.GetLevel()),
		Baseline: domain.Baseline{
			Value: in.GetBaseline().GetValue(),
			Date:  date.ParseField(&v, "indicator.baseline.date", in.GetBaseline().GetDate()),
		},
		Metric:          protoenum.Code(in.GetMetric()),
		Disaggregations: in.GetDisaggregations(),
	}
	for i, t := range in.GetTargets() {
		f := fmt.Sprintf("indicator.targets[%d].period", i)
		out.Targets = append(out.Targets, domain.Target{
			Start: date.ParseField(&v, f+".start_date", t.GetPeriod().GetStartDate()),
			End:   date.ParseField(&v, f+".end_date", t.GetPeriod().GetEndDate()),
			Value: t.GetValue(),
		})
	}
	return out, v.Err()
}

func valueFromProto(in *pb.IndicatorValue) (domain.Value, error) {
	var v errs.Violations
	out := domain.Value{
		Start:   date.ParseField(&v, "value.period.start_date", in.GetPeriod().GetStartDate()),
		End:     date.ParseField(&v, "value.period.end_date", in.GetPeriod().GetEndDate()),
		Value:   in.GetValue(),
		Comment: in.GetComment(),
	}
	return out, v.Err()
}

func baselineToProto(b domain.Baseline) *pb.Baseline {
	if b.Value == "" && !b.Suppressed {
		return nil
	}
	return &pb.Baseline{Value: b.Value, Date: b.Date.String(), Suppressed: b.Suppressed}
}

func targetsToProto(ts []domain.Target) []*pb.Target {
	var out []*pb.Target
	for _, t := range ts {
		out = append(out, &pb.Target{Period: rangeToProto(t.Start, t.End), Value: t.Value})
	}
	return out
}

func indicatorToProto(in *domain.Indicator) *pb.Indicator {
	out := &pb.Indicator{
		Id:              in.ID,
		ProjectId:       in.ProjectID,
		Code:            in.Code,
		Titles:          narrativesToProto(in.Titles),
		Unit:            in.Unit,
		Measure:         protoenum.Parse[pb.IndicatorMeasure](in.Measure),
		LowerIsBetter:   in.LowerIsBetter,
		CountsPersons:   &in.CountsPersons,
		Level:           protoenum.Parse[pb.IndicatorLevel](in.Level),
		Baseline:        baselineToProto(in.Baseline),
		Targets:         targetsToProto(in.Targets),
		Metric:          protoenum.Parse[pb.Metric](in.Metric),
		Disaggregations: in.Disaggregations,
		Etag:            etag.OfView(in.Version, in.View),
		CreateTime:      timestamppb.New(in.CreateTime),
		UpdateTime:      timestamppb.New(in.UpdateTime),
	}
	for _, v := range in.Values {
		pv := &pb.IndicatorValue{Period: rangeToProto(v.Start, v.End), Value: v.Value, Comment: v.Comment,
			Suppressed: v.Suppressed, RecordedByOrganisationId: v.Recorder.OrganisationID, RecordedByClientId: v.Recorder.ClientID}
		if !v.Recorder.Time.IsZero() {
			pv.RecordTime = timestamppb.New(v.Recorder.Time)
		}
		out.Values = append(out.Values, pv)
	}
	return out
}

func cellToProto(c domain.Cell) *pb.Cell {
	return &pb.Cell{Label: c.Label, Value: domain.CellValue(c), Suppressed: c.Suppressed, Name: c.Name, Unverified: c.Unverified, Parent: c.Parent}
}

func reportToProto(r *domain.Report) *pb.ProjectReport {
	out := &pb.ProjectReport{
		ProjectId:            r.Project.ID,
		ProjectCode:          r.Project.Code,
		ProjectTitles:        narrativesToProto(r.Project.Titles),
		Period:               rangeToProto(r.From, r.To),
		SuppressionThreshold: intconv.Int32(r.Threshold),
		GenerateTime:         timestamppb.New(r.GenerateTime),
	}
	for i := range r.Results {
		res := &r.Results[i]
		in := res.Indicator
		pr := &pb.IndicatorResult{
			IndicatorId: in.ID,
			Code:        in.Code,
			Titles:      narrativesToProto(in.Titles),
			Level:       protoenum.Parse[pb.IndicatorLevel](in.Level),
			Unit:        in.Unit,
			Metric:      protoenum.Parse[pb.Metric](in.Metric),
			Baseline:    baselineToProto(in.Baseline),
			Target:      res.Target,
			Targets:     targetsToProto(res.Targets),
			Actual:      &pb.Cell{Value: res.ActualValue(), Suppressed: res.Actual.Total.Suppressed},
			Measure:     protoenum.Parse[pb.IndicatorMeasure](in.Measure),
		}
		if !res.TargetPeriod.IsZero() {
			pr.TargetPeriod = rangeToProto(res.TargetPeriod.Start, res.TargetPeriod.End)
		}
		if !res.ValuePeriod.IsZero() {
			pr.ActualPeriod = rangeToProto(res.ValuePeriod.Start, res.ValuePeriod.End)
		}
		for _, f := range res.Periods {
			pr.Periods = append(pr.Periods, &pb.PeriodResult{Period: rangeToProto(f.Start, f.End), Target: f.Target, Actual: f.Value})
		}
		for _, b := range res.Actual.Breakdowns {
			d := &pb.Disaggregation{Dimension: b.Dimension}
			for _, c := range b.Cells {
				d.Cells = append(d.Cells, cellToProto(c))
			}
			pr.Disaggregations = append(pr.Disaggregations, d)
		}
		out.Results = append(out.Results, pr)
	}
	return out
}

func auditEventToProto(e domain.AuditEvent) (*pb.ProjectAuditEvent, error) {
	out := &pb.ProjectAuditEvent{
		Id: e.ID, CreateTime: timestamppb.New(e.Time), ActorOrganisationId: e.ActorOrganisationID, ActorClientId: e.ActorClientID,
		ProjectId: e.ProjectID, IndicatorId: e.IndicatorID, Action: e.Action, Fields: e.Fields,
		ValueBefore: e.ValueBefore, ValueAfter: e.ValueAfter,
	}
	if !e.Start.IsZero() {
		out.Period = rangeToProto(e.Start, e.End)
	}
	var err error
	if e.Before != nil {
		if out.Before, err = structpb.NewStruct(e.Before); err != nil {
			return nil, fmt.Errorf("audit record %d before: %w", e.ID, err)
		}
	}
	if e.After != nil {
		if out.After, err = structpb.NewStruct(e.After); err != nil {
			return nil, fmt.Errorf("audit record %d after: %w", e.ID, err)
		}
	}
	return out, nil
}
