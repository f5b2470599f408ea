package app

import (
	"context"
	"slices"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/services/referrals/internal/domain"
)

// Reads of the directory in numbered pages, for the HSDS API. The directory
// is readable by every caller allowed to read it (the scope is checked by
// the server); nothing here is scoped to the caller's organisation.

func (a *App) query(q *domain.DirectoryQuery) error {
	q.Normalize()
	if err := q.Validate(); err != nil {
		return err
	}
	q.OrganisationID = ids.Normalize(q.OrganisationID)
	return nil
}

// SearchServices returns a numbered page of the services matching q.
func (a *App) SearchServices(ctx context.Context, q domain.DirectoryQuery) (domain.Results[*domain.Service], error) {
	if err := a.query(&q); err != nil || q.Category == domain.CategoryNone {
		return domain.Results[*domain.Service]{}, err
	}
	return a.repo.SearchServices(ctx, q)
}

// SearchServiceLocations returns a numbered page of the locations of the
// services matching q.
func (a *App) SearchServiceLocations(ctx context.Context, q domain.DirectoryQuery) (domain.Results[domain.ServiceLocation], error) {
	if err := a.query(&q); err != nil || q.Category == domain.CategoryNone {
		return domain.Results[domain.ServiceLocation]{}, err
	}
	return a.repo.SearchServiceLocations(ctx, q)
}

// ServiceLocation returns the service with the location locationID, and
// where in its locations that is.
func (a *App) ServiceLocation(ctx context.Context, locationID string) (domain.ServiceLocation, error) {
	if err := ids.Check("id", locationID); err != nil {
		return domain.ServiceLocation{}, err
	}
	s, err := a.repo.ServiceWithLocation(ctx, ids.Normalize(locationID))
	if err != nil {
		return domain.ServiceLocation{}, err
	}
	i := slices.IndexFunc(s.Locations, func(l domain.Location) bool { return l.ID == ids.Normalize(locationID) })
	if i < 0 {
		return domain.ServiceLocation{}, errs.NotFound("location", locationID)
	}
	return domain.ServiceLocation{Service: s, Index: i}, nil
}

// SearchOrganisations returns a numbered page of the organisations
// matching q's search.
func (a *App) SearchOrganisations(ctx context.Context, q domain.DirectoryQuery) (domain.Results[*domain.Organisation], error) {
	if err := a.query(&q); err != nil {
		return domain.Results[*domain.Organisation]{}, err
	}
	return a.repo.SearchOrganisations(ctx, q)
}

// OrganisationsOf returns the organisations offering the services, by id.
func (a *App) OrganisationsOf(ctx context.Context, services []*domain.Service) (map[string]*domain.Organisation, error) {
	var want []string
	for _, s := range services {
		if !slices.Contains(want, s.OrganisationID) {
			want = append(want, s.OrganisationID)
		}
	}
	out := map[string]*domain.Organisation{}
	if len(want) == 0 {
		return out, nil
	}
	orgs, err := a.repo.OrganisationsByID(ctx, want)
	for _, o := range orgs {
		out[o.ID] = o
	}
	return out, err
}

// ServicesOf returns the services of the organisations, by organisation id.
func (a *App) ServicesOf(ctx context.Context, organisations []*domain.Organisation) (map[string][]*domain.Service, error) {
	out := map[string][]*domain.Service{}
	if len(organisations) == 0 {
		return out, nil
	}
	orgIDs := make([]string, len(organisations))
	for i, o := range organisations {
		orgIDs[i] = o.ID
	}
	svcs, err := a.repo.ServicesOf(ctx, orgIDs)
	for _, s := range svcs {
		out[s.OrganisationID] = append(out[s.OrganisationID], s)
	}
	return out, err
}

// FillSearchKeys gives rows stored before search keys (and organisations'
// match keys, domain.MatchKey) existed theirs.
func (a *App) FillSearchKeys(ctx context.Context) (int, error) { return a.repo.FillSearchKeys(ctx) }
