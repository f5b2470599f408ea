package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/register"
)

// TestImportSurvivesCrash kills the beneficiaries process (SIGKILL, as a
// crash) while an all-or-nothing import of a register is writing its rows,
// starts it again, and checks that the import is taken up again and ends
// with a clear state: succeeded with every row written once, or failed with
// nothing written, never half-written.
func TestImportSurvivesCrash(t *testing.T) {
	s := startSystem(t, "IMPORT_LEASE=2s")
	// Enough rows that the write phase outlasts a few polls: since
	// transactions are pipelined, 8000 rows were once all written between
	// two polls on a quiet machine.
	const rows = 40000
	op := s.upload(t, "/v1/beneficiaries:import", s.keyA, "text/csv", register.CSV(3, 0, rows)).must(t, 200)
	name := op.str("name")
	// Wait for the write phase (progress past the check's share), then
	// kill the process in the middle of the import's transaction.
	deadline := time.Now().Add(5 * time.Minute)
	for {
		if done, _ := op.Body["done"].(bool); done {
			t.Fatalf("the import finished before the process could be killed (raise rows): %.300s", op.Raw)
		}
		meta, _ := op.Body["metadata"].(map[string]any)
		if p, _ := meta["progress_percent"].(float64); p > 40 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("import not writing after 5 minutes: %.300s", op.Raw)
		}
		time.Sleep(20 * time.Millisecond)
		op = s.call(t, "GET", "/v1/"+name, s.keyA, nil).must(t, 200)
	}
	if err := s.stack.KillService("beneficiaries"); err != nil {
		t.Fatal(err)
	}
	atCrash := s.count(t, `SELECT count(*) FROM beneficiaries.beneficiaries`)
	if atCrash != 0 && atCrash != rows {
		t.Fatalf("%d of %d rows visible after the crash: the import was half-written", atCrash, rows)
	}
	if atCrash == rows {
		t.Log("the import committed just before the kill; nothing was left to resume")
	}
	if err := s.stack.StartService(t.Context(), "beneficiaries"); err != nil {
		t.Fatal(err)
	}
	imp := s.operation(t, s.keyA, op)
	counts, _ := imp.Body["counts"].(map[string]any)
	created, _ := counts["created"].(float64)
	written := s.count(t, `SELECT count(*) FROM beneficiaries.beneficiaries`)
	audited := s.count(t, `SELECT count(*) FROM beneficiaries.audit_events WHERE action = 'create'`)
	switch state := imp.str("state"); state {
	case "IMPORT_STATE_SUCCEEDED":
		if created != rows || written != rows || audited != rows {
			t.Fatalf("succeeded with %v created, %d rows written, %d audited; want %d each: %.300s", created, written, audited, rows, imp.Raw)
		}
		if attempts := s.count(t, `SELECT attempts FROM beneficiaries.imports`); atCrash == 0 && attempts < 1 {
			t.Errorf("the import succeeded without being taken up again (attempts %d)", attempts)
		}
	case "IMPORT_STATE_FAILED":
		if written != 0 {
			t.Fatalf("failed with %d rows written: %.300s", written, imp.Raw)
		}
	default:
		t.Fatalf("state %s: %.300s", state, imp.Raw)
	}
}

// count runs a query returning one number on the system's database.
func (s *system) count(t *testing.T, query string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, query).Scan(&n); err != nil {
		t.Fatal(fmt.Errorf("%s: %w", query, err))
	}
	return n
}

// TestImportStartedAtMostMaxAttempts: an import whose process died in it
// three times (a crash it may cause itself, as running out of memory) is
// not started a fourth time by the next process to look for work: it ends
// failed (IMPORT_INTERRUPTED) with nothing written, instead of taking down
// every replica in turn, for ever.
func TestImportStartedAtMostMaxAttempts(t *testing.T) {
	s := startSystem(t, "IMPORT_LEASE=2s")
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, s.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// The import's writes wait for this lock while the process dies.
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE beneficiaries.beneficiaries IN SHARE MODE`); err != nil {
		t.Fatal(err)
	}
	op := s.upload(t, "/v1/beneficiaries:import", s.keyA, "text/csv", register.CSV(3, 0, 20)).must(t, 200)
	watch, err := pgx.Connect(ctx, s.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close(ctx)
	pgtest.Until(t, watch, "the import's writes waiting", pgtest.LockWaits)
	if err := s.stack.KillService("beneficiaries"); err != nil {
		t.Fatal(err)
	}
	// It had been started twice before this crash, crashing each time.
	if _, err := tx.Exec(ctx, `UPDATE beneficiaries.imports SET attempts = attempts + 2`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.stack.StartService(ctx, "beneficiaries"); err != nil {
		t.Fatal(err)
	}
	imp := s.operation(t, s.keyA, op)
	errInfo, _ := imp.Body["error"].(map[string]any)
	if imp.str("state") != "IMPORT_STATE_FAILED" || !strings.Contains(imp.Raw, "IMPORT_INTERRUPTED") {
		t.Errorf("an import three processes died in was started again: %s (%v)", imp.Raw, errInfo)
	}
	if n := s.count(t, `SELECT count(*) FROM beneficiaries.beneficiaries`); n != 0 {
		t.Errorf("%d rows written", n)
	}
}
