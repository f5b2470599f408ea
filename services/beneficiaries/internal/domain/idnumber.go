package domain

import (
	"fmt"
	"time"

	"github.com/spona/spona/pkg/date"
)

// CheckJMBG validates a Yugoslav-era unique master citizen number (JMBG),
// used in Serbia and Bosnia and Herzegovina: 13 digits DDMMYYYRRBBBK, where
// DDMMYYY is the birth date (YYY ≥ 800 means 1YYY, otherwise 2YYY), RR the
// region, BBB a serial and K a mod-11 check digit. It returns the birth date
// encoded in the number.
func CheckJMBG(s string) (date.Date, error) {
	if len(s) != 13 {
		return date.Date{}, fmt.Errorf("must be 13 digits")
	}
	var d [13]int
	for i := 0; i < 13; i++ {
		if s[i] < '0' || s[i] > '9' {
			return date.Date{}, fmt.Errorf("must be 13 digits")
		}
		d[i] = int(s[i] - '0')
	}
	day, month, yyy := d[0]*10+d[1], d[2]*10+d[3], d[4]*100+d[5]*10+d[6]
	year := 2000 + yyy
	if yyy >= 800 {
		year = 1000 + yyy
	}
	born := date.Date{Year: year, Month: time.Month(month), Day: day}
	if month < 1 || month > 12 || day < 1 || day > 31 || date.Of(born.Time()) != born {
		return date.Date{}, fmt.Errorf("does not start with a valid birth date (DDMMYYY)")
	}
	sum := 0
	for i := 0; i < 6; i++ {
		sum += (7 - i) * (d[i] + d[i+6])
	}
	k := 11 - sum%11
	if k > 9 {
		k = 0
	}
	if d[12] != k {
		return date.Date{}, fmt.Errorf("check digit does not match")
	}
	return born, nil
}

// CheckOIB validates a Croatian personal identification number (OIB): 11
// digits, the last a check digit by ISO 7064 MOD 11,10.
func CheckOIB(s string) error {
	if len(s) != 11 {
		return fmt.Errorf("must be 11 digits")
	}
	a := 10
	for i := 0; i < 11; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return fmt.Errorf("must be 11 digits")
		}
		if i == 10 {
			break
		}
		a = (a + int(c-'0')) % 10
		if a == 0 {
			a = 10
		}
		a = a * 2 % 11
	}
	k := 11 - a
	if k == 10 {
		k = 0
	}
	if int(s[10]-'0') != k {
		return fmt.Errorf("check digit does not match")
	}
	return nil
}
