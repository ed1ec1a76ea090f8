package lp

import (
	"fmt"
	"sort"
)

// Sparse is a sparse matrix stored in compressed sparse column (CSC) form.
//
// A Sparse is assembled from (row, column, value) triplets with Add; entries
// added at the same position are summed and entries that sum to zero are
// dropped. The compressed form is built lazily the first time the matrix is
// read. A Sparse is not safe for concurrent use, not even by concurrent
// readers, because reading may compress pending triplets.
type Sparse struct {
	r, c int

	// Pending triplets not yet merged into the compressed form.
	ti, tj []int32
	tv     []float64

	// Compressed sparse column form: the entries of column j are
	// rowIdx[colPtr[j]:colPtr[j+1]] (strictly increasing) and the
	// corresponding val.
	colPtr []int
	rowIdx []int32
	val    []float64
}

// NewSparse returns an empty r×c sparse matrix. It panics if r or c is
// negative or larger than the supported maximum of 1<<31-1.
func NewSparse(r, c int) *Sparse {
	if r < 0 || c < 0 {
		panic(fmt.Sprintf("lp: negative dimension %d×%d", r, c))
	}
	if r > maxDim || c > maxDim {
		panic(fmt.Sprintf("lp: dimension %d×%d too large", r, c))
	}
	return &Sparse{r: r, c: c, colPtr: make([]int, c+1)}
}

const maxDim = 1<<31 - 1

// Dims returns the number of rows and columns of the matrix.
func (m *Sparse) Dims() (r, c int) { return m.r, m.c }

// Add adds v to the element at row i, column j. It panics if (i, j) is out
// of range. Non-finite values are accepted here and rejected by NewSolver.
func (m *Sparse) Add(i, j int, v float64) {
	if i < 0 || i >= m.r || j < 0 || j >= m.c {
		panic(fmt.Sprintf("lp: index (%d, %d) out of range for %d×%d matrix", i, j, m.r, m.c))
	}
	if v == 0 {
		return
	}
	m.ti = append(m.ti, int32(i))
	m.tj = append(m.tj, int32(j))
	m.tv = append(m.tv, v)
}

// At returns the element at row i, column j. It panics if (i, j) is out of
// range.
func (m *Sparse) At(i, j int) float64 {
	if i < 0 || i >= m.r || j < 0 || j >= m.c {
		panic(fmt.Sprintf("lp: index (%d, %d) out of range for %d×%d matrix", i, j, m.r, m.c))
	}
	m.compress()
	lo, hi := m.colPtr[j], m.colPtr[j+1]
	k := lo + sort.Search(hi-lo, func(k int) bool { return m.rowIdx[lo+k] >= int32(i) })
	if k < hi && m.rowIdx[k] == int32(i) {
		return m.val[k]
	}
	return 0
}

// NNZ returns the number of stored non-zero elements.
func (m *Sparse) NNZ() int {
	m.compress()
	return len(m.val)
}

// DoNonZero calls fn for each stored non-zero element, in column-major
// order.
func (m *Sparse) DoNonZero(fn func(i, j int, v float64)) {
	m.compress()
	for j := 0; j < m.c; j++ {
		for k := m.colPtr[j]; k < m.colPtr[j+1]; k++ {
			fn(int(m.rowIdx[k]), j, m.val[k])
		}
	}
}

// compress merges pending triplets into the compressed column form using
// two stable counting sorts (by row, then by column), summing duplicates and
// dropping zeros.
func (m *Sparse) compress() {
	if len(m.tv) == 0 {
		return
	}
	// Gather existing compressed entries and the pending triplets.
	nnz := len(m.val) + len(m.tv)
	ri := make([]int32, 0, nnz)
	ci := make([]int32, 0, nnz)
	vs := make([]float64, 0, nnz)
	for j := 0; j < m.c; j++ {
		for k := m.colPtr[j]; k < m.colPtr[j+1]; k++ {
			ri = append(ri, m.rowIdx[k])
			ci = append(ci, int32(j))
			vs = append(vs, m.val[k])
		}
	}
	ri = append(ri, m.ti...)
	ci = append(ci, m.tj...)
	vs = append(vs, m.tv...)

	// Counting sort by row.
	cnt := make([]int, max(m.r, m.c)+1)
	for _, i := range ri {
		cnt[i+1]++
	}
	for i := 0; i < m.r; i++ {
		cnt[i+1] += cnt[i]
	}
	perm := make([]int, nnz)
	for k, i := range ri {
		perm[cnt[i]] = k
		cnt[i]++
	}
	// Stable counting sort by column.
	colPtr := make([]int, m.c+1)
	for _, j := range ci {
		colPtr[j+1]++
	}
	for j := 0; j < m.c; j++ {
		colPtr[j+1] += colPtr[j]
	}
	next := make([]int, m.c)
	copy(next, colPtr[:m.c])
	order := make([]int, nnz)
	for _, k := range perm {
		j := ci[k]
		order[next[j]] = k
		next[j]++
	}

	// Merge duplicates and drop zeros.
	rowIdx := make([]int32, 0, nnz)
	val := make([]float64, 0, nnz)
	newPtr := make([]int, m.c+1)
	for j := 0; j < m.c; j++ {
		for p := colPtr[j]; p < colPtr[j+1]; {
			k := order[p]
			i, v := ri[k], vs[k]
			p++
			for p < colPtr[j+1] && ri[order[p]] == i {
				v += vs[order[p]]
				p++
			}
			if v != 0 {
				rowIdx = append(rowIdx, i)
				val = append(val, v)
			}
		}
		newPtr[j+1] = len(val)
	}
	m.colPtr, m.rowIdx, m.val = newPtr, rowIdx, val
	m.ti, m.tj, m.tv = m.ti[:0], m.tj[:0], m.tv[:0]
}
