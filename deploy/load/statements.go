package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// With -statements, PostgreSQL loads pg_stat_statements and every round
// resets it before and reads it after, so each path is shown with the
// statements the whole system ran while it was measured (its own, and what
// it set off: the feed's stamping, consumers reading the feed), as calls
// and execution milliseconds per iteration. It costs PostgreSQL some CPU:
// off by default, and not for comparing CPU figures with runs without it.

// statementSettings are the server settings -statements needs.
var statementSettings = []string{"shared_preload_libraries=pg_stat_statements", "pg_stat_statements.track=all"}

type statementKey struct {
	path    string
	clients int
	query   string
}

type pathAt struct {
	path    string
	clients int
}

type statementSpent struct {
	calls  int64
	execMS float64
}

// statements accumulates pg_stat_statements per path and clients.
type statements struct {
	url   string
	spent map[statementKey]*statementSpent
	iters map[pathAt]int
}

func newStatements(ctx context.Context, url string) (*statements, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
		return nil, err
	}
	return &statements{url: url, spent: map[statementKey]*statementSpent{}, iters: map[pathAt]int{}}, nil
}

// round resets the statistics; done reads them and adds them to path's
// figures over the round's n iterations.
func (s *statements) round(ctx context.Context, path string, clients int) (done func(n int) error, err error) {
	conn, err := pgx.Connect(ctx, s.url)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "SELECT pg_stat_statements_reset()"); err != nil {
		_ = conn.Close(ctx)
		return nil, err
	}
	return func(n int) error {
		defer conn.Close(ctx)
		rows, err := conn.Query(ctx, `SELECT query, calls, total_exec_time FROM pg_stat_statements
			WHERE query NOT LIKE '%pg_stat_statements%'`)
		if err != nil {
			return err
		}
		var (
			q     string
			calls int64
			ms    float64
		)
		_, err = pgx.ForEachRow(rows, []any{&q, &calls, &ms}, func() error {
			k := statementKey{path, clients, strings.Join(strings.Fields(q), " ")}
			if s.spent[k] == nil {
				s.spent[k] = &statementSpent{}
			}
			s.spent[k].calls += calls
			s.spent[k].execMS += ms
			return nil
		})
		s.iters[pathAt{path, clients}] += n
		return err
	}, nil
}

// table prints, per path and clients, the top statements by execution time
// per iteration, and the sum of all.
func (s *statements) table(paths []string, clients []int, top int) string {
	var w strings.Builder
	fmt.Fprintln(&w, "statements per iteration (pg_stat_statements over the rounds of each path: calls, execution ms; the top by time)")
	for _, c := range clients {
		for _, p := range paths {
			n := s.iters[pathAt{p, c}]
			if n == 0 {
				continue
			}
			var keys []statementKey
			var calls int64
			var ms float64
			for k, v := range s.spent {
				if k.path == p && k.clients == c {
					keys = append(keys, k)
					calls += v.calls
					ms += v.execMS
				}
			}
			slices.SortFunc(keys, func(a, b statementKey) int {
				switch d := s.spent[b].execMS - s.spent[a].execMS; {
				case d > 0:
					return 1
				case d < 0:
					return -1
				}
				return strings.Compare(a.query, b.query)
			})
			fmt.Fprintf(&w, "%s, %d clients: %.2f statements, %.3f ms per iteration\n", p, c, float64(calls)/float64(n), ms/float64(n))
			for _, k := range keys[:min(top, len(keys))] {
				q := k.query
				if len(q) > 110 {
					q = q[:110] + "…"
				}
				fmt.Fprintf(&w, "  %6.3f %7.4f  %s\n", float64(s.spent[k].calls)/float64(n), s.spent[k].execMS/float64(n), q)
			}
		}
	}
	return w.String()
}
