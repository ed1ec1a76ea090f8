package suppress

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
)

// errGaussOverflow reports an integer coefficient that no longer fits in 62
// bits. Coefficients of hierarchical tables stay tiny (±1, ±2 in practice),
// so this is a safeguard, not an expected outcome.
var errGaussOverflow = errors.New("gauss: elimination coefficient overflows int64; the model matrix is too ill-conditioned for exact integer elimination")

// gvec is a sparse integer column: strictly increasing row indices and their
// non-zero coefficients. Active columns are kept normalized: the gcd of the
// coefficients is 1 and the first one is positive, so two columns are
// proportional exactly when they are equal.
type gvec struct {
	rows []int32
	vals []int64
}

// Column kinds in the engine.
const (
	gkCandidate uint8 = iota // not yet decided
	gkPrimary                // must stay out of the span of the published columns
	gkDone                   // decided (published or secondary), or a primary given up
)

// gaussEngine is the sparse Gaussian elimination of Langsrud (2024) over a
// model matrix whose rows are unknown inner cells and whose columns are
// publishable cells (after merging identical columns).
//
// It eliminates eagerly ("right-looking"): when a candidate is published, it
// pivots on one of its rows and every active column holding that row —
// remaining candidates and primaries alike — is reduced by it, so that every
// active column is always its own representative modulo the span of the
// published columns (zero on all pivot rows). Reduction is unique given the
// pivots, hence
//
//   - a candidate reduced to zero is already determined by what is published;
//   - publishing a candidate discloses primary P exactly when the reduced
//     candidate is proportional to the reduced P (then P would reduce to zero);
//   - with singleton handling, pivots are never taken on bound rows, so the
//     published span holds no combination of bound rows alone (see anySum in
//     process).
//
// Coefficients are int64 with gcd normalization after every update: exact,
// so proportionality is equality of normalized vectors, which a hash map of
// the primaries' reduced columns answers in O(length). Overflow is detected
// and reported (errGaussOverflow) rather than silently rounded.
type gaussEngine struct {
	cols    []gvec
	kind    []uint8
	rowCols [][]int32 // columns that may hold a row (lazy: stale entries are skipped)
	rowCnt  []int32   // exact number of active columns holding a row
	rowCntP []int32   // exact number of primaries holding a row
	bound   []bool    // rows at the attacker's known bound (singletons, zeros)
	anySum  bool      // apply the anySum singleton rule

	pmap    map[uint64][]int32 // hash of reduced primary column -> primary columns
	pkey    []uint64
	pByRow0 [][]int32 // primaries by the first row of their reduced column
	pRow0   []int32

	listLen int64 // total length of the rowCols lists

	rowMark []uint32
	colMark []uint32
	stamp   uint32

	unsafe []int32 // primaries that became determined (only through forced columns)

	maxEntries int64 // limit on activeNNZ + listLen

	accept  func(j int32) bool // the caller's test of a candidate to publish (GaussOptions.Accept)
	refused map[int32]bool     // candidates it refused

	// statistics
	pivots    int
	updates   int64
	fill      int64
	maxCoef   int64
	peakNNZ   int64
	activeNNZ int64

	bufR []int32
	bufV []int64

	// Decisions.
	secondary []bool
	protects  [][]int32
}

// newGaussEngine takes ownership of rows (one sorted row list per column).
func newGaussEngine(nrows int, rows [][]int32, primary []bool, bound []bool, anySum bool) *gaussEngine {
	e := &gaussEngine{
		cols:    make([]gvec, len(rows)),
		kind:    make([]uint8, len(rows)),
		rowCols: make([][]int32, nrows),
		bound:   bound,
		anySum:  anySum,
		pmap:    make(map[uint64][]int32),
		pkey:    make([]uint64, len(rows)),
		pByRow0: make([][]int32, nrows),
		pRow0:   make([]int32, len(rows)),
		rowMark: make([]uint32, nrows),
		colMark: make([]uint32, len(rows)),
		maxCoef: 1,

		secondary: make([]bool, len(rows)),
		protects:  make([][]int32, len(rows)),
	}
	cnt := make([]int32, nrows)
	for _, rs := range rows {
		for _, r := range rs {
			cnt[r]++
		}
	}
	for r := range e.rowCols {
		e.rowCols[r] = make([]int32, 0, cnt[r])
	}
	e.rowCnt = slices.Clone(cnt)
	e.rowCntP = make([]int32, nrows)
	for j, rs := range rows {
		if primary[j] {
			for _, r := range rs {
				e.rowCntP[r]++
			}
		}
	}
	for j, rs := range rows {
		vals := make([]int64, len(rs))
		for i := range vals {
			vals[i] = 1
		}
		e.cols[j] = gvec{rows: rs, vals: vals}
		e.activeNNZ += int64(len(rs))
		e.listLen += int64(len(rs))
		for _, r := range rs {
			e.rowCols[r] = append(e.rowCols[r], int32(j))
		}
		if primary[j] {
			e.kind[j] = gkPrimary
			if len(rs) > 0 {
				e.addPrimary(int32(j))
			}
		}
	}
	e.peakNNZ = e.activeNNZ
	return e
}

func hashVec(v *gvec) uint64 {
	h := uint64(14695981039346656037)
	for i, r := range v.rows {
		h ^= uint64(uint32(r))
		h *= 1099511628211
		h ^= uint64(v.vals[i])
		h *= 1099511628211
	}
	return h ^ uint64(len(v.rows))
}

func (e *gaussEngine) addPrimary(j int32) {
	k := hashVec(&e.cols[j])
	e.pkey[j] = k
	e.pmap[k] = append(e.pmap[k], j)
	r0 := e.cols[j].rows[0]
	e.pRow0[j] = r0
	e.pByRow0[r0] = append(e.pByRow0[r0], j)
}

func (e *gaussEngine) removePrimary(j int32) {
	k := e.pkey[j]
	l := e.pmap[k]
	for i, x := range l {
		if x == j {
			l = append(l[:i], l[i+1:]...)
			break
		}
	}
	if len(l) == 0 {
		delete(e.pmap, k)
	} else {
		e.pmap[k] = l
	}
	r0 := e.pRow0[j]
	l = e.pByRow0[r0]
	for i, x := range l {
		if x == j {
			l[i] = l[len(l)-1]
			l = l[:len(l)-1]
			break
		}
	}
	e.pByRow0[r0] = l
}

func (e *gaussEngine) nextStamp() uint32 {
	e.stamp++
	if e.stamp == 0 { // wrapped: clear the marks
		clear(e.rowMark)
		clear(e.colMark)
		e.stamp = 1
	}
	return e.stamp
}

func vecEqual(a, b *gvec) bool {
	return slices.Equal(a.rows, b.rows) && slices.Equal(a.vals, b.vals)
}

// equalPrimaries returns the primaries whose reduced column equals v.
func (e *gaussEngine) equalPrimaries(v *gvec) []int32 {
	var out []int32
	for _, p := range e.pmap[hashVec(v)] {
		if vecEqual(&e.cols[p], v) {
			out = append(out, p)
		}
	}
	return out
}

// coveredPrimaries returns the primaries whose reduced column lies on rows
// of v. Such a column starts on a row of v, so the index by first row finds
// them all.
func (e *gaussEngine) coveredPrimaries(v *gvec) []int32 {
	s := e.nextStamp()
	for _, r := range v.rows {
		e.rowMark[r] = s
	}
	var out []int32
	for _, r := range v.rows {
		for _, p := range e.pByRow0[r] {
			rows := e.cols[p].rows
			if len(rows) > len(v.rows) || rows[len(rows)-1] > v.rows[len(v.rows)-1] {
				continue
			}
			ok := true
			for _, q := range rows {
				if e.rowMark[q] != s {
					ok = false
					break
				}
			}
			if ok {
				out = append(out, p)
			}
		}
	}
	slices.Sort(out)
	return out
}

// process decides candidate j. forced candidates are published whatever they
// disclose; the primaries they disclose are recorded in unsafe. It returns
// whether j is secondary and the primaries that publishing j would disclose.
func (e *gaussEngine) process(j int32, forced bool) (secondary bool, protects []int32, err error) {
	v := &e.cols[j]
	e.kind[j] = gkDone
	defer e.retire(j)
	if len(v.rows) == 0 {
		// Determined by what is already published (and the known zeros):
		// publishing it tells nothing new, unless the caller's attacker
		// knows less.
		if !forced && e.refuse(j) {
			return true, nil, nil
		}
		return false, nil, nil
	}
	if e.anySum && e.allBound(v) {
		// Publishing v reveals a combination of bound rows only. With counts
		// known to be at least the bound, such a sum pins every term to the
		// bound, so all rows of v become known: a primary lying on them
		// would be disclosed (anySum).
		protects = e.coveredPrimaries(v)
		if len(protects) > 0 && !forced {
			return true, protects, nil
		}
		if !forced && e.refuse(j) {
			return true, nil, nil
		}
		e.knownRows(j, v.rows)
		return false, protects, nil
	}
	protects = e.equalPrimaries(v)
	if len(protects) > 0 && !forced {
		return true, protects, nil
	}
	if !forced && e.refuse(j) {
		return true, nil, nil
	}
	return false, protects, e.pivot(j)
}

// refuse asks the caller's test (GaussOptions.Accept) about candidate j,
// which discloses nothing, and records a refusal.
func (e *gaussEngine) refuse(j int32) bool {
	if e.accept == nil || e.accept(j) {
		return false
	}
	if e.refused == nil {
		e.refused = map[int32]bool{}
	}
	e.refused[j] = true
	return true
}

// retire frees decided column j.
func (e *gaussEngine) retire(j int32) {
	for _, r := range e.cols[j].rows {
		e.rowCnt[r]--
	}
	e.activeNNZ -= int64(len(e.cols[j].rows))
	e.cols[j] = gvec{}
}

func (e *gaussEngine) allBound(v *gvec) bool {
	for _, r := range v.rows {
		if !e.bound[r] {
			return false
		}
	}
	return true
}

// pivot publishes column j: it picks a pivot row and eliminates it from
// every other active column.
func (e *gaussEngine) pivot(j int32) error {
	v := e.cols[j]
	best, bestCnt := -1, math.MaxInt
	for i, r := range v.rows {
		if e.anySum && e.bound[r] {
			continue
		}
		// Markowitz: the fewest columns to update; a primary counts
		// thrice, as it stays active to the end.
		c := int(e.rowCnt[r] + 2*e.rowCntP[r])
		if c < bestCnt {
			best, bestCnt = i, c
		}
	}
	r := v.rows[best]
	a := v.vals[best]
	e.pivots++
	list := e.rowCols[r]
	e.rowCols[r] = nil
	for _, id := range list {
		if id == j || e.kind[id] == gkDone {
			continue
		}
		c := &e.cols[id]
		pos, ok := slices.BinarySearch(c.rows, r)
		if !ok {
			continue
		}
		if err := e.combine(id, &v, r, a, pos); err != nil {
			return err
		}
	}
	return nil
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func gcd64(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// mulChecked returns a·b and whether it fits comfortably (|a·b| < 2^62).
func mulChecked(a, b int64) (int64, bool) {
	hi, lo := bits.Mul64(uint64(abs64(a)), uint64(abs64(b)))
	if hi != 0 || lo >= 1<<62 {
		return 0, false
	}
	if (a < 0) != (b < 0) {
		return -int64(lo), true
	}
	return int64(lo), true
}

// combine replaces column id (c) by (a/g)·c − (b/g)·v, where b is c's
// coefficient on the pivot row r and g = gcd(a, b), then normalizes it.
func (e *gaussEngine) combine(id int32, v *gvec, r int32, a int64, pos int) error {
	c := &e.cols[id]
	b := c.vals[pos]
	g := gcd64(abs64(a), abs64(b))
	ca, cb := a/g, b/g
	if ca < 0 {
		ca, cb = -ca, -cb
	}
	isP := e.kind[id] == gkPrimary
	if isP {
		e.removePrimary(id)
	}
	e.updates++
	nc, nv := len(c.rows), len(v.rows)
	if cap(e.bufR) < nc+nv {
		e.bufR = make([]int32, nc+nv+nc/2)
		e.bufV = make([]int64, nc+nv+nc/2)
	}
	outR := e.bufR[:nc+nv]
	outV := e.bufV[:nc+nv]
	n := 0
	cr, cv, vr, vv := c.rows, c.vals, v.rows, v.vals
	// Products stay below 2^60 while every coefficient and multiplier is
	// below 2^30; beyond that every product is checked.
	if e.maxCoef < 1<<30 && ca < 1<<30 && abs64(cb) < 1<<30 {
		i, k := 0, 0
		for i < nc && k < nv {
			switch x, y := cr[i], vr[k]; {
			case x < y:
				outR[n], outV[n] = x, ca*cv[i]
				n++
				i++
			case y < x:
				outR[n], outV[n] = y, -cb*vv[k]
				n++
				k++
				e.newRow(y, id, isP)
			default:
				i++
				k++
				if z := ca*cv[i-1] - cb*vv[k-1]; z != 0 {
					outR[n], outV[n] = x, z
					n++
				} else {
					e.rowCnt[x]-- // cancelled (always so on the pivot row)
					if isP {
						e.rowCntP[x]--
					}
				}
			}
		}
		for ; i < nc; i++ {
			outR[n], outV[n] = cr[i], ca*cv[i]
			n++
		}
		for ; k < nv; k++ {
			outR[n], outV[n] = vr[k], -cb*vv[k]
			n++
			e.newRow(vr[k], id, isP)
		}
	} else {
		i, k := 0, 0
		for i < nc || k < nv {
			var row int32
			var z int64
			var ok bool
			switch {
			case k == nv || (i < nc && cr[i] < vr[k]):
				row = cr[i]
				z, ok = mulChecked(ca, cv[i])
				i++
			case i == nc || vr[k] < cr[i]:
				row = vr[k]
				z, ok = mulChecked(-cb, vv[k])
				k++
				e.newRow(row, id, isP)
			default:
				row = cr[i]
				x1, ok1 := mulChecked(ca, cv[i])
				x2, ok2 := mulChecked(cb, vv[k])
				z, ok = x1-x2, ok1 && ok2 && abs64(x1-x2) < 1<<62
				i++
				k++
				if ok && z == 0 {
					e.rowCnt[row]--
					if isP {
						e.rowCntP[row]--
					}
					continue
				}
			}
			if !ok {
				return errGaussOverflow
			}
			outR[n], outV[n] = row, z
			n++
		}
	}
	outR, outV = outR[:n], outV[:n]
	if m := normalize(outV); m > e.maxCoef {
		e.maxCoef = m
	}
	e.activeNNZ += int64(n - nc)
	if e.activeNNZ > e.peakNNZ {
		e.peakNNZ = e.activeNNZ
	}
	if cap(c.rows) >= n && cap(c.rows) <= 4*n+8 {
		c.rows = append(c.rows[:0], outR...)
		c.vals = append(c.vals[:0], outV...)
	} else {
		c.rows = slices.Clone(outR)
		c.vals = slices.Clone(outV)
	}
	if isP {
		if n == 0 {
			// Only a forced column can get here: the primary is disclosed.
			e.kind[id] = gkDone
			e.unsafe = append(e.unsafe, id)
		} else {
			e.addPrimary(id)
		}
	}
	return nil
}

// newRow records that column id gained row r.
func (e *gaussEngine) newRow(r, id int32, isP bool) {
	e.rowCnt[r]++
	if isP {
		e.rowCntP[r]++
	}
	e.rowCols[r] = append(e.rowCols[r], id)
	e.listLen++
	e.fill++
}

// normalize divides v by the gcd of its entries and makes the first
// positive. It returns the largest absolute entry.
func normalize(v []int64) int64 {
	if len(v) == 0 {
		return 0
	}
	g := int64(0)
	m := int64(0)
	for _, x := range v {
		ax := abs64(x)
		m = max(m, ax)
		if g != 1 {
			g = gcd64(ax, g)
		}
	}
	if v[0] < 0 {
		g = -g
	}
	if g == 1 {
		return m
	}
	for i := range v {
		v[i] /= g
	}
	return m / abs64(g)
}

// knownRows removes rows that the attacker now knows exactly from every
// active column other than j.
func (e *gaussEngine) knownRows(j int32, rows []int32) {
	s := e.nextStamp()
	for _, r := range rows {
		e.rowMark[r] = s
	}
	var touched []int32
	for _, r := range rows {
		for _, id := range e.rowCols[r] {
			if id == j || e.kind[id] == gkDone || e.colMark[id] == s {
				continue
			}
			e.colMark[id] = s
			touched = append(touched, id)
		}
		e.rowCols[r] = nil
	}
	for _, id := range touched {
		c := &e.cols[id]
		isP := e.kind[id] == gkPrimary
		if isP {
			e.removePrimary(id)
		}
		n := 0
		for i, r := range c.rows {
			if e.rowMark[r] != s {
				c.rows[n], c.vals[n] = r, c.vals[i]
				n++
			} else {
				e.rowCnt[r]--
				if isP {
					e.rowCntP[r]--
				}
			}
		}
		e.activeNNZ -= int64(len(c.rows) - n)
		c.rows, c.vals = c.rows[:n], c.vals[:n]
		normalize(c.vals)
		if isP {
			if n == 0 {
				e.kind[id] = gkDone
				e.unsafe = append(e.unsafe, id)
			} else {
				e.addPrimary(id)
			}
		}
	}
}

// run decides the candidates in order: the first nForced are published
// whatever they disclose (Fixed cells), the others are published unless
// that would disclose a primary.
func (e *gaussEngine) run(ctx context.Context, order []int32, nForced int, progress func(done, total int)) error {
	step := max(len(order)/100, 1)
	for i, j := range order {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if progress != nil && i%step == 0 {
			progress(i, len(order))
		}
		sec, prot, err := e.process(j, i < nForced)
		if err != nil {
			return err
		}
		if sec {
			e.secondary[j] = true
			e.protects[j] = prot
		}
		e.maybeRebuildLists()
		if e.activeNNZ+e.listLen > e.maxEntries {
			return fmt.Errorf("%w: more than %d stored entries after %d of %d candidates", ErrGaussTooLarge, e.maxEntries, i+1, len(order))
		}
	}
	return nil
}

// maybeRebuildLists rebuilds every rowCols list from the active columns when
// stale entries (decided columns, rows lost by cancellation) have come to
// outnumber the live ones.
func (e *gaussEngine) maybeRebuildLists() {
	if e.listLen <= 2*e.activeNNZ+1<<20 {
		return
	}
	for r := range e.rowCols {
		e.rowCols[r] = e.rowCols[r][:0]
	}
	e.listLen = 0
	for id := range e.cols {
		if e.kind[id] == gkDone {
			continue
		}
		for _, r := range e.cols[id].rows {
			e.rowCols[r] = append(e.rowCols[r], int32(id))
		}
		e.listLen += int64(len(e.cols[id].rows))
	}
}
