package export

import (
	"bytes"
	"encoding/csv"
	"strings"

	"github.com/spona/spona/services/reporting/internal/domain"
)

// CSV renders the report as RFC 4180 CSV with a header row. Cells that a
// spreadsheet would take for a formula are prefixed with an apostrophe.
func CSV(r *domain.Report) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for _, row := range Rows(r) {
		safe := make([]string, len(row))
		for i, s := range row {
			safe[i] = defuse(s)
		}
		if err := w.Write(safe); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// defuse keeps free text (titles, municipality names) from running as a
// formula when the file is opened in a spreadsheet.
func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
