package ports

import (
	"context"
	"log/slog"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/imports"
	"github.com/spona/spona/pkg/imports/importsgrpc"
	"github.com/spona/spona/pkg/imports/importsjob"
	"github.com/spona/spona/pkg/sheet"
	"github.com/spona/spona/services/trainings/internal/app"
	"github.com/spona/spona/services/trainings/internal/domain"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// Import implements pb.ParticipantImportServiceServer.
type Import struct {
	pb.UnimplementedParticipantImportServiceServer
	app    *app.App
	runner *importsjob.Runner
	env    importsjob.Env
	log    *slog.Logger
}

// NewImport returns the import port.
func NewImport(a *app.App, runner *importsjob.Runner, env importsjob.Env, log *slog.Logger) *Import {
	return &Import{app: a, runner: runner, env: env, log: log}
}

// ImportParticipants starts an import of an event's sign-in sheet.
func (s *Import) ImportParticipants(ctx context.Context, req *pb.ImportParticipantsRequest) (*longrunningpb.Operation, error) {
	p := auth.Caller(ctx)
	contentType, data, err := importsgrpc.TakeFile(&req.File, s.env)
	if err != nil {
		return nil, err
	}
	spec, parent, err := s.app.ParticipantImportSpec(ctx, p, req.GetEventId())
	if err != nil {
		return nil, err
	}
	imp, err := s.runner.Upload(ctx, &imports.Upload{
		Kind: imports.KindParticipants, Parent: parent, OrganisationID: p.OrganisationID, ClientID: p.ClientID,
		Options: imports.Options{ValidateOnly: req.GetValidateOnly(), OnError: req.GetOnError(), OnDuplicate: req.GetOnDuplicate(),
			RequestID: grpcx.RequestID(ctx, req.GetRequestId())},
		ContentType: contentType, Data: sheet.Pieces{data}, Spec: spec,
	})
	if err != nil {
		return nil, err
	}
	return importsgrpc.Operation(ctx, s.log, imp)
}

// GetParticipantImportTemplate returns an empty sign-in sheet of the event.
func (s *Import) GetParticipantImportTemplate(ctx context.Context, req *pb.GetParticipantImportTemplateRequest) (*httpbody.HttpBody, error) {
	extra, err := s.app.ParticipantImportHeaders(ctx, auth.Caller(ctx), req.GetEventId())
	if err != nil {
		return nil, err
	}
	body, name, err := importsgrpc.Template(req.GetFormat(), "participants", domain.ParticipantColumns, domain.ParticipantWords, extra...)
	if err != nil {
		return nil, err
	}
	_ = grpc.SetHeader(ctx, metadata.Pairs("content-disposition", `attachment; filename="`+name+`"`))
	return body, nil
}
