package suppress_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/tabsdc/tabsdc/audit"
	"github.com/tabsdc/tabsdc/sdc"
	"github.com/tabsdc/tabsdc/suppress"
)

// smallTable is a 3 × 3 table with one small count.
func smallTable() (*sdc.Table, error) {
	region, err := sdc.NewFlat("region", []string{"north", "south", "west"})
	if err != nil {
		return nil, err
	}
	age, err := sdc.NewFlat("age", []string{"young", "mid", "old"})
	if err != nil {
		return nil, err
	}
	b, err := sdc.NewBuilder(region, age)
	if err != nil {
		return nil, err
	}
	for r, row := range [][]int64{{12, 30, 3}, {20, 41, 11}, {18, 25, 14}} {
		for a, v := range row {
			if err := b.AddInner([]int{region.Leaf(r), age.Leaf(a)}, v); err != nil {
				return nil, err
			}
		}
	}
	return b.Build()
}

// Protect withholds the small count and enough cells around it that the
// attacker, who knows the policy, cannot narrow it below 5 values; the
// audit's interval of each withheld cell is on the release.
func ExampleProtect() {
	t, err := smallTable()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	freq, err := suppress.NewFrequency(4, false)
	if err != nil {
		log.Fatal(err)
	}
	rel, _, err := suppress.Primary(ctx, t, []suppress.Rule{freq}, suppress.PrimaryOptions{})
	if err != nil {
		log.Fatal(err)
	}
	res, err := suppress.Protect(ctx, rel, suppress.ProtectOptions{Default: audit.FrequencyRequirement(4)})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("unresolved:", len(res.Unresolved), "audit passed:", res.Audit.Passed())
	for c := 0; c < t.NumCells(); c++ {
		if rel.Suppressed(c) {
			iv, _ := rel.Interval(c)
			fmt.Printf("%-12s %-9s [%v, %v]\n", t.Label(c), rel.Status(c), iv.Lower, iv.Upper)
		}
	}
	// Output:
	// unresolved: 0 audit passed: true
	// north×young  secondary [0, 12]
	// north×old    primary   [3, 15]
	// west×young   secondary [18, 30]
	// west×old     secondary [2, 14]
}

// Two linked tables, region × age and its region total, protected
// together: a cell both hold gets one status.
func ExampleProtectLinked() {
	t, err := smallTable()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	byRegion, err := sdc.Marginal(t, "region")
	if err != nil {
		log.Fatal(err)
	}
	freq, err := suppress.NewFrequency(4, false)
	if err != nil {
		log.Fatal(err)
	}
	var rels []*sdc.Release
	for _, tab := range []*sdc.Table{t, byRegion} {
		rel, _, err := suppress.Primary(ctx, tab, []suppress.Rule{freq}, suppress.PrimaryOptions{})
		if err != nil {
			log.Fatal(err)
		}
		rels = append(rels, rel)
	}
	res, err := suppress.ProtectLinked(ctx, t, rels, suppress.ProtectOptions{Default: audit.FrequencyRequirement(4)})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("unresolved:", len(res.Unresolved))
	for i, rel := range rels {
		tab := rel.Table()
		withheld := 0
		for c := 0; c < tab.NumCells(); c++ {
			if rel.Suppressed(c) {
				withheld++
			}
		}
		fmt.Printf("table %d: %d withheld of %d cells\n", i+1, withheld, tab.NumCells())
	}
	// Output:
	// unresolved: 0
	// table 1: 4 withheld of 16 cells
	// table 2: 0 withheld of 4 cells
}

// The frequency rule on a table of two cells: the count of 2 is primary.
func ExamplePrimary() {
	sex, err := sdc.NewFlat("sex", []string{"M", "F"})
	if err != nil {
		log.Fatal(err)
	}
	b, err := sdc.NewBuilder(sex)
	if err != nil {
		log.Fatal(err)
	}
	if err := b.AddInner([]int{1}, 2); err != nil {
		log.Fatal(err)
	}
	if err := b.AddInner([]int{2}, 40); err != nil {
		log.Fatal(err)
	}
	t, err := b.Build()
	if err != nil {
		log.Fatal(err)
	}
	freq, err := suppress.NewFrequency(4, false)
	if err != nil {
		log.Fatal(err)
	}
	rel, res, err := suppress.Primary(context.Background(), t, []suppress.Rule{freq}, suppress.PrimaryOptions{})
	if err != nil {
		log.Fatal(err)
	}
	for c := 0; c < t.NumCells(); c++ {
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%-5s %-9s %s", t.Label(c), rel.Status(c), rel.Reason(c))))
	}
	fmt.Println(res.Cells, "primary")
	// Output:
	// Total published
	// M     primary   frequency 2 ≤ maxN 4
	// F     published
	// 1 primary
}
