package idempotency

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestSubjects(t *testing.T) {
	got := Subjects("/v1/beneficiaries/01A2427B-B852-7D00-BF58-CF7F6CF7AD69:erase",
		`{"id":"01a2427b-b852-7d00-bf58-cf7f6cf7ad69","beneficiary_id":"01a2427b-b82a-7295-8706-05fb33b1dde1",`+
			`"note":"not-a-uuid 01a2427b-b82a-7295-8706", "members":[{"beneficiaryId":"01a2427b-0000-7000-8000-000000000001"}]}`)
	want := []string{"01a2427b-0000-7000-8000-000000000001", "01a2427b-b82a-7295-8706-05fb33b1dde1", "01a2427b-b852-7d00-bf58-cf7f6cf7ad69"}
	if !slices.Equal(got, want) {
		t.Fatalf("Subjects = %v, want %v", got, want)
	}
	if got := Subjects("", "{}"); got == nil || len(got) != 0 {
		t.Fatalf("no ids: %#v", got)
	}
}

// TestSubjectsAsTheRegexp: the scanner finds what a regular expression of
// the UUID's text form finds (leftmost, not overlapping), on random texts
// dense in hex digits and dashes.
func TestSubjectsAsTheRegexp(t *testing.T) {
	re := regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "0123456789abcdefABCDEF---\"/: xé"
	uuid := "01a2427b-b852-7d00-bf58-cf7f6cf7ad69"
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(120) {
			if rng.IntN(20) == 0 {
				b.WriteString(uuid[:rng.IntN(37)]) // whole or cut short
				continue
			}
			b.WriteByte(alphabet[rng.IntN(len(alphabet))])
		}
		text := b.String()
		var want []string
		for _, m := range re.FindAllString(text, -1) {
			want = append(want, strings.ToLower(m))
		}
		slices.Sort(want)
		want = slices.Compact(want)
		if got := Subjects(text); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("Subjects(%q) = %v, want %v", text, got, want)
		}
	}
}

// BenchmarkSubjects: the ids of a create's path and response, by the
// scanner and, as the baseline, by the regular expression it replaced.
func BenchmarkSubjects(b *testing.B) {
	body := `{"id":"01a2427b-b852-7d00-bf58-cf7f6cf7ad69","organisation_id":"01a2427b-0000-7000-8000-0000000000aa",` +
		`"given_name":"Load 123456","family_name":"","original_script_name":"","sex":"SEX_UNSPECIFIED","birth_date":"",` +
		`"birth_year":0,"birth_date_estimated":false,"nationality":"","languages":[],"legal_status":"LEGAL_STATUS_ASYLUM_SEEKER",` +
		`"municipality":"","country":"","accommodation":"ACCOMMODATION_UNSPECIFIED","vulnerabilities":[],` +
		`"create_time":"2026-12-05T03:16:17.123456Z","update_time":"2026-12-05T03:16:17.123456Z","etag":"W/\"1\"","access":"ACCESS_LEVEL_OWNER"}`
	b.Run("scanner", func(b *testing.B) {
		for b.Loop() {
			Subjects("/v1/beneficiaries", body)
		}
	})
	re := regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
	b.Run("regexp", func(b *testing.B) {
		for b.Loop() {
			re.FindAllString("/v1/beneficiaries", -1)
			re.FindAllString(body, -1)
		}
	})
}
