package rounding

import (
	"fmt"
	"strings"

	"github.com/tabsdc/tabsdc/sdc"
)

// CheckAdditive reports whether values, one per cell of t, satisfy every
// relation of the table: for every dimension and every cell whose node in
// that dimension has children, the cell's value equals the sum of the values
// of the cells with those children (and the same nodes elsewhere). It
// returns nil when they all hold, and otherwise an error that names the
// first failing relation and how many fail. Values are not required to be
// non-negative.
func CheckAdditive(t *sdc.Table, values []int64) error {
	if len(values) != t.NumCells() {
		return fmt.Errorf("rounding: %d values for %d cells", len(values), t.NumCells())
	}
	n := len(values)
	failures := 0
	first := -1
	firstDim := 0
	var firstSum int64
	for d := 0; d < t.NumDims(); d++ {
		dim := t.Dim(d)
		stride := t.Stride(d)
		block := stride * dim.Len()
		sum := make([]int64, stride)
		for i := 0; i < dim.Len(); i++ {
			nc := dim.NumChildren(i)
			if nc == 0 {
				continue
			}
			for base := 0; base < n; base += block {
				clear(sum)
				for k := 0; k < nc; k++ {
					off := base + dim.Child(i, k)*stride
					for j, x := range values[off : off+stride] {
						sum[j] += x
					}
				}
				off := base + i*stride
				for j, x := range values[off : off+stride] {
					if x != sum[j] {
						failures++
						if first < 0 || off+j < first {
							first, firstDim, firstSum = off+j, d, sum[j]
						}
					}
				}
			}
		}
	}
	if failures == 0 {
		return nil
	}
	dim := t.Dim(firstDim)
	kids := t.Children(first, firstDim)
	codes := make([]string, len(kids))
	for k, c := range kids {
		codes[k] = dim.Code(t.Node(c, firstDim))
	}
	return fmt.Errorf("rounding: not additive in %d relations; first: %s = %d but its children along %s (%s) sum to %d",
		failures, t.Label(first), values[first], dim.Name(), strings.Join(codes, ", "), firstSum)
}
