package adapters

import (
	"context"
	"strings"

	refv1 "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/protoenum"
	"github.com/spona/spona/services/reporting/internal/app"
	"github.com/spona/spona/services/reporting/internal/domain"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// DirectoryGRPC reads organisations from the referrals service's
// directory, as the calling organisation.
type DirectoryGRPC struct{ client refv1.DirectoryServiceClient }

// NewDirectoryGRPC returns the adapter over a connection to referrals.
func NewDirectoryGRPC(referrals grpc.ClientConnInterface) *DirectoryGRPC {
	return &DirectoryGRPC{client: refv1.NewDirectoryServiceClient(referrals)}
}

var _ app.Directory = (*DirectoryGRPC)(nil)

// Service implements app.Directory.
func (d *DirectoryGRPC) Service(ctx context.Context, id string) (domain.DirectoryService, error) {
	resp, err := d.client.GetService(ctx, &refv1.GetServiceRequest{Id: id})
	if status.Code(err) == codes.NotFound {
		return domain.DirectoryService{}, errs.NotFound("service", id)
	}
	if err != nil {
		return domain.DirectoryService{}, grpcx.FromDownstream(err, "referrals", "")
	}
	s := resp.GetService()
	out := domain.DirectoryService{ID: s.GetId(), Name: s.GetName(), LocationNames: map[string]string{}}
	for _, l := range s.GetLocations() {
		out.LocationNames[l.GetId()] = locationName(l.GetName(), l.GetMunicipality())
	}
	return out, nil
}

// locationName is "name, municipality", or whichever of them is given
// (once, when the name already says the municipality).
func locationName(name, municipality string) string {
	switch {
	case name == "":
		return municipality
	case municipality == "" || strings.Contains(name, municipality):
		return name
	}
	return name + ", " + municipality
}

// Organisation implements app.Directory.
func (d *DirectoryGRPC) Organisation(ctx context.Context, id string) (domain.DirectoryOrganisation, error) {
	resp, err := d.client.GetOrganisation(ctx, &refv1.GetOrganisationRequest{Id: id})
	if status.Code(err) == codes.NotFound {
		return domain.DirectoryOrganisation{}, errs.NotFound("organisation", id)
	}
	if err != nil {
		return domain.DirectoryOrganisation{}, grpcx.FromDownstream(err, "referrals", "")
	}
	o := resp.GetOrganisation()
	return domain.DirectoryOrganisation{
		ID: o.GetId(), Name: o.GetName(), LocalizedNames: o.GetLocalizedNames(), Languages: o.GetLanguages(), Country: o.GetCountry(),
		Kind: protoenum.Code(o.GetKind()), Identifier: o.GetOrganisationIdentifier(), Verified: o.GetVerified(),
	}, nil
}
