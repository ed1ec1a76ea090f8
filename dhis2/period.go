package dhis2

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Period is a DHIS2 period identifier in canonical form.
type Period string

// ParsePeriod reads a period identifier as DHIS2 accepts it and returns
// the form DHIS2 writes: days yyyyMMdd (yyyy-MM-dd accepted), weeks yyyyWn
// (2024W05 accepted, written 2024W5; also WedW, ThuW, SatW, SunW and BiW),
// months yyyyMM (yyyy-MM accepted), bi-months yyyyMMB, quarters yyyyQn,
// six-months yyyySn and yyyyAprilSn, financial years yyyyApril, yyyyJuly,
// yyyyOct and yyyyNov, and years yyyy. A week beyond the ISO week-year's
// last week, a month 13, a day 31 of April is an error.
func ParsePeriod(s string) (Period, error) {
	p, err := parsePeriod(strings.TrimSpace(s))
	if err != nil {
		return "", fmt.Errorf("period %q: %w", s, err)
	}
	return p, nil
}

func parsePeriod(s string) (Period, error) {
	if len(s) < 4 {
		return "", fmt.Errorf("not a DHIS2 period")
	}
	year, err := strconv.Atoi(s[:4])
	if err != nil || year < 1000 {
		return "", fmt.Errorf("not a DHIS2 period (no year)")
	}
	rest := s[4:]
	num := func(t string, lo, hi int) (int, error) {
		if t == "" || len(t) > 2 {
			return 0, fmt.Errorf("not a DHIS2 period")
		}
		for _, r := range t {
			if r < '0' || r > '9' {
				return 0, fmt.Errorf("not a DHIS2 period")
			}
		}
		n, _ := strconv.Atoi(t)
		if n < lo || n > hi {
			return 0, fmt.Errorf("%d is out of range %d–%d", n, lo, hi)
		}
		return n, nil
	}
	switch {
	case rest == "":
		return Period(s), nil
	case len(rest) == 4 && isDigits(rest), len(rest) == 6 && rest[0] == '-' && rest[3] == '-':
		d := strings.ReplaceAll(rest, "-", "")
		t, err := time.Parse("20060102", s[:4]+d)
		if err != nil || !isDigits(d) {
			return "", fmt.Errorf("not a date")
		}
		return Period(t.Format("20060102")), nil
	case len(rest) == 2 && isDigits(rest), len(rest) == 3 && rest[0] == '-':
		m, err := num(strings.TrimPrefix(rest, "-"), 1, 12)
		if err != nil {
			return "", err
		}
		return Period(fmt.Sprintf("%04d%02d", year, m)), nil
	case len(rest) == 3 && rest[2] == 'B' && isDigits(rest[:2]):
		m, err := num(rest[:2], 1, 6)
		if err != nil {
			return "", err
		}
		return Period(fmt.Sprintf("%04d%02dB", year, m)), nil
	case strings.HasPrefix(rest, "Q"):
		q, err := num(rest[1:], 1, 4)
		if err != nil {
			return "", err
		}
		return Period(fmt.Sprintf("%dQ%d", year, q)), nil
	case strings.HasPrefix(rest, "S") && !strings.HasPrefix(rest, "SatW") && !strings.HasPrefix(rest, "SunW"):
		h, err := num(rest[1:], 1, 2)
		if err != nil {
			return "", err
		}
		return Period(fmt.Sprintf("%dS%d", year, h)), nil
	case strings.HasPrefix(rest, "AprilS"):
		h, err := num(rest[6:], 1, 2)
		if err != nil {
			return "", err
		}
		return Period(fmt.Sprintf("%dAprilS%d", year, h)), nil
	case rest == "April" || rest == "July" || rest == "Oct" || rest == "Nov":
		return Period(s), nil
	case strings.HasPrefix(rest, "BiW"):
		w, err := num(rest[3:], 1, 27)
		if err != nil {
			return "", err
		}
		return Period(fmt.Sprintf("%dBiW%d", year, w)), nil
	}
	for _, prefix := range []string{"W", "WedW", "ThuW", "SatW", "SunW"} {
		if t, ok := strings.CutPrefix(rest, prefix); ok && t != "" && isDigits(t) {
			w, err := num(t, 1, 53)
			if err != nil {
				return "", err
			}
			if w == 53 && prefix == "W" && isoWeeks(year) < 53 {
				return "", fmt.Errorf("week 53: %d has %d ISO weeks", year, isoWeeks(year))
			}
			return Period(fmt.Sprintf("%d%s%d", year, prefix, w)), nil
		}
	}
	return "", fmt.Errorf("not a DHIS2 period")
}

// isoWeeks is the number of ISO weeks of a week-based year: 53 when
// 28 December falls in week 53.
func isoWeeks(year int) int {
	_, w := time.Date(year, 12, 28, 0, 0, 0, 0, time.UTC).ISOWeek()
	return w
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
