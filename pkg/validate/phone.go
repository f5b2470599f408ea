package validate

import (
	"regexp"

	"github.com/spona/spona/pkg/errs"
)

var (
	// phoneNumber is a telephone number as people write it: digits with
	// spaces, brackets, slashes or hyphens, after an optional +.
	phoneNumber = regexp.MustCompile(`^\+?[0-9][0-9 ()/-]{4,30}$`)
	// lostPrefix is digits alone not starting with 0: what a spreadsheet
	// keeps of a phone number it took for a number (Excel, and LibreOffice
	// opening a CSV file, drop the trunk 0 of 064 123 4567 and the + of
	// +381 64 123 4567), and what a program that stores phone numbers as
	// integers sends. A number dialled in Serbia, Bosnia and Herzegovina or
	// Croatia starts with 0, 00 or +, so it cannot be the person's number.
	lostPrefix = regexp.MustCompile(`^[1-9][0-9]{4,}$`)
)

// PhoneLostPrefix is the description of a phone number of digits alone
// without its leading 0 or international prefix.
const PhoneLostPrefix = "has neither a leading 0 nor an international prefix (+ or 00), as a phone number stored as a number " +
	"loses them (0641234567 becomes 641234567, +381641234567 becomes 381641234567); write it as 064 123 4567 or " +
	"+381 64 123 4567 (in a spreadsheet, format the column as text)"

// Phone checks an optional telephone number of a person, the one rule of
// the API and of a spreadsheet import: a phone number as people write it
// (+381 64 123 4567, 064/123-4567, 011 2345 678), and, when it is digits
// alone, starting with 0 (064…, 00381…).
func Phone(v *errs.Violations, field, s string) {
	switch {
	case s == "":
	case lostPrefix.MatchString(s):
		v.Add(field, PhoneLostPrefix)
	case !phoneNumber.MatchString(s):
		v.Add(field, "must be a phone number such as +381 64 123 4567")
	}
}
