package suppress

import (
	"bytes"
	"context"
	"encoding/csv"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/tabsdc/tabsdc/audit"
	"github.com/tabsdc/tabsdc/internal/attack"
	"github.com/tabsdc/tabsdc/sdc"
)

// FuzzProtect protects small random tables (the seed picks the table,
// maxN and the zero policy) and checks what a published file must never
// do: hold the value of a withheld cell, publish a value other than the
// true one, or tell primary from secondary. A cell that cannot be
// protected is allowed (Protect reports it); a release with one is not
// published, so it is not checked.
func FuzzProtect(f *testing.F) {
	for _, seed := range []uint64{0, 1, 7, 42, 1234} {
		f.Add(seed, uint8(4), false)
		f.Add(seed, uint8(2), true)
	}
	f.Fuzz(func(t *testing.T, seed uint64, maxN uint8, zerosPublished bool) {
		rng := rand.New(rand.NewPCG(seed, seed>>32|1))
		tab := attack.RandomTable(rng, 2+int(seed%2))
		n := 1 + int(maxN%5)
		fr, err := NewFrequency(n, false)
		if err != nil {
			t.Fatal(err)
		}
		rel, _, err := Primary(context.Background(), tab, []Rule{fr}, PrimaryOptions{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := Protect(context.Background(), rel, ProtectOptions{Default: audit.FrequencyRequirement(n), ZerosPublished: zerosPublished, MaxRounds: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Unresolved) > 0 {
			return
		}
		var buf bytes.Buffer
		if err := sdc.WritePublished(&buf, rel, sdc.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != tab.NumCells()+1 {
			t.Fatalf("%d rows for %d cells", len(rows)-1, tab.NumCells())
		}
		nd := tab.NumDims()
		for c := 0; c < tab.NumCells(); c++ {
			row := rows[c+1]
			value, status := row[nd], row[nd+1]
			switch {
			case rel.Suppressed(c):
				if value != "" || status != "suppressed" {
					t.Fatalf("withheld %s published as %q, %q", tab.Label(c), value, status)
				}
				if zerosPublished && tab.Freq(c) == 0 {
					t.Fatalf("zero %s withheld under the zeros-published policy", tab.Label(c))
				}
			default:
				if value != strconv.FormatInt(tab.Freq(c), 10) || status != "published" {
					t.Fatalf("%s published as %q, %q; its count is %d", tab.Label(c), value, status, tab.Freq(c))
				}
			}
		}
	})
}
