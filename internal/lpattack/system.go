package lpattack

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tabsdc/tabsdc/sdc"
)

// Knowledge is what the attacker knows besides the published file.
type Knowledge struct {
	// WithheldAtLeastOne: every withheld cell is at least 1 (the method
	// never withholds a zero, and says so in its documentation).
	WithheldAtLeastOne bool
	// Labels: the file tells primary from secondary cells. A primary cell
	// then lies in 1..MaxN; a secondary cell is 0 or at least MaxN+1,
	// which is not convex: with WithheldAtLeastOne it is at least MaxN+1,
	// without it the attacker here uses only non-negativity (weaker than
	// the truth, never stronger).
	Labels bool
	// MaxN is the frequency rule's threshold (used with Labels).
	MaxN int
}

// Engine selects the LP engine.
type Engine int

const (
	// Dense is gonum's dense simplex (optimize/convex/lp): independent of
	// the project's code, O(m³) per iteration, for small components.
	Dense Engine = iota
	// Sparse is the project's internal/lp, used only as an LP engine on
	// the system built here, for large components (T2).
	Sparse
)

// Options of an attack.
type Options struct {
	Knowledge Knowledge
	Engine    Engine
	// Count is the name of the count column; "" means "freq".
	Count string
}

// Cell is a withheld cell of the published file and the attacker's
// interval for it, rounded inward to whole numbers (Upper may be +Inf).
type Cell struct {
	Row          int      // the data row of the file, 1 for the first after the header
	Codes        []string // one code per dimension, in the dimensions' order
	Label        string   // the status the file gives the cell
	Lower, Upper float64
}

// Width returns Upper − Lower.
func (c Cell) Width() float64 { return c.Upper - c.Lower }

// Key returns the codes joined by "×".
func (c Cell) Key() string { return strings.Join(c.Codes, "×") }

// Result is the outcome of an attack.
type Result struct {
	Cells      []Cell // every withheld cell, in file order
	Unknowns   int    // inner cells left unknown after the presolve
	Components int    // independent components with at least one constraint
	Largest    int    // unknowns in the largest component
	LPs        int    // linear programs solved
}

// Disclosed returns the cells whose interval is a single value.
func (r *Result) Disclosed() []Cell {
	var out []Cell
	for _, c := range r.Cells {
		if c.Width() < 0.5 {
			out = append(out, c)
		}
	}
	return out
}

// Narrower returns the cells whose interval is narrower than w.
func (r *Result) Narrower(w float64) []Cell {
	var out []Cell
	for _, c := range r.Cells {
		if c.Width() < w-1e-9 {
			out = append(out, c)
		}
	}
	return out
}

// tree is the attacker's own copy of a hierarchy: codes, parents, and
// the leaves under every node, found by walking up from each leaf.
type tree struct {
	name   string
	index  map[string]int
	leaves []string // code of each leaf ordinal
	under  [][]int  // leaf ordinals under each node
}

func newTree(d *sdc.Dimension) tree {
	n := d.Len()
	t := tree{name: d.Name(), index: make(map[string]int, n), under: make([][]int, n)}
	hasChild := make([]bool, n)
	for i := 0; i < n; i++ {
		t.index[d.Code(i)] = i
		if p := d.Parent(i); p >= 0 {
			hasChild[p] = true
		}
	}
	for i := 0; i < n; i++ {
		if hasChild[i] {
			continue
		}
		ord := len(t.leaves)
		t.leaves = append(t.leaves, d.Code(i))
		for j := i; j >= 0; j = d.Parent(j) {
			t.under[j] = append(t.under[j], ord)
		}
	}
	return t
}

type fileCell struct {
	row       int
	codes     []string
	value     int64
	published bool
	label     string
	inner     []int32 // inner numbers under the cell
}

// System is the attacker's view of a published file: the cells, their
// published values and the inner cells under each.
type System struct {
	trees  []tree
	stride []int
	nInner int
	cells  []fileCell
	k      Knowledge
}

// Build reads a published file (sdc.WritePublished's layout: a column per
// dimension, the count column, an optional "value" column, "status") and
// builds the attacker's system. The dimensions give the hierarchies; their
// names are the columns.
func Build(r io.Reader, dims []*sdc.Dimension, k Knowledge, count string) (*System, error) {
	if count == "" {
		count = "freq"
	}
	s := &System{k: k, nInner: 1}
	for _, d := range dims {
		s.trees = append(s.trees, newTree(d))
	}
	s.stride = make([]int, len(dims))
	for d := len(dims) - 1; d >= 0; d-- {
		s.stride[d] = s.nInner
		s.nInner *= len(s.trees[d].leaves)
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("lpattack: header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	need := func(name string) (int, error) {
		i, ok := col[name]
		if !ok {
			return 0, fmt.Errorf("lpattack: no column %q in %q", name, header)
		}
		return i, nil
	}
	dimCol := make([]int, len(dims))
	for d, t := range s.trees {
		if dimCol[d], err = need(t.name); err != nil {
			return nil, err
		}
	}
	countCol, err := need(count)
	if err != nil {
		return nil, err
	}
	statusCol, err := need("status")
	if err != nil {
		return nil, err
	}
	seen := map[string]int{}
	for row := 1; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("lpattack: row %d: %w", row, err)
		}
		fc := fileCell{row: row, label: rec[statusCol]}
		nodes := make([]int, len(dims))
		for d, t := range s.trees {
			code := rec[dimCol[d]]
			n, ok := t.index[code]
			if !ok {
				return nil, fmt.Errorf("lpattack: row %d: unknown %s code %q", row, t.name, code)
			}
			nodes[d] = n
			fc.codes = append(fc.codes, code)
		}
		key := strings.Join(fc.codes, "\x00")
		if r0, dup := seen[key]; dup {
			return nil, fmt.Errorf("lpattack: row %d repeats row %d", row, r0)
		}
		seen[key] = row
		switch fc.label {
		case "published":
			v, err := strconv.ParseInt(rec[countCol], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("lpattack: row %d: count %q: %w", row, rec[countCol], err)
			}
			fc.value, fc.published = v, true
		case "suppressed", "primary", "secondary":
			if rec[countCol] != "" {
				return nil, fmt.Errorf("lpattack: row %d: a %s cell with value %q", row, fc.label, rec[countCol])
			}
		case "hidden":
			continue
		default:
			return nil, fmt.Errorf("lpattack: row %d: status %q is not one of a suppression", row, fc.label)
		}
		// The inner cells under the cell: the product of the leaves under
		// its node in every dimension.
		fc.inner = []int32{0}
		for d, t := range s.trees {
			var next []int32
			for _, base := range fc.inner {
				for _, l := range t.under[nodes[d]] {
					next = append(next, base+int32(l*s.stride[d]))
				}
			}
			fc.inner = next
		}
		s.cells = append(s.cells, fc)
	}
	return s, nil
}

// innerCodes returns the leaf codes of inner number k.
func (s *System) innerCodes(k int) []string {
	out := make([]string, len(s.trees))
	for d, t := range s.trees {
		out[d] = t.leaves[k/s.stride[d]%len(t.leaves)]
	}
	return out
}

// bounds returns the knowledge's interval of a withheld cell.
func (s *System) bounds(c *fileCell) (lo, hi float64) {
	lo, hi = 0, math.Inf(1)
	if s.k.WithheldAtLeastOne {
		lo = 1
	}
	if s.k.Labels {
		switch c.label {
		case "primary":
			lo, hi = math.Max(lo, 1), float64(s.k.MaxN)
		case "secondary":
			if s.k.WithheldAtLeastOne {
				lo = float64(s.k.MaxN + 1)
			}
		}
	}
	return lo, hi
}

// Check evaluates every constraint of the system at a table given by its
// inner cells' values (the truth, in tests): each published cell must
// equal the sum of the inner cells under it, and each withheld cell must
// meet the knowledge. It returns the first violation.
func (s *System) Check(truth func(codes []string) int64) error {
	val := make([]int64, s.nInner)
	for k := range val {
		val[k] = truth(s.innerCodes(k))
		if val[k] < 0 {
			return fmt.Errorf("inner cell %s is negative: %d", strings.Join(s.innerCodes(k), "×"), val[k])
		}
	}
	for i := range s.cells {
		c := &s.cells[i]
		var sum int64
		for _, k := range c.inner {
			sum += val[k]
		}
		if c.published {
			if sum != c.value {
				return fmt.Errorf("row %d (%s): published %d, the table has %d", c.row, strings.Join(c.codes, "×"), c.value, sum)
			}
			continue
		}
		lo, hi := s.bounds(c)
		if float64(sum) < lo || float64(sum) > hi {
			return fmt.Errorf("row %d (%s, %s): the table has %d, the knowledge says [%v, %v]", c.row, strings.Join(c.codes, "×"), c.label, sum, lo, hi)
		}
	}
	return nil
}

// constraint is Σ x[vars] (sense) rhs over unknown inner cells.
type constraint struct {
	vars  []int32
	rhs   float64
	sense int8 // 0 =, +1 ≥, -1 ≤
}

// Attack computes every withheld cell's interval.
func Attack(ctx context.Context, r io.Reader, dims []*sdc.Dimension, opt Options) (*Result, error) {
	s, err := Build(r, dims, opt.Knowledge, opt.Count)
	if err != nil {
		return nil, err
	}
	return s.Attack(ctx, opt.Engine)
}

// Attack computes every withheld cell's interval with the given engine.
func (s *System) Attack(ctx context.Context, engine Engine) (*Result, error) {
	// Presolve: published inner cells are known; a published total whose
	// unknown part is 0 makes all its unknown terms 0; a total with one
	// unknown term gives it. Repeat until nothing moves.
	known := make([]bool, s.nInner)
	val := make([]int64, s.nInner)
	var eqs []constraint
	for i := range s.cells {
		c := &s.cells[i]
		if c.published && len(c.inner) == 1 {
			known[c.inner[0]], val[c.inner[0]] = true, c.value
		}
	}
	type eq struct {
		vars []int32
		rhs  int64
		row  int
	}
	var work []eq
	for i := range s.cells {
		c := &s.cells[i]
		if c.published && len(c.inner) > 1 {
			work = append(work, eq{vars: c.inner, rhs: c.value, row: c.row})
		}
	}
	for changed := true; changed; {
		changed = false
		live := work[:0]
		for _, e := range work {
			vars := make([]int32, 0, len(e.vars))
			rhs := e.rhs
			for _, k := range e.vars {
				if known[k] {
					rhs -= val[k]
				} else {
					vars = append(vars, k)
				}
			}
			switch {
			case rhs < 0 || (len(vars) == 0 && rhs != 0):
				return nil, fmt.Errorf("lpattack: row %d: the published values contradict each other", e.row)
			case len(vars) == 0:
			case rhs == 0 || len(vars) == 1:
				for _, k := range vars {
					known[k], val[k] = true, rhs // rhs is 0 unless there is one term
				}
				changed = true
			default:
				live = append(live, eq{vars: vars, rhs: rhs, row: e.row})
			}
		}
		work = live
	}
	for _, e := range work {
		eqs = append(eqs, constraint{vars: e.vars, rhs: float64(e.rhs)})
	}

	// Unknowns, their bounds, the knowledge's inequalities.
	pos := make([]int32, s.nInner)
	var unknown []int32
	for k := range pos {
		pos[k] = -1
		if !known[k] {
			pos[k] = int32(len(unknown))
			unknown = append(unknown, int32(k))
		}
	}
	remap := func(vars []int32) []int32 {
		out := make([]int32, len(vars))
		for i, k := range vars {
			out[i] = pos[k]
		}
		return out
	}
	for i := range eqs {
		eqs[i].vars = remap(eqs[i].vars)
	}
	nu := len(unknown)
	vlo, vhi := make([]float64, nu), make([]float64, nu)
	for j := range vhi {
		vhi[j] = math.Inf(1)
	}
	type wcell struct {
		c     *fileCell
		vars  []int32 // unknowns under the cell
		known float64 // the known part
	}
	var withheld []wcell
	var ineqs []constraint
	for i := range s.cells {
		c := &s.cells[i]
		if c.published {
			continue
		}
		w := wcell{c: c}
		for _, k := range c.inner {
			if known[k] {
				w.known += float64(val[k])
			} else {
				w.vars = append(w.vars, pos[k])
			}
		}
		withheld = append(withheld, w)
		lo, hi := s.bounds(c)
		lo, hi = lo-w.known, hi-w.known
		switch len(w.vars) {
		case 0:
			if lo > 0 || hi < 0 {
				return nil, fmt.Errorf("lpattack: row %d (%s): the file gives %v, the knowledge says [%v, %v]", c.row, strings.Join(c.codes, "×"), w.known, lo+w.known, hi+w.known)
			}
		case 1:
			j := w.vars[0]
			vlo[j], vhi[j] = math.Max(vlo[j], lo), math.Min(vhi[j], hi)
		default:
			if lo > 0 {
				ineqs = append(ineqs, constraint{vars: w.vars, rhs: lo, sense: 1})
			}
			if !math.IsInf(hi, 1) {
				ineqs = append(ineqs, constraint{vars: w.vars, rhs: hi, sense: -1})
			}
		}
	}
	for j := range vlo {
		if vlo[j] > vhi[j] {
			return nil, fmt.Errorf("lpattack: inner cell %s: empty bounds [%v, %v]", strings.Join(s.innerCodes(int(unknown[j])), "×"), vlo[j], vhi[j])
		}
	}

	// Components: union-find over every constraint.
	parent := make([]int32, nu)
	for j := range parent {
		parent[j] = int32(j)
	}
	var find func(int32) int32
	find = func(j int32) int32 {
		for parent[j] != j {
			parent[j] = parent[parent[j]]
			j = parent[j]
		}
		return j
	}
	all := append(append([]constraint(nil), eqs...), ineqs...)
	for _, c := range all {
		for _, j := range c.vars[1:] {
			a, b := find(c.vars[0]), find(j)
			if a != b {
				parent[a] = b
			}
		}
	}
	compOf := map[int32]*component{}
	var comps []*component
	get := func(root int32) *component {
		cp := compOf[root]
		if cp == nil {
			cp = &component{local: map[int32]int{}}
			compOf[root] = cp
			comps = append(comps, cp)
		}
		return cp
	}
	for j := int32(0); j < int32(nu); j++ {
		cp := get(find(j))
		cp.local[j] = len(cp.vars)
		cp.vars = append(cp.vars, j)
		cp.lo, cp.hi = append(cp.lo, vlo[j]), append(cp.hi, vhi[j])
	}
	for _, c := range all {
		cp := get(find(c.vars[0]))
		cp.rows = append(cp.rows, c)
	}
	res := &Result{Unknowns: nu}
	for _, cp := range comps {
		if len(cp.rows) > 0 {
			res.Components++
			res.Largest = max(res.Largest, len(cp.vars))
		}
	}

	// Every withheld cell: the sum over its components of the partial
	// sums' minima and maxima.
	cache := map[string][2]float64{}
	for _, w := range withheld {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		byComp := map[*component][]int{}
		var order []*component
		for _, j := range w.vars {
			cp := compOf[find(j)]
			if _, ok := byComp[cp]; !ok {
				order = append(order, cp)
			}
			byComp[cp] = append(byComp[cp], cp.local[j])
		}
		lo, hi := w.known, w.known
		for _, cp := range order {
			loc := byComp[cp]
			slices.Sort(loc)
			key := fmt.Sprintf("%p%v", cp, loc)
			b, ok := cache[key]
			if !ok {
				var err error
				var n int
				b[0], b[1], n, err = cp.bounds(ctx, engine, loc)
				if err != nil {
					return nil, fmt.Errorf("lpattack: row %d (%s): %w", w.c.row, strings.Join(w.c.codes, "×"), err)
				}
				res.LPs += n
				cache[key] = b
			}
			lo, hi = lo+b[0], hi+b[1]
		}
		res.Cells = append(res.Cells, Cell{
			Row: w.c.row, Codes: w.c.codes, Label: w.c.label,
			Lower: math.Ceil(lo - 1e-6), Upper: math.Floor(hi + 1e-6),
		})
	}
	return res, nil
}
