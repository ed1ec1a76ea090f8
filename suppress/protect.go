package suppress

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/tabsdc/tabsdc/audit"
	"github.com/tabsdc/tabsdc/sdc"
)

// ProtectOptions configures Protect.
type ProtectOptions struct {
	// Secondary chooses the secondary cells (nil: GaussMethod). Gauss
	// tunes it; its SecondaryZeros is set by Protect from ZerosPublished,
	// and its Extra, Accept and Cost by the repair and the cleanup.
	Secondary SecondaryMethod
	Gauss     GaussOptions
	// ZerosPublished keeps every cell of count 0 published: no zero is
	// ever a secondary cell, so the attacker, who knows the policy, knows
	// every withheld cell to be at least 1, and Protect withholds more to
	// meet that attacker. By default zeros may be secondary cells
	// (Protect sets Gauss.SecondaryZeros), the attacker knows a withheld
	// cell only to be at least 0, and fewer cells are withheld
	// (docs/benchmarks.md compares the two). But Gauss then keeps every
	// zero in its elimination, which may exceed its memory guard on a
	// large table.
	ZerosPublished bool
	// Requirement gives the protection requirement of primary cell c; nil
	// means Default for every primary cell.
	Requirement func(c int) audit.Requirement
	// Default is the requirement when Requirement is nil, for example
	// audit.FrequencyRequirement(maxN).
	Default audit.Requirement
	// Attacker is what the attacker knows of the policy beyond what
	// ZerosPublished says (see audit.Attacker; AttackerOf gives the
	// whole). Set Attacker.ZerosWithheld when a rule withholds zeros (a
	// frequency rule that protects them).
	Attacker audit.Attacker
	// ExactOnly protects against exact disclosure alone, as GaussSuppression
	// does by default: the audit (under Attacker, singletons included)
	// and the repair run for one requirement only, that every withheld
	// cell keep at least two possible values, instead of Requirement and
	// Default, and there is no cleanup. Linear algebra alone (Gauss) does
	// not see a cell that bounds pin: non-negativity across several
	// totals, a withheld cell known to be at least 1, or a singleton's
	// own count.
	ExactOnly bool
	// MaxRounds bounds the audit-and-repair rounds; 0 means 30.
	MaxRounds int
	// FullAudit computes the exact interval of every withheld cell
	// (audit.Options.Full) instead of proven sub-intervals for cells that
	// are safe.
	FullAudit bool
	// NoCleanup skips the cleanup before the first audit, which publishes
	// again the secondary cells the pattern does not need (see Protect).
	NoCleanup bool
	// Intruder, when set, says which withheld cells one person knows the
	// value of, for the singleton check (audit.Options.Intruder): nil
	// means a cell of count 1.
	Intruder func(c int) bool
	// Progress, when set, is told what each stage is doing.
	Progress func(msg string)
	// Steps, when set, is told how far a long stage (the audit) is: done
	// of total, often (a terminal draws a bar from it).
	Steps func(stage string, done, total int)

	// For the tests, which measure what each step brings: noScreen skips
	// the screen by bound propagation before each audit (audit.Screen);
	// noEscalate withholds neighbours only for a failing cell whose
	// interval did not move, never a total (see repairRound).
	noScreen, noEscalate bool
}

// ProtectResult reports a Protect run.
type ProtectResult struct {
	// Gauss is the last secondary suppression run.
	Gauss GaussResult
	// Audit is the last audit (with ExactOnly, for exact disclosure).
	Audit *audit.Result
	// Screen is, with ExactOnly, the screen of the final pattern by bound
	// propagation (audit.Screen) under Requirement and Default: its
	// UnderProtected cells are primary cells the pattern certainly leaves
	// narrower than their requirement, which ExactOnly does not repair.
	Screen *audit.Result
	// Rounds is the number of repair rounds run.
	Rounds int
	// Audits is the number of audits run (audit.Audit). A repair round
	// for cells that the screen by bound propagation (audit.Screen) shows
	// to fail needs none.
	Audits int
	// Extra lists the cells the repair withheld and protected in addition to
	// the primary cells, in the order they were added.
	Extra []int
	// Republished lists the secondary cells the cleanup published again,
	// dearest first (cells of the joint view's table for linked tables).
	Republished []int
	// Kept counts the cells that some repair round's secondary
	// suppression would have published again but which stay withheld, so
	// that every round withholds a superset of the last (see Protect).
	Kept int
	// Unresolved lists the cells that still fail after the repair: they are
	// reported, never silently accepted.
	Unresolved []audit.Finding
	// Attacker is the attacker the release was protected against and
	// audited for (ProtectOptions.AttackerOf).
	Attacker audit.Attacker
	// Singletons is the singleton audit of the final pattern (nil with
	// Attacker.IgnoreSingletons, or when the audit failed).
	Singletons *audit.SingletonResult
}

// AttackerOf returns the attacker that the options' policy implies:
// Attacker, with ZerosWithheld set unless ZerosPublished.
func (o ProtectOptions) AttackerOf() audit.Attacker {
	a := o.Attacker
	if !o.ZerosPublished {
		a.ZerosWithheld = true
	}
	return a
}

// Protect protects the Primary cells of rel: Gauss secondary suppression,
// then an audit of every withheld cell's interval, then repair rounds that
// withhold more cells near every cell that fails, until the audit passes or
// MaxRounds is reached. Every secondary cell's reason names what it
// protects; cells the repair adds read "widens the interval of X".
//
// The repair works on the attacker's view: a primary cell p whose interval
// is d short of its requirement lies in equations (the totals above it)
// whose other terms are published. Withholding one of them adds an unknown
// to p's equation, and p can then move by as much as that term can move
// the other way, up to its value. So the repair withholds, for each failing
// cell, the published neighbour (a term of a total above p, or a term of p
// itself) with the smallest count that is at least d, or the largest count
// when none is, and reruns Gauss with it protected like a primary cell
// (GaussMore), so no published combination discloses it either. Cells are
// only ever added, so the withheld set grows round by round.
//
// Before each audit, the pattern is screened by bound propagation
// (audit.Screen, milliseconds): the cells it shows to fail certainly fail
// the audit too, so they are repaired at once, and the audit, which takes
// minutes on a large table, runs only on a pattern the screen passes (or
// for whose failures the repair finds nothing to withhold).
func Protect(ctx context.Context, rel *sdc.Release, opt ProtectOptions) (*ProtectResult, error) {
	if rel == nil {
		return nil, fmt.Errorf("%w: nil release", ErrGaussInput)
	}
	return ProtectLinked(ctx, nil, []*sdc.Release{rel}, opt)
}

// ProtectLinked is Protect for linked tables (see GaussLinked): the tables'
// Primary cells are protected by one Gauss run over all of them, and the
// audit takes the attacker's joint view, in which every cell any table
// publishes is known at once. The joint view is a release of base (nil
// means the first table) in which each table cell stands for its base cell
// (sdc.BaseCell: the tables must be marginals of base, sharing its
// dimensions) and base cells no table has are Hidden. The result's cells
// (Extra, Exact, Unresolved, and the audit's findings) are cells of base;
// every table's release gets the intervals of its withheld cells.
// Requirement, when set, is asked about base cells.
func ProtectLinked(ctx context.Context, base *sdc.Table, rels []*sdc.Release, opt ProtectOptions) (*ProtectResult, error) {
	say := func(format string, args ...any) {
		if opt.Progress != nil {
			opt.Progress(fmt.Sprintf(format, args...))
		}
	}
	if len(rels) == 0 {
		return nil, fmt.Errorf("%w: no release", ErrGaussInput)
	}
	if opt.ExactOnly {
		return protectExactOnly(ctx, base, rels, opt)
	}
	if opt.Requirement == nil && opt.Default == (audit.Requirement{}) {
		// A zero requirement would check disclosure only: say so instead.
		return nil, fmt.Errorf("%w: no protection requirement: set Default (such as audit.FrequencyRequirement(maxN)) or Requirement, or ExactOnly for exact disclosure only", ErrGaussInput)
	}
	for i, r := range rels {
		if r == nil {
			return nil, fmt.Errorf("%w: release %d is nil", ErrGaussInput, i+1)
		}
	}
	if base == nil {
		base = rels[0].Table()
	}
	maxRounds := opt.MaxRounds
	if maxRounds == 0 {
		maxRounds = 30
	}
	// Where each table cell stands in base, and back.
	single := len(rels) == 1 && rels[0].Table() == base
	toBase := make([][]int, len(rels))
	fromBase := map[int][]GaussCell{}
	if !single {
		for i, r := range rels {
			t := r.Table()
			toBase[i] = make([]int, t.NumCells())
			for c := range toBase[i] {
				bc := sdc.BaseCell(base, t, c)
				if bc < 0 {
					return nil, fmt.Errorf("%w: table %d has a dimension that is not one of the base table's", ErrGaussInput, i+1)
				}
				toBase[i][c] = bc
				fromBase[bc] = append(fromBase[bc], GaussCell{Table: i, Cell: c})
			}
		}
	}
	joint := func() *sdc.Release { return jointRelease(base, rels, single) }

	if opt.ZerosPublished && opt.Gauss.SecondaryZeros {
		return nil, fmt.Errorf("%w: ZerosPublished and Gauss.SecondaryZeros contradict each other (Protect sets Gauss.SecondaryZeros from ZerosPublished)", ErrGaussInput)
	}
	res := &ProtectResult{Attacker: opt.AttackerOf()}
	att := res.Attacker
	gopt := opt.Gauss
	gopt.SecondaryZeros = !opt.ZerosPublished
	method := opt.Secondary
	if method == nil {
		method = GaussMethod{}
	}
	var extraCells []GaussCell
	// why names, for each cell the repair withholds, the failing cells it
	// was chosen for (its reason names them).
	why := map[int][]int{}
	chosenTotal := 0
	run := func() error {
		o := gopt
		o.Extra = append(slices.Clone(gopt.Extra), extraCells...)
		if len(extraCells) > 0 {
			o.ExtraReason = "widens an attacker's interval"
			o.ExtraReasons = maps.Clone(gopt.ExtraReasons)
			if o.ExtraReasons == nil {
				o.ExtraReasons = map[GaussCell]string{}
			}
			for _, x := range extraCells {
				bc := x.Cell
				if !single {
					bc = toBase[x.Table][x.Cell]
				}
				if fs := why[bc]; len(fs) > 0 {
					names := make([]string, len(fs))
					for i, f := range fs {
						names[i] = base.Label(f)
					}
					o.ExtraReasons[x] = "widens the attacker's interval of " + joinAnd(names)
				}
			}
		}
		g, err := method.SecondaryLinked(ctx, base, rels, o)
		res.Gauss = g
		return err
	}
	if err := run(); err != nil {
		return nil, err
	}
	say("secondary suppression: %d cells", res.Gauss.Secondary)
	aopt := audit.Options{Requirement: opt.Requirement, Default: opt.Default, Full: opt.FullAudit, Attacker: att, Intruder: opt.Intruder}
	if opt.Progress != nil || opt.Steps != nil {
		// The audit of a large table takes minutes: say how far it is,
		// every ten seconds at most, with the time left at the rate so
		// far.
		var last, start time.Time
		aopt.Progress = func(done, total int) {
			if start.IsZero() || done == 0 {
				start, last = time.Now(), time.Now()
			}
			if opt.Steps != nil {
				opt.Steps("audit", done, total)
			}
			if opt.Progress != nil && done < total && time.Since(last) >= 10*time.Second {
				last = time.Now()
				say("audit: %d of %d withheld cells done after %s%s", done, total, time.Since(start).Round(time.Second), timeLeft(time.Since(start), done, total))
			}
		}
	}
	extra := map[int]bool{}
	// The cleanup, while its pattern is not yet audited, and what to put
	// back if it must be undone.
	var cleaned *cleanupResult
	var extraWas map[int]bool
	var resExtraWas []int
	var keptWas map[[2]int]bool
	var gaussWas GaussResult
	var cleanedToBase [][]int
	cleanTries := 0
	failedBefore := map[int]sdc.Interval{} // the last audit's failing cells
	keptCells := map[[2]int]bool{}         // table and cell of each kept cell
	for round := 0; ; round++ {
		rel := joint()
		// A repair round withholds more cells, as a rule: then every
		// table the last audit found is feasible still, and proves again
		// what it proved (audit.Options.Prior).
		if prev := res.Audit; prev != nil && prev.CanSeed(rel) == nil {
			aopt.Prior = prev
		} else {
			aopt.Prior = nil
		}
		// The screen by bound propagation finds, in milliseconds, cells
		// that certainly fail: repair those before paying for an audit.
		// When it finds none, or nothing to withhold for them, the audit
		// decides.
		var failing, stuck []audit.Finding
		added := 0
		if !opt.noScreen && round < maxRounds {
			sc, err := audit.Screen(ctx, rel, aopt)
			if err != nil {
				return nil, err
			}
			if sc.Passed() && !att.IgnoreSingletons {
				// The singleton intruder, screened the same way (its
				// checks are one-sided too).
				sg, err := audit.ScreenSingletons(ctx, rel, aopt)
				if err != nil {
					return nil, err
				}
				sc = &audit.Result{Audited: sc.Audited, Disclosed: sg.Disclosed, UnderProtected: sg.UnderProtected}
			}
			if !sc.Passed() {
				failing = append(append(failing, sc.Disclosed...), sc.UnderProtected...)
				if added, _ = repairRound(rel, failing, failedBefore, opt, extra, why, res); added > 0 {
					chosenTotal += added
					say("screen: %d withheld cells, %d disclosed, %d under-protected", sc.Audited, len(sc.Disclosed), len(sc.UnderProtected))
				}
			}
		}
		if added == 0 && res.Audits == 0 && !opt.NoCleanup {
			// Before the first audit, publish again what the pattern
			// does not need: the audit then decides the smaller one.
			tb := toBase
			if single {
				tb = nil
			}
			cl, err := cleanup(ctx, method, base, rels, rel, tb, gopt, aopt, len(res.Gauss.Unsafe))
			if err != nil {
				return nil, err
			}
			if len(cl.republished) > 0 {
				say("cleanup: %d of %d secondary cells published again (%d others withheld)", len(cl.republished), cl.tried, cl.regained)
				gaussWas, res.Gauss = res.Gauss, cl.gauss
				cleaned, cleanedToBase = &cl, tb
				extraWas, resExtraWas, keptWas = maps.Clone(extra), slices.Clone(res.Extra), maps.Clone(keptCells)
				cleanTries = 0
				res.Republished = cl.republished
				for _, c := range cl.republished {
					delete(extra, c)
				}
				res.Extra = slices.DeleteFunc(res.Extra, func(c int) bool { return !extra[c] })
				for k := range keptCells {
					if !rels[k[0]].Suppressed(k[1]) {
						delete(keptCells, k)
					}
				}
				res.Kept = len(keptCells)
				rel = joint()
			}
		}
		if added == 0 {
			a, err := audit.Audit(ctx, rel, aopt)
			if err != nil {
				return nil, err
			}
			res.Audit = a
			res.Audits++
			if !single {
				for i, r := range rels {
					for c, bc := range toBase[i] {
						if iv, ok := rel.Interval(bc); ok && r.Suppressed(c) {
							r.SetInterval(c, iv, rel.IntervalKind(bc))
						}
					}
				}
			}
			seeded := ""
			if aopt.Prior != nil {
				seeded = " (seeded by the last round's tables)"
			}
			say("audit%s: %d withheld cells, %d disclosed, %d under-protected", seeded, a.Audited, len(a.Disclosed), len(a.UnderProtected))
			failingNow := append(append([]audit.Finding(nil), a.Disclosed...), a.UnderProtected...)
			if len(failingNow) == 0 && !att.IgnoreSingletons {
				// The pattern the audit passed, against the singleton
				// intruder too.
				sg, err := audit.Singletons(ctx, rel, aopt)
				if err != nil {
					return nil, err
				}
				res.Singletons = sg
				failingNow = append(append(failingNow, sg.Disclosed...), sg.UnderProtected...)
				say("singletons: %d intruders (%d by LP, %d over larger components), %d pairs; %d primary cells disclosed to one, %d under-protected", sg.Intruders, sg.LPChecked, sg.LPSkipped, sg.Pairs, len(sg.Disclosed), len(sg.UnderProtected))
			}
			if len(failingNow) == 0 {
				prim, sec := 0, 0
				for _, r := range rels {
					prim, sec = prim+r.Count(sdc.Primary), sec+r.Count(sdc.Secondary)
				}
				say("protected: %d cells withheld, %d primary and %d secondary; the repair chose %d cells in %d rounds, %d of them still withheld; the cleanup published %d secondary cells again", prim+sec, prim, sec, chosenTotal, res.Rounds, len(res.Extra), len(res.Republished))
				return res, nil
			}
			if cleaned != nil {
				// The screen let the cleanup go too far: the audit's
				// attacker is stronger than propagation. Withhold again
				// what it published near the failing cells, or at last
				// all of it, and go on from there: a superset of the
				// audited pattern, so the next audit starts from this
				// one's tables.
				nfail := len(failingNow)
				var near []int
				if cleanTries < cleanupRetries {
					near = nearCells(base, failingNow)
				}
				if n := cleaned.rewithhold(rels, cleanedToBase, near); n > 0 && len(cleaned.republished) > 0 {
					cleanTries++
					say("cleanup: %d cells withheld again near the %d cells the audit found failing", n, nfail)
				} else {
					cleaned.revert(rels)
					cleaned = nil
					extra, res.Extra, keptCells, res.Gauss = extraWas, resExtraWas, keptWas, gaussWas
					res.Kept = len(keptCells)
					say("cleanup undone: the audit found %d cells failing", nfail)
				}
				res.Republished = nil
				if cleaned != nil {
					res.Republished = slices.Clone(cleaned.republished)
				}
				continue
			}
			failing = failingNow
			if round == maxRounds {
				res.Unresolved = failing
				return res, nil
			}
			added, stuck = repairRound(rel, failing, failedBefore, opt, extra, why, res)
			chosenTotal += added
			if added == 0 {
				res.Unresolved = stuck
				return res, nil
			}
		}
		failedBefore = map[int]sdc.Interval{}
		for _, f := range failing {
			failedBefore[f.Cell] = f.Interval
		}
		extraCells = extraCells[:0]
		for _, c := range slices.Sorted(maps.Keys(extra)) {
			if single {
				extraCells = append(extraCells, GaussCell{Table: 0, Cell: c})
			} else {
				extraCells = append(extraCells, fromBase[c]...)
			}
		}
		res.Rounds++
		withheldBefore := 0
		for _, r := range rels {
			withheldBefore += r.Count(sdc.Primary) + r.Count(sdc.Secondary)
		}
		say("repair round %d: %d cells chosen to widen the intervals of %d failing cells", res.Rounds, added, len(failing))
		// Secondary suppression runs again with the new cells forced in,
		// and may choose other secondary cells. Those withheld before stay
		// withheld, so that each round withholds a superset of the last:
		// that never narrows an interval, and lets the next audit start
		// from the tables the last one found.
		type kept struct {
			st     sdc.Status
			reason string
		}
		before := make([]map[int]kept, len(rels))
		for i, r := range rels {
			before[i] = map[int]kept{}
			for c := 0; c < r.Table().NumCells(); c++ {
				if r.Suppressed(c) {
					before[i][c] = kept{r.Status(c), r.Reason(c)}
				}
			}
		}
		if err := run(); err != nil {
			return nil, err
		}
		for i, r := range rels {
			for c, k := range before[i] {
				if !r.Suppressed(c) {
					r.Set(c, k.st, k.reason)
					keptCells[[2]int{i, c}] = true
				}
			}
		}
		withheldAfter := 0
		for _, r := range rels {
			withheldAfter += r.Count(sdc.Primary) + r.Count(sdc.Secondary)
		}
		say("repair round %d: %d cells withheld now, %+d: the %d chosen and %d more that secondary suppression withholds to protect them", res.Rounds, withheldAfter, withheldAfter-withheldBefore, added, withheldAfter-withheldBefore-added)
		res.Kept = len(keptCells)
		// A cell the cleanup published may be withheld again now.
		res.Republished = slices.DeleteFunc(res.Republished, func(bc int) bool {
			if single {
				return rels[0].Suppressed(bc)
			}
			x := fromBase[bc][0]
			return rels[x.Table].Suppressed(x.Cell)
		})
	}
}

// repairRound picks, for each failing cell, a published neighbour to
// withhold (see repairCandidate), adds it to extra and res.Extra, and
// returns how many it added and the cells it found nothing for. A cell
// whose interval is the same as in the last audit (before, its failing
// cells), so that the neighbour withheld then did not help, gets one of its
// totals withheld instead if it can: what pins it may be a small total
// whose terms are all withheld already.
func repairRound(rel *sdc.Release, failing []audit.Finding, before map[int]sdc.Interval, opt ProtectOptions, extra map[int]bool, why map[int][]int, res *ProtectResult) (int, []audit.Finding) {
	t := rel.Table()
	added := 0
	var stuck []audit.Finding
	chosen := map[int]bool{} // this round's cells
	for _, f := range failing {
		// A cell next to one chosen this round may be helped by it
		// already (a total and its only non-zero term fail together):
		// let the next audit tell.
		helper := -1
		if neighbours(t, f.Cell, func(n int) bool {
			if chosen[n] {
				helper = n
				return true
			}
			return false
		}) {
			why[helper] = append(why[helper], f.Cell)
			continue
		}
		need := 1.0 // a disclosed cell needs any width
		if rel.Status(f.Cell) == sdc.Primary {
			req := opt.Default
			if opt.Requirement != nil {
				req = opt.Requirement(f.Cell)
			}
			need = max(req.RangeMin, req.RangePercent/100*float64(t.Freq(f.Cell)), req.Upper, req.Lower, 1)
		}
		iv, failed := before[f.Cell]
		c := repairCandidate(rel, f.Cell, need-f.Interval.Width(), extra, !opt.noEscalate && failed && iv == f.Interval, !opt.ZerosPublished)
		if c < 0 {
			stuck = append(stuck, f)
			continue
		}
		extra[c], chosen[c] = true, true
		why[c] = append(why[c], f.Cell)
		res.Extra = append(res.Extra, c)
		added++
	}
	return added, stuck
}

// repairCandidate picks the published cell to withhold for failing cell c,
// among the cells that share an equation with it (see neighbours). Best is
// the one that leaves the fewest of its own equations with it as the only
// unknown (each such equation would give it away, so Gauss must withhold a
// further cell there), then one whose count is at least need (it can move c
// by need), the smallest such count, else the largest count; ties go to the
// lower cell index. With totals set, the totals of c along each dimension
// come first, by the same order, and the neighbours only when none is
// published. A cell of count 0 is a candidate only with zeros (the
// policy lets zeros be secondary cells): otherwise withholding it would
// break the policy the attacker is told (no zero is withheld). It
// returns -1 when no published, unfixed candidate is left.
func repairCandidate(rel *sdc.Release, c int, need float64, taken map[int]bool, totals, zeros bool) int {
	t := rel.Table()
	type key struct {
		alone  int
		enough bool
		v      int64
		n      int
	}
	less := func(a, b key) bool {
		if a.alone != b.alone {
			return a.alone < b.alone
		}
		if a.enough != b.enough {
			return a.enough
		}
		if a.v != b.v {
			if a.enough {
				return a.v < b.v
			}
			return a.v > b.v
		}
		return a.n < b.n
	}
	// A hidden cell (of no released table) is no equation and cannot be
	// withheld: for this purpose it counts as withheld already.
	withheld := func(x int) bool { return x == c || rel.Status(x) != sdc.Published || taken[x] }
	best := key{n: -1}
	consider := func(n int) bool {
		if withheld(n) || rel.Fixed(n) || !zeros && t.Freq(n) == 0 {
			return false
		}
		k := key{alone: aloneEquations(t, n, withheld), enough: float64(t.Freq(n)) >= need, v: t.Freq(n), n: n}
		if best.n < 0 || less(k, best) {
			best = k
		}
		return false
	}
	if totals {
		for d := 0; d < t.NumDims(); d++ {
			if p := t.Parent(c, d); p >= 0 {
				consider(p)
			}
		}
		if best.n >= 0 {
			return best.n
		}
	}
	neighbours(t, c, consider)
	return best.n
}

// aloneEquations counts the equations of cell n (as a term of a total, or
// as a total of its terms, along each dimension) in which no other cell is
// withheld.
func aloneEquations(t *sdc.Table, n int, withheld func(int) bool) int {
	alone := 0
	for d := 0; d < t.NumDims(); d++ {
		if p := t.Parent(n, d); p >= 0 {
			other := withheld(p)
			for _, s := range t.Children(p, d) {
				if other {
					break
				}
				other = s != n && withheld(s)
			}
			if !other {
				alone++
			}
		}
		if kids := t.Children(n, d); len(kids) > 0 {
			other := false
			for _, s := range kids {
				if other = withheld(s); other {
					break
				}
			}
			if !other {
				alone++
			}
		}
	}
	return alone
}

// neighbours calls fn with every cell that shares an equation with cell c:
// the other terms of each total above c, and the terms of c, along every
// dimension. It stops and reports true as soon as fn does.
func neighbours(t *sdc.Table, c int, fn func(n int) bool) bool {
	for d := 0; d < t.NumDims(); d++ {
		if p := t.Parent(c, d); p >= 0 {
			for _, s := range t.Children(p, d) {
				if s != c && fn(s) {
					return true
				}
			}
		}
		for _, s := range t.Children(c, d) {
			if fn(s) {
				return true
			}
		}
	}
	return false
}

// jointRelease is the attacker's joint view of linked tables (see
// ProtectLinked and sdc.JointRelease), or the one release itself.
func jointRelease(base *sdc.Table, rels []*sdc.Release, single bool) *sdc.Release {
	if single {
		return rels[0]
	}
	j, err := sdc.JointRelease(base, rels)
	if err != nil {
		panic(err) // ProtectLinked checked every table against base
	}
	return j
}

// protectExactOnly is ProtectLinked with ExactOnly: the same rounds of
// audit and repair, against the same attacker, but for one requirement
// only, that no withheld cell be pinned to one value (an interval of at
// least two values), and without the cleanup, so the pattern is Gauss's
// plus what the repair adds. Then the screen, under the requested
// requirements, counts the primary cells left certainly too narrow.
func protectExactOnly(ctx context.Context, base *sdc.Table, rels []*sdc.Release, opt ProtectOptions) (*ProtectResult, error) {
	o := opt
	o.ExactOnly, o.NoCleanup = false, true
	o.Requirement, o.Default = nil, audit.FrequencyRequirement(0)
	res, err := ProtectLinked(ctx, base, rels, o)
	if err != nil {
		return nil, err
	}
	if base == nil {
		base = rels[0].Table()
	}
	rel := rels[0]
	if len(rels) > 1 || rel.Table() != base {
		rel = jointRelease(base, rels, false)
	}
	res.Screen, err = audit.Screen(ctx, rel, audit.Options{Requirement: opt.Requirement, Default: opt.Default, Attacker: res.Attacker})
	if err != nil {
		return nil, err
	}
	if n := len(res.Screen.UnderProtected); n > 0 && opt.Progress != nil {
		opt.Progress(fmt.Sprintf("screen: %d primary cells certainly narrower than required (exact disclosure only: not repaired)", n))
	}
	return res, nil
}

// timeLeft says how long the rest of a stage should take at the rate so
// far: ", about 3m left" ("" before anything is done).
func timeLeft(elapsed time.Duration, done, total int) string {
	if done <= 0 || done >= total {
		return ""
	}
	left := time.Duration(float64(elapsed) / float64(done) * float64(total-done))
	return fmt.Sprintf(", about %s left", left.Round(time.Second))
}
