package sdc_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/sdc"
)

// Property: sums of records read from CSV are published digit for digit:
// each cell's sum in published.csv equals the sum of its records computed
// with math/big, never in exponent notation, also for values of 15 to 17
// significant digits that a float64 cannot hold.
func TestPublishedSumsAreExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	geo, err := sdc.NewDimension("geo", []string{"NO", "11", "1101", "1103", "12", "1201"}, []string{"", "NO", "11", "11", "NO", "12"})
	require.NoError(t, err)
	leaves := []string{"1101", "1103", "1201"}
	for trial := 0; trial < 50; trial++ {
		decimals := trial % 4
		var in strings.Builder
		in.WriteString("geo,service,provider,amount\n")
		want := map[string]*big.Rat{}
		add := func(key string, r *big.Rat) {
			if want[key] == nil {
				want[key] = new(big.Rat)
			}
			want[key].Add(want[key], r)
		}
		for i := 0; i < 1+rng.IntN(30); i++ {
			g, svc := leaves[rng.IntN(len(leaves))], []string{"lab", "gp"}[rng.IntN(2)]
			whole := rng.Int64N(1_000_000_000_000_000) // up to 10^15
			v := fmt.Sprint(whole)
			if decimals > 0 {
				v += fmt.Sprintf(".%0*d", decimals, rng.IntN(int(pow(10, decimals))))
			}
			fmt.Fprintf(&in, "%s,%s,P%d,%s\n", g, svc, rng.IntN(5), v)
			r, ok := new(big.Rat).SetString(v)
			require.True(t, ok)
			parents := map[string][]string{"1101": {"1101", "11", "NO"}, "1103": {"1103", "11", "NO"}, "1201": {"1201", "12", "NO"}}
			for _, p := range parents[g] {
				for _, s := range []string{svc, "Total"} {
					add(p+"×"+s, r)
				}
			}
		}
		tab, err := sdc.ReadRecords(strings.NewReader(in.String()), []sdc.DimSpec{{Name: "geo", Dim: geo}, {Name: "service"}}, sdc.RecordsOptions{Value: "amount", Contributor: "provider"})
		require.NoError(t, err)
		require.True(t, tab.ExactValues())
		var out bytes.Buffer
		require.NoError(t, sdc.WritePublished(&out, sdc.NewRelease(tab), sdc.WriteOptions{}))
		rows, err := csv.NewReader(&out).ReadAll()
		require.NoError(t, err)
		for _, row := range rows[1:] {
			key := row[0] + "×" + row[1]
			got := row[3]
			assert.NotContains(t, got, "e", "trial %d %s", trial, key)
			w := want[key]
			if w == nil {
				w = new(big.Rat)
			}
			g, ok := new(big.Rat).SetString(got)
			require.True(t, ok, "trial %d %s: %q", trial, key, got)
			assert.Equal(t, w.RatString(), g.RatString(), "trial %d %s", trial, key)
		}
	}
}

func pow(b, e int) int {
	r := 1
	for range e {
		r *= b
	}
	return r
}
