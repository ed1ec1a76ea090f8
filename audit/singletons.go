package audit

import (
	"context"
	"fmt"
	"slices"

	"github.com/tabsdc/tabsdc/sdc"
)

// SingletonResult is the outcome of Singletons.
type SingletonResult struct {
	// Intruders is the number of withheld cells of count 1, each known
	// to the one person counted in it; Pairs the number of pairs of
	// them in one relation (a total and its terms along one dimension),
	// tried as two persons who pool what they know.
	Intruders, Pairs int
	// LPChecked is the number of intruders whose cell's components were
	// audited by LP with the cell known; LPSkipped the number whose
	// components were larger than SingletonLPLimit (checked by
	// elimination and propagation only).
	LPChecked, LPSkipped int
	// Disclosed lists primary cells an intruder (or a pair) pins to one
	// value; UnderProtected primary cells whose outer interval, for an
	// intruder, is narrower than their requirement. Each cell is listed
	// once, and its Why names the intruder.
	Disclosed, UnderProtected []Finding
}

// Passed reports whether no intruder learns too much.
func (r *SingletonResult) Passed() bool {
	return len(r.Disclosed) == 0 && len(r.UnderProtected) == 0
}

// Singletons audits a release against the singleton intruder: a person
// counted alone in a withheld cell (count 1, an inner cell or a total)
// knows that cell's value, and may pool it with another such person of the same relation.
// Everything Audit's attacker knows (opt.Attacker) the intruder knows too.
//
// Three checks; what they find is certain:
//   - exact disclosure by integer elimination: for each intruder, and
//     each pair, the withheld cells the published equations and the
//     intruders' own cells determine (a cell is determined when its
//     vector, reduced by the published equations, lies in the span of
//     the intruders' reduced unit vectors);
//   - bound propagation (Screener.Probe) from the intruder's cell, alone
//     and with each other intruder of one of its relations: a withheld
//     cell pinned, or a primary cell narrower than its requirement;
//   - for each intruder alone, where the components of its cell hold at
//     most SingletonLPLimit unknowns, the LP audit (as Audit) of the
//     primary cells sharing a component with it, the intruder's cell
//     known: exact, as Audit is. Pairs, and intruders over larger
//     components, have only the first two checks, which may pass a
//     release that the LP would find narrows a cell for them.
//
// Only primary cells are findings: a secondary cell an intruder learns
// holds no count the rules protect (what it gives away of a primary cell
// is found at that cell). The intruder's own cell, and a pair's, is not a
// finding either: they know it;
// nor is a cell whose unpublished inner cells all lie in the intruders'
// own cells (a total over the intruder's cell and published zeros): it
// tells them their own count again.
func Singletons(ctx context.Context, rel *sdc.Release, opt Options) (*SingletonResult, error) {
	return singletons(ctx, rel, opt, true)
}

// ScreenSingletons is Singletons without its LPs: elimination and
// propagation only, in milliseconds, for a repair loop that runs
// Singletons on the pattern it settles on.
func ScreenSingletons(ctx context.Context, rel *sdc.Release, opt Options) (*SingletonResult, error) {
	return singletons(ctx, rel, opt, false)
}

func singletons(ctx context.Context, rel *sdc.Release, opt Options, lps bool) (*SingletonResult, error) {
	if err := opt.Attacker.check(rel); err != nil {
		return nil, err
	}
	if rel.HasValues() {
		return nil, fmt.Errorf("audit: the singleton audit needs a release of true values, not rounded or perturbed ones")
	}
	t := rel.Table()
	res := &SingletonResult{}
	// Every withheld cell of count 1, inner or total: the one person in
	// it knows it (a total of one linked table may be the inner cell of
	// another, and is a cell of count 1 either way).
	var intruders []int
	isIntruder := map[int]bool{}
	knows := opt.Intruder
	if knows == nil {
		knows = func(c int) bool { return t.Freq(c) == 1 }
	}
	for c := 0; c < t.NumCells(); c++ {
		if rel.Suppressed(c) && knows(c) {
			intruders = append(intruders, c)
			isIntruder[c] = true
		}
	}
	res.Intruders = len(intruders)
	if len(intruders) == 0 {
		return res, nil
	}
	found := map[int]int{} // 1: under-protected, 2: disclosed
	// A cell whose unpublished inner cells all lie in the intruders' own
	// cells tells them only what they know: their own count (plus
	// published values).
	under := func(ic, s int) bool {
		for d := 0; d < t.NumDims(); d++ {
			if !t.Dim(d).IsAncestor(t.Node(s, d), t.Node(ic, d)) {
				return false
			}
		}
		return true
	}
	own := func(c int, who []int) bool {
		only := true
		t.ForEachInner(c, func(k int) {
			ic := t.InnerCell(k)
			if _, ok := rel.Value(ic); !ok && !slices.ContainsFunc(who, func(s int) bool { return under(ic, s) }) {
				only = false
			}
		})
		return only
	}
	// A cell is listed once, as disclosed when any intruder pins it.
	add := func(list *[]Finding, f Finding, who string, by ...int) {
		disclosed := list == &res.Disclosed
		if found[f.Cell] == 2 || (found[f.Cell] == 1 && !disclosed) || rel.Status(f.Cell) != sdc.Primary || own(f.Cell, by) {
			return
		}
		if found[f.Cell] == 1 {
			res.UnderProtected = slices.DeleteFunc(res.UnderProtected, func(g Finding) bool { return g.Cell == f.Cell })
		}
		found[f.Cell] = 1
		if disclosed {
			found[f.Cell] = 2
		}
		f.Why = fmt.Sprintf("%s, for the person counted in %s", f.Why, who)
		*list = append(*list, f)
	}

	// Exact disclosure by elimination, one intruder at a time and in
	// pairs of one relation.
	pairs := intruderPairs(t, isIntruder)
	bySingle, byPair, err := exactBy(ctx, rel, intruders, pairs)
	if err != nil {
		return nil, err
	}
	point := func(c int) sdc.Interval { return sdc.Interval{Lower: float64(t.Freq(c)), Upper: float64(t.Freq(c))} }
	for i, cells := range bySingle {
		for _, c := range cells {
			add(&res.Disclosed, Finding{Cell: c, Interval: point(c), Why: "determined by elimination"}, t.Label(intruders[i]), intruders[i])
		}
	}
	for i, cells := range byPair {
		for _, c := range cells {
			add(&res.Disclosed, Finding{Cell: c, Interval: point(c), Why: "determined by elimination"},
				t.Label(pairs[i][0])+" and the one in "+t.Label(pairs[i][1]), pairs[i][0], pairs[i][1])
		}
	}

	// Propagation, alone and in pairs of one relation.
	sc, _, err := NewScreener(ctx, rel, ScreenerOptions{Options: opt})
	if err != nil {
		return nil, err
	}
	record := func(fs []Finding, who string, by ...int) {
		for _, f := range fs {
			if f.Interval.Width() < tol {
				add(&res.Disclosed, f, who, by...)
			} else {
				add(&res.UnderProtected, f, who, by...)
			}
		}
	}
	for i, s := range intruders {
		if i&255 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		fs, err := sc.Probe(s)
		if err != nil {
			return nil, err
		}
		record(fs, t.Label(s), s)
	}
	for _, pair := range pairs {
		if res.Pairs&255 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		res.Pairs++
		fs, err := sc.Probe(pair[0], pair[1])
		if err != nil {
			return nil, err
		}
		record(fs, t.Label(pair[0])+" and the one in "+t.Label(pair[1]), pair[0], pair[1])
	}

	// The LP, one intruder at a time, where the intruder's components are
	// small enough: the audit of the primary cells that share a
	// component with the intruder's cell, with that cell known.
	if lps {
		if err := singletonLPs(ctx, rel, opt, intruders, res, func(fs []Finding, s int) { record(fs, t.Label(s), s) }); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(res.Disclosed, func(a, b Finding) int { return a.Cell - b.Cell })
	slices.SortFunc(res.UnderProtected, func(a, b Finding) int { return a.Cell - b.Cell })
	return res, nil
}

// SingletonLPLimit is the most unknowns (inner cells the attacker cannot
// read off) the components of an intruder's cell may hold for Singletons
// to solve the LPs of the cells they share with it; an intruder over
// more is checked by elimination and propagation only, and counted in
// SingletonResult.LPSkipped.
const SingletonLPLimit = 400

// singletonLPs audits, for each intruder whose components hold at most
// SingletonLPLimit unknowns, the primary cells sharing a component with
// it, with the intruder's cell known, and passes each audit's findings to
// record.
func singletonLPs(ctx context.Context, rel *sdc.Release, opt Options, intruders []int, res *SingletonResult, record func(fs []Finding, s int)) error {
	m := buildModel(rel, opt.Attacker)
	primaryIn := make([][]int, m.ncomp) // primary cells touching each component
	targetOf := map[int]int{}
	for i, tg := range m.targets {
		targetOf[int(tg.cell)] = i
		if rel.Status(int(tg.cell)) != sdc.Primary {
			continue
		}
		for _, c := range tg.comps {
			primaryIn[c] = append(primaryIn[c], int(tg.cell))
		}
	}
	aopt := Options{Requirement: opt.Requirement, Default: opt.Default, Attacker: opt.Attacker}
	for _, s := range intruders {
		if err := ctx.Err(); err != nil {
			return err
		}
		i, ok := targetOf[s]
		if !ok {
			continue
		}
		size := 0
		for _, c := range m.targets[i].comps {
			size += m.compSize[c]
		}
		if size > SingletonLPLimit {
			res.LPSkipped++
			continue
		}
		cells := map[int]bool{}
		for _, c := range m.targets[i].comps {
			for _, p := range primaryIn[c] {
				if p != s {
					cells[p] = true
				}
			}
		}
		if len(cells) == 0 {
			continue
		}
		known := rel.Clone()
		known.Set(s, sdc.Published, "")
		a, err := auditCells(ctx, known, aopt, func(c int) bool { return cells[c] })
		if err != nil {
			return fmt.Errorf("audit: the LP of the person counted in %s: %w", rel.Table().Label(s), err)
		}
		res.LPChecked++
		record(a.Disclosed, s)
		record(a.UnderProtected, s)
	}
	return nil
}

// intruderPairs lists every pair of intruders that are terms of one
// relation (children of one cell along one dimension), each pair once.
func intruderPairs(t *sdc.Table, isIntruder map[int]bool) [][2]int {
	seen := map[[2]int]bool{}
	var pairs [][2]int
	cells := make([]int, 0, len(isIntruder))
	for c := range isIntruder {
		cells = append(cells, c)
	}
	slices.Sort(cells)
	for _, c := range cells {
		for d := 0; d < t.NumDims(); d++ {
			p := t.Parent(c, d)
			if p < 0 {
				continue
			}
			for _, o := range t.Children(p, d) {
				if o <= c || !isIntruder[o] {
					continue
				}
				if k := [2]int{c, o}; !seen[k] {
					seen[k] = true
					pairs = append(pairs, k)
				}
			}
		}
	}
	return pairs
}

// exactBy returns, for each intruder and for each pair of them, the
// other withheld cells that the published equations determine once the
// intruders' cells are known and that they do not determine without
// them. With the residual of a vector its reduction by the published
// equations (fully reduced: no pivot column left, and normalized), a
// withheld cell c is determined by intruder s when c's residual is a
// multiple of s's, that is equal to it; and by a pair when c's residual
// lies in the span of the pair's two.
func exactBy(ctx context.Context, rel *sdc.Release, intruders []int, pairs [][2]int) (single, pair [][]int, err error) {
	m := buildModel(rel, Attacker{ZerosWithheld: true})
	res := make([]svec, len(m.targets))
	if err := residuals(ctx, m, func(i int, r svec) { res[i] = slices.Clone(r) }); err != nil {
		return nil, nil, err
	}
	byKey := map[string][]int{}    // targets by residual
	byFirst := map[int32][]int32{} // targets by the first column of their residual
	targetOf := map[int]int{}
	for i, tg := range m.targets {
		targetOf[int(tg.cell)] = i
		if len(res[i]) > 0 { // not determined already
			k := svecKey(res[i])
			byKey[k] = append(byKey[k], int(tg.cell))
			byFirst[res[i][0].col] = append(byFirst[res[i][0].col], int32(i))
		}
	}
	single = make([][]int, len(intruders))
	for n, s := range intruders {
		i, ok := targetOf[s]
		if !ok || len(res[i]) == 0 {
			continue // known to every attacker already: Audit's finding
		}
		for _, c := range byKey[svecKey(res[i])] {
			if c != s {
				single[n] = append(single[n], c)
			}
		}
	}
	pair = make([][]int, len(pairs))
	for n, pr := range pairs {
		if n&255 == 0 && ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		i1, ok1 := targetOf[pr[0]]
		i2, ok2 := targetOf[pr[1]]
		if !ok1 || !ok2 || len(res[i1]) == 0 || len(res[i2]) == 0 {
			continue
		}
		a, b := res[i1], res[i2]
		// b reduced by a: the pair's span in echelon form.
		if k, ok := coef(b, a[0].col); ok {
			if b, err = combine(nil, b, a[0].val, a, k); err != nil {
				return nil, nil, err
			}
			b = normalize(b)
		}
		if len(b) == 0 {
			continue // one residual a multiple of the other: the singles' case
		}
		seen := map[int32]bool{}
		for _, v := range [2]svec{a, b} {
			for _, e := range v {
				for _, c := range byFirst[e.col] {
					cell := int(m.targets[c].cell)
					if seen[c] || cell == pr[0] || cell == pr[1] {
						continue
					}
					seen[c] = true
					in, err := inSpan2(res[c], a, b)
					if err != nil {
						return nil, nil, err
					}
					if in {
						pair[n] = append(pair[n], cell)
					}
				}
			}
		}
		slices.Sort(pair[n])
	}
	return single, pair, nil
}

// coef returns v's coefficient in column col.
func coef(v svec, col int32) (int64, bool) {
	k, ok := slices.BinarySearchFunc(v, col, func(e entry, c int32) int { return int(e.col) - int(c) })
	if !ok {
		return 0, false
	}
	return v[k].val, true
}

// inSpan2 reports whether v lies in the span of a and b, where b has no
// entry in a's first column (an echelon pair).
func inSpan2(v, a, b svec) (bool, error) {
	var err error
	for _, p := range [2]svec{a, b} {
		if k, ok := coef(v, p[0].col); ok {
			if v, err = combine(nil, v, p[0].val, p, k); err != nil {
				return false, err
			}
		}
	}
	return len(v) == 0, nil
}

// svecKey is a map key for a normalized sparse vector ("" for the empty
// one).
func svecKey(v svec) string {
	b := make([]byte, 0, 12*len(v))
	for _, e := range v {
		b = append(b, byte(e.col), byte(e.col>>8), byte(e.col>>16), byte(e.col>>24))
		for s := 0; s < 64; s += 8 {
			b = append(b, byte(e.val>>s))
		}
	}
	return string(b)
}
