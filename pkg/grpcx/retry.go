package grpcx

import (
	"context"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

// Retries are for the outermost caller only (the edge): if every hop
// retried, an outage deep in the chain would multiply into attempts^hops
// calls. A call is sent again only when a second arrival cannot act twice
// (Retryable), because UNAVAILABLE does not say whether the first arrival
// acted: the server may have committed and then lost its answer.
const (
	retryAttempts = 4
	retryFirst    = 100 * time.Millisecond
	retryMax      = time.Second
)

// WithRetries makes a client retry a unary call that failed with
// UNAVAILABLE, up to four attempts with jittered backoff (0.1 s doubling to
// 1 s) within the call's deadline, when the call is Retryable. Other calls
// fail at once: their caller decides (a client resending with the same
// Idempotency-Key gets the edge's recorded answer). gRPC still resends by
// itself a call that never reached a server.
func WithRetries() grpc.DialOption { return grpc.WithChainUnaryInterceptor(retryUnary) }

func retryUnary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	err := invoker(ctx, method, req, reply, cc, opts...)
	if status.Code(err) != codes.Unavailable || !Retryable(ctx, method, req) {
		return err
	}
	wait := retryFirst
	for attempt := 2; attempt <= retryAttempts; attempt++ {
		t := time.NewTimer(rand.N(wait) + wait/2) //nolint:gosec // jitter, not a secret
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		if err = invoker(ctx, method, req, reply, cc, opts...); status.Code(err) != codes.Unavailable {
			return err
		}
		wait = min(2*wait, retryMax)
	}
	return err
}

// Retryable reports whether the call of method with req may be sent twice
// without acting twice. It is read from the method's declaration in the
// protos, in one of two ways:
//   - a read: its HTTP rule (google.api.http) is a GET, which AIP-127 and
//     HTTP make safe (a read's audit record may then be written twice,
//     never the data);
//   - a create its service deduplicates: its request has a request_id field
//     (AIP-155: the services store the first result under it, see
//     RequestID) and the call carries one, in that field or as the
//     Idempotency-Key the edge forwards.
//
// Everything else (updates, deletes, custom methods such as :accept) is
// not retried: a second arrival could change the answer or act again.
func Retryable(ctx context.Context, method string, req any) bool {
	switch kindOf(method) {
	case kindRead:
		return true
	case kindDeduplicated:
		if m, ok := req.(proto.Message); ok {
			r := m.ProtoReflect()
			if f := r.Descriptor().Fields().ByName(requestIDField); f != nil && r.Get(f).String() != "" {
				return true
			}
		}
		return len(metadata.ValueFromOutgoingContext(ctx, IdempotencyKeyMetadata)) > 0
	}
	return false
}

const requestIDField = "request_id"

type callKind int

const (
	kindOther callKind = iota
	kindRead
	kindDeduplicated
)

var kinds sync.Map // full method name → callKind

func kindOf(method string) callKind {
	if k, ok := kinds.Load(method); ok {
		if kind, isKind := k.(callKind); isKind {
			return kind
		}
	}
	k := lookupKind(method)
	kinds.Store(method, k)
	return k
}

func lookupKind(method string) callKind {
	svc, name, ok := strings.Cut(strings.TrimPrefix(method, "/"), "/")
	if !ok {
		return kindOther
	}
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(svc))
	if err != nil {
		return kindOther
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		return kindOther
	}
	md := sd.Methods().ByName(protoreflect.Name(name))
	if md == nil || md.IsStreamingClient() || md.IsStreamingServer() {
		return kindOther
	}
	if opts, ok := md.Options().(*descriptorpb.MethodOptions); ok && opts != nil {
		if rule, ok := proto.GetExtension(opts, annotations.E_Http).(*annotations.HttpRule); ok && rule.GetGet() != "" {
			return kindRead
		}
	}
	if f := md.Input().Fields().ByName(requestIDField); f != nil && f.Kind() == protoreflect.StringKind {
		return kindDeduplicated
	}
	return kindOther
}
