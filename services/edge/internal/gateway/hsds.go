package gateway

import (
	"net/http"
	"strings"

	"github.com/spona/spona/pkg/auth"
)

// The Open Referral HSDS API (spona.referrals.v1.OpenReferralService) is
// served by the same gateway under /hsds, with the same scopes, limits and
// errors as /v1. Its document is the Open Referral profile, not Spona's
// OpenAPI document. With Options.PublicDirectory, callers without
// credentials read it too, as an anonymous principal that holds only
// directory.read and whose rate limit is counted per address; a caller who
// sends credentials is authenticated as on /v1.

// HSDSPrefix is the path of the HSDS API.
const HSDSPrefix = "/hsds"

// AnonymousOrganisationID is the organisation of anonymous directory
// readers' principals (no Spona organisation has it).
const AnonymousOrganisationID = "00000000-0000-0000-0000-00000000a000"

// IsHSDS reports whether a route template belongs to the HSDS API.
func IsHSDS(template string) bool {
	return template == HSDSPrefix || strings.HasPrefix(template, HSDSPrefix+"/")
}

// hsdsAPI is the handler of /hsds: the profile's "/" is /hsds/ (served as
// /hsds); anonymous readers are let in when the directory is public.
func hsdsAPI(mux http.Handler, authn Middleware, public bool, limit Middleware) http.Handler {
	authOrAnonymous := authn
	if public {
		authOrAnonymous = func(next http.Handler) http.Handler {
			withKey := authn(next)
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") != "" {
					withKey.ServeHTTP(w, r)
					return
				}
				p := auth.Principal{OrganisationID: AnonymousOrganisationID, ClientID: "anonymous/" + clientAddr(r),
					Scopes: []string{auth.ScopeDirectoryRead}}
				next.ServeHTTP(w, actingAs(r, p))
			})
		}
	}
	return chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == HSDSPrefix+"/" {
			r2 := r.Clone(r.Context())
			r2.URL.Path, r2.URL.RawPath = HSDSPrefix, ""
			r = r2
		}
		mux.ServeHTTP(w, r)
	}), noStore, authOrAnonymous, limit)
}
