package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/pkg/validate"
	"github.com/spona/spona/services/referrals/internal/domain"
)

// CreateOrganisation adds an organisation to the directory.
func (a *App) CreateOrganisation(ctx context.Context, p auth.Principal, o *domain.Organisation, requestID string) (*domain.Organisation, error) {
	o.Normalize()
	if err := o.Validate(a.registry); err != nil {
		return nil, err
	}
	o.ID = ids.New()
	out, err := a.repo.CreateOrganisation(ctx, o, p.OrganisationID, requestID, adminChange(p, "", domain.ChangeCreate, nil))
	if err == nil && out.ID != o.ID && !out.SameRequest(o) {
		// Not a retry: another organisation must not be answered as if
		// this one were registered.
		return nil, errs.RequestIDReused("register organisation " + out.ID + " with other data")
	}
	return out, err
}

// GetOrganisation returns a directory entry.
func (a *App) GetOrganisation(ctx context.Context, id string) (*domain.Organisation, error) {
	if err := ids.Check("id", id); err != nil {
		return nil, err
	}
	return a.repo.GetOrganisation(ctx, ids.Normalize(id))
}

// ListOrganisations lists the directory in creation order, newest first.
func (a *App) ListOrganisations(ctx context.Context, org string, f domain.OrganisationFilter, size int32, token string) ([]*domain.Organisation, string, error) {
	if err := f.Validate(); err != nil {
		return nil, "", err
	}
	page, err := pagination.Parse(size, token, pagination.UUIDKey, org, pagination.Fingerprint("organisations", f.NameKey, f.Kind, f.Country, f.MunicipalityKey, f.Language))
	if err != nil {
		return nil, "", err
	}
	rows, err := a.repo.ListOrganisations(ctx, f, page)
	if err != nil {
		return nil, "", err
	}
	rows, next := pagination.Next(page, rows, func(o *domain.Organisation) string { return o.ID })
	return rows, next, nil
}

// mayManage: an organisation manages its own directory entries; the
// directory administrators manage all.
func mayManage(p auth.Principal, organisationID string) error {
	if p.OrganisationID == organisationID || p.Has(auth.ScopeDirectoryAdmin) {
		return nil
	}
	return errs.PermissionDenied("only the organisation itself or a directory administrator may change its directory entries")
}

// UpdateOrganisation replaces the fields in paths of organisation patch.ID,
// if tag is the etag of the stored version.
func (a *App) UpdateOrganisation(ctx context.Context, p auth.Principal, patch *domain.Organisation, tag string, paths []string) (*domain.Organisation, error) {
	if err := ids.Check("organisation.id", patch.ID); err != nil {
		return nil, err
	}
	o, err := a.repo.GetOrganisation(ctx, ids.Normalize(patch.ID))
	if err != nil {
		return nil, err
	}
	if err := mayManage(p, o.ID); err != nil {
		return nil, err
	}
	before := *o
	fields, err := o.Apply(patch, paths)
	if err != nil {
		return nil, err
	}
	o.Normalize()
	o.Identifier, _ = a.registry.Canonical(o.Identifier) // as stored, so the same one sent back is no change
	if changed := before.ChangedVerified(o); before.Verified() && len(changed) > 0 {
		return nil, &errs.Error{Kind: errs.KindPermissionDenied, Reason: domain.ReasonOrganisationVerified,
			Message: fmt.Sprintf("the organisation is verified: only the platform administrator changes its %s (POST /v1/organisations/%s:verify)",
				andList(changed), o.ID)}
	}
	if err := o.Validate(a.registry); err != nil {
		return nil, err
	}
	if err := etag.Require("organisation.etag", tag, o.Version); err != nil {
		return nil, err
	}
	return a.repo.UpdateOrganisation(ctx, o, adminChange(p, o.ID, domain.ChangeUpdate, fields))
}

// adminChange is the audit record of p's action on the directory entries
// of organisation org when p is not that organisation (a directory
// administrator: mayManage), or creates one (org ""); nil for an
// organisation's changes of its own entries.
func adminChange(p auth.Principal, org, action string, fields []string) *domain.DirectoryChange {
	if p.OrganisationID == org {
		return nil
	}
	return &domain.DirectoryChange{Action: action, ActorOrganisationID: p.OrganisationID, ActorClientID: p.ClientID,
		Fields: fields}
}

// Verification is what the platform administrator vouches for when
// verifying an organisation.
type Verification struct {
	Name, Kind, Country string
	// LocalizedNames replace the organisation's when not empty.
	LocalizedNames map[string]string
	// Identifier replaces the organisation's registered identifier when not
	// nil ("" clears it).
	Identifier *string
	Reason     string
}

// VerifyOrganisation is the platform administrator confirming (or
// correcting) an organisation's legal name, localized names, kind, country
// and registered identifier.
func (a *App) VerifyOrganisation(ctx context.Context, p auth.Principal, id string, ver Verification, tag string) (*domain.Organisation, error) {
	name, kind, country, reason := ver.Name, ver.Kind, ver.Country, ver.Reason
	if !p.Has(auth.ScopePlatformAdmin) {
		return nil, errs.PermissionDenied("only the platform administrator verifies organisations")
	}
	if err := ids.Check("id", id); err != nil {
		return nil, err
	}
	var v errs.Violations
	validate.Text(&v, "name", strings.TrimSpace(name), 300, true)
	validate.OneOf(&v, "kind", kind, domain.OrganisationKinds, true)
	if strings.TrimSpace(country) == "" {
		v.Add("country", "is required")
	} else if !slices.Contains(domain.Countries, strings.ToUpper(strings.TrimSpace(country))) {
		v.Add("country", "must be RS, BA or HR")
	}
	validate.Text(&v, "reason", strings.TrimSpace(reason), 1000, true)
	a.registry.CheckVerification(&v, ver.LocalizedNames, ver.Identifier)
	if err := v.Err(); err != nil {
		return nil, err
	}
	o, err := a.repo.GetOrganisation(ctx, ids.Normalize(id))
	if err != nil {
		return nil, err
	}
	if err := etag.Match("etag", tag, o.Version); err != nil {
		return nil, err
	}
	before := o.VerifiedDetails()
	o.Name, o.Kind, o.Country = name, kind, country
	if len(ver.LocalizedNames) > 0 {
		o.LocalizedNames = ver.LocalizedNames
	}
	if ver.Identifier != nil {
		o.Identifier = *ver.Identifier
	}
	o.Normalize()
	if err := o.Validate(a.registry); err != nil {
		return nil, err
	}
	out, err := a.repo.UpdateOrganisation(ctx, o, &domain.DirectoryChange{
		Action: domain.ChangeVerify, ActorOrganisationID: p.OrganisationID, ActorClientID: p.ClientID, Reason: strings.TrimSpace(reason),
		Before: before, After: o.VerifiedDetails(),
	})
	if tag == "" && errs.KindOf(err) == errs.KindAborted {
		// No etag of the caller's is stale: the verification ran into
		// the organisation's own edit, and may be sent again as it is.
		return nil, errs.ConcurrentUpdate(err)
	}
	return out, err
}

// CreateService publishes a service of an organisation.
func (a *App) CreateService(ctx context.Context, p auth.Principal, s *domain.Service, requestID string) (*domain.Service, error) {
	if err := ids.Check("organisation_id", s.OrganisationID); err != nil {
		return nil, err
	}
	s.OrganisationID = ids.Normalize(s.OrganisationID)
	s.Normalize()
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if err := mayManage(p, s.OrganisationID); err != nil {
		return nil, err
	}
	if _, err := a.repo.GetOrganisation(ctx, s.OrganisationID); err != nil {
		return nil, err
	}
	s.ID = ids.New()
	s.NewLocationIDs()
	out, err := a.repo.CreateService(ctx, s, p.OrganisationID, requestID, adminChange(p, s.OrganisationID, domain.ChangeServiceCreate, nil))
	if err == nil && out.ID != s.ID && !out.SameRequest(s) {
		return nil, errs.RequestIDReused("publish service " + out.ID + " with other data")
	}
	return out, err
}

// GetService returns a service from the directory.
func (a *App) GetService(ctx context.Context, id string) (*domain.Service, error) {
	if err := ids.Check("id", id); err != nil {
		return nil, err
	}
	return a.repo.GetService(ctx, ids.Normalize(id))
}

// ListServices lists services, newest first.
func (a *App) ListServices(ctx context.Context, org string, f domain.ServiceFilter, size int32, token string) ([]*domain.Service, string, error) {
	if err := f.Validate(); err != nil {
		return nil, "", err
	}
	f.OrganisationID = ids.Normalize(f.OrganisationID)
	page, err := pagination.Parse(size, token, pagination.UUIDKey, org, pagination.Fingerprint("services", f.OrganisationID, f.Category, f.MunicipalityKey, f.Language, optionalBool(f.AcceptingReferrals)))
	if err != nil {
		return nil, "", err
	}
	rows, err := a.repo.ListServices(ctx, f, page)
	if err != nil {
		return nil, "", err
	}
	rows, next := pagination.Next(page, rows, func(s *domain.Service) string { return s.ID })
	return rows, next, nil
}

// UpdateService replaces the fields in paths of service patch.ID, if tag
// is the etag of the stored version.
func (a *App) UpdateService(ctx context.Context, p auth.Principal, patch *domain.Service, tag string, paths []string) (*domain.Service, error) {
	if err := ids.Check("service.id", patch.ID); err != nil {
		return nil, err
	}
	s, err := a.repo.GetService(ctx, ids.Normalize(patch.ID))
	if err != nil {
		return nil, err
	}
	if err := mayManage(p, s.OrganisationID); err != nil {
		return nil, err
	}
	fields, err := s.Apply(patch, paths)
	if err != nil {
		return nil, err
	}
	s.Normalize()
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if err := etag.Require("service.etag", tag, s.Version); err != nil {
		return nil, err
	}
	return a.repo.UpdateService(ctx, s, adminChange(p, s.OrganisationID, domain.ChangeServiceUpdate, fields))
}

func optionalBool(b *bool) string {
	if b == nil {
		return ""
	}
	if *b {
		return "true"
	}
	return "false"
}

// andList joins words as a sentence does: "a", "a and b", "a, b and c".
func andList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
