package date

import "testing"

func TestAddYears(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"2016-11-01", 1, "2017-11-01"},
		{"2024-02-29", 1, "2025-02-28"},
		{"2024-02-29", 4, "2028-02-29"},
		{"2023-12-31", 1, "2024-12-31"},
		{"2025-03-01", -1, "2024-03-01"},
	} {
		d, err := Parse(c.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.AddYears(c.n).String(); got != c.want {
			t.Errorf("%s + %d years = %s, want %s", c.in, c.n, got, c.want)
		}
	}
}
