package ports

import (
	"context"
	"log/slog"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/imports"
	"github.com/spona/spona/pkg/imports/importsgrpc"
	"github.com/spona/spona/pkg/imports/importsjob"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// Import implements pb.BeneficiaryImportServiceServer.
type Import struct {
	pb.UnimplementedBeneficiaryImportServiceServer
	runner *importsjob.Runner
	env    importsjob.Env
	log    *slog.Logger
}

// NewImport returns the import port over runner.
func NewImport(runner *importsjob.Runner, env importsjob.Env, log *slog.Logger) *Import {
	return &Import{runner: runner, env: env, log: log}
}

// ImportBeneficiaries receives an uploaded file and starts its import.
func (s *Import) ImportBeneficiaries(stream grpc.ClientStreamingServer[pb.ImportBeneficiariesRequest, longrunningpb.Operation]) error {
	ctx := stream.Context()
	act, err := actor(ctx)
	if err != nil {
		return err
	}
	req, contentType, data, err := importsgrpc.ReceiveFile(stream.Recv, s.env)
	if err != nil {
		return err
	}
	imp, err := s.runner.Upload(ctx, &imports.Upload{
		Kind: imports.KindBeneficiaries, OrganisationID: act.OrganisationID, ClientID: act.ClientID, Purpose: act.Purpose,
		Options: imports.Options{ValidateOnly: req.GetValidateOnly(), OnError: req.GetOnError(), OnDuplicate: req.GetOnDuplicate(),
			RequestID: grpcx.RequestID(ctx, req.GetRequestId())},
		ContentType: contentType, Data: data,
	})
	if err != nil {
		return err
	}
	op, err := importsgrpc.Operation(ctx, s.log, imp)
	if err != nil {
		return err
	}
	return stream.SendAndClose(op)
}

// GetBeneficiaryImportTemplate returns an empty register to fill in.
func (s *Import) GetBeneficiaryImportTemplate(ctx context.Context, req *pb.GetBeneficiaryImportTemplateRequest) (*httpbody.HttpBody, error) {
	body, name, err := importsgrpc.Template(req.GetFormat(), "beneficiaries", domain.SheetColumns, domain.SheetWords)
	if err != nil {
		return nil, err
	}
	_ = grpc.SetHeader(ctx, metadata.Pairs("content-disposition", `attachment; filename="`+name+`"`))
	return body, nil
}
