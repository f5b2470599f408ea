package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/testkit/devstack"
)

// createdEvent is the event the service writes with a new beneficiary.
func createdEvent(id, org string) events.Event {
	return events.Event{Type: events.BeneficiaryCreated, AggregateType: events.AggregateBeneficiary,
		AggregateID: id, OrganisationIDs: []string{org}, Data: map[string]any{"beneficiary_id": id}}
}

// lagRun is one measurement of erasure propagation.
type lagRun struct {
	name string
	// lag: beneficiary.erased committed in beneficiaries → referral.redacted
	// written by referrals' consumer (both PostgreSQL clock_timestamps).
	// e2e: the REST erase call issued → the last copy gone (the referral's
	// texts and the edge's stored responses).
	lag, e2e []time.Duration
	// call: the REST erase call itself; toReferrals, toEdge: from the
	// call to each copy gone.
	call, toReferrals, toEdge []time.Duration
}

// measureLag registers people with a referral each, then erases them one
// at a time (every gap), first with the system idle and then while load
// runs with loadClients clients, and reads from the database when each
// erasure reached the referrals and the edge.
func measureLag(ctx context.Context, stack *devstack.Stack, dbURL string, c *http.Client, key string, samples int, gap time.Duration,
	load iteration, loadClients int) ([]lagRun, error) {
	receiverKey, err := stack.CreateKey(ctx, "lag-receiver", "Lag Receiver")
	if err != nil {
		return nil, err
	}
	receiver, err := organisationOf(ctx, stack.URL(), receiverKey)
	if err != nil {
		return nil, err
	}
	people := make([]string, 2*samples)
	for i := range people {
		raw, err := restCall(ctx, c, "POST", stack.URL()+"/v1/beneficiaries", key, `{"given_name":"Lag `+strconv.Itoa(i)+`"}`, "")
		if err != nil {
			return nil, err
		}
		var b struct{ ID string }
		if err := json.Unmarshal(raw, &b); err != nil {
			return nil, err
		}
		people[i] = b.ID
		if _, err := restCall(ctx, c, "POST", stack.URL()+"/v1/referrals", key, fmt.Sprintf(
			`{"beneficiary_id":%q,"to_organisation_id":%q,"category":"REFERRAL_CATEGORY_LEGAL","reason":"needs a lawyer"}`, b.ID, receiver), ""); err != nil {
			return nil, err
		}
	}
	db, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer db.Close(ctx)

	var runs []lagRun
	for i, name := range []string{"idle", fmt.Sprintf("rest load, %d clients", loadClients)} {
		batch := people[i*samples : (i+1)*samples]
		stop := func() {}
		if i == 1 {
			stop = background(ctx, load, loadClients)
		}
		issued := map[string]time.Time{}
		var calls []time.Duration
		for _, id := range batch {
			issued[id] = time.Now()
			if _, err := restCall(ctx, c, "POST", stack.URL()+"/v1/beneficiaries/"+id+":erase", key, `{}`, ""); err != nil {
				stop()
				return nil, err
			}
			calls = append(calls, time.Since(issued[id]))
			time.Sleep(gap)
		}
		run, err := readLag(ctx, db, name, issued)
		stop()
		if err != nil {
			return nil, err
		}
		run.call = calls
		runs = append(runs, run)
	}
	return runs, nil
}

// background runs it with n clients until the returned stop is called.
func background(ctx context.Context, it iteration, n int) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for ctx.Err() == nil {
				if err := it(ctx, seq.Add(1)); err != nil && ctx.Err() == nil {
					say("background load: " + err.Error())
					time.Sleep(100 * time.Millisecond)
				}
			}
		})
	}
	return func() { cancel(); wg.Wait() }
}

// readLag waits until every erasure reached the referrals and the edge and
// returns the delays.
func readLag(ctx context.Context, db *pgx.Conn, name string, issued map[string]time.Time) (lagRun, error) {
	idList := make([]string, 0, len(issued))
	for id := range issued {
		idList = append(idList, id)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		rows, err := db.Query(ctx, `SELECT b.aggregate_id, b.create_time, r.create_time, e.erase_time
			FROM beneficiaries.outbox b
			JOIN referrals.outbox r ON r.type = 'referral.redacted' AND r.data->>'beneficiary_id' = b.aggregate_id
			JOIN edge.erased_subjects e ON e.id::text = b.aggregate_id
			WHERE b.type = 'beneficiary.erased' AND b.aggregate_id = ANY ($1::text[])`, idList)
		if err != nil {
			return lagRun{}, err
		}
		run := lagRun{name: name}
		for rows.Next() {
			var id string
			var committed, redacted, edgeGone time.Time
			if err := rows.Scan(&id, &committed, &redacted, &edgeGone); err != nil {
				rows.Close()
				return lagRun{}, err
			}
			run.lag = append(run.lag, redacted.Sub(committed))
			run.e2e = append(run.e2e, maxTime(redacted, edgeGone).Sub(issued[id]))
			run.toReferrals = append(run.toReferrals, redacted.Sub(issued[id]))
			run.toEdge = append(run.toEdge, edgeGone.Sub(issued[id]))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return lagRun{}, err
		}
		if len(run.lag) == len(issued) {
			return run, nil
		}
		if time.Now().After(deadline) {
			return lagRun{}, fmt.Errorf("%s: %d of %d erasures reached every copy", name, len(run.lag), len(issued))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func percentile(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

func lagTable(runs []lagRun) string {
	var w strings.Builder
	fmt.Fprintln(&w, "\nerasure propagation (one erasure at a time, each person with one referral)")
	fmt.Fprintf(&w, "%-24s %5s %10s %10s %10s | %10s %10s | %14s %14s\n", "", "n", "lag p50", "lag p99", "lag max",
		"call p50", "call p99", "end-to-end p50", "end-to-end p99")
	for _, r := range runs {
		fmt.Fprintf(&w, "%-24s %5d %10s %10s %10s | %10s %10s | %14s %14s\n", r.name, len(r.lag),
			round(percentile(r.lag, 50)), round(percentile(r.lag, 99)), round(percentile(r.lag, 100)),
			round(percentile(r.call, 50)), round(percentile(r.call, 99)),
			round(percentile(r.e2e, 50)), round(percentile(r.e2e, 99)))
	}
	if len(runs) == 2 {
		fmt.Fprintf(&w, "%-24s %5s %9.2fx %9.2fx %10s | %9.2fx %9.2fx | %13.2fx %13.2fx\n", "load / idle", "",
			ratio(runs[1].lag, runs[0].lag, 50), ratio(runs[1].lag, runs[0].lag, 99), "",
			ratio(runs[1].call, runs[0].call, 50), ratio(runs[1].call, runs[0].call, 99),
			ratio(runs[1].e2e, runs[0].e2e, 50), ratio(runs[1].e2e, runs[0].e2e, 99))
	}
	for _, r := range runs {
		fmt.Fprintf(&w, "%-24s from the call, p50/p99: referrals %s / %s, edge %s / %s\n", r.name,
			round(percentile(r.toReferrals, 50)), round(percentile(r.toReferrals, 99)),
			round(percentile(r.toEdge, 50)), round(percentile(r.toEdge, 99)))
	}
	fmt.Fprintln(&w, "lag: commit of beneficiary.erased in beneficiaries -> its application committed in referrals (database clock)")
	fmt.Fprintln(&w, "call: the REST :erase call; end-to-end: REST :erase issued -> the referral's texts and the edge's stored responses gone")
	return w.String()
}

func ratio(a, b []time.Duration, p int) float64 {
	return float64(percentile(a, p)) / float64(percentile(b, p))
}

func round(d time.Duration) string { return d.Round(10 * time.Microsecond).String() }
