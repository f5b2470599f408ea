package e2e

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

// upload sends a file as the raw body of an import route.
func (s *system) upload(t *testing.T, path, key, contentType string, data []byte, headers ...string) response {
	t.Helper()
	return s.call(t, "POST", path, key, rawBody{contentType, data, false}, headers...)
}

// operation waits for an import's operation to be done, then returns the
// import (GET /v1/imports/{id}).
func (s *system) operation(t *testing.T, key string, op response) response {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for done, _ := op.Body["done"].(bool); !done; done, _ = op.Body["done"].(bool) {
		if time.Now().After(deadline) {
			t.Fatalf("operation not done: %s", op.Raw)
		}
		time.Sleep(100 * time.Millisecond)
		op = s.call(t, "GET", "/v1/"+op.str("name"), key, nil).must(t, 200)
	}
	meta, _ := op.Body["metadata"].(map[string]any)
	id, _ := meta["import_id"].(string)
	return s.call(t, "GET", "/v1/imports/"+id, key, nil).must(t, 200)
}

// The worked example: 43 professionals from seven sectors at a training of
// four sessions, with their sectors, sexes, organisations and attendance.
type professional struct {
	given, family, org, email, sector, sex string
	present                                [4]bool
}

var (
	sectorCodes = []string{"justice", "police", "social_welfare", "education", "health", "labour", "ngo"}
	sectorLocal = map[string]string{"justice": "pravosuđe", "police": "policija", "social_welfare": "socijalna zaštita",
		"education": "obrazovanje", "health": "zdravstvo", "labour": "zapošljavanje", "ngo": "NVO"}
	givenNames  = []string{"Đorđe", "Živana", "Čedomir", "Šćepan", "Ljiljana", "Njegoš", "Dušica", "Ćiril", "Jelena", "Miloš", "Žaklina"}
	familyNames = []string{"Đurić", "Šarčević", "Čolaković", "Žižić", "Ćosić", "Lukić", "Babić", "Kovačević", "Petrović", "Nikolić", "Jovanović", "Stanković", "Marić"}
	orgNames    = map[string]string{"justice": "Osnovni sud Šabac", "police": "PU Niš", "social_welfare": "Centar za socijalni rad Čačak",
		"education": "OŠ Đura Jakšić", "health": "Dom zdravlja Užice", "labour": "NSZ Kraljevo", "ngo": "Udruženje Žena na delu"}
)

func workedExample() []professional {
	var out []professional
	for i := range 43 {
		sector := sectorCodes[i%7]
		p := professional{given: givenNames[i%len(givenNames)], family: familyNames[(i*5)%len(familyNames)] + fmt.Sprint(i/len(familyNames)),
			org: orgNames[sector], sector: sector, sex: []string{"female", "male"}[i%2]}
		if i%3 == 0 {
			p.email = fmt.Sprintf("prof%d@example.org", i)
		}
		for s := range 4 {
			p.present[s] = (i+s)%5 != 0
		}
		out = append(out, p)
	}
	return out
}

var sessionDates = []string{"2017-03-15", "2017-03-16", "2017-03-22", "2017-03-23"}

// setUpEvent creates a project with a professionals-trained indicator and
// an event with four sessions; it returns the project and event ids and
// the session ids.
func (s *system) setUpEvent(t *testing.T, key, code string) (project, event string, sessions []string) {
	t.Helper()
	project = s.call(t, "POST", "/v1/projects", key, map[string]any{
		"code": code, "titles": []any{map[string]any{"text": "Intersectoral cooperation"}},
		"planned_start_date": "2016-11-01", "planned_end_date": "2017-10-31", "sectors": []string{"15160"},
	}).must(t, 200).str("id")
	s.call(t, "POST", "/v1/projects/"+project+"/indicators", key, map[string]any{
		"code": "OP1", "titles": []any{map[string]any{"text": "Professionals trained"}}, "unit": "persons",
		"level": "INDICATOR_LEVEL_OUTPUT", "metric": "METRIC_PROFESSIONALS_TRAINED", "disaggregations": []string{"sector", "sex"},
	}).must(t, 200)
	event = s.call(t, "POST", "/v1/trainingEvents", key, map[string]any{
		"project_id": project, "type": "EVENT_TYPE_TRAINING", "title": "Training on the integration of protected persons",
		"start_date": "2017-03-15", "end_date": "2017-03-23", "municipality": "Beograd", "country": "RS",
		"completion_threshold_percent": 75,
	}).must(t, 200).str("id")
	for _, d := range sessionDates {
		sessions = append(sessions, s.call(t, "POST", "/v1/trainingEvents/"+event+"/sessions", key, map[string]any{"date": d}).must(t, 200).str("id"))
	}
	return project, event, sessions
}

// figures are a report's professionals trained (total, by sector, by sex)
// and the event's attendance (participants by sessions attended).
func (s *system) figures(t *testing.T, key, project, event string) string {
	t.Helper()
	rep := s.call(t, "GET", "/v1/projects/"+project+"/report?start_date=2016-11-01&end_date=2017-10-31", key, nil).must(t, 200)
	res := rep.Body["results"].([]any)[0].(map[string]any)
	var parts []string
	parts = append(parts, fmt.Sprint("total=", res["actual"].(map[string]any)["value"]))
	for _, d := range res["disaggregations"].([]any) {
		d := d.(map[string]any)
		var cells []string
		for _, c := range d["cells"].([]any) {
			c := c.(map[string]any)
			cells = append(cells, fmt.Sprintf("%v=%v", c["label"], c["value"]))
		}
		sort.Strings(cells)
		parts = append(parts, fmt.Sprintf("%v:%s", d["dimension"], strings.Join(cells, ",")))
	}
	attended := map[float64]int{}
	ps := s.call(t, "GET", "/v1/trainingEvents/"+event+"/participants?page_size=100", key, nil).must(t, 200)
	for _, p := range ps.Body["participants"].([]any) {
		n, _ := p.(map[string]any)["sessions_attended"].(float64)
		attended[n]++
	}
	parts = append(parts, fmt.Sprint("attended=", attended))
	return strings.Join(parts, " ")
}

// TestImportWorkedExample is the import issue's proof: the worked example
// imported from an XLSX file (written by excelize, a library the project
// does not otherwise write with) and from a Windows-1250 CSV with Serbian
// Latin headers gives the same report as the same data entered through the
// API one call at a time.
func TestImportWorkedExample(t *testing.T) {
	s := startSystem(t)
	keyC, err := s.stack.CreateKey(t.Context(), "partner-c", "Organisation C")
	if err != nil {
		t.Fatal(err)
	}
	people := workedExample()

	// Through the API, one call at a time.
	apiProject, apiEvent, apiSessions := s.setUpEvent(t, keyC, "API-1")
	marks := make([][]any, 4)
	for _, p := range people {
		body := map[string]any{"given_name": p.given, "family_name": p.family, "organisation_name": p.org,
			"sector": "SECTOR_" + strings.ToUpper(p.sector), "sex": "SEX_" + strings.ToUpper(p.sex), "email": p.email}
		id := s.call(t, "POST", "/v1/trainingEvents/"+apiEvent+"/participants", keyC, map[string]any{"professional": body}).must(t, 200).str("id")
		for i, present := range p.present {
			marks[i] = append(marks[i], map[string]any{"participant_id": id, "present": present})
		}
	}
	for i, sid := range apiSessions {
		s.call(t, "POST", "/v1/trainingEvents/"+apiEvent+"/sessions/"+sid+":recordAttendance", keyC, map[string]any{"marks": marks[i]}).must(t, 200)
	}
	want := s.figures(t, keyC, apiProject, apiEvent)
	if !strings.Contains(want, "total=43") || !strings.Contains(want, "justice=7") || !strings.Contains(want, "ngo=6") {
		t.Fatalf("API figures: %s", want)
	}

	t.Run("XLSX", func(t *testing.T) {
		project, event, _ := s.setUpEvent(t, s.keyA, "XLSX-1")
		f := excelize.NewFile()
		defer f.Close()
		header := []any{"given_name", "family_name", "organisation", "sector", "sex", "email", "session 1", "session 2", "session 3", "session 4"}
		if err := f.SetSheetRow("Sheet1", "A1", &header); err != nil {
			t.Fatal(err)
		}
		for i, p := range people {
			row := []any{p.given, p.family, p.org, p.sector, p.sex, p.email}
			for _, present := range p.present {
				row = append(row, map[bool]any{true: "x", false: nil}[present])
			}
			if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+2), &row); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		path := "/v1/trainingEvents/" + event + "/participants:import"
		dry := s.operation(t, s.keyA, s.upload(t, path+"?validate_only=true", s.keyA, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes()).must(t, 200))
		if dry.Body["state"] != "IMPORT_STATE_SUCCEEDED" || dry.Body["problem_count"] != nil || dry.Body["format"] != "xlsx" {
			t.Fatalf("dry run: %s", dry.Raw)
		}
		imp := s.operation(t, s.keyA, s.upload(t, path, s.keyA, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes(), "Idempotency-Key", "sheet-1").must(t, 200))
		if counts := imp.Body["counts"].(map[string]any); counts["created"] != 43.0 {
			t.Fatalf("import: %s", imp.Raw)
		}
		if got := s.figures(t, s.keyA, project, event); got != want {
			t.Fatalf("XLSX figures:\n%s\nAPI figures:\n%s", got, want)
		}
		// Sent again with the same key, or the same file again: nothing twice.
		s.upload(t, path, s.keyA, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes(), "Idempotency-Key", "sheet-1").must(t, 200)
		s.upload(t, path, s.keyA, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes()).must(t, 200)
		if got := s.figures(t, s.keyA, project, event); got != want {
			t.Fatalf("after re-sending:\n%s\nwant:\n%s", got, want)
		}
	})

	t.Run("Windows-1250 CSV with Serbian headers", func(t *testing.T) {
		project, event, _ := s.setUpEvent(t, s.keyB, "CSV-1")
		var b strings.Builder
		b.WriteString("Ime;Prezime;Organizacija;Sektor;Pol;E-mail;15.3.2017.;16.03.2017;22.3.2017.;2017-03-23\r\n")
		for _, p := range people {
			sex := map[string]string{"female": "ženski", "male": "muški"}[p.sex]
			fmt.Fprintf(&b, "%s;%s;%s;%s;%s;%s", p.given, p.family, p.org, sectorLocal[p.sector], sex, p.email)
			for _, present := range p.present {
				b.WriteString(map[bool]string{true: ";da", false: ";ne"}[present])
			}
			b.WriteString("\r\n")
		}
		data, err := charmap.Windows1250.NewEncoder().String(b.String())
		if err != nil {
			t.Fatal(err)
		}
		imp := s.operation(t, s.keyB, s.upload(t, "/v1/trainingEvents/"+event+"/participants:import", s.keyB, "text/csv", []byte(data)).must(t, 200))
		if imp.Body["encoding"] != "windows-1250" || imp.Body["counts"].(map[string]any)["created"] != 43.0 {
			t.Fatalf("import: %s", imp.Raw)
		}
		if got := s.figures(t, s.keyB, project, event); got != want {
			t.Fatalf("CSV figures:\n%s\nAPI figures:\n%s", got, want)
		}
	})
}

// TestImportPlantedErrors: a 10,000-row register with 12 planted errors
// reports exactly those, with their rows and columns, in a dry run; and a
// Cyrillic spelling of a person registered in Latin is flagged.
func TestImportPlantedErrors(t *testing.T) {
	s := startSystem(t)
	var b strings.Builder
	b.WriteString("given_name,family_name,sex,birth_date,legal_status,municipality,nationality,email,phone,birth_year,vulnerabilities,legal_status_since\n")
	planted := map[int][2]string{ // row → column letter, cell
		17:   {"C", "zeleni"},
		402:  {"D", "31.2.1990."},
		1203: {"E", "turista"},
		2048: {"A", ""},
		3001: {"G", "Jugoslavija"},
		4096: {"H", "nije-mejl"},
		5005: {"I", "telefon"},
		6006: {"J", "devedeset"},
		7007: {"K", "marsovac"},
		8008: {"D", "1.1.2150."},
		9009: {"J", "1850"},
		9999: {"L", "1.1.2020."},
	}
	for r := 2; r <= 10001; r++ {
		given, family := personName(r)
		cells := []string{given, family, "", fmt.Sprintf("%d.%d.%d.", 1+r%28, 1+r%12, 1950+r%60),
			"refugee", "Beograd", "SY", "", "", "", "", ""}
		if p, ok := planted[r]; ok {
			col := int(p[0][0] - 'A')
			cells[col] = p[1]
			if p[0] == "L" {
				cells[4] = "" // legal_status_since without a legal status
			}
		}
		b.WriteString(strings.Join(cells, ",") + "\n")
	}
	op := s.upload(t, "/v1/beneficiaries:import?validate_only=true", s.keyA, "text/csv", []byte(b.String())).must(t, 200)
	imp := s.operation(t, s.keyA, op)
	var got []string
	for _, p := range imp.Body["problems"].([]any) {
		p := p.(map[string]any)
		got = append(got, fmt.Sprintf("%v%v", p["row"], p["column"]))
	}
	var want []string
	for r, p := range planted {
		want = append(want, fmt.Sprintf("%d%s", r, p[0]))
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("problems %v, want %v: %.2000s", got, want, imp.Raw)
	}
	if c := imp.Body["counts"].(map[string]any); c["rows"] != 10000.0 || c["invalid"] != 12.0 {
		t.Fatalf("counts %v", c)
	}
	// The same file without a Content-Length (chunked): it reaches the
	// service byte for byte, so it is the same file (a dry run sent again
	// is checked again, as a new import of the same file).
	sha := func(op response) string {
		t.Helper()
		m, _ := op.Body["metadata"].(map[string]any)
		id, _ := m["import_id"].(string)
		if id == "" {
			t.Fatalf("no import: %s", op.Raw)
		}
		return s.call(t, "GET", "/v1/imports/"+id, s.keyA, nil).must(t, 200).str("file_sha256")
	}
	first := sha(op)
	again := s.call(t, "POST", "/v1/beneficiaries:import?validate_only=true", s.keyA, rawBody{"text/csv", []byte(b.String()), true}).must(t, 200)
	if got := sha(again); got != first || first == "" {
		t.Fatalf("the file sent chunked has SHA-256 %s, sent with its length %s", got, first)
	}
	// And with an Idempotency-Key (the edge reads the body for its hash,
	// then sends it on in pieces).
	keyed := s.upload(t, "/v1/beneficiaries:import?validate_only=true", s.keyA, "text/csv", []byte(b.String()), "Idempotency-Key", "planted-1").must(t, 200)
	if got := sha(keyed); got != first {
		t.Fatalf("the file sent with an Idempotency-Key has SHA-256 %s, without %s", got, first)
	}

	// A person registered in Latin, then a sheet with her name in Cyrillic.
	existing := s.call(t, "POST", "/v1/beneficiaries", s.keyB, map[string]any{
		"given_name": "Dragana", "family_name": "Đorđević", "birth_date": "1979-11-30", "nationality": "RS"}).must(t, 200).str("id")
	sheet := "име,презиме,датум рођења,држављанство\nДрагана,Ђорђевић,30.11.1979.,RS\n"
	dup := s.operation(t, s.keyB, s.upload(t, "/v1/beneficiaries:import?validate_only=true", s.keyB, "text/csv; charset=utf-8", []byte(sheet)).must(t, 200))
	ds, _ := dup.Body["duplicates"].([]any)
	if len(ds) != 1 || !strings.Contains(fmt.Sprint(ds[0]), existing) {
		t.Fatalf("duplicates: %s", dup.Raw)
	}
	// The same sheet as Excel on Windows with a Serbian (Cyrillic) locale
	// saves it ("CSV (Comma delimited)": Windows-1251, semicolons), sent
	// as a browser sends a .csv file there.
	cyr, err := charmap.Windows1251.NewEncoder().String(strings.ReplaceAll(sheet, ",", ";"))
	if err != nil {
		t.Fatal(err)
	}
	dup = s.operation(t, s.keyB, s.upload(t, "/v1/beneficiaries:import?validate_only=true", s.keyB, "application/vnd.ms-excel", []byte(cyr)).must(t, 200))
	ds, _ = dup.Body["duplicates"].([]any)
	if len(ds) != 1 || !strings.Contains(fmt.Sprint(ds[0]), existing) || dup.Body["encoding"] != "windows-1251" {
		t.Fatalf("the sheet in Windows-1251: %s", dup.Raw)
	}

	// Bad input at the edge: 400s naming the problem, nothing stored.
	for _, tc := range []struct {
		name, ct, body, mention string
		status                  int
	}{
		{"pdf", "application/pdf", "%PDF-1.7\n", "neither CSV", 400},
		{"iso-8859-1", "text/csv", "nom,pr\xe9nom\nJos\xe9,M\xfcller\nFran\xe7oise,\xd8\n", "code page", 400},
		{"unknown header", "text/csv", "ime,adresa\nA,B\n", "header.B", 400},
	} {
		r := s.upload(t, "/v1/beneficiaries:import", s.keyB, tc.ct, []byte(tc.body))
		if r.Status != tc.status || !strings.Contains(r.Raw, tc.mention) {
			t.Errorf("%s: HTTP %d %s", tc.name, r.Status, r.Raw)
		}
	}
	// Crafted workbooks that made the XLSX library read a worksheet the
	// checks before it had not read, whose negative shared-string index
	// panicked in the library's own goroutine and ended the process
	// (audit finding): 400 naming the problem, and the process answers on.
	pid := s.stack.PID("beneficiaries")
	for _, tc := range []struct{ name, sheets, targets, mention string }{
		{"one sheet name twice", `<sheet name="S" sheetId="1" r:id="rId1"/><sheet name="S" sheetId="2" r:id="rId2"/>`,
			relationship("rId1", "worksheets/sheet1.xml") + relationship("rId2", "worksheets/sheet2.xml"), "two worksheets named"},
		{"a target not clean", `<sheet name="S" sheetId="1" r:id="rId1"/>`, relationship("rId1", "./worksheets/sheet1.xml"), "a path a spreadsheet program never writes"},
	} {
		r := s.upload(t, "/v1/beneficiaries:import?validate_only=true", s.keyB, xlsxMedia, craftedXLSX(t, tc.sheets, tc.targets))
		if r.Status != 400 || !strings.Contains(r.Raw, "CORRUPT_FILE") || !strings.Contains(r.Raw, tc.mention) {
			t.Errorf("%s: HTTP %d %s", tc.name, r.Status, r.Raw)
		}
	}
	if l := s.call(t, "GET", "/v1/beneficiaries", s.keyB, nil); l.Status != 200 || syscall.Kill(pid, 0) != nil {
		t.Fatalf("after the crafted workbooks: GET /v1/beneficiaries HTTP %d %.300s; process %d alive: %v", l.Status, l.Raw, pid, syscall.Kill(pid, 0) == nil)
	}

	// A workbook in the 1904 date system: the birth date the sheet shows
	// is the one stored (it was 4 years and a day earlier: audit finding).
	f := excelize.NewFile()
	date1904 := true
	if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904}); err != nil {
		t.Fatal(err)
	}
	if err := f.SetSheetRow("Sheet1", "A1", &[]any{"ime", "prezime", "datum rođenja"}); err != nil {
		t.Fatal(err)
	}
	if err := f.SetSheetRow("Sheet1", "A2", &[]any{"Amina", "Hadžić", time.Date(2012, 5, 20, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	date, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellStyle("Sheet1", "C2", "C2", date); err != nil {
		t.Fatal(err)
	}
	var book bytes.Buffer
	if err := f.Write(&book); err != nil {
		t.Fatal(err)
	}
	mac := s.operation(t, s.keyA, s.upload(t, "/v1/beneficiaries:import", s.keyA, xlsxMedia, book.Bytes()).must(t, 200))
	if c := mac.Body["counts"].(map[string]any); c["created"] != 1.0 {
		t.Fatalf("1904 workbook: %s", mac.Raw)
	}
	for _, b := range s.call(t, "GET", "/v1/beneficiaries?page_size=100", s.keyA, nil).must(t, 200).Body["beneficiaries"].([]any) {
		if b := b.(map[string]any); b["family_name"] == "Hadžić" && b["birth_date"] != "2012-05-20" {
			t.Errorf("the 1904 workbook's 2012-05-20 is stored as %v", b["birth_date"])
		}
	}

	big := bytes.Repeat([]byte("a,b\n"), 6<<20)
	for _, chunked := range []bool{false, true} {
		if status, head := s.oversized(t, "/v1/beneficiaries:import", s.keyB, "text/csv", big, chunked); status != http.StatusRequestEntityTooLarge {
			t.Errorf("24 MiB upload (chunked %v): %s", chunked, head)
		}
	}
}

// oversized sends data as the body of a POST over a connection of its own
// and returns the answer's status and status line. The edge answers a body
// over its limit before it has read it all and then closes the connection,
// so the rest of the body meets a reset; the answer is read while the body
// is still being written (as a client that watches for an early answer
// does), not after, when the reset may already have discarded it.
func (s *system) oversized(t *testing.T, path, key, contentType string, data []byte, chunked bool) (int, string) {
	t.Helper()
	u, err := url.Parse(s.stack.URL())
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	go func() {
		w := bufio.NewWriter(conn)
		fmt.Fprintf(w, "POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\n", path, u.Host, key, contentType)
		if chunked {
			fmt.Fprintf(w, "Transfer-Encoding: chunked\r\n\r\n")
			for rest := data; len(rest) > 0; {
				n := min(len(rest), 64<<10)
				fmt.Fprintf(w, "%x\r\n%s\r\n", n, rest[:n])
				rest = rest[n:]
			}
			fmt.Fprintf(w, "0\r\n\r\n")
		} else {
			fmt.Fprintf(w, "Content-Length: %d\r\n\r\n", len(data))
			_, _ = w.Write(data)
		}
		_ = w.Flush() // may meet the reset once the edge has answered
	}()
	_ = conn.SetReadDeadline(time.Now().Add(time.Minute))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("POST %s (%d bytes, chunked %v): no answer: %v", path, len(data), chunked, err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode, resp.Status
}

// rawBody is a request body sent as it is.
type rawBody struct {
	contentType string
	data        []byte
	// chunked: sent without a Content-Length.
	chunked bool
}

var _ io.Reader = (*bytes.Reader)(nil)

// personName makes distinct, varied names (as a real register has: few
// near-identical spellings).
func personName(i int) (string, string) {
	syll := []string{"ka", "lo", "mi", "ra", "ne", "vu", "ši", "đo", "če", "za", "po", "tu", "bi", "le", "sa", "ko", "dra", "gan", "vel", "jov", "bor", "ste", "mar", "nik"}
	given := []string{"Ana", "Marko", "Jelena", "Ahmad", "Fatima", "Omar", "Dragan", "Milica", "Yusuf", "Amira", "Nikola", "Sara", "Hassan", "Leila", "Stefan", "Ivana"}
	h := uint64(i)*0x9E3779B97F4A7C15 + 12345
	next := func(n int) int { h ^= h >> 29; h *= 0xBF58476D1CE4E5B9; h ^= h >> 32; return int(h % uint64(n)) }
	family := ""
	for range 3 + next(2) {
		family += syll[next(len(syll))]
	}
	f := []rune(family)
	return given[next(len(given))] + syll[next(len(syll))], strings.ToUpper(string(f[:1])) + string(f[1:]) + []string{"ić", "ović", "ski", "i", "ani"}[next(5)]
}

// TestImportProfessionalOnce: a sign-in sheet follows the registration's
// rule for who is the same professional. A row with the e-mail of a person
// registered at the event without one, and a row repeating an earlier one
// with an e-mail added, are the registrations there are, not new persons.
func TestImportProfessionalOnce(t *testing.T) {
	s := startSystem(t)
	project, event, _ := s.setUpEvent(t, s.keyA, "ONCE-1")
	s.call(t, "POST", "/v1/projects/"+project+"/indicators", s.keyA, map[string]any{
		"code": "REG", "titles": []any{map[string]any{"text": "Professionals registered"}}, "unit": "persons",
		"level": "INDICATOR_LEVEL_OUTPUT", "metric": "METRIC_PROFESSIONALS_REGISTERED",
	}).must(t, 200)
	s.call(t, "POST", "/v1/trainingEvents/"+event+"/participants", s.keyA, map[string]any{"professional": map[string]any{
		"given_name": "Marko", "family_name": "Marković", "organisation_name": "PU Kikinda", "sector": "SECTOR_POLICE"}}).must(t, 200)
	var b strings.Builder
	b.WriteString("given_name,family_name,organisation,sector,email\n")
	b.WriteString("Marko,Marković,PU Kikinda,police,marko@example.org\n")
	b.WriteString("Ana,Anić,CSR Kikinda,social_welfare,\n")
	b.WriteString("Ana,Anić,CSR Kikinda,social_welfare,ana@example.org\n")
	for i := range 3 {
		fmt.Fprintf(&b, "Other%d,Person,CSR Kikinda,social_welfare,o%d@example.org\n", i, i)
	}
	// A dry run first, with a request id; the real import with the same
	// request id is 422 (it is another request), and without one it runs.
	path := "/v1/trainingEvents/" + event + "/participants:import?on_duplicate=link"
	dry := s.operation(t, s.keyA, s.upload(t, path+"&validate_only=true&request_id=once-sheet", s.keyA, "text/csv", []byte(b.String())).must(t, 200))
	if c := dry.Body["counts"].(map[string]any); dry.Body["validate_only"] != true || c["valid"] != 6.0 {
		t.Fatalf("dry run: %s", dry.Raw)
	}
	if r := s.upload(t, path+"&request_id=once-sheet", s.keyA, "text/csv", []byte(b.String())); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Raw, "REQUEST_ID_REUSED") || !strings.Contains(r.Raw, "validate_only=true") {
		t.Fatalf("the real import with the dry run's request id: HTTP %d %s", r.Status, r.Raw)
	}
	imp := s.operation(t, s.keyA, s.upload(t, path, s.keyA, "text/csv", []byte(b.String())).must(t, 200))
	counts := imp.Body["counts"].(map[string]any)
	if counts["created"] != 4.0 || counts["linked"] != 2.0 {
		t.Errorf("import counts %v, want 4 created (Ana, three others) and 2 linked (Marko, Ana again)", counts)
	}
	rep := s.call(t, "GET", "/v1/projects/"+project+"/report?start_date=2016-11-01&end_date=2017-10-31", s.keyA, nil).must(t, 200)
	for _, x := range rep.Body["results"].([]any) {
		res := x.(map[string]any)
		if res["code"] == "REG" {
			if v := res["actual"].(map[string]any)["value"]; v != "5" {
				t.Errorf("professionals registered = %v, want 5 (Marko, Ana, three others)", v)
			}
		}
	}
}

// TestImportSheetOrganisationByName: a sign-in sheet names organisations by
// hand. A name that exactly one directory organisation has (compared
// folded: case, diacritics, Cyrillic or Latin) is that organisation, so a
// professional registered over REST with its directory id is found at the
// event and counted once, and the organisation is one cell of the report;
// a name two organisations share, or none has, stays free text. (The
// directory is read in the import's write phase too, for the importing
// organisation: a row giving the id made it fail for a missing principal.)
func TestImportSheetOrganisationByName(t *testing.T) {
	s := startSystem(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for _, name := range []string{"Centar za socijalni rad Šid", "Dom zdravlja Užice"} {
		if _, err := s.stack.CreateKey(ctx, "sheet-"+name, name); err != nil {
			t.Fatal(err)
		}
	}
	// A key for a new organisation is refused a name the directory has in
	// another spelling (the directory's name filter folds as sheets do); the
	// administrator may still enter a second one, which makes the name
	// ambiguous.
	if _, err := s.stack.CreateKey(ctx, "sheet-Dom zdravlja Uzice", "Dom zdravlja Uzice"); err == nil || !strings.Contains(err.Error(), "already has 1 organisation") {
		t.Fatalf("a key registering Dom zdravlja Uzice beside Dom zdravlja Užice: %v", err)
	}
	admin, err := s.stack.CreateAdminKey(ctx, "sheet-admin")
	if err != nil {
		t.Fatal(err)
	}
	s.call(t, "POST", "/v1/organisations", admin, map[string]any{"name": "Dom zdravlja Uzice", "kind": "ORGANISATION_KIND_HEALTH", "country": "RS"}).must(t, 200)
	found := s.call(t, "GET", "/v1/organisations?name="+url.QueryEscape("Centar za socijalni rad Šid"), s.keyA, nil).must(t, 200)
	list, _ := found.Body["organisations"].([]any)
	if len(list) != 1 {
		t.Fatalf("the centre in the directory: %s", found.Raw)
	}
	csr, _ := list[0].(map[string]any)["id"].(string)

	project, event, _ := s.setUpEvent(t, s.keyA, "SHEET-ORG")
	s.call(t, "POST", "/v1/projects/"+project+"/indicators", s.keyA, map[string]any{
		"code": "REG", "titles": []any{map[string]any{"text": "Professionals registered"}}, "unit": "persons",
		"level": "INDICATOR_LEVEL_OUTPUT", "metric": "METRIC_PROFESSIONALS_REGISTERED", "disaggregations": []string{"organisation"},
	}).must(t, 200)
	marko := s.call(t, "POST", "/v1/trainingEvents/"+event+"/participants", s.keyA, map[string]any{"professional": map[string]any{
		"given_name": "Marko", "family_name": "Marić", "email": "marko@example.org", "organisation_id": csr,
		"sector": "SECTOR_SOCIAL_WELFARE", "sex": "SEX_MALE"}}).must(t, 200).str("id")
	// Over REST by name: the registration takes the directory's id.
	ana := s.call(t, "POST", "/v1/trainingEvents/"+event+"/participants", s.keyA, map[string]any{"professional": map[string]any{
		"given_name": "Ana", "family_name": "Anić", "organisation_name": "centar za socijalni rad sid", "sector": "SECTOR_SOCIAL_WELFARE"}}).must(t, 200)
	if pr, _ := ana.Body["professional"].(map[string]any); pr["organisation_id"] != csr || pr["organisation_name"] != nil {
		t.Errorf("registered by the centre's name: %s", ana.Raw)
	}

	sheet := "given_name,family_name,organisation,sector,sex,email\n" +
		"Marko,Marić,CENTAR ZA SOCIJALNI RAD SID,social_welfare,male,\n" +
		"Jelena,Jović,Центар за социјални рад Шид,social_welfare,female,jelena@example.org\n" +
		"Petar,Petrović,Dom zdravlja Užice,health,male,\n" +
		"Ivan,Ivić,PU Šid,police,male,\n" +
		"Mira,Mirić," + csr + ",social_welfare,female,\n" +
		"Ana,Anić,Центар за социјални рад Шид,social_welfare,female,\n"
	for i := range 3 {
		sheet += fmt.Sprintf("Other%d,Person,Centar za socijalni rad Šid,social_welfare,female,o%d@example.org\n", i, i)
	}
	path := "/v1/trainingEvents/" + event + "/participants:import?on_duplicate=link"
	dry := s.operation(t, s.keyA, s.upload(t, path+"&validate_only=true", s.keyA, "text/csv", []byte(sheet)).must(t, 200))
	if c := dry.Body["counts"].(map[string]any); c["valid"] != 9.0 || c["duplicates"] != 2.0 {
		t.Errorf("dry run: want 9 valid rows, Marko's and Ana's duplicates: %s", dry.Raw)
	}
	if ds, _ := dry.Body["duplicates"].([]any); len(ds) != 2 || !strings.Contains(fmt.Sprint(ds[0]), marko) || !strings.Contains(fmt.Sprint(ds[1]), ana.str("id")) {
		t.Errorf("dry run: Marko's and Ana's rows do not name their registrations %s, %s: %s", marko, ana.str("id"), dry.Raw)
	}
	imp := s.operation(t, s.keyA, s.upload(t, path, s.keyA, "text/csv", []byte(sheet)).must(t, 200))
	if c := imp.Body["counts"].(map[string]any); c["created"] != 7.0 || c["linked"] != 2.0 {
		t.Errorf("import: want 7 created, Marko and Ana linked: %s", imp.Raw)
	}

	orgOf := map[string]string{}
	ps := s.call(t, "GET", "/v1/trainingEvents/"+event+"/participants?page_size=100", s.keyA, nil).must(t, 200)
	for _, x := range ps.Body["participants"].([]any) {
		pr, _ := x.(map[string]any)["professional"].(map[string]any)
		who := fmt.Sprint(pr["given_name"])
		if _, dup := orgOf[who]; dup {
			t.Errorf("%s registered twice: %s", who, ps.Raw)
		}
		orgOf[who] = fmt.Sprintf("id=%v name=%v", pr["organisation_id"], pr["organisation_name"])
	}
	want := map[string]string{
		"Marko":  "id=" + csr + " name=<nil>",
		"Jelena": "id=" + csr + " name=<nil>",
		"Petar":  "id=<nil> name=Dom zdravlja Užice",
		"Ivan":   "id=<nil> name=PU Šid",
		"Mira":   "id=" + csr + " name=<nil>",
		"Ana":    "id=" + csr + " name=<nil>",
		"Other0": "id=" + csr + " name=<nil>",
		"Other1": "id=" + csr + " name=<nil>",
		"Other2": "id=" + csr + " name=<nil>",
	}
	if fmt.Sprint(orgOf) != fmt.Sprint(want) {
		t.Errorf("participants' organisations:\n got %v\nwant %v", orgOf, want)
	}

	rep := s.call(t, "GET", "/v1/projects/"+project+"/report?start_date=2016-11-01&end_date=2017-10-31", s.keyA, nil).must(t, 200)
	for _, x := range rep.Body["results"].([]any) {
		res := x.(map[string]any)
		if res["code"] != "REG" {
			continue
		}
		if v := res["actual"].(map[string]any)["value"]; v != "9" {
			t.Errorf("professionals registered = %v, want 9 (Marko and Ana once): %s", v, rep.Raw)
		}
		var cells []string
		ds, _ := res["disaggregations"].([]any)
		for _, d := range ds {
			cs, _ := d.(map[string]any)["cells"].([]any)
			for _, c := range cs {
				cells = append(cells, fmt.Sprint(c.(map[string]any)["label"]))
			}
		}
		sort.Strings(cells)
		// Cells as labelled (their small counts are hidden).
		wantCells := []string{"Dom zdravlja Užice", "PU Šid", csr}
		sort.Strings(wantCells)
		if fmt.Sprint(cells) != fmt.Sprint(wantCells) {
			t.Errorf("organisation cells %v, want %v (the centre once)", cells, wantCells)
		}
	}
}

const xlsxMedia = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func relationship(id, target string) string {
	return `<Relationship Id="` + id + `" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="` + target + `"/>`
}

// craftedXLSX is a workbook listing sheets (<sheet> elements) with the
// relationships targets, of three parts: xl/worksheets/sheet1.xml, a
// header, and xl/worksheets/sheet2.xml and xl/./worksheets/sheet1.xml, whose
// second row refers to shared string -1.
func craftedXLSX(t *testing.T, sheets, targets string) []byte {
	t.Helper()
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	header := `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>`
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`},
		{"xl/workbook.xml", `<?xml version="1.0"?><workbook ` + ns + ` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>` + sheets + `</sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` + targets + `</Relationships>`},
		{"xl/styles.xml", `<?xml version="1.0"?><styleSheet ` + ns + `/>`},
		{"xl/sharedStrings.xml", `<sst ` + ns + ` count="2" uniqueCount="2"><si><t>given_name</t></si><si><t>family_name</t></si></sst>`},
		{"xl/worksheets/sheet1.xml", `<worksheet ` + ns + `><sheetData>` + header + `</sheetData></worksheet>`},
		{"xl/worksheets/sheet2.xml", `<worksheet ` + ns + `><sheetData>` + header + `<row r="2"><c r="A2" t="s"><v>-1</v></c></row></sheetData></worksheet>`},
		{"xl/./worksheets/sheet1.xml", `<worksheet ` + ns + `><sheetData>` + header + `<row r="2"><c r="A2" t="s"><v>-1</v></c></row></sheetData></worksheet>`},
	} {
		w, err := zw.Create(p[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, p[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestImportAnswerNotKeptAtEdge: the answer to an import sent with an
// Idempotency-Key quotes the cells of its refused rows (a person's bad
// e-mail address) and names no person whose erasure would find it. The
// edge keeps no copy of it (before, it kept the answer for IDEMPOTENCY_TTL,
// where the erasure that clears the service's copy of such a row could not
// reach it); a retry with the key is answered by the service from the
// request id the key became: the same import, not a second one.
func TestImportAnswerNotKeptAtEdge(t *testing.T) {
	s := startSystem(t)
	file := "ime,prezime,e-mail\nDurdija,Kovačević-Zlatanović,durdija.kz@@example.org\nMarko,Marković,\n"
	first := s.upload(t, "/v1/beneficiaries:import?on_error=skip", s.keyA, "text/csv", []byte(file), "Idempotency-Key", "register-1").must(t, 200)
	imp := s.operation(t, s.keyA, first)
	if !strings.Contains(imp.Raw, "durdija.kz@@example.org") || imp.Body["counts"].(map[string]any)["created"] != 1.0 {
		t.Fatalf("import: %s", imp.Raw)
	}
	if n := s.count(t, `SELECT count(*) FROM edge.idempotency_records WHERE convert_from(body, 'UTF8') LIKE '%durdija.kz@@example.org%'`); n != 0 {
		t.Fatalf("the edge keeps %d copies of the import's answer quoting the refused row's cell", n)
	}
	again := s.upload(t, "/v1/beneficiaries:import?on_error=skip", s.keyA, "text/csv", []byte(file), "Idempotency-Key", "register-1").must(t, 200)
	id := func(op response) any { m, _ := op.Body["metadata"].(map[string]any); return m["import_id"] }
	if id(again) != id(first) || id(first) == nil {
		t.Fatalf("retried with its key: import %v, first %v", id(again), id(first))
	}
	if l := s.call(t, "GET", "/v1/beneficiaries", s.keyA, nil).must(t, 200); len(l.Body["beneficiaries"].([]any)) != 1 {
		t.Fatalf("after the retry: %s", l.Raw)
	}
	if r := s.upload(t, "/v1/beneficiaries:import?on_error=skip", s.keyA, "text/csv", []byte(file+"Ana,Anić,\n"), "Idempotency-Key", "register-1"); r.Status != 422 {
		t.Fatalf("the key with another file: HTTP %d %s", r.Status, r.Raw)
	}
}

// TestImportResendSaysReplayed: the same file sent again with the same
// options (after an on_error=skip import that refused a row, the sender
// having corrected nothing in it) gets the first import, as before, so no
// person is created twice, and now says so: Idempotent-Replayed: true and
// metadata.replayed. Before, the answer was the first import with nothing
// telling that this upload was not read (assigned r17, noticed by
// r16-imports). The corrected file is another file: imported, with
// on_duplicate=skip its rows the first import wrote are skipped, not
// created twice.
func TestImportResendSaysReplayed(t *testing.T) {
	s := startSystem(t)
	file := "ime,prezime,datum rođenja,e-mail\nAmina,Haddad,12.4.1990.,amina@@example.org\nOmar,Khalil,31.1.1985.,\n"
	replayed := func(op response) (string, any, any) {
		m, _ := op.Body["metadata"].(map[string]any)
		return op.Header.Get("Idempotent-Replayed"), m["replayed"], m["import_id"]
	}
	first := s.upload(t, "/v1/beneficiaries:import?on_error=skip", s.keyA, "text/csv", []byte(file)).must(t, 200)
	h, r, id := replayed(first)
	if h != "" || r != nil || id == nil {
		t.Fatalf("first upload: Idempotent-Replayed %q, replayed %v: %s", h, r, first.Raw)
	}
	if imp := s.operation(t, s.keyA, first); imp.Body["counts"].(map[string]any)["created"] != 1.0 {
		t.Fatalf("first import: %s", imp.Raw)
	}
	again := s.upload(t, "/v1/beneficiaries:import?on_error=skip", s.keyA, "text/csv", []byte(file)).must(t, 200)
	if h, r, id2 := replayed(again); h != "true" || r != true || id2 != id {
		t.Fatalf("the same file again: Idempotent-Replayed %q, replayed %v, import %v (first %v): %s", h, r, id2, id, again.Raw)
	}
	fixed := strings.Replace(file, "amina@@example.org", "amina@example.org", 1)
	op := s.upload(t, "/v1/beneficiaries:import?on_error=skip&on_duplicate=skip", s.keyA, "text/csv", []byte(fixed)).must(t, 200)
	if h, r, id3 := replayed(op); h != "" || r != nil || id3 == id {
		t.Fatalf("the corrected file: Idempotent-Replayed %q, replayed %v, import %v (first %v)", h, r, id3, id)
	}
	if imp := s.operation(t, s.keyA, op); imp.Body["counts"].(map[string]any)["created"] != 1.0 || imp.Body["counts"].(map[string]any)["skipped"] != 1.0 {
		t.Fatalf("corrected import: %s", imp.Raw)
	}
	if l := s.call(t, "GET", "/v1/beneficiaries", s.keyA, nil).must(t, 200); len(l.Body["beneficiaries"].([]any)) != 2 {
		t.Fatalf("persons after the three uploads: %s", l.Raw)
	}
}
