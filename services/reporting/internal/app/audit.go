package app

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/reporting/internal/domain"
)

// AuditQuery selects a page of a project's audit records, as organisation
// Viewer asks for them: those numbered below BeforeProject (project
// records) and BeforeIndicator (indicator and value records; 0: from the
// newest), made in [From, To) (a zero time leaves that end open), of one
// indicator only when IndicatorID is set (then no project records).
type AuditQuery struct {
	Viewer, ProjectID, IndicatorID string
	From, To                       time.Time
	BeforeProject, BeforeIndicator int64
	Limit                          int
}

// AuditStore reads the audit of projects, indicators and values.
type AuditStore interface {
	// ListAudit returns the project as q.Viewer may read it (errs.NotFound
	// when it may not: see ProjectStore) and, only when q.Viewer
	// implements it (domain.Project.CanChange), up to q.Limit project
	// records and up to q.Limit indicator and value records of q, each
	// highest number first: the access check and the page at once.
	ListAudit(ctx context.Context, q AuditQuery) (pr *domain.Project, projects, indicators []domain.AuditEvent, err error)
}

// ListProjectAuditEvents lists the audit records of a project the caller
// implements: its changes and its indicators' and values' (of indicator
// indicatorID only, when given; a deleted indicator's too), made in
// [from, to) (zero: open), newest first. Partners and funders may not:
// the records hold the figures unsuppressed and the API client of each
// change, which they are not shown.
func (a *App) ListProjectAuditEvents(ctx context.Context, p auth.Principal, projectID, indicatorID string, from, to time.Time, size int32, token string) ([]domain.AuditEvent, string, error) {
	var v errs.Violations
	if indicatorID != "" && !ids.Valid(ids.Normalize(indicatorID)) {
		v.Add("indicator_id", "must be a UUID")
	}
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		v.Add("end_time", "must be after start_time")
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	indicatorID = ids.Normalize(indicatorID)
	// The token first: another organisation's is refused as such, before
	// the project is looked for.
	page, err := pagination.Parse(size, token, auditKey, p.OrganisationID,
		pagination.Fingerprint("audit", ids.Normalize(projectID), indicatorID, from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano)))
	if err != nil {
		return nil, "", err
	}
	if err := ids.Check("project_id", projectID); err != nil {
		return nil, "", err
	}
	q := AuditQuery{Viewer: p.OrganisationID, ProjectID: ids.Normalize(projectID), IndicatorID: indicatorID, From: from, To: to,
		Limit: page.Limit()}
	q.BeforeProject, q.BeforeIndicator, _ = parseAuditKey(page.After)
	pr, ps, is, err := a.repo.ListAudit(ctx, q)
	if err != nil {
		return nil, "", err
	}
	if !pr.CanChange(p.OrganisationID) {
		return nil, "", errs.PermissionDenied("only the implementing organisation may read the audit of project %s", pr.ID)
	}
	rows, next := pagination.Next(page, mergeAudit(ps, is, q), func(r auditRow) string { return r.key })
	out := make([]domain.AuditEvent, len(rows))
	for i, r := range rows {
		out[i] = r.AuditEvent
	}
	return out, next, nil
}

// auditRow is a record of a page with the page key after it: the numbers
// of the last project and indicator records listed so far.
type auditRow struct {
	domain.AuditEvent
	key string
}

// mergeAudit merges a page's project and indicator records (each highest
// number first) newest first, up to q.Limit: the newer of the two next
// ones (the project's on a tie: a project deletion comes after its
// indicators'), each list staying in its order, so a page key names what
// was listed of each.
func mergeAudit(ps, is []domain.AuditEvent, q AuditQuery) []auditRow {
	bp, bi := q.BeforeProject, q.BeforeIndicator
	out := make([]auditRow, 0, min(q.Limit, len(ps)+len(is)))
	for len(out) < q.Limit && len(ps)+len(is) > 0 {
		var e domain.AuditEvent
		if len(is) == 0 || (len(ps) > 0 && !ps[0].Time.Before(is[0].Time)) {
			e, ps, bp = ps[0], ps[1:], ps[0].ID
		} else {
			e, is, bi = is[0], is[1:], is[0].ID
		}
		out = append(out, auditRow{AuditEvent: e, key: strconv.FormatInt(bp, 10) + "." + strconv.FormatInt(bi, 10)})
	}
	return out
}

// parseAuditKey reads a page key: the last project and indicator record
// numbers listed ("0.0" and "" for none).
func parseAuditKey(key string) (project, indicator int64, ok bool) {
	if key == "" {
		return 0, 0, true
	}
	ps, is, found := strings.Cut(key, ".")
	if !found || !pagination.IntKey(ps) || !pagination.IntKey(is) {
		return 0, 0, false
	}
	project, _ = strconv.ParseInt(ps, 10, 64)
	indicator, _ = strconv.ParseInt(is, 10, 64)
	return project, indicator, true
}

// auditKey accepts the page keys mergeAudit makes.
var auditKey pagination.Key = func(key string) bool {
	_, _, ok := parseAuditKey(key)
	return ok && key != ""
}
