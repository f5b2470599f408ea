package app

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/spona/spona/services/referrals/internal/domain"
)

// organisationStore fakes the part of the Repository verification uses
// (GetOrganisation, UpdateOrganisation); anything else panics on the nil
// embedded interface.
type organisationStore struct {
	Repository
	row domain.Organisation
	// changedMeanwhile, when set, changes the entry just before the
	// verification is stored (the organisation editing it).
	changedMeanwhile bool
}

func (s *organisationStore) GetOrganisation(_ context.Context, id string) (*domain.Organisation, error) {
	if id != s.row.ID {
		return nil, errs.NotFound("organisation", id)
	}
	o := s.row
	return &o, nil
}

func (s *organisationStore) UpdateOrganisation(_ context.Context, o *domain.Organisation, _ *domain.DirectoryChange) (*domain.Organisation, error) {
	if s.changedMeanwhile {
		s.row.Version, s.changedMeanwhile = s.row.Version+1, false
	}
	if o.Version != s.row.Version {
		return nil, etag.Mismatch()
	}
	s.row = *o
	s.row.Version++
	out := s.row
	return &out, nil
}

// TestVerifyRunningIntoAnEdit: the administrator's verification sent
// without an etag that runs into the organisation's own edit at the same
// moment read nothing stale: it may be retried as it is (CONCURRENT_UPDATE,
// which the edge answers with Retry-After and keeps no copy of for
// Idempotency-Key replay). With the etag it read, that etag is stale.
func TestVerifyRunningIntoAnEdit(t *testing.T) {
	t.Parallel()
	admin := auth.Principal{OrganisationID: stranger, Scopes: []string{auth.ScopePlatformAdmin}}
	ver := Verification{Name: "Udruga Sigurna kuća", Kind: "ngo", Country: "HR", Reason: "registration certificate seen"}
	for _, tc := range []struct {
		name, tag, reason string
	}{
		{"without an etag", "", errs.ReasonConcurrentUpdate},
		{"with the etag read", etag.Of(3), etag.ReasonMismatch},
	} {
		store := &organisationStore{row: domain.Organisation{ID: receiver, Name: "Udruga", Kind: "ngo", Country: "HR", Version: 3},
			changedMeanwhile: true}
		a := New(store, nil, nil, nil, actor{}, slog.New(slog.DiscardHandler))
		_, err := a.VerifyOrganisation(context.Background(), admin, receiver, ver, tc.tag)
		statustest.WantError(t, err, errs.KindAborted, tc.reason, nil)
		if store.row.Name != "Udruga" {
			t.Errorf("%s: stored %q", tc.name, store.row.Name)
		}
	}
}

// TestVerifiedDetailsRefusedByName: a verified organisation changing its
// name or kind is told which, in a sentence that reads ("its name are
// changed only by" before).
func TestVerifiedDetailsRefusedByName(t *testing.T) {
	t.Parallel()
	verified := time.Now()
	store := &organisationStore{row: domain.Organisation{ID: receiver, Name: "Udruga", Kind: "ngo", Country: "HR", Version: 3, VerifyTime: &verified}}
	a := New(store, nil, nil, nil, actor{}, slog.New(slog.DiscardHandler))
	self := auth.Principal{OrganisationID: receiver, Scopes: []string{"referrals.write"}}
	for paths, want := range map[string]string{
		"name":      "only the platform administrator changes its name (POST",
		"name,kind": "only the platform administrator changes its name and kind (POST",
	} {
		patch := &domain.Organisation{ID: receiver, Name: "Policija", Kind: "police"}
		_, err := a.UpdateOrganisation(context.Background(), self, patch, etag.Of(3), strings.Split(paths, ","))
		statustest.WantError(t, err, errs.KindPermissionDenied, domain.ReasonOrganisationVerified, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("update_mask=%s: %v, want %q", paths, err, want)
		}
	}
}
