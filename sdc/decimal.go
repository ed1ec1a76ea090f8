package sdc

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// MaxDecimals is the most decimal places a magnitude value may have.
const MaxDecimals = 9

var pow10 = [MaxDecimals + 1]int64{1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000}

// splitDecimal splits a plain non-negative decimal number ("123",
// "123.45", "0.5", ".5") into its integer and fraction digits. Exponents,
// signs other than a leading +, spaces inside, NaN and infinities are not
// plain decimals.
func splitDecimal(s string) (whole, frac string, err error) {
	s = strings.TrimPrefix(s, "+")
	if strings.HasPrefix(s, "-") {
		return "", "", fmt.Errorf("value %q is negative", s)
	}
	whole, frac, _ = strings.Cut(s, ".")
	if whole == "" && frac == "" {
		return "", "", fmt.Errorf("value %q is not a number", s)
	}
	for _, part := range []string{whole, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return "", "", fmt.Errorf("value %q is not a plain decimal number (digits and one optional point; no exponent)", s)
			}
		}
	}
	return strings.TrimLeft(whole, "0"), strings.TrimRight(frac, "0"), nil
}

// units is whole.frac in units of 10^-scale (len(frac) ≤ scale).
func units(whole, frac string, scale int) (int64, error) {
	digits := whole + frac + strings.Repeat("0", scale-len(frac))
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		return 0, nil
	}
	u, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, errors.New("too large for an exact value (at most 9223372036854775807 units of the last decimal place)")
	}
	return u, nil
}

// formatUnits writes u units of 10^-scale in plain decimal notation.
func formatUnits(u int64, scale int) string {
	s := strconv.FormatInt(u, 10)
	if scale == 0 {
		return s
	}
	if len(s) <= scale {
		s = strings.Repeat("0", scale-len(s)+1) + s
	}
	return s[:len(s)-scale] + "." + s[len(s)-scale:]
}

// formatValue writes a float value in plain decimal notation (never an
// exponent), with the fewest digits that read back to it.
func formatValue(v float64) string {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// formatLevel writes a protection level in plain decimal notation, rounded
// up (the safe side) to the table's decimal places when its values are
// exact, else to 6 decimal places.
func (t *Table) formatLevel(v float64) string {
	d := 6
	if t.mag != nil && t.mag.scale >= 0 {
		d = t.mag.scale
	}
	p := math.Pow(10, float64(d))
	// A level that is a whole number of units up to float noise stays so.
	u := math.Ceil(v*p - 1e-6)
	return strconv.FormatFloat(u/p, 'f', d, 64)
}

// formatUnitsBound writes a bound in units of the table's last decimal
// place as a plain decimal ("" for an infinite one).
func (t *Table) formatUnitsBound(u float64) string {
	if math.IsInf(u, 0) || math.IsNaN(u) || t.mag == nil || t.mag.scale < 0 {
		return ""
	}
	return formatUnits(int64(math.Round(u)), t.mag.scale)
}
