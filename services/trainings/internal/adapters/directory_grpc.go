package adapters

import (
	"context"
	"sync"
	"time"

	refv1 "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/pkg/protoenum"
	"github.com/spona/spona/services/trainings/internal/app"
	"github.com/spona/spona/services/trainings/internal/domain"
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
	c   refv1.DirectoryServiceClient
	now func() time.Time

	mu      sync.Mutex
	index   *app.DirectoryIndex
	expires time.Time
}

// namesTTL is how long the directory read whole (Index) is reused (the
// directory is the same for every caller): an organisation created or
// renamed in the meantime is found by its new name at most this much
// later.
const namesTTL = 30 * time.Second

// NewDirectoryGRPC returns the adapter over conn (a connection issuing the
// trainings service's principals).
func NewDirectoryGRPC(conn grpc.ClientConnInterface) *DirectoryGRPC {
	return &DirectoryGRPC{c: refv1.NewDirectoryServiceClient(conn), now: time.Now}
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

// Index implements app.Directory: the directory's pages, read one after
// the other, reused for namesTTL.
func (d *DirectoryGRPC) Index(ctx context.Context) (*app.DirectoryIndex, error) {
	d.mu.Lock()
	idx, fresh := d.index, d.now().Before(d.expires)
	d.mu.Unlock()
	if fresh {
		return idx, nil
	}
	idx, err := d.read(ctx)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.index, d.expires = idx, d.now().Add(namesTTL)
	d.mu.Unlock()
	return idx, nil
}

func (d *DirectoryGRPC) read(ctx context.Context) (*app.DirectoryIndex, error) {
	idx := &app.DirectoryIndex{Names: domain.OrganisationNames{}, Kinds: map[string]string{}}
	token := ""
	for {
		resp, err := d.c.ListOrganisations(ctx, &refv1.ListOrganisationsRequest{PageSize: pagination.MaxSize, PageToken: token})
		if err != nil {
			return nil, grpcx.FromDownstream(err, "organisation", "")
		}
		for _, o := range resp.GetOrganisations() {
			idx.Names.Add(o.GetId(), o.GetName())
			for _, n := range o.GetLocalizedNames() {
				idx.Names.Add(o.GetId(), n)
			}
			if k := protoenum.Code(o.GetKind()); k != "" {
				idx.Kinds[o.GetId()] = k
			}
		}
		if token = resp.GetNextPageToken(); token == "" {
			return idx, nil
		}
	}
}
