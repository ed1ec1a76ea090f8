package noise_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/noise"
	"github.com/tabsdc/tabsdc/sdc"
)

// records draws n records over geo × sex × age with ids r0, r1, …, as CSV
// rows of the given columns.
func records(rng *rand.Rand, n int) [][]string {
	geos := []string{"0301", "1101", "1106", "1151", "5001"}
	out := make([][]string, n)
	for i := range out {
		out[i] = []string{geos[rng.IntN(len(geos))], []string{"M", "F"}[rng.IntN(2)], fmt.Sprint("a", rng.IntN(4)), fmt.Sprint("r", i)}
	}
	return out
}

// readUnits reads records into a table over the named columns.
func readUnits(t *testing.T, recs [][]string, cols ...int) *sdc.UnitRecords {
	t.Helper()
	names := []string{"geo", "sex", "age", "id"}
	geo, err := sdc.NewDimension("geo", []string{"0", "03", "0301", "11", "1101", "1106", "1151", "50", "5001"}, []string{"", "0", "03", "0", "11", "11", "11", "0", "50"})
	require.NoError(t, err)
	dims := map[string]sdc.DimSpec{"geo": {Name: "geo", Dim: geo}, "sex": {Name: "sex"}, "age": {Name: "age"}}
	var specs []sdc.DimSpec
	var b strings.Builder
	for k, c := range cols {
		if k > 0 {
			b.WriteByte(',')
		}
		b.WriteString(names[c])
		if names[c] != "id" {
			specs = append(specs, dims[names[c]])
		}
	}
	b.WriteByte('\n')
	for _, r := range recs {
		for k, c := range cols {
			if k > 0 {
				b.WriteByte(',')
			}
			b.WriteString(r[c])
		}
		b.WriteByte('\n')
	}
	u, err := sdc.ReadUnitRecords(strings.NewReader(b.String()), specs, sdc.UnitOptions{Columns: []string{"id"}})
	require.NoError(t, err)
	return u
}

// TestCellKeyConsistent: a cell has the same key and the same published
// value in the full table and in a table of fewer dimensions, whatever
// the order of the records, and in a second run with the same secret.
func TestCellKeyConsistent(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 21))
	secret := []byte("0123456789abcdef0123456789abcdef")
	pt, err := noise.BuildPTable(noise.PTableOptions{D: 2, V: 1})
	require.NoError(t, err)
	recs := records(rng, 400)
	run := func(recs [][]string, cols ...int) (*sdc.Table, *noise.CellKeyResult) {
		u := readUnits(t, recs, cols...)
		keys, err := noise.RecordKeysHMAC(secret, u.Fields[0])
		require.NoError(t, err)
		res, err := noise.CellKey(u.Table, u.Inner, keys, pt)
		require.NoError(t, err)
		return u.Table, res
	}
	full, a := run(recs, 0, 1, 2, 3)
	shuffled := append([][]string(nil), recs...)
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	marg, b := run(shuffled, 1, 0, 3) // sex × geo, other order
	_, again := run(recs, 0, 1, 2, 3)
	require.Equal(t, a.Values, again.Values, "a second run with the same secret")
	require.Equal(t, a.Keys, again.Keys)
	checked := 0
	for c := 0; c < marg.NumCells(); c++ {
		codes := marg.Codes(c) // sex, geo
		fc, err := full.CellOf(codes[1], codes[0], sdc.TotalCode)
		require.NoError(t, err)
		require.Equal(t, full.Freq(fc), marg.Freq(c))
		require.Equal(t, a.Keys[fc], b.Keys[c], "cell %s", marg.Label(c))
		require.Equal(t, a.Values[fc], b.Values[c], "cell %s", marg.Label(c))
		checked++
	}
	require.Equal(t, 9*3, checked)
	// Another secret gives other keys.
	u := readUnits(t, recs, 0, 1, 2, 3)
	other, err := noise.RecordKeysHMAC([]byte("another secret of 32 bytes......"), u.Fields[0])
	require.NoError(t, err)
	res, err := noise.CellKey(u.Table, u.Inner, other, pt)
	require.NoError(t, err)
	assert.NotEqual(t, a.Keys, res.Keys)
}

// TestCellKeysBruteForce: a cell's key is the sum modulo 1 of its
// records' keys, summed here record by record over the cell's codes.
func TestCellKeysBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(22, 22))
	recs := records(rng, 300)
	u := readUnits(t, recs, 0, 1, 2, 3)
	keys := make([]uint64, len(recs))
	for i := range keys {
		keys[i] = rng.Uint64()
	}
	ck, err := noise.CellKeys(u.Table, u.Inner, keys)
	require.NoError(t, err)
	tb := u.Table
	for c := 0; c < tb.NumCells(); c++ {
		var want uint64
		var n int64
		for i := range recs {
			if under(tb, c, tb.InnerCell(int(u.Inner[i]))) {
				want += keys[i]
				n++
			}
		}
		require.Equal(t, want, ck[c], "cell %s", tb.Label(c))
		require.Equal(t, n, tb.Freq(c))
	}
}

// under reports whether inner cell k lies under cell c.
func under(t *sdc.Table, c, k int) bool {
	for d := 0; d < t.NumDims(); d++ {
		if !t.Dim(d).IsAncestor(t.Node(c, d), t.Node(k, d)) && t.Node(c, d) != t.Node(k, d) {
			return false
		}
	}
	return true
}

// TestPerturbFollowsTheTable: over uniform keys, each deviation of a count
// comes with its probability in the table (6 standard errors).
func TestPerturbFollowsTheTable(t *testing.T) {
	pt, err := noise.BuildPTable(noise.PTableOptions{D: 3, V: 2, JS: 1})
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(23, 23))
	const n = 200_000
	for _, x := range []int64{1, 2, 3, 7, 100} {
		counts := map[int64]int{}
		for k := 0; k < n; k++ {
			counts[pt.Perturb(x, noise.KeyFloat(rng.Uint64()))-x]++
		}
		row := pt.Rows[min(x, int64(pt.Last()))]
		total := 0
		for _, e := range row {
			got := float64(counts[int64(e.V)]) / n
			assert.InDelta(t, e.P, got, 6*math.Sqrt(e.P*(1-e.P)/n)+1e-9, "count %d, v %d", x, e.V)
			total += counts[int64(e.V)]
			assert.False(t, x+int64(e.V) >= 1 && x+int64(e.V) <= 1, "js: count %d published as %d", x, x+int64(e.V))
		}
		assert.Equal(t, n, total, "count %d: every deviation is in the row", x)
	}
	assert.Equal(t, int64(0), pt.Perturb(0, 0.7), "zeros stay")
}

func TestParseRecordKey(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
	}{
		{"0", 0}, {"0.5", 1 << 63}, {"0.25", 1 << 62}, {".75", 3 << 62}, {" 0.0 ", 0},
		{"0.99999999999999999999999999999999999999", math.MaxUint64},
	} {
		got, err := noise.ParseRecordKey(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
	for _, bad := range []string{"", "1", "1.0", "-0.5", "0.5e-3", "0.x", "abc", "0.1.2"} {
		_, err := noise.ParseRecordKey(bad)
		assert.Error(t, err, bad)
	}
	_, err := noise.RecordKeysHMAC([]byte("short"), []string{"a"})
	assert.Error(t, err)
}

func TestPreimage(t *testing.T) {
	pt, err := noise.BuildPTable(noise.PTableOptions{D: 2, V: 1, JS: 1})
	require.NoError(t, err)
	// Brute force: every x in 0..50 and every key that publishes p.
	for p := int64(0); p < 30; p++ {
		lo, hi := int64(math.MaxInt64), int64(-1)
		for x := int64(0); x <= 50; x++ {
			row := pt.Rows[min(x, int64(pt.Last()))]
			for _, e := range row {
				if pt.Perturb(x, e.Lower) == p {
					lo, hi = min(lo, x), max(hi, x)
				}
			}
		}
		glo, ghi := pt.Preimage(p)
		if hi < 0 {
			continue // never published
		}
		assert.Equal(t, [2]int64{lo, hi}, [2]int64{glo, ghi}, "p %d", p)
	}
}
