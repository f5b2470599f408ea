package export

import (
	"bytes"

	"github.com/spona/spona/pkg/sheet"
	"github.com/spona/spona/services/reporting/internal/domain"
)

// XLSX renders the report as an Office Open XML workbook (pkg/sheet, the
// writer of every workbook Spona gives out) with the same table as CSV;
// the baseline, target and value columns hold numbers, everything else
// text.
func XLSX(r *domain.Report) ([]byte, error) {
	var buf bytes.Buffer
	err := sheet.WriteXLSX(&buf, sheet.Table{Name: "Report", Rows: Rows(r), Numbers: valueColumns})
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
