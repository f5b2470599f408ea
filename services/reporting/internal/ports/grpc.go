// Package ports exposes the reporting application over gRPC. Handlers only
// translate between protobuf and domain types.
package ports

import (
	"context"

	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/services/reporting/internal/app"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

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

func (g *GRPC) UpdateProject(ctx context.Context, req *pb.UpdateProjectRequest) (*pb.UpdateProjectResponse, error) {
	if req.GetProject() == nil {
		return nil, errs.Required("project")
	}
	pr, err := projectFromProto(req.GetProject())
	if err != nil {
		return nil, err
	}
	pr.ID = req.GetProject().GetId()
	paths, err := grpcx.UpdatePaths(req.GetUpdateMask(), req.GetProject())
	if err != nil {
		return nil, err
	}
	pr, err = g.app.UpdateProject(ctx, auth.Caller(ctx), pr, req.GetProject().GetEtag(), paths)
	if err != nil {
		return nil, err
	}
	return &pb.UpdateProjectResponse{Project: projectToProto(pr)}, nil
}

func (g *GRPC) DeleteProject(ctx context.Context, req *pb.DeleteProjectRequest) (*pb.DeleteProjectResponse, error) {
	if err := g.app.DeleteProject(ctx, auth.Caller(ctx), req.GetId(), req.GetEtag()); err != nil {
		return nil, err
	}
	return &pb.DeleteProjectResponse{}, nil
}

func (g *GRPC) CreateIndicator(ctx context.Context, req *pb.CreateIndicatorRequest) (*pb.CreateIndicatorResponse, error) {
	if req.GetIndicator() == nil {
		return nil, errs.Required("indicator")
	}
	in, err := indicatorFromProto(req.GetIndicator())
	if err != nil {
		return nil, err
	}
	in, err = g.app.CreateIndicator(ctx, auth.Caller(ctx), req.GetProjectId(), in, grpcx.RequestID(ctx, req.GetRequestId()))
	if err != nil {
		return nil, err
	}
	return &pb.CreateIndicatorResponse{Indicator: indicatorToProto(in)}, nil
}

func (g *GRPC) GetIndicator(ctx context.Context, req *pb.GetIndicatorRequest) (*pb.GetIndicatorResponse, error) {
	in, err := g.app.GetIndicator(ctx, auth.Caller(ctx), req.GetProjectId(), req.GetId())
	if err != nil {
		return nil, err
	}
	return &pb.GetIndicatorResponse{Indicator: indicatorToProto(in)}, nil
}

func (g *GRPC) ListIndicators(ctx context.Context, req *pb.ListIndicatorsRequest) (*pb.ListIndicatorsResponse, error) {
	rows, next, err := g.app.ListIndicators(ctx, auth.Caller(ctx), req.GetProjectId(), req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListIndicatorsResponse{NextPageToken: next}
	for _, in := range rows {
		out.Indicators = append(out.Indicators, indicatorToProto(in))
	}
	return out, nil
}

func (g *GRPC) ListProjectAuditEvents(ctx context.Context, req *pb.ListProjectAuditEventsRequest) (*pb.ListProjectAuditEventsResponse, error) {
	var v errs.Violations
	from, to := grpcx.Time(&v, "start_time", req.GetStartTime()), grpcx.Time(&v, "end_time", req.GetEndTime())
	if err := v.Err(); err != nil {
		return nil, err
	}
	rows, next, err := g.app.ListProjectAuditEvents(ctx, auth.Caller(ctx), req.GetProjectId(), req.GetIndicatorId(), from, to,
		req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListProjectAuditEventsResponse{NextPageToken: next}
	for _, e := range rows {
		ev, err := auditEventToProto(e)
		if err != nil {
			return nil, err
		}
		out.AuditEvents = append(out.AuditEvents, ev)
	}
	return out, nil
}

func (g *GRPC) UpdateIndicator(ctx context.Context, req *pb.UpdateIndicatorRequest) (*pb.UpdateIndicatorResponse, error) {
	if req.GetIndicator() == nil {
		return nil, errs.Required("indicator")
	}
	in, err := indicatorFromProto(req.GetIndicator())
	if err != nil {
		return nil, err
	}
	in.ID, in.ProjectID = req.GetIndicator().GetId(), req.GetIndicator().GetProjectId()
	paths, err := grpcx.UpdatePaths(req.GetUpdateMask(), req.GetIndicator())
	if err != nil {
		return nil, err
	}
	in, err = g.app.UpdateIndicator(ctx, auth.Caller(ctx), in, req.GetIndicator().GetEtag(), paths)
	if err != nil {
		return nil, err
	}
	return &pb.UpdateIndicatorResponse{Indicator: indicatorToProto(in)}, nil
}

func (g *GRPC) DeleteIndicator(ctx context.Context, req *pb.DeleteIndicatorRequest) (*pb.DeleteIndicatorResponse, error) {
	if err := g.app.DeleteIndicator(ctx, auth.Caller(ctx), req.GetProjectId(), req.GetId(), req.GetEtag()); err != nil {
		return nil, err
	}
	return &pb.DeleteIndicatorResponse{}, nil
}

func (g *GRPC) RecordIndicatorValue(ctx context.Context, req *pb.RecordIndicatorValueRequest) (*pb.RecordIndicatorValueResponse, error) {
	if req.GetValue() == nil {
		return nil, errs.Required("value")
	}
	v, err := valueFromProto(req.GetValue())
	if err != nil {
		return nil, err
	}
	in, err := g.app.RecordValue(ctx, auth.Caller(ctx), req.GetProjectId(), req.GetIndicatorId(), v)
	if err != nil {
		return nil, err
	}
	return &pb.RecordIndicatorValueResponse{Indicator: indicatorToProto(in)}, nil
}

func (g *GRPC) GetProjectReport(ctx context.Context, req *pb.GetProjectReportRequest) (*pb.GetProjectReportResponse, error) {
	var v errs.Violations
	from := date.ParseField(&v, "start_date", req.GetStartDate())
	to := date.ParseField(&v, "end_date", req.GetEndDate())
	if err := v.Err(); err != nil {
		return nil, err
	}
	r, err := g.app.GetProjectReport(ctx, auth.Caller(ctx), req.GetProjectId(), from, to, req.GetUnsuppressed())
	if err != nil {
		return nil, err
	}
	return &pb.GetProjectReportResponse{Report: reportToProto(r)}, nil
}

func (g *GRPC) ExportProjectReport(ctx context.Context, req *pb.ExportProjectReportRequest) (*httpbody.HttpBody, error) {
	var v errs.Violations
	from := date.ParseField(&v, "start_date", req.GetStartDate())
	to := date.ParseField(&v, "end_date", req.GetEndDate())
	format, ok := parseFormat(req.GetFormat())
	if !ok {
		v.Add("format", "unknown format %q; one of json, csv, xlsx, iati", req.GetFormat())
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	report := g.app.GetProjectReport
	if format.iati {
		report = g.app.GetIATIReport
	}
	r, err := report(ctx, auth.Caller(ctx), req.GetProjectId(), from, to, req.GetUnsuppressed())
	if err != nil {
		return nil, err
	}
	body, err := renderExport(format, r)
	if err != nil {
		return nil, err
	}
	// The edge passes this header on as the HTTP Content-Disposition.
	_ = grpc.SetHeader(ctx, metadata.Pairs("content-disposition",
		`attachment; filename="`+fileName(r, format)+`"`))
	return body, nil
}

// Participation implements pb.ProjectParticipationServiceServer, the
// internal check the services make before tagging a record with a project.
type Participation struct {
	pb.UnimplementedProjectParticipationServiceServer
	app *app.App
}

// NewParticipation returns the participation port of a.
func NewParticipation(a *app.App) *Participation { return &Participation{app: a} }

func (g *Participation) CheckProjectParticipation(ctx context.Context, req *pb.CheckProjectParticipationRequest) (*pb.CheckProjectParticipationResponse, error) {
	ok, reason, err := g.app.CheckParticipation(ctx, auth.Caller(ctx), req.GetProjectId())
	if err != nil {
		return nil, err
	}
	return &pb.CheckProjectParticipationResponse{MayTag: ok, Reason: reason}, nil
}
