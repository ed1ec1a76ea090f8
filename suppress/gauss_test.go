package suppress

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/benchmarks"
	"github.com/tabsdc/tabsdc/sdc"
)

// gaussTable builds a table from flat dimensions and a grid of inner counts,
// listed in inner-cell order (last dimension fastest).
func gaussTable(t *testing.T, dims [][]string, names []string, counts []int64) *sdc.Table {
	t.Helper()
	var ds []*sdc.Dimension
	for i, codes := range dims {
		d, err := sdc.NewFlat(names[i], codes)
		require.NoError(t, err)
		ds = append(ds, d)
	}
	return buildInner(t, ds, counts)
}

func buildInner(t *testing.T, ds []*sdc.Dimension, counts []int64) *sdc.Table {
	t.Helper()
	b, err := sdc.NewBuilder(ds...)
	require.NoError(t, err)
	shape := b.Shape()
	require.Equal(t, shape.NumInner(), len(counts))
	for k, v := range counts {
		if v != 0 {
			require.NoError(t, b.AddInnerCell(shape.InnerCell(k), v))
		}
	}
	tb, err := b.Build()
	require.NoError(t, err)
	return tb
}

func cellOf(t *testing.T, tb *sdc.Table, codes ...string) int {
	t.Helper()
	c, err := tb.CellOf(codes...)
	require.NoError(t, err)
	return c
}

func suppressedLabels(rel *sdc.Release, s sdc.Status) []string {
	var out []string
	for c, st := range rel.Statuses() {
		if st == s {
			out = append(out, rel.Table().Label(c))
		}
	}
	return out
}

// TestGaussRectangle: a 2-D table with one small cell needs a rectangle of
// four suppressions (Hundepool et al. 2012, §4.3): the primary, one cell in
// its row, one in its column and the cell where those meet, totals published.
func TestGaussRectangle(t *testing.T) {
	tests := []struct {
		name   string
		counts []int64
		want   []string // secondary cells: the cheapest rectangle
	}{
		{"corner", []int64{
			2, 20, 30,
			25, 12, 40,
			33, 41, 15,
		}, []string{"r1×c2", "r2×c1", "r2×c2"}},
		{"middle", []int64{
			20, 30, 40,
			25, 3, 44,
			13, 41, 15,
		}, []string{"r1×c1", "r1×c2", "r2×c1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tb := gaussTable(t, [][]string{{"r1", "r2", "r3"}, {"c1", "c2", "c3"}}, []string{"row", "col"}, tc.counts)
			rel := gaussFreqRelease(tb, 4)
			res, err := Gauss(context.Background(), rel, GaussOptions{})
			require.NoError(t, err)
			assert.Equal(t, 1, res.Primary)
			assert.Equal(t, 3, res.Secondary)
			assert.ElementsMatch(t, tc.want, suppressedLabels(rel, sdc.Secondary))
			// A rectangle: every row and column with a suppression has two.
			rows, cols := map[string]int{}, map[string]int{}
			for c, st := range rel.Statuses() {
				if st.Suppressed() {
					require.True(t, tb.IsInner(c), "totals stay published")
					cd := tb.Codes(c)
					rows[cd[0]]++
					cols[cd[1]]++
				}
			}
			for _, n := range rows {
				assert.Equal(t, 2, n)
			}
			for _, n := range cols {
				assert.Equal(t, 2, n)
			}
			requireNoDisclosure(t, attackFromTable(rel), GaussOptions{})
			require.Len(t, res.Protections, 3)
			for _, p := range res.Protections {
				assert.Equal(t, 0, p.Protects[0].Table)
				assert.Equal(t, sdc.Primary, rel.Status(p.Protects[0].Cell))
			}
		})
	}
}

// TestGaussSingletons: two ones in one relation must not reveal each other.
// With zeros published a withheld count is at least 1, so if the published
// cells give r1×A + r1×B = 2, both are 1. This is the singleton problem of
// Langsrud's paper (and of the easySdcTable vignette "The problem of
// singletons and zeros").
func TestGaussSingletons(t *testing.T) {
	tests := []struct {
		name   string
		dims   [][]string
		counts []int64
		maxN   int64
	}{
		{"two ones in a row", [][]string{{"r1", "r2"}, {"A", "B", "C"}}, []int64{
			1, 1, 9,
			9, 8, 7,
		}, 4},
		{"easySdcTable data1a", [][]string{{"r1", "r2"}, {"A", "B", "H", "M", "W"}}, []int64{
			0, 1, 7, 1, 0,
			2, 0, 0, 2, 8,
		}, 3},
		{"three ones", [][]string{{"r1", "r2", "r3"}, {"A", "B", "C", "D"}}, []int64{
			1, 1, 1, 20,
			1, 9, 8, 7,
			30, 12, 11, 10,
		}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tb := gaussTable(t, tc.dims, []string{"row", "col"}, tc.counts)
			rel := gaussFreqRelease(tb, tc.maxN)
			_, err := Gauss(context.Background(), rel, GaussOptions{})
			require.NoError(t, err)
			requireNoDisclosure(t, attackFromTable(rel), GaussOptions{})
		})
	}
	// Without singleton handling the first table leaks: the rectangle
	// r1×A, r1×B, r2×A, r2×B leaves r1×A + r1×B = 11 − 9 = 2.
	tb := gaussTable(t, tests[0].dims, []string{"row", "col"}, tests[0].counts)
	rel := gaussFreqRelease(tb, 4)
	_, err := Gauss(context.Background(), rel, GaussOptions{Singleton: GaussSingletonNone})
	require.NoError(t, err)
	assert.Empty(t, attackFromTable(rel).disclosed(nil), "linear protection holds")
	assert.Contains(t, attackFromTable(rel).disclosed(func(v int64) bool { return v == 1 }), "r1×A", "the singleton attack succeeds without anySum")
}

// TestGaussZeros: a published total of 0 reveals the zeros under it; with
// SecondaryZeros the zeros may protect, but never through a published sum
// of zeros.
func TestGaussZeros(t *testing.T) {
	counts := []int64{
		0, 0, 3, 9,
		0, 7, 8, 9,
		0, 6, 0, 12,
	}
	for _, opt := range []GaussOptions{{}, {SecondaryZeros: true}, {Singleton: GaussSingletonNone}} {
		t.Run(fmt.Sprintf("zeros=%v/%v", opt.SecondaryZeros, opt.Singleton), func(t *testing.T) {
			tb := gaussTable(t, [][]string{{"r1", "r2", "r3"}, {"A", "B", "C", "D"}}, []string{"row", "col"}, counts)
			rel := gaussFreqRelease(tb, 4)
			_, err := Gauss(context.Background(), rel, opt)
			require.NoError(t, err)
			requireNoDisclosure(t, attackFromTable(rel), opt)
			if !opt.SecondaryZeros {
				for c, st := range rel.Statuses() {
					if tb.Freq(c) == 0 {
						assert.Equal(t, sdc.Published, st, tb.Label(c))
					}
				}
			}
		})
	}
}

// randomDim builds a random, possibly skewed, tree with at most maxLeaves
// leaves.
func randomDim(rng *rand.Rand, name string, maxLeaves int) *sdc.Dimension {
	codes := []string{name + "T"}
	parents := []string{""}
	leaves := 0
	var grow func(parent string, depth int)
	grow = func(parent string, depth int) {
		k := 2 + rng.IntN(3)
		for i := 0; i < k && leaves < maxLeaves; i++ {
			code := fmt.Sprintf("%s%d", parent, i+1)
			codes = append(codes, code)
			parents = append(parents, parent)
			if depth < 3 && rng.IntN(3) == 0 && leaves+2 <= maxLeaves {
				grow(code, depth+1)
			} else if rng.IntN(8) == 0 {
				// a single-child chain: a total equal to its only part
				only := code + "s"
				codes = append(codes, only)
				parents = append(parents, code)
				leaves++
			} else {
				leaves++
			}
		}
	}
	grow(name+"T", 1)
	d, err := sdc.NewDimension(name, codes, parents)
	if err != nil {
		panic(err)
	}
	return d
}

func randomTable(t *testing.T, rng *rand.Rand) *sdc.Table {
	nd := 2 + rng.IntN(3)
	budget := []int{0, 0, 12, 5, 3}[nd]
	var ds []*sdc.Dimension
	n := 1
	for d := 0; d < nd; d++ {
		dim := randomDim(rng, string(rune('a'+d)), budget)
		ds = append(ds, dim)
		n *= dim.NumLeaves()
	}
	counts := make([]int64, n)
	for k := range counts {
		switch x := rng.IntN(100); {
		case x < 35:
		case x < 60:
			counts[k] = 1
		case x < 75:
			counts[k] = 2 + rng.Int64N(3)
		default:
			counts[k] = 5 + rng.Int64N(20)
		}
	}
	return buildInner(t, ds, counts)
}

// TestGaussRandomNoDisclosure: on random small hierarchical tables (2–4
// dimensions, skewed trees, single-child chains, many zeros and ones) no
// withheld cell is exactly disclosed, primary cells keep their status, and
// cells with the same unknown inner cells share one status.
func TestGaussRandomNoDisclosure(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	opts := []GaussOptions{{}, {SecondaryZeros: true}, {Singleton: GaussSingletonNone}}
	n := 40
	if testing.Short() {
		n = 10
	}
	for i := 0; i < n; i++ {
		tb := randomTable(t, rng)
		maxN := 1 + rng.Int64N(4)
		for _, opt := range opts {
			rel := gaussFreqRelease(tb, maxN)
			before := slices.Clone(rel.Statuses())
			res, err := Gauss(context.Background(), rel, opt)
			require.NoError(t, err)
			name := fmt.Sprintf("table %d (%d dims, %d inner) maxN %d zeros=%v %v", i, tb.NumDims(), tb.NumInner(), maxN, opt.SecondaryZeros, opt.Singleton)
			for c, st := range before {
				if st == sdc.Primary {
					require.Equal(t, sdc.Primary, rel.Status(c), name)
				}
			}
			if d := attackFromTable(rel).disclosed(boundFor(opt)); len(d) > 0 {
				t.Fatalf("%s: disclosed %v", name, d)
			}
			require.Empty(t, res.Unsafe, name)
			// One status per set of unknown inner cells.
			seen := map[string]bool{}
			for c := 0; c < tb.NumCells(); c++ {
				var key strings.Builder
				tb.ForEachInner(c, func(k int) {
					if opt.SecondaryZeros || tb.Freq(tb.InnerCell(k)) != 0 {
						fmt.Fprintf(&key, "%d,", k)
					}
				})
				if key.Len() == 0 {
					continue
				}
				if s, ok := seen[key.String()]; ok {
					require.Equal(t, s, rel.Suppressed(c), "%s: %s", name, tb.Label(c))
				}
				seen[key.String()] = rel.Suppressed(c)
			}
			// Every secondary names the primary cells it protects.
			require.Len(t, res.Protections, res.Secondary, name)
			for _, p := range res.Protections {
				require.Equal(t, sdc.Secondary, rel.Status(p.Secondary.Cell))
				require.NotEmpty(t, p.Protects)
				for _, q := range p.Protects {
					require.Equal(t, sdc.Primary, rel.Status(q.Cell))
				}
				require.True(t, strings.HasPrefix(rel.Reason(p.Secondary.Cell), "protects ") || strings.HasPrefix(rel.Reason(p.Secondary.Cell), "same cell as "), rel.Reason(p.Secondary.Cell))
			}
		}
	}
}

// TestGaussT1 runs the county table and checks it with the dense attacker.
func TestGaussT1(t *testing.T) {
	tb, err := benchmarks.Table("T1")
	require.NoError(t, err)
	for _, opt := range []GaussOptions{{}, {SecondaryZeros: true}} {
		rel := gaussFreqRelease(tb, 4)
		res, err := Gauss(context.Background(), rel, opt)
		require.NoError(t, err)
		assert.Positive(t, res.Secondary)
		assert.Equal(t, tb.NumCells(), res.Primary+res.Secondary+res.Published)
		requireNoDisclosure(t, attackFromTable(rel), opt)
	}
}

// TestGaussDeterministic: the same input gives the same pattern and reasons.
func TestGaussDeterministic(t *testing.T) {
	tb, err := benchmarks.Table("T2")
	require.NoError(t, err)
	run := func() *sdc.Release {
		rel := gaussFreqRelease(tb, 4)
		_, err := Gauss(context.Background(), rel, GaussOptions{})
		require.NoError(t, err)
		return rel
	}
	a := run()
	for i := 0; i < 2; i++ {
		b := run()
		require.Equal(t, a.Statuses(), b.Statuses())
		for c := range a.Statuses() {
			require.Equal(t, a.Reason(c), b.Reason(c))
		}
	}
	// Running again on the result resets the old secondaries first.
	res, err := Gauss(context.Background(), a, GaussOptions{})
	require.NoError(t, err)
	b := run()
	require.Equal(t, b.Statuses(), a.Statuses())
	assert.Equal(t, b.Count(sdc.Secondary), res.Secondary)
}

// TestGaussDuplicates: a county with one municipality is the same cell as
// the municipality (Oslo, 03 and 0301): both get one status.
func TestGaussDuplicates(t *testing.T) {
	geo, err := sdc.NewDimension("geo",
		[]string{"NO", "C1", "m1", "C2", "m2", "m3"},
		[]string{"", "NO", "C1", "NO", "C2", "C2"})
	require.NoError(t, err)
	sex, err := sdc.NewFlat("sex", []string{"M", "F"})
	require.NoError(t, err)
	small := buildInner(t, []*sdc.Dimension{geo, sex}, []int64{
		2, 30, // m1
		20, 25, // m2
		40, 35, // m3
	})
	t2, err := benchmarks.Table("T2")
	require.NoError(t, err)
	for _, tc := range []struct {
		tb             *sdc.Table
		county         string
		wantSuppressed bool
	}{{small, "C1", true}, {t2, "03", false}} {
		rel := gaussFreqRelease(tc.tb, 4)
		_, err = Gauss(context.Background(), rel, GaussOptions{})
		require.NoError(t, err)
		g := tc.tb.Dim(0)
		county, ok := g.Index(tc.county)
		require.True(t, ok)
		muni := g.Same(county)
		require.NotEqual(t, county, muni)
		n := 0
		for c := 0; c < tc.tb.NumCells(); c++ {
			if tc.tb.Node(c, 0) != county {
				continue
			}
			d := c + (muni-county)*tc.tb.Stride(0)
			require.Equal(t, rel.Suppressed(c), rel.Suppressed(d), tc.tb.Label(c))
			if rel.Suppressed(c) {
				n++
				if rel.Status(d) == sdc.Primary && rel.Status(c) == sdc.Secondary {
					assert.Equal(t, "same cell as "+tc.tb.Label(d)+" (identical inner cells)", rel.Reason(c))
				}
			}
		}
		assert.Equal(t, tc.wantSuppressed, n > 0)
		requireNoDisclosureIfSmall(t, rel)
	}
}

func requireNoDisclosureIfSmall(t *testing.T, rel *sdc.Release) {
	t.Helper()
	if rel.Table().NumInner() <= 400 {
		requireNoDisclosure(t, attackFromTable(rel), GaussOptions{})
	}
}

// TestGaussReason: the reason names the protected cell and the dimension
// in whose total the two meet.
func TestGaussReason(t *testing.T) {
	tb := gaussTable(t, [][]string{{"M", "F"}, {"a1", "a2", "a3"}}, []string{"sex", "age"}, []int64{
		30, 40, 2,
		35, 45, 20,
	})
	rel := gaussFreqRelease(tb, 4)
	_, err := Gauss(context.Background(), rel, GaussOptions{})
	require.NoError(t, err)
	f3 := cellOf(t, tb, "F", "a3")
	m1 := cellOf(t, tb, "M", "a1")
	assert.Equal(t, sdc.Secondary, rel.Status(f3))
	assert.Equal(t, "protects M×a3 in the sex total", rel.Reason(f3))
	assert.Equal(t, sdc.Secondary, rel.Status(m1))
	assert.Equal(t, "protects M×a3 in the age total", rel.Reason(m1))
}

// TestGaussFixed: Fixed cells are never withheld; a primary they disclose is
// reported unsafe.
func TestGaussFixed(t *testing.T) {
	tb := gaussTable(t, [][]string{{"r1", "r2"}, {"A", "B", "C"}}, []string{"row", "col"}, []int64{
		2, 10, 11,
		12, 13, 14,
	})
	// Fixing r2×A (the cheapest partner in column A) moves the protection
	// to the column total.
	rel := gaussFreqRelease(tb, 4)
	rel.Fix(cellOf(t, tb, "r2", "A"))
	res, err := Gauss(context.Background(), rel, GaussOptions{})
	require.NoError(t, err)
	assert.Equal(t, sdc.Published, rel.Status(cellOf(t, tb, "r2", "A")))
	assert.Empty(t, res.Unsafe)
	requireNoDisclosure(t, attackFromTable(rel), GaussOptions{})

	// Fixing the whole rest of row r1 and the row total leaves no protection.
	rel = gaussFreqRelease(tb, 4)
	for _, c := range [][]string{{"r1", "B"}, {"r1", "C"}, {"r1", "Total"}} {
		rel.Fix(cellOf(t, tb, c...))
	}
	res, err = Gauss(context.Background(), rel, GaussOptions{})
	require.NoError(t, err)
	assert.Equal(t, []GaussCell{{0, cellOf(t, tb, "r1", "A")}}, res.Unsafe)
	for _, c := range [][]string{{"r1", "B"}, {"r1", "C"}, {"r1", "Total"}} {
		assert.Equal(t, sdc.Published, rel.Status(cellOf(t, tb, c...)))
	}
}

// TestGaussMore: extra cells are withheld and protected, deterministically.
func TestGaussMore(t *testing.T) {
	tb, err := benchmarks.Table("T1")
	require.NoError(t, err)
	rel := gaussFreqRelease(tb, 4)
	res0, err := Gauss(context.Background(), rel, GaussOptions{})
	require.NoError(t, err)
	var extra []int
	for c, st := range rel.Statuses() {
		if st == sdc.Published && tb.IsInner(c) && tb.Freq(c) >= 5 {
			extra = append(extra, c)
			if len(extra) == 3 {
				break
			}
		}
	}
	res, err := GaussMore(context.Background(), rel, extra, GaussOptions{})
	require.NoError(t, err)
	assert.Equal(t, 3, res.Extra)
	assert.Greater(t, res.Secondary, 3)
	t.Logf("secondary %d before, %d with 3 extra cells", res0.Secondary, res.Secondary)
	for _, c := range extra {
		assert.Equal(t, sdc.Secondary, rel.Status(c))
		assert.Equal(t, "extra protection requested", rel.Reason(c))
	}
	requireNoDisclosure(t, attackFromTable(rel), GaussOptions{})
	// Same extra set in another order: same pattern.
	rel2 := gaussFreqRelease(tb, 4)
	_, err = GaussMore(context.Background(), rel2, []int{extra[2], extra[0], extra[1]}, GaussOptions{})
	require.NoError(t, err)
	assert.Equal(t, rel.Statuses(), rel2.Statuses())
}

// TestGaussOptions: a custom cost order, progress and cancellation.
func TestGaussOptions(t *testing.T) {
	tb := gaussTable(t, [][]string{{"r1", "r2", "r3"}, {"c1", "c2", "c3"}}, []string{"row", "col"}, []int64{
		2, 20, 30,
		25, 12, 40,
		33, 41, 15,
	})
	// Suppressing totals is cheap, inner cells dear: the primary is now
	// protected through totals.
	rel := gaussFreqRelease(tb, 4)
	var calls int
	res, err := Gauss(context.Background(), rel, GaussOptions{
		Cost: func(t *sdc.Table, c int) float64 {
			if t.IsInner(c) {
				return 1000 + float64(t.Freq(c))
			}
			return float64(t.Freq(c))
		},
		Progress: func(done, total int) { calls++; assert.LessOrEqual(t, done, total) },
	})
	require.NoError(t, err)
	assert.Positive(t, calls)
	assert.Positive(t, res.Secondary)
	for c, st := range rel.Statuses() {
		if st == sdc.Secondary {
			assert.False(t, tb.IsInner(c), tb.Label(c))
		}
	}
	requireNoDisclosure(t, attackFromTable(rel), GaussOptions{})

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Gauss(ctx, gaussFreqRelease(tb, 4), GaussOptions{})
	assert.ErrorIs(t, err, context.Canceled)

	_, err = Gauss(context.Background(), nil, GaussOptions{})
	assert.ErrorIs(t, err, ErrGaussInput)
	_, err = Gauss(context.Background(), gaussFreqRelease(tb, 4), GaussOptions{MaxEntries: 5})
	assert.ErrorIs(t, err, ErrGaussTooLarge)
	_, err = GaussMore(context.Background(), gaussFreqRelease(tb, 4), []int{-1}, GaussOptions{})
	assert.ErrorIs(t, err, ErrGaussInput)
}

// TestGaussPrimaryZero: a zero protected as primary (protectZeros) is kept
// in the model and protected by withholding zeros.
func TestGaussPrimaryZero(t *testing.T) {
	tb := gaussTable(t, [][]string{{"r1", "r2"}, {"A", "B", "C"}}, []string{"row", "col"}, []int64{
		0, 10, 11,
		12, 13, 14,
	})
	rel := sdc.NewRelease(tb)
	rel.Set(cellOf(t, tb, "r1", "A"), sdc.Primary, "zero")
	res, err := Gauss(context.Background(), rel, GaussOptions{})
	require.NoError(t, err)
	assert.Empty(t, res.Unsafe)
	assert.Equal(t, 3, res.Secondary)
	assert.Empty(t, attackFromTable(rel).disclosed(nil))
}

// TestGaussAccept: the caller's test is asked about every candidate Gauss
// would publish, once per group of identical cells, and a candidate it
// refuses is withheld with RefusedReason and protects nothing; what is
// published still discloses no primary cell.
func TestGaussAccept(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(51, 52))
	for i := 0; i < 30; i++ {
		tb := randomTable(t, rng)
		maxN := 1 + rng.Int64N(4)
		rel := gaussFreqRelease(tb, maxN)
		asked := map[int]int{}
		refused := map[int]bool{}
		opt := GaussOptions{
			RefusedReason: "refused by the test",
			Accept: func(cells []GaussCell) bool {
				require.NotEmpty(t, cells)
				for _, x := range cells {
					require.Equal(t, 0, x.Table)
					asked[x.Cell]++
				}
				if rng.IntN(5) == 0 {
					for _, x := range cells {
						refused[x.Cell] = true
					}
					return false
				}
				return true
			},
		}
		res, err := Gauss(ctx, rel, opt)
		require.NoError(t, err)
		name := fmt.Sprintf("table %d", i)
		for c := 0; c < tb.NumCells(); c++ {
			assert.LessOrEqual(t, asked[c], 1, "%s: %s asked twice", name, tb.Label(c))
			switch {
			case refused[c]:
				require.Equal(t, sdc.Secondary, rel.Status(c), "%s: %s", name, tb.Label(c))
				assert.Equal(t, "refused by the test", rel.Reason(c))
			case rel.Status(c) == sdc.Published:
				assert.Equal(t, 1, asked[c], "%s: %s published without asking", name, tb.Label(c))
			}
		}
		for _, p := range res.Protections {
			assert.False(t, refused[p.Secondary.Cell], "%s: refused %s in Protections", name, tb.Label(p.Secondary.Cell))
		}
		if d := attackFromTable(rel).disclosed(boundFor(GaussOptions{})); len(d) > 0 {
			// A refused cell may be disclosed (it protects nothing); a
			// primary cell may not.
			for _, n := range d {
				c, err := tb.CellOf(strings.Split(n, "×")...)
				require.NoError(t, err)
				require.NotEqual(t, sdc.Primary, rel.Status(c), "%s: primary %s disclosed", name, n)
			}
		}
	}
	// Refusing everything publishes nothing but fixed cells.
	tb, err := benchmarks.Table("T1")
	require.NoError(t, err)
	rel := gaussFreqRelease(tb, 4)
	rel.Fix(0)
	_, err = Gauss(ctx, rel, GaussOptions{Accept: func([]GaussCell) bool { return false }})
	require.NoError(t, err)
	assert.Equal(t, sdc.Published, rel.Status(0))
	for c := 1; c < tb.NumCells(); c++ {
		assert.NotEqual(t, sdc.Published, rel.Status(c), tb.Label(c))
	}
}
