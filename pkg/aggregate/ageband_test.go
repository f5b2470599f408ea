package aggregate

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/testkit/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// The bands in Go (referral snapshots) and in SQL (counts of assisted
// persons and participants) are the same for every age, on PostgreSQL.
func TestAgeBandOfSQL(t *testing.T) {
	t.Parallel()
	want := map[int]string{-1: "", 0: "0-4", 4: "0-4", 5: "5-11", 11: "5-11", 12: "12-17", 17: "12-17", 18: "18-59", 59: "18-59", 60: "60+", 101: "60+"}
	for age, band := range want {
		if got := AgeBandOf(age); got != band {
			t.Errorf("AgeBandOf(%d) = %q, want %q", age, got, band)
		}
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	rows, err := conn.Query(ctx, `SELECT a, `+AgeBandOfSQL("a")+` FROM (SELECT generate_series(-3, 110) AS a UNION ALL SELECT NULL) s`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var age *int
		var band string
		if err := rows.Scan(&age, &band); err != nil {
			t.Fatal(err)
		}
		n++
		want := "unknown"
		if age != nil && AgeBandOf(*age) != "" {
			want = AgeBandOf(*age)
		}
		if band != want {
			t.Errorf("SQL band of %v = %q, want %q", age, band, want)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 115 {
		t.Fatalf("%d ages checked", n)
	}
}
