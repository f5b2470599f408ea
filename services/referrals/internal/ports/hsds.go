package ports

import (
	"context"
	"strings"
	"time"

	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/i18n"
	"github.com/spona/spona/services/referrals/internal/app"
	"github.com/spona/spona/services/referrals/internal/domain"
	"github.com/spona/spona/services/referrals/internal/hsds"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// OpenReferral implements pb.OpenReferralServiceServer: the directory as
// HSDS 3.0 JSON (package hsds writes it).
type OpenReferral struct {
	pb.UnimplementedOpenReferralServiceServer
	app *app.App
}

// NewOpenReferral returns the HSDS port.
func NewOpenReferral(a *app.App) *OpenReferral { return &OpenReferral{app: a} }

// writer negotiates the answer's language from the caller's
// Accept-Language (forwarded by the edge) as the edge's error texts do, and
// announces it: without a header each record is written in its working
// language, and a header asking only for languages the directory lacks
// gets English. Schedules' local times get the offset of the directory's
// time zone (REPORT_TIME_ZONE) now.
func (h *OpenReferral) writer(ctx context.Context) hsds.Writer {
	md, _ := metadata.FromIncomingContext(ctx)
	w := hsds.Writer{At: h.app.LocalNow()}
	if al := strings.Join(md.Get("accept-language"), ","); strings.TrimSpace(al) != "" {
		w.Lang = i18n.Negotiate(al)
	}
	if w.Lang != "" {
		_ = grpc.SetHeader(ctx, metadata.Pairs("content-language", w.Lang))
	}
	return w
}

func jsonBody(v any) (*httpbody.HttpBody, error) {
	data, err := hsds.Marshal(v)
	if err != nil {
		return nil, err
	}
	return &httpbody.HttpBody{ContentType: "application/json", Data: data}, nil
}

// pageRequest is what every list request has.
type pageRequest interface {
	GetSearch() string
	GetPage() int32
	GetPerPage() int32
	GetFormat() string
	ProtoReflect() protoreflect.Message
}

// serviceFilter is what the service lists filter by.
type serviceFilter interface {
	pageRequest
	GetTaxonomyTermId() string
	GetTaxonomyId() string
	GetOrganizationId() string
	GetModifiedAfter() string
}

func query(req pageRequest, v *errs.Violations) domain.DirectoryQuery {
	if f := strings.ToLower(req.GetFormat()); f != "" && f != "json" {
		v.Add("format", "only json is served")
	}
	q := domain.DirectoryQuery{Search: req.GetSearch()}
	m := req.ProtoReflect()
	q.SetPaging(v, given(m, "page"), given(m, "per_page"))
	return q
}

// given is the value of m's optional integer field name, or nil when the
// caller gave none.
func given(m protoreflect.Message, name protoreflect.Name) *int {
	f := m.Descriptor().Fields().ByName(name)
	if !m.Has(f) {
		return nil
	}
	n := int(m.Get(f).Int())
	return &n
}

func serviceQuery(req serviceFilter) (domain.DirectoryQuery, error) {
	var v errs.Violations
	q := query(req, &v)
	q.OrganisationID = req.GetOrganizationId()
	if t := req.GetTaxonomyTermId(); t != "" {
		q.Category = domain.CategoryNone
		if c, ok := hsds.Category(t); ok {
			q.Category = c
		}
	}
	if t := strings.ToLower(strings.TrimSpace(req.GetTaxonomyId())); t != "" && t != hsds.TaxonomyID {
		q.Category = domain.CategoryNone
	}
	if m := strings.TrimSpace(req.GetModifiedAfter()); m != "" {
		t, err := time.Parse(time.RFC3339, m)
		if err != nil {
			t, err = time.Parse(time.DateOnly, m)
		}
		if err != nil {
			v.Add("modified_after", "must be a time (RFC 3339, e.g. 2025-01-31T12:00:00Z) or a date (YYYY-MM-DD)")
		}
		q.ModifiedAfter = t
	}
	return q, v.Err()
}

// GetHsdsApiInfo implements pb.OpenReferralServiceServer.
func (h *OpenReferral) GetHsdsApiInfo(context.Context, *pb.GetHsdsApiInfoRequest) (*httpbody.HttpBody, error) {
	return jsonBody(hsds.APIInfo())
}

// ListHsdsServices implements pb.OpenReferralServiceServer.
func (h *OpenReferral) ListHsdsServices(ctx context.Context, req *pb.ListHsdsServicesRequest) (*httpbody.HttpBody, error) {
	q, err := serviceQuery(req)
	if req.GetMinimal() {
		// The profile: "aim to return all services within one call".
		if req.PerPage == nil {
			q.PerPage = domain.MaxPerPage
		}
		if req.GetFull() {
			var v errs.Violations
			v.Add("minimal", "cannot be combined with full")
			err = errorsOf(&v, err)
		}
	}
	if err != nil {
		return nil, err
	}
	res, err := h.app.SearchServices(ctx, q)
	if err != nil {
		return nil, err
	}
	// The organisations, nested, and whose changes are the services' too
	// (last_modified), minimal or not.
	orgs, err := h.app.OrganisationsOf(ctx, res.Items)
	if err != nil {
		return nil, err
	}
	w := h.writer(ctx)
	out := make([]hsds.Service, len(res.Items))
	for i, s := range res.Items {
		switch {
		case req.GetMinimal():
			out[i] = w.ServiceMinimal(s, orgs[s.OrganisationID])
		case req.GetFull():
			out[i] = w.Service(s, orgs[s.OrganisationID])
		default:
			out[i] = w.ServiceSummary(s, orgs[s.OrganisationID])
		}
	}
	q.Normalize()
	return jsonBody(hsds.NewPage(out, res.Total, q.Page, q.PerPage))
}

// GetHsdsService implements pb.OpenReferralServiceServer.
func (h *OpenReferral) GetHsdsService(ctx context.Context, req *pb.GetHsdsServiceRequest) (*httpbody.HttpBody, error) {
	s, err := h.app.GetService(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	orgs, err := h.app.OrganisationsOf(ctx, []*domain.Service{s})
	if err != nil {
		return nil, err
	}
	return jsonBody(h.writer(ctx).Service(s, orgs[s.OrganisationID]))
}

// ListHsdsOrganizations implements pb.OpenReferralServiceServer.
func (h *OpenReferral) ListHsdsOrganizations(ctx context.Context, req *pb.ListHsdsOrganizationsRequest) (*httpbody.HttpBody, error) {
	var v errs.Violations
	q := query(req, &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	res, err := h.app.SearchOrganisations(ctx, q)
	if err != nil {
		return nil, err
	}
	var services map[string][]*domain.Service
	if req.GetFull() || req.GetFullService() {
		if services, err = h.app.ServicesOf(ctx, res.Items); err != nil {
			return nil, err
		}
	}
	w := h.writer(ctx)
	out := make([]hsds.Organization, len(res.Items))
	for i, o := range res.Items {
		out[i] = w.Organization(o)
		out[i].Services = servicesOf(w, o, services[o.ID], req.GetFullService())
	}
	q.Normalize()
	return jsonBody(hsds.NewPage(out, res.Total, q.Page, q.PerPage))
}

func servicesOf(w hsds.Writer, o *domain.Organisation, svcs []*domain.Service, full bool) []hsds.Service {
	var out []hsds.Service
	for _, s := range svcs {
		if full {
			out = append(out, w.Service(s, o))
		} else {
			out = append(out, w.ServiceRef(s))
		}
	}
	return out
}

// GetHsdsOrganization implements pb.OpenReferralServiceServer.
func (h *OpenReferral) GetHsdsOrganization(ctx context.Context, req *pb.GetHsdsOrganizationRequest) (*httpbody.HttpBody, error) {
	o, err := h.app.GetOrganisation(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	services, err := h.app.ServicesOf(ctx, []*domain.Organisation{o})
	if err != nil {
		return nil, err
	}
	w := h.writer(ctx)
	out := w.Organization(o)
	out.Services = servicesOf(w, o, services[o.ID], req.GetFullService())
	return jsonBody(out)
}

// ListHsdsServiceAtLocations implements pb.OpenReferralServiceServer.
func (h *OpenReferral) ListHsdsServiceAtLocations(ctx context.Context, req *pb.ListHsdsServiceAtLocationsRequest) (*httpbody.HttpBody, error) {
	q, err := serviceQuery(req)
	var v errs.Violations
	for _, f := range [][2]string{{"postcode", req.GetPostcode()}, {"proximity", req.GetProximity()}} {
		if f[1] != "" {
			v.Add(f[0], "is not served: the directory keeps no postal codes or coordinates of locations")
		}
	}
	if err = errorsOf(&v, err); err != nil {
		return nil, err
	}
	res, err := h.app.SearchServiceLocations(ctx, q)
	if err != nil {
		return nil, err
	}
	// Fully nested, each service with its organisation, whose changes are
	// the service's too (last_modified, and the modified_after filter).
	orgs := map[string]*domain.Organisation{}
	if req.GetFull() {
		svcs := make([]*domain.Service, len(res.Items))
		for i, sl := range res.Items {
			svcs[i] = sl.Service
		}
		if orgs, err = h.app.OrganisationsOf(ctx, svcs); err != nil {
			return nil, err
		}
	}
	w := h.writer(ctx)
	out := make([]hsds.ServiceAtLocation, len(res.Items))
	for i, sl := range res.Items {
		out[i] = w.ServiceAtLocation(sl, orgs[sl.Service.OrganisationID], req.GetFull())
	}
	q.Normalize()
	return jsonBody(hsds.NewPage(out, res.Total, q.Page, q.PerPage))
}

// GetHsdsServiceAtLocation implements pb.OpenReferralServiceServer.
func (h *OpenReferral) GetHsdsServiceAtLocation(ctx context.Context, req *pb.GetHsdsServiceAtLocationRequest) (*httpbody.HttpBody, error) {
	location, ok := hsds.LocationOf(strings.TrimSpace(req.GetId()))
	if !ok {
		var v errs.Violations
		v.Add("id", "must be a UUID")
		return nil, v.Err()
	}
	sl, err := h.app.ServiceLocation(ctx, location)
	if errs.KindOf(err) == errs.KindNotFound {
		return nil, errs.NotFound("service_at_location", req.GetId())
	}
	if err != nil {
		return nil, err
	}
	orgs, err := h.app.OrganisationsOf(ctx, []*domain.Service{sl.Service})
	if err != nil {
		return nil, err
	}
	w := h.writer(ctx)
	out := w.ServiceAtLocation(sl, nil, false)
	// The service fully nested with its organisation; its locations are
	// the entry's own (the profile's nested service has no
	// service_at_locations).
	svc := w.Service(sl.Service, orgs[sl.Service.OrganisationID])
	svc.ServiceAtLocations = nil
	out.Service = &svc
	return jsonBody(out)
}

// staticPage pages a fixed list, keeping the entries whose texts hold
// every search word.
func staticPage[T any](req pageRequest, all []T, texts func(T) []string) (*httpbody.HttpBody, error) {
	var v errs.Violations
	q := query(req, &v)
	q.Normalize()
	if err := errorsOf(&v, q.Validate()); err != nil {
		return nil, err
	}
	words := domain.SearchWords(q.Search)
	var hits []T
	for _, x := range all {
		key := strings.Join(domain.SearchWords(strings.Join(texts(x), " ")), " ")
		match := true
		for _, w := range words {
			match = match && strings.Contains(key, w)
		}
		if match {
			hits = append(hits, x)
		}
	}
	page := hits[min(q.Offset(), len(hits)):min(q.Offset()+q.PerPage, len(hits))]
	return jsonBody(hsds.NewPage(page, len(hits), q.Page, q.PerPage))
}

// errorsOf returns the violations recorded and those of err, as one error.
func errorsOf(v *errs.Violations, err error) error {
	if e, ok := err.(*errs.Error); ok {
		*v = append(*v, e.Violations...)
	} else if err != nil {
		return err
	}
	return v.Err()
}

// ListHsdsTaxonomies implements pb.OpenReferralServiceServer.
func (h *OpenReferral) ListHsdsTaxonomies(ctx context.Context, req *pb.ListHsdsTaxonomiesRequest) (*httpbody.HttpBody, error) {
	w := h.writer(ctx)
	return staticPage(req, []hsds.Taxonomy{w.Taxonomy()}, func(t hsds.Taxonomy) []string { return []string{t.Name, t.Description} })
}

// GetHsdsTaxonomy implements pb.OpenReferralServiceServer.
func (h *OpenReferral) GetHsdsTaxonomy(ctx context.Context, req *pb.GetHsdsTaxonomyRequest) (*httpbody.HttpBody, error) {
	if strings.ToLower(strings.TrimSpace(req.GetId())) != hsds.TaxonomyID {
		return nil, errs.NotFound("taxonomy", req.GetId())
	}
	return jsonBody(h.writer(ctx).Taxonomy())
}

// ListHsdsTaxonomyTerms implements pb.OpenReferralServiceServer.
func (h *OpenReferral) ListHsdsTaxonomyTerms(ctx context.Context, req *pb.ListHsdsTaxonomyTermsRequest) (*httpbody.HttpBody, error) {
	w := h.writer(ctx)
	terms := w.Terms()
	if t := strings.ToLower(strings.TrimSpace(req.GetTaxonomyId())); (t != "" && t != hsds.TaxonomyID) || req.GetParentId() != "" {
		terms = nil // no such taxonomy; the terms have no children
	}
	return staticPage(req, terms, func(t hsds.TaxonomyTerm) []string {
		return append([]string{t.Code, t.Description}, labels(t.Code)...)
	})
}

func labels(category string) []string {
	var out []string
	for _, l := range domain.CategoryLabels[category] {
		out = append(out, l)
	}
	return out
}

// GetHsdsTaxonomyTerm implements pb.OpenReferralServiceServer.
func (h *OpenReferral) GetHsdsTaxonomyTerm(ctx context.Context, req *pb.GetHsdsTaxonomyTermRequest) (*httpbody.HttpBody, error) {
	c, ok := hsds.Category(req.GetId())
	if !ok {
		return nil, errs.NotFound("taxonomy term", req.GetId())
	}
	return jsonBody(h.writer(ctx).Term(c, true))
}
