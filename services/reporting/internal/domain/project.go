// Package domain holds the reporting model and its rules. It knows nothing
// of gRPC or SQL.
package domain

import (
	"strings"
	"time"

	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/validate"
)

// Currencies are the budget currencies, as lower-case ISO 4217 codes.
var Currencies = []string{"eur", "hrk", "rsd", "bam", "chf"}

// Field limits.
const (
	maxCode        = 50
	maxTitle       = 300
	maxDescription = 4000
	maxFunder      = 300
	// maxAmountDigits is the integer digits numeric(18,2) holds.
	maxAmountDigits = 16
)

// Money is an exact amount in a currency. Amount is a decimal string such
// as "140000.00"; it is never converted to a float.
type Money struct {
	Amount   string
	Currency string
}

// IsZero reports whether no budget was given.
func (m Money) IsZero() bool { return m == Money{} }

// Project is a donor-funded project an organisation implements.
type Project struct {
	ID                         string
	Code                       string
	Title                      string
	Description                string
	ImplementingOrganisationID string
	PlannedStart               date.Date
	PlannedEnd                 date.Date
	Budget                     Money
	Funder                     string
	CreateTime                 time.Time
}

// Normalize trims free input before validation.
func (p *Project) Normalize() {
	p.Code = strings.TrimSpace(p.Code)
	p.Title = strings.TrimSpace(p.Title)
	p.Description = strings.TrimSpace(p.Description)
	p.Funder = strings.TrimSpace(p.Funder)
	p.Budget.Amount = strings.TrimSpace(p.Budget.Amount)
}

// Validate checks p as a caller would submit it; field names are those of
// the API ("project.code").
func (p *Project) Validate() error {
	var v errs.Violations
	validate.Text(&v, "project.code", p.Code, maxCode, true)
	validate.Text(&v, "project.title", p.Title, maxTitle, true)
	validate.Text(&v, "project.description", p.Description, maxDescription, false)
	validate.Text(&v, "project.funder", p.Funder, maxFunder, false)
	if p.PlannedStart.IsZero() {
		v.Add("project.planned_start_date", "is required")
	}
	if p.PlannedEnd.IsZero() {
		v.Add("project.planned_end_date", "is required")
	}
	if !p.PlannedStart.IsZero() && !p.PlannedEnd.IsZero() && p.PlannedEnd.Before(p.PlannedStart) {
		v.Add("project.planned_end_date", "must not be before planned_start_date")
	}
	p.Budget.validate(&v, "project.budget.")
	return v.Err()
}

func (m Money) validate(v *errs.Violations, prefix string) {
	if m.IsZero() {
		return
	}
	if m.Amount == "" {
		v.Add(prefix+"amount", "is required when a currency is given")
	} else if msg := checkAmount(m.Amount); msg != "" {
		v.Add(prefix+"amount", "%s", msg)
	}
	if m.Amount != "" && m.Currency == "" {
		v.Add(prefix+"currency", "is required when an amount is given")
	} else {
		validate.OneOf(v, prefix+"currency", m.Currency, Currencies, false)
	}
}

// checkAmount returns what is wrong with a decimal amount, "" when nothing.
func checkAmount(s string) string {
	body, negative := strings.CutPrefix(s, "-")
	whole, frac, dot := strings.Cut(body, ".")
	if !digits(whole) || (dot && !digits(frac)) {
		return "must be a decimal number such as 140000.00"
	}
	switch {
	case negative:
		return "must not be negative"
	case len(frac) > 2:
		return "must have at most 2 decimal places"
	case len(strings.TrimLeft(whole, "0")) > maxAmountDigits:
		return "must be less than 10^16"
	}
	return ""
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
