// Package ports holds the edge's own gRPC services (served to REST callers
// through the gateway, in process): they only translate.
package ports

import (
	"context"
	"log/slog"
	"time"

	adminv1 "github.com/spona/spona/gen/go/spona/admin/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/services/edge/internal/keys"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// APIKeys serves spona.admin.v1.ApiKeyService.
type APIKeys struct {
	adminv1.UnimplementedApiKeyServiceServer
	admin  *keys.Admin
	caller func(context.Context) (auth.Principal, bool)
	log    *slog.Logger
}

// NewAPIKeys returns the service over admin; caller gives the
// authenticated principal of a request.
func NewAPIKeys(admin *keys.Admin, caller func(context.Context) (auth.Principal, bool), log *slog.Logger) *APIKeys {
	return &APIKeys{admin: admin, caller: caller, log: log}
}

// who returns the caller, who must be the platform administrator (the
// gateway checked the route's scope already; this holds without it).
func (s *APIKeys) who(ctx context.Context) (auth.Principal, error) {
	p, ok := s.caller(ctx)
	if !ok || !p.Has(auth.ScopePlatformAdmin) {
		return auth.Principal{}, status.Errorf(codes.PermissionDenied, "scope %q required", auth.ScopePlatformAdmin)
	}
	return p, nil
}

func ts(t *time.Time) *timestamppb.Timestamp {
	if t == nil {
		return nil
	}
	return timestamppb.New(*t)
}

func toProto(k *keys.Key) *adminv1.ApiKey {
	if k == nil {
		return nil
	}
	return &adminv1.ApiKey{
		Id: k.ID, ClientId: k.ClientID, DisplayName: k.Name, OrganisationId: k.OrganisationID, Scopes: k.Scopes,
		Prefix: k.Prefix(), CreateTime: timestamppb.New(k.CreateTime), ExpireTime: ts(k.ExpireTime),
		RevokeTime: ts(k.RevokeTime), RevokeReason: k.RevokeReason, LastUseTime: ts(k.LastUseTime),
		ReplacedBy: k.ReplacedBy, Active: k.Active(time.Now()),
	}
}

func (s *APIKeys) fail(ctx context.Context, err error) error { return grpcx.ToStatus(ctx, s.log, err) }

// CreateApiKey implements adminv1.ApiKeyServiceServer.
func (s *APIKeys) CreateApiKey(ctx context.Context, req *adminv1.CreateApiKeyRequest) (*adminv1.CreateApiKeyResponse, error) {
	p, err := s.who(ctx)
	if err != nil {
		return nil, err
	}
	in := req.GetApiKey()
	nk := keys.NewKey{Name: in.GetDisplayName(), OrganisationID: in.GetOrganisationId(), Scopes: in.GetScopes(), Reason: req.GetReason(),
		RequestID: grpcx.RequestID(ctx, "")}
	var v errs.Violations
	if t := grpcx.Time(&v, "api_key.expire_time", in.GetExpireTime()); !t.IsZero() {
		nk.ExpireTime = &t
	}
	if err := v.Err(); err != nil {
		return nil, s.fail(ctx, err)
	}
	k, secret, err := s.admin.Create(ctx, p, nk)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &adminv1.CreateApiKeyResponse{ApiKey: toProto(k), Secret: secret}, nil
}

// GetApiKey implements adminv1.ApiKeyServiceServer.
func (s *APIKeys) GetApiKey(ctx context.Context, req *adminv1.GetApiKeyRequest) (*adminv1.GetApiKeyResponse, error) {
	if _, err := s.who(ctx); err != nil {
		return nil, err
	}
	k, err := s.admin.Get(ctx, req.GetId())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &adminv1.GetApiKeyResponse{ApiKey: toProto(k)}, nil
}

// ListApiKeys implements adminv1.ApiKeyServiceServer.
func (s *APIKeys) ListApiKeys(ctx context.Context, req *adminv1.ListApiKeysRequest) (*adminv1.ListApiKeysResponse, error) {
	who, err := s.who(ctx)
	if err != nil {
		return nil, err
	}
	rows, next, err := s.admin.List(ctx, who.OrganisationID, keys.Filter{OrganisationID: req.GetOrganisationId(), ShowRevoked: req.GetShowRevoked()}, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &adminv1.ListApiKeysResponse{NextPageToken: next}
	for _, k := range rows {
		out.ApiKeys = append(out.ApiKeys, toProto(k))
	}
	return out, nil
}

// RevokeApiKey implements adminv1.ApiKeyServiceServer.
func (s *APIKeys) RevokeApiKey(ctx context.Context, req *adminv1.RevokeApiKeyRequest) (*adminv1.RevokeApiKeyResponse, error) {
	p, err := s.who(ctx)
	if err != nil {
		return nil, err
	}
	k, _, err := s.admin.Revoke(ctx, p, req.GetId(), req.GetReason())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &adminv1.RevokeApiKeyResponse{ApiKey: toProto(k)}, nil
}

// RotateApiKey implements adminv1.ApiKeyServiceServer.
func (s *APIKeys) RotateApiKey(ctx context.Context, req *adminv1.RotateApiKeyRequest) (*adminv1.RotateApiKeyResponse, error) {
	p, err := s.who(ctx)
	if err != nil {
		return nil, err
	}
	var v errs.Violations
	var overlap *time.Duration
	if req.GetOverlap() != nil {
		d := grpcx.Duration(&v, "overlap", req.GetOverlap())
		overlap = &d
	}
	var expire *time.Time
	if t := grpcx.Time(&v, "expire_time", req.GetExpireTime()); !t.IsZero() {
		expire = &t
	}
	if err := v.Err(); err != nil {
		return nil, s.fail(ctx, err)
	}
	next, secret, prev, err := s.admin.Rotate(ctx, p, req.GetId(), overlap, expire, req.GetReason(), grpcx.RequestID(ctx, ""))
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &adminv1.RotateApiKeyResponse{ApiKey: toProto(next), Secret: secret, Previous: toProto(prev)}, nil
}
