package adapters_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/imports"
	"github.com/spona/spona/pkg/imports/importsjob"
	"github.com/spona/spona/pkg/sheet"
	"github.com/spona/spona/pkg/testkit/syncbuf"
	"github.com/spona/spona/services/beneficiaries/internal/adapters"
	"github.com/spona/spona/services/beneficiaries/internal/app"
)

// importPanicName is a person's name a panicking processor puts in its
// panic, as a formatted message about a row would.
const importPanicName = "Milica Panikovska"

type panickingProcessor struct{}

func (panickingProcessor) Process(_ context.Context, imp *imports.Import, _ func(string, imports.Counts, int)) error {
	panic(fmt.Sprintf("no household for %s in import %s", importPanicName, imp.ID))
}

// TestImportPanicLoggedWithoutItsValue: an import whose processing panics
// fails as interrupted, and the runner's log says that it panicked, of
// what type and where, but not the panic's value, which may carry a
// person's data; before, the value went into the error logged on each
// attempt ("panic: no household for …").
func TestImportPanicLoggedWithoutItsValue(t *testing.T) {
	ctx := context.Background()
	pool := schema(t)
	var logs syncbuf.Buffer
	runner := importsjob.NewRunner(importsjob.NewStore(pool),
		importsjob.Config{Limits: sheet.DefaultLimits(100), MaxAttempts: 1, FirstWait: time.Minute},
		slog.New(slog.NewJSONHandler(&logs, nil)))
	runner.Register(imports.KindBeneficiaries, app.New(adapters.NewPostgres(pool), nil, nil).ImportSpec(), panickingProcessor{})
	org := ids.New()
	imp, err := runner.Upload(ctx, &imports.Upload{Kind: imports.KindBeneficiaries, OrganisationID: org,
		ContentType: "text/csv", Data: sheet.Pieces{[]byte("given_name,family_name\nMilica,Panikovska\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if imp.State != imports.StateFailed || imp.Error == nil || imp.Error.Reason != "IMPORT_INTERRUPTED" {
		t.Fatalf("import after its processing panicked: state %q, error %+v", imp.State, imp.Error)
	}
	got := logs.String()
	if strings.Contains(got, importPanicName) || strings.Contains(imp.Error.Message, importPanicName) {
		t.Errorf("the log or the import's error carries the panic's value:\n%s\n%s", got, imp.Error.Message)
	}
	for _, want := range []string{`"type":"string"`, `"at":"github.com/spona/spona/services/beneficiaries/internal/adapters_test.panickingProcessor.Process (`,
		imp.ID} {
		if !strings.Contains(got, want) {
			t.Errorf("the log lacks %s:\n%s", want, got)
		}
	}
}
