package service_test

import (
	"slices"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
)

// walk collects every page of a list, page by page, and the ids of the
// first page of size 100 for comparison.
func walk(t *testing.T, page func(token string) ([]string, string, error)) []string {
	t.Helper()
	var all []string
	token := ""
	for range 50 {
		got, next, err := page(token)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) > 2 {
			t.Fatalf("page of %d rows, asked for 2", len(got))
		}
		all = append(all, got...)
		if next == "" {
			return all
		}
		token = next
	}
	t.Fatal("paging does not end")
	return nil
}

// TestRankedListsPageWithTokens: search, duplicates and documents page with
// page_size and page_token; walking the pages gives the same rows in the
// same order as one big page, each once; a token of another query is
// refused.
func TestRankedListsPageWithTokens(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	var bens []*pb.Beneficiary
	for _, n := range []string{"Đorđević", "Djordjevic", "Đorđevič", "Dordevic", "Ђорђевић", "Djordjević"} {
		bens = append(bens, mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Marko", FamilyName: n, BirthYear: 1990, Nationality: "RS"}))
	}
	for _, num := range []string{"P1", "P2", "P3", "P4", "P5"} {
		if _, err := c.CreateDocument(ctx, &pb.CreateDocumentRequest{BeneficiaryId: bens[0].GetId(),
			Document: &pb.IdentityDocument{Type: pb.DocumentType_DOCUMENT_TYPE_PASSPORT, Number: num, IssuingCountry: "RS"}}); err != nil {
			t.Fatal(err)
		}
	}

	check := func(name string, one []string, paged []string, min int) {
		t.Helper()
		if len(one) < min || !slices.Equal(one, paged) {
			t.Errorf("%s: one page %v, walked %v", name, one, paged)
		}
	}
	search := func(size int32, token string) ([]string, string, error) {
		r, err := c.SearchBeneficiaries(ctx, &pb.SearchBeneficiariesRequest{Query: "Marko Djordjevic", PageSize: size, PageToken: token})
		var out []string
		for _, x := range r.GetResults() {
			out = append(out, x.GetBeneficiary().GetId())
		}
		return out, r.GetNextPageToken(), err
	}
	one, _, err := search(100, "")
	if err != nil {
		t.Fatal(err)
	}
	check("search", one, walk(t, func(tok string) ([]string, string, error) { return search(2, tok) }), 6)

	dups := func(size int32, token string) ([]string, string, error) {
		r, err := c.FindDuplicates(ctx, &pb.FindDuplicatesRequest{Id: bens[0].GetId(), PageSize: size, PageToken: token})
		var out []string
		for _, x := range r.GetCandidates() {
			out = append(out, x.GetBeneficiary().GetId())
		}
		return out, r.GetNextPageToken(), err
	}
	one, _, err = dups(50, "")
	if err != nil {
		t.Fatal(err)
	}
	check("duplicates", one, walk(t, func(tok string) ([]string, string, error) { return dups(2, tok) }), 5)

	docs := func(size int32, token string) ([]string, string, error) {
		r, err := c.ListDocuments(ctx, &pb.ListDocumentsRequest{BeneficiaryId: bens[0].GetId(), PageSize: size, PageToken: token})
		var out []string
		for _, x := range r.GetDocuments() {
			out = append(out, x.GetNumber())
		}
		return out, r.GetNextPageToken(), err
	}
	one, _, err = docs(100, "")
	if err != nil {
		t.Fatal(err)
	}
	check("documents", one, walk(t, func(tok string) ([]string, string, error) { return docs(2, tok) }), 5)

	// A token is bound to its query.
	_, next, err := search(2, "")
	if err != nil || next == "" {
		t.Fatalf("first search page: %v %q", err, next)
	}
	_, err = c.SearchBeneficiaries(ctx, &pb.SearchBeneficiariesRequest{Query: "Fatima", PageSize: 2, PageToken: next})
	if statustest.Code(err) != codes.InvalidArgument {
		t.Errorf("search token reused for another query: %v", err)
	}
	_, err = c.FindDuplicates(ctx, &pb.FindDuplicatesRequest{Id: bens[1].GetId(), PageSize: 2, PageToken: next})
	if statustest.Code(err) != codes.InvalidArgument {
		t.Errorf("search token used for duplicates: %v", err)
	}

	// A negative page size is a violation of page_size, on every list (it
	// was a bare message on duplicates).
	for name, err := range map[string]error{
		"search":     second(c.SearchBeneficiaries(ctx, &pb.SearchBeneficiariesRequest{Query: "Marko", PageSize: -1})),
		"duplicates": second(c.FindDuplicates(ctx, &pb.FindDuplicatesRequest{Id: bens[0].GetId(), PageSize: -1})),
		"documents":  second(c.ListDocuments(ctx, &pb.ListDocumentsRequest{BeneficiaryId: bens[0].GetId(), PageSize: -1})),
	} {
		statustest.Want(t, err, codes.InvalidArgument, name)
		if got := statustest.Violations(err); !slices.Equal(got, []string{"page_size"}) {
			t.Errorf("%s with page_size -1: violations %v, want page_size", name, got)
		}
	}
}

// second is the error of a call's two results.
func second[T any](_ T, err error) error { return err }
