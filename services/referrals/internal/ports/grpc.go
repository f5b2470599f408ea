// Package ports exposes the referrals application over gRPC. Handlers only
// translate between protobuf and domain types.
package ports

import (
	"time"

	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/services/referrals/internal/app"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Scopes lists each RPC and the scope it needs. Who may change a directory
// entry or move a referral is decided further by the application (the
// organisation itself, the sender or the receiver).
var Scopes = grpcx.Scopes{
	pb.DirectoryService_CreateOrganisation_FullMethodName: auth.ScopeDirectoryAdmin,
	pb.DirectoryService_GetOrganisation_FullMethodName:    auth.ScopeDirectoryRead,
	pb.DirectoryService_ListOrganisations_FullMethodName:  auth.ScopeDirectoryRead,
	pb.DirectoryService_UpdateOrganisation_FullMethodName: auth.ScopeReferralsWrite,
	pb.DirectoryService_CreateService_FullMethodName:      auth.ScopeReferralsWrite,
	pb.DirectoryService_GetService_FullMethodName:         auth.ScopeDirectoryRead,
	pb.DirectoryService_ListServices_FullMethodName:       auth.ScopeDirectoryRead,
	pb.DirectoryService_UpdateService_FullMethodName:      auth.ScopeReferralsWrite,
	pb.ReferralService_CreateReferral_FullMethodName:      auth.ScopeReferralsWrite,
	pb.ReferralService_GetReferral_FullMethodName:         auth.ScopeReferralsRead,
	pb.ReferralService_ListReferrals_FullMethodName:       auth.ScopeReferralsRead,
	pb.ReferralService_SendReferral_FullMethodName:        auth.ScopeReferralsWrite,
	pb.ReferralService_AcceptReferral_FullMethodName:      auth.ScopeReferralsWrite,
	pb.ReferralService_DeclineReferral_FullMethodName:     auth.ScopeReferralsWrite,
	pb.ReferralService_StartReferral_FullMethodName:       auth.ScopeReferralsWrite,
	pb.ReferralService_CompleteReferral_FullMethodName:    auth.ScopeReferralsWrite,
	pb.ReferralService_CancelReferral_FullMethodName:      auth.ScopeReferralsWrite,
	pb.ReferralService_ListReferralEvents_FullMethodName:  auth.ScopeReferralsRead,
	pb.ReferralService_CountReferrals_FullMethodName:      auth.ScopeAggregates,
}

// Directory implements pb.DirectoryServiceServer.
type Directory struct {
	pb.UnimplementedDirectoryServiceServer
	app *app.App
}

// Referrals implements pb.ReferralServiceServer.
type Referrals struct {
	pb.UnimplementedReferralServiceServer
	app *app.App
}

// NewDirectory returns the directory port.
func NewDirectory(a *app.App) *Directory { return &Directory{app: a} }

// NewReferrals returns the referrals port.
func NewReferrals(a *app.App) *Referrals { return &Referrals{app: a} }

// optionalTime converts a time that is zero when unset.
func optionalTime(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}
