package gateway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/spona/spona/gen/openapi"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/services/edge/internal/gateway"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

var pathVar = regexp.MustCompile(`\{[^}]+\}`)

// TestEveryRouteHasTheScopeOfItsRPC checks the route table against the
// gateway's own routing: for every annotated route, a request the gateway
// matches resolves to the same RPC, and that RPC declares a scope in its
// proto.
func TestEveryRouteHasTheScopeOfItsRPC(t *testing.T) {
	routes, err := gateway.NewRoutes(auth.ScopeFor)
	if err != nil {
		t.Fatal(err)
	}
	list := routes.List()
	if len(list) < 10 {
		t.Fatalf("only %d routes found", len(list))
	}
	var got gateway.Route
	var matched bool
	mux := runtime.NewServeMux(runtime.WithMiddlewares(func(next runtime.HandlerFunc) runtime.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request, _ map[string]string) {
			pat, ok := runtime.HTTPPattern(r.Context())
			if ok {
				got, matched = routes.Lookup(r.Method, pat)
			}
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	conn, err := grpc.NewClient("passthrough:///unused", grpc.WithTransportCredentials(insecure.NewCredentials())) // never dialled
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := gateway.Register(context.Background(), mux, gateway.Backends{Beneficiaries: conn, Referrals: conn, Trainings: conn, Reporting: conn, Webhooks: conn}); err != nil {
		t.Fatal(err)
	}
	for _, rt := range list {
		path := pathVar.ReplaceAllString(rt.Template, "0190a1b2-0000-7000-8000-000000000001")
		matched = false
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(rt.Method, path, strings.NewReader("{}")))
		if !matched {
			t.Errorf("%s %s: the gateway's pattern is not in the route table (HTTP %d)", rt.Method, rt.Template, rec.Code)
			continue
		}
		if got.RPC != rt.RPC {
			t.Errorf("%s %s: table says %s, gateway routes to %s", rt.Method, rt.Template, rt.RPC, got.RPC)
		}
		if scope, ok := auth.ScopeFor(rt.RPC); !ok || scope != got.Scope {
			t.Errorf("%s: scope %q, want %q from the proto", rt.RPC, got.Scope, scope)
		}
	}

	// A route without a scope is refused at construction.
	partial := func(m string) (string, bool) {
		if m == list[0].RPC {
			return "", false
		}
		return auth.ScopeFor(m)
	}
	if _, err := gateway.NewRoutes(partial); err == nil || !strings.Contains(err.Error(), list[0].RPC) {
		t.Errorf("NewRoutes without %s: %v", list[0].RPC, err)
	}
}

// TestRoutesMatchTheOpenAPIDocument: the table and the published document
// describe the same operations.
func TestRoutesMatchTheOpenAPIDocument(t *testing.T) {
	operations := func(spec []byte) map[string]bool {
		var doc struct {
			Paths map[string]map[string]json.RawMessage `json:"paths"`
		}
		if err := json.Unmarshal(spec, &doc); err != nil {
			t.Fatal(err)
		}
		ops := map[string]bool{}
		for p, byMethod := range doc.Paths {
			for m := range byMethod {
				ops[strings.ToUpper(m)+" "+pathVar.ReplaceAllString(p, "{}")] = true
			}
		}
		return ops
	}
	inDoc := operations(openapi.Spec)
	// The OpenAPI 3.1 document has the same operations (so the fuzzers,
	// which read the Swagger 2.0 one, cover every operation of both).
	if diff := cmp.Diff(inDoc, operations(openapi.SpecV3)); diff != "" {
		t.Errorf("operations of the Swagger 2.0 and OpenAPI 3.1 documents differ (-2.0 +3.1):\n%s", diff)
	}
	routes, err := gateway.NewRoutes(auth.ScopeFor)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range routes.List() {
		if gateway.IsHSDS(r.Template) {
			continue // documented by the Open Referral HSDS profile
		}
		// The document names the variables of a PATCH route like those of
		// its GET ({id}, not {beneficiary.id}); their positions match.
		k := r.Method + " " + pathVar.ReplaceAllString(r.Template, "{}")
		if !inDoc[k] {
			t.Errorf("%s is routed but not in the OpenAPI document", k)
		}
		delete(inDoc, k)
	}
	for k := range inDoc {
		t.Errorf("%s is documented but not routed", k)
	}
}

// TestPatchBodiesRequireNothing: a PATCH carries only the fields named by
// its update_mask, so no PATCH body of the OpenAPI 3.1 document may declare
// required properties (mark resource fields "Required on create." in their
// comment instead of REQUIRED field behaviour); otherwise generated clients
// cannot send a partial update.
func TestPatchBodiesRequireNothing(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]struct {
					Schema struct {
						Ref      string   `json:"$ref"`
						Required []string `json:"required"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Required []string `json:"required"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openapi.SpecV3, &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for p, ops := range doc.Paths {
		op, ok := ops["patch"]
		if !ok {
			continue
		}
		n++
		for _, c := range op.RequestBody.Content {
			req := c.Schema.Required
			if c.Schema.Ref != "" {
				req = doc.Components.Schemas[strings.TrimPrefix(c.Schema.Ref, "#/components/schemas/")].Required
			}
			if len(req) > 0 {
				t.Errorf("PATCH %s: the body requires %v", p, req)
			}
		}
	}
	if n < 6 {
		t.Errorf("only %d PATCH operations", n)
	}
}
