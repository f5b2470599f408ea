package adapters

import (
	"context"

	refv1 "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/protoenum"
	"github.com/spona/spona/services/beneficiaries/internal/app"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
	"google.golang.org/grpc"
)

// DirectoryGRPC reads services from the directory of the referrals service.
//
// It calls for the calling organisation, with a principal the
// beneficiaries service issues (directory.read, delegated to it:
// auth.Delegated), not the caller's own scopes: recording assistance needs
// beneficiaries.write, and the directory (no personal data) is readable by
// every partner, so a key without directory.read still names the service
// it delivered.
type DirectoryGRPC struct {
	c refv1.DirectoryServiceClient
}

// NewDirectoryGRPC returns the adapter over conn (a connection issuing the
// beneficiaries service's principals).
func NewDirectoryGRPC(conn grpc.ClientConnInterface) *DirectoryGRPC {
	return &DirectoryGRPC{c: refv1.NewDirectoryServiceClient(conn)}
}

var _ app.Directory = (*DirectoryGRPC)(nil)

// Service implements app.Directory.
func (d *DirectoryGRPC) Service(ctx context.Context, id string) (domain.DirectoryService, error) {
	caller := auth.Caller(ctx)
	resp, err := d.c.GetService(auth.Delegate(ctx, caller.OrganisationID, caller.ClientID), &refv1.GetServiceRequest{Id: id})
	if err != nil {
		return domain.DirectoryService{}, grpcx.FromDownstream(err, "service", id)
	}
	s := resp.GetService()
	out := domain.DirectoryService{ID: s.GetId(), OrganisationID: s.GetOrganisationId(), Category: protoenum.Code(s.GetCategory())}
	for _, l := range s.GetLocations() {
		out.LocationIDs = append(out.LocationIDs, l.GetId())
	}
	return out, nil
}
