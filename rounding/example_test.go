package rounding_test

import (
	"context"
	"fmt"
	"log"

	"github.com/tabsdc/tabsdc/rounding"
	"github.com/tabsdc/tabsdc/sdc"
)

// The introductory example of the SmallCountRounding vignette: every count
// 1..4 is rounded to 0 or 5, totals are sums of the rounded inner cells.
func ExampleSmallCount() {
	rows, _ := sdc.NewFlat("rows", []string{"row1", "row2", "row3"})
	cols, _ := sdc.NewFlat("cols", []string{"col1", "col2", "col3", "col4", "col5"})
	b, _ := sdc.NewBuilder(rows, cols)
	for i, row := range [][]int64{{6, 0, 1, 3, 4}, {1, 2, 3, 1, 2}, {0, 1, 1, 0, 2}} {
		for j, v := range row {
			if err := b.AddInner([]int{rows.Leaf(i), cols.Leaf(j)}, v); err != nil {
				log.Fatal(err)
			}
		}
	}
	t, err := b.Build()
	if err != nil {
		log.Fatal(err)
	}

	res, err := rounding.SmallCount(context.Background(), t, rounding.SmallCountOptions{Base: 5})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range []string{"row1", "row2", "row3", "Total"} {
		fmt.Printf("%-5s", r)
		for _, c := range []string{"col1", "col2", "col3", "col4", "col5", "Total"} {
			cell, _ := t.CellOf(r, c)
			fmt.Printf(" %3d", res.Values[cell])
		}
		fmt.Println()
	}
	fmt.Println("additive:", rounding.CheckAdditive(t, res.Values) == nil)
	fmt.Println(res.Metrics.All)
	cell, _ := t.CellOf("row1", "col4")
	fmt.Println(res.Release.Status(cell), res.Release.Reason(cell))
	ivs, _ := rounding.Intervals(t, res.Values, res.Rule)
	fmt.Println("row1×col4 is between", ivs[cell].Lower, "and", ivs[cell].Upper)
	// Output:
	// row1    6   0   0   5   5  16
	// row2    0   0   5   0   0   5
	// row3    0   0   0   0   5   5
	// Total   6   0   5   5  10  26
	// additive: true
	// cells 24, changed 19 (79.2%), max |diff| 4, mean |diff| 1.3333, RMS 1.6833
	// rounded rounded 3 → 5
	// row1×col4 is between 1 and 5
}

// Controlled rounding of a two-way table: every cell, totals included, goes
// to an adjacent multiple of the base and the table still adds up.
func ExampleControlled() {
	rows, _ := sdc.NewFlat("r", []string{"a", "b"})
	cols, _ := sdc.NewFlat("c", []string{"x", "y"})
	b, _ := sdc.NewBuilder(rows, cols)
	for i, row := range [][]int64{{3, 2}, {5, 5}} {
		for j, v := range row {
			_ = b.AddInner([]int{rows.Leaf(i), cols.Leaf(j)}, v)
		}
	}
	t, _ := b.Build()

	// Deterministic for a reproducible example; a release uses the default,
	// unbiased procedure with crypto/rand.
	res, err := rounding.Controlled(context.Background(), t, rounding.ControlledOptions{Base: 5, Deterministic: true})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range []string{"a", "b", "Total"} {
		fmt.Printf("%-5s", r)
		for _, c := range []string{"x", "y", "Total"} {
			cell, _ := t.CellOf(r, c)
			fmt.Printf(" %3d", res.Values[cell])
		}
		fmt.Println()
	}
	// Output:
	// a       5   0   5
	// b       5   5  10
	// Total  10   5  15
}
