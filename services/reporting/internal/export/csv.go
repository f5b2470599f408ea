package export

import (
	"bytes"
	"slices"

	"github.com/spona/spona/pkg/sheet"
	"github.com/spona/spona/services/reporting/internal/domain"
)

// CSV renders the report as CSV with a header row, written by pkg/sheet
// (the writer of every CSV Spona gives out: UTF-8 with a byte order mark,
// cells a spreadsheet would take for a formula prefixed with an
// apostrophe, the value column as numbers).
func CSV(r *domain.Report) ([]byte, error) {
	var buf bytes.Buffer
	err := sheet.WriteCSV(&buf, sheet.Table{Rows: Rows(r), Numbers: valueColumns})
	return buf.Bytes(), err
}

// valueColumns are the report table's columns written as numbers.
var valueColumns = []int{slices.Index(Header, "value")}
