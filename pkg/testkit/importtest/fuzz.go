package importtest

import (
	"errors"
	"io"
	"testing"

	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	"github.com/spona/spona/pkg/imports"
	"github.com/spona/spona/pkg/sheet"
	"google.golang.org/grpc/codes"
)

// EachRow reads a CSV file as an import stages it (sheet reader, header
// row matched to cols and dynamic columns) and calls each with every data
// row; a file the import refuses calls it for none.
func EachRow(data []byte, cols []imports.Column, dynamic func(string) (string, bool), each func(m imports.Mapping, header []string, row int, cells []string)) {
	rd, err := sheet.Open(data, sheet.MediaCSV, sheet.DefaultLimits(50))
	if err != nil {
		return
	}
	defer rd.Close()
	n, header, err := rd.Next()
	if err != nil || n != 1 {
		return
	}
	header = append([]string(nil), header...)
	m, err := imports.MatchHeader(header, cols, dynamic)
	if err != nil {
		return
	}
	for {
		row, cells, err := rd.Next()
		if errors.Is(err, io.EOF) || err != nil {
			return
		}
		each(m, header, row, append([]string(nil), cells...))
	}
}

// CheckProblems fails t unless every problem of row names the row and
// the column of its field, in the letter the header gave it.
func CheckProblems(t testing.TB, m imports.Mapping, header []string, row int, list []imports.Problem) {
	t.Helper()
	for _, pr := range list {
		i := m.Index(pr.Field)
		if pr.Row != row || i < 0 || pr.Column != sheet.ColumnLetter(i) {
			t.Fatalf("row %d: problem %+v does not name its row and the column of %q (header %q)", row, pr, pr.Field, header)
		}
	}
}

// CheckEnded fails t when an import ended as a server error (INTERNAL,
// UNKNOWN: a client's file must never cause one) or has a problem without
// its row, or without its column (but for a problem of the whole row) and
// the field the header gave that column.
func CheckEnded(t testing.TB, imp *importsv1.Import, what string) {
	t.Helper()
	if e := imp.GetError(); e != nil && (codes.Code(e.GetCode()) == codes.Internal || codes.Code(e.GetCode()) == codes.Unknown) {
		t.Fatalf("%s: %v", what, imp)
	}
	// A problem names its row and, but for one of the whole row, its
	// column; and the field of a column the header row named. A problem
	// of the header row (row 1) names its cell, of no field.
	named := map[string]bool{}
	for _, c := range imp.GetColumns() {
		named[c.GetLetter()] = true
	}
	for _, p := range imp.GetProblems() {
		header := p.GetRow() == 1 && (p.GetColumn() == "" || p.GetField() != "" || named[p.GetColumn()])
		if header || p.GetRow() < 1 || p.GetColumn() != "" && sheet.ColumnIndex(p.GetColumn()) < 0 || named[p.GetColumn()] && p.GetField() == "" {
			t.Fatalf("%s: problem %v does not name its row and column", what, p)
		}
	}
}
