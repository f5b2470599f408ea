// Package ports exposes the reporting application over gRPC. Handlers only
// translate between protobuf and domain types.
package ports

import (
	"context"

	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/protoenum"
	"github.com/spona/spona/services/reporting/internal/app"
	"github.com/spona/spona/services/reporting/internal/domain"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Scopes lists each RPC and the scope it needs. GetProjectReport also needs
// auth.ScopeAggregates, which the downstream aggregate RPCs require of the
// forwarded principal; the application checks it.
var Scopes = grpcx.Scopes{
	pb.ReportingService_CreateProject_FullMethodName:    auth.ScopeReportingWrite,
	pb.ReportingService_GetProject_FullMethodName:       auth.ScopeReportingRead,
	pb.ReportingService_ListProjects_FullMethodName:     auth.ScopeReportingRead,
	pb.ReportingService_GetProjectReport_FullMethodName: auth.ScopeReportingRead,
}

// GRPC implements pb.ReportingServiceServer.
type GRPC struct {
	pb.UnimplementedReportingServiceServer
	app *app.App
}

// NewGRPC returns the gRPC port of a.
func NewGRPC(a *app.App) *GRPC { return &GRPC{app: a} }

func (g *GRPC) CreateProject(ctx context.Context, req *pb.CreateProjectRequest) (*pb.CreateProjectResponse, error) {
	if req.GetProject() == nil {
		return nil, errs.Required("project")
	}
	pr, err := projectFromProto(req.GetProject())
	if err != nil {
		return nil, err
	}
	pr, err = g.app.CreateProject(ctx, auth.Caller(ctx), pr, grpcx.RequestID(ctx, req.GetRequestId()))
	if err != nil {
		return nil, err
	}
	return &pb.CreateProjectResponse{Project: projectToProto(pr)}, nil
}

func (g *GRPC) GetProject(ctx context.Context, req *pb.GetProjectRequest) (*pb.GetProjectResponse, error) {
	pr, err := g.app.GetProject(ctx, auth.Caller(ctx), req.GetId())
	if err != nil {
		return nil, err
	}
	return &pb.GetProjectResponse{Project: projectToProto(pr)}, nil
}

func (g *GRPC) ListProjects(ctx context.Context, req *pb.ListProjectsRequest) (*pb.ListProjectsResponse, error) {
	rows, next, err := g.app.ListProjects(ctx, auth.Caller(ctx), req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListProjectsResponse{NextPageToken: next}
	for _, pr := range rows {
		out.Projects = append(out.Projects, projectToProto(pr))
	}
	return out, nil
}

func (g *GRPC) GetProjectReport(ctx context.Context, req *pb.GetProjectReportRequest) (*pb.GetProjectReportResponse, error) {
	var v errs.Violations
	from := date.ParseField(&v, "start_date", req.GetStartDate())
	to := date.ParseField(&v, "end_date", req.GetEndDate())
	if err := v.Err(); err != nil {
		return nil, err
	}
	r, err := g.app.GetProjectReport(ctx, auth.Caller(ctx), req.GetProjectId(), from, to)
	if err != nil {
		return nil, err
	}
	return &pb.GetProjectReportResponse{Report: &pb.ProjectReport{
		ProjectId:             r.ProjectID,
		Period:                &commonv1.DateRange{StartDate: r.From.String(), EndDate: r.To.String()},
		BeneficiariesAssisted: aggregate.ToProto(r.BeneficiariesAssisted),
		ProfessionalsTrained:  aggregate.ToProto(r.ProfessionalsTrained),
		GenerateTime:          timestamppb.New(r.GenerateTime),
	}}, nil
}

func projectFromProto(in *pb.Project) (*domain.Project, error) {
	var v errs.Violations
	pr := &domain.Project{
		Code:         in.GetCode(),
		Title:        in.GetTitle(),
		Description:  in.GetDescription(),
		PlannedStart: date.ParseField(&v, "project.planned_start_date", in.GetPlannedStartDate()),
		PlannedEnd:   date.ParseField(&v, "project.planned_end_date", in.GetPlannedEndDate()),
		Budget: domain.Money{
			Amount:   in.GetBudget().GetAmount(),
			Currency: protoenum.Code(in.GetBudget().GetCurrency()),
		},
		Funder: in.GetFunder(),
	}
	return pr, v.Err()
}

func projectToProto(pr *domain.Project) *pb.Project {
	out := &pb.Project{
		Id:                         pr.ID,
		Code:                       pr.Code,
		Title:                      pr.Title,
		Description:                pr.Description,
		ImplementingOrganisationId: pr.ImplementingOrganisationID,
		PlannedStartDate:           pr.PlannedStart.String(),
		PlannedEndDate:             pr.PlannedEnd.String(),
		Funder:                     pr.Funder,
		CreateTime:                 timestamppb.New(pr.CreateTime),
	}
	if !pr.Budget.IsZero() {
		out.Budget = &pb.Money{Amount: pr.Budget.Amount, Currency: protoenum.Parse[pb.Currency](pr.Budget.Currency)}
	}
	return out
}
