package lp

import (
	"math"
	"slices"
)

// Factorization parameters.
const (
	// luThreshold is the threshold of threshold partial pivoting: a pivot
	// candidate must be at least luThreshold times the largest magnitude in
	// its active column.
	luThreshold = 0.1
	// luAbsTol is the smallest magnitude accepted as a pivot.
	luAbsTol = 1e-11
	// luDropTol: computed entries of smaller magnitude are dropped.
	luDropTol = 1e-14
	// luSearch is the number of columns and rows examined by the Markowitz
	// search once a candidate pivot has been found.
	luSearch = 4
	// etaDropTol: eta entries of smaller magnitude are dropped.
	etaDropTol = 1e-14
)

// factor is a sparse LU factorization of an m×m basis matrix B together
// with a product-form file of the column replacements made since the
// factorization.
//
// The factorization is the result of a right-looking Gaussian elimination
// with Markowitz pivot choice and threshold partial pivoting. Step k pivots
// on row pivRow[k] and column (basis position) pivPos[k]:
//
//	L_m⁻¹ ⋯ L_1⁻¹ B = Ũ
//
// where each L_k⁻¹ = I - l eᵀ_{pivRow[k]} is stored as an eta column
// (omitted when l = 0), and the rows of Ũ, stored both by row and by
// column, form a triangular matrix after permutation. Replacing basis column r by a column a, with
// α = B⁻¹a, gives B' = B E with E the identity with column r replaced by α;
// each such E is appended to the eta file.
type factor struct {
	m int

	pivRow []int32
	pivPos []int32
	diag   []float64

	// Non-trivial L columns in elimination order: column t has pivot row
	// lRow[t] and multipliers lVal at rows lIdx, both [lPtr[t]:lPtr[t+1]].
	lRow []int32
	lPtr []int32
	lIdx []int32
	lVal []float64

	// Off-diagonal entries of Ũ by elimination step: row k holds
	// (basis position, value) pairs urIdx/urVal[urPtr[k]:urPtr[k+1]].
	urPtr []int32
	urIdx []int32
	urVal []float64
	// The same entries by basis position: column q holds (row, value)
	// pairs ucIdx/ucVal[ucPtr[q]:ucPtr[q+1]].
	ucPtr []int32
	ucIdx []int32
	ucVal []float64

	// Eta file: eta t replaces position etaPos[t], with pivot etaPiv[t]
	// and off-pivot entries etaIdx/etaVal[etaPtr[t]:etaPtr[t+1]].
	etaPos []int32
	etaPiv []float64
	etaPtr []int32
	etaIdx []int32
	etaVal []float64

	w luWork
}

// luWork is the active submatrix of the elimination. Columns and rows are
// stored in segments of shared arrays; a segment that overflows its
// capacity is moved to the end of the array.
type luWork struct {
	cStart, cLen, cCap []int32
	cIdx               []int32
	cVal               []float64

	// Row patterns are pruned lazily: rIdx[rStart[i]:rStart[i]+rLen[i]]
	// may hold columns already pivoted, entries dropped by cancellation
	// and duplicates; rCnt[i] counts the entries actually present.
	rStart, rLen, rCap, rCnt []int32
	rIdx                     []int32

	// Doubly linked lists of the active columns and rows by count.
	// cBucket/rBucket is the list a column/row is in, or -1.
	colHead, colNext, colPrev, cBucket []int32
	rowHead, rowNext, rowPrev, rBucket []int32

	mark    []int32
	colDone []bool
	rowDone []bool

	uIdx []int32
	uVal []float64
	lIdx []int32
	lVal []float64
}

// clone returns a copy of f that shares no memory with it.
func (f *factor) clone() factor {
	return factor{
		m:      f.m,
		pivRow: slices.Clone(f.pivRow),
		pivPos: slices.Clone(f.pivPos),
		diag:   slices.Clone(f.diag),
		lRow:   slices.Clone(f.lRow),
		lPtr:   slices.Clone(f.lPtr),
		lIdx:   slices.Clone(f.lIdx),
		lVal:   slices.Clone(f.lVal),
		urPtr:  slices.Clone(f.urPtr),
		urIdx:  slices.Clone(f.urIdx),
		urVal:  slices.Clone(f.urVal),
		ucPtr:  slices.Clone(f.ucPtr),
		ucIdx:  slices.Clone(f.ucIdx),
		ucVal:  slices.Clone(f.ucVal),
		etaPos: slices.Clone(f.etaPos),
		etaPiv: slices.Clone(f.etaPiv),
		etaPtr: slices.Clone(f.etaPtr),
		etaIdx: slices.Clone(f.etaIdx),
		etaVal: slices.Clone(f.etaVal),
	}
}

// numEtas returns the number of column replacements since the last
// factorization.
func (f *factor) numEtas() int { return len(f.etaPos) }

// etaNNZ returns the number of stored off-pivot entries in the eta file.
func (f *factor) etaNNZ() int { return len(f.etaIdx) }

// luNNZ returns the number of stored entries of L and U.
func (f *factor) luNNZ() int { return len(f.lIdx) + len(f.urIdx) + f.m }

func grow32(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}

func growBool(s []bool, n int) []bool {
	if cap(s) < n {
		return make([]bool, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// factorize computes a fresh factorization of the m×m matrix whose k-th
// column is returned by col(k) (row indices and values, no duplicates) and
// clears the eta file. If the matrix is numerically singular, factorize
// returns the basis positions that could not be pivoted and the same number
// of rows left without a pivot; the factorization is then unusable.
func (f *factor) factorize(m int, col func(k int) ([]int32, []float64)) (singPos, singRow []int32) {
	f.m = m
	f.pivRow = f.pivRow[:0]
	f.pivPos = f.pivPos[:0]
	f.diag = f.diag[:0]
	f.lRow = f.lRow[:0]
	f.lPtr = append(f.lPtr[:0], 0)
	f.lIdx = f.lIdx[:0]
	f.lVal = f.lVal[:0]
	f.urPtr = append(f.urPtr[:0], 0)
	f.urIdx = f.urIdx[:0]
	f.urVal = f.urVal[:0]
	f.etaPos = f.etaPos[:0]
	f.etaPiv = f.etaPiv[:0]
	f.etaPtr = append(f.etaPtr[:0], 0)
	f.etaIdx = f.etaIdx[:0]
	f.etaVal = f.etaVal[:0]

	w := &f.w
	w.load(m, col)

	for len(f.pivRow) < m {
		p, q := w.search(m)
		if p < 0 {
			break
		}
		f.eliminate(p, q)
	}

	if len(f.pivRow) < m {
		for k := 0; k < m; k++ {
			if !w.colDone[k] {
				singPos = append(singPos, int32(k))
			}
			if !w.rowDone[k] {
				singRow = append(singRow, int32(k))
			}
		}
		return singPos, singRow
	}

	// Column-wise copy of Ũ.
	f.ucPtr = grow32(f.ucPtr, m+1)
	clear(f.ucPtr)
	for _, q := range f.urIdx {
		f.ucPtr[q+1]++
	}
	for q := 0; q < m; q++ {
		f.ucPtr[q+1] += f.ucPtr[q]
	}
	nu := len(f.urIdx)
	f.ucIdx = grow32(f.ucIdx, nu)
	if cap(f.ucVal) < nu {
		f.ucVal = make([]float64, nu)
	}
	f.ucVal = f.ucVal[:nu]
	next := w.mark[:m] // reuse as insertion pointers
	copy(next, f.ucPtr[:m])
	for k := 0; k < m; k++ {
		p := f.pivRow[k]
		for e := f.urPtr[k]; e < f.urPtr[k+1]; e++ {
			q := f.urIdx[e]
			d := next[q]
			f.ucIdx[d] = p
			f.ucVal[d] = f.urVal[e]
			next[q]++
		}
	}
	for i := range next {
		next[i] = -1
	}
	return nil, nil
}

// load initializes the active submatrix with the columns given by col.
func (w *luWork) load(m int, col func(k int) ([]int32, []float64)) {
	w.cStart = grow32(w.cStart, m)
	w.cLen = grow32(w.cLen, m)
	w.cCap = grow32(w.cCap, m)
	w.rStart = grow32(w.rStart, m)
	w.rLen = grow32(w.rLen, m)
	w.rCap = grow32(w.rCap, m)
	w.rCnt = grow32(w.rCnt, m)
	w.colHead = grow32(w.colHead, m+1)
	w.colNext = grow32(w.colNext, m)
	w.colPrev = grow32(w.colPrev, m)
	w.cBucket = grow32(w.cBucket, m)
	w.rowHead = grow32(w.rowHead, m+1)
	w.rowNext = grow32(w.rowNext, m)
	w.rowPrev = grow32(w.rowPrev, m)
	w.rBucket = grow32(w.rBucket, m)
	w.colDone = growBool(w.colDone, m)
	w.rowDone = growBool(w.rowDone, m)
	if cap(w.mark) < m {
		w.mark = make([]int32, m)
	}
	w.mark = w.mark[:m]
	for i := range w.mark {
		w.mark[i] = -1
	}
	for i := range w.colHead {
		w.colHead[i] = -1
		w.rowHead[i] = -1
	}
	clear(w.rLen)

	w.cIdx = w.cIdx[:0]
	w.cVal = w.cVal[:0]
	for k := 0; k < m; k++ {
		idx, val := col(k)
		w.cStart[k] = int32(len(w.cIdx))
		for t, i := range idx {
			if math.Abs(val[t]) >= luDropTol {
				w.cIdx = append(w.cIdx, i)
				w.cVal = append(w.cVal, val[t])
				w.rLen[i]++
			}
		}
		w.cLen[k] = int32(len(w.cIdx)) - w.cStart[k]
		w.cCap[k] = w.cLen[k] + 4
		for t := 0; t < 4; t++ {
			w.cIdx = append(w.cIdx, 0)
			w.cVal = append(w.cVal, 0)
		}
	}
	n := int32(0)
	for i := 0; i < m; i++ {
		w.rStart[i] = n
		w.rCap[i] = w.rLen[i] + 4
		n += w.rCap[i]
		w.rLen[i] = 0
	}
	w.rIdx = grow32(w.rIdx, int(n))
	for k := 0; k < m; k++ {
		s := w.cStart[k]
		for t := int32(0); t < w.cLen[k]; t++ {
			i := w.cIdx[s+t]
			w.rIdx[w.rStart[i]+w.rLen[i]] = int32(k)
			w.rLen[i]++
		}
	}
	copy(w.rCnt, w.rLen)
	for k := int32(0); k < int32(m); k++ {
		w.cBucket[k] = -1
		w.rBucket[k] = -1
		w.colInsert(k)
		w.rowInsert(k)
	}
}

func (w *luWork) colInsert(j int32) {
	c := w.cLen[j]
	w.cBucket[j] = c
	w.colPrev[j] = -1
	h := w.colHead[c]
	w.colNext[j] = h
	if h >= 0 {
		w.colPrev[h] = j
	}
	w.colHead[c] = j
}

func (w *luWork) colRemove(j int32) {
	c := w.cBucket[j]
	if c < 0 {
		return
	}
	p, n := w.colPrev[j], w.colNext[j]
	if p >= 0 {
		w.colNext[p] = n
	} else {
		w.colHead[c] = n
	}
	if n >= 0 {
		w.colPrev[n] = p
	}
	w.cBucket[j] = -1
}

func (w *luWork) rowInsert(i int32) {
	c := w.rCnt[i]
	w.rBucket[i] = c
	w.rowPrev[i] = -1
	h := w.rowHead[c]
	w.rowNext[i] = h
	if h >= 0 {
		w.rowPrev[h] = i
	}
	w.rowHead[c] = i
}

func (w *luWork) rowRemove(i int32) {
	c := w.rBucket[i]
	if c < 0 {
		return
	}
	p, n := w.rowPrev[i], w.rowNext[i]
	if p >= 0 {
		w.rowNext[p] = n
	} else {
		w.rowHead[c] = n
	}
	if n >= 0 {
		w.rowPrev[n] = p
	}
	w.rBucket[i] = -1
}

// colMax returns the largest magnitude in active column j.
func (w *luWork) colMax(j int32) float64 {
	s := w.cStart[j]
	var mx float64
	for _, v := range w.cVal[s : s+w.cLen[j]] {
		if a := math.Abs(v); a > mx {
			mx = a
		}
	}
	return mx
}

// search returns a pivot (row p, column q) chosen by the Markowitz
// criterion with threshold partial pivoting, or p = -1 when no acceptable
// pivot exists.
func (w *luWork) search(m int) (p, q int32) {
	p, q = -1, -1
	bestCost := int64(math.MaxInt64)
	var bestAbs float64
	found := 0
	for cnt := int32(1); cnt <= int32(m); cnt++ {
		lim := int64(cnt-1) * int64(cnt-1)
		if p >= 0 && bestCost <= lim {
			return p, q
		}
		for j := w.colHead[cnt]; j >= 0; {
			next := w.colNext[j]
			cmax := w.colMax(j)
			if cmax < luAbsTol {
				// Numerically zero column: leave it out of the search
				// until an elimination step touches it.
				w.colRemove(j)
				j = next
				continue
			}
			s := w.cStart[j]
			for t := int32(0); t < cnt; t++ {
				a := math.Abs(w.cVal[s+t])
				if a < luThreshold*cmax {
					continue
				}
				i := w.cIdx[s+t]
				cost := int64(cnt-1) * int64(w.rCnt[i]-1)
				if cost < bestCost || (cost == bestCost && a > bestAbs) {
					p, q, bestCost, bestAbs = i, j, cost, a
				}
			}
			found++
			if p >= 0 && (bestCost <= lim || found >= luSearch) {
				return p, q
			}
			j = next
		}
		for i := w.rowHead[cnt]; i >= 0; i = w.rowNext[i] {
			rs := w.rStart[i]
			for t := int32(0); t < w.rLen[i]; t++ {
				j := w.rIdx[rs+t]
				if w.colDone[j] {
					continue
				}
				s, n := w.cStart[j], w.cLen[j]
				var a, cmax float64
				for e := s; e < s+n; e++ {
					v := math.Abs(w.cVal[e])
					if v > cmax {
						cmax = v
					}
					if w.cIdx[e] == i {
						a = v
					}
				}
				if cmax < luAbsTol || a < luThreshold*cmax {
					continue
				}
				cost := int64(cnt-1) * int64(n-1)
				if cost < bestCost || (cost == bestCost && a > bestAbs) {
					p, q, bestCost, bestAbs = i, j, cost, a
				}
			}
			found++
			if p >= 0 && (bestCost <= lim || found >= luSearch) {
				return p, q
			}
		}
	}
	return p, q
}

// colAppend appends entry (i, v) to active column j, moving the column to
// the end of the storage if it is full.
func (w *luWork) colAppend(j, i int32, v float64) {
	if w.cLen[j] == w.cCap[j] {
		s, n := w.cStart[j], w.cLen[j]
		ns := int32(len(w.cIdx))
		nc := 2*n + 4
		w.cIdx = append(w.cIdx, w.cIdx[s:s+n]...)
		w.cVal = append(w.cVal, w.cVal[s:s+n]...)
		for t := n; t < nc; t++ {
			w.cIdx = append(w.cIdx, 0)
			w.cVal = append(w.cVal, 0)
		}
		w.cStart[j], w.cCap[j] = ns, nc
	}
	e := w.cStart[j] + w.cLen[j]
	w.cIdx[e] = i
	w.cVal[e] = v
	w.cLen[j]++
}

// rowAppend appends column index j to active row i.
func (w *luWork) rowAppend(i, j int32) {
	w.rCnt[i]++
	if w.rLen[i] == w.rCap[i] && w.rLen[i] >= w.rCnt[i] {
		// Prune pivoted columns first.
		s, n := w.rStart[i], w.rLen[i]
		k := s
		for t := s; t < s+n; t++ {
			if c := w.rIdx[t]; !w.colDone[c] {
				w.rIdx[k] = c
				k++
			}
		}
		w.rLen[i] = k - s
	}
	if w.rLen[i] == w.rCap[i] {
		s, n := w.rStart[i], w.rLen[i]
		ns := int32(len(w.rIdx))
		nc := 2*n + 4
		w.rIdx = append(w.rIdx, w.rIdx[s:s+n]...)
		for t := n; t < nc; t++ {
			w.rIdx = append(w.rIdx, 0)
		}
		w.rStart[i], w.rCap[i] = ns, nc
	}
	w.rIdx[w.rStart[i]+w.rLen[i]] = j
	w.rLen[i]++
}

// eliminate performs one elimination step with pivot (p, q).
func (f *factor) eliminate(p, q int32) {
	w := &f.w
	w.colRemove(q)
	w.rowRemove(p)

	// Pivot column: the pivot value and the multipliers.
	var piv float64
	cs, cn := w.cStart[q], w.cLen[q]
	for e := cs; e < cs+cn; e++ {
		if w.cIdx[e] == p {
			piv = w.cVal[e]
			break
		}
	}
	w.lIdx, w.lVal = w.lIdx[:0], w.lVal[:0]
	for e := cs; e < cs+cn; e++ {
		i := w.cIdx[e]
		if i == p {
			continue
		}
		w.lIdx = append(w.lIdx, i)
		w.lVal = append(w.lVal, w.cVal[e]/piv)
		w.rowRemove(i)
		w.rCnt[i]-- // column q is pruned from the pattern lazily
	}
	w.cLen[q] = 0
	w.colDone[q] = true

	// Pivot row: the row of U.
	w.uIdx, w.uVal = w.uIdx[:0], w.uVal[:0]
	rs, rn := w.rStart[p], w.rLen[p]
	for t := rs; t < rs+rn; t++ {
		j := w.rIdx[t]
		if w.colDone[j] {
			continue
		}
		s, n := w.cStart[j], w.cLen[j]
		for e := s; e < s+n; e++ {
			if w.cIdx[e] == p {
				w.colRemove(j)
				w.uIdx = append(w.uIdx, j)
				w.uVal = append(w.uVal, w.cVal[e])
				w.cIdx[e] = w.cIdx[s+n-1]
				w.cVal[e] = w.cVal[s+n-1]
				w.cLen[j]--
				break
			}
		}
	}
	w.rLen[p], w.rCnt[p] = 0, 0
	w.rowDone[p] = true

	// Schur complement update: column j -= l * u_j.
	if len(w.lIdx) > 0 {
		for t, j := range w.uIdx {
			u := w.uVal[t]
			s, n := w.cStart[j], w.cLen[j]
			for e := int32(0); e < n; e++ {
				w.mark[w.cIdx[s+e]] = e
			}
			drop := false
			for k, i := range w.lIdx {
				v := -w.lVal[k] * u
				if e := w.mark[i]; e >= 0 {
					x := w.cVal[w.cStart[j]+e] + v
					w.cVal[w.cStart[j]+e] = x
					if math.Abs(x) < luDropTol {
						drop = true
					}
				} else if math.Abs(v) >= luDropTol {
					w.mark[i] = w.cLen[j]
					w.colAppend(j, i, v)
					w.rowAppend(i, j)
				}
			}
			s, n = w.cStart[j], w.cLen[j]
			for e := s; e < s+n; e++ {
				w.mark[w.cIdx[e]] = -1
			}
			if drop {
				for e := s; e < s+w.cLen[j]; {
					if math.Abs(w.cVal[e]) < luDropTol {
						// Leave j in the row pattern of the entry.
						w.rCnt[w.cIdx[e]]--
						last := s + w.cLen[j] - 1
						w.cIdx[e] = w.cIdx[last]
						w.cVal[e] = w.cVal[last]
						w.cLen[j]--
						continue
					}
					e++
				}
			}
		}
	}
	for _, j := range w.uIdx {
		w.colInsert(j)
	}
	for _, i := range w.lIdx {
		w.rowInsert(i)
	}

	// Record the step.
	f.pivRow = append(f.pivRow, p)
	f.pivPos = append(f.pivPos, q)
	f.diag = append(f.diag, piv)
	if len(w.lIdx) > 0 {
		f.lRow = append(f.lRow, p)
		f.lIdx = append(f.lIdx, w.lIdx...)
		f.lVal = append(f.lVal, w.lVal...)
		f.lPtr = append(f.lPtr, int32(len(f.lIdx)))
	}
	f.urIdx = append(f.urIdx, w.uIdx...)
	f.urVal = append(f.urVal, w.uVal...)
	f.urPtr = append(f.urPtr, int32(len(f.urIdx)))
}

// ftran solves B z = rhs. rhs is indexed by row and is left zeroed; z is
// written to out, indexed by basis position.
func (f *factor) ftran(rhs, out []float64) {
	for t, p := range f.lRow {
		xp := rhs[p]
		if xp == 0 {
			continue
		}
		for e := f.lPtr[t]; e < f.lPtr[t+1]; e++ {
			rhs[f.lIdx[e]] -= f.lVal[e] * xp
		}
	}
	for k := f.m - 1; k >= 0; k-- {
		p := f.pivRow[k]
		q := f.pivPos[k]
		v := rhs[p]
		if v == 0 {
			out[q] = 0
			continue
		}
		rhs[p] = 0
		v /= f.diag[k]
		out[q] = v
		for e := f.ucPtr[q]; e < f.ucPtr[q+1]; e++ {
			rhs[f.ucIdx[e]] -= f.ucVal[e] * v
		}
	}
	for t, r := range f.etaPos {
		v := out[r]
		if v == 0 {
			continue
		}
		v /= f.etaPiv[t]
		out[r] = v
		for e := f.etaPtr[t]; e < f.etaPtr[t+1]; e++ {
			out[f.etaIdx[e]] -= f.etaVal[e] * v
		}
	}
}

// btran solves Bᵀ y = rhs. rhs is indexed by basis position and is left
// zeroed; y is written to out, indexed by row.
func (f *factor) btran(rhs, out []float64) {
	for t := len(f.etaPos) - 1; t >= 0; t-- {
		r := f.etaPos[t]
		s := rhs[r]
		for e := f.etaPtr[t]; e < f.etaPtr[t+1]; e++ {
			s -= f.etaVal[e] * rhs[f.etaIdx[e]]
		}
		rhs[r] = s / f.etaPiv[t]
	}
	for k := 0; k < f.m; k++ {
		q := f.pivPos[k]
		p := f.pivRow[k]
		v := rhs[q]
		if v == 0 {
			out[p] = 0
			continue
		}
		rhs[q] = 0
		v /= f.diag[k]
		out[p] = v
		for e := f.urPtr[k]; e < f.urPtr[k+1]; e++ {
			rhs[f.urIdx[e]] -= f.urVal[e] * v
		}
	}
	for t := len(f.lRow) - 1; t >= 0; t-- {
		p := f.lRow[t]
		s := out[p]
		for e := f.lPtr[t]; e < f.lPtr[t+1]; e++ {
			s -= f.lVal[e] * out[f.lIdx[e]]
		}
		out[p] = s
	}
}

// update records the replacement of basis position r by a column whose
// FTRAN (B⁻¹a, indexed by basis position) is alpha, with nonzeros at the
// positions nz.
func (f *factor) update(r int, alpha []float64, nz []int32) {
	f.etaPos = append(f.etaPos, int32(r))
	f.etaPiv = append(f.etaPiv, alpha[r])
	for _, i := range nz {
		if v := alpha[i]; int(i) != r && math.Abs(v) > etaDropTol {
			f.etaIdx = append(f.etaIdx, i)
			f.etaVal = append(f.etaVal, v)
		}
	}
	f.etaPtr = append(f.etaPtr, int32(len(f.etaIdx)))
}
