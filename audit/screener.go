package audit

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/tabsdc/tabsdc/sdc"
)

// Screener is Screen made incremental, for a cleanup that tries to publish
// withheld cells one at a time (suppress.Protect does): it holds the outer
// bounds of every withheld cell of a pattern and answers whether the
// pattern with one more cell published still passes the screen.
//
// Publishing a cell only adds an equation the attacker knows, so the
// outer bounds of the pattern before stay valid outer bounds after; a
// trial starts from them and propagates from the relations of the cell
// alone, and only cells whose bounds move can newly fail. The bounds it
// reaches are those Screen computes for the new pattern from scratch
// (the propagation's fixpoint is the same), in a fraction of the time.
//
// Like Screen it is one-sided: a cell it refuses would certainly fail the
// audit, a cell it accepts may still fail it. A pattern the cleanup
// settles on is therefore audited as any other.
type Screener struct {
	rel *sdc.Release
	opt ScreenerOptions
	b   *cellBounds
	one *cellBounds // with ScreenerOptions.Singletons: withheld inner counts ≥ 1
	pub []bool      // variables taken as published by TryPublish

	// The bounds before the trial under way of every variable it moved,
	// in b and in one.
	log, logOne trialLog
}

// ScreenerOptions configures a Screener.
type ScreenerOptions struct {
	Options
	// Singletons also refuses a cell whose publication would pin a
	// primary cell to a single value for the attacker of suppress.Gauss
	// where zeros are always published (its default): every inner cell of
	// count 0 is known, and every other withheld inner cell is at least 1
	// (the singleton method anySum prevents exactly such pins). The
	// requirement is checked against the bounds from non-negativity
	// alone, as the audit's attacker has them.
	Singletons bool
}

// singletonBounds are what an attacker knows of withheld cell c where
// zeros are always published: an inner cell is 0 if its count is (Gauss
// takes every zero inner cell as known, even one a repair withheld) and at
// least 1 otherwise.
func singletonBounds(t *sdc.Table, c int) (lo, hi float64) {
	switch {
	case !t.IsInner(c):
		return 0, math.Inf(1)
	case t.Freq(c) == 0:
		return 0, 0
	}
	return 1, math.Inf(1)
}

// trialLog is what a trial changed in one set of bounds.
type trialLog struct {
	v      []int32
	lo, hi []float64
	logged []bool
}

func (l *trialLog) note(b *cellBounds, v int32) {
	if !l.logged[v] {
		l.logged[v] = true
		l.v = append(l.v, v)
		l.lo = append(l.lo, b.lo[v])
		l.hi = append(l.hi, b.hi[v])
	}
}

// fix sets variable v of b to val and propagates, noting every change.
func (l *trialLog) fix(b *cellBounds, v int32, val float64) {
	l.note(b, v)
	b.lo[v], b.hi[v] = val, val
	for q := b.colPtr[v]; q < b.colPtr[v+1]; q++ {
		b.enqueue(b.colRow[q])
	}
	b.propagate(func(u int32) { l.note(b, u) })
}

// end closes the trial, putting b back as it was unless keep.
func (l *trialLog) end(b *cellBounds, keep bool) {
	for i, u := range l.v {
		if !keep {
			b.lo[u], b.hi[u] = l.lo[i], l.hi[i]
		}
		l.logged[u] = false
	}
	l.v, l.lo, l.hi = l.v[:0], l.lo[:0], l.hi[:0]
}

// NewScreener propagates the outer bounds of every withheld cell of rel,
// as Screen does, and returns the screener with the screen's result for
// rel as it stands. Cells later published by TryPublish are not published
// in rel: the caller does that. rel must publish true values.
func NewScreener(ctx context.Context, rel *sdc.Release, opt ScreenerOptions) (*Screener, *Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if rel.HasValues() {
		return nil, nil, fmt.Errorf("audit: a screener needs a release of true values, not rounded or perturbed ones")
	}
	if err := opt.Attacker.check(rel); err != nil {
		return nil, nil, err
	}
	s := &Screener{rel: rel, opt: opt, b: propagateCellsFrom(rel, opt.Attacker.bounds(rel))}
	n := len(s.b.cell)
	s.pub, s.log.logged = make([]bool, n), make([]bool, n)
	if opt.Singletons {
		t := rel.Table()
		s.one = propagateCellsFrom(rel, func(c int) (float64, float64) { return singletonBounds(t, c) })
		s.logOne.logged = make([]bool, n)
	}
	res := &Result{}
	for v, c32 := range s.b.cell {
		c := int(c32)
		if !rel.Suppressed(c) {
			continue // hidden: no table's cell
		}
		res.Audited++
		res.check(rel, opt.Options, c, sdc.Interval{Lower: s.b.lo[v], Upper: s.b.hi[v]})
	}
	return s, res, ctx.Err()
}

// Bounds returns the outer interval of withheld cell c in the pattern as
// it stands (with every cell TryPublish accepted published).
func (s *Screener) Bounds(c int) (sdc.Interval, error) {
	v := s.b.varOf[c]
	if v < 0 || s.pub[v] {
		return sdc.Interval{}, fmt.Errorf("audit: %s is published", s.rel.Table().Label(c))
	}
	return sdc.Interval{Lower: s.b.lo[v], Upper: s.b.hi[v]}, nil
}

// TryPublish reports whether the pattern with the withheld cells published
// at their true values passes the screen at every cell whose outer
// interval that narrows: no withheld cell becomes a point, no primary cell
// narrower than its requirement (and, with Singletons, no primary cell
// pinned). If so, the screener takes the cells as published from now on
// and returns nil findings; if not, it stays as it was and the findings
// (outer intervals, as Screen's) say which cells would fail. A cell that
// is published already, hidden, or primary is an error.
func (s *Screener) TryPublish(cells ...int) (bool, []Finding, error) {
	return s.publish(cells, tryMode)
}

// Publish takes the withheld cells as published at their true values,
// whatever the screen finds, and returns its findings, as TryPublish's:
// for cells that are published through others all the same (a cell with
// the same inner cells as a published one, say), so that the screener
// goes on from the pattern as it is.
func (s *Screener) Publish(cells ...int) ([]Finding, error) {
	_, findings, err := s.publish(cells, forceMode)
	return findings, err
}

// Probe reports what the screen finds at the other withheld cells when
// an attacker also knows the true values of the given withheld cells
// (primary ones too: a respondent alone in a cell of count 1 knows it),
// and leaves the screener as it was. It is the screen of the singleton
// intruder (see Singletons).
func (s *Screener) Probe(cells ...int) ([]Finding, error) {
	_, findings, err := s.publish(cells, probeMode)
	return findings, err
}

// The modes of publish: keep the cells published when the screen passes,
// keep them whatever it finds, or never keep them.
const (
	tryMode = iota
	forceMode
	probeMode
)

func (s *Screener) publish(cells []int, mode int) (bool, []Finding, error) {
	t := s.rel.Table()
	vars := make([]int32, len(cells))
	for i, c := range cells {
		if c < 0 || c >= t.NumCells() {
			return false, nil, fmt.Errorf("audit: cell %d out of range", c)
		}
		v := s.b.varOf[c]
		switch {
		case v < 0 || s.pub[v]:
			return false, nil, fmt.Errorf("audit: %s is published already", t.Label(c))
		case s.rel.Status(c) == sdc.Primary && mode != probeMode:
			return false, nil, fmt.Errorf("audit: %s is a primary cell", t.Label(c))
		case !s.rel.Suppressed(c):
			return false, nil, fmt.Errorf("audit: %s is hidden (of no released table)", t.Label(c))
		}
		vars[i] = v
	}
	trying := func(u int32) bool { return slices.Contains(vars, u) }
	for i, v := range vars {
		s.log.fix(s.b, v, float64(t.Freq(cells[i])))
	}
	var res Result
	for _, u := range s.log.v {
		if s.pub[u] || trying(u) {
			continue
		}
		if cu := int(s.b.cell[u]); s.rel.Suppressed(cu) {
			res.check(s.rel, s.opt.Options, cu, sdc.Interval{Lower: s.b.lo[u], Upper: s.b.hi[u]})
		}
	}
	if s.one != nil {
		for i, v := range vars {
			s.logOne.fix(s.one, v, float64(t.Freq(cells[i])))
		}
		for _, u := range s.logOne.v {
			if s.pub[u] || trying(u) {
				continue
			}
			cu := int(s.one.cell[u])
			if s.rel.Status(cu) == sdc.Primary && s.one.hi[u]-s.one.lo[u] < tol {
				iv := sdc.Interval{Lower: s.one.lo[u], Upper: s.one.hi[u]}
				res.Disclosed = append(res.Disclosed, Finding{Cell: cu, Interval: iv, Why: "pinned to " + intervalString(iv) + " when withheld counts are at least 1 (singletons)"})
			}
		}
	}
	findings := append(res.Disclosed, res.UnderProtected...)
	ok := mode == forceMode || mode == tryMode && len(findings) == 0
	if ok {
		for _, v := range vars {
			s.pub[v] = true
		}
	}
	s.log.end(s.b, ok)
	if s.one != nil {
		s.logOne.end(s.one, ok)
	}
	return len(findings) == 0, findings, nil
}
