package app

import (
	"context"
	"slices"
	"sync"

	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/services/reporting/internal/domain"
	"golang.org/x/sync/errgroup"
)

// Dimensions whose labels are directory ids, named from the directory.
const (
	dimService      = "service"
	dimLocation     = "location"
	dimOrganisation = "organisation"
)

// nameCells gives the cells of service, location and organisation
// breakdowns the names the directory has for them, so a donor reads "Team
// Bihać" rather than an id, and marks organisations the platform
// administrator has not verified (their names and kinds are their own
// claim). Names are a courtesy: a cell the directory
// cannot name (it is down, the caller may not read it, the entry is gone)
// keeps its id alone, and the report is still given.
func (a *App) nameCells(ctx context.Context, r *domain.Report) {
	services, orgs := map[string]bool{}, map[string]bool{}
	// A location is named through its service: ask which service each
	// location of a result belongs to, unless the result says.
	var mu sync.Mutex
	serviceOf := map[string]string{}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(maxParallelCalls)
	for i := range r.Results {
		res := &r.Results[i]
		// A result broken down by service too names every service its
		// locations belong to (the same records gave both breakdowns):
		// then its locations are named through those, with no count.
		byService := slices.ContainsFunc(res.Actual.Breakdowns, func(b domain.Breakdown) bool { return b.Dimension == dimService })
		for _, b := range res.Actual.Breakdowns {
			switch b.Dimension {
			case dimService:
				for _, c := range b.Cells {
					services[c.Label] = true
				}
			case dimOrganisation:
				for _, c := range b.Cells {
					orgs[c.Label] = true
				}
			case dimLocation:
				if byService {
					continue
				}
				q := Query{ProjectID: r.Project.ID, From: r.From, To: r.To, GroupBy: []string{dimService, dimLocation}}
				metric := res.Indicator.Metric
				g.Go(func() error {
					agg, err := a.count(gctx, metric, q)
					if err != nil {
						return nil // unnamed, not failed
					}
					mu.Lock()
					defer mu.Unlock()
					for _, grp := range agg.Groups {
						serviceOf[grp.Labels[dimLocation]] = grp.Labels[dimService]
					}
					return nil
				})
			}
		}
	}
	_ = g.Wait()
	for _, s := range serviceOf {
		services[s] = true
	}

	names := map[string]string{}    // service, location and organisation ids
	unverified := map[string]bool{} // organisation ids
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(maxParallelCalls)
	for id := range services {
		if !ids.Valid(id) {
			continue
		}
		g.Go(func() error {
			s, err := a.directory.Service(gctx, id)
			if err != nil {
				return nil
			}
			mu.Lock()
			defer mu.Unlock()
			names[id] = s.Name
			for loc, name := range s.LocationNames {
				names[loc] = name
			}
			return nil
		})
	}
	for id := range orgs {
		if !ids.Valid(id) {
			continue // a name given at registration, not a directory id
		}
		g.Go(func() error {
			o, err := a.directory.Organisation(gctx, id)
			if err != nil {
				return nil
			}
			mu.Lock()
			defer mu.Unlock()
			names[id] = o.Name
			unverified[id] = !o.Verified
			return nil
		})
	}
	_ = g.Wait()

	for i := range r.Results {
		for _, b := range r.Results[i].Actual.Breakdowns {
			if b.Dimension != dimService && b.Dimension != dimLocation && b.Dimension != dimOrganisation {
				continue
			}
			for j := range b.Cells {
				b.Cells[j].Name = names[b.Cells[j].Label]
				b.Cells[j].Unverified = b.Dimension == dimOrganisation && unverified[b.Cells[j].Label]
			}
		}
	}
}
