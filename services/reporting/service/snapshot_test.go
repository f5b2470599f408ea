package service_test

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	trainv1 "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
)

// A report read while records are being written is of one moment per
// indicator: its total and every breakdown count the same records. Each
// event has one type, municipality and country, and each person assisted
// one sex and one assistance (of one type), so every breakdown's cells add
// up to its total. Before, each breakdown of a training events indicator
// was its own call, so events written between the calls made breakdowns
// that did not add up to the total (and persons assisted by a type of
// assistance were read by a statement of their own, after the total).
func TestReportIsOneSnapshotUnderWrites(t *testing.T) {
	e := start(t)
	org := e.organisation(t, "Centar za mirovne studije", "HR-OIB-12345678901")
	ctx := servicetest.As(t, org)
	p := create(t, e.c, ctx, example(ids.New()))
	addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: "EV", Titles: en("Training events held"),
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_TRAINING_EVENTS,
		Disaggregations: []string{"event_type", "municipality", "country"}})
	addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: "PA", Titles: en("Persons assisted"), Unit: "persons",
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_BENEFICIARIES_ASSISTED,
		Disaggregations: []string{"sex", "assistance_type"}})

	types := []trainv1.EventType{trainv1.EventType_EVENT_TYPE_SEMINAR, trainv1.EventType_EVENT_TYPE_WORKSHOP}
	towns := []string{"Zagreb", "Sisak", "Karlovac"}
	sexes := []commonv1.Sex{commonv1.Sex_SEX_FEMALE, commonv1.Sex_SEX_MALE}
	kinds := []benv1.AssistanceType{benv1.AssistanceType_ASSISTANCE_TYPE_LEGAL_COUNSELLING, benv1.AssistanceType_ASSISTANCE_TYPE_INFORMATION}
	write := func(i int) error {
		if _, err := e.train.CreateTrainingEvent(ctx, &trainv1.CreateTrainingEventRequest{TrainingEvent: &trainv1.TrainingEvent{
			ProjectId: p.GetId(), Type: types[i%len(types)], Title: fmt.Sprintf("Event %d", i), StartDate: "2017-03-15",
			Municipality: towns[i%len(towns)], Country: "HR"}}); err != nil {
			return err
		}
		b, err := e.ben.CreateBeneficiary(ctx, &benv1.CreateBeneficiaryRequest{Beneficiary: &benv1.Beneficiary{
			GivenName: fmt.Sprintf("Person %d", i), Sex: sexes[i%len(sexes)], BirthYear: 1990}})
		if err != nil {
			return err
		}
		_, err = e.ben.CreateAssistance(ctx, &benv1.CreateAssistanceRequest{BeneficiaryId: b.GetBeneficiary().GetId(),
			Assistance: &benv1.Assistance{ProjectId: p.GetId(), Type: kinds[i%len(kinds)], Date: "2017-02-10"}})
		return err
	}
	for i := range 3 {
		if err := write(i); err != nil {
			t.Fatal(err)
		}
	}

	// The writer goes on until the reports are read.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var written atomic.Int64
	var writeErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 3; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := write(i); err != nil {
				writeErr = err
				return
			}
			written.Add(1)
		}
	}()
	var problems []string
	const reads = 40
	for range reads {
		r, err := e.c.GetProjectReport(ctx, &pb.GetProjectReportRequest{ProjectId: p.GetId(), Unsuppressed: true})
		if err != nil {
			close(stop)
			wg.Wait()
			t.Fatal(err)
		}
		for _, res := range r.GetReport().GetResults() {
			total, err := strconv.ParseInt(res.GetActual().GetValue(), 10, 64)
			if err != nil {
				t.Fatalf("%s: total %q", res.GetCode(), res.GetActual().GetValue())
			}
			for _, d := range res.GetDisaggregations() {
				var sum int64
				for _, c := range d.GetCells() {
					n, err := strconv.ParseInt(c.GetValue(), 10, 64)
					if err != nil {
						t.Fatalf("%s by %s: cell %q", res.GetCode(), d.GetDimension(), c.GetValue())
					}
					sum += n
				}
				if sum != total {
					problems = append(problems, fmt.Sprintf("%s: total %d, cells by %s add up to %d", res.GetCode(), total, d.GetDimension(), sum))
				}
			}
		}
	}
	close(stop)
	wg.Wait()
	if writeErr != nil {
		t.Fatal(writeErr)
	}
	if written.Load() == 0 {
		t.Fatal("nothing was written while the reports were read")
	}
	if len(problems) > 0 {
		t.Errorf("%d reports read while %d records were written; breakdowns not adding up to their total:\n%v", reads, written.Load(), problems)
	}
}
