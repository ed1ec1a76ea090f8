package audit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/tabsdc/tabsdc/sdc"
)

// Exact returns the withheld cells of a release whose values follow exactly
// from what is published: by linear algebra over the published totals, plus
// the attacker's knowledge that counts are non-negative, so that the inner
// cells of a published total whose unknown part is 0 are 0. It solves no
// linear program, so it is fast, but it finds only exact disclosure; Audit
// also finds cells that can be narrowed too far.
//
// A cell is determined when its vector of unknowns lies in the row space of
// the published equations. The row space is kept in echelon form with exact
// integer arithmetic (fraction-free elimination with gcd reduction); an
// overflow of 64-bit coefficients is reported as an error, never guessed.
func Exact(ctx context.Context, rel *sdc.Release) ([]int, error) {
	m := buildModel(rel, Attacker{ZerosWithheld: true})
	determined := make([]bool, len(m.targets))
	err := residuals(ctx, m, func(i int, r svec) { determined[i] = len(r) == 0 })
	if err != nil {
		return nil, err
	}
	var out []int
	for i, tg := range m.targets {
		if determined[i] {
			out = append(out, int(tg.cell))
		}
	}
	return out, nil
}

// residuals reduces the vector of every target of m by the published
// equations, on every core, and calls fn (from several goroutines, each
// target once) with each target's residual: fully reduced (no pivot
// column left) and normalized, so it is empty exactly when the target is
// determined, and two targets' residuals are equal exactly when their
// vectors differ by a multiple of one another plus published equations.
func residuals(ctx context.Context, m *model, fn func(target int, r svec)) error {
	ech := newEchelon(len(m.varCell))
	// Columns in the most equations first: the basis pivots on each
	// row's first column, and this order fills in far less than the
	// unknowns' own or fewest equations first (docs/benchmarks.md,
	// "Figures behind design choices").
	col := fillOrder(m)
	vec := func(vars []int32) svec {
		v := make(svec, len(vars))
		for k, j := range vars {
			v[k] = entry{col[j], 1}
		}
		slices.SortFunc(v, func(a, b entry) int { return cmp.Compare(a.col, b.col) })
		return v
	}
	for i, row := range m.rows {
		if i&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if err := ech.insert(vec(row)); err != nil {
			return fmt.Errorf("audit: equation of %s: %w", m.t.Label(int(m.rowCell[i])), err)
		}
	}
	// The basis is read-only now: the cores share the targets.
	// A worker's error cancels its siblings.
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, len(m.targets))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(m.targets) || ctx.Err() != nil {
					return
				}
				tg := m.targets[i]
				r, err := ech.reduce(vec(tg.vars))
				if err != nil {
					errs[i] = fmt.Errorf("audit: cell %s: %w", m.t.Label(int(tg.cell)), err)
					cancel()
					return
				}
				fn(i, r)
			}
		}()
	}
	wg.Wait()
	return workerErr(parent, errs)
}

// fillOrder numbers the unknowns of m by the number of equations that
// hold them, most first (ties by unknown).
func fillOrder(m *model) []int32 {
	n := len(m.varCell)
	count := make([]int, n)
	for _, row := range m.rows {
		for _, v := range row {
			count[v]++
		}
	}
	order := make([]int32, n)
	for v := range order {
		order[v] = int32(v)
	}
	slices.SortStableFunc(order, func(a, b int32) int { return cmp.Compare(count[b], count[a]) })
	col := make([]int32, n)
	for pos, v := range order {
		col[v] = int32(pos)
	}
	return col
}

// entry is one coefficient of a sparse integer vector.
type entry struct {
	col int32
	val int64
}

// svec is a sparse integer vector sorted by column.
type svec []entry

// echelon is a row-echelon basis: pivot[c] is the row whose leading column
// is c, or -1.
type echelon struct {
	pivot []int32
	rows  []svec
}

func newEchelon(ncols int) *echelon {
	e := &echelon{pivot: make([]int32, ncols)}
	for i := range e.pivot {
		e.pivot[i] = -1
	}
	return e
}

// reduce eliminates every column of v that leads a basis row, in order of
// columns, and returns what is left (empty when v is in the row space).
func (e *echelon) reduce(v svec) (svec, error) {
	var scratch svec
	start := 0
	for start < len(v) {
		// Find the first column at or after start that leads a basis row.
		k := start
		for k < len(v) && e.pivot[v[k].col] < 0 {
			k++
		}
		if k == len(v) {
			break
		}
		p := e.rows[e.pivot[v[k].col]]
		var err error
		// v ← p0·v − vk·p, which zeroes column v[k].col.
		scratch, err = combine(scratch[:0], v, p[0].val, p, v[k].val)
		if err != nil {
			return nil, err
		}
		v, scratch = normalize(scratch), v
		start = k // entries before k are unchanged and have no pivot
		for start < len(v) && v[start].col < p[0].col {
			start++
		}
	}
	return normalize(v), nil
}

// insert adds v to the basis if it is independent of it.
func (e *echelon) insert(v svec) error {
	r, err := e.reduce(v)
	if err != nil || len(r) == 0 {
		return err
	}
	// The new row's leading column must not lead another row: reduce has
	// removed every pivot column from r, so its first column is free.
	e.pivot[r[0].col] = int32(len(e.rows))
	e.rows = append(e.rows, append(svec(nil), r...))
	return nil
}

// combine returns a·x − b·y into dst, dropping zeros.
func combine(dst, x svec, a int64, y svec, b int64) (svec, error) {
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		var col int32
		var v int64
		var err error
		switch {
		case j == len(y) || (i < len(x) && x[i].col < y[j].col):
			col = x[i].col
			v, err = mul(a, x[i].val)
			i++
		case i == len(x) || y[j].col < x[i].col:
			col = y[j].col
			v, err = mul(-b, y[j].val)
			j++
		default:
			col = x[i].col
			var p, q int64
			if p, err = mul(a, x[i].val); err == nil {
				if q, err = mul(b, y[j].val); err == nil {
					v, err = sub(p, q)
				}
			}
			i++
			j++
		}
		if err != nil {
			return nil, err
		}
		if v != 0 {
			dst = append(dst, entry{col, v})
		}
	}
	return dst, nil
}

var errOverflow = fmt.Errorf("coefficient overflow in exact elimination")

func mul(a, b int64) (int64, error) {
	neg := (a < 0) != (b < 0)
	hi, lo := bits.Mul64(abs(a), abs(b))
	if hi != 0 || lo > 1<<62 {
		return 0, errOverflow
	}
	if neg {
		return -int64(lo), nil
	}
	return int64(lo), nil
}

func sub(a, b int64) (int64, error) {
	d := a - b
	if (a >= 0) != (b >= 0) && (d >= 0) != (a >= 0) {
		return 0, errOverflow
	}
	return d, nil
}

func abs(a int64) uint64 {
	if a < 0 {
		return uint64(-a)
	}
	return uint64(a)
}

// normalize divides v by the gcd of its entries and makes its leading entry
// positive, keeping coefficients small.
func normalize(v svec) svec {
	if len(v) == 0 {
		return v
	}
	g := uint64(0)
	for _, x := range v {
		g = gcd(g, abs(x.val))
		if g == 1 {
			break
		}
	}
	s := int64(g)
	if v[0].val < 0 {
		s = -s
	}
	if s != 1 {
		for i := range v {
			v[i].val /= s
		}
	}
	return v
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// workerErr is the error of a pool of workers that cancel each other on
// an error: the parent's when it was cancelled, else the workers' own
// errors without the cancellations they caused in their siblings.
func workerErr(parent context.Context, errs []error) error {
	if err := parent.Err(); err != nil {
		return err
	}
	var own []error
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			own = append(own, err)
		}
	}
	if len(own) == 0 {
		return errors.Join(errs...)
	}
	return errors.Join(own...)
}
