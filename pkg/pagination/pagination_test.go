package pagination

import (
	"encoding/base64"
	"encoding/json"
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
		p, err := Parse(5, tok, IntKey, "org-1", fp)
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
	p, _ := Parse(2, "", TextKey, "org-1", "a")
	_, tok := Next(p, []string{"x", "y", "z"}, func(s string) string { return s })
	if tok == "" {
		t.Fatal("expected a next token")
	}
	if p, err := Parse(2, tok, TextKey, "org-1", "a"); err != nil || p.After != "y" {
		t.Fatalf("own token: %+v %v", p, err)
	}
	// forged keeps a real token's fingerprints and changes its position.
	forged := func(tok, after string) string {
		raw, _ := base64.RawURLEncoding.DecodeString(tok)
		var m map[string]string
		_ = json.Unmarshal(raw, &m)
		m["a"] = after
		raw, _ = json.Marshal(m)
		return base64.RawURLEncoding.EncodeToString(raw)
	}
	for name, c := range map[string]struct {
		size  int32
		token string
		key   Key
		org   string
		fp    string
		field string // the violation's description
	}{
		"negative size":      {-1, "", TextKey, "org-1", "a", ""},
		"garbage token":      {10, "!!not-base64!!", TextKey, "org-1", "a", "is not a token returned by this method"},
		"json garbage":       {10, "bm90IGpzb24", TextKey, "org-1", "a", "is not a token returned by this method"},
		"other filters":      {10, tok, TextKey, "org-1", "b", "was issued for different filters"},
		"other organisation": {10, tok, TextKey, "org-2", "a", "is not a token returned by this method"},
		"no organisation":    {10, tok, TextKey, "", "a", "is not a token returned by this method"},
		"not a UUID":         {10, tok, UUIDKey, "org-1", "a", "is not a token returned by this method"},
		"not an integer":     {10, tok, IntKey, "org-1", "a", "is not a token returned by this method"},
		"out of bigint":      {10, forged(tok, "99999999999999999999"), IntKey, "org-1", "a", "is not a token returned by this method"},
		"signed integer":     {10, forged(tok, "-1"), IntKey, "org-1", "a", "is not a token returned by this method"},
		"custom kind":        {10, tok, func(s string) bool { return s == "z" }, "org-1", "a", "is not a token returned by this method"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(c.size, c.token, c.key, c.org, c.fp)
			if !errors.Is(err, errs.ErrInvalidArgument) {
				t.Fatalf("Parse = %v, want invalid argument", err)
			}
			if c.field == "" {
				return
			}
			var e *errs.Error
			if !errors.As(err, &e) || len(e.Violations) != 1 || e.Violations[0].Field != "page_token" || e.Violations[0].Description != c.field {
				t.Fatalf("Parse = %#v, want a page_token violation %q", err, c.field)
			}
		})
	}
	for _, k := range []struct {
		key   Key
		after string
	}{{UUIDKey, "0190a1b2-0000-7000-8000-000000000001"}, {IntKey, "0"}, {IntKey, "9223372036854775807"}} {
		if p, err := Parse(10, forged(tok, k.after), k.key, "org-1", "a"); err != nil || p.After != k.after {
			t.Errorf("key %q: %+v %v", k.after, p, err)
		}
	}
	if p, err := Parse(10_000, "", TextKey, "org-1", "a"); err != nil || p.Size != MaxSize {
		t.Fatalf("oversized page: %+v %v", p, err)
	}
}

// FuzzParse: any page token either parses to the position it was issued
// for or is refused as a field violation; never a panic, and never a
// position that could upset a query (invalid UTF-8, NUL).
func FuzzParse(f *testing.F) {
	p, _ := Parse(1, "", TextKey, "org", "q1")
	_, tok := Next(p, []string{"a", "b"}, func(s string) string { return s })
	for _, s := range []string{tok, "", "x", "eyJhIjoiXHUwMDAwIiwicSI6InExIn0", "eyJhIjoieCJ9", "e30", "bnVsbA"} {
		f.Add(int32(1), s, "q1")
	}
	f.Fuzz(func(t *testing.T, size int32, token, fp string) {
		p, err := Parse(size, token, TextKey, "org", fp)
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
