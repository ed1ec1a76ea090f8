package rounding

import "github.com/tabsdc/tabsdc/sdc"

// geom caches what the rounding methods need to walk a table's relations:
// for every leaf of every dimension, the chain of its ancestors as cell-index
// offsets from the leaf.
type geom struct {
	t       *sdc.Table
	nd      int
	nleaves []int
	stride  []int
	// leafNode[d][o] is the node of leaf ordinal o of dimension d.
	leafNode [][]int32
	// The ancestors of leaf o of dimension d, the leaf itself first, are
	// chain[d][chainOff[d][o]:chainOff[d][o+1]], each as (ancestor−leaf)·stride.
	chain    [][]int
	chainOff [][]int32
}

func newGeom(t *sdc.Table) *geom {
	nd := t.NumDims()
	g := &geom{
		t:        t,
		nd:       nd,
		nleaves:  make([]int, nd),
		stride:   make([]int, nd),
		leafNode: make([][]int32, nd),
		chain:    make([][]int, nd),
		chainOff: make([][]int32, nd),
	}
	for d := 0; d < nd; d++ {
		dim := t.Dim(d)
		s := t.Stride(d)
		nl := dim.NumLeaves()
		g.nleaves[d] = nl
		g.stride[d] = s
		g.leafNode[d] = make([]int32, nl)
		off := make([]int32, nl+1)
		var ch []int
		for o := 0; o < nl; o++ {
			n := dim.Leaf(o)
			g.leafNode[d][o] = int32(n)
			for a := n; a >= 0; a = dim.Parent(a) {
				ch = append(ch, (a-n)*s)
			}
			off[o+1] = int32(len(ch))
		}
		g.chain[d] = ch
		g.chainOff[d] = off
	}
	return g
}

// innerCell returns the cell of inner number k and writes its leaf ordinals
// into ords (len nd).
func (g *geom) innerCell(k int, ords []int) int {
	c := 0
	for d := g.nd - 1; d >= 0; d-- {
		nl := g.nleaves[d]
		o := k % nl
		k /= nl
		ords[d] = o
		c += int(g.leafNode[d][o]) * g.stride[d]
	}
	return c
}

// ancestors appends to buf every cell that inner cell c (with leaf ordinals
// ords) is a term of, c itself included: the combinations of one ancestor
// per dimension. idx is scratch of len nd.
func (g *geom) ancestors(c int, ords []int, idx []int, buf []int32) []int32 {
	for d := range idx {
		idx[d] = int(g.chainOff[d][ords[d]])
	}
	for {
		cell := c
		for d, i := range idx {
			cell += g.chain[d][i]
		}
		buf = append(buf, int32(cell))
		d := g.nd - 1
		for ; d >= 0; d-- {
			idx[d]++
			if idx[d] < int(g.chainOff[d][ords[d]+1]) {
				break
			}
			idx[d] = int(g.chainOff[d][ords[d]])
		}
		if d < 0 {
			return buf
		}
	}
}

// forEachInner calls fn with the inner number and cell of every inner cell,
// in increasing inner number.
func (g *geom) forEachInner(fn func(k, c int)) {
	nd := g.nd
	ords := make([]int, nd)
	c := 0
	for d := 0; d < nd; d++ {
		c += int(g.leafNode[d][0]) * g.stride[d]
	}
	ninner := g.t.NumInner()
	for k := 0; k < ninner; k++ {
		fn(k, c)
		for d := nd - 1; d >= 0; d-- {
			o := ords[d]
			c -= int(g.leafNode[d][o]) * g.stride[d]
			o++
			if o < g.nleaves[d] {
				ords[d] = o
				c += int(g.leafNode[d][o]) * g.stride[d]
				break
			}
			ords[d] = 0
			c += int(g.leafNode[d][0]) * g.stride[d]
		}
	}
}

// forEachDepth calls fn for every cell in index order with the depth of its
// node in every dimension (depths must not be modified) and whether the cell
// is an inner cell.
func forEachDepth(t *sdc.Table, fn func(c int, depths []int, inner bool)) {
	nd := t.NumDims()
	nodes := make([]int, nd)
	depths := make([]int, nd)
	dims := t.Dims()
	// nonLeaf counts the dimensions whose current node is not a leaf.
	nonLeaf := 0
	for d := range dims {
		if !dims[d].IsLeaf(0) {
			nonLeaf++
		}
	}
	for c := 0; c < t.NumCells(); c++ {
		fn(c, depths, nonLeaf == 0)
		d := nd - 1
		for ; d >= 0; d-- {
			if !dims[d].IsLeaf(nodes[d]) {
				nonLeaf--
			}
			nodes[d]++
			if nodes[d] < dims[d].Len() {
				depths[d] = dims[d].Depth(nodes[d])
				if !dims[d].IsLeaf(nodes[d]) {
					nonLeaf++
				}
				break
			}
			nodes[d] = 0
			depths[d] = 0
			if !dims[d].IsLeaf(0) {
				nonLeaf++
			}
		}
		if d < 0 {
			return
		}
	}
}

// aggregate fills every total of v, a slice over all cells whose inner cells
// are set and whose other cells are zero, with the sum of its inner cells.
func aggregate(t *sdc.Table, v []int64) {
	n := len(v)
	for d := 0; d < t.NumDims(); d++ {
		dim := t.Dim(d)
		stride := t.Stride(d)
		block := stride * dim.Len()
		for i := dim.Len() - 1; i >= 1; i-- {
			p := dim.Parent(i)
			so, do := i*stride, p*stride
			for base := 0; base < n; base += block {
				src := v[base+so : base+so+stride]
				dst := v[base+do : base+do+stride]
				for k, x := range src {
					dst[k] += x
				}
			}
		}
	}
}
