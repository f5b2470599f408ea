package service_test

import (
	"context"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	trainv1 "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/pgtest"
	"github.com/spona/spona/pkg/servicetest"
	"github.com/spona/spona/services/reporting/service"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/testing/protocmp"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// ---------------------------------------------------------------------------
// Test doubles of the downstream services.
//
// The reporting service is tested against real gRPC servers on loopback that
// stand in for the beneficiaries and trainings services (their packages are
// internal to their own directories). The doubles are built with
// grpcx.NewServer, so they verify the forwarded principal and require
// auth.ScopeAggregates exactly as the real services do; their aggregate RPCs
// return a fixed answer and record every request. The end-to-end test of the
// whole system exercises the real services.
// ---------------------------------------------------------------------------

// aggregateCall is one request a double received.
type aggregateCall struct {
	ProjectID string
	Period    *commonv1.DateRange
	GroupBy   []string
	Token     string // the principal metadata as received
	Org       string // the organisation of the verified principal
}

// aggregateDouble answers an aggregate RPC with a fixed reply or error.
type aggregateDouble struct {
	mu    sync.Mutex
	calls []aggregateCall
	reply *commonv1.Aggregate
	err   error
}

func (d *aggregateDouble) answer(reply *commonv1.Aggregate, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.reply, d.err = reply, err
}

func (d *aggregateDouble) record(ctx context.Context, projectID string, period *commonv1.DateRange, groupBy []string) (*commonv1.Aggregate, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	p, _ := auth.FromContext(ctx)
	c := aggregateCall{ProjectID: projectID, Period: period, GroupBy: groupBy, Org: p.OrganisationID}
	if v := md.Get(auth.MetadataKey); len(v) == 1 {
		c.Token = v[0]
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls = append(d.calls, c)
	return d.reply, d.err
}

// takeCalls returns the calls received so far and forgets them.
func (d *aggregateDouble) takeCalls() []aggregateCall {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := d.calls
	d.calls = nil
	return out
}

type beneficiariesDouble struct {
	benv1.UnimplementedBeneficiaryServiceServer
	*aggregateDouble
}

func (d beneficiariesDouble) CountAssistedBeneficiaries(ctx context.Context, req *benv1.CountAssistedBeneficiariesRequest) (*benv1.CountAssistedBeneficiariesResponse, error) {
	agg, err := d.record(ctx, req.GetProjectId(), req.GetPeriod(), req.GetGroupBy())
	if err != nil {
		return nil, err
	}
	return &benv1.CountAssistedBeneficiariesResponse{Aggregate: agg}, nil
}

type trainingsDouble struct {
	trainv1.UnimplementedTrainingServiceServer
	*aggregateDouble
}

func (d trainingsDouble) CountTrainedProfessionals(ctx context.Context, req *trainv1.CountTrainedProfessionalsRequest) (*trainv1.CountTrainedProfessionalsResponse, error) {
	agg, err := d.record(ctx, req.GetProjectId(), req.GetPeriod(), req.GetGroupBy())
	if err != nil {
		return nil, err
	}
	return &trainv1.CountTrainedProfessionalsResponse{Aggregate: agg}, nil
}

// serveDouble runs a gRPC server on loopback until stop is called or the
// test ends, and returns its address.
func serveDouble(t *testing.T, scopes grpcx.Scopes, register func(*grpc.Server)) (addr string, stop func()) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := auth.NewSigner(servicetest.Secret, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpcx.NewServer(grpcx.ServerOptions{Log: slog.New(slog.DiscardHandler), Signer: signer, Scopes: scopes})
	register(srv.Server)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, lis, 5*time.Second) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("double stopped with error: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return lis.Addr().String(), stop
}

// deadAddr returns a loopback address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	return addr
}

// Fixed answers of the doubles.
var (
	assistedBySex = &commonv1.Aggregate{Total: 37, Groups: []*commonv1.Group{
		{Labels: map[string]string{"sex": "female"}, Count: 21},
		{Labels: map[string]string{"sex": "male"}, Count: 16},
	}}
	trainedBySector = &commonv1.Aggregate{Total: 52, Groups: []*commonv1.Group{
		{Labels: map[string]string{"sector": "police"}, Count: 12},
		{Labels: map[string]string{"sector": "social_welfare"}, Count: 40},
	}}
)

type env struct {
	c                  pb.ReportingServiceClient
	ben, train         *aggregateDouble
	stopBen, stopTrain func()
}

// start runs the reporting service (real composition root, fresh database)
// against running downstream doubles.
func start(t *testing.T) *env {
	t.Helper()
	e := &env{ben: &aggregateDouble{reply: assistedBySex}, train: &aggregateDouble{reply: trainedBySector}}
	benAddr, stopBen := serveDouble(t,
		grpcx.Scopes{benv1.BeneficiaryService_CountAssistedBeneficiaries_FullMethodName: auth.ScopeAggregates},
		func(s *grpc.Server) {
			benv1.RegisterBeneficiaryServiceServer(s, beneficiariesDouble{aggregateDouble: e.ben})
		})
	trainAddr, stopTrain := serveDouble(t,
		grpcx.Scopes{trainv1.TrainingService_CountTrainedProfessionals_FullMethodName: auth.ScopeAggregates},
		func(s *grpc.Server) {
			trainv1.RegisterTrainingServiceServer(s, trainingsDouble{aggregateDouble: e.train})
		})
	e.stopBen, e.stopTrain = stopBen, stopTrain
	e.c = startWith(t, benAddr, trainAddr)
	return e
}

func startWith(t *testing.T, beneficiariesAddr, trainingsAddr string) pb.ReportingServiceClient {
	t.Helper()
	conn := servicetest.Start(t, service.New(service.Config{
		Config:            servicetest.Platform(t, ""),
		BeneficiariesAddr: beneficiariesAddr,
		TrainingsAddr:     trainingsAddr,
	}))
	return pb.NewReportingServiceClient(conn)
}

// ---------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------

const exampleTitle = "Improving intersectoral cooperation in the integration of persons granted international protection"

// example is a real project of the kind Spona reports on.
func example() *pb.Project {
	return &pb.Project{
		Code:             "HR-2016-INT-01",
		Title:            exampleTitle,
		Description:      "Trainings and working groups for social welfare, police, health and education professionals.",
		PlannedStartDate: "2016-11-01",
		PlannedEndDate:   "2017-10-31",
		Budget:           &pb.Money{Amount: "140000.00", Currency: pb.Currency_CURRENCY_HRK},
		Funder:           "Ministry of Labour, Pension System, Family and Social Policy",
	}
}

func create(t *testing.T, c pb.ReportingServiceClient, ctx context.Context, p *pb.Project) *pb.Project {
	t.Helper()
	r, err := c.CreateProject(ctx, &pb.CreateProjectRequest{Project: p})
	if err != nil {
		t.Fatalf("create %s: %v", p.GetCode(), err)
	}
	return r.GetProject()
}

func code(err error) codes.Code { return status.Code(err) }

// violations returns the fields named by the BadRequest detail of err.
func violations(err error) map[string]string {
	out := map[string]string{}
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, fv := range br.GetFieldViolations() {
				out[fv.GetField()] = fv.GetDescription()
			}
		}
	}
	return out
}

func tokenOf(t *testing.T, ctx context.Context) string {
	t.Helper()
	md, _ := metadata.FromOutgoingContext(ctx)
	v := md.Get(auth.MetadataKey)
	if len(v) != 1 {
		t.Fatal("test context carries no principal")
	}
	return v[0]
}

func listAll(t *testing.T, c pb.ReportingServiceClient, ctx context.Context) []*pb.Project {
	t.Helper()
	r, err := c.ListProjects(ctx, &pb.ListProjectsRequest{PageSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetProjects()
}

// ---------------------------------------------------------------------------
// Projects.
// ---------------------------------------------------------------------------

func TestCreateGetList(t *testing.T) {
	e := start(t)
	org := ids.New()
	ctx := servicetest.As(t, org)

	before := time.Now().Add(-time.Minute)
	p := create(t, e.c, ctx, example())
	want := example()
	want.ImplementingOrganisationId = org
	if diff := cmp.Diff(want, p, protocmp.Transform(), protocmp.IgnoreFields(&pb.Project{}, "id", "create_time")); diff != "" {
		t.Fatalf("created project (-want +got):\n%s", diff)
	}
	if !ids.Valid(p.GetId()) {
		t.Fatalf("id %q is not a UUID", p.GetId())
	}
	if ct := p.GetCreateTime().AsTime(); ct.Before(before) || ct.After(time.Now().Add(time.Minute)) {
		t.Fatalf("create_time %v is not now", ct)
	}
	// The budget comes back exactly as given, not through a float.
	if got := p.GetBudget().GetAmount(); got != "140000.00" {
		t.Fatalf("budget amount = %q, want 140000.00", got)
	}

	got, err := e.c.GetProject(ctx, &pb.GetProjectRequest{Id: p.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, got.GetProject(), protocmp.Transform()); diff != "" {
		t.Fatalf("get differs from create (-create +get):\n%s", diff)
	}
	upper, err := e.c.GetProject(ctx, &pb.GetProjectRequest{Id: strings.ToUpper(p.GetId())})
	if err != nil || upper.GetProject().GetId() != p.GetId() {
		t.Fatalf("get by upper-case id: %v, %v", upper, err)
	}

	// Page through 7 more with page size 3: every row exactly once, newest first.
	wantIDs := []string{p.GetId()}
	for i := range 7 {
		x := create(t, e.c, ctx, &pb.Project{Code: "P-" + string(rune('1'+i)), Title: "Project",
			PlannedStartDate: "2024-01-01", PlannedEndDate: "2024-12-31"})
		if x.GetBudget() != nil {
			t.Fatalf("project without budget came back with %v", x.GetBudget())
		}
		wantIDs = append([]string{x.GetId()}, wantIDs...)
	}
	var seen []string
	tok := ""
	pages := 0
	for {
		r, err := e.c.ListProjects(ctx, &pb.ListProjectsRequest{PageSize: 3, PageToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(r.GetProjects()) > 3 {
			t.Fatalf("page of %d rows, asked for 3", len(r.GetProjects()))
		}
		for _, x := range r.GetProjects() {
			seen = append(seen, x.GetId())
		}
		if tok = r.GetNextPageToken(); tok == "" {
			break
		}
	}
	if diff := cmp.Diff(wantIDs, seen); diff != "" {
		t.Fatalf("paged list (-want +got):\n%s", diff)
	}
	if pages != 3 {
		t.Fatalf("8 rows in pages of 3 took %d pages", pages)
	}
	all := listAll(t, e.c, ctx)
	if diff := cmp.Diff(p, all[len(all)-1], protocmp.Transform()); diff != "" {
		t.Fatalf("listed project differs (-create +list):\n%s", diff)
	}
	if _, err := e.c.ListProjects(ctx, &pb.ListProjectsRequest{PageToken: "bm9wZQ"}); code(err) != codes.InvalidArgument {
		t.Fatalf("bad page token: %v", err)
	}
	if _, err := e.c.ListProjects(ctx, &pb.ListProjectsRequest{PageSize: -1}); code(err) != codes.InvalidArgument {
		t.Fatalf("negative page size: %v", err)
	}
}

func TestBudgetAmountsAreExact(t *testing.T) {
	e := start(t)
	ctx := servicetest.As(t, ids.New())
	cases := []struct{ in, want string }{
		{"140000.00", "140000.00"},
		{"140000", "140000.00"},
		{"0.1", "0.10"},
		{"0", "0.00"},
		{"0012.50", "12.50"},
		{" 75.25 ", "75.25"},
		// Not representable as a float64: 1e16 - 0.01.
		{"9999999999999999.99", "9999999999999999.99"},
		{"1234567890123.45", "1234567890123.45"},
	}
	for i, tc := range cases {
		p := example()
		p.Code = "AMT-" + string(rune('A'+i))
		p.Budget = &pb.Money{Amount: tc.in, Currency: pb.Currency_CURRENCY_EUR}
		created := create(t, e.c, ctx, p)
		got, err := e.c.GetProject(ctx, &pb.GetProjectRequest{Id: created.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		want := &pb.Money{Amount: tc.want, Currency: pb.Currency_CURRENCY_EUR}
		if diff := cmp.Diff(want, got.GetProject().GetBudget(), protocmp.Transform()); diff != "" {
			t.Errorf("amount %q (-want +got):\n%s", tc.in, diff)
		}
	}
	for _, cur := range []pb.Currency{pb.Currency_CURRENCY_RSD, pb.Currency_CURRENCY_BAM, pb.Currency_CURRENCY_CHF} {
		p := example()
		p.Code = "CUR-" + cur.String()
		p.Budget.Currency = cur
		if got := create(t, e.c, ctx, p).GetBudget().GetCurrency(); got != cur {
			t.Errorf("currency %v came back as %v", cur, got)
		}
	}
}

func TestValidation(t *testing.T) {
	e := start(t)
	ctx := servicetest.As(t, ids.New())
	cases := map[string]struct {
		mutate func(*pb.Project)
		field  string
		desc   string // a word the description must contain
	}{
		"missing code":            {func(p *pb.Project) { p.Code = "  " }, "project.code", "required"},
		"code too long":           {func(p *pb.Project) { p.Code = strings.Repeat("x", 51) }, "project.code", "50"},
		"missing title":           {func(p *pb.Project) { p.Title = "" }, "project.title", "required"},
		"title too long":          {func(p *pb.Project) { p.Title = strings.Repeat("t", 301) }, "project.title", "300"},
		"missing start date":      {func(p *pb.Project) { p.PlannedStartDate = "" }, "project.planned_start_date", "required"},
		"missing end date":        {func(p *pb.Project) { p.PlannedEndDate = "" }, "project.planned_end_date", "required"},
		"impossible date":         {func(p *pb.Project) { p.PlannedStartDate = "2016-11-31" }, "project.planned_start_date", "YYYY-MM-DD"},
		"not a date":              {func(p *pb.Project) { p.PlannedEndDate = "31.10.2017." }, "project.planned_end_date", "YYYY-MM-DD"},
		"end before start":        {func(p *pb.Project) { p.PlannedEndDate = "2016-10-31" }, "project.planned_end_date", "before"},
		"three decimals":          {func(p *pb.Project) { p.Budget.Amount = "12.345" }, "project.budget.amount", "2 decimal"},
		"negative amount":         {func(p *pb.Project) { p.Budget.Amount = "-1" }, "project.budget.amount", "negative"},
		"not a number":            {func(p *pb.Project) { p.Budget.Amount = "abc" }, "project.budget.amount", "decimal number"},
		"exponent":                {func(p *pb.Project) { p.Budget.Amount = "1e5" }, "project.budget.amount", "decimal number"},
		"comma decimal":           {func(p *pb.Project) { p.Budget.Amount = "140000,00" }, "project.budget.amount", "decimal number"},
		"trailing dot":            {func(p *pb.Project) { p.Budget.Amount = "5." }, "project.budget.amount", "decimal number"},
		"too large":               {func(p *pb.Project) { p.Budget.Amount = "10000000000000000" }, "project.budget.amount", "less than"},
		"amount without currency": {func(p *pb.Project) { p.Budget.Currency = pb.Currency_CURRENCY_UNSPECIFIED }, "project.budget.currency", "required"},
		"currency without amount": {func(p *pb.Project) { p.Budget.Amount = "" }, "project.budget.amount", "required"},
		"unknown currency":        {func(p *pb.Project) { p.Budget.Currency = 42 }, "project.budget.currency", "unknown"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := example()
			tc.mutate(p)
			_, err := e.c.CreateProject(ctx, &pb.CreateProjectRequest{Project: p})
			if code(err) != codes.InvalidArgument {
				t.Fatalf("code = %v (%v), want InvalidArgument", code(err), err)
			}
			v := violations(err)
			desc, ok := v[tc.field]
			if !ok {
				t.Fatalf("violations %v do not name %s", v, tc.field)
			}
			if !strings.Contains(desc, tc.desc) {
				t.Fatalf("%s: description %q does not mention %q", tc.field, desc, tc.desc)
			}
		})
	}
	// Several problems are reported together.
	p := example()
	p.Code, p.Title, p.Budget.Amount = "", "", "-5"
	_, err := e.c.CreateProject(ctx, &pb.CreateProjectRequest{Project: p})
	v := violations(err)
	for _, f := range []string{"project.code", "project.title", "project.budget.amount"} {
		if _, ok := v[f]; !ok {
			t.Errorf("combined violations %v lack %s", v, f)
		}
	}
	if _, err := e.c.CreateProject(ctx, &pb.CreateProjectRequest{}); code(err) != codes.InvalidArgument || violations(err)["project"] == "" {
		t.Fatalf("missing body: %v", err)
	}
	if _, err := e.c.GetProject(ctx, &pb.GetProjectRequest{Id: "not-a-uuid"}); code(err) != codes.InvalidArgument || violations(err)["id"] == "" {
		t.Fatalf("bad id: %v", err)
	}
	if _, err := e.c.GetProject(ctx, &pb.GetProjectRequest{Id: ids.New()}); code(err) != codes.NotFound {
		t.Fatalf("unknown id: %v", err)
	}
	if n := len(listAll(t, e.c, ctx)); n != 0 {
		t.Fatalf("invalid requests stored %d projects", n)
	}
}

func TestDuplicateCode(t *testing.T) {
	e := start(t)
	ctxA := servicetest.As(t, ids.New())
	ctxB := servicetest.As(t, ids.New())
	create(t, e.c, ctxA, example())

	again := example()
	again.Title = "Another title"
	_, err := e.c.CreateProject(ctxA, &pb.CreateProjectRequest{Project: again, RequestId: "other-request"})
	if code(err) != codes.AlreadyExists {
		t.Fatalf("duplicate code in the same organisation: %v", err)
	}
	// Codes are unique per implementing organisation only.
	create(t, e.c, ctxB, example())
	other := example()
	other.Code = "HR-2016-INT-02"
	create(t, e.c, ctxA, other)
	if n := len(listAll(t, e.c, ctxA)); n != 2 {
		t.Fatalf("A has %d projects, want 2", n)
	}
}

func TestIdempotentCreate(t *testing.T) {
	e := start(t)
	ctx := servicetest.As(t, ids.New())
	first, err := e.c.CreateProject(ctx, &pb.CreateProjectRequest{Project: example(), RequestId: "req-1"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.c.CreateProject(ctx, &pb.CreateProjectRequest{Project: example(), RequestId: "req-1"})
	if err != nil {
		t.Fatalf("retry with the same request id: %v", err)
	}
	if diff := cmp.Diff(first.GetProject(), again.GetProject(), protocmp.Transform()); diff != "" {
		t.Fatalf("retry returned a different project (-first +retry):\n%s", diff)
	}
	// The edge passes Idempotency-Key as metadata.
	p := example()
	p.Code = "KEYED"
	keyed := metadata.AppendToOutgoingContext(ctx, grpcx.IdempotencyKeyMetadata, "key-7")
	k1, err := e.c.CreateProject(keyed, &pb.CreateProjectRequest{Project: p})
	if err != nil {
		t.Fatal(err)
	}
	k2, err := e.c.CreateProject(keyed, &pb.CreateProjectRequest{Project: p})
	if err != nil || k2.GetProject().GetId() != k1.GetProject().GetId() {
		t.Fatalf("retry with the same Idempotency-Key: %v, %v", k2, err)
	}
	if n := len(listAll(t, e.c, ctx)); n != 2 {
		t.Fatalf("%d projects stored, want 2", n)
	}
	// Another organisation's request ids are its own.
	ctxB := servicetest.As(t, ids.New())
	b, err := e.c.CreateProject(ctxB, &pb.CreateProjectRequest{Project: example(), RequestId: "req-1"})
	if err != nil || b.GetProject().GetId() == first.GetProject().GetId() {
		t.Fatalf("B with A's request id: %v, %v", b, err)
	}
}

func TestOtherOrganisationSeesNothing(t *testing.T) {
	e := start(t)
	ctxA := servicetest.As(t, ids.New())
	ctxB := servicetest.As(t, ids.New())
	id := create(t, e.c, ctxA, example()).GetId()

	if _, err := e.c.GetProject(ctxB, &pb.GetProjectRequest{Id: id}); code(err) != codes.NotFound {
		t.Fatalf("B got A's project: %v", err)
	}
	if got := listAll(t, e.c, ctxB); len(got) != 0 {
		t.Fatalf("B listed %d of A's projects", len(got))
	}
	if _, err := e.c.GetProjectReport(ctxB, &pb.GetProjectReportRequest{ProjectId: id}); code(err) != codes.NotFound {
		t.Fatalf("B got A's report: %v", err)
	}
	if n := len(e.ben.takeCalls()) + len(e.train.takeCalls()); n != 0 {
		t.Fatalf("B's refused report still made %d downstream calls", n)
	}
	// A still can.
	if _, err := e.c.GetProjectReport(ctxA, &pb.GetProjectReportRequest{ProjectId: id}); err != nil {
		t.Fatalf("A's report: %v", err)
	}
}

func TestAuthAndScopes(t *testing.T) {
	e := start(t)
	owner := servicetest.As(t, ids.New())
	id := create(t, e.c, owner, example()).GetId()

	bg := context.Background()
	if _, err := e.c.ListProjects(bg, &pb.ListProjectsRequest{}); code(err) != codes.Unauthenticated {
		t.Fatalf("list without principal: %v", err)
	}
	if _, err := e.c.CreateProject(bg, &pb.CreateProjectRequest{Project: example()}); code(err) != codes.Unauthenticated {
		t.Fatalf("create without principal: %v", err)
	}
	if _, err := e.c.GetProjectReport(bg, &pb.GetProjectReportRequest{ProjectId: id}); code(err) != codes.Unauthenticated {
		t.Fatalf("report without principal: %v", err)
	}
	forged := metadata.AppendToOutgoingContext(bg, auth.MetadataKey, tokenOf(t, owner)+"x")
	if _, err := e.c.GetProject(forged, &pb.GetProjectRequest{Id: id}); code(err) != codes.Unauthenticated {
		t.Fatalf("forged principal: %v", err)
	}

	org := ids.New()
	readOnly := servicetest.As(t, org, auth.ScopeReportingRead, auth.ScopeAggregates)
	if _, err := e.c.CreateProject(readOnly, &pb.CreateProjectRequest{Project: example()}); code(err) != codes.PermissionDenied {
		t.Fatalf("read-only create: %v", err)
	}
	writeOnly := servicetest.As(t, org, auth.ScopeReportingWrite)
	if _, err := e.c.ListProjects(writeOnly, &pb.ListProjectsRequest{}); code(err) != codes.PermissionDenied {
		t.Fatalf("write-only list: %v", err)
	}
	if _, err := e.c.GetProjectReport(writeOnly, &pb.GetProjectReportRequest{ProjectId: id}); code(err) != codes.PermissionDenied {
		t.Fatalf("write-only report: %v", err)
	}
	other := servicetest.As(t, org, auth.ScopeBeneficiariesRead, auth.ScopeAggregates)
	if _, err := e.c.GetProject(other, &pb.GetProjectRequest{Id: id}); code(err) != codes.PermissionDenied {
		t.Fatalf("get without reporting scope: %v", err)
	}
	// The report runs the aggregate RPCs as the caller, who must hold that scope.
	noAggregates := servicetest.As(t, ids.New(), auth.ScopeReportingRead, auth.ScopeReportingWrite)
	own := create(t, e.c, noAggregates, example()).GetId()
	if _, err := e.c.GetProjectReport(noAggregates, &pb.GetProjectReportRequest{ProjectId: own}); code(err) != codes.PermissionDenied {
		t.Fatalf("report without %s: %v", auth.ScopeAggregates, err)
	}
	if n := len(e.ben.takeCalls()) + len(e.train.takeCalls()); n != 0 {
		t.Fatalf("refused reports made %d downstream calls", n)
	}
	partner := servicetest.As(t, ids.New(), auth.DefaultPartnerScopes...)
	mine := create(t, e.c, partner, example()).GetId()
	if _, err := e.c.GetProjectReport(partner, &pb.GetProjectReportRequest{ProjectId: mine}); err != nil {
		t.Fatalf("report with default partner scopes: %v", err)
	}
}

// ---------------------------------------------------------------------------
// Reports.
// ---------------------------------------------------------------------------

func TestProjectReport(t *testing.T) {
	e := start(t)
	org := ids.New()
	ctx := servicetest.As(t, org)
	id := create(t, e.c, ctx, example()).GetId()

	before := time.Now().Add(-time.Second)
	r, err := e.c.GetProjectReport(ctx, &pb.GetProjectReportRequest{ProjectId: id})
	if err != nil {
		t.Fatal(err)
	}
	want := &pb.ProjectReport{
		ProjectId:             id,
		Period:                &commonv1.DateRange{StartDate: "2016-11-01", EndDate: "2017-10-31"},
		BeneficiariesAssisted: assistedBySex,
		ProfessionalsTrained:  trainedBySector,
	}
	if diff := cmp.Diff(want, r.GetReport(), protocmp.Transform(), protocmp.IgnoreFields(&pb.ProjectReport{}, "generate_time")); diff != "" {
		t.Fatalf("report (-want +got):\n%s", diff)
	}
	if gt := r.GetReport().GetGenerateTime().AsTime(); gt.Before(before) || gt.After(time.Now().Add(time.Second)) {
		t.Fatalf("generate_time %v is not now", gt)
	}

	// Each downstream was asked once, for this project and period, with the
	// report's dimension, as the caller (its signed principal forwarded).
	tok := tokenOf(t, ctx)
	wantBen := []aggregateCall{{ProjectID: id, Period: want.Period, GroupBy: []string{"sex"}, Token: tok, Org: org}}
	if diff := cmp.Diff(wantBen, e.ben.takeCalls(), protocmp.Transform()); diff != "" {
		t.Fatalf("beneficiaries calls (-want +got):\n%s", diff)
	}
	wantTrain := []aggregateCall{{ProjectID: id, Period: want.Period, GroupBy: []string{"sector"}, Token: tok, Org: org}}
	if diff := cmp.Diff(wantTrain, e.train.takeCalls(), protocmp.Transform()); diff != "" {
		t.Fatalf("trainings calls (-want +got):\n%s", diff)
	}

	// An explicit period, and one end given with the other defaulted.
	periods := []struct {
		start, end string
		want       *commonv1.DateRange
	}{
		{"2017-01-01", "2017-03-31", &commonv1.DateRange{StartDate: "2017-01-01", EndDate: "2017-03-31"}},
		{"2017-05-01", "", &commonv1.DateRange{StartDate: "2017-05-01", EndDate: "2017-10-31"}},
		{"", "2016-12-31", &commonv1.DateRange{StartDate: "2016-11-01", EndDate: "2016-12-31"}},
		// Outside the planned dates is allowed (e.g. follow-up after the end).
		{"2018-01-01", "2018-06-30", &commonv1.DateRange{StartDate: "2018-01-01", EndDate: "2018-06-30"}},
		{"2017-02-01", "2017-02-01", &commonv1.DateRange{StartDate: "2017-02-01", EndDate: "2017-02-01"}},
	}
	for _, p := range periods {
		r, err := e.c.GetProjectReport(ctx, &pb.GetProjectReportRequest{ProjectId: id, StartDate: p.start, EndDate: p.end})
		if err != nil {
			t.Fatalf("period %q..%q: %v", p.start, p.end, err)
		}
		if diff := cmp.Diff(p.want, r.GetReport().GetPeriod(), protocmp.Transform()); diff != "" {
			t.Errorf("period %q..%q: report period (-want +got):\n%s", p.start, p.end, diff)
		}
		for name, d := range map[string]*aggregateDouble{"beneficiaries": e.ben, "trainings": e.train} {
			calls := d.takeCalls()
			if len(calls) != 1 {
				t.Fatalf("period %q..%q: %s called %d times", p.start, p.end, name, len(calls))
			}
			if diff := cmp.Diff(p.want, calls[0].Period, protocmp.Transform()); diff != "" {
				t.Errorf("period %q..%q: %s asked for (-want +got):\n%s", p.start, p.end, name, diff)
			}
		}
	}

	// Computed live: new numbers downstream show in the next report.
	e.ben.answer(&commonv1.Aggregate{Total: 1, Groups: []*commonv1.Group{{Labels: map[string]string{"sex": "female"}, Count: 1}}}, nil)
	e.train.answer(&commonv1.Aggregate{}, nil)
	r, err = e.c.GetProjectReport(ctx, &pb.GetProjectReportRequest{ProjectId: strings.ToUpper(id)})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.GetReport(); got.GetProjectId() != id || got.GetBeneficiariesAssisted().GetTotal() != 1 ||
		got.GetProfessionalsTrained().GetTotal() != 0 || len(got.GetProfessionalsTrained().GetGroups()) != 0 {
		t.Fatalf("report after downstream change: %v", got)
	}
}

func TestReportRequestValidation(t *testing.T) {
	e := start(t)
	ctx := servicetest.As(t, ids.New())
	id := create(t, e.c, ctx, example()).GetId()
	cases := map[string]struct {
		req   *pb.GetProjectReportRequest
		field string
	}{
		"missing project":     {&pb.GetProjectReportRequest{}, "project_id"},
		"bad project id":      {&pb.GetProjectReportRequest{ProjectId: "42"}, "project_id"},
		"bad start date":      {&pb.GetProjectReportRequest{ProjectId: id, StartDate: "2017-02-30"}, "start_date"},
		"bad end date":        {&pb.GetProjectReportRequest{ProjectId: id, EndDate: "2017/03/31"}, "end_date"},
		"end before start":    {&pb.GetProjectReportRequest{ProjectId: id, StartDate: "2017-03-01", EndDate: "2017-02-28"}, "end_date"},
		"end before planned":  {&pb.GetProjectReportRequest{ProjectId: id, EndDate: "2016-10-31"}, "end_date"},
		"start after planned": {&pb.GetProjectReportRequest{ProjectId: id, StartDate: "2017-11-01"}, "end_date"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := e.c.GetProjectReport(ctx, tc.req)
			if code(err) != codes.InvalidArgument {
				t.Fatalf("code = %v (%v), want InvalidArgument", code(err), err)
			}
			if v := violations(err); v[tc.field] == "" {
				t.Fatalf("violations %v do not name %s", v, tc.field)
			}
		})
	}
	if _, err := e.c.GetProjectReport(ctx, &pb.GetProjectReportRequest{ProjectId: ids.New()}); code(err) != codes.NotFound {
		t.Fatalf("unknown project: %v", err)
	}
	if n := len(e.ben.takeCalls()) + len(e.train.takeCalls()); n != 0 {
		t.Fatalf("invalid report requests made %d downstream calls", n)
	}
}

func TestReportWhenDownstreamIsUnavailable(t *testing.T) {
	t.Run("never started", func(t *testing.T) {
		ben := &aggregateDouble{reply: assistedBySex}
		benAddr, _ := serveDouble(t,
			grpcx.Scopes{benv1.BeneficiaryService_CountAssistedBeneficiaries_FullMethodName: auth.ScopeAggregates},
			func(s *grpc.Server) {
				benv1.RegisterBeneficiaryServiceServer(s, beneficiariesDouble{aggregateDouble: ben})
			})
		// The process starts although trainings is not up: clients connect lazily.
		c := startWith(t, benAddr, deadAddr(t))
		ctx := servicetest.As(t, ids.New())
		id := create(t, c, ctx, example()).GetId()
		// Project reads do not depend on the other services.
		if _, err := c.GetProject(ctx, &pb.GetProjectRequest{Id: id}); err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		_, err := c.GetProjectReport(cctx, &pb.GetProjectReportRequest{ProjectId: id})
		if code(err) != codes.Unavailable {
			t.Fatalf("report with trainings down: %v, want Unavailable", err)
		}
		if msg := status.Convert(err).Message(); !strings.Contains(msg, "trainings") {
			t.Fatalf("message %q does not say which service is down", msg)
		}
	})
	t.Run("stopped", func(t *testing.T) {
		e := start(t)
		ctx := servicetest.As(t, ids.New())
		id := create(t, e.c, ctx, example()).GetId()
		if _, err := e.c.GetProjectReport(ctx, &pb.GetProjectReportRequest{ProjectId: id}); err != nil {
			t.Fatalf("report while both are up: %v", err)
		}
		e.stopBen()
		cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		_, err := e.c.GetProjectReport(cctx, &pb.GetProjectReportRequest{ProjectId: id})
		if code(err) != codes.Unavailable {
			t.Fatalf("report with beneficiaries stopped: %v, want Unavailable", err)
		}
		if msg := status.Convert(err).Message(); !strings.Contains(msg, "beneficiaries") {
			t.Fatalf("message %q does not say which service is down", msg)
		}
	})
}

func TestReportWhenDownstreamFails(t *testing.T) {
	e := start(t)
	ctx := servicetest.As(t, ids.New())
	id := create(t, e.c, ctx, example()).GetId()
	const secret = "downstream-detail-42"
	// A downstream refusal describes reporting's call, not the caller's
	// request: it must not surface as the caller's fault or leak its message.
	for _, c := range []codes.Code{codes.InvalidArgument, codes.NotFound, codes.PermissionDenied, codes.FailedPrecondition, codes.Internal} {
		t.Run(c.String(), func(t *testing.T) {
			e.train.answer(nil, status.Error(c, secret))
			_, err := e.c.GetProjectReport(ctx, &pb.GetProjectReportRequest{ProjectId: id})
			st := status.Convert(err)
			if st.Code() != codes.Internal {
				t.Fatalf("downstream %v gave %v (%v), want Internal", c, st.Code(), err)
			}
			if strings.Contains(st.Message(), secret) || len(st.Details()) != 0 {
				t.Fatalf("downstream failure leaked: %q %v", st.Message(), st.Details())
			}
		})
	}
	e.train.answer(trainedBySector, nil)
	e.ben.answer(nil, status.Error(codes.DeadlineExceeded, secret))
	_, err := e.c.GetProjectReport(ctx, &pb.GetProjectReportRequest{ProjectId: id})
	if st := status.Convert(err); st.Code() != codes.Unavailable || strings.Contains(st.Message(), secret) {
		t.Fatalf("downstream deadline exceeded: %v, want Unavailable without its message", err)
	}
	e.ben.answer(assistedBySex, nil)
	if _, err := e.c.GetProjectReport(ctx, &pb.GetProjectReportRequest{ProjectId: id}); err != nil {
		t.Fatalf("report after recovery: %v", err)
	}
	if !slices.ContainsFunc(e.ben.takeCalls(), func(c aggregateCall) bool { return c.ProjectID == id }) {
		t.Fatal("beneficiaries double saw no call for the project")
	}
}
