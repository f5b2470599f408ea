// Package ports exposes the webhooks application over gRPC (and, through
// the edge's grpc-gateway, REST). Handlers only translate between protobuf
// and domain types.
package ports

import (
	"context"
	"time"

	pb "github.com/spona/spona/gen/go/spona/webhooks/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/intconv"
	"github.com/spona/spona/pkg/protoenum"
	"github.com/spona/spona/services/webhooks/internal/app"
	"github.com/spona/spona/services/webhooks/internal/domain"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Webhooks implements pb.WebhookServiceServer.
type Webhooks struct {
	pb.UnimplementedWebhookServiceServer
	app *app.App
}

// NewWebhooks returns the subscriptions port.
func NewWebhooks(a *app.App) *Webhooks { return &Webhooks{app: a} }

// ChangeFeed implements pb.ChangeFeedServiceServer.
type ChangeFeed struct {
	pb.UnimplementedChangeFeedServiceServer
	app *app.App
}

// NewChangeFeed returns the change-feed port.
func NewChangeFeed(a *app.App) *ChangeFeed { return &ChangeFeed{app: a} }

func subscriptionFromProto(in *pb.Webhook) *domain.Subscription {
	return &domain.Subscription{
		ID:          in.GetId(),
		URL:         in.GetUrl(),
		EventTypes:  in.GetEventTypes(),
		Description: in.GetDescription(),
		State:       protoenum.Code(in.GetState()),
	}
}

func subscriptionToProto(s *domain.Subscription) *pb.Webhook {
	return &pb.Webhook{
		Id:                       s.ID,
		Url:                      s.URL,
		EventTypes:               s.EventTypes,
		Description:              s.Description,
		Secret:                   s.Secret,
		State:                    protoenum.Parse[pb.WebhookState](s.State),
		DisabledReason:           s.DisabledReason,
		DisabledReasonCode:       protoenum.Parse[pb.WebhookDisabledReason](s.DisabledCode),
		DisableTime:              optionalTime(s.DisableTime),
		FirstFailureTime:         optionalTime(s.FailingSince),
		PreviousSecretExpireTime: optionalTime(s.PreviousSecretExpires()),
		CreateTime:               timestamppb.New(s.CreateTime),
		UpdateTime:               timestamppb.New(s.UpdateTime),
		Etag:                     s.Etag(),
	}
}

func deliveryToProto(d *domain.Delivery) *pb.Delivery {
	out := &pb.Delivery{
		Id:               d.ID,
		WebhookId:        d.SubscriptionID,
		EventId:          d.EventID,
		EventType:        d.EventType,
		Status:           protoenum.Parse[pb.DeliveryStatus](d.Status),
		Attempts:         intconv.Int32(d.Attempts),
		LastResponseCode: intconv.Int32(d.LastCode),
		LastError:        d.LastError,
		LastAttemptTime:  optionalTime(d.LastAttempt),
		NextAttemptTime:  optionalTime(d.NextAttempt),
		CreateTime:       timestamppb.New(d.CreateTime),
		DeliverTime:      optionalTime(d.DeliverTime),
		DeadLetterReason: protoenum.Parse[pb.DeliveryDeadLetterReason](d.DeadLetterReason),
	}
	if d.Attempts > 0 {
		out.LastLatency = durationpb.New(d.LastLatency)
	}
	return out
}

func optionalTime(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func (w *Webhooks) CreateWebhook(ctx context.Context, req *pb.CreateWebhookRequest) (*pb.CreateWebhookResponse, error) {
	if req.GetWebhook() == nil {
		return nil, errs.Required("webhook")
	}
	s, err := w.app.CreateSubscription(ctx, auth.Caller(ctx), subscriptionFromProto(req.GetWebhook()), grpcx.RequestID(ctx, req.GetRequestId()))
	if err != nil {
		return nil, err
	}
	return &pb.CreateWebhookResponse{Webhook: subscriptionToProto(s)}, nil
}

func (w *Webhooks) GetWebhook(ctx context.Context, req *pb.GetWebhookRequest) (*pb.GetWebhookResponse, error) {
	s, err := w.app.GetSubscription(ctx, auth.Caller(ctx), req.GetId())
	if err != nil {
		return nil, err
	}
	return &pb.GetWebhookResponse{Webhook: subscriptionToProto(s)}, nil
}

func (w *Webhooks) ListWebhooks(ctx context.Context, req *pb.ListWebhooksRequest) (*pb.ListWebhooksResponse, error) {
	rows, next, err := w.app.ListSubscriptions(ctx, auth.Caller(ctx), req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListWebhooksResponse{NextPageToken: next}
	for _, s := range rows {
		out.Webhooks = append(out.Webhooks, subscriptionToProto(s))
	}
	return out, nil
}

func (w *Webhooks) UpdateWebhook(ctx context.Context, req *pb.UpdateWebhookRequest) (*pb.UpdateWebhookResponse, error) {
	if req.GetWebhook() == nil {
		return nil, errs.Required("webhook")
	}
	paths, err := grpcx.UpdatePaths(req.GetUpdateMask(), req.GetWebhook())
	if err != nil {
		return nil, err
	}
	s, err := w.app.UpdateSubscription(ctx, auth.Caller(ctx), subscriptionFromProto(req.GetWebhook()),
		req.GetWebhook().GetEtag(), paths)
	if err != nil {
		return nil, err
	}
	return &pb.UpdateWebhookResponse{Webhook: subscriptionToProto(s)}, nil
}

func (w *Webhooks) DeleteWebhook(ctx context.Context, req *pb.DeleteWebhookRequest) (*pb.DeleteWebhookResponse, error) {
	if err := w.app.DeleteSubscription(ctx, auth.Caller(ctx), req.GetId()); err != nil {
		return nil, err
	}
	return &pb.DeleteWebhookResponse{}, nil
}

func (w *Webhooks) RotateWebhookSecret(ctx context.Context, req *pb.RotateWebhookSecretRequest) (*pb.RotateWebhookSecretResponse, error) {
	s, err := w.app.RotateSecret(ctx, auth.Caller(ctx), req.GetId(), grpcx.RequestID(ctx, ""))
	if err != nil {
		return nil, err
	}
	return &pb.RotateWebhookSecretResponse{Webhook: subscriptionToProto(s)}, nil
}

func (w *Webhooks) ListWebhookDeliveries(ctx context.Context, req *pb.ListWebhookDeliveriesRequest) (*pb.ListWebhookDeliveriesResponse, error) {
	rows, next, err := w.app.ListDeliveries(ctx, auth.Caller(ctx), req.GetWebhookId(), protoenum.Code(req.GetStatus()),
		req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListWebhookDeliveriesResponse{NextPageToken: next}
	for _, d := range rows {
		out.Deliveries = append(out.Deliveries, deliveryToProto(d))
	}
	return out, nil
}

func (w *Webhooks) RedeliverWebhookDelivery(ctx context.Context, req *pb.RedeliverWebhookDeliveryRequest) (*pb.RedeliverWebhookDeliveryResponse, error) {
	d, err := w.app.Redeliver(ctx, auth.Caller(ctx), req.GetWebhookId(), req.GetDeliveryId())
	if err != nil {
		return nil, err
	}
	return &pb.RedeliverWebhookDeliveryResponse{Delivery: deliveryToProto(d)}, nil
}

func (w *Webhooks) RedeliverWebhookDeliveries(ctx context.Context, req *pb.RedeliverWebhookDeliveriesRequest) (*pb.RedeliverWebhookDeliveriesResponse, error) {
	var v errs.Violations
	start, end := grpcx.Time(&v, "start_time", req.GetStartTime()), grpcx.Time(&v, "end_time", req.GetEndTime())
	if err := v.Err(); err != nil {
		return nil, err
	}
	n, more, err := w.app.RedeliverFailed(ctx, auth.Caller(ctx), req.GetId(), start, end)
	if err != nil {
		return nil, err
	}
	return &pb.RedeliverWebhookDeliveriesResponse{RedeliveredCount: intconv.Int32(n), More: more}, nil
}

func (f *ChangeFeed) ListChanges(ctx context.Context, req *pb.ListChangesRequest) (*pb.ListChangesResponse, error) {
	q := app.ChangesQuery{After: req.GetAfter(), Size: req.GetPageSize(), Types: req.GetTypes()}
	if req.GetStartTime() != nil {
		var v errs.Violations
		start := grpcx.Time(&v, "start_time", req.GetStartTime())
		if err := v.Err(); err != nil {
			return nil, err
		}
		q.Start = &start
	}
	rows, next, err := f.app.ListChanges(ctx, auth.Caller(ctx), q)
	if err != nil {
		return nil, err
	}
	out := &pb.ListChangesResponse{NextCursor: next}
	for _, c := range rows {
		data, err := structpb.NewStruct(c.Data)
		if err != nil {
			return nil, err
		}
		out.Events = append(out.Events, &pb.ChangeEvent{
			Id: c.EventID, Type: c.Type, Timestamp: timestamppb.New(c.Time), Data: data, Cursor: c.Cursor,
		})
	}
	return out, nil
}
