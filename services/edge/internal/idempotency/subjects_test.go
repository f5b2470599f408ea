package idempotency

import (
	"slices"
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
