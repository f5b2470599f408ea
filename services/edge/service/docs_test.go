package service_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/spona/spona/gen/openapi"
	"github.com/spona/spona/services/edge/edgetest"
)

// chromium finds Debian's chromium; CI (SPONA_REQUIRE_CHROMIUM=1) fails
// without it, elsewhere the test is skipped.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("SPONA_REQUIRE_CHROMIUM") != "" {
		t.Fatal("chromium not found (apt-get install chromium)")
	}
	t.Skip("chromium not installed")
	return ""
}

// TestDocsPageRendersInChromium loads /docs from the real edge in headless
// Chromium and checks the page rendered every operation of the OpenAPI
// document, with no script error or CSP violation.
func TestDocsPageRendersInChromium(t *testing.T) {
	bin := chromium(t)
	s := edgetest.Start(t, nil)

	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
			Summary     string `json:"summary"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openapi.Spec, &doc); err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, m := range doc.Paths {
		for _, op := range m {
			ops = append(ops, op.OperationID)
		}
	}

	actx, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	var mu sync.Mutex
	var problems []string
	err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		case *cdplog.EventEntryAdded: // CSP violations, failed loads
			if e.Entry.Level == cdplog.EntryLevelError {
				problems = append(problems, "log: "+e.Entry.Text+" "+e.Entry.URL)
			}
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				problems = append(problems, "console error: "+strings.Join(args, " "))
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/docs"), chromedp.WaitVisible(`details.op`)); err != nil {
		t.Fatal(err)
	}
	attr, err := chromedp.Run(ctx, chromedp.AttributeValue(`#api`, "data-operations"))
	if err != nil {
		t.Fatal(err)
	}
	count := attr.Value
	text, err := chromedp.Run(ctx, chromedp.Text(`#api`))
	if err != nil {
		t.Fatal(err)
	}
	firstPath, err := chromedp.Run(ctx, chromedp.Text(`details.op .path`))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(`#filter`, "trainingEvents")); err != nil {
		t.Fatal(err)
	}
	hiddenAfterFilter, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("details.op.hidden").length`))
	if err != nil {
		t.Fatal(err)
	}
	shownAfterFilter, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("details.op:not(.hidden)").length`))
	if err != nil {
		t.Fatal(err)
	}
	if count != itoa(len(ops)) {
		t.Errorf("page rendered %s operations, the document has %d", count, len(ops))
	}
	for _, want := range []string{"/v1/beneficiaries", "/v1/beneficiaries/{id}", "/v1/trainingEvents", "BeneficiaryService", "Registers a beneficiary"} {
		if !strings.Contains(text, want) {
			t.Errorf("page does not show %q", want)
		}
	}
	if !strings.HasPrefix(firstPath, "/v1/") {
		t.Errorf("first operation path = %q", firstPath)
	}
	if hiddenAfterFilter == 0 || shownAfterFilter == 0 || hiddenAfterFilter+shownAfterFilter != len(ops) {
		t.Errorf("filter: %d hidden, %d shown of %d", hiddenAfterFilter, shownAfterFilter, len(ops))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("the page reported problems:\n%s", strings.Join(problems, "\n"))
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
