package dhis2_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/dhis2"
)

func TestParsePeriod(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"2024W5", "2024W5"}, {"2024W05", "2024W5"}, {"2020W53", "2020W53"}, {"2026W53", "2026W53"},
		{"202401", "202401"}, {"2024-01", "202401"}, {"2024-12", "202412"},
		{"20240131", "20240131"}, {"2024-01-31", "20240131"}, {"2024-02-29", "20240229"},
		{"2024", "2024"}, {"2024Q1", "2024Q1"}, {"2024S2", "2024S2"}, {"2024AprilS1", "2024AprilS1"},
		{"202401B", "202401B"}, {"2024April", "2024April"}, {"2024July", "2024July"}, {"2024Oct", "2024Oct"},
		{"2024BiW1", "2024BiW1"}, {"2015WedW05", "2015WedW5"}, {"2015SunW1", "2015SunW1"}, {" 2024W10 ", "2024W10"},
	} {
		p, err := dhis2.ParsePeriod(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, dhis2.Period(tc.want), p, tc.in)
	}
	for _, bad := range []string{"", "24W5", "2024W0", "2024W54", "2024W53", "2025W53", "202413", "2024-13", "20240230",
		"2023-02-29", "2024Q5", "2024S3", "2024W", "2024Wx", "2024X1", "abcd", "2024-1-1", "2024W5a", "202407B", "2024BiW28"} {
		_, err := dhis2.ParsePeriod(bad)
		assert.Error(t, err, bad)
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2024W5", "2024W05", "2024-01", "20240131", "2024Q1", "2024AprilS1", "2015WedW5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := dhis2.ParsePeriod(s)
		if err != nil {
			return
		}
		// The canonical form is a fixed point.
		q, err := dhis2.ParsePeriod(string(p))
		require.NoError(t, err)
		require.Equal(t, p, q)
	})
}
