package noise

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/tabsdc/tabsdc/sdc"
)

// EstimateInfo says how the least-squares estimate converged.
type EstimateInfo struct {
	Iterations int     `json:"iterations"`
	Residual   float64 `json:"relative_residual"`
}

// Estimate combines measurements into the weighted least-squares estimate
// of every inner cell: the x minimising Σ_m Σ_g (A_m x − y_m)_g² / Var_m,
// where A_m sums the inner cells of each of measurement m's groups. It
// solves the normal equations by conjugate gradients, from x = 0, so
// when the measurements do not determine x (no measurement of the inner
// cells) it returns the solution of least norm: within a group measured
// only as a whole, the estimate is spread evenly. n is the number of
// inner cells. The arithmetic is sequential: the result is a
// deterministic function of the measurements.
func Estimate(ctx context.Context, n int, ms []*Measurement) ([]float64, EstimateInfo, error) {
	if len(ms) == 0 {
		return nil, EstimateInfo{}, fmt.Errorf("estimate: no measurements")
	}
	minVar := math.Inf(1)
	for _, m := range ms {
		if len(m.group) != n || len(m.Noisy) != len(m.Cells) {
			return nil, EstimateInfo{}, fmt.Errorf("estimate: measurement %s does not fit %d inner cells", m.Name, n)
		}
		if !(m.Variance > 0) || math.IsInf(m.Variance, 0) {
			return nil, EstimateInfo{}, fmt.Errorf("estimate: measurement %s has variance %v", m.Name, m.Variance)
		}
		minVar = min(minVar, m.Variance)
	}
	w := make([]float64, len(ms))
	for i, m := range ms {
		w[i] = minVar / m.Variance
	}
	sums := make([][]float64, len(ms))
	for i, m := range ms {
		sums[i] = make([]float64, len(m.Cells))
	}
	// apply sets out = N v, N = Σ w_m A_mᵀ A_m.
	apply := func(v, out []float64) {
		clear(out)
		for i, m := range ms {
			s := sums[i]
			clear(s)
			for k, g := range m.group {
				s[g] += v[k]
			}
			for k, g := range m.group {
				out[k] += w[i] * s[g]
			}
		}
	}
	b := make([]float64, n)
	for i, m := range ms {
		for k, g := range m.group {
			b[k] += w[i] * float64(m.Noisy[g])
		}
	}
	x := make([]float64, n)
	r := slices.Clone(b)
	p := slices.Clone(r)
	q := make([]float64, n)
	rr := dot(r, r)
	bnorm := math.Sqrt(rr)
	info := EstimateInfo{}
	if bnorm == 0 {
		return x, info, nil
	}
	const tol = 1e-10
	maxIter := 10000
	for info.Iterations = 0; info.Iterations < maxIter; info.Iterations++ {
		info.Residual = math.Sqrt(rr) / bnorm
		if info.Residual <= tol {
			break
		}
		if info.Iterations%16 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, info, err
			}
		}
		apply(p, q)
		pq := dot(p, q)
		if pq <= 0 {
			break
		}
		a := rr / pq
		for k := range x {
			x[k] += a * p[k]
			r[k] -= a * q[k]
		}
		rr2 := dot(r, r)
		beta := rr2 / rr
		rr = rr2
		for k := range p {
			p[k] = r[k] + beta*p[k]
		}
	}
	info.Residual = math.Sqrt(rr) / bnorm
	if info.Residual > 1e-6 {
		return nil, info, fmt.Errorf("estimate: least squares did not converge (relative residual %.3g after %d iterations)", info.Residual, info.Iterations)
	}
	return x, info, nil
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

// TopDown turns estimates of the inner cells of t into non-negative
// integers along dimension dim: the counts of dim's root (crossed with
// every inner combination of the other dimensions) are the estimates
// rounded, negatives made 0; then each node's integer count is split over
// its children in proportion to nothing but their estimates: the
// children's estimates are projected onto the non-negative vectors that
// sum to the parent's count (Euclidean projection onto the scaled
// simplex), and those are rounded by largest remainder so the integers
// still sum to the parent's count. It returns the integer count of every
// inner cell; every total is then their sum.
func TopDown(t *sdc.Table, est []float64, dim int) ([]int64, error) {
	if len(est) != t.NumInner() {
		return nil, fmt.Errorf("topdown: %d estimates for %d inner cells", len(est), t.NumInner())
	}
	if dim < 0 || dim >= t.NumDims() {
		return nil, fmt.Errorf("topdown: no dimension %d", dim)
	}
	D := t.Dim(dim)
	nl := D.NumLeaves()
	// Inner number k = (hi·nl + leaf)·lo + rest: the other dimensions'
	// combination is κ = hi·lo + rest.
	lo := 1
	for d := dim + 1; d < t.NumDims(); d++ {
		lo *= t.Dim(d).NumLeaves()
	}
	K := len(est) / nl
	inner := func(leaf, kappa int) int {
		hi, rest := kappa/lo, kappa%lo
		return (hi*nl+leaf)*lo + rest
	}
	// Estimates of every node of dim, per κ, children before parents.
	E := make([][]float64, D.Len())
	order := postOrder(D)
	for _, v := range order {
		e := make([]float64, K)
		if D.IsLeaf(v) {
			o := D.LeafOrdinal(v)
			for kappa := range e {
				e[kappa] = est[inner(o, kappa)]
			}
		} else {
			for _, ch := range D.Children(v) {
				for kappa, x := range E[ch] {
					e[kappa] += x
				}
			}
		}
		E[v] = e
	}
	out := make([]int64, len(est))
	P := make([][]int64, D.Len())
	root := order[len(order)-1]
	P[root] = make([]int64, K)
	for kappa, x := range E[root] {
		if x > 0 {
			P[root][kappa] = int64(math.Round(x))
		}
	}
	var (
		ce  []float64
		ci  []int64
		buf []float64
	)
	for i := len(order) - 1; i >= 0; i-- {
		v := order[i]
		if D.IsLeaf(v) {
			o := D.LeafOrdinal(v)
			for kappa, x := range P[v] {
				out[inner(o, kappa)] = x
			}
			P[v] = nil
			continue
		}
		chs := D.Children(v)
		for _, ch := range chs {
			P[ch] = make([]int64, K)
		}
		for kappa := 0; kappa < K; kappa++ {
			ce = ce[:0]
			for _, ch := range chs {
				ce = append(ce, E[ch][kappa])
			}
			ci, buf = splitCount(ce, P[v][kappa], ci, buf)
			for j, ch := range chs {
				P[ch][kappa] = ci[j]
			}
		}
		P[v], E[v] = nil, nil
	}
	return out, nil
}

// postOrder lists the nodes of d, children before their parent, the root
// last.
func postOrder(d *sdc.Dimension) []int {
	var out []int
	var walk func(v int)
	walk = func(v int) {
		for _, ch := range d.Children(v) {
			walk(ch)
		}
		out = append(out, v)
	}
	for v := 0; v < d.Len(); v++ {
		if d.Parent(v) < 0 {
			walk(v)
		}
	}
	return out
}

// splitCount splits the integer total over entries with estimates e:
// the Euclidean projection of e onto {c ≥ 0, Σ c = total}, rounded by
// largest remainder (ties to the earlier entry) so the integers sum to
// total. out and buf are reused.
func splitCount(e []float64, total int64, out []int64, buf []float64) ([]int64, []float64) {
	n := len(e)
	out = slices.Grow(out[:0], n)[:n]
	clear(out)
	if total <= 0 || n == 0 {
		return out, buf
	}
	c := project(e, float64(total), buf)
	buf = c
	var sum int64
	for i, x := range c {
		f := math.Floor(x)
		out[i] = int64(f)
		sum += out[i]
	}
	rem := total - sum
	if rem == 0 {
		return out, buf
	}
	// Hand out the remainder by largest fractional part (ties to the
	// earlier entry); take back an excess, which only floating-point
	// error makes, from the smallest fractional parts of non-zero entries.
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	frac := func(i int) float64 { return c[i] - math.Floor(c[i]) }
	if rem > 0 {
		slices.SortStableFunc(idx, func(a, b int) int { return cmpDesc(frac(a), frac(b)) })
		for i := 0; rem > 0; i = (i + 1) % n {
			out[idx[i]]++
			rem--
		}
		return out, buf
	}
	slices.SortStableFunc(idx, func(a, b int) int { return -cmpDesc(frac(a), frac(b)) })
	for rem < 0 {
		for _, i := range idx {
			if rem < 0 && out[i] > 0 {
				out[i]--
				rem++
			}
		}
	}
	return out, buf
}

// project returns the Euclidean projection of e onto the scaled simplex
// {c ≥ 0, Σ c = s} (s > 0): c_i = max(0, e_i − τ) with τ such that the
// sum is s.
func project(e []float64, s float64, buf []float64) []float64 {
	n := len(e)
	sorted := append(buf[:0], e...)
	slices.SortFunc(sorted, cmpDesc)
	// τ = (Σ_{i≤ρ} u_i − s)/ρ for the largest ρ with u_ρ > τ.
	var cum, tau float64
	for i, u := range sorted {
		cum += u
		t := (cum - s) / float64(i+1)
		if u > t {
			tau = t
		}
	}
	out := sorted[:n]
	for i, x := range e {
		out[i] = max(0, x-tau)
	}
	return out
}

// cmpDesc orders floats from the largest.
func cmpDesc(a, b float64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}
