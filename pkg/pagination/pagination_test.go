package pagination

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/spona/spona/pkg/errs"
)

func TestWalkAllPages(t *testing.T) {
	all := make([]int, 23)
	for i := range all {
		all[i] = i
	}
	fp := Fingerprint("status", 3)
	var seen []int
	tok := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("pagination does not terminate")
		}
		p, err := Parse(5, tok, fp)
		if err != nil {
			t.Fatal(err)
		}
		start := 0
		if p.After != "" {
			n, _ := strconv.Atoi(p.After)
			start = n + 1
		}
		end := min(start+p.Limit(), len(all))
		var rows []int
		rows, tok = Next(p, all[start:end], func(i int) string { return strconv.Itoa(i) })
		seen = append(seen, rows...)
		if tok == "" {
			break
		}
	}
	if len(seen) != len(all) {
		t.Fatalf("saw %d rows, want %d", len(seen), len(all))
	}
	for i, v := range seen {
		if v != i {
			t.Fatalf("row %d = %d", i, v)
		}
	}
}

func TestParseRejects(t *testing.T) {
	p, _ := Parse(2, "", "a")
	_, tok := Next(p, []string{"x", "y", "z"}, func(s string) string { return s })
	if tok == "" {
		t.Fatal("expected a next token")
	}
	for name, c := range map[string]struct {
		size  int32
		token string
		fp    string
	}{
		"negative size": {-1, "", "a"},
		"garbage token": {10, "!!not-base64!!", "a"},
		"json garbage":  {10, "bm90IGpzb24", "a"},
		"other filters": {10, tok, "b"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(c.size, c.token, c.fp); !errors.Is(err, errs.ErrInvalidArgument) {
				t.Fatalf("Parse = %v, want invalid argument", err)
			}
		})
	}
	if p, err := Parse(10_000, "", "a"); err != nil || p.Size != MaxSize {
		t.Fatalf("oversized page: %+v %v", p, err)
	}
}

// FuzzParse: any page token either parses to the position it was issued
// for or is refused as a field violation; never a panic, and never a
// position that could upset a query (invalid UTF-8, NUL).
func FuzzParse(f *testing.F) {
	_, tok := Next(Page{Size: 1, query: "q1"}, []string{"a", "b"}, func(s string) string { return s })
	for _, s := range []string{tok, "", "x", "eyJhIjoiXHUwMDAwIiwicSI6InExIn0", "eyJhIjoieCJ9", "e30", "bnVsbA"} {
		f.Add(int32(1), s, "q1")
	}
	f.Fuzz(func(t *testing.T, size int32, token, fp string) {
		p, err := Parse(size, token, fp)
		if err != nil {
			if !errors.As(err, new(*errs.Error)) {
				t.Fatalf("Parse error is not a field violation: %v", err)
			}
			return
		}
		if p.Size < 1 || p.Size > MaxSize {
			t.Fatalf("page size %d", p.Size)
		}
		if token != "" && (p.After == "" || !utf8.ValidString(p.After) || strings.ContainsRune(p.After, 0)) {
			t.Fatalf("token %q gave position %q", token, p.After)
		}
	})
}
