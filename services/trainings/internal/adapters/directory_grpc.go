package adapters

import (
	"context"
	"time"

	refv1 "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/protoenum"
	"github.com/spona/spona/services/trainings/internal/app"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// DirectoryGRPC reads the organisation directory of the referrals service.
//
// It calls as the calling organisation but with a principal of its own,
// scoped to directory.read only: registering a participant needs the
// trainings.write scope, and the directory (organisations, no personal data)
// is readable by every partner, so a key scoped to trainings alone must
// still be able to register professionals of directory organisations.
type DirectoryGRPC struct {
	c      refv1.DirectoryServiceClient
	signer *auth.Signer
}

// NewDirectoryGRPC returns the adapter over conn, signing its principal with
// signer.
func NewDirectoryGRPC(conn grpc.ClientConnInterface, signer *auth.Signer) *DirectoryGRPC {
	return &DirectoryGRPC{c: refv1.NewDirectoryServiceClient(conn), signer: signer}
}

var _ app.Directory = (*DirectoryGRPC)(nil)

// OrganisationKind implements app.Directory.
func (d *DirectoryGRPC) OrganisationKind(ctx context.Context, id string) (string, error) {
	caller := auth.Caller(ctx)
	tok, err := d.signer.Sign(auth.Principal{OrganisationID: caller.OrganisationID, ClientID: "trainings/" + caller.ClientID,
		Scopes: []string{auth.ScopeDirectoryRead}})
	if err != nil {
		return "", err
	}
	cctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(ctx, auth.MetadataKey, tok), 5*time.Second)
	defer cancel()
	resp, err := d.c.GetOrganisation(cctx, &refv1.GetOrganisationRequest{Id: id})
	if err != nil {
		return "", grpcx.FromDownstream(err, "organisation", id)
	}
	return protoenum.Code(resp.GetOrganisation().GetKind()), nil
}
