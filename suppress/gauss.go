package suppress

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tabsdc/tabsdc/sdc"
)

// Gaussian-elimination secondary suppression (Langsrud, "Secondary cell
// suppression by Gaussian elimination: an algorithm suitable for handling
// issues with zeros and singletons", PSD 2024; the R packages SSBtools and
// GaussSuppression of Statistics Norway). Facts carried over, code not.
//
// Model. The model matrix X has a row for every inner cell the attacker does
// not know in advance and a column for every publishable cell: published
// values are Xᵀy for the inner values y. It is built sparsely (one sorted
// row list per column, about 24 entries per row for T3) and never dense. A
// primary cell is exactly disclosed when its column lies in the span of the
// published columns.
//
// Algorithm. Candidates for secondary suppression are tried in cost order,
// dearest first (see GaussOptions.Cost): each is published unless that
// would bring a primary column into the published span (or, with anySum,
// pin singletons/zeros under a primary), in which case it becomes secondary
// and is never published. Gaussian elimination keeps every undecided
// column, primaries included, reduced modulo the published span, so the
// test is whether the reduced candidate equals a reduced primary (both
// normalized; a hash map finds it). Decisions do not depend on the pivot
// rows chosen, so pivots are picked to limit fill (Markowitz: the row held
// by the fewest active columns, primaries weighted), and published columns
// are dropped as soon as they have been eliminated.
//
// Exactness. Coefficients are int64 with gcd normalization after every
// update, so proportionality is exact equality. On the benchmark tables the
// largest coefficient stays in the thousands (GaussStats.MaxCoefficient);
// overflow beyond 2^62 is detected and reported as an error, never rounded.
// Float64 with a tolerance (the R package's fallback) was rejected: a wrong
// "not proportional" publishes a disclosing cell.
//
// Zeros. By default zeros are published first: the attacker then knows every
// zero inner cell (also those under a published 0 total, since counts are
// non-negative), so their rows leave the model and every withheld count is
// known to be at least 1. Zero rows stay only under a protected zero cell.
// With SecondaryZeros, zero rows stay and zeros are candidates like others.
//
// Duplicates. Cells with the same set of unknown inner cells (a county with
// one municipality, a total whose other terms are known zeros, the same
// cell in two linked tables) are one column: one status, decided once; the
// non-primary copies of a primary cell are withheld too.

// GaussSingleton selects how Gauss treats singletons and zeros: inner cells
// whose value sits at the bound the attacker knows for a withheld cell.
type GaussSingleton int

const (
	// GaussAnySum is the paper's default method ("anySum"). When zeros are
	// published, a withheld count is at least 1, so a published combination
	// of withheld ones (1 + 1 = 2) pins each of them; when zeros may be
	// withheld, a published combination of zeros pins them. No published
	// cell may reveal a combination of such bound inner cells alone: a
	// candidate that would reveal one is published only if no primary cell
	// lies within the cells it pins (those cells then count as known),
	// otherwise it becomes secondary. Pivots never fall on bound rows, so
	// the published span never contains such a combination.
	GaussAnySum GaussSingleton = iota
	// GaussSingletonNone ignores the problem: only exact linear disclosure
	// is prevented.
	GaussSingletonNone
)

// String returns the method's name as in GaussSuppression.
func (s GaussSingleton) String() string {
	switch s {
	case GaussAnySum:
		return "anySum"
	case GaussSingletonNone:
		return "none"
	}
	return fmt.Sprintf("GaussSingleton(%d)", int(s))
}

// GaussCell names a cell of one of the tables of a run: Table is the index
// of its release in the call (always 0 for Gauss and GaussMore).
type GaussCell struct {
	Table int
	Cell  int
}

// GaussOptions tunes Gauss, GaussMore and GaussLinked. The zero value is the
// default: cost = count, zeros published, anySum singleton handling.
type GaussOptions struct {
	// Cost is what it costs to suppress a cell: candidates are tried for
	// publication in decreasing cost, so the cheapest cells become
	// secondary first. Nil means the cell's count (small counts are
	// suppressed first, the grand total and the high-level totals last).
	// Ties go to the cell with more inner cells under it (a total before
	// the cells it sums, so inner cells are preferred as secondaries), then
	// to the lower table index and cell index: the same input always gives
	// the same pattern.
	Cost func(t *sdc.Table, cell int) float64

	// SecondaryZeros lets cells with count 0 become secondary. By default
	// they are published before anything else: the attacker then knows
	// every zero inner cell (also those under a published total of 0,
	// because counts are non-negative), so their rows leave the model and
	// every withheld cell is known to be at least 1.
	SecondaryZeros bool

	// Singleton selects the treatment of singletons (ones when zeros are
	// published, zeros otherwise). Default GaussAnySum.
	Singleton GaussSingleton

	// Extra lists cells to protect in addition to the Primary cells: they are
	// withheld (published ones become Secondary with ExtraReason) and no
	// published combination may disclose them. It is the hook for a repair
	// loop (interval protection): see GaussMore.
	Extra []GaussCell

	// ExtraReasons gives a published Extra cell its own reason (naming
	// the cells it protects), before ExtraReason.
	ExtraReasons map[GaussCell]string
	// ExtraReason is the reason given to published Extra cells; default
	// "extra protection requested".
	ExtraReason string

	// Accept, when set, is asked about every candidate Gauss would publish
	// (publishing it discloses no protected cell), except Fixed cells, in
	// candidate order, with the cells of the candidate (several when cells
	// have the same inner cells, or are one cell in several linked
	// tables). A candidate
	// it refuses becomes secondary with the reason RefusedReason, and is
	// not in GaussResult.Protections. Protect's cleanup refuses through
	// it the cells whose publication would narrow an interval too far.
	Accept func(cells []GaussCell) bool

	// RefusedReason is the reason given to candidates Accept refuses;
	// default "refused by the caller".
	RefusedReason string

	// Progress, when set, is called now and then with the number of
	// candidates decided and their total.
	Progress func(done, total int)

	// MaxEntries bounds the entries the elimination may store (about 16
	// bytes each with their indexes); beyond it the run stops with
	// ErrGaussTooLarge instead of exhausting memory. 0 means 150 million.
	// T3 peaks at about 7 million.
	MaxEntries int64
}

// GaussProtection says why a secondary cell is withheld: publishing it would
// have disclosed the listed primary cells.
type GaussProtection struct {
	Secondary GaussCell
	Protects  []GaussCell
}

// GaussStats describes the elimination.
type GaussStats struct {
	Rows           int   // unknown inner cells (model matrix rows)
	Columns        int   // distinct non-empty columns (identical cells merged)
	Candidates     int   // candidate columns tried
	Pivots         int   // published columns that enlarged the span
	Updates        int64 // column reductions
	Fill           int64 // entries created by reductions
	PeakNonzeros   int64 // largest number of stored entries
	MaxCoefficient int64 // largest coefficient seen (exactness check)
	Duration       time.Duration
}

// GaussResult reports a run.
type GaussResult struct {
	Cells     int // publishable cells, all tables
	Primary   int // cells with status Primary
	Extra     int // Extra cells withheld on request (not already Primary)
	Secondary int // cells marked Secondary by the run (Extra included)
	Published int // cells left published

	// Protections has one entry per Secondary cell, in (table, cell) order:
	// the primary (or Extra) cells it protects.
	Protections []GaussProtection

	// Unsafe lists primary cells that cannot be protected: their value is
	// known whatever is suppressed (every inner cell under them is a known
	// zero), or a Fixed cell discloses them.
	Unsafe []GaussCell

	// Warnings are conflicts in the input that were resolved (for example a
	// cell both Fixed and Primary stays Primary).
	Warnings []string

	Stats GaussStats
}

// ErrGaussInput reports input Gauss cannot work with.
var ErrGaussInput = errors.New("gauss: invalid input")

// ErrGaussTooLarge reports a run stopped at GaussOptions.MaxEntries.
var ErrGaussTooLarge = errors.New("gauss: elimination too large")

// Gauss protects the Primary cells of rel by secondary suppression with
// Gaussian elimination. It reads rel's Primary statuses and Fixed marks,
// resets every Secondary cell to Published, and marks as Secondary, with a
// reason such as "protects 1151×F×80+ in the sex total", the cells that
// must be withheld so that no Primary cell is determined by the published
// ones (nor, with anySum, pinned through singletons or zeros). Primary cells
// are never changed; Fixed cells are never made secondary.
//
// Cells with the same set of unknown inner cells (a county with a single
// municipality, a total whose other terms are published zeros) are one
// column and get one status.
//
// The protection is against exact disclosure. Interval (protection-level)
// requirements are checked by an audit; cells found at risk can be given
// back through GaussMore. On error rel is left unchanged.
func Gauss(ctx context.Context, rel *sdc.Release, opt GaussOptions) (GaussResult, error) {
	if rel == nil {
		return GaussResult{}, fmt.Errorf("%w: nil release", ErrGaussInput)
	}
	return GaussLinked(ctx, rel.Table(), []*sdc.Release{rel}, opt)
}

// GaussMore re-runs Gauss on rel with the cells extra protected as well (in
// addition to opt.Extra): it is what a repair loop calls when an audit finds
// primary cells whose attacker interval is too narrow, passing cells whose
// suppression and protection widens it (for example the risky primary
// cells' published neighbours). The previous Secondary cells are reset and
// the pattern is recomputed from the Primary cells and all extra cells, so
// the result depends only on rel's Primary/Fixed marks and the extra set
// (not on its order or on earlier runs): the loop accumulates extra cells
// and calls GaussMore until the audit passes.
func GaussMore(ctx context.Context, rel *sdc.Release, extra []int, opt GaussOptions) (GaussResult, error) {
	if rel == nil {
		return GaussResult{}, fmt.Errorf("%w: nil release", ErrGaussInput)
	}
	o := opt
	o.Extra = slices.Clone(opt.Extra)
	for _, c := range extra {
		o.Extra = append(o.Extra, GaussCell{Table: 0, Cell: c})
	}
	return GaussLinked(ctx, rel.Table(), []*sdc.Release{rel}, o)
}

// GaussLinked protects several linked tables in one run: tables computed
// from the same units, such as geo×sex×age and geo×diag, or T2 and a table
// with another geographic grouping of the same municipalities.
//
// Design: all tables are marginals of one common finest table, base (nil
// means rels[0]'s table), whose inner cells are the rows of a single model
// matrix. Every dimension of a linked table must be a dimension of base with
// the same name; each leaf code of it must be a node of base's dimension (a
// base leaf, or a base total standing for the leaves under it), and leaves
// must not overlap; base dimensions a table lacks are summed over. The
// tables' inner counts must equal the sums of base's inner counts (checked).
// Every publishable cell of every table is a column: a sum of base inner
// cells. Cells of different tables with the same set of base inner cells
// (geo totals shared by both tables, say) are the same column, so they get
// one status, and one elimination over all columns (candidates of all tables
// in one cost order) guarantees that what all tables publish together
// discloses no primary cell of any table — the "global" protection of
// GaussSuppression, stronger than protecting each table alone, where the
// common cells can get different statuses and the union of the published
// cells can disclose a primary cell. Base's own cells are not published
// unless base is one of the releases' tables.
//
// As in GaussSuppression's model matrix, base inner cells with count 0 are
// taken as known to the attacker (unless SecondaryZeros): the pattern is
// made safe against an attacker who knows them, which errs on the safe side.
//
// Extra cells name their table by its index in rels. The result counts
// cells over all tables.
func GaussLinked(ctx context.Context, base *sdc.Table, rels []*sdc.Release, opt GaussOptions) (GaussResult, error) {
	start := time.Now()
	var res GaussResult
	if len(rels) == 0 {
		return res, fmt.Errorf("%w: no release", ErrGaussInput)
	}
	for i, r := range rels {
		if r == nil {
			return res, fmt.Errorf("%w: release %d is nil", ErrGaussInput, i+1)
		}
		if slices.Contains(rels[:i], r) {
			return res, fmt.Errorf("%w: release %d is given twice", ErrGaussInput, i+1)
		}
	}
	if base == nil {
		base = rels[0].Table()
	}
	switch opt.Singleton {
	case GaussAnySum, GaussSingletonNone:
	default:
		return res, fmt.Errorf("%w: unknown singleton method %d", ErrGaussInput, opt.Singleton)
	}
	maps := make([]*gaussTableMap, len(rels))
	for i, r := range rels {
		m, err := newGaussTableMap(base, r.Table(), i)
		if err != nil {
			return res, fmt.Errorf("%w: %v", ErrGaussInput, err)
		}
		if r.Table() != base {
			if err := m.checkCounts(base, i); err != nil {
				return res, fmt.Errorf("%w: %v", ErrGaussInput, err)
			}
		}
		maps[i] = m
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}

	// Cells to protect: Primary statuses and Extra cells.
	protect := make([][]bool, len(rels))
	extra := make([][]bool, len(rels))
	for i, r := range rels {
		protect[i] = make([]bool, r.Table().NumCells())
		extra[i] = make([]bool, r.Table().NumCells())
		for c, s := range r.Statuses() {
			if s == sdc.Primary {
				protect[i][c] = true
			}
		}
	}
	for _, x := range opt.Extra {
		if x.Table < 0 || x.Table >= len(rels) || x.Cell < 0 || x.Cell >= rels[x.Table].Table().NumCells() {
			return res, fmt.Errorf("%w: extra cell %d of table %d out of range", ErrGaussInput, x.Cell, x.Table+1)
		}
		if !protect[x.Table][x.Cell] {
			protect[x.Table][x.Cell] = true
			extra[x.Table][x.Cell] = true
		}
	}

	// Known zeros leave the model unless zeros may be withheld, or they lie
	// under a zero-valued cell that must be protected.
	var keepZero func(k int) bool
	if opt.SecondaryZeros {
		keepZero = func(int) bool { return true }
	} else {
		keep := map[int]bool{}
		for i, m := range maps {
			t := m.t
			for c, p := range protect[i] {
				if p && t.Freq(c) == 0 {
					m.forEachBaseInner(base, c, func(k int) { keep[k] = true })
				}
			}
		}
		keepZero = func(k int) bool { return keep[k] }
	}
	md := buildGaussModel(base, maps, keepZero)
	ng := len(md.members)

	// Group roles.
	gPrimary := make([]bool, ng)
	gForced := make([]bool, ng)
	for g, mem := range md.members {
		for _, x := range mem {
			if protect[x.Table][x.Cell] {
				gPrimary[g] = true
			}
		}
	}
	var unsafe []int32
	for g, mem := range md.members {
		for _, x := range mem {
			if !rels[x.Table].Fixed(x.Cell) {
				continue
			}
			if protect[x.Table][x.Cell] {
				what := "primary"
				if extra[x.Table][x.Cell] {
					what = "extra"
				}
				res.Warnings = append(res.Warnings, fmt.Sprintf("%s is both fixed and %s; it is withheld", cellName(rels, x), what))
				continue
			}
			gForced[g] = true
			if gPrimary[g] {
				res.Warnings = append(res.Warnings, fmt.Sprintf("fixed cell %s has the value of a protected cell; that cell is disclosed", cellName(rels, x)))
			}
		}
	}
	for g := range gForced {
		if gForced[g] && gPrimary[g] {
			unsafe = append(unsafe, int32(g))
			gPrimary[g] = false // published through the fixed cell
		}
	}
	for g := range gPrimary {
		if gPrimary[g] && len(md.groupRows(int32(g))) == 0 {
			unsafe = append(unsafe, int32(g))
		}
	}

	// Candidate order.
	type candKey struct {
		forced, zeroFirst bool
		cost              float64
		size              int
		x                 GaussCell
		g                 int32
	}
	var keys []candKey
	for ti, m := range maps {
		t := m.t
		var sizes []int
		for c := 0; c < t.NumCells(); c++ {
			g := md.group[ti][c]
			if gPrimary[g] {
				continue
			}
			cost := float64(t.Freq(c))
			if opt.Cost != nil {
				cost = opt.Cost(t, c)
			}
			sizes = t.InnerRange(c, sizes)
			size := 1
			for d := 0; d < len(sizes); d += 2 {
				size *= sizes[d+1] - sizes[d]
			}
			keys = append(keys, candKey{
				forced:    gForced[g],
				zeroFirst: !opt.SecondaryZeros && t.Freq(c) == 0,
				cost:      cost,
				size:      size,
				x:         GaussCell{ti, c},
				g:         g,
			})
		}
	}
	slices.SortFunc(keys, func(a, b candKey) int {
		if a.forced != b.forced {
			if a.forced {
				return -1
			}
			return 1
		}
		if a.zeroFirst != b.zeroFirst {
			if a.zeroFirst {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(b.cost, a.cost); c != 0 {
			return c
		}
		if c := cmp.Compare(b.size, a.size); c != 0 {
			return c
		}
		if c := cmp.Compare(a.x.Table, b.x.Table); c != 0 {
			return c
		}
		return cmp.Compare(a.x.Cell, b.x.Cell)
	})
	seen := make([]bool, ng)
	order := make([]int32, 0, ng)
	nForced := 0
	for _, k := range keys {
		if seen[k.g] {
			continue
		}
		seen[k.g] = true
		order = append(order, k.g)
		if gForced[k.g] {
			nForced++
		}
	}
	keys = nil

	// Engine.
	colRows := make([][]int32, ng)
	ncols := 0
	for g := range colRows {
		r := md.groupRows(int32(g))
		if len(r) > 0 {
			ncols++
		}
		colRows[g] = slices.Clone(r)
	}
	anySum := opt.Singleton == GaussAnySum
	bound := make([]bool, len(md.inner))
	if anySum {
		for r, v := range md.rowVal {
			if opt.SecondaryZeros {
				bound[r] = v == 0
			} else {
				bound[r] = v <= 1
			}
		}
	}
	e := newGaussEngine(len(md.inner), colRows, gPrimary, bound, anySum)
	if opt.Accept != nil {
		e.accept = func(g int32) bool { return opt.Accept(slices.Clone(md.members[g])) }
	}
	e.maxEntries = opt.MaxEntries
	if e.maxEntries <= 0 {
		e.maxEntries = 150_000_000
	}
	colRows = nil

	if err := e.run(ctx, order, nForced, opt.Progress); err != nil {
		return GaussResult{}, err
	}
	if opt.Progress != nil {
		opt.Progress(len(order), len(order))
	}
	secondary, protects := e.secondary, e.protects
	unsafe = append(unsafe, e.unsafe...)

	// Apply: reset old secondaries, then mark.
	for _, r := range rels {
		for c, s := range r.Statuses() {
			if s == sdc.Secondary {
				r.Set(c, sdc.Published, "")
			}
		}
	}
	repr := func(g int32) GaussCell {
		for _, x := range md.members[g] {
			if protect[x.Table][x.Cell] {
				return x
			}
		}
		return md.members[g][0]
	}
	extraReason := opt.ExtraReason
	if extraReason == "" {
		extraReason = "extra protection requested"
	}
	for g, mem := range md.members {
		switch {
		case secondary[g] && e.refused[int32(g)]:
			reason := opt.RefusedReason
			if reason == "" {
				reason = "refused by the caller"
			}
			for _, x := range mem {
				rels[x.Table].Set(x.Cell, sdc.Secondary, reason)
			}
		case secondary[g]:
			var ps []GaussCell
			for _, p := range protects[g] {
				ps = append(ps, repr(p))
			}
			for _, x := range mem {
				rels[x.Table].Set(x.Cell, sdc.Secondary, protectsReason(rels, x, ps))
				res.Protections = append(res.Protections, GaussProtection{Secondary: x, Protects: ps})
			}
		case gPrimary[g]:
			p := repr(int32(g))
			for _, x := range mem {
				if rels[x.Table].Status(x.Cell) == sdc.Primary || (rels[x.Table].Fixed(x.Cell) && !protect[x.Table][x.Cell]) {
					continue
				}
				if extra[x.Table][x.Cell] {
					reason := extraReason
					if r, ok := opt.ExtraReasons[x]; ok {
						reason = r
					}
					rels[x.Table].Set(x.Cell, sdc.Secondary, reason)
					res.Extra++
					res.Protections = append(res.Protections, GaussProtection{Secondary: x, Protects: []GaussCell{x}})
					continue
				}
				rels[x.Table].Set(x.Cell, sdc.Secondary, "same cell as "+cellName(rels, p)+" (identical inner cells)")
				res.Protections = append(res.Protections, GaussProtection{Secondary: x, Protects: []GaussCell{p}})
			}
		}
	}
	slices.SortFunc(res.Protections, func(a, b GaussProtection) int {
		if c := cmp.Compare(a.Secondary.Table, b.Secondary.Table); c != 0 {
			return c
		}
		return cmp.Compare(a.Secondary.Cell, b.Secondary.Cell)
	})
	slices.Sort(unsafe)
	unsafe = slices.Compact(unsafe)
	for _, g := range unsafe {
		for _, x := range md.members[g] {
			if protect[x.Table][x.Cell] {
				res.Unsafe = append(res.Unsafe, x)
			}
		}
	}
	slices.SortFunc(res.Unsafe, func(a, b GaussCell) int {
		if c := cmp.Compare(a.Table, b.Table); c != 0 {
			return c
		}
		return cmp.Compare(a.Cell, b.Cell)
	})
	for _, r := range rels {
		res.Cells += r.Table().NumCells()
		res.Primary += r.Count(sdc.Primary)
		res.Secondary += r.Count(sdc.Secondary)
		res.Published += r.Count(sdc.Published)
	}
	res.Stats = GaussStats{
		Rows:           len(md.inner),
		Columns:        ncols,
		Candidates:     len(order),
		Pivots:         e.pivots,
		Updates:        e.updates,
		Fill:           e.fill,
		PeakNonzeros:   e.peakNNZ,
		MaxCoefficient: e.maxCoef,
		Duration:       time.Since(start),
	}
	return res, nil
}

// cellName is a cell's label, with its table when there are several.
func cellName(rels []*sdc.Release, x GaussCell) string {
	l := rels[x.Table].Table().Label(x.Cell)
	if len(rels) > 1 {
		return fmt.Sprintf("%s (table %d)", l, x.Table+1)
	}
	return l
}

// protectsReason words why secondary cell s is withheld, naming every
// primary cell it protects: "protects 1151×F×80+ in the sex total and
// 1151×M×80+", a cell that differs from s in one dimension only being
// said to meet it in that dimension's total.
func protectsReason(rels []*sdc.Release, s GaussCell, ps []GaussCell) string {
	if len(ps) == 0 {
		return "protects a primary cell"
	}
	names := make([]string, len(ps))
	for i, p := range ps {
		if p.Table != s.Table {
			names[i] = cellName(rels, p)
			continue
		}
		t := rels[s.Table].Table()
		names[i] = t.Label(p.Cell)
		diff := -1
		for d := 0; d < t.NumDims(); d++ {
			if t.Node(p.Cell, d) != t.Node(s.Cell, d) {
				if diff >= 0 {
					diff = -2
					break
				}
				diff = d
			}
		}
		if diff >= 0 {
			names[i] += fmt.Sprintf(" in the %s total", t.Dim(diff).Name())
		}
	}
	return "protects " + joinAnd(names)
}

// joinAnd joins names as "a", "a and b", "a, b and c".
func joinAnd(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
