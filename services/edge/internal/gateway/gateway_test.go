package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/testkit/cputime"
	"github.com/spona/spona/services/edge/internal/gateway"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// beneficiaries is a BeneficiaryService on loopback gRPC that keeps what it
// is sent in memory and notes the metadata of every call: what the gateway
// hands a service, seen from the service's side.
type beneficiaries struct {
	benv1.UnimplementedBeneficiaryServiceServer
	mu   sync.Mutex
	byID map[string]*benv1.Beneficiary
	md   []metadata.MD
}

const testID = "0190a1b2-0000-7000-8000-000000000001"

func (s *beneficiaries) note(ctx context.Context) {
	md, _ := metadata.FromIncomingContext(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.md) < 100 {
		s.md = append(s.md, md)
	}
}

func (s *beneficiaries) CreateBeneficiary(ctx context.Context, req *benv1.CreateBeneficiaryRequest) (*benv1.CreateBeneficiaryResponse, error) {
	s.note(ctx)
	b := proto.CloneOf(req.GetBeneficiary())
	b.Id, b.OrganisationId = testID, "0190a1b2-0000-7000-8000-0000000000aa"
	b.CreateTime, b.UpdateTime = timestamppb.New(time.Unix(1764892800, 0)), timestamppb.New(time.Unix(1764892800, 0))
	b.Etag = `W/"1"`
	s.mu.Lock()
	s.byID[b.Id] = b
	s.mu.Unlock()
	return &benv1.CreateBeneficiaryResponse{Beneficiary: b}, nil
}

func (s *beneficiaries) GetBeneficiary(ctx context.Context, req *benv1.GetBeneficiaryRequest) (*benv1.GetBeneficiaryResponse, error) {
	s.note(ctx)
	s.mu.Lock()
	b := s.byID[req.GetId()]
	s.mu.Unlock()
	if b == nil {
		return nil, status.Error(codes.NotFound, "no such beneficiary")
	}
	return &benv1.GetBeneficiaryResponse{Beneficiary: b}, nil
}

// keyTable authenticates the credentials it lists.
type keyTable map[string]auth.Principal

func (k keyTable) Verify(_ context.Context, cred string) (auth.Principal, error) {
	p, ok := k[cred]
	if !ok {
		return auth.Principal{}, auth.ErrInvalidCredential
	}
	return p, nil
}

const testKey = "spona_test_0123456789abcdef"

// startGateway serves the gateway over HTTP in front of a beneficiaries
// service on loopback gRPC, called as the edge calls: a principal issued
// per call.
func startGateway(tb testing.TB) (url string, svc *beneficiaries) {
	tb.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	svc = &beneficiaries{byID: map[string]*benv1.Beneficiary{}}
	srv := grpc.NewServer()
	benv1.RegisterBeneficiaryServiceServer(srv, svc)
	benv1.RegisterBeneficiaryImportServiceServer(srv, importRefusals{})
	go func() { _ = srv.Serve(lis) }()
	tb.Cleanup(srv.Stop)
	ring, err := auth.GenerateKeyring(auth.Edge, "beneficiaries")
	if err != nil {
		tb.Fatal(err)
	}
	iss, err := ring.Issuer(auth.Edge, auth.MaxTTL)
	if err != nil {
		tb.Fatal(err)
	}
	conn, err := grpcx.NewClient(lis.Addr().String(), grpcx.Peer{Audience: "beneficiaries", Issuer: iss})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = conn.Close() })
	h, err := gateway.New(context.Background(), gateway.Options{
		Auth: keyTable{testKey: {OrganisationID: "0190a1b2-0000-7000-8000-0000000000aa", ClientID: "client-1",
			Scopes: []string{"beneficiaries.read", "beneficiaries.write"}}},
		Backends:     gateway.Backends{Beneficiaries: conn, Referrals: conn, Trainings: conn, Reporting: conn, Webhooks: conn},
		MaxBodyBytes: 1 << 20,
	})
	if err != nil {
		tb.Fatal(err)
	}
	hs := httptest.NewServer(h)
	tb.Cleanup(hs.Close)
	return hs.URL, svc
}

func call(tb testing.TB, c *http.Client, method, url, body string) {
	tb.Helper()
	header := []string{"Authorization", "Bearer " + testKey}
	if body != "" {
		header = append(header, "Content-Type", "application/json")
	}
	if resp, raw := send(tb, c, method, url, body, header...); resp.StatusCode != http.StatusOK {
		tb.Fatalf("%s %s: HTTP %d: %s", method, url, resp.StatusCode, raw)
	}
}

// send makes a request with the headers given as name, value pairs and
// returns the answer with its body read.
func send(tb testing.TB, c *http.Client, method, url, body string, header ...string) (*http.Response, []byte) {
	tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp, raw
}

// TestCredentialStaysAtTheEdge: a service never receives the caller's
// API key or token, only the principal the edge issues for the call.
func TestCredentialStaysAtTheEdge(t *testing.T) {
	url, svc := startGateway(t)
	c := &http.Client{}
	call(t, c, "POST", url+"/v1/beneficiaries", `{"given_name":"Ana"}`)
	call(t, c, "GET", url+"/v1/beneficiaries/"+testID, "")
	svc.mu.Lock()
	defer svc.mu.Unlock()
	if len(svc.md) != 2 {
		t.Fatalf("the service saw %d calls, want 2", len(svc.md))
	}
	for _, md := range svc.md {
		if len(md.Get(auth.MetadataKey)) != 1 {
			t.Errorf("call without its issued principal: %v", md)
		}
		for k, vs := range md {
			for _, v := range vs {
				if k == "authorization" || strings.Contains(v, testKey) {
					t.Errorf("the caller's credential reached the service as %s: %s", k, v)
				}
			}
		}
	}
}

// BenchmarkGateway is the edge's own work per REST call: HTTP, routing,
// scope, limits, JSON, the principal issued per call and the gRPC call to a
// service on loopback that answers from memory (key verification is the
// keys package's: a table here). Run with -benchmem: allocations per call
// are the same from run to run, time is not; cpu-µs/op is this process's
// CPU (client, gateway and service), which a busy machine moves less than
// time.
func BenchmarkGateway(b *testing.B) {
	url, _ := startGateway(b)
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	call(b, c, "POST", url+"/v1/beneficiaries", `{"given_name":"Ana"}`)
	b.Run("create", func(b *testing.B) {
		cpu := cputime.Start(b, nil)
		for b.Loop() {
			call(b, c, "POST", url+"/v1/beneficiaries", `{"given_name":"Ana","legal_status":"LEGAL_STATUS_ASYLUM_SEEKER"}`)
		}
		cpu.Report()
	})
	b.Run("get", func(b *testing.B) {
		cpu := cputime.Start(b, nil)
		for b.Loop() {
			call(b, c, "GET", url+"/v1/beneficiaries/"+testID, "")
		}
		cpu.Report()
	})
}

// TestDocumentsRevalidate: the OpenAPI documents and the docs page's files
// carry a strong ETag (each its own) and Cache-Control: no-cache, so a
// browser showing /docs, or a client generating code from a document,
// revalidates what it has: If-None-Match with that ETag is 304 Not
// Modified without the file, another etag gets the file, HEAD gives its
// length. Before, they had no validator: every load of /docs downloaded
// the whole renderer and the 600 kB document again.
func TestDocumentsRevalidate(t *testing.T) {
	url, _ := startGateway(t)
	do := func(method, path string, header ...string) (*http.Response, []byte) {
		t.Helper()
		return send(t, http.DefaultClient, method, url+path, "", header...)
	}
	seen := map[string]string{}
	for _, path := range []string{"/openapi.json", "/openapi/v3.json", "/docs", "/docs/swagger-ui/swagger-ui-bundle.js"} {
		first, body := do("GET", path)
		tag := first.Header.Get("ETag")
		if first.StatusCode != 200 || len(body) == 0 || !strings.HasPrefix(tag, `"`) || first.Header.Get("Cache-Control") != "no-cache" {
			t.Fatalf("GET %s: %d, ETag %q, Cache-Control %q, %d bytes", path, first.StatusCode, tag, first.Header.Get("Cache-Control"), len(body))
		}
		if other, ok := seen[tag]; ok {
			t.Errorf("%s and %s have the same ETag %s", path, other, tag)
		}
		seen[tag] = path
		again, nothing := do("GET", path, "If-None-Match", tag)
		if again.StatusCode != http.StatusNotModified || len(nothing) != 0 || again.Header.Get("ETag") != tag {
			t.Errorf("GET %s If-None-Match %s: %d, ETag %q, %d bytes; want 304 without the file", path, tag, again.StatusCode, again.Header.Get("ETag"), len(nothing))
		}
		if stale, file := do("GET", path, "If-None-Match", `"0"`); stale.StatusCode != 200 || len(file) != len(body) {
			t.Errorf("GET %s with another etag: %d, %d bytes; want the file", path, stale.StatusCode, len(file))
		}
		head, none := do("HEAD", path)
		if full, _ := do("GET", path); head.StatusCode != 200 || len(none) != 0 || head.ContentLength != int64(len(body)) || full.Header.Get("Content-Type") != head.Header.Get("Content-Type") {
			t.Errorf("HEAD %s: %d, length %d, %d bytes; want 200, length %d, no body", path, head.StatusCode, head.ContentLength, len(none), len(body))
		}
	}
}

// TestDocsMissingFileIsJSON: a path under /docs naming no file of the docs
// page is 404 with a google.rpc.Status JSON body (localized as every
// refusal), as an unknown path anywhere else; the page and its files are
// served as before. Before, it was net/http's text/plain "404 page not
// found", the one refusal of the edge a client could not decode as JSON.
func TestDocsMissingFileIsJSON(t *testing.T) {
	url, _ := startGateway(t)
	for _, path := range []string{"/docs/nope.js", "/docs/swagger-ui/", "/docs/swagger-ui/nope.css", "/docs/index.htm", "/nothing"} {
		for _, method := range []string{"GET", "HEAD"} {
			resp, body := send(t, http.DefaultClient, method, url+path, "", "Accept-Language", "sr-Latn")
			if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("%s %s: %d %s %q, want 404 application/json", method, path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
				continue
			}
			if method == "HEAD" {
				continue
			}
			st := map[string]any{}
			if err := json.Unmarshal(body, &st); err != nil || st["code"] != float64(codes.NotFound) ||
				!strings.Contains(fmt.Sprint(st["message"]), path) || !strings.Contains(string(body), `"locale":"sr-Latn"`) {
				t.Errorf("GET %s: %s, want a localized google.rpc.Status NOT_FOUND naming the path", path, body)
			}
		}
	}
	if resp, body := send(t, http.DefaultClient, "GET", url+"/docs/docs.js", ""); resp.StatusCode != 200 || len(body) == 0 {
		t.Errorf("GET /docs/docs.js: %d, %d bytes", resp.StatusCode, len(body))
	}
}

// TestOwnPathsAllowGet: the paths the edge serves itself (the OpenAPI
// documents, the docs page and its files, /healthz) answer a method they
// do not take with 405, a google.rpc.Status JSON body and Allow: GET,
// HEAD, as an API path does; GET still serves them. Before, they answered
// 404 "no such resource", as if the document did not exist.
func TestOwnPathsAllowGet(t *testing.T) {
	url, _ := startGateway(t)
	for _, path := range []string{"/openapi.json", "/openapi/v3.json", "/docs", "/docs/", "/docs/docs.js", "/healthz"} {
		for _, method := range []string{"POST", "DELETE", "PUT"} {
			resp, body := send(t, http.DefaultClient, method, url+path, "")
			if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" ||
				resp.Header.Get("Content-Type") != "application/json" || !strings.Contains(string(body), method+" is not allowed") {
				t.Errorf("%s %s: %d Allow %q %s, want 405 Allow: GET, HEAD and a Status", method, path, resp.StatusCode, resp.Header.Get("Allow"), body)
			}
		}
		if resp, _ := send(t, http.DefaultClient, "GET", url+path, ""); resp.StatusCode != 200 {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
		}
	}
}
