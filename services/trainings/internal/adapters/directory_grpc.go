package adapters

import (
	"context"

	refv1 "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/pkg/protoenum"
	"github.com/spona/spona/services/trainings/internal/app"
	"google.golang.org/grpc"
)

// DirectoryGRPC reads the organisation directory of the referrals service.
//
// It calls for the calling organisation, with a principal the trainings
// service issues (directory.read, delegated to it: auth.Delegated), not the
// caller's own scopes: registering a participant needs trainings.write, and
// the directory (organisations, no personal data) is readable by every
// partner, so a key scoped to trainings alone must still be able to
// register professionals of directory organisations.
type DirectoryGRPC struct {
	c refv1.DirectoryServiceClient
}

// NewDirectoryGRPC returns the adapter over conn (a connection issuing the
// trainings service's principals).
func NewDirectoryGRPC(conn grpc.ClientConnInterface) *DirectoryGRPC {
	return &DirectoryGRPC{c: refv1.NewDirectoryServiceClient(conn)}
}

var _ app.Directory = (*DirectoryGRPC)(nil)

// OrganisationKind implements app.Directory.
func (d *DirectoryGRPC) OrganisationKind(ctx context.Context, id string) (string, error) {
	resp, err := d.c.GetOrganisation(ctx, &refv1.GetOrganisationRequest{Id: id})
	if err != nil {
		return "", grpcx.FromDownstream(err, "organisation", id)
	}
	return protoenum.Code(resp.GetOrganisation().GetKind()), nil
}

// Organisations implements app.Directory: the directory's pages, read one
// after the other.
func (d *DirectoryGRPC) Organisations(ctx context.Context) ([]app.DirectoryOrganisation, error) {
	var out []app.DirectoryOrganisation
	token := ""
	for {
		resp, err := d.c.ListOrganisations(ctx, &refv1.ListOrganisationsRequest{PageSize: pagination.MaxSize, PageToken: token})
		if err != nil {
			return nil, grpcx.FromDownstream(err, "organisation", "")
		}
		for _, o := range resp.GetOrganisations() {
			names := []string{o.GetName()}
			for _, n := range o.GetLocalizedNames() {
				names = append(names, n)
			}
			out = append(out, app.DirectoryOrganisation{ID: o.GetId(), Kind: protoenum.Code(o.GetKind()), Names: names})
		}
		if token = resp.GetNextPageToken(); token == "" {
			return out, nil
		}
	}
}
