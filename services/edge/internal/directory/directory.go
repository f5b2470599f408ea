// Package directory is the edge's view of the organisation directory (the
// referrals service), for key management: is an organisation there and
// verified, which share a name, and registering a new one.
package directory

import (
	"context"
	"errors"
	"strings"
	"time"

	refv1 "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/protoenum"
	"github.com/spona/spona/services/edge/internal/keys"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// GRPC reads and writes the directory over gRPC as the platform
// administrator (the platform organisation).
type GRPC struct {
	c     refv1.DirectoryServiceClient
	actor string
}

// New returns the directory over conn (a connection issuing the edge's
// principals); actor names who acts (audited).
func New(conn grpc.ClientConnInterface, actor string) *GRPC {
	return &GRPC{c: refv1.NewDirectoryServiceClient(conn), actor: actor}
}

var _ keys.Directory = (*GRPC)(nil)

// ctx acts as the platform administrator holding scope.
func (g *GRPC) ctx(ctx context.Context, scope string) (context.Context, context.CancelFunc, error) {
	ctx, cancel := context.WithTimeout(auth.WithPrincipal(ctx, auth.Principal{OrganisationID: auth.PlatformOrganisationID,
		ClientID: g.actor, Scopes: []string{scope}}), 15*time.Second)
	return ctx, cancel, nil
}

func toOrganisation(o *refv1.Organisation) keys.Organisation {
	return keys.Organisation{ID: o.GetId(), Name: o.GetName(), Kind: protoenum.Code(o.GetKind()), Country: o.GetCountry(), Verified: o.GetVerified()}
}

// Organisation implements keys.Directory.
func (g *GRPC) Organisation(ctx context.Context, id string) (*keys.Organisation, error) {
	ctx, cancel, err := g.ctx(ctx, auth.ScopeDirectoryRead)
	if err != nil {
		return nil, err
	}
	defer cancel()
	resp, err := g.c.GetOrganisation(ctx, &refv1.GetOrganisationRequest{Id: id}, grpc.WaitForReady(true))
	if status.Code(err) == codes.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, grpcx.FromDownstream(err, "directory", id)
	}
	o := toOrganisation(resp.GetOrganisation())
	return &o, nil
}

// Named implements keys.Directory.
func (g *GRPC) Named(ctx context.Context, name string) ([]keys.Organisation, error) {
	ctx, cancel, err := g.ctx(ctx, auth.ScopeDirectoryRead)
	if err != nil {
		return nil, err
	}
	defer cancel()
	var out []keys.Organisation
	req := &refv1.ListOrganisationsRequest{Name: name, PageSize: 100}
	for {
		resp, err := g.c.ListOrganisations(ctx, req, grpc.WaitForReady(true))
		if err != nil {
			return nil, grpcx.FromDownstream(err, "directory", name)
		}
		for _, o := range resp.GetOrganisations() {
			out = append(out, toOrganisation(o))
		}
		if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
			return out, nil
		}
	}
}

// Register implements keys.Directory: the organisation is created and
// verified with the details the operator gave.
func (g *GRPC) Register(ctx context.Context, o keys.Organisation, reason string) (string, error) {
	kind := protoenum.Parse[refv1.OrganisationKind](strings.TrimSpace(o.Kind))
	if kind == refv1.OrganisationKind_ORGANISATION_KIND_UNSPECIFIED {
		var v errs.Violations
		v.Add("organisation.kind", "unknown kind %q; one of %s", o.Kind, strings.Join(protoenum.Values(kind), ", "))
		return "", v.Err()
	}
	cctx, cancel, err := g.ctx(ctx, auth.ScopeDirectoryAdmin)
	if err != nil {
		return "", err
	}
	defer cancel()
	created, err := g.c.CreateOrganisation(cctx, &refv1.CreateOrganisationRequest{
		Organisation: &refv1.Organisation{Name: o.Name, Kind: kind, Country: o.Country},
		RequestId:    ids.New(),
	}, grpc.WaitForReady(true))
	if err != nil {
		return "", refused(err, o.Name)
	}
	vctx, vcancel, err := g.ctx(ctx, auth.ScopePlatformAdmin)
	if err != nil {
		return "", err
	}
	defer vcancel()
	if reason == "" {
		reason = "registered with its first API key"
	}
	org := created.GetOrganisation()
	if _, err := g.c.VerifyOrganisation(vctx, &refv1.VerifyOrganisationRequest{
		Id: org.GetId(), Name: org.GetName(), Kind: org.GetKind(), Country: org.GetCountry(), Reason: reason, Etag: org.GetEtag(),
	}, grpc.WaitForReady(true)); err != nil {
		return "", refused(err, org.GetId())
	}
	return org.GetId(), nil
}

// refused keeps the directory's own verdict on the details given (bad
// kind or country), with the fields it names, for the caller, who can
// correct them.
func refused(err error, what string) error {
	switch status.Code(err) {
	case codes.InvalidArgument, codes.AlreadyExists, codes.FailedPrecondition:
		var e *errs.Error
		if errors.As(grpcx.Relay(err, "directory", what), &e) {
			e.Message = "the directory refused the organisation: " + e.Message
			if e.Kind == errs.KindAlreadyExists {
				e.Kind = errs.KindFailedPrecondition
			}
			return e
		}
	}
	return grpcx.FromDownstream(err, "directory", what)
}
