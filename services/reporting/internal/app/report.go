package app

import (
	"context"
	"fmt"
	"slices"

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
		if ind.Metric == domain.MetricManual {
			continue
		}
		res := &r.Results[i]
		q := Query{ProjectID: pr.ID, From: from, To: to}
		res.Actual.Breakdowns = make([]domain.Breakdown, len(ind.Disaggregations))
		// A nested breakdown is counted below, by its dimension and its
		// parent's together; here the others (roots), and the total.
		var roots []string
		for j, dim := range ind.Disaggregations {
			res.Actual.Breakdowns[j].Dimension = dim
			if domain.ParentDimension(dim, ind.Disaggregations) == "" {
				roots = append(roots, dim)
			}
		}
		if ind.Metric == domain.MetricBeneficiariesAssisted {
			// One call counts the total and every root breakdown.
			q.GroupBy, q.Each = roots, true
			g.Go(func() error {
				agg, err := a.sources.CountAssisted(gctx, q)
				if err != nil {
					return err
				}
				res.Actual.Total.Count = agg.Total
				for j, dim := range ind.Disaggregations {
					if slices.Contains(roots, dim) {
						res.Actual.Breakdowns[j] = breakdown(agg, dim)
					}
				}
				return nil
			})
			continue
		}
		if len(roots) == 0 {
			g.Go(func() error {
				agg, err := a.count(gctx, ind.Metric, q)
				res.Actual.Total.Count = agg.Total
				return err
			})
		}
		for j, dim := range ind.Disaggregations {
			if !slices.Contains(roots, dim) {
				continue
			}
			q := q
			q.GroupBy = []string{dim}
			g.Go(func() error {
				agg, err := a.count(gctx, ind.Metric, q)
				if err != nil {
					return err
				}
				res.Actual.Breakdowns[j] = breakdown(agg, dim)
				if dim == roots[0] {
					res.Actual.Total.Count = agg.Total
				}
				return nil
			})
		}
	}
	// Breakdowns nested under another of the same indicator: their cells
	// per parent, counted by the two dimensions together.
	nested := make([][][]domain.Cell, len(inds))
	for i, ind := range inds {
		if ind.Metric == domain.MetricManual {
			continue
		}
		nested[i] = make([][]domain.Cell, len(ind.Disaggregations))
		for j, dim := range ind.Disaggregations {
			up := domain.ParentDimension(dim, ind.Disaggregations)
			if up == "" {
				continue
			}
			q := Query{ProjectID: pr.ID, From: from, To: to, GroupBy: []string{dim, up}}
			g.Go(func() error {
				agg, err := a.count(gctx, ind.Metric, q)
				if err != nil {
					return err
				}
				nested[i][j] = nestedCells(agg, dim, up)
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for i := range r.Results {
		for j, cells := range nested[i] {
			b := &r.Results[i].Actual.Breakdowns[j]
			if up := domain.ParentDimension(b.Dimension, inds[i].Disaggregations); up != "" {
				b.Parent, b.Cells = up, cells
			}
		}
	}
	for i := range r.Results {
		if r.Results[i].Indicator.Metric != domain.MetricManual {
			domain.Suppress(&r.Results[i].Actual, r.Threshold)
		}
	}
	a.nameCells(ctx, r)
	r.GenerateTime = a.now().UTC()
	return r, nil
}

// breakdown is the cells of agg's groups labelled with dim (with Each, the
// groups of other dimensions carry no label for it).
func breakdown(agg aggregate.Aggregate, dim string) domain.Breakdown {
	b := domain.Breakdown{Dimension: dim}
	for _, grp := range agg.Groups {
		if label, ok := grp.Labels[dim]; ok {
			b.Cells = append(b.Cells, domain.Cell{Label: label, Count: grp.Count})
		}
	}
	domain.SortCells(b.Cells)
	return b
}

// nestedCells are the cells of the breakdown by dim nested under the one
// by parent: one per value of dim and parent value it is counted under.
// A value is mostly under one parent (a location is a place of one
// service), but not always: "unknown" (no place named) is under every
// service whose records named none, and a service whose category changed
// between two records is under each category it had. Each such pair is
// its own cell, counted as the persons of that pair, so that each cell is
// part of one parent cell and protected within it.
func nestedCells(agg aggregate.Aggregate, dim, parent string) []domain.Cell {
	var cells []domain.Cell
	for _, grp := range agg.Groups {
		cells = append(cells, domain.Cell{Label: grp.Labels[dim], Parent: grp.Labels[parent], Count: grp.Count})
	}
	domain.SortCells(cells)
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
