package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spona/spona/pkg/testkit/devstack"
)

// rss samples process_resident_memory_bytes from every process's /metrics
// while a measurement runs and keeps the highest value per process and
// number of clients.
type rss struct {
	stack *devstack.Stack
	mu    sync.Mutex
	max   map[int]map[string]float64 // clients → process → bytes
}

func newRSS(stack *devstack.Stack) *rss {
	return &rss{stack: stack, max: map[int]map[string]float64{}}
}

// watch samples every interval until ctx ends.
func (r *rss) watch(ctx context.Context, clients int, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for _, name := range devstack.Services {
			v, err := scrapeMetric(ctx, r.stack.AdminURL(name)+"/metrics", "process_resident_memory_bytes")
			if err != nil {
				continue // the next sample will do
			}
			r.mu.Lock()
			if r.max[clients] == nil {
				r.max[clients] = map[string]float64{}
			}
			r.max[clients][name] = max(r.max[clients][name], v)
			r.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// scrapeMetric reads the value of an unlabelled metric from a Prometheus
// text exposition at url.
func scrapeMetric(ctx context.Context, url, metric string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), metric+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s: no %s", url, metric)
}

// table prints the highest RSS of each process per number of clients.
func (r *rss) table(clients []int, limitMiB float64) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var w strings.Builder
	fmt.Fprintf(&w, "resident memory (process_resident_memory_bytes, highest sample during the measurements), MiB; limit %.0f\n", limitMiB)
	fmt.Fprintf(&w, "%-14s", "process")
	for _, c := range clients {
		fmt.Fprintf(&w, " %10s", strconv.Itoa(c)+" clients")
	}
	fmt.Fprintln(&w)
	for _, name := range devstack.Services {
		fmt.Fprintf(&w, "%-14s", name)
		for _, c := range clients {
			v := r.max[c][name] / (1 << 20)
			mark := ""
			if v > limitMiB {
				mark = "!"
			}
			fmt.Fprintf(&w, " %9.1f%1s", v, mark)
		}
		fmt.Fprintln(&w)
	}
	return w.String()
}

// profiles of the processes a path goes through.
var profiled = map[string][]string{
	"grpc":      {"beneficiaries"},
	"rest":      {"edge", "beneficiaries"},
	"rest+idem": {"edge", "beneficiaries"},
}

// profile takes CPU and allocation profiles of the processes path goes
// through for d (the processes serve /debug/pprof/ with ADMIN_PPROF=true),
// and a CPU profile of this
// harness (its clients), into dir, in the background; wait returns once
// they are written.
func profile(ctx context.Context, stack *devstack.Stack, dir, path string, clients int, d time.Duration) (wait func()) {
	var wg sync.WaitGroup
	secs := max(1, int(d.Round(time.Second)/time.Second))
	self := filepath.Join(dir, fmt.Sprintf("%s-%d-harness.pprof", strings.ReplaceAll(path, "+", "-"), clients))
	stopSelf, err := profileSelf(self)
	if err != nil {
		say("profile " + self + ": " + err.Error())
		stopSelf = func() {}
	}
	for _, name := range profiled[path] {
		// CPU, and the allocations made meanwhile (a delta profile).
		for kind, suffix := range map[string]string{"profile": "", "allocs": "-allocs"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				file := filepath.Join(dir, fmt.Sprintf("%s-%d-%s%s.pprof", strings.ReplaceAll(path, "+", "-"), clients, name, suffix))
				if err := fetchTo(ctx, stack.AdminURL(name)+"/debug/pprof/"+kind+"?seconds="+strconv.Itoa(secs), file); err != nil {
					say("profile " + file + ": " + err.Error())
				}
			}()
		}
	}
	return func() {
		stopSelf()
		wg.Wait()
	}
}

// profileSelf writes this process's CPU profile into file until stop.
func profileSelf(file string) (stop func(), err error) {
	f, err := os.Create(file) //nolint:gosec // a path the operator chose
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			say("profile " + file + ": " + err.Error())
		}
	}, nil
}

func fetchTo(ctx context.Context, url, file string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d (is ADMIN_PPROF on?)", resp.StatusCode)
	}
	f, err := os.Create(file) //nolint:gosec // a path the operator chose
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
