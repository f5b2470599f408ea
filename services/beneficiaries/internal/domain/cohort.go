package domain

import (
	"fmt"
	"slices"

	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
)

// A Cohort is a group of persons another service knows by id (the
// beneficiary participants of some training events), to be counted by
// their own data, which stays here. Labels are the caller's own
// dimensions, carried by each count of the cohort.
type Cohort struct {
	Labels  map[string]string
	Members []CohortMember
}

// CohortMember is one person of a cohort and the organisations through
// which the caller knows them: a person counts by their data only when
// one of these registered them or held a grant to them. AgeYear is the
// year their age is taken in (by age band: the age reached that year,
// from the birth year, as CountAssisted takes it); StatusDate the day
// their legal status is taken on (by legal status: the one they had that
// day, as CountAssisted takes it on the day of their last assistance).
type CohortMember struct {
	BeneficiaryID   string
	OrganisationIDs []string
	AgeYear         int
	StatusDate      date.Date
}

// CohortDimensions are the dimensions of the person cohorts are counted
// by: data erasure keeps, so that erasing a person changes no count.
var CohortDimensions = []string{"sex", "age_band", "legal_status"}

// DimAgeBand is the dimension whose count needs each person's AgeYear,
// DimLegalStatus the one that needs their StatusDate.
const (
	DimAgeBand     = "age_band"
	DimLegalStatus = "legal_status"
)

// Bounds of one cohort count.
const (
	MaxCohorts             = 1000
	MaxCohortMembers       = 20000
	MaxMemberOrganisations = 100
	minAgeYear, maxAgeYear = date.MinYear, 9999
)

// ValidateCohorts checks cohorts and the dimensions they are counted by
// (a member's AgeYear is required to count by DimAgeBand, their StatusDate
// by DimLegalStatus), and normalises their ids.
func ValidateCohorts(cohorts []Cohort, groupBy []string) error {
	var v errs.Violations
	byAge := slices.Contains(groupBy, DimAgeBand)
	byStatus := slices.Contains(groupBy, DimLegalStatus)
	if len(cohorts) == 0 {
		v.Add("cohorts", "is required")
	}
	if len(cohorts) > MaxCohorts {
		v.Add("cohorts", "must have at most %d entries", MaxCohorts)
	}
	members := 0
	for i, c := range cohorts {
		f := fmt.Sprintf("cohorts[%d]", i)
		for k := range c.Labels {
			if slices.Contains(groupBy, k) {
				v.Add(f+".labels", "label %q is a dimension counted here", k)
			}
		}
		members += len(c.Members)
		for j := range c.Members {
			m := &c.Members[j]
			mf := fmt.Sprintf("%s.beneficiaries[%d]", f, j)
			m.BeneficiaryID = ids.Normalize(m.BeneficiaryID)
			if !ids.Valid(m.BeneficiaryID) {
				v.Add(mf+".beneficiary_id", "must be a UUID")
			}
			switch {
			case m.AgeYear == 0 && byAge:
				v.Add(mf+".age_year", "is required to count by %s", DimAgeBand)
			case m.AgeYear != 0 && (m.AgeYear < minAgeYear || m.AgeYear > maxAgeYear):
				v.Add(mf+".age_year", "must be a year from %d to %d", minAgeYear, maxAgeYear)
			}
			if m.StatusDate.IsZero() && byStatus {
				v.Add(mf+".legal_status_date", "is required to count by %s", DimLegalStatus)
			}
			if len(m.OrganisationIDs) > MaxMemberOrganisations {
				v.Add(mf+".organisation_ids", "must have at most %d entries", MaxMemberOrganisations)
			}
			for k, o := range m.OrganisationIDs {
				m.OrganisationIDs[k] = ids.Normalize(o)
				if !ids.Valid(m.OrganisationIDs[k]) {
					v.Add(fmt.Sprintf("%s.organisation_ids[%d]", mf, k), "must be a UUID")
				}
			}
		}
	}
	if members > MaxCohortMembers {
		v.Add("cohorts", "must hold at most %d persons in all, not %d; split them over several calls", MaxCohortMembers, members)
	}
	return v.Err()
}
