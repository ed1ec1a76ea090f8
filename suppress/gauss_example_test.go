package suppress_test

import (
	"context"
	"fmt"

	"github.com/tabsdc/tabsdc/sdc"
	"github.com/tabsdc/tabsdc/suppress"
)

// A 2-D table with one small count: Gauss withholds the cheapest rectangle
// around it and says which primary cell each secondary cell protects.
func ExampleGauss() {
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

	// Primary suppression: the frequency rule, counts 1..4.
	rel := sdc.NewRelease(t)
	for c, f := range t.Freqs() {
		if f >= 1 && f <= 4 {
			rel.Set(c, sdc.Primary, fmt.Sprintf("frequency %d < 5", f))
		}
	}

	res, err := suppress.Gauss(context.Background(), rel, suppress.GaussOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d primary, %d secondary of %d cells\n", res.Primary, res.Secondary, res.Cells)
	for c := 0; c < t.NumCells(); c++ {
		if rel.Suppressed(c) {
			fmt.Printf("%-12s %-9s %s\n", t.Label(c), rel.Status(c), rel.Reason(c))
		}
	}
	// Output:
	// 1 primary, 3 secondary of 16 cells
	// north×young  secondary protects north×old in the age total
	// north×old    primary   frequency 3 < 5
	// west×young   secondary protects north×old
	// west×old     secondary protects north×old in the region total
}
