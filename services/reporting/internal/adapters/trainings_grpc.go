package adapters

import (
	"context"

	trainv1 "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/services/reporting/internal/app"
	"google.golang.org/grpc"
)

// TrainingsGRPC asks the trainings service for its aggregates, as the calling
// organisation (the connection forwards the principal).
type TrainingsGRPC struct{ c trainv1.TrainingServiceClient }

// NewTrainingsGRPC returns the adapter over conn.
func NewTrainingsGRPC(conn grpc.ClientConnInterface) *TrainingsGRPC {
	return &TrainingsGRPC{c: trainv1.NewTrainingServiceClient(conn)}
}

var _ app.Trainings = (*TrainingsGRPC)(nil)

// CountTrained implements app.Trainings.
func (t *TrainingsGRPC) CountTrained(ctx context.Context, projectID string, from, to date.Date, groupBy []string) (aggregate.Aggregate, error) {
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	resp, err := t.c.CountTrainedProfessionals(cctx, &trainv1.CountTrainedProfessionalsRequest{
		ProjectId: projectID,
		Period:    period(from, to),
		GroupBy:   groupBy,
	})
	if err != nil {
		return aggregate.Aggregate{}, downstreamError(ctx, "trainings", err)
	}
	agg := aggregate.FromProto(resp.GetAggregate())
	agg.Sort()
	return agg, nil
}
