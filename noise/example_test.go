package noise_test

import (
	"context"
	"fmt"
	"os"

	"github.com/tabsdc/tabsdc/noise"
	"github.com/tabsdc/tabsdc/sdc"
)

// A perturbation table for the cell key method, as the R package ptable
// builds it for D = 2, V = 1, in the layout tau-ARGUS reads.
func ExampleBuildPTable() {
	pt, err := noise.BuildPTable(noise.PTableOptions{D: 2, V: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := noise.WritePTable(os.Stdout, pt, false); err != nil {
		fmt.Println(err)
	}
	// A count of 7 with cell key 0.95 is published as 9 (the last row, for
	// every count from 2, maps keys from 0.936 up to a deviation of +2).
	fmt.Println(pt.Perturb(7, 0.95))
	// Output:
	// i;j;p;v;p_int_ub
	// 0;0;1.00000000; 0;1.00000000
	// 1;0;0.36648551;-1;0.36648551
	// 1;1;0.36648550; 0;0.73297101
	// 1;2;0.16757247; 1;0.90054348
	// 1;3;0.09945652; 2;1.00000000
	// 2;0;0.06382714;-2;0.06382714
	// 2;1;0.24469145;-1;0.30851859
	// 2;2;0.38296282; 0;0.69148141
	// 2;3;0.24469145; 1;0.93617286
	// 2;4;0.06382714; 2;1.00000000
	// 9
}

// Post-processing turns noisy measurements into one table of
// non-negative integers that adds up. Here a county of two
// municipalities is measured twice, the county total and each
// municipality, with noise already added.
func ExamplePostProcess() {
	geo, _ := sdc.NewDimension("geo", []string{"11", "1101", "1151"}, []string{"", "11", "11"})
	b, _ := sdc.NewBuilder(geo)
	t, _ := b.Build()
	ms, err := noise.Plan(t, noise.Params{Mechanism: noise.Laplace, Epsilon: 1, Bounds: noise.Bounds{L0: 1, LInf: 1}})
	if err != nil {
		fmt.Println(err)
		return
	}
	ms[0].Noisy = []int64{40}     // geo:0, the county: true 41
	ms[1].Noisy = []int64{43, -2} // detail: Eigersund 40, Utsira 1
	vals, _, err := noise.PostProcess(context.Background(), t, ms, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	for c, v := range vals {
		fmt.Println(t.Label(c), v)
	}
	// The least-squares estimates are 42.67 and −2.33 (sum 40.33): the
	// county is published as 40, split as 40 and 0.

	// Output:
	// 11 40
	// 1101 40
	// 1151 0
}
