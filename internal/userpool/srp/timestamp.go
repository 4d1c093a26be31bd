package srp

import (
	"errors"
	"fmt"
	"time"
)

// TIMESTAMP handling.
//
// Cognito requires TIMESTAMP in Java's "EEE MMM d HH:mm:ss z yyyy" with
// English names, e.g. "Tue Mar 3 09:05:01 UTC 2020" (AJS DateHelper.js).
// Real AWS behaviour (shared/reference/cognito.md §3.3):
//
//   - a malformed value gets InvalidParameterException "TIMESTAMP format
//     should be EEE MMM d HH:mm:ss z yyyy in english."
//     (amazon-cognito-identity-js#683);
//   - a zero-padded day ("Apr 05") or a wrong weekday gets
//     NotAuthorizedException (qwigo/warrant#12; ministack#1758 measured
//     both): AWS parses the value, as Java's "d" does accept "05", and then
//     evidently signs a canonical rendering of the parsed instant.
//
// This package reproduces both: ValidTimestamp is the grammar check (its
// failure is InvalidParameterException) and accepts a zero-padded day;
// Session.Verify fails (NotAuthorizedException) unless the string is also
// canonical, i.e. equal to FormatTimestamp of the instant it names. So a
// zero-padded day is a signature failure, not a grammar error.
//
// Not detectable: alexrudd/cognito-srp formats the hour with Go's "03"
// (12-hour clock), so it sends 12 for hour 00 and 01–11 for 13–23. The
// result is grammatical and canonical, just wrong by 12 hours; it verifies
// here (the client signed the same string) as it does on AWS. Only a clock
// skew check could notice, and it would then lock those clients out every
// afternoon, so any skew check (ParseTimestamp gives the instant) should be
// optional and off by default.

// English three-letter names, concatenated: name i is [3i, 3i+3).
const (
	weekdayNames = "SunMonTueWedThuFriSat"
	monthNames   = "JanFebMarAprMayJunJulAugSepOctNovDec"
)

// TimestampFormatMessage is the message AWS puts in the
// InvalidParameterException for a TIMESTAMP failing ValidTimestamp.
const TimestampFormatMessage = "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english."

// ErrInvalidTimestamp is ParseTimestamp's error.
var ErrInvalidTimestamp = errors.New("srp: invalid TIMESTAMP")

// FormatTimestamp renders t in UTC as the clients do (AJS DateHelper):
// "Tue Mar 3 09:05:01 UTC 2020". Years outside 1000–9999 are not supported.
func FormatTimestamp(t time.Time) string {
	t = t.UTC()
	return fmt.Sprintf("%s %s %d %02d:%02d:%02d UTC %d",
		weekdayNames[3*t.Weekday():][:3], monthNames[3*(t.Month()-1):][:3], t.Day(),
		t.Hour(), t.Minute(), t.Second(), t.Year())
}

// ValidTimestamp reports whether ts matches Cognito's TIMESTAMP grammar,
// "EEE MMM d HH:mm:ss z yyyy" in English:
//
//   - weekday and month as English three-letter abbreviations, capitalised
//     as Java prints them ("Tue", "Mar");
//   - day of month as one or two digits, 1–31 (a zero-padded day such as
//     "05" is grammatical; see the file comment for why it still fails
//     Verify);
//   - HH:mm:ss as two digits each on the 24-hour clock, 00–23, 00–59, 00–59;
//   - zone "UTC": what every known client sends. Java's "z" would also
//     read other zone names ("GMT", "PST"); they are refused here, since a
//     client using one is hypothetical and AWS's answer to it unmeasured;
//   - four-digit year;
//   - single spaces between fields.
//
// The weekday is not checked against the date and the day not against the
// month's length; a mismatch fails Verify instead, as on AWS.
//
// A false result should be answered with InvalidParameterException.
func ValidTimestamp(ts string) bool {
	_, err := ParseTimestamp(ts)
	return err == nil
}

// ParseTimestamp parses a TIMESTAMP that passes ValidTimestamp and returns
// the instant it names (Java-lenient: "Feb 30" names Mar 2), or
// ErrInvalidTimestamp.
func ParseTimestamp(ts string) (time.Time, error) {
	p := tsParser{s: ts}
	_, okW := p.name(weekdayNames)
	p.space()
	mon, okM := p.name(monthNames)
	p.space()
	day := p.digits(1, 2)
	p.space()
	hour := p.digits(2, 2)
	p.lit(":")
	minute := p.digits(2, 2)
	p.lit(":")
	sec := p.digits(2, 2)
	p.space()
	p.lit("UTC")
	p.space()
	year := p.digits(4, 4)
	if p.bad || p.s != "" || !okW || !okM ||
		day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, ErrInvalidTimestamp
	}
	return time.Date(year, time.Month(mon+1), day, hour, minute, sec, 0, time.UTC), nil
}

// canonicalTimestamp reports whether ts is grammatical and exactly the
// rendering of the instant it names.
func canonicalTimestamp(ts string) bool {
	t, err := ParseTimestamp(ts)
	return err == nil && FormatTimestamp(t) == ts
}

// tsParser consumes a TIMESTAMP left to right; bad records any failure.
type tsParser struct {
	s   string
	bad bool
}

// name consumes one of the three-letter names in names (concatenated) and
// returns its index.
func (p *tsParser) name(names string) (int, bool) {
	if len(p.s) >= 3 {
		for i := 0; i+3 <= len(names); i += 3 {
			if p.s[:3] == names[i:i+3] {
				p.s = p.s[3:]
				return i / 3, true
			}
		}
	}
	p.bad = true
	return 0, false
}

func (p *tsParser) lit(l string) {
	if len(p.s) < len(l) || p.s[:len(l)] != l {
		p.bad = true
		return
	}
	p.s = p.s[len(l):]
}

func (p *tsParser) space() { p.lit(" ") }

// digits consumes min..max ASCII digits and returns their value (-1 on failure).
func (p *tsParser) digits(minN, maxN int) int {
	v, n := 0, 0
	for n < maxN && n < len(p.s) && '0' <= p.s[n] && p.s[n] <= '9' {
		v = v*10 + int(p.s[n]-'0')
		n++
	}
	if n < minN {
		p.bad = true
		return -1
	}
	p.s = p.s[n:]
	return v
}
