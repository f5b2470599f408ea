package service_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"
	"github.com/spona/spona/gen/openapi"
	"github.com/spona/spona/services/edge/edgetest"
)

// chromium finds Chromium (or Chrome) on PATH or in macOS's Applications;
// without it the test fails: tools/setup.sh (run by make test) installs it.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	for _, p := range []string{"/Applications/Chromium.app/Contents/MacOS/Chromium", "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatal("chromium not found: tools/setup.sh (make test runs it) installs it (Debian: apt-get install chromium)")
	return ""
}

// TestDocsPageRendersInChromium loads /docs from the real edge in headless
// Chromium: Swagger UI must render every operation of the OpenAPI 3.1
// document, with no script error or CSP violation, and its try-it must call
// the edge with the Bearer key entered under Authorize.
func TestDocsPageRendersInChromium(t *testing.T) {
	bin := chromium(t)
	s := edgetest.Start(t, nil)
	key := s.CreateKey(t, "docs", "Docs NGO")

	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openapi.SpecV3, &doc); err != nil {
		t.Fatal(err)
	}
	var ops []string
	for p, m := range doc.Paths {
		for method := range m {
			ops = append(ops, strings.ToUpper(method)+" "+p)
		}
	}
	sort.Strings(ops)

	actx, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1400, 1000),
	)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 120*time.Second)
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

	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/docs"), chromedp.WaitVisible(`.opblock`)); err != nil {
		t.Fatal(err)
	}
	rendered, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(".opblock")).map(e =>
		e.querySelector(".opblock-summary-method").textContent.trim() + " " +
		e.querySelector(".opblock-summary-path").getAttribute("data-path")).sort()`))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ops, rendered); diff != "" {
		t.Errorf("operations rendered (-document +page):\n%s", diff)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(`#swagger-ui`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Spona API", "BeneficiaryService", "Registers a beneficiary", "/v1/trainingEvents/{id}", "Authorize"} {
		if !strings.Contains(text, want) {
			t.Errorf("page does not show %q", want)
		}
	}

	// Try it: authorize with the key, then list beneficiaries from the page.
	op := `#operations-BeneficiaryService-BeneficiaryService_ListBeneficiaries`
	if err := chromedp.Do(ctx,
		chromedp.Click(`.auth-wrapper .authorize`),
		chromedp.WaitVisible(`.modal-ux input`),
		chromedp.SendKeys(`.modal-ux input`, key.Key),
		chromedp.Click(`.modal-ux .auth-btn-wrapper .authorize`),
		chromedp.Click(`.modal-ux .btn-done`),
		chromedp.Click(op+` .opblock-summary-control`),
		chromedp.Click(op+` .try-out__btn`),
		chromedp.Click(op+` .execute`),
		chromedp.WaitVisible(op+` .live-responses-table tr.response .response-col_status`),
	); err != nil {
		t.Fatal(err)
	}
	if path := os.Getenv("SPONA_DOCS_SCREENSHOT"); path != "" {
		// For a person to look at: the page after try-it, as a PNG.
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, err := chromedp.Run(ctx, chromedp.Text(op+` .live-responses-table tr.response .response-col_status`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(code) != "200" {
		body, _ := chromedp.Run(ctx, chromedp.Text(op+` .live-responses-table`))
		t.Errorf("try-it answered %q, want 200: %s", code, body)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("the page reported problems:\n%s", strings.Join(problems, "\n"))
	}
}
