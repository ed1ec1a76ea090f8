package noise

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// PTableOptions are the parameters of a perturbation table for counts,
// as the R package ptable (create_cnt_ptable) takes them.
type PTableOptions struct {
	// D is the largest deviation: a count i is published as one of
	// max(0, i−D) … i+D.
	D int
	// V is the variance of the deviation; each row's variance is at most V
	// (where the other constraints allow no more, less: the rows of small
	// counts).
	V float64
	// JS blocks small counts: no count is ever published as 1 … JS.
	// Zeros are never perturbed.
	JS int
	// Mono, per row i = 1 … the last (nil: every row), makes the
	// probabilities rise towards a deviation of 0 from below: p(v) ≤
	// p(v+1) for every v < 0.
	Mono []bool
}

// PTable is a perturbation table: for each original count i up to Last, a
// distribution of the deviation v over the published count j = i + v,
// laid out as consecutive intervals of [0, 1) that a cell key falls into.
// Counts above Last use row Last shifted (the row of Last is symmetric).
type PTable struct {
	D    int
	V    float64
	JS   int
	Rows [][]PEntry // Rows[i] for i = 0 … Last
}

// PEntry is one deviation of a row: the cell keys in [Lower, Upper)
// publish i + V.
type PEntry struct {
	J, V         int
	P            float64
	Lower, Upper float64
}

// Last returns the largest count with a row of its own.
func (pt *PTable) Last() int { return len(pt.Rows) - 1 }

// ptableDigits is the precision of a table's interval bounds, as in ptable.
const ptableDigits = 8

// BuildPTable computes a perturbation table by the maximum-entropy method
// (Giessing 2016; Enderle, Giessing & Tent 2018), with the constraints of
// the R package ptable: for each count i = 1 … ncat (ncat = D when JS is
// 0, D + JS + 1 otherwise) the distribution of the deviation over the
// published counts max(0, i−D) … i+D, without 1 … JS, that maximises the
// entropy subject to a mean deviation of 0, a variance of at most V and,
// where asked (Mono), probabilities rising towards a deviation of 0.
// Row 0 publishes 0. The interval bounds are rounded to 8 decimals and the
// probabilities are their differences, as ptable does.
func BuildPTable(opt PTableOptions) (*PTable, error) {
	switch {
	case opt.D < 1 || opt.D > 100:
		return nil, fmt.Errorf("ptable: D %d: want 1 to 100", opt.D)
	case !(opt.V > 0) || math.IsInf(opt.V, 0):
		return nil, fmt.Errorf("ptable: V %v: want a positive variance", opt.V)
	case opt.JS < 0 || opt.JS > 1000:
		return nil, fmt.Errorf("ptable: js %d: want 0 to 1000", opt.JS)
	}
	ncat := opt.D
	if opt.JS > 0 {
		ncat = opt.D + opt.JS + 1
	}
	if opt.Mono != nil && len(opt.Mono) != ncat {
		return nil, fmt.Errorf("ptable: %d mono settings for %d rows (1 … %d)", len(opt.Mono), ncat, ncat)
	}
	pt := &PTable{D: opt.D, V: opt.V, JS: opt.JS, Rows: make([][]PEntry, ncat+1)}
	pt.Rows[0] = []PEntry{{J: 0, V: 0, P: 1, Lower: 0, Upper: 1}}
	for i := 1; i <= ncat; i++ {
		var vs []int
		for j := max(0, i-opt.D); j <= i+opt.D; j++ {
			if j >= 1 && j <= opt.JS {
				continue
			}
			vs = append(vs, j-i)
		}
		mono := opt.Mono == nil || opt.Mono[i-1]
		p, err := maxEntropy(vs, opt.V, mono)
		if err != nil {
			return nil, fmt.Errorf("ptable: row %d: %w", i, err)
		}
		pt.Rows[i] = intervals(i, vs, p)
	}
	return pt, nil
}

// intervals lays the probabilities of row i out as intervals rounded to
// 8 decimals; an entry whose interval rounds to nothing (a deviation the
// constraints give no probability) is left out.
func intervals(i int, vs []int, p []float64) []PEntry {
	row := make([]PEntry, 0, len(vs))
	scale := math.Pow(10, ptableDigits)
	cum, lower := 0.0, 0.0
	for k, v := range vs {
		cum += p[k]
		upper := math.Min(1, math.Round(cum*scale)/scale)
		if k == len(vs)-1 {
			upper = 1
		}
		if upper > lower {
			row = append(row, PEntry{J: i + v, V: v, P: upper - lower, Lower: lower, Upper: upper})
			lower = upper
		}
	}
	return row
}

// maxEntropy returns the distribution over the deviations vs (ascending)
// of greatest entropy with mean 0, variance at most V and, with mono,
// p(v) ≤ p(v') for consecutive v < v' ≤ 0 (when 0 is a deviation).
//
// The optimum has the exponential form p ∝ exp(Σ θ_a c_a) over the
// constraints that bind; it is found by trying each set of binding
// inequality constraints (the variance and the monotony ones), solving
// the equality-constrained problem by Newton's method on its dual, and
// keeping the solution that satisfies the Karush–Kuhn–Tucker conditions:
// the other constraints hold and every binding one has a multiplier of
// the right sign. The problem is strictly concave, so that solution is
// the optimum.
func maxEntropy(vs []int, V float64, mono bool) ([]float64, error) {
	n := len(vs)
	fv := make([]float64, n)
	for k, v := range vs {
		fv[k] = float64(v)
	}
	// Inequality constraints c·p ≤ d.
	type ineq struct {
		c []float64
		d float64
	}
	var ins []ineq
	v2 := make([]float64, n)
	for k, v := range fv {
		v2[k] = v * v
	}
	ins = append(ins, ineq{v2, V})
	if z := slices.Index(vs, 0); mono && z > 0 {
		for k := 0; k < z; k++ {
			c := make([]float64, n)
			c[k], c[k+1] = 1, -1
			ins = append(ins, ineq{c, 0})
		}
	}
	if len(ins) > 16 {
		return nil, fmt.Errorf("%d constraints: D is too large for this solver", len(ins))
	}
	const tol = 1e-9
	var best []float64
	bestH := math.Inf(-1)
	for mask := 0; mask < 1<<len(ins); mask++ {
		C := [][]float64{fv}
		d := []float64{0}
		for a, in := range ins {
			if mask&(1<<a) != 0 {
				C = append(C, in.c)
				d = append(d, in.d)
			}
		}
		p, theta, ok := solveDual(C, d)
		if !ok {
			continue
		}
		kkt := true
		k := 1
		for a, in := range ins {
			if mask&(1<<a) != 0 {
				// p ∝ exp(θ c): a binding c·p ≤ d needs θ ≤ 0.
				if theta[k] > tol {
					kkt = false
				}
				k++
			} else if dot(in.c, p) > in.d+tol {
				kkt = false
			}
		}
		if !kkt {
			continue
		}
		h := 0.0
		for _, x := range p {
			if x > 0 {
				h -= x * math.Log(x)
			}
		}
		if h > bestH {
			best, bestH = p, h
		}
	}
	if best == nil {
		return nil, errors.New("no distribution meets the constraints (try another V or D, or turn mono off)")
	}
	return best, nil
}

// solveDual finds p ∝ exp(θ·C) with C p = d (Σ p = 1 implied) by Newton's
// method on the dual, min_θ log Σ_j exp((θ·C)_j) − θ·d. It reports false
// when the constraints cannot be met with every p > 0.
func solveDual(C [][]float64, d []float64) (p, theta []float64, ok bool) {
	m, n := len(C), len(C[0])
	theta = make([]float64, m)
	p = make([]float64, n)
	dual := func(th []float64) float64 {
		mx := math.Inf(-1)
		e := make([]float64, n)
		for j := 0; j < n; j++ {
			for a := 0; a < m; a++ {
				e[j] += th[a] * C[a][j]
			}
			mx = max(mx, e[j])
		}
		s := 0.0
		for j := range e {
			s += math.Exp(e[j] - mx)
		}
		val := mx + math.Log(s)
		for a := 0; a < m; a++ {
			val -= th[a] * d[a]
		}
		return val
	}
	probs := func(th []float64) {
		mx := math.Inf(-1)
		for j := 0; j < n; j++ {
			e := 0.0
			for a := 0; a < m; a++ {
				e += th[a] * C[a][j]
			}
			p[j] = e
			mx = max(mx, e)
		}
		s := 0.0
		for j := range p {
			p[j] = math.Exp(p[j] - mx)
			s += p[j]
		}
		for j := range p {
			p[j] /= s
		}
	}
	g := make([]float64, m)
	H := mat.NewSymDense(m, nil)
	for it := 0; it < 500; it++ {
		probs(theta)
		gn := 0.0
		mean := make([]float64, m)
		for a := 0; a < m; a++ {
			mean[a] = dot(C[a], p)
			g[a] = mean[a] - d[a]
			gn = max(gn, math.Abs(g[a]))
		}
		if gn < 1e-12 {
			return p, theta, true
		}
		for a := 0; a < m; a++ {
			for b := a; b < m; b++ {
				s := 0.0
				for j := 0; j < n; j++ {
					s += p[j] * (C[a][j] - mean[a]) * (C[b][j] - mean[b])
				}
				if a == b {
					s += 1e-14
				}
				H.SetSym(a, b, s)
			}
		}
		var step mat.VecDense
		if err := step.SolveVec(H, mat.NewVecDense(m, slices.Clone(g))); err != nil {
			return nil, nil, false
		}
		// Backtracking line search on the dual.
		f0 := dual(theta)
		t := 1.0
		next := make([]float64, m)
		for ; t > 1e-12; t /= 2 {
			for a := range next {
				next[a] = theta[a] - t*step.AtVec(a)
			}
			if dual(next) <= f0 {
				break
			}
		}
		if t <= 1e-12 {
			break
		}
		copy(theta, next)
		for _, x := range theta {
			if math.Abs(x) > 1e6 {
				return nil, nil, false // the optimum is at the boundary: infeasible
			}
		}
	}
	probs(theta)
	for a := 0; a < m; a++ {
		if math.Abs(dot(C[a], p)-d[a]) > 1e-9 {
			return nil, nil, false
		}
	}
	return p, theta, true
}

// Perturb returns the count published for a count x with cell key key
// (in [0, 1)): the row of x (of Last, shifted, for a larger count), the
// entry whose interval [Lower, Upper) holds the key.
func (pt *PTable) Perturb(x int64, key float64) int64 {
	if x <= 0 {
		return x
	}
	i := min(x, int64(pt.Last()))
	row := pt.Rows[i]
	for _, e := range row {
		if key < e.Upper {
			return x + int64(e.V)
		}
	}
	return x + int64(row[len(row)-1].V)
}
