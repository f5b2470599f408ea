package etag_test

import (
	"errors"
	"testing"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		required bool
		given    string
		kind     errs.Kind // -1: no error
		reason   string
	}{
		{"current", true, `W/"7"`, -1, ""},
		{"stale", true, `W/"6"`, errs.KindAborted, etag.ReasonMismatch},
		{"another version", true, `W/"8"`, errs.KindAborted, etag.ReasonMismatch},
		{"strong form is no etag of ours", true, `"7"`, errs.KindInvalidArgument, ""},
		{"bare version is malformed", true, `7`, errs.KindInvalidArgument, ""},
		{"bare other version is malformed", true, `5`, errs.KindInvalidArgument, ""},
		{"garbage", true, `garbage`, errs.KindInvalidArgument, ""},
		{"leading zero", true, `W/"07"`, errs.KindInvalidArgument, ""},
		{"unterminated", true, `W/"7`, errs.KindInvalidArgument, ""},
		{"garbage on optional", false, `garbage`, errs.KindInvalidArgument, ""},
		{"missing on update", true, "", errs.KindAborted, etag.ReasonRequired},
		{"missing on optional", false, "", -1, ""},
		{"stale on optional", false, `W/"1"`, errs.KindAborted, etag.ReasonMismatch},
		{"current on optional", false, `W/"7"`, -1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var err error
			if tt.required {
				err = etag.Require("thing.etag", tt.given, 7)
			} else {
				err = etag.Match("thing.etag", tt.given, 7)
			}
			if tt.kind == -1 {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != tt.kind || e.Reason != tt.reason {
				t.Fatalf("got %#v, want kind %v reason %s", err, tt.kind, tt.reason)
			}
			if (tt.reason == etag.ReasonRequired || tt.kind == errs.KindInvalidArgument) &&
				(len(e.Violations) != 1 || e.Violations[0].Field != "thing.etag") {
				t.Fatalf("%s names no field: %v", tt.name, e.Violations)
			}
		})
	}
}

func TestOf(t *testing.T) {
	t.Parallel()
	if got := etag.Of(42); got != `W/"42"` {
		t.Fatalf("Of(42) = %s", got)
	}
	stale, concurrent := etag.Mismatch(), etag.Match("thing.etag", `W/"1"`, 2)
	if stale.Error() != concurrent.Error() {
		t.Fatalf("two messages for one error: %q, %q", stale, concurrent)
	}
}

// TestVersion: an HTTP precondition's tag names a version whether it is
// weak or strong (RFC 9110's weak comparison); a tag this system never
// hands out names none.
func TestVersion(t *testing.T) {
	t.Parallel()
	for tag, want := range map[string]int64{`W/"7"`: 7, `"7"`: 7, `W/"0"`: 0, `"123456789"`: 123456789} {
		if got, ok := etag.Version(tag); !ok || got != want {
			t.Errorf("Version(%s) = %d, %v; want %d", tag, got, ok, want)
		}
	}
	for _, tag := range []string{``, `7`, `W/7`, `*`, `W/"07"`, `"07"`, `W/"7`, `"7`, `W/""`, `w/"7"`, `W/"+7"`, `"abc"`, ` "7"`} {
		if got, ok := etag.Version(tag); ok {
			t.Errorf("Version(%s) = %d, want no version", tag, got)
		}
	}
}

// TestDerivedState: the etag of a version in a derived state (a referral
// become overdue) names the version for a change (Match, Version, so an
// etag read before still works) and is another tag for a conditional read
// (Same, so a cache holding the etag read before sees the change).
func TestDerivedState(t *testing.T) {
	t.Parallel()
	before, after := etag.OfState(7, ""), etag.OfState(7, "overdue")
	if before != `W/"7"` || after != `W/"7-overdue"` {
		t.Fatalf("OfState: %s, %s", before, after)
	}
	for _, tag := range []string{before, after} {
		if !etag.WellFormed(tag) {
			t.Errorf("WellFormed(%s) = false", tag)
		}
		if err := etag.Match("etag", tag, 7); err != nil {
			t.Errorf("Match(%s, 7): %v", tag, err)
		}
		if err := etag.Match("etag", tag, 8); err == nil || errs.KindOf(err) != errs.KindAborted {
			t.Errorf("Match(%s, 8): %v, want a mismatch", tag, err)
		}
		if n, ok := etag.Version(tag); !ok || n != 7 {
			t.Errorf("Version(%s) = %d, %v", tag, n, ok)
		}
	}
	if etag.Same(before, after) || etag.Same(after, before) {
		t.Errorf("Same(%s, %s): one tag", before, after)
	}
	for _, pair := range [][2]string{{after, after}, {`"7-overdue"`, after}, {`W/"7"`, `"7"`}} {
		if !etag.Same(pair[0], pair[1]) {
			t.Errorf("Same(%s, %s) = false", pair[0], pair[1])
		}
	}
	for _, tag := range []string{`W/"7-"`, `W/"7-Overdue"`, `W/"7-over-due"`, `W/"-overdue"`, `W/"7-1"`, `"7-overdue`, `*`} {
		if n, ok := etag.Version(tag); ok {
			t.Errorf("Version(%s) = %d, want no version", tag, n)
		}
		if etag.Same(tag, tag) {
			t.Errorf("Same(%s, %s): no etag of ours", tag, tag)
		}
		if err := etag.Match("etag", tag, 7); err == nil || errs.KindOf(err) != errs.KindInvalidArgument {
			t.Errorf("Match(%s, 7): %v, want malformed", tag, err)
		}
	}
}

// TestOfView: the etag of a version read in a view is a derived state of
// the version, one per view: a conditional read tells two views apart, a
// change checks the version alone; the view "" is the version's own etag.
func TestOfView(t *testing.T) {
	t.Parallel()
	if tag := etag.OfView(7, ""); tag != etag.Of(7) {
		t.Errorf("OfView(7, \"\") = %s, want %s", tag, etag.Of(7))
	}
	a, b := etag.OfView(7, "threshold 3"), etag.OfView(7, "threshold 5")
	if a != etag.OfView(7, "threshold 3") {
		t.Errorf("OfView of one view twice: %s, %s", a, etag.OfView(7, "threshold 3"))
	}
	for _, tag := range []string{a, b} {
		if n, ok := etag.Version(tag); !ok || n != 7 || !etag.WellFormed(tag) {
			t.Errorf("Version(%s) = %d, %v; WellFormed %v", tag, n, ok, etag.WellFormed(tag))
		}
		if err := etag.Match("etag", tag, 7); err != nil {
			t.Errorf("Match(%s, 7): %v", tag, err)
		}
		if etag.Same(tag, etag.Of(7)) {
			t.Errorf("Same(%s, %s): a view is not the version's own etag", tag, etag.Of(7))
		}
	}
	if etag.Same(a, b) {
		t.Errorf("Same(%s, %s): two views, one tag", a, b)
	}
}
