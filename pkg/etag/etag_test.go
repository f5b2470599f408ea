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
		{"strong form is another etag", true, `"7"`, errs.KindAborted, etag.ReasonMismatch},
		{"bare version is another etag", true, `7`, errs.KindAborted, etag.ReasonMismatch},
		{"garbage", true, `x`, errs.KindAborted, etag.ReasonMismatch},
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
				err = etag.Match(tt.given, 7)
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
			if tt.reason == etag.ReasonRequired && (len(e.Violations) != 1 || e.Violations[0].Field != "thing.etag") {
				t.Fatalf("ETAG_REQUIRED names no field: %v", e.Violations)
			}
		})
	}
}

func TestOf(t *testing.T) {
	t.Parallel()
	if got := etag.Of(42); got != `W/"42"` {
		t.Fatalf("Of(42) = %s", got)
	}
	stale, concurrent := etag.Mismatch(), etag.Match(`W/"1"`, 2)
	if stale.Error() != concurrent.Error() {
		t.Fatalf("two messages for one error: %q, %q", stale, concurrent)
	}
}
