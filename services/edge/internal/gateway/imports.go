package gateway

import (
	"context"
	"log/slog"
	"slices"
	"strings"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	impv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/pagination"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// importsFanout serves spona.imports.v1.ImportService for REST from every
// service that imports: an import (and its operation) is found in the one
// that holds it, and lists are merged newest first (ids are UUIDv7).
type importsFanout []impv1.ImportServiceClient

func firstFound[T any](ctx context.Context, f importsFanout, call func(impv1.ImportServiceClient) (T, error)) (T, error) {
	var zero T
	var last error
	for _, c := range f {
		v, err := call(c)
		if status.Code(err) == codes.NotFound {
			last = err
			continue
		}
		return v, err
	}
	return zero, last
}

func (f importsFanout) GetImport(ctx context.Context, in *impv1.GetImportRequest, opts ...grpc.CallOption) (*impv1.GetImportResponse, error) {
	return firstFound(ctx, f, func(c impv1.ImportServiceClient) (*impv1.GetImportResponse, error) {
		return c.GetImport(ctx, in, opts...)
	})
}

func (f importsFanout) GetOperation(ctx context.Context, in *impv1.GetOperationRequest, opts ...grpc.CallOption) (*longrunningpb.Operation, error) {
	return firstFound(ctx, f, func(c impv1.ImportServiceClient) (*longrunningpb.Operation, error) {
		return c.GetOperation(ctx, in, opts...)
	})
}

func (f importsFanout) ListImports(ctx context.Context, in *impv1.ListImportsRequest, opts ...grpc.CallOption) (*impv1.ListImportsResponse, error) {
	// The services page with the same keyset tokens; the edge checks the
	// request the way they do and issues the merged page's token.
	p, _ := Caller(ctx)
	page, err := pagination.Parse(in.GetPageSize(), in.GetPageToken(), pagination.UUIDKey, p.OrganisationID, pagination.Fingerprint("imports"))
	if err != nil {
		// A field violation, as a status the gateway writes with its
		// details (ToStatus logs only errors it cannot classify).
		return nil, grpcx.ToStatus(ctx, slog.Default(), err)
	}
	var all []*impv1.Import
	more := false
	for _, c := range f {
		resp, err := c.ListImports(ctx, in, opts...)
		if err != nil {
			return nil, err
		}
		all = append(all, resp.GetImports()...)
		more = more || resp.GetNextPageToken() != ""
	}
	slices.SortFunc(all, func(a, b *impv1.Import) int { return strings.Compare(b.GetId(), a.GetId()) })
	if len(all) > page.Size || more {
		// Next issues the token after the last row kept when it is given
		// one row more than the page.
		keep := all[:min(page.Size, len(all))]
		rows, next := pagination.Next(page, append(slices.Clip(keep), nil), func(i *impv1.Import) string { return i.GetId() })
		return &impv1.ListImportsResponse{Imports: rows, NextPageToken: next}, nil
	}
	return &impv1.ListImportsResponse{Imports: all}, nil
}
