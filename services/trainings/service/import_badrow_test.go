package service_test

import (
	"testing"

	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/importtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/genproto/googleapis/api/httpbody"
)

// TestImportDuplicateOfBadRow: a professional whose first row has a
// problem (not registered) and whose later row is good is registered once
// with on_error=skip and on_duplicate=skip (before, both rows were dropped).
func TestImportDuplicateOfBadRow(t *testing.T) {
	c := start(t)
	ctx := servicetest.As(t, ids.New())
	s := newSheetImport(t, c, ctx, &httpbody.HttpBody{ContentType: "text/csv", Data: []byte("given_name,family_name,organisation,sector,email\n" +
		"Jelena,Marić,CSR Kikinda,astronaut,jelena@example.org\n" +
		"Jelena,Marić,CSR Kikinda,social_welfare,jelena@example.org\n")})
	op, err := s.send(importtest.Options{OnError: "skip", OnDuplicate: "skip"})
	if err != nil {
		t.Fatal(err)
	}
	done := importtest.Done(t, ctx, s.ops, op)
	if n := s.count(); n != 1 || done.GetCounts().GetCreated() != 1 {
		t.Fatalf("%d participants registered, counts %v; want the good row registered", n, done.GetCounts())
	}
}
