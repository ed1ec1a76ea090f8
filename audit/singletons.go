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
// Two checks, both of them one-sided (what they find is certain; a
// release they pass may still narrow a cell for an intruder by an LP,
// which is not run here):
//   - exact disclosure by integer elimination: for each intruder, the
//     withheld cells the published equations and the intruder's own cell
//     determine (a cell is determined when its vector, reduced by the
//     published equations, is a multiple of the intruder's reduced unit
//     vector);
//   - bound propagation (Screener.Probe) from the intruder's cell, alone
//     and with each other intruder of one of its relations: a withheld
//     cell pinned, or a primary cell narrower than its requirement.
//
// Only primary cells are findings: a secondary cell an intruder learns
// holds no count the rules protect (what it gives away of a primary cell
// is found at that cell). The intruder's own cell, and a pair's, is not a
// finding either: they know it;
// nor is a cell whose unpublished inner cells all lie in the intruders'
// own cells (a total over the intruder's cell and published zeros): it
// tells them their own count again.
func Singletons(ctx context.Context, rel *sdc.Release, opt Options) (*SingletonResult, error) {
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
	for c := 0; c < t.NumCells(); c++ {
		if rel.Suppressed(c) && t.Freq(c) == 1 {
			intruders = append(intruders, c)
			isIntruder[c] = true
		}
	}
	res.Intruders = len(intruders)
	if len(intruders) == 0 {
		return res, nil
	}
	found := map[int]bool{}
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
	add := func(list *[]Finding, f Finding, who string, by ...int) {
		if found[f.Cell] || rel.Status(f.Cell) != sdc.Primary || own(f.Cell, by) {
			return
		}
		found[f.Cell] = true
		f.Why = fmt.Sprintf("%s, for the person counted in %s", f.Why, who)
		*list = append(*list, f)
	}

	// Exact disclosure, one intruder at a time.
	determinedBy, err := exactByOne(ctx, rel, intruders)
	if err != nil {
		return nil, err
	}
	for i, cells := range determinedBy {
		for _, c := range cells {
			add(&res.Disclosed, Finding{Cell: c, Interval: sdc.Interval{Lower: float64(t.Freq(c)), Upper: float64(t.Freq(c))},
				Why: "determined by elimination"}, t.Label(intruders[i]), intruders[i])
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
	for _, pair := range intruderPairs(t, isIntruder) {
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
	slices.SortFunc(res.Disclosed, func(a, b Finding) int { return a.Cell - b.Cell })
	slices.SortFunc(res.UnderProtected, func(a, b Finding) int { return a.Cell - b.Cell })
	return res, nil
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

// exactByOne returns, for each intruder, the other withheld cells that
// the published equations determine once the intruder's cell is known
// and that they do not determine without it. A withheld cell c is
// determined with the intruder's cell s known when the residual of c's
// vector, reduced by the published equations, is a multiple of the
// residual of s's unit vector: the residuals are reduced fully (no pivot
// column left) and normalized, so that is an equality of residuals.
func exactByOne(ctx context.Context, rel *sdc.Release, intruders []int) ([][]int, error) {
	m := buildModel(rel, Attacker{ZerosWithheld: true})
	// The residual of every withheld cell, keyed by its normalized form.
	keys := make([]string, len(m.targets))
	if err := residuals(ctx, m, func(i int, r svec) { keys[i] = svecKey(r) }); err != nil {
		return nil, err
	}
	byKey := map[string][]int{}
	targetOf := map[int]int{}
	for i, tg := range m.targets {
		targetOf[int(tg.cell)] = i
		if keys[i] != "" { // not determined already
			byKey[keys[i]] = append(byKey[keys[i]], int(tg.cell))
		}
	}
	out := make([][]int, len(intruders))
	for n, s := range intruders {
		i, ok := targetOf[s]
		if !ok || keys[i] == "" {
			continue // known to every attacker already: Audit's finding
		}
		for _, c := range byKey[keys[i]] {
			if c != s {
				out[n] = append(out[n], c)
			}
		}
	}
	return out, nil
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
