package auth

import (
	"strings"
	"sync"

	authv1 "github.com/spona/spona/gen/go/spona/auth/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

// ScopeEvents allows reading the services' internal event feeds. Only
// Spona's own processes hold it; it is never granted to partner keys.
const ScopeEvents = "events.read"

// ScopeFor returns the scope a method needs, as its proto declares with the
// method option (spona.auth.v1.scope). fullMethod is the gRPC name
// "/spona.beneficiaries.v1.BeneficiaryService/GetBeneficiary". ok is false
// for a method that is unknown or declares no scope: callers refuse it.
//
// This is the one table of scopes: the services' interceptors and the edge's
// REST routes both read it. It covers every service whose generated package
// the binary links (and so registers in protoregistry.GlobalFiles).
func ScopeFor(fullMethod string) (scope string, ok bool) {
	if v, hit := scopeCache.Load(fullMethod); hit {
		if s, isString := v.(string); isString {
			return s, s != ""
		}
	}
	s := lookupScope(fullMethod)
	scopeCache.Store(fullMethod, s)
	return s, s != ""
}

var scopeCache sync.Map // full method name → scope ("" when none)

func lookupScope(fullMethod string) string {
	name := strings.TrimPrefix(fullMethod, "/")
	svc, method, found := strings.Cut(name, "/")
	if !found {
		return ""
	}
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(svc))
	if err != nil {
		return ""
	}
	sd, isSvc := d.(protoreflect.ServiceDescriptor)
	if !isSvc {
		return ""
	}
	md := sd.Methods().ByName(protoreflect.Name(method))
	if md == nil {
		return ""
	}
	return MethodScope(md)
}

// MethodScope returns the scope a method descriptor declares, "" when none.
func MethodScope(md protoreflect.MethodDescriptor) string {
	opts, ok := md.Options().(*descriptorpb.MethodOptions)
	if !ok || opts == nil {
		return ""
	}
	s, _ := proto.GetExtension(opts, authv1.E_Scope).(string)
	return s
}

// InternalOrganisation is the organisation of internal principals: a Spona
// process acting for itself (a background consumer of another service's
// event feed), not for a partner. It is the nil UUID, which no organisation
// has.
const InternalOrganisation = "00000000-0000-0000-0000-000000000000"

// InternalScopes are the only scopes an internal principal may carry; none
// of them is ever granted to partner keys (they are not in AllScopes).
var InternalScopes = []string{ScopeEvents}

// InternalPrincipal is process acting for itself (a background consumer of
// another service's event feed): the internal organisation, no partner.
// The calls it makes carry events.read, which every Spona process may issue
// (Delegated) and no partner key holds.
func InternalPrincipal(process string) Principal {
	return Principal{OrganisationID: InternalOrganisation, ClientID: "internal:" + process, Scopes: InternalScopes}
}

// Internal reports whether p is an internal principal.
func (p Principal) Internal() bool { return p.OrganisationID == InternalOrganisation }
