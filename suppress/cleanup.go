package suppress

import (
	"cmp"
	"context"
	"math"
	"slices"

	"github.com/tabsdc/tabsdc/audit"
	"github.com/tabsdc/tabsdc/sdc"
)

// The cleanup (Protect's last step before its audit) publishes again the
// secondary cells the pattern no longer needs. Gauss decides each cell
// against the cells published before it, and the repair then withholds
// more cells near those that fail; a cell withheld early can be redundant
// once later cells are withheld. Cell suppression heuristics end with
// such a pass (the "clean-up" of Fischetti and Salazar-González's
// heuristic; tau-ARGUS's cleaning of redundant suppressions).
//
// It is a run of Gauss itself, in another order: first every cell the
// pattern publishes (none of them discloses anything, since together they
// do not), then every secondary cell in Gauss's cost order, dearest first
// (the grand total and the large totals before the small cells). Each is
// published unless Gauss finds that it would disclose a primary cell
// exactly or pin singletons under one (anySum), or the incremental screen
// (audit.Screener, through GaussOptions.Accept) that it would make a
// primary cell's outer interval too narrow or any withheld cell a point.
// The audit that follows decides the pattern, as for any other; if it
// fails, Protect undoes the cleanup.

// cleanupResult is what the cleanup did.
type cleanupResult struct {
	gauss       GaussResult // the run
	republished []int       // base cells published again
	regained    int         // table cells published before and withheld now
	tried       int         // secondary base cells tried
	undo        []was       // the statuses the cleanup changed, as they were
}

// was is a table cell's status and reason before the cleanup.
type was struct {
	x      GaussCell
	st     sdc.Status
	reason string
}

// revert withholds again every cell the cleanup published, as before it.
// The cells it withheld stay withheld: the pattern is a superset of the
// one before the cleanup, and of the one after it.
func (cl *cleanupResult) revert(rels []*sdc.Release) {
	for _, u := range cl.undo {
		if !rels[u.x.Table].Suppressed(u.x.Cell) {
			rels[u.x.Table].Set(u.x.Cell, u.st, u.reason)
		}
	}
	cl.republished = nil
}

// rewithhold withholds again, as before the cleanup, the cells it
// published that are among near (base cells), and returns how many.
func (cl *cleanupResult) rewithhold(rels []*sdc.Release, toBase [][]int, near []int) int {
	in := map[int]bool{}
	for _, c := range near {
		in[c] = true
	}
	n := 0
	for _, u := range cl.undo {
		bc := u.x.Cell
		if toBase != nil {
			bc = toBase[u.x.Table][u.x.Cell]
		}
		if in[bc] && !rels[u.x.Table].Suppressed(u.x.Cell) && u.st.Suppressed() {
			rels[u.x.Table].Set(u.x.Cell, u.st, u.reason)
			n++
		}
	}
	cl.republished = slices.DeleteFunc(cl.republished, func(c int) bool { return in[c] })
	return n
}

// cleanupRetries is how often Protect withholds again the cells the
// cleanup published near the cells an audit finds failing, before it
// undoes the cleanup.
const cleanupRetries = 3

// nearCells returns the cells of t within two equations of the cells of
// fs: those sharing an equation with one (see neighbours), and those
// sharing one with such a cell.
func nearCells(t *sdc.Table, fs []audit.Finding) []int {
	seen := map[int]bool{}
	var ring []int
	for _, f := range fs {
		if !seen[f.Cell] {
			seen[f.Cell] = true
			ring = append(ring, f.Cell)
		}
	}
	all := slices.Clone(ring)
	for hop := 0; hop < 2; hop++ {
		var next []int
		for _, c := range ring {
			neighbours(t, c, func(n int) bool {
				if !seen[n] {
					seen[n] = true
					next = append(next, n)
				}
				return false
			})
		}
		all = append(all, next...)
		ring = next
	}
	return all
}

// refusedReason marks the cells the screen kept withheld in the
// cleanup's run; they keep the reason they had.
const refusedReason = "\x00kept by the cleanup's screen"

// cleanup publishes again the secondary cells of rels the pattern does not
// need (see above), in rels, and returns which. joint is the attacker's
// joint view of rels (a release of base); toBase maps the tables' cells to
// base's (nil for a single table that is base). When the pattern would be
// no smaller, or Gauss finds more primary cells it cannot protect than
// unsafeBefore (the last Gauss run's), nothing is changed.
func cleanup(ctx context.Context, method SecondaryMethod, base *sdc.Table, rels []*sdc.Release, joint *sdc.Release, toBase [][]int, gopt GaussOptions, aopt audit.Options, unsafeBefore int) (cleanupResult, error) {
	var res cleanupResult
	baseOf := func(x GaussCell) int {
		if toBase == nil {
			return x.Cell
		}
		return toBase[x.Table][x.Cell]
	}
	// Cells the user asked to withhold are no candidates.
	asked := map[GaussCell]bool{}
	for _, x := range gopt.Extra {
		asked[x] = true
	}
	withheldBefore := 0
	for i, r := range rels {
		for c, st := range r.Statuses() {
			if st.Suppressed() {
				withheldBefore++
			}
			if st == sdc.Secondary && !asked[GaussCell{Table: i, Cell: c}] {
				res.tried++
			}
		}
	}
	if res.tried == 0 {
		return res, nil
	}

	// With zeros published and anySum, Gauss refuses what pins a primary
	// cell through withheld counts of at least 1, and so does the
	// screener: it then refuses what Gauss would.
	singletons := !gopt.SecondaryZeros && gopt.Singleton == GaussAnySum
	sc, _, err := audit.NewScreener(ctx, joint, audit.ScreenerOptions{Options: aopt, Singletons: singletons})
	if err != nil {
		return res, err
	}
	relOf := map[*sdc.Table]int{}
	for i, r := range rels {
		relOf[r.Table()] = i
	}
	o := gopt
	o.Extra = slices.Clone(gopt.Extra)
	cost := gopt.Cost
	// Published cells first, then secondary cells by their cost.
	o.Cost = func(t *sdc.Table, c int) float64 {
		v := float64(t.Freq(c))
		if cost != nil {
			v = cost(t, c)
		}
		if rels[relOf[t]].Status(c) == sdc.Published {
			return math.Inf(1)
		}
		return v
	}
	var trialErr error
	forcedBad := false
	o.Accept = func(cells []GaussCell) bool {
		var try []int
		published := false
		for _, x := range cells {
			bc := baseOf(x)
			if _, err := sc.Bounds(bc); err != nil {
				published = true // by the pattern, or accepted before
			} else if joint.Status(bc) == sdc.Secondary && !slices.Contains(try, bc) {
				try = append(try, bc)
			}
		}
		if len(try) == 0 {
			return true
		}
		if published {
			// Cells with the inner cells of a published one are
			// published with it: the screener must know.
			findings, err := sc.Publish(try...)
			if err != nil && trialErr == nil {
				trialErr = err
			}
			forcedBad = forcedBad || len(findings) > 0
			return true
		}
		ok, _, err := sc.TryPublish(try...)
		if err != nil && trialErr == nil {
			trialErr = err
		}
		return ok && err == nil
	}
	o.RefusedReason = refusedReason
	clones := make([]*sdc.Release, len(rels))
	for i, r := range rels {
		clones[i] = r.Clone()
	}
	g, err := method.SecondaryLinked(ctx, base, clones, o)
	if err == nil {
		err = trialErr
	}
	if err != nil {
		return cleanupResult{}, err
	}
	withheldAfter := 0
	for _, cl := range clones {
		withheldAfter += cl.Count(sdc.Primary) + cl.Count(sdc.Secondary)
	}
	if forcedBad || len(g.Unsafe) > unsafeBefore || withheldAfter >= withheldBefore {
		return cleanupResult{tried: res.tried}, nil
	}

	// Take the clones' pattern; the cells the screen kept withheld keep
	// their reasons.
	seen := map[int]bool{}
	for i, r := range rels {
		for c, st := range clones[i].Statuses() {
			old := r.Status(c)
			switch {
			case st == old && (st != sdc.Secondary || clones[i].Reason(c) == refusedReason):
				continue
			case st == sdc.Published && old == sdc.Secondary:
				if bc := baseOf(GaussCell{Table: i, Cell: c}); !seen[bc] {
					seen[bc] = true
					res.republished = append(res.republished, bc)
				}
			case st == sdc.Secondary && old == sdc.Published:
				res.regained++
			}
			reason := clones[i].Reason(c)
			if reason == refusedReason {
				// The marker never reaches an output: a cell the screen
				// kept keeps its reason, or says why it is withheld.
				reason = "kept withheld: publishing it would narrow an interval too far"
				if r.Suppressed(c) {
					reason = r.Reason(c)
				}
			}
			res.undo = append(res.undo, was{GaussCell{Table: i, Cell: c}, old, r.Reason(c)})
			r.Set(c, st, reason)
		}
	}
	costOrder(base, res.republished, gopt.Cost)
	res.gauss = g
	return res, nil
}

// costOrder sorts cells of t as Gauss tries its candidates for
// publication: dearest first (cost, nil meaning the count), then the cell
// with more inner cells under it, then the lower index.
func costOrder(t *sdc.Table, cells []int, cost func(t *sdc.Table, cell int) float64) {
	type key struct {
		cost float64
		size int
		cell int
	}
	keys := make([]key, len(cells))
	var ranges []int
	for i, c := range cells {
		k := key{cost: float64(t.Freq(c)), size: 1, cell: c}
		if cost != nil {
			k.cost = cost(t, c)
		}
		ranges = t.InnerRange(c, ranges)
		for d := 0; d < len(ranges); d += 2 {
			k.size *= ranges[d+1] - ranges[d]
		}
		keys[i] = k
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := cmp.Compare(b.cost, a.cost); c != 0 {
			return c
		}
		if c := cmp.Compare(b.size, a.size); c != 0 {
			return c
		}
		return cmp.Compare(a.cell, b.cell)
	})
	for i, k := range keys {
		cells[i] = k.cell
	}
}
