package rounding

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tabsdc/tabsdc/sdc"
)

// ErrNotNetwork is returned (wrapped) by Controlled for a table whose
// relations do not form a network, where a zero-restricted controlled
// rounding need not exist.
var ErrNotNetwork = errors.New("controlled rounding needs a table of one or two dimensions with at most one of them hierarchical " +
	"(a flat dimension is a total over its categories); use SmallCount (small-count rounding), which keeps any table additive")

// ControlledOptions are the parameters of Controlled.
type ControlledOptions struct {
	// Base is the rounding base; 0 means 3.
	Base int64
	// Deterministic makes every choice of the procedure the more likely one
	// instead of a random draw. The result is then reproducible but no
	// longer unbiased.
	Deterministic bool
	// Rand is the source of randomness of the unbiased procedure. nil means
	// crypto/rand.Reader, which is what a release must use: with a known
	// seed an attacker can replay the draws. Set it only in tests.
	Rand io.Reader
}

// Controlled applies zero-restricted controlled rounding to t (Cox 1987):
// every cell, totals included, is published as one of the two multiples of
// Base around its count (a multiple of Base stays unchanged), and the
// published table is exactly additive.
//
// It applies to tables whose relations form a network: one dimension (flat
// or hierarchical), or two dimensions of which at most one is hierarchical
// (the other being a total over its categories). Such a rounding always
// exists for them; for other tables Controlled returns an error that wraps
// ErrNotNetwork and points to SmallCount.
//
// Every cell is an edge of the network and its count a flow; the residues
// (count mod Base) form a fractional flow. Cox's procedure repeatedly finds a
// cycle of edges whose residues are strictly between 0 and Base and shifts
// flow around it, by +d1 with probability d2/(d1+d2) or by −d2 otherwise,
// where d1 and d2 are the largest shifts either way that keep every residue
// in [0, Base]; each step brings at least one residue to 0 or Base and keeps
// every node balanced, so the procedure ends with an integral flow: an
// additive rounding whose expected value is the true table (unbiased). With
// opt.Deterministic the shift is always the smaller of d1 and d2.
func Controlled(ctx context.Context, t *sdc.Table, opt ControlledOptions) (*Result, error) {
	if t == nil {
		return nil, errors.New("rounding: nil table")
	}
	b := opt.Base
	if b == 0 {
		b = 3
	}
	if err := checkBase(b); err != nil {
		return nil, err
	}
	net, err := buildNetwork(t)
	if err != nil {
		return nil, err
	}
	var g *rng
	if !opt.Deterministic {
		g = newRNG(opt.Rand)
	}
	freq := t.Freqs()
	ne := len(net.cell)
	f := make([]int64, ne)
	for e, c := range net.cell {
		f[e] = freq[c] % b
	}
	if err := coxRound(ctx, net, f, b, g); err != nil {
		return nil, err
	}
	values := make([]int64, t.NumCells())
	for e, c := range net.cell {
		y := freq[c]
		values[c] = y - y%b + f[e]
	}
	if err := CheckAdditive(t, values); err != nil {
		return nil, fmt.Errorf("rounding: internal error in controlled rounding: %w", err)
	}
	return newResult(t, values, Rule{Method: MethodControlled, Base: b})
}

// network is a table's relations as a circulation: every cell is an edge,
// and at every node the flow in equals the flow out.
type network struct {
	nodes    int
	from, to []int32
	cell     []int32
}

func (n *network) edge(from, to int, cell int) {
	n.from = append(n.from, int32(from))
	n.to = append(n.to, int32(to))
	n.cell = append(n.cell, int32(cell))
}

// buildNetwork lays a one- or two-dimensional table with at most one
// hierarchical dimension out as a network. Node 0 is the source and sink.
//
// With a flat column dimension (total T over categories j) and a row
// hierarchy: the cell (root, j) flows from the source into node D(root, j);
// the cell (r, j) of an internal row r flows from D(parent r, j) into
// D(r, j), and of a leaf row r into U(r); the cell (r, T) flows from U(r)
// into U(parent r), or into the source for the root. Conservation at D(r, j)
// says that a row node is the sum of its children in column j; at U(r) of a
// leaf that the row total is the sum of its columns; at U(r) of an internal
// row that its total is the sum of its children's totals; at the source that
// the grand total is the sum of the column totals. Row additivity of
// internal rows follows.
//
// With one dimension (or a second one that has a single node): a leaf's cell
// flows from the source into U(parent), an internal node's cell from U(node)
// into U(parent), and the root's cell from U(root) into the source.
func buildNetwork(t *sdc.Table) (*network, error) {
	nd := t.NumDims()
	rows, cols := 0, -1
	switch nd {
	case 1:
	case 2:
		switch {
		case t.Dim(1).MaxDepth() <= 1:
			rows, cols = 0, 1
		case t.Dim(0).MaxDepth() <= 1:
			rows, cols = 1, 0
		}
		if cols < 0 {
			return nil, notNetwork(t)
		}
		if t.Dim(cols).MaxDepth() == 0 {
			cols = -1
		}
	default:
		return nil, notNetwork(t)
	}
	R := t.Dim(rows)
	rs := t.Stride(rows)
	n := &network{nodes: 1}
	u := make([]int, R.Len()) // U(r)
	for r := range u {
		u[r] = n.nodes
		n.nodes++
	}
	if cols < 0 {
		for r := 0; r < R.Len(); r++ {
			cell := r * rs
			p := R.Parent(r)
			switch {
			case p < 0 && R.IsLeaf(r):
				n.edge(0, 0, cell)
			case p < 0:
				n.edge(u[r], 0, cell)
			case R.IsLeaf(r):
				n.edge(0, u[p], cell)
			default:
				n.edge(u[r], u[p], cell)
			}
		}
		return n, nil
	}
	C := t.Dim(cols)
	cs := t.Stride(cols)
	// D(r, j) for internal rows r and column leaves j.
	dnode := make([]int, R.Len()*C.Len())
	for r := 0; r < R.Len(); r++ {
		if R.IsLeaf(r) {
			continue
		}
		for j := 1; j < C.Len(); j++ {
			dnode[r*C.Len()+j] = n.nodes
			n.nodes++
		}
	}
	for r := 0; r < R.Len(); r++ {
		p := R.Parent(r)
		for j := 1; j < C.Len(); j++ {
			from := 0
			if p >= 0 {
				from = dnode[p*C.Len()+j]
			}
			to := u[r]
			if !R.IsLeaf(r) {
				to = dnode[r*C.Len()+j]
			}
			n.edge(from, to, r*rs+j*cs)
		}
		to := 0
		if p >= 0 {
			to = u[p]
		}
		n.edge(u[r], to, r*rs)
	}
	return n, nil
}

func notNetwork(t *sdc.Table) error {
	desc := make([]string, t.NumDims())
	for d := range desc {
		desc[d] = fmt.Sprintf("%s (depth %d)", t.Dim(d).Name(), t.Dim(d).MaxDepth())
	}
	return fmt.Errorf("rounding: table with %d dimensions: %s: %w", t.NumDims(), strings.Join(desc, ", "), ErrNotNetwork)
}

// coxRound rounds the residues f (in [0, b), one per edge) of a balanced
// network to 0 or b, keeping every node balanced modulo b, by Cox's cycle
// procedure. g nil means deterministic choices.
func coxRound(ctx context.Context, net *network, f []int64, b int64, g *rng) error {
	ne := len(f)
	// Active edges (0 < f < b) at each node, with O(1) removal.
	adj := make([][]int32, net.nodes)
	pos := make([][2]int32, ne)
	active := func(e int) bool { return f[e] > 0 && f[e] < b }
	for e := 0; e < ne; e++ {
		if !active(e) {
			continue
		}
		a, z := net.from[e], net.to[e]
		if a == z {
			// A self-loop is a cycle by itself.
			up, err := choose(b-f[e], f[e], g)
			if err != nil {
				return err
			}
			if up {
				f[e] = b
			} else {
				f[e] = 0
			}
			continue
		}
		pos[e][0] = int32(len(adj[a]))
		adj[a] = append(adj[a], int32(e))
		pos[e][1] = int32(len(adj[z]))
		adj[z] = append(adj[z], int32(e))
	}
	// unlink removes edge e from the list of node, where it sits on side
	// 0 (node is its from) or side 1 (node is its to).
	unlink := func(e int32, node int32, side int) {
		l := adj[node]
		i := pos[e][side]
		last := l[len(l)-1]
		l[i] = last
		if net.from[last] == node {
			pos[last][0] = i
		} else {
			pos[last][1] = i
		}
		adj[node] = l[:len(l)-1]
	}
	deactivate := func(e int32) {
		unlink(e, net.from[e], 0)
		unlink(e, net.to[e], 1)
	}
	onStack := make([]int32, net.nodes)
	for i := range onStack {
		onStack[i] = -1
	}
	var stNode, stEdge []int32
	var cyc []int32
	var dir []bool
	steps := 0
	for v0 := 0; v0 < net.nodes; v0++ {
		for len(adj[v0]) > 0 {
			stNode = append(stNode[:0], int32(v0))
			stEdge = append(stEdge[:0], -1)
			onStack[v0] = 0
			for len(stNode) > 0 {
				top := len(stNode) - 1
				uu := stNode[top]
				if len(adj[uu]) == 0 {
					// Only the start can run dry: every other node on the
					// stack keeps the active edge it was reached by.
					onStack[uu] = -1
					stNode, stEdge = stNode[:top], stEdge[:top]
					continue
				}
				l := adj[uu]
				e := l[0]
				if e == stEdge[top] {
					if len(l) < 2 {
						return errors.New("rounding: internal error: unbalanced node in controlled rounding")
					}
					e = l[1]
				}
				w := net.to[e]
				if w == uu {
					w = net.from[e]
				}
				if p := onStack[w]; p < 0 {
					onStack[w] = int32(len(stNode))
					stNode = append(stNode, w)
					stEdge = append(stEdge, e)
					continue
				}
				// A cycle: the edges from w's place on the stack to the
				// top, then e back to w.
				p := int(onStack[w])
				cyc = cyc[:0]
				dir = dir[:0]
				for i := p + 1; i <= top; i++ {
					ed := stEdge[i]
					cyc = append(cyc, ed)
					dir = append(dir, net.to[ed] == stNode[i])
				}
				cyc = append(cyc, e)
				dir = append(dir, net.to[e] == w)
				var d1, d2 int64 = b, b
				for i, ed := range cyc {
					if dir[i] {
						d1 = min(d1, b-f[ed])
						d2 = min(d2, f[ed])
					} else {
						d1 = min(d1, f[ed])
						d2 = min(d2, b-f[ed])
					}
				}
				plus, err := choose(d1, d2, g)
				if err != nil {
					return err
				}
				shift := d1
				if !plus {
					shift = -d2
				}
				for i, ed := range cyc {
					if dir[i] {
						f[ed] += shift
					} else {
						f[ed] -= shift
					}
					if !active(int(ed)) {
						deactivate(ed)
					}
				}
				for i := p + 1; i <= top; i++ {
					onStack[stNode[i]] = -1
				}
				stNode, stEdge = stNode[:p+1], stEdge[:p+1]
				if steps++; steps&1023 == 0 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// choose decides the direction of a shift: true for +d1, which has
// probability d2/(d1+d2). Without a generator it takes the more likely one.
func choose(d1, d2 int64, g *rng) (bool, error) {
	if g == nil {
		return d1 <= d2, nil
	}
	v, err := g.intn(uint64(d1 + d2))
	if err != nil {
		return false, err
	}
	return int64(v) < d2, nil
}
