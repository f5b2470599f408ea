// Package ports exposes the referrals application over gRPC. Handlers only
// translate between protobuf and domain types.
package ports

import (
	"time"

	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/services/referrals/internal/app"
	"google.golang.org/protobuf/types/known/timestamppb"
)

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
