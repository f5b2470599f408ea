// Command importload measures spreadsheet imports through the whole
// system (make load-imports): it starts PostgreSQL and the processes,
// then, over REST at the edge and in one run,
//
//   - creates rows of a register one call at a time (POST /v1/beneficiaries),
//     the baseline, before and after the imports;
//   - imports the same register (-rows, default 50,000) as a dry run and for
//     real (POST /v1/beneficiaries:import), waiting on the operation;
//   - dry-runs a file of -big-mib (default 20 MiB, the largest accepted)
//     with a long notes column;
//
// and prints rows per second and, for each upload, the peak resident
// memory of the edge and of the beneficiaries process while it ran
// (sampled from /proc every 10 ms) against their memory before it.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spona/spona/pkg/testkit/devstack"
	"github.com/spona/spona/pkg/testkit/loadrig"
	"github.com/spona/spona/pkg/testkit/pgcluster"
	"github.com/spona/spona/pkg/testkit/register"
)

func main() {
	loadrig.Main("importload", "measure spreadsheet imports over REST against one create per call, and the memory of a large upload (make load-imports)", run)
}

func run(ctx context.Context) error {
	rows := flag.Int("rows", 50_000, "rows of the register imported (at most IMPORT_MAX_ROWS)")
	single := flag.Int("single", 2_000, "rows created one REST call at a time, half before and half after the imports")
	bigMiB := flag.Float64("big-mib", 20, "size of the large file dry-run for the memory figures (0: skip)")
	flag.Parse()

	rig, err := loadrig.Start(ctx, "importload", loadrig.Options{
		PG:  pgcluster.Options{MaxConnections: devstack.Connections() + 20},
		Env: []string{"LOG_LEVEL=warn", "RATE_LIMIT_RPS=1000000", "RATE_LIMIT_BURST=1000000"},
	})
	if err != nil {
		return err
	}
	defer rig.Close()
	stack := rig.Stack
	l := &loader{url: stack.URL(), http: &http.Client{Timeout: 5 * time.Minute},
		pids: map[string]int{"edge": stack.PID("edge"), "beneficiaries": stack.PID("beneficiaries")}}

	var out []string
	oneByOne := func(key string, from, n int) error {
		start := time.Now()
		for i := from; i < from+n; i++ {
			p := register.Row(1, i)
			body := fmt.Sprintf(`{"given_name":%q,"family_name":%q,"sex":"SEX_%s","birth_date":%q,"nationality":%q,"municipality":%q,"legal_status":"LEGAL_STATUS_%s"}`,
				p.Given, p.Family, strings.ToUpper(p.Sex), p.ISODate(), p.Nationality, p.Municipality, strings.ToUpper(p.LegalStatus))
			if _, err := l.call("POST", "/v1/beneficiaries", key, "application/json", []byte(body)); err != nil {
				return err
			}
		}
		el := time.Since(start)
		out = append(out, fmt.Sprintf("one REST call per row      %6d rows  %8s  %7.0f rows/s", n, el.Round(time.Millisecond), float64(n)/el.Seconds()))
		return nil
	}
	key, err := stack.CreateKey(ctx, "single", "One By One NGO")
	if err != nil {
		return err
	}
	if err := oneByOne(key, 0, *single/2); err != nil {
		return err
	}
	file := register.CSV(1, 0, *rows)
	for _, dry := range []bool{true, false} {
		// A new organisation each time: no existing persons.
		k, err := stack.CreateKey(ctx, fmt.Sprintf("import-%v", dry), fmt.Sprintf("Import NGO %v", dry))
		if err != nil {
			return err
		}
		line, err := l.importFile(k, file, *rows, dry)
		if err != nil {
			return err
		}
		out = append(out, line)
	}
	if err := oneByOne(key, *single/2, *single-*single/2); err != nil {
		return err
	}
	if *bigMiB > 0 {
		big, n := register.NotesCSV(*bigMiB)
		k, err := stack.CreateKey(ctx, "big", "Big File NGO")
		if err != nil {
			return err
		}
		line, err := l.importFile(k, big, n, true)
		if err != nil {
			return err
		}
		out = append(out, line)
	}
	fmt.Println(strings.Join(out, "\n"))
	return nil
}

type loader struct {
	url  string
	http *http.Client
	pids map[string]int
}

// importFile uploads a file, waits for its import and reports rows/s and
// the processes' memory while it ran.
func (l *loader) importFile(key string, data []byte, rows int, dry bool) (string, error) {
	before := map[string]float64{}
	for name, pid := range l.pids {
		before[name] = rss(pid, "VmRSS")
	}
	peaks, stop := l.sample()
	start := time.Now()
	path := "/v1/beneficiaries:import"
	if dry {
		path += "?validate_only=true"
	}
	body, err := l.call("POST", path, key, "text/csv", data)
	if err != nil {
		stop()
		return "", err
	}
	answered := time.Since(start)
	var op struct {
		Name string `json:"name"`
		Done bool   `json:"done"`
	}
	for {
		if err := json.Unmarshal(body, &op); err != nil {
			stop()
			return "", err
		}
		if op.Done {
			break
		}
		time.Sleep(50 * time.Millisecond)
		if body, err = l.call("GET", "/v1/"+op.Name, key, "", nil); err != nil {
			stop()
			return "", err
		}
	}
	el := time.Since(start)
	stop()
	var meta struct {
		Error    any `json:"error"`
		Metadata struct {
			ImportID string `json:"import_id"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(body, &meta); err != nil {
		return "", err
	}
	if meta.Error != nil {
		return "", fmt.Errorf("import failed: %.500s", body)
	}
	if body, err = l.call("GET", "/v1/imports/"+meta.Metadata.ImportID, key, "", nil); err != nil {
		return "", err
	}
	var res struct {
		State  string         `json:"state"`
		Counts map[string]any `json:"counts"`
	}
	if err := json.Unmarshal(body, &res); err != nil {
		return "", err
	}
	if res.State != "IMPORT_STATE_SUCCEEDED" {
		return "", fmt.Errorf("import %s: %.500s", res.State, body)
	}
	what := "import (real)"
	if dry {
		what = "import (dry run)"
	}
	return fmt.Sprintf("%-26s %6d rows  %8s  %7.0f rows/s  %.1f MiB file, first answer %s, counts %v; peak RSS edge %.0f MiB (before %.0f), beneficiaries %.0f MiB (before %.0f)",
		what, rows, el.Round(time.Millisecond), float64(rows)/el.Seconds(), float64(len(data))/(1<<20), answered.Round(time.Millisecond),
		res.Counts, peaks["edge"], before["edge"], peaks["beneficiaries"], before["beneficiaries"]), nil
}

// sample records the peak VmRSS of the processes until stop is called.
func (l *loader) sample() (map[string]float64, func()) {
	peaks := map[string]float64{}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			for name, pid := range l.pids {
				peaks[name] = max(peaks[name], rss(pid, "VmRSS"))
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return peaks, func() { close(done); wg.Wait() }
}

// rss reads a memory line of /proc/pid/status in MiB.
func rss(pid int, field string) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == field+":" {
			kb, _ := strconv.Atoi(f[1])
			return float64(kb) / 1024
		}
	}
	return 0
}

func (l *loader) call(method, path, key, contentType string, body []byte) ([]byte, error) {
	req, err := http.NewRequest(method, l.url+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := l.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: HTTP %d %.300s", method, path, resp.StatusCode, out)
	}
	return out, nil
}
