package rounding

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/tabsdc/tabsdc/sdc"
)

// SmallCountOptions are the parameters of SmallCount.
type SmallCountOptions struct {
	// Base is the rounding base; 0 means 3.
	Base int64
	// MaxRound is the largest count that is rounded; 0 means Base−1. It may
	// not be less than Base−1. Inner cells with counts 1..MaxRound that are
	// not multiples of Base are rounded to a multiple of Base: a count y
	// becomes y − y mod Base or y − y mod Base + Base.
	MaxRound int64
	// UpFromZero lets inner cells whose counts are multiples of Base not
	// above MaxRound (zeros among them) be rounded up by Base when they lie
	// under a publishable cell with a count in 1..MaxRound. By default zeros
	// stay zero.
	UpFromZero bool
	// Seed breaks ties between equally good choices. Runs with the same seed
	// on the same table give the same result; the default (0) is as
	// deterministic as any other seed. The protection does not rest on the
	// seed being secret.
	Seed uint64
	// ChunkSize is the number of inner cells rounded together in one step of
	// the algorithm (the paper's maxIterRows); 0 means DefaultChunkSize.
	ChunkSize int
	// Sweeps is the number of extra passes over the chunks, each revising
	// every chunk's choice given the errors all other chunks leave; 0 means
	// DefaultSweeps, a negative value none.
	Sweeps int
}

// DefaultChunkSize is the number of inner cells SmallCount rounds together
// in one step unless told otherwise.
const DefaultChunkSize = 1000

// DefaultSweeps is the number of extra passes over the chunks SmallCount
// makes unless told otherwise.
const DefaultSweeps = 1

// params validates the options and fills in defaults.
func (o SmallCountOptions) params() (base, maxRound int64, chunk, sweeps int, err error) {
	base = o.Base
	if base == 0 {
		base = 3
	}
	if err := checkBase(base); err != nil {
		return 0, 0, 0, 0, err
	}
	maxRound = o.MaxRound
	if maxRound == 0 {
		maxRound = base - 1
	}
	if maxRound < base-1 {
		return 0, 0, 0, 0, fmt.Errorf("rounding: MaxRound %d is less than Base−1 = %d: counts below the base would survive", maxRound, base-1)
	}
	chunk = o.ChunkSize
	if chunk == 0 {
		chunk = DefaultChunkSize
	}
	if chunk < 1 {
		return 0, 0, 0, 0, fmt.Errorf("rounding: ChunkSize %d: want 1 or more", chunk)
	}
	sweeps = o.Sweeps
	switch {
	case sweeps == 0:
		sweeps = DefaultSweeps
	case sweeps < 0:
		sweeps = 0
	}
	return base, maxRound, chunk, sweeps, nil
}

// SmallCount applies small-count rounding to t (Langsrud & Heldal 2018).
//
// Inner cells with counts in 1..MaxRound that are not multiples of Base (the
// candidates; with UpFromZero also multiples of Base up to MaxRound, zeros
// among them, that lie under a publishable cell with a count in 1..MaxRound)
// are rounded to a multiple of Base: a count y becomes y − y mod Base or
// y − y mod Base + Base. Every other inner cell keeps its count, and every
// publishable cell is published as the sum of its rounded inner cells, so
// the published table is exactly additive and no cell becomes negative.
// Afterwards no publishable cell, inner or total, has a published count in
// 1..MaxRound that is not a multiple of Base; with the default MaxRound
// (Base−1): every published count is 0 or at least Base.
//
// Which candidates go up is chosen as in the paper, to keep the errors of
// the publishable cells small. Candidates are taken in chunks of ChunkSize,
// in the order of their inner numbers (so a chunk holds neighbours in the
// first dimension's hierarchy). A publishable cell's target is what the
// chunk's candidates in it add up to beyond their multiples of Base, less
// the error that other chunks left in it. The number of candidates that go
// up is the grand total's target over Base, rounded. They are chosen one at
// a time, each time the one whose rounding up most reduces the sum of
// squared remaining targets over the publishable cells it lies in (the
// paper's cross-product criterion, X·(X'·target), corrected for candidates
// that lie in fewer cells); then the chosen candidate whose removal costs
// least is swapped for the best unchosen one while that lowers the sum of
// squares. Sweeps further passes revise every chunk with the errors of all
// other chunks known. Finally every publishable cell is checked, and should
// one still hold a small count that is not a multiple of Base, the small
// inner cells under it are rounded in a further pass, as in the paper (with
// every inner cell publishable, as in sdc.Table, this does not happen).
//
// The run is deterministic: ties are broken by a hash of the inner cell and
// opt.Seed. ctx is checked between chunks.
func SmallCount(ctx context.Context, t *sdc.Table, opt SmallCountOptions) (*Result, error) {
	if t == nil {
		return nil, errors.New("rounding: nil table")
	}
	base, maxRound, chunk, sweeps, err := opt.params()
	if err != nil {
		return nil, err
	}
	s := newSCR(t, base, maxRound, chunk, opt.Seed)
	s.sweeps = sweeps
	cands := s.initialCandidates(opt.UpFromZero)
	for pass := 1; len(cands) > 0; pass++ {
		if err := s.round(ctx, cands); err != nil {
			return nil, err
		}
		cands, err = s.repairCandidates()
		if err != nil {
			return nil, err
		}
		if pass > 1000 {
			return nil, errors.New("rounding: small-count rounding did not converge")
		}
	}
	// Additive by construction; checked all the same (it is cheap).
	if err := CheckAdditive(t, s.values); err != nil {
		return nil, fmt.Errorf("rounding: internal error in small-count rounding: %w", err)
	}
	rule := Rule{Method: MethodSmallCount, Base: base, MaxRound: maxRound, UpFromZero: opt.UpFromZero}
	return newResult(t, s.values, rule)
}

// cand is a candidate inner cell: its cell index, inner number, and residue
// (count mod base; 0 for a multiple of the base that may go up).
type cand struct {
	cell, inner int32
	r           int64
}

// scr holds the state of small-count rounding.
type scr struct {
	t       *sdc.Table
	g       *geom
	b       int64
	maxBase int64 // MaxRound+1
	chunk   int
	seed    uint64
	freq    []int64
	values  []int64 // current published values
	colID   []int32 // local column of a cell in the current chunk, or −1

	ords, idx []int

	// Per chunk. Candidate i's publishable cells are the local columns
	// colOf[off[i]:off[i+1]]; its active ones (those that do not hold every
	// candidate of the chunk) are act[aoff[i]:aoff[i+1]].
	colOf, off  []int32
	act, aoff   []int32
	colCell     []int32
	colCnt      []int32
	colSum      []int64 // residues of the chunk's candidates in the column
	tgt         []int64 // the column's remaining target
	memOff, mem []int32 // candidates of each active column
	gain        []int64 // 2·Σ tgt − b·(active columns), per candidate
	nact        []int64
	prio        []uint64
	sweeps      int // extra passes over the chunks
}

func newSCR(t *sdc.Table, base, maxRound int64, chunk int, seed uint64) *scr {
	s := &scr{
		t:       t,
		g:       newGeom(t),
		b:       base,
		maxBase: maxRound + 1,
		chunk:   chunk,
		seed:    seed,
		freq:    t.Freqs(),
		values:  slices.Clone(t.Freqs()),
		ords:    make([]int, t.NumDims()),
		idx:     make([]int, t.NumDims()),
	}
	s.colID = make([]int32, t.NumCells())
	for i := range s.colID {
		s.colID[i] = -1
	}
	return s
}

// isCandidate reports whether a current inner count must be rounded.
func (s *scr) isCandidate(y int64) bool {
	return y > 0 && y < s.maxBase && y%s.b != 0
}

// initialCandidates returns the inner cells with counts in 1..MaxRound that
// are not multiples of the base, and with upFromZero also the multiples of
// the base below MaxRound+1 under a publishable cell with a count in
// 1..MaxRound, in increasing inner number.
func (s *scr) initialCandidates(upFromZero bool) []cand {
	var under []bool
	if upFromZero {
		under = s.underSmall()
	}
	var out []cand
	s.g.forEachInner(func(k, c int) {
		y := s.freq[c]
		switch {
		case s.isCandidate(y):
			out = append(out, cand{cell: int32(c), inner: int32(k), r: y % s.b})
		case upFromZero && y < s.maxBase && under[c]:
			out = append(out, cand{cell: int32(c), inner: int32(k), r: 0})
		}
	})
	return out
}

// underSmall marks every cell that is, or lies under, a publishable cell
// with a count in 1..MaxRound.
func (s *scr) underSmall() []bool {
	t := s.t
	n := t.NumCells()
	f := make([]bool, n)
	for c, y := range s.freq {
		f[c] = y > 0 && y < s.maxBase
	}
	// Push the marks down one dimension at a time; after all dimensions a
	// cell is marked when any of its ancestors (one ancestor per dimension)
	// is.
	for d := 0; d < t.NumDims(); d++ {
		dim := t.Dim(d)
		stride := t.Stride(d)
		block := stride * dim.Len()
		for i := 1; i < dim.Len(); i++ { // pre-order: parents first
			p := dim.Parent(i)
			for base := 0; base < n; base += block {
				src := f[base+p*stride : base+p*stride+stride]
				dst := f[base+i*stride : base+i*stride+stride]
				for k, x := range src {
					dst[k] = dst[k] || x
				}
			}
		}
	}
	return f
}

// repairCandidates finds publishable cells whose current value is small and
// not a multiple of the base, and returns the inner cells under them that
// still have to be rounded. It is an error if such a cell has none.
func (s *scr) repairCandidates() ([]cand, error) {
	var out []cand
	seen := map[int]bool{}
	for c, v := range s.values {
		if !s.isCandidate(v) {
			continue
		}
		found := false
		s.t.ForEachInner(c, func(k int) {
			ic := s.t.InnerCell(k)
			if s.isCandidate(s.values[ic]) {
				found = true
				if !seen[k] {
					seen[k] = true
					out = append(out, cand{cell: int32(ic), inner: int32(k), r: s.values[ic] % s.b})
				}
			}
		})
		if !found {
			return nil, fmt.Errorf("rounding: internal error: %s is %d after rounding and has no small inner cell left", s.t.Label(c), v)
		}
	}
	slices.SortFunc(out, func(a, b cand) int { return int(a.inner) - int(b.inner) })
	return out, nil
}

// round rounds the candidates, chunk by chunk, then sweeps over the chunks
// again: each chunk's choice is revised given the errors that all other
// chunks leave.
func (s *scr) round(ctx context.Context, cands []cand) error {
	n := len(cands)
	nchunks := (n + s.chunk - 1) / s.chunk
	up := make([]bool, n)
	for sweep := 0; sweep <= s.sweeps; sweep++ {
		if sweep > 0 && nchunks == 1 {
			break
		}
		for c := 0; c < nchunks; c++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			lo, hi := c*n/nchunks, (c+1)*n/nchunks
			s.roundChunk(cands[lo:hi], up[lo:hi], sweep > 0)
		}
	}
	return nil
}

// splitmix64 is a fast hash for tie-breaking.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// roundDiv returns x/b rounded to the nearest integer, halves up.
func roundDiv(x, b int64) int64 {
	q := (2*x + b) / (2 * b)
	if (2*x+b)%(2*b) < 0 {
		q--
	}
	return q
}

// roundChunk decides which candidates of a chunk go up (up) and updates the
// published values of every cell above them. With revise, the chunk was
// rounded before (as up says): its rounding is taken back and revised.
func (s *scr) roundChunk(cs []cand, up []bool, revise bool) {
	n := len(cs)
	b := s.b
	// Columns: every publishable cell above a candidate.
	s.colOf = s.colOf[:0]
	s.off = append(s.off[:0], 0)
	s.colCell = s.colCell[:0]
	s.colCnt = s.colCnt[:0]
	s.colSum = s.colSum[:0]
	var anc []int32
	for i := range cs {
		c := int(cs[i].cell)
		s.g.innerCell(int(cs[i].inner), s.ords)
		anc = s.g.ancestors(c, s.ords, s.idx, anc[:0])
		for _, a := range anc {
			id := s.colID[a]
			if id < 0 {
				id = int32(len(s.colCell))
				s.colID[a] = id
				s.colCell = append(s.colCell, a)
				s.colCnt = append(s.colCnt, 0)
				s.colSum = append(s.colSum, 0)
			}
			s.colCnt[id]++
			s.colSum[id] += cs[i].r
			s.colOf = append(s.colOf, id)
		}
		s.off = append(s.off, int32(len(s.colOf)))
	}
	ncol := len(s.colCell)
	if revise {
		s.apply(cs, up, -1)
	}
	// Targets: the residues in the column less the error already there.
	s.tgt = resize(s.tgt, ncol)
	for j := 0; j < ncol; j++ {
		a := s.colCell[j]
		s.tgt[j] = s.colSum[j] - (s.values[a] - s.freq[a])
	}
	// How many go up: keep the grand total (cell 0, above every candidate)
	// as close as possible.
	nR := roundDiv(s.tgt[s.colID[0]], b)
	nR = min(max(nR, 0), int64(n))

	if nR > 0 && nR < int64(n) {
		s.choose(cs, up, int(nR), revise)
	} else {
		for i := range up {
			up[i] = nR > 0
		}
	}
	s.apply(cs, up, 1)
	for _, a := range s.colCell {
		s.colID[a] = -1
	}
}

// apply adds (sign 1) or takes back (sign −1) the rounding of a chunk's
// candidates in every cell above them.
func (s *scr) apply(cs []cand, up []bool, sign int64) {
	for i := range cs {
		delta := -cs[i].r
		if up[i] {
			delta += s.b
		}
		if delta == 0 {
			continue
		}
		delta *= sign
		for _, id := range s.colOf[s.off[i]:s.off[i+1]] {
			s.values[s.colCell[id]] += delta
		}
	}
}

// choose sets up for exactly nR of the chunk's candidates. With warm, the
// search starts from the candidates up already says.
func (s *scr) choose(cs []cand, up []bool, nR int, warm bool) {
	n := len(cs)
	b := s.b
	ncol := len(s.colCell)
	// Active columns and their members.
	s.act = s.act[:0]
	s.aoff = append(s.aoff[:0], 0)
	s.memOff = resize32(s.memOff, ncol+1)
	clear(s.memOff)
	for i := 0; i < n; i++ {
		for _, id := range s.colOf[s.off[i]:s.off[i+1]] {
			if int(s.colCnt[id]) < n {
				s.act = append(s.act, id)
				s.memOff[id+1]++
			}
		}
		s.aoff = append(s.aoff, int32(len(s.act)))
	}
	for j := 0; j < ncol; j++ {
		s.memOff[j+1] += s.memOff[j]
	}
	s.mem = resize32(s.mem, int(s.memOff[ncol]))
	fill := append([]int32(nil), s.memOff[:ncol]...)
	for i := 0; i < n; i++ {
		for _, id := range s.act[s.aoff[i]:s.aoff[i+1]] {
			s.mem[fill[id]] = int32(i)
			fill[id]++
		}
	}
	s.gain = resize(s.gain, n)
	s.nact = resize(s.nact, n)
	s.prio = resizeU64(s.prio, n)
	for i := 0; i < n; i++ {
		var sum int64
		for _, id := range s.act[s.aoff[i]:s.aoff[i+1]] {
			sum += s.tgt[id]
		}
		na := int64(s.aoff[i+1] - s.aoff[i])
		s.nact[i] = na
		s.gain[i] = 2*sum - b*na
		s.prio[i] = splitmix64(s.seed ^ splitmix64(uint64(cs[i].inner)))
	}
	add := func(i int, sign int64) {
		up[i] = sign > 0
		for _, id := range s.act[s.aoff[i]:s.aoff[i+1]] {
			s.tgt[id] -= sign * b
			for _, m := range s.mem[s.memOff[id]:s.memOff[id+1]] {
				s.gain[m] -= sign * 2 * b
			}
		}
	}
	best := func() int {
		k := -1
		for i := 0; i < n; i++ {
			if up[i] {
				continue
			}
			if k < 0 || s.gain[i] > s.gain[k] || (s.gain[i] == s.gain[k] && s.prio[i] > s.prio[k]) {
				k = i
			}
		}
		return k
	}
	worst := func() (int, int64) {
		k := -1
		var kl int64
		for i := 0; i < n; i++ {
			if !up[i] {
				continue
			}
			l := s.gain[i] + 2*b*s.nact[i]
			if k < 0 || l < kl || (l == kl && s.prio[i] < s.prio[k]) {
				k, kl = i, l
			}
		}
		return k, kl
	}
	count := 0
	if warm {
		for i := 0; i < n; i++ {
			if up[i] {
				add(i, 1)
				count++
			}
		}
	} else {
		clear(up[:n])
	}
	for ; count < nR; count++ {
		add(best(), 1)
	}
	for ; count > nR; count-- {
		k, _ := worst()
		add(k, -1)
	}
	// Swaps: take out the chosen candidate whose removal costs least, put
	// in the best unchosen one, while that lowers the sum of squares.
	for iter := 0; iter < nR+100; iter++ {
		k, kl := worst()
		add(k, -1)
		j := best()
		if j == k || s.gain[j] <= kl {
			add(k, 1)
			break
		}
		add(j, 1)
	}
}

func resize(s []int64, n int) []int64 {
	if cap(s) < n {
		return make([]int64, n)
	}
	return s[:n]
}

func resize32(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}

func resizeU64(s []uint64, n int) []uint64 {
	if cap(s) < n {
		return make([]uint64, n)
	}
	return s[:n]
}

func resizeBool(s []bool, n int) []bool {
	if cap(s) < n {
		return make([]bool, n)
	}
	return s[:n]
}
