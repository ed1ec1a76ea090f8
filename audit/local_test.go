package audit

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/internal/attack"
)

// Property: the outer bounds of bound propagation contain every value an
// unknown takes in the tables the independent attacker enumerates, and so
// do the outer bounds of sums and of every withheld cell. Column
// generation takes a search that reaches an outer bound as exact, so an
// outer bound that is too tight would understate the attacker's interval.
func TestPropagateContainsEnumeration(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	compared, tight, innerTight, cells, cellsTight := 0, 0, 0, 0, 0
	for trial := 0; trial < 300; trial++ {
		tab := attack.RandomTable(rng, 2+trial%2)
		rel := attack.RandomPattern(rng, tab)
		at, ok := attack.Enumerate(rel, 200000)
		if !ok {
			continue
		}
		m := buildModel(rel, Attacker{ZerosWithheld: true})
		if len(m.varCell) == 0 {
			continue
		}
		sh := newLocalShared(m, localLimits{}.withDefaults())
		ilo, ihi := propagate(m)
		for v, c := range m.varCell {
			lo, hi := at.Interval(int(c))
			compared++
			assert.LessOrEqual(t, ilo[v], lo+1e-9, "trial %d %s", trial, tab.Label(int(c)))
			assert.GreaterOrEqual(t, ihi[v], hi-1e-9, "trial %d %s", trial, tab.Label(int(c)))
			if ilo[v] == lo && ihi[v] == hi {
				innerTight++
			}
			assert.LessOrEqual(t, sh.lo[v], lo+1e-9, "trial %d %s", trial, tab.Label(int(c)))
			assert.GreaterOrEqual(t, sh.hi[v], hi-1e-9, "trial %d %s", trial, tab.Label(int(c)))
			if sh.lo[v] == lo && sh.hi[v] == hi {
				tight++
			}
		}
		for _, tg := range m.targets {
			if len(tg.vars) < 2 {
				continue
			}
			lo, hi := at.Interval(int(tg.cell))
			olo, ohi := sh.outer(tg.vars)
			assert.LessOrEqual(t, tg.base+olo, lo+1e-9, "trial %d %s", trial, tab.Label(int(tg.cell)))
			assert.GreaterOrEqual(t, tg.base+ohi, hi-1e-9, "trial %d %s", trial, tab.Label(int(tg.cell)))
		}
		// Propagation over the cell relations, for every withheld cell.
		for _, tg := range m.targets {
			lo, hi := at.Interval(int(tg.cell))
			clo, chi := m.cells.bounds(tg.cell)
			cells++
			assert.LessOrEqual(t, clo, lo+1e-9, "trial %d %s", trial, tab.Label(int(tg.cell)))
			assert.GreaterOrEqual(t, chi, hi-1e-9, "trial %d %s", trial, tab.Label(int(tg.cell)))
			if clo == lo && chi == hi {
				cellsTight++
			}
		}
	}
	t.Logf("exact: %d of %d unknowns by both propagations, %d by the inner equations; %d of %d withheld cells by the cell relations", tight, compared, innerTight, cellsTight, cells)
	require.Greater(t, compared, 500)
	require.Greater(t, innerTight, 100, "propagation over the inner equations should often be exact")
	require.Less(t, innerTight, compared, "and not always, or the test is too easy")
	// Over the cell relations it is exact far more often (4,109 of 4,110
	// withheld cells here).
	require.Greater(t, cells, 500)
	require.Greater(t, cellsTight, innerTight)
	require.Greater(t, tight, innerTight, "the unknowns' bounds use both")
}

// Property: every cube move leaves every equation of the attacker's model
// unchanged, and chains of moves reach only non-negative tables that
// satisfy all equations.
func TestCubeMovesKeepTotals(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	cubesSeen, pushed := 0, 0
	for trial := 0; trial < 200; trial++ {
		tab := attack.RandomTable(rng, 2+trial%3)
		rel := attack.RandomPattern(rng, tab)
		m := buildModel(rel, Attacker{ZerosWithheld: true})
		if len(m.varCell) == 0 {
			continue
		}
		sh := newLocalShared(m, localLimits{}.withDefaults())
		cb := newCubes(m)
		for v, c := range m.varCell {
			cb.each(int(c), func(vars []int32, odd []bool) {
				cubesSeen++
				require.Len(t, vars, 1<<tab.NumDims())
				require.Equal(t, int32(v), vars[0])
				d := make(map[int32]float64)
				for i, u := range vars {
					require.GreaterOrEqual(t, u, int32(0))
					if odd[i] {
						d[u]--
					} else {
						d[u]++
					}
				}
				for r, row := range m.rows {
					sum := 0.0
					for _, u := range row {
						sum += d[u]
					}
					require.Zero(t, sum, "trial %d: cube of %s changes equation %d", trial, tab.Label(int(c)), r)
				}
			})
			for _, up := range []bool{true, false} {
				x := append([]float64(nil), sh.truth...)
				goal := sh.hi[v]
				if !up {
					goal = sh.lo[v]
				}
				if changed := cb.push(x, int(c), up, goal, cubeSteps, nil); len(changed) > 0 {
					pushed++
					if up {
						require.Greater(t, x[v], sh.truth[v])
					} else {
						require.Less(t, x[v], sh.truth[v])
					}
				}
				for r, row := range m.rows {
					sum := 0.0
					for _, u := range row {
						require.GreaterOrEqual(t, x[u], -1e-9)
						sum += x[u]
					}
					require.InDelta(t, m.rhs[r], sum, 1e-9)
				}
			}
		}
	}
	require.Greater(t, cubesSeen, 50, "cube moves must be exercised")
	require.Greater(t, pushed, 20)
}

// TestChunkClaimsCoverEveryTargetOnce: whatever the number of targets and
// workers, the workers together get every position once, and each chunk
// is a run of consecutive positions.
func TestChunkClaimsCoverEveryTargetOnce(t *testing.T) {
	for _, tc := range []struct{ n, workers int }{{0, 2}, {1, 2}, {5, 2}, {31, 2}, {32, 2}, {1000, 2}, {1000, 3}, {50495, 2}} {
		c := newChunkClaims(tc.n, tc.workers)
		got := make([][]int, tc.workers)
		var wg sync.WaitGroup
		for w := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for p := range c.all() {
					got[w] = append(got[w], p)
				}
			}()
		}
		wg.Wait()
		seen := make([]int, tc.n)
		for _, ps := range got {
			for i, p := range ps {
				seen[p]++
				if i > 0 && p != ps[i-1]+1 {
					// A new chunk starts at a multiple of the size.
					require.Zero(t, p%c.size, "n=%d: position %d starts no chunk", tc.n, p)
				}
			}
		}
		for p, k := range seen {
			require.Equal(t, 1, k, "n=%d workers=%d: position %d claimed %d times", tc.n, tc.workers, p, k)
		}
		if tc.n >= tc.workers*chunksPerWorker {
			require.GreaterOrEqual(t, c.size, tc.n/(tc.workers*chunksPerWorker))
		}
	}
}
