package domain

import (
	"strings"
	"time"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/validate"
)

// Page sizes of numbered pages (the HSDS API's page and per_page).
const (
	DefaultPerPage = 50
	MaxPerPage     = 500
)

// DirectoryQuery selects a numbered page of the directory. Unlike the
// keyset pages of the /v1 lists, pages are numbered, with a total: the
// Open Referral profile asks for page and per_page.
type DirectoryQuery struct {
	Search         string
	OrganisationID string
	// Category: only services answering it; CategoryNone: none at all.
	Category string
	// ModifiedAfter: only services changed at or after it, or whose
	// organisation (which HSDS answers nest) was.
	ModifiedAfter time.Time
	// Page and PerPage: 0 when the caller gave none (Normalize applies the
	// defaults); SetPaging sets what a caller gave.
	Page, PerPage int
}

// Bounds of the paging, as refusals say them.
const (
	pageBounds    = "must be between 1 and 1000000"
	perPageBounds = "must be between 1 and 500 (larger values are served as 500)"
)

// SetPaging sets the page and page size a caller gave (nil: not given, the
// default). A page or page size below 1 is refused, not taken for the
// default: a client sending per_page=0 gets an answer it did not ask for.
func (q *DirectoryQuery) SetPaging(v *errs.Violations, page, perPage *int) {
	if page != nil {
		if *page < 1 || *page > 1_000_000 {
			v.Add("page", pageBounds)
		} else {
			q.Page = *page
		}
	}
	if perPage != nil {
		if *perPage < 1 {
			v.Add("per_page", perPageBounds)
		} else {
			q.PerPage = *perPage
		}
	}
}

// CategoryNone selects nothing (a taxonomy term the directory does not have).
const CategoryNone = "-"

// Normalize applies the defaults and bounds of the paging.
func (q *DirectoryQuery) Normalize() {
	q.Search = strings.TrimSpace(q.Search)
	if q.Page == 0 {
		q.Page = 1
	}
	switch {
	case q.PerPage == 0:
		q.PerPage = DefaultPerPage
	case q.PerPage > MaxPerPage:
		q.PerPage = MaxPerPage
	}
}

// Validate checks the query.
func (q *DirectoryQuery) Validate() error {
	var v errs.Violations
	validate.Text(&v, "search", q.Search, 200, false)
	if q.Page < 1 || q.Page > 1_000_000 {
		v.Add("page", pageBounds)
	}
	if q.PerPage < 1 {
		v.Add("per_page", perPageBounds)
	}
	idField(&v, "organization_id", q.OrganisationID, false)
	return v.Err()
}

// Offset is the number of entries before the page.
func (q *DirectoryQuery) Offset() int { return (q.Page - 1) * q.PerPage }

// Results is a numbered page of entries and the number of entries of all
// pages.
type Results[T any] struct {
	Items []T
	Total int
}

// ServiceLocation is one location of a service (HSDS service_at_location).
type ServiceLocation struct {
	Service *Service
	Index   int // in Service.Locations
}
