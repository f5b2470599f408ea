package keys

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
)

// dirFake is a directory of fixed organisations counting the look-ups.
type dirFake struct {
	orgs  map[string]Organisation
	down  bool
	calls int
}

func (d *dirFake) Organisation(_ context.Context, id string) (*Organisation, error) {
	d.calls++
	if d.down {
		return nil, errs.PermissionDenied("the edge may not read the directory")
	}
	o, ok := d.orgs[id]
	if !ok {
		return nil, nil
	}
	return &o, nil
}
func (d *dirFake) Named(context.Context, string) ([]Organisation, error) { return nil, nil }
func (d *dirFake) Register(context.Context, Organisation, string) (string, error) {
	return "", errors.New("no")
}

// A token's organisation is looked up once per TTL; a missing or
// unverified one is refused as PERMISSION_DENIED with key creation's
// reason; a directory that cannot answer is no refusal and is asked again.
func TestOrganisationsRemembersAnswers(t *testing.T) {
	const ok, unverified, missing = "0190a1b2-0000-7000-8000-000000000001", "0190a1b2-0000-7000-8000-000000000002", "0190a1b2-0000-7000-8000-000000000003"
	d := &dirFake{orgs: map[string]Organisation{ok: {ID: ok, Verified: true}, unverified: {ID: unverified, Name: "U"}}}
	o := NewOrganisations(d, time.Minute, time.Minute)
	now := time.Unix(1_800_000_000, 0)
	o.now = func() time.Time { return now }
	ctx := context.Background()
	for range 3 {
		if err := o.Check(ctx, ok); err != nil {
			t.Fatal(err)
		}
	}
	for id, reason := range map[string]string{unverified: "ORGANISATION_NOT_VERIFIED", missing: "ORGANISATION_NOT_FOUND"} {
		for range 2 {
			var e *errs.Error
			if err := o.Check(ctx, id); !errors.As(err, &e) || e.Kind != errs.KindPermissionDenied || e.Reason != reason {
				t.Fatalf("%s: %v, want PERMISSION_DENIED %s", id, err, reason)
			}
		}
	}
	if err := o.Check(ctx, auth.PlatformOrganisationID); err != nil {
		t.Fatal(err)
	}
	if d.calls != 3 {
		t.Fatalf("%d directory look-ups, want 3 (one per organisation)", d.calls)
	}
	now = now.Add(time.Minute)
	d.down = true
	for range 2 {
		if err := o.Check(ctx, ok); err == nil || errs.KindOf(err) == errs.KindPermissionDenied {
			t.Fatalf("directory refusing the edge: %v, want an error that is no 403", err)
		}
	}
	if d.calls != 5 {
		t.Fatalf("%d directory look-ups, want 5 (a failure is not remembered)", d.calls)
	}
}
