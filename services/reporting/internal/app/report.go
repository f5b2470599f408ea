package app

import (
	"context"
	"fmt"

	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/services/reporting/internal/domain"
	"golang.org/x/sync/errgroup"
)

// maxParallelCalls bounds the aggregate calls one report makes at once.
const maxParallelCalls = 8

// GetProjectReport computes a project's results for a period, live, from
// the other services, and applies small-cell suppression. A zero from or to
// defaults to the project's planned start or end. The implementing
// organisation may ask for any period, the project's partners and donors
// for the planned span only (domain.Project.ReportPeriod). Unsuppressed
// asks for the counts without suppression, which only the implementing
// organisation may (domain.Project.ThresholdFor).
func (a *App) GetProjectReport(ctx context.Context, p auth.Principal, projectID string, from, to date.Date, unsuppressed bool) (*domain.Report, error) {
	pr, from, to, err := a.reportScope(ctx, p, projectID, from, to)
	if err != nil {
		return nil, err
	}
	threshold, err := pr.ThresholdFor(p.OrganisationID, unsuppressed)
	if err != nil {
		return nil, err
	}
	return a.computeReport(ctx, pr, threshold, from, to)
}

// GetIATIReport is GetProjectReport for an IATI export: the report carries
// its publisher, the implementing organisation as the directory lists it.
// A project IATI would reject (no registered identifier in the directory,
// no sector, a budget over a year…) is refused, with every problem named,
// before anything is computed. An IATI report is always suppressed
// (domain.Project.PublishedThreshold): unsuppressed is refused.
func (a *App) GetIATIReport(ctx context.Context, p auth.Principal, projectID string, from, to date.Date, unsuppressed bool) (*domain.Report, error) {
	// The directory is read with the directory.read the reporting
	// service issues itself (auth.Delegated).
	pr, from, to, err := a.reportScope(ctx, p, projectID, from, to)
	if err != nil {
		return nil, err
	}
	threshold, err := pr.PublishedThreshold(p.OrganisationID, unsuppressed)
	if err != nil {
		return nil, err
	}
	org, err := a.directory.Organisation(ctx, pr.ImplementingOrganisationID)
	if errs.KindOf(err) == errs.KindNotFound {
		return nil, errs.FailedPrecondition(domain.ReasonIATIRefused,
			"the implementing organisation %s is not listed in the directory; an IATI export names it from its directory entry", pr.ImplementingOrganisationID)
	}
	if err != nil {
		return nil, err
	}
	pub := domain.NewPublisher(pr, org)
	if err := domain.CheckIATI(pr, pub, a.today()); err != nil {
		return nil, err
	}
	r, err := a.computeReport(ctx, pr, threshold, from, to)
	if err != nil {
		return nil, err
	}
	if err := domain.CheckIATIResults(r); err != nil {
		return nil, err
	}
	r.Publisher = &pub
	return r, nil
}

// reportScope returns the project a report is asked of, if the caller may
// see it, and the report period the caller may have
// (domain.Project.ReportPeriod).
func (a *App) reportScope(ctx context.Context, p auth.Principal, projectID string, from, to date.Date) (*domain.Project, date.Date, date.Date, error) {
	// The aggregates are asked for the caller's organisation, with the
	// aggregates.read the reporting service issues itself (auth.Delegated).
	pr, err := a.readable(ctx, p, "project_id", projectID)
	if err != nil {
		return nil, from, to, err
	}
	from, to, err = pr.ReportPeriod(p.OrganisationID, from, to)
	if err != nil {
		return nil, from, to, err
	}
	return pr, from, to, nil
}

// computeReport asks the other services for the counts of pr's indicators
// in [from, to] and suppresses small cells at threshold (the reader's,
// domain.Project.ThresholdFor, or for a published file
// domain.Project.PublishedThreshold).
func (a *App) computeReport(ctx context.Context, pr *domain.Project, threshold int, from, to date.Date) (*domain.Report, error) {
	inds, err := a.repo.ListAllIndicators(ctx, pr.ID)
	if err != nil {
		return nil, err
	}
	r := &domain.Report{Project: pr, From: from, To: to, Threshold: threshold, Results: make([]domain.Result, len(inds))}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(maxParallelCalls)
	for i, ind := range inds {
		r.Results[i] = domain.NewResult(ind, from, to)
		if ind.PersonCount() {
			// Its periods' values are the cells: the total is hidden
			// when they would be, as GetIndicator shows them.
			r.Results[i].Actual = domain.PersonTable(ind, from, to)
		}
		if ind.Metric == domain.MetricManual {
			continue
		}
		res := &r.Results[i]
		res.Actual.Breakdowns = make([]domain.Breakdown, len(ind.Disaggregations))
		// A breakdown nested under another of the indicator is counted by
		// its dimension and its parent's together (Also); the others
		// (roots) each on its own (Each).
		q := Query{ProjectID: pr.ID, From: from, To: to, Each: true}
		for j, dim := range ind.Disaggregations {
			res.Actual.Breakdowns[j].Dimension = dim
			if up := domain.ParentDimension(dim, ind.Disaggregations); up != "" {
				q.Also = append(q.Also, []string{dim, up})
			} else {
				q.GroupBy = append(q.GroupBy, dim)
			}
		}
		// One call counts the total and every breakdown, in one snapshot
		// of the source: the breakdowns are of the records the total
		// counts, whatever is written while the report is made.
		g.Go(func() error {
			agg, err := a.count(gctx, ind.Metric, q)
			if err != nil {
				return err
			}
			res.Actual.Total.Count = agg.Total
			for j, dim := range ind.Disaggregations {
				if up := domain.ParentDimension(dim, ind.Disaggregations); up != "" {
					res.Actual.Breakdowns[j].Parent = up
					res.Actual.Breakdowns[j].Cells = nestedCells(agg, dim, up)
				} else {
					res.Actual.Breakdowns[j] = breakdown(agg, dim)
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for i := range r.Results {
		res := &r.Results[i]
		if res.Indicator.SuppressedCounts() {
			domain.Suppress(&res.Actual, r.Threshold)
			res.Indicator.SuppressBaseline(r.Threshold)
		}
		if res.Indicator.Metric == domain.MetricManual {
			res.Actual.Breakdowns = nil // a manual count lists no periods
		}
	}
	a.nameCells(ctx, r)
	r.GenerateTime = a.now().UTC()
	return r, nil
}

// breakdown is the cells of agg's groups labelled with dim alone (with
// Each, the groups of other dimensions carry no label for it; those of a
// nested breakdown carry two).
func breakdown(agg aggregate.Aggregate, dim string) domain.Breakdown {
	b := domain.Breakdown{Dimension: dim}
	for _, grp := range agg.Groups {
		if label, ok := grp.Labels[dim]; ok && len(grp.Labels) == 1 {
			b.Cells = append(b.Cells, domain.Cell{Label: label, Count: grp.Count})
		}
	}
	domain.SortCells(dim, b.Cells)
	return b
}

// nestedCells are the cells of the breakdown by dim nested under the one
// by parent (agg's groups labelled with the two): one per value of dim and
// parent value it is counted under.
// A value is mostly under one parent (a location is a place of one
// service), but not always: "unknown" (no place named) is under every
// service whose records named none, and a service whose category changed
// between two records is under each category it had. Each such pair is
// its own cell, counted as the persons of that pair, so that each cell is
// part of one parent cell and protected within it.
func nestedCells(agg aggregate.Aggregate, dim, parent string) []domain.Cell {
	var cells []domain.Cell
	for _, grp := range agg.Groups {
		_, ok := grp.Labels[dim]
		if _, up := grp.Labels[parent]; !ok || !up || len(grp.Labels) != 2 {
			continue
		}
		cells = append(cells, domain.Cell{Label: grp.Labels[dim], Parent: grp.Labels[parent], Count: grp.Count})
	}
	domain.SortCells(dim, cells)
	return cells
}

// referralStages are the stages the referral metrics count.
var referralStages = map[string]ReferralStage{
	domain.MetricReferralsMade:      ReferralsSent,
	domain.MetricReferralsAccepted:  ReferralsAccepted,
	domain.MetricReferralsCompleted: ReferralsCompleted,
}

// count asks the source of metric for its aggregate.
func (a *App) count(ctx context.Context, metric string, q Query) (aggregate.Aggregate, error) {
	switch metric {
	case domain.MetricBeneficiariesAssisted:
		return a.sources.CountAssisted(ctx, q)
	case domain.MetricTrainingEvents:
		return a.sources.CountEvents(ctx, q)
	case domain.MetricReferralsMade, domain.MetricReferralsAccepted, domain.MetricReferralsCompleted:
		return a.sources.CountReferrals(ctx, q, referralStages[metric])
	}
	if p, ok := domain.ParticipationMetrics[metric]; ok {
		return a.sources.CountParticipants(ctx, q, p)
	}
	return aggregate.Aggregate{}, fmt.Errorf("reporting: no source for metric %q", metric)
}
