package lp_test

import (
	"context"
	"fmt"

	"github.com/tabsdc/tabsdc/internal/lp"
)

func ExampleSolver() {
	// A 2×3 table whose inner cells are all suppressed: the row totals
	// (5, 7), the column totals (3, 4, 5) and the grand total (12) are
	// published. Variable 3·i+j is cell (i, j).
	a := lp.NewSparse(6, 6)
	for i := 0; i < 2; i++ {
		for j := 0; j < 3; j++ {
			a.Add(i, 3*i+j, 1)   // row total i
			a.Add(2+j, 3*i+j, 1) // column total j
			a.Add(5, 3*i+j, 1)   // grand total: a redundant row
		}
	}
	b := []float64{5, 7, 3, 4, 5, 12}
	s, err := lp.NewSolver(a, b, nil, nil) // 0 ≤ x < ∞
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	for _, cell := range []int{0, 2, 4} {
		lo, _ := s.MinimizeSparse(ctx, []int{cell}, nil)
		hi, _ := s.MaximizeSparse(ctx, []int{cell}, nil)
		fmt.Printf("cell (%d, %d) in [%g, %g]\n", cell/3, cell%3, lo, hi)
	}
	// Output:
	// cell (0, 0) in [0, 3]
	// cell (0, 2) in [0, 5]
	// cell (1, 1) in [0, 4]
}
