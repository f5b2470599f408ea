package sheet

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"path"
	"strings"
	"time"
)

// workbook is what the XLSX library reads from xl/workbook.xml and its
// relationships, found as it finds it (xlsxreader v1.2.8, sheets.go and
// file.go): each part is the first zip entry of that exact name; a
// sheet's part is its relationship's Target as written, under "xl/"
// unless it starts with "/"; a repeated sheet name maps to the last
// sheet of that name.
type workbook struct {
	sheets []worksheet
	// date1904: serial dates count from 1904-01-01 (workbookPr date1904).
	date1904 bool
}

type worksheet struct {
	name string
	part *zip.File
	// hidden: the sheet's state is hidden or veryHidden (a spreadsheet
	// program does not show it).
	hidden bool
}

// firstVisible is the index of the first worksheet a spreadsheet program
// shows (0 when all are hidden, which Excel does not allow).
func (wb workbook) firstVisible() int {
	for i, s := range wb.sheets {
		if !s.hidden {
			return i
		}
	}
	return 0
}

// readWorkbook lists the worksheets. It refuses what a spreadsheet
// program never writes and would make the library read another part than
// the one a reader of the workbook would expect: two sheets of one name
// (the library keeps the last), and targets that are not clean paths
// ("./worksheets/sheet1.xml" names the zip entry
// "xl/./worksheets/sheet1.xml" for the library, not sheet1.xml).
func readWorkbook(zr *zip.Reader) (workbook, error) {
	var wb struct {
		Props struct {
			Date1904 *string `xml:"date1904,attr"`
		} `xml:"workbookPr"`
		Sheets []struct {
			Name  string `xml:"name,attr"`
			State string `xml:"state,attr"`
			RID   string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := readXML(zr, "xl/workbook.xml", &wb); err != nil {
		return workbook{}, fail(ReasonCorrupt, "the workbook (xl/workbook.xml) cannot be read: %v", err)
	}
	if err := readXML(zr, "xl/_rels/workbook.xml.rels", &rels); err != nil {
		return workbook{}, fail(ReasonCorrupt, "the workbook's relationships (xl/_rels/workbook.xml.rels) cannot be read: %v", err)
	}
	var out workbook
	if p := wb.Props.Date1904; p != nil {
		switch strings.TrimSpace(*p) {
		case "1", "true":
			out.date1904 = true
		case "0", "false":
		default:
			return workbook{}, fail(ReasonCorrupt, "the workbook's date system (date1904=%.20q) is neither true nor false, so its dates cannot be read; open the file in a spreadsheet program and save it again", *p)
		}
	}
	seen := map[string]bool{}
	for _, s := range wb.Sheets {
		if seen[s.Name] {
			return workbook{}, fail(ReasonCorrupt, "the workbook lists two worksheets named %.40q, which a spreadsheet program never writes; the file cannot be read safely: copy the data into a new workbook and send that", s.Name)
		}
		seen[s.Name] = true
		name, ok := "", false
		for _, r := range rels.Rels {
			if r.ID == s.RID {
				name, ok = "xl/"+r.Target, true
				if strings.HasPrefix(r.Target, "/") {
					name = r.Target[1:]
				}
				break
			}
		}
		if !ok {
			return workbook{}, fail(ReasonCorrupt, "worksheet %.40q has no part in the file; open the file in a spreadsheet program and save it again", s.Name)
		}
		if path.Clean(name) != name {
			return workbook{}, fail(ReasonCorrupt, "worksheet %.40q is stored at %.60q, a path a spreadsheet program never writes; the file cannot be read safely: copy the data into a new workbook and send that", s.Name, name)
		}
		part := zipEntry(zr, name)
		if part == nil {
			return workbook{}, fail(ReasonCorrupt, "worksheet %.40q (%.60s) is missing from the file; open the file in a spreadsheet program and save it again", s.Name, name)
		}
		out.sheets = append(out.sheets, worksheet{s.Name, part, s.State == "hidden" || s.State == "veryHidden"})
	}
	return out, nil
}

// zipEntry is the first entry of the archive with exactly this name, as
// the library finds parts (zip.Reader.Open would clean the name).
func zipEntry(zr *zip.Reader, name string) *zip.File {
	for _, f := range zr.File {
		if f.Name == name {
			return f
		}
	}
	return nil
}

func readXML(zr *zip.Reader, name string, v any) error {
	f := zipEntry(zr, name)
	if f == nil {
		return errMissing
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer func() { _ = rc.Close() }() // read-only: nothing to lose on close
	return xml.NewDecoder(rc).Decode(v)
}

var errMissing = errors.New("the part is missing")

// dateStyles returns whether the cell style of each index may be a date
// format for the library: it takes number formats 14-22, and 164 and up
// when their format code holds a date letter. This takes every format
// from 164, so it errs on the side of "may be a date".
func dateStyles(zr *zip.Reader) ([]bool, error) {
	var ss struct {
		Xfs []struct {
			NumFmtID int `xml:"numFmtId,attr"`
		} `xml:"cellXfs>xf"`
	}
	if err := readXML(zr, "xl/styles.xml", &ss); err != nil {
		return nil, fail(ReasonCorrupt, "the workbook's styles (xl/styles.xml) cannot be read: %v", err)
	}
	out := make([]bool, len(ss.Xfs))
	for i, x := range ss.Xfs {
		out[i] = 14 <= x.NumFmtID && x.NumFmtID <= 22 || x.NumFmtID >= 164
	}
	return out, nil
}

// days1904 is how many days 1904-01-01 (serial 0 in the 1904 date system)
// lies after 1899-12-30 (serial 0 as the library counts).
const days1904 = 1462

// from1904 moves a date or date-time the library made of a serial of the
// 1900 date system to the date the same serial means in the 1904 system.
// What is neither (a year past 9999) is left as it is.
func from1904(v string) string {
	for _, layout := range []string{time.DateOnly, time.RFC3339} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.AddDate(0, 0, days1904).Format(layout)
		}
	}
	return v
}

// wallClock is a date-time the library made of a serial (RFC 3339, in
// UTC) without its zone: a serial is the date and time a cell shows, in
// no zone, and "Z" would make it a moment whose day depends on one. A
// date alone, or anything else, is left as it is.
func wallClock(v string) string {
	if t, err := time.Parse(time.RFC3339, v); err == nil && strings.HasSuffix(v, "Z") {
		return t.Format("2006-01-02T15:04:05")
	}
	return v
}

// secondOn is a date-time the library made of a serial (RFC 3339) one
// second later: the second it is nearest to, where the library read the
// second below (secondShort). Anything else is left as it is.
func secondOn(v string) string {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.Add(time.Second).Format(time.RFC3339)
	}
	return v
}
