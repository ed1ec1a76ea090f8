package audit_test

import (
	"context"
	"fmt"

	"github.com/tabsdc/tabsdc/audit"
	"github.com/tabsdc/tabsdc/sdc"
)

// The attacker's view of a 2-D table with one small count withheld
// together with three others around it (a rectangle), then of the same
// release with one more cell withheld, seeded by the first audit. The
// default attacker knows the default policy: zeros are never withheld, so
// every withheld cell is at least 1 (and north×old at most 14 − 1).
func ExampleAudit() {
	region, _ := sdc.NewFlat("region", []string{"north", "south", "west"})
	age, _ := sdc.NewFlat("age", []string{"young", "mid", "old"})
	b, _ := sdc.NewBuilder(region, age)
	counts := [][]int64{
		{12, 30, 3},
		{20, 41, 11},
		{18, 25, 14},
	}
	for r, row := range counts {
		for a, v := range row {
			_ = b.AddInner([]int{region.Leaf(r), age.Leaf(a)}, v)
		}
	}
	t, _ := b.Build()
	cell := func(r, a string) int { c, _ := t.CellOf(r, a); return c }

	rel := sdc.NewRelease(t)
	rel.Set(cell("north", "old"), sdc.Primary, "frequency 3 ≤ 4")
	for _, c := range []int{cell("north", "mid"), cell("south", "mid"), cell("south", "old")} {
		rel.Set(c, sdc.Secondary, "")
	}
	req := audit.FrequencyRequirement(4) // at least 5 wide
	res, err := audit.Audit(context.Background(), rel, audit.Options{Default: req, Full: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	iv, _ := rel.Interval(cell("north", "old"))
	fmt.Printf("north×old (3): [%g, %g], passed: %v\n", iv.Lower, iv.Upper, res.Passed())

	// Withhold one more cell: the first audit's tables are still feasible
	// and seed the second. Alone in its column, the cell is given away by
	// the column total.
	rel.Set(cell("north", "young"), sdc.Secondary, "")
	again, err := audit.Audit(context.Background(), rel, audit.Options{Default: req, Prior: res})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d withheld cells, passed: %v\n", again.Audited, again.Passed())
	for _, f := range again.Disclosed {
		fmt.Println(t.Label(f.Cell), f.Why)
	}
	// Output:
	// north×old (3): [1, 13], passed: true
	// 5 withheld cells, passed: false
	// north×young disclosed: interval [12, 12]
}

// Screening two patterns by bound propagation before any LP: the first
// withholds a rectangle around the small count and passes; the second
// withholds the count with one cell of its row only, and its column total
// gives it away, which the screen shows at once.
func ExampleScreen() {
	region, _ := sdc.NewFlat("region", []string{"north", "south", "west"})
	age, _ := sdc.NewFlat("age", []string{"young", "mid", "old"})
	b, _ := sdc.NewBuilder(region, age)
	counts := [][]int64{
		{12, 30, 3},
		{20, 41, 11},
		{18, 25, 14},
	}
	for r, row := range counts {
		for a, v := range row {
			_ = b.AddInner([]int{region.Leaf(r), age.Leaf(a)}, v)
		}
	}
	t, _ := b.Build()
	cell := func(r, a string) int { c, _ := t.CellOf(r, a); return c }
	opt := audit.Options{Default: audit.FrequencyRequirement(4)}

	rect := sdc.NewRelease(t)
	rect.Set(cell("north", "old"), sdc.Primary, "frequency 3 ≤ 4")
	for _, c := range []int{cell("north", "mid"), cell("south", "mid"), cell("south", "old")} {
		rect.Set(c, sdc.Secondary, "")
	}
	sc, _ := audit.Screen(context.Background(), rect, opt)
	fmt.Printf("rectangle: screen passed: %v\n", sc.Passed())

	row := sdc.NewRelease(t)
	row.Set(cell("north", "old"), sdc.Primary, "frequency 3 ≤ 4")
	row.Set(cell("north", "young"), sdc.Secondary, "")
	sc, _ = audit.Screen(context.Background(), row, opt)
	fmt.Printf("row pair: screen passed: %v\n", sc.Passed())
	for _, f := range sc.Disclosed {
		fmt.Println(t.Label(f.Cell), f.Why)
	}
	// Output:
	// rectangle: screen passed: true
	// row pair: screen passed: false
	// north×young disclosed: interval [12, 12]
	// north×old disclosed: interval [3, 3]
}
