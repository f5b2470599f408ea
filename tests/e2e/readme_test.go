package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeBase is the edge's address in the README's examples (make run's).
const readmeBase = "http://127.0.0.1:8080"

// readmeCaptures are the shell variables the README tells the reader to
// take from an earlier example's answer: the variable, the route (method
// and path after /v1) whose answer gives it, and where in that answer.
var readmeCaptures = []struct {
	name, method string
	path         *regexp.Regexp
	value        func(map[string]any) string
}{
	{"PERSON", "POST", regexp.MustCompile(`^/v1/beneficiaries$`), func(b map[string]any) string { return str(b, "id") }},
	{"TEAM", "POST", regexp.MustCompile(`^/v1/organisations/[^/]+/services$`), func(b map[string]any) string { return str(b, "id") }},
	{"PLACE", "POST", regexp.MustCompile(`^/v1/organisations/[^/]+/services$`), func(b map[string]any) string {
		locs, _ := b["locations"].([]any)
		if len(locs) == 0 {
			return ""
		}
		m, _ := locs[0].(map[string]any)
		return str(m, "id")
	}},
	{"PROJECT", "POST", regexp.MustCompile(`^/v1/projects$`), func(b map[string]any) string { return str(b, "id") }},
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

// TestREADMEExamples runs the README's curl examples, in the README's
// order and as written, against the real system, as a reader following it
// after make run does: the shell expands each command (its quoting, $KEY,
// $ORG_A and the .data/ files make run writes), and the variables the
// README says to take from an answer (PERSON, TEAM, PLACE, PROJECT) are
// taken from it. Every example must answer 200, and the report example
// must count the assistance recorded by the example before it, under the
// project, its team and its place. Before, the assistance example needed
// a project the README gave no example of (code, titles, planned dates and
// sectors are required), and the indicator's required code was nowhere
// (found following the README after make run).
func TestREADMEExamples(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var script strings.Builder
	blocks := 0
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(readme), -1) {
		if strings.Contains(m[1], "curl ") && strings.Contains(m[1], readmeBase) {
			script.WriteString(m[1] + "\n")
			blocks++
		}
	}
	if blocks < 3 {
		t.Fatalf("found %d README blocks with curl examples (the pattern no longer matches the document)", blocks)
	}

	s := startSystem(t)
	org := s.orgID(t, "Organisation A")
	// The shell runs the examples with a curl that only writes down what it
	// was asked: each command's arguments, NUL-separated, then \x01.
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".data"), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]string{"dev-api-key": s.keyA, "dev-organisation-id": org} {
		if err := os.WriteFile(filepath.Join(dir, ".data", name), []byte(v+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	sh := exec.Command("sh", "-e", "-c", `curl() { for a in "$@"; do printf '%s\0' "$a"; done; printf '\001\0'; }
ORG_A=$(cat .data/dev-organisation-id)
`+script.String())
	sh.Dir = dir
	sh.Env = append(os.Environ(), "KEY=")
	for _, c := range readmeCaptures {
		sh.Env = append(sh.Env, c.name+"=@"+c.name+"@")
	}
	out, err := sh.Output()
	if err != nil {
		t.Fatalf("the README's examples do not run in sh: %v", err)
	}
	var commands [][]string
	var args []string
	for _, a := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		if a == "\x01" {
			commands = append(commands, args)
			args = nil
			continue
		}
		args = append(args, a)
	}

	got := map[string]string{}
	reported := false
	for _, argv := range commands {
		method, url, body, headers := curlRequest(t, argv)
		for name, v := range got {
			url = strings.ReplaceAll(url, "@"+name+"@", v)
			body = strings.ReplaceAll(body, "@"+name+"@", v)
		}
		if m := regexp.MustCompile(`@([A-Z_]+)@`).FindStringSubmatch(url + body); m != nil {
			t.Fatalf("curl %s: uses $%s before an example's answer gives it", strings.Join(argv, " "), m[1])
		}
		if !strings.HasPrefix(url, readmeBase+"/") {
			t.Fatalf("curl %s: not a request to make run's edge", strings.Join(argv, " "))
		}
		path := strings.TrimPrefix(url, readmeBase)
		req, err := http.NewRequest(method, s.stack.URL()+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded") // what curl -d sends
		}
		for _, h := range headers {
			k, v, _ := strings.Cut(h, ":")
			req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: HTTP %d, want 200: %s", method, path, resp.StatusCode, raw)
		}
		var answer map[string]any
		if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&answer); err != nil {
			t.Fatalf("%s %s: not JSON: %s", method, path, raw)
		}
		route, _, _ := strings.Cut(path, "?")
		for _, c := range readmeCaptures {
			if _, done := got[c.name]; !done && method == c.method && c.path.MatchString(route) {
				if got[c.name] = c.value(answer); got[c.name] == "" {
					t.Fatalf("%s %s: no %s in the answer: %s", method, path, c.name, raw)
				}
			}
		}
		if strings.HasSuffix(route, "/report") {
			reported = true
			checkREADMEReport(t, raw)
		}
	}
	if !reported {
		t.Error("the README's examples read no report")
	}
	for _, c := range readmeCaptures {
		if got[c.name] == "" {
			t.Errorf("no README example's answer gave %s", c.name)
		}
	}
}

// checkREADMEReport: the report the README reads counts Amina, assisted by
// the team at its place under the project, against the indicator's target.
func checkREADMEReport(t *testing.T, raw []byte) {
	t.Helper()
	var r struct {
		Results []struct {
			Code   string `json:"code"`
			Target string `json:"target"`
			Actual struct {
				Value string `json:"value"`
			} `json:"actual"`
			Disaggregations []struct {
				Dimension string `json:"dimension"`
				Cells     []struct {
					Label, Value, Name string
				} `json:"cells"`
			} `json:"disaggregations"`
		} `json:"results"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Results) != 1 || r.Results[0].Code != "OP1.1" || r.Results[0].Target != "150" || r.Results[0].Actual.Value != "1" {
		t.Fatalf("report: want OP1.1 with target 150 and 1 person assisted: %s", raw)
	}
	cells := map[string]string{}
	for _, d := range r.Results[0].Disaggregations {
		for _, c := range d.Cells {
			cells[d.Dimension+"/"+c.Label+"/"+c.Name] = c.Value
		}
	}
	for _, want := range []string{"sex/female/"} {
		if cells[want] != "1" {
			t.Errorf("report: no cell %s of 1: %s", want, raw)
		}
	}
	team, place := 0, 0
	for k, v := range cells {
		if strings.HasPrefix(k, "service/") && strings.HasSuffix(k, "/Psychosocial protection team Šid") && v == "1" {
			team++
		}
		if strings.HasPrefix(k, "location/") && strings.HasSuffix(k, "/Asylum centre Šid") && v == "1" {
			place++
		}
	}
	if team != 1 || place != 1 {
		t.Errorf("report: want the team and the place with 1 each: %s", raw)
	}
}

// curlRequest reads the curl options the README's examples use: -s, -H,
// -d (a POST, unless -X says otherwise) and -X, and one URL.
func curlRequest(t *testing.T, argv []string) (method, url, body string, headers []string) {
	t.Helper()
	for i := 0; i < len(argv); i++ {
		switch a := argv[i]; {
		case a == "-s":
		case (a == "-H" || a == "-d" || a == "-X") && i+1 < len(argv):
			i++
			switch a {
			case "-H":
				headers = append(headers, argv[i])
			case "-d":
				body = argv[i]
				if method == "" {
					method = "POST"
				}
			case "-X":
				method = argv[i]
			}
		case strings.HasPrefix(a, "http") && url == "":
			url = a
		default:
			t.Fatalf("curl %s: option %q is not one this test reads", strings.Join(argv, " "), a)
		}
	}
	if method == "" {
		method = "GET"
	}
	return method, url, body, headers
}
