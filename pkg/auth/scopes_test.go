package auth_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	_ "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	_ "github.com/spona/spona/gen/go/spona/events/v1"
	_ "github.com/spona/spona/gen/go/spona/referrals/v1"
	_ "github.com/spona/spona/gen/go/spona/reporting/v1"
	_ "github.com/spona/spona/gen/go/spona/trainings/v1"
	_ "github.com/spona/spona/gen/go/spona/webhooks/v1"
	"github.com/spona/spona/pkg/auth"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// TestEveryRPCDeclaresAScope: every method of every Spona service declares
// (spona.auth.v1.scope), and ScopeFor finds it by its gRPC name.
func TestEveryRPCDeclaresAScope(t *testing.T) {
	methods := 0
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(string(fd.Package()), "spona.") {
			return true
		}
		for i := 0; i < fd.Services().Len(); i++ {
			sd := fd.Services().Get(i)
			for j := 0; j < sd.Methods().Len(); j++ {
				md := sd.Methods().Get(j)
				methods++
				full := "/" + string(sd.FullName()) + "/" + string(md.Name())
				want := auth.MethodScope(md)
				if want == "" {
					t.Errorf("%s declares no (spona.auth.v1.scope)", full)
					continue
				}
				if got, ok := auth.ScopeFor(full); !ok || got != want {
					t.Errorf("ScopeFor(%s) = %q, %v; want %q", full, got, ok, want)
				}
			}
		}
		return true
	})
	if methods < 70 {
		t.Fatalf("only %d Spona RPCs registered; are the generated packages imported?", methods)
	}
}

func TestScopeForUnknownMethods(t *testing.T) {
	for _, m := range []string{
		"", "/", "nonsense", "/spona.beneficiaries.v1.BeneficiaryService/NoSuchMethod",
		"/spona.beneficiaries.v1.NoSuchService/GetBeneficiary", "/grpc.health.v1.Health/Check",
		"/spona.beneficiaries.v1.Beneficiary/GetBeneficiary", // a message, not a service
	} {
		if s, ok := auth.ScopeFor(m); ok {
			t.Errorf("ScopeFor(%q) = %q, want none", m, s)
		}
	}
}

// TestScopesFor: one rule for every credential (API key, OIDC token): a
// partner organisation's carries partner scopes only, the platform
// organisation's the administrator's, no credential an internal scope
// nor acts as Spona's own processes.
func TestScopesFor(t *testing.T) {
	partner := "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
	asked := []string{auth.ScopeBeneficiariesRead, auth.ScopePlatformAdmin, auth.ScopeDirectoryAdmin, auth.ScopeDirectoryRead,
		auth.ScopeEvents, auth.ScopeAccessCheck, auth.ScopeAuditWrite, auth.ScopeProjectsCheck, auth.ScopeBeneficiariesCount,
		"unknown.scope", auth.ScopeBeneficiariesRead}
	for _, c := range []struct {
		org  string
		want []string
	}{
		{partner, []string{auth.ScopeBeneficiariesRead, auth.ScopeDirectoryRead}},
		{auth.PlatformOrganisationID, []string{auth.ScopePlatformAdmin, auth.ScopeDirectoryAdmin, auth.ScopeDirectoryRead}},
		{auth.InternalOrganisation, []string{}},
	} {
		if diff := cmp.Diff(c.want, auth.ScopesFor(c.org, asked)); diff != "" {
			t.Errorf("ScopesFor(%s) (-want +got):\n%s", c.org, diff)
		}
	}
}
