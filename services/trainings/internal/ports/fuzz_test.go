package ports

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/services/trainings/internal/domain"
)

// checkValidationError fails unless err is nil or an InvalidArgument error
// naming at least one field: a bad request must never become another kind
// of error (or a panic).
func checkValidationError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.KindInvalidArgument || len(e.Violations) == 0 {
		t.Fatalf("validation returned %v, want InvalidArgument with field violations", err)
	}
}

// checkEvent asserts what Validate promises about an accepted event.
func checkEvent(t *testing.T, e *domain.TrainingEvent) {
	t.Helper()
	for _, s := range append([]string{e.Title, e.Municipality, e.Audience, e.Location, e.Country, e.Language}, e.Topics...) {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			t.Fatalf("accepted invalid text %q", s)
		}
	}
	if e.Title == "" || utf8.RuneCountInString(e.Title) > 200 {
		t.Fatalf("accepted title %q", e.Title)
	}
	if e.StartDate.IsZero() || (!e.EndDate.IsZero() && e.EndDate.Before(e.StartDate)) {
		t.Fatalf("accepted dates %v..%v", e.StartDate, e.EndDate)
	}
	if e.CompletionThreshold < 1 || e.CompletionThreshold > 100 {
		t.Fatalf("accepted threshold %d", e.CompletionThreshold)
	}
	if e.ProjectID != "" && !ids.Valid(e.ProjectID) {
		t.Fatalf("accepted project id %q", e.ProjectID)
	}
}

func FuzzCreateTrainingEventValidation(f *testing.F) {
	f.Add(int32(1), "Seminar", "2017-03-01", "2017-03-02", "0190a8a4-6f1e-7b7a-9c4e-2f1d3c4b5a69", "rs", "sr-Latn", "asylum", int32(80))
	f.Add(int32(16), " x ", "2017-02-30", "", "", "", "", "", int32(0))
	f.Add(int32(99), "\x00", "2017-03-02", "2017-03-01", "P-1", "Serbia", "Serbian", "\xff", int32(101))
	f.Add(int32(-1), strings.Repeat("ž", 201), "0000-01-01", "9999-12-31", "0190A8A4-6F1E-7B7A-9C4E-2F1D3C4B5A69", "HR", "hr", "", int32(-5))
	f.Fuzz(func(t *testing.T, typ int32, title, start, end, project, country, language, topic string, threshold int32) {
		in := &pb.TrainingEvent{Type: pb.EventType(typ), Title: title, StartDate: start, EndDate: end, ProjectId: project,
			Country: country, Language: language, Topics: []string{topic, topic}, CompletionThresholdPercent: threshold}
		e, err := EventFromProto(in)
		checkValidationError(t, err)
		if err != nil {
			return
		}
		e.Normalize()
		err = e.Validate()
		checkValidationError(t, err)
		if err == nil {
			checkEvent(t, e)
		}
	})
}

func FuzzUpdateTrainingEventValidation(f *testing.F) {
	f.Add("title", "Novi naslov", "2017-03-05", int32(60))
	f.Add("*", "", "", int32(0))
	f.Add("end_date", "x", "2016-01-01", int32(100))
	f.Add("organiser_organisation_id", "x", "not a date", int32(1))
	f.Fuzz(func(t *testing.T, path, title, end string, threshold int32) {
		stored := &domain.TrainingEvent{ID: ids.New(), Type: "seminar", Title: "Seminar", CompletionThreshold: 80}
		stored.StartDate, _ = date.Parse("2017-03-01")
		patch, err := EventFromProto(&pb.TrainingEvent{Title: title, EndDate: end, CompletionThresholdPercent: threshold, StartDate: "2017-03-01", Type: pb.EventType_EVENT_TYPE_WORKSHOP})
		checkValidationError(t, err)
		if err != nil {
			return
		}
		_, err = stored.Apply(patch, strings.Split(path, ","))
		checkValidationError(t, err)
		if err == nil {
			checkEvent(t, stored)
		}
	})
}

func FuzzCreateParticipantValidation(f *testing.F) {
	f.Add("Ana", "Petrović", "ana@example.org", "", "CSR", int32(3), int32(1), "", "socijalna radnica")
	f.Add(" ", "", "ana at example", "CSR", "", int32(0), int32(9), "B-7", "")
	f.Add("Marko", "Marković", "Marko <m@example.org>", "0190A8A4-6F1E-7B7A-9C4E-2F1D3C4B5A69", "\x00", int32(99), int32(2), "0190a8a4-6f1e-7b7a-9c4e-2f1d3c4b5a69", "")
	f.Fuzz(func(t *testing.T, given, family, email, orgID, orgName string, sector, sex int32, beneficiaryID, position string) {
		in := &pb.Participant{}
		if beneficiaryID != "" && sector%2 == 0 {
			in.Person = &pb.Participant_BeneficiaryId{BeneficiaryId: beneficiaryID}
		} else {
			in.Person = &pb.Participant_Professional{Professional: &pb.Professional{GivenName: given, FamilyName: family, Email: email,
				OrganisationId: orgID, OrganisationName: orgName, Sector: pb.Sector(sector), Sex: commonv1.Sex(sex), Position: position}}
		}
		p := ParticipantFromProto(in)
		p.Normalize()
		err := p.Validate()
		checkValidationError(t, err)
		if err != nil {
			return
		}
		if (p.Professional == nil) == (p.BeneficiaryID == "") {
			t.Fatalf("accepted participant with neither or both persons: %+v", p)
		}
		if pr := p.Professional; pr != nil {
			if pr.GivenName == "" || pr.FamilyName == "" || !utf8.ValidString(pr.GivenName+pr.FamilyName+pr.Position+pr.OrganisationName) {
				t.Fatalf("accepted professional %+v", pr)
			}
			if pr.OrganisationID != "" && !ids.Valid(pr.OrganisationID) {
				t.Fatalf("accepted organisation id %q", pr.OrganisationID)
			}
			if pr.Email != "" && (strings.ToLower(pr.Email) != pr.Email || !strings.Contains(pr.Email, "@")) {
				t.Fatalf("accepted e-mail %q", pr.Email)
			}
		} else if !ids.Valid(p.BeneficiaryID) {
			t.Fatalf("accepted beneficiary id %q", p.BeneficiaryID)
		}
	})
}

func FuzzCreateSessionValidation(f *testing.F) {
	f.Add("2017-03-01", "09:00", "12:00", "Uvod")
	f.Add("2017-03-03", "9", "", "")
	f.Add("2017-03-02", "12:00", "09:00", "\xff")
	f.Fuzz(func(t *testing.T, day, start, end, topic string) {
		event := &domain.TrainingEvent{Type: "seminar", Title: "S", CompletionThreshold: 80}
		event.StartDate, _ = date.Parse("2017-03-01")
		event.EndDate, _ = date.Parse("2017-03-02")
		s, err := SessionFromProto(&pb.Session{Date: day, StartTime: start, EndTime: end, Topic: topic})
		checkValidationError(t, err)
		if err != nil {
			return
		}
		s.Normalize()
		err = s.Validate(event)
		checkValidationError(t, err)
		if err == nil && (s.Date.Before(event.StartDate) || s.Date.After(event.EndDate)) {
			t.Fatalf("accepted session on %v outside the event", s.Date)
		}
	})
}

func FuzzRecordAttendanceAndScoresValidation(f *testing.F) {
	f.Add("0190a8a4-6f1e-7b7a-9c4e-2f1d3c4b5a69", "0190A8A4-6F1E-7B7A-9C4E-2F1D3C4B5A69", true, int32(50), int32(101), true)
	f.Add("", "x", false, int32(-1), int32(0), false)
	f.Fuzz(func(t *testing.T, id1, id2 string, present bool, pre, post int32, both bool) {
		marks := []domain.Mark{{ParticipantID: id1, Present: present}, {ParticipantID: id2}}
		err := domain.ValidateMarks(marks)
		checkValidationError(t, err)
		if err == nil && (marks[0].ParticipantID == marks[1].ParticipantID || !ids.Valid(marks[0].ParticipantID) || !ids.Valid(marks[1].ParticipantID)) {
			t.Fatalf("accepted marks %+v", marks)
		}
		var postPtr *int32
		if both {
			postPtr = &post
		}
		p, q := intPtr(&pre), intPtr(postPtr)
		err = domain.ValidateScores(p, q)
		checkValidationError(t, err)
		if err == nil && (*p < 0 || *p > 100 || (q != nil && (*q < 0 || *q > 100))) {
			t.Fatalf("accepted scores %d, %v", *p, q)
		}
	})
}
