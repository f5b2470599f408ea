package aggregate

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/date"
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

// A band of a birth year on a day is one rule in Go (referral snapshots)
// and in SQL (counts of assisted persons): the age reached in the day's
// year, whatever the day of the year, on PostgreSQL.
func TestAgeBandInYear(t *testing.T) {
	t.Parallel()
	// Born in 2008: 17 on 1 January 2026 by the birth date (born 28
	// December), 18 in 2026 by the year.
	for _, c := range []struct {
		year int
		day  date.Date
		want string
	}{
		{2008, date.Date{Year: 2026, Month: 1, Day: 1}, "18-59"},
		{2008, date.Date{Year: 2026, Month: 12, Day: 5}, "18-59"},
		{2008, date.Date{Year: 2025, Month: 12, Day: 31}, "12-17"},
		{2026, date.Date{Year: 2026, Month: 1, Day: 1}, "0-4"},
		{2027, date.Date{Year: 2026, Month: 12, Day: 31}, ""},
		{0, date.Date{Year: 2026, Month: 6, Day: 1}, ""},
		{1966, date.Date{Year: 2026, Month: 6, Day: 1}, "60+"},
	} {
		if got := AgeBandInYear(c.year, c.day); got != c.want {
			t.Errorf("AgeBandInYear(%d, %s) = %q, want %q", c.year, c.day, got, c.want)
		}
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	rows, err := conn.Query(ctx, `SELECT y, d::text, `+AgeBandSQL("y", "d")+`
		FROM (SELECT generate_series(1990, 2030) AS y UNION ALL SELECT NULL) ys,
			(VALUES ('2026-01-01'::date), ('2026-06-30'), ('2026-12-31'), ('2020-02-29')) ds (d)`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var year *int
		var day, band string
		if err := rows.Scan(&year, &day, &band); err != nil {
			t.Fatal(err)
		}
		n++
		d, err := date.Parse(day)
		if err != nil {
			t.Fatal(err)
		}
		want := "unknown"
		if year != nil && AgeBandInYear(*year, d) != "" {
			want = AgeBandInYear(*year, d)
		}
		if band != want {
			t.Errorf("SQL band of birth year %v on %s = %q, want %q", year, day, band, want)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 42*4 {
		t.Fatalf("%d birth years and days checked", n)
	}
}
