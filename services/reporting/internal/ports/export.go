package ports

import (
	"regexp"
	"strings"

	"github.com/spona/spona/services/reporting/internal/domain"
	"github.com/spona/spona/services/reporting/internal/export"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/protobuf/encoding/protojson"
)

// exportFormat describes one file format of ExportProjectReport.
type exportFormat struct {
	name        string
	contentType string
	extension   string
	render      func(*domain.Report) ([]byte, error)
	// iati: the report needs its publisher (app.GetIATIReport).
	iati bool
}

var exportFormats = []exportFormat{
	{"json", "application/json", "json", func(r *domain.Report) ([]byte, error) {
		return protojson.MarshalOptions{UseProtoNames: true, Multiline: true}.Marshal(reportToProto(r))
	}, false},
	{"csv", "text/csv; charset=utf-8", "csv", export.CSV, false},
	{"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", export.XLSX, false},
	{"iati", "application/xml", "xml", export.IATI, true},
}

// parseFormat accepts json (the default), csv, xlsx and iati, in any case.
func parseFormat(s string) (exportFormat, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		s = "json"
	}
	for _, f := range exportFormats {
		if f.name == s || "export_format_"+f.name == s {
			return f, true
		}
	}
	return exportFormat{}, false
}

func renderExport(f exportFormat, r *domain.Report) (*httpbody.HttpBody, error) {
	data, err := f.render(r)
	if err != nil {
		return nil, err
	}
	return &httpbody.HttpBody{ContentType: f.contentType, Data: data}, nil
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// fileName names the exported file after the project code and period,
// and says "unsuppressed" when no cell was hidden for being small (the
// implementing organisation's ?unsuppressed=true): such a file is for
// running the project, not for handing on, and a CSV or XLSX says so in
// nothing else (its suppressed column is false throughout, as in a
// suppressed file with nothing small to hide).
func fileName(r *domain.Report, f exportFormat) string {
	code := unsafeFileChars.ReplaceAllString(r.Project.Code, "_")
	name := code + "_" + r.From.String() + "_" + r.To.String()
	if r.Threshold <= 1 {
		name += "_unsuppressed"
	}
	return name + "." + f.extension
}
