package noise_test

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/noise"
	"github.com/tabsdc/tabsdc/sdc"
)

// rowP returns the probabilities of a row by published count j.
func rowP(pt *noise.PTable, i int) map[int]float64 {
	out := map[int]float64{}
	for _, e := range pt.Rows[i] {
		out[e.J] = e.P
	}
	return out
}

// TestPTableMatchesPtable compares BuildPTable with tables of the R package
// ptable (1.0, create_cnt_ptable):
//   - D=2, V=1.05, js=1, mono c(TRUE,TRUE,FALSE,TRUE) is the package's own
//     example pt_ex_cnts(), whose probabilities its test suite lists
//     (tests/testthat/test-examples.R);
//   - D=2, V=1, js=0 and D=5, V=3, js=2 are the package's output, run with
//     R 4 and nloptr (its optimiser, SLSQP, stops at a relative tolerance of
//     1e-7, hence the tolerance here).
func TestPTableMatchesPtable(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  noise.PTableOptions
		want map[int]map[int]float64 // i → j → p
	}{
		{"pt_ex_cnts", noise.PTableOptions{D: 2, V: 1.05, JS: 1, Mono: []bool{true, true, false, true}}, map[int]map[int]float64{
			0: {0: 1},
			1: {0: 0.50833333, 2: 0.47500000, 3: 0.01666667},
			2: {0: 0.16155827, 2: 0.55565037, 3: 0.24246618, 4: 0.04032518},
			3: {2: 0.41231301, 3: 0.28806097, 4: 0.18693903, 5: 0.11268699},
			4: {2: 0.07012498, 3: 0.24450007, 4: 0.37074990, 5: 0.24450007, 6: 0.07012498},
		}},
		{"D2V1", noise.PTableOptions{D: 2, V: 1}, map[int]map[int]float64{
			0: {0: 1},
			1: {0: 0.36648551, 1: 0.36648550, 2: 0.16757247, 3: 0.09945652},
			2: {0: 0.06382714, 1: 0.24469145, 2: 0.38296282, 3: 0.24469145, 4: 0.06382714},
		}},
		{"D5V3js2 rows 1-5", noise.PTableOptions{D: 5, V: 3, JS: 2}, map[int]map[int]float64{
			1: {0: 0.73446954, 3: 0.13672019, 4: 0.07279631, 5: 0.03742956, 6: 0.01858440},
			2: {0: 0.40880704, 3: 0.40664354, 4: 0.14762401, 5: 0.03231882, 6: 0.00426687, 7: 0.00033972},
			3: {0: 0.20398618, 3: 0.39366252, 4: 0.24749239, 5: 0.11056847, 6: 0.03510204, 7: 0.00791891, 8: 0.00126949},
			4: {0: 0.08485487, 3: 0.27792123, 4: 0.27792124, 5: 0.18939369, 6: 0.10512545, 7: 0.04545536, 8: 0.01531077, 9: 0.00401739},
			5: {0: 0.02014749, 3: 0.17334747, 4: 0.22063301, 5: 0.22131829, 6: 0.17496764, 7: 0.10901646, 8: 0.05353283, 9: 0.02071770, 10: 0.00631911},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pt, err := noise.BuildPTable(tc.opt)
			require.NoError(t, err)
			for i, want := range tc.want {
				got := rowP(pt, i)
				require.Len(t, got, len(want), "row %d", i)
				for j, p := range want {
					assert.InDelta(t, p, got[j], 2e-5, "row %d, j %d", i, j)
				}
			}
		})
	}
}

// TestPTableProperties checks every row of many tables: the intervals
// tile [0, 1), the deviation has mean 0 and variance at most V (up to the
// 8-decimal rounding), no count is published in 1..js, and zeros stay.
func TestPTableProperties(t *testing.T) {
	for D := 1; D <= 5; D++ {
		for _, V := range []float64{0.5, 1, 2, 3} {
			for js := 0; js <= 3; js++ {
				pt, err := noise.BuildPTable(noise.PTableOptions{D: D, V: V, JS: js})
				if err != nil {
					t.Logf("D=%d V=%v js=%d: %v", D, V, js, err)
					continue
				}
				require.Equal(t, []noise.PEntry{{J: 0, V: 0, P: 1, Lower: 0, Upper: 1}}, pt.Rows[0])
				for i, row := range pt.Rows {
					lower, mean, variance := 0.0, 0.0, 0.0
					for _, e := range row {
						require.Equal(t, lower, e.Lower)
						require.Greater(t, e.Upper, e.Lower)
						lower = e.Upper
						mean += e.P * float64(e.V)
						variance += e.P * float64(e.V*e.V)
						require.False(t, e.J >= 1 && e.J <= js, "D=%d V=%v js=%d row %d publishes %d", D, V, js, i, e.J)
						require.LessOrEqual(t, int(math.Abs(float64(e.V))), D)
					}
					require.Equal(t, 1.0, lower)
					assert.InDelta(t, 0, mean, 1e-6, "D=%d V=%v js=%d row %d", D, V, js, i)
					assert.LessOrEqual(t, variance, V+1e-6, "D=%d V=%v js=%d row %d", D, V, js, i)
				}
			}
		}
	}
}

// TestPTableFiles reads tables ptable exported (testdata/README.md) and
// compares them with BuildPTable's; writing ours in the same layout gives
// the same lines up to the last decimal of the optimiser.
func TestPTableFiles(t *testing.T) {
	for _, tc := range []struct {
		file string
		opt  noise.PTableOptions
	}{
		{"ptable_D2V1_tauargus.txt", noise.PTableOptions{D: 2, V: 1}},
		{"ptable_D2V1_sas.txt", noise.PTableOptions{D: 2, V: 1}},
		{"ptable_D5V3js2_tauargus.txt", noise.PTableOptions{D: 5, V: 3, JS: 2}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			require.NoError(t, err)
			theirs, err := noise.ReadPTable(bytes.NewReader(data))
			require.NoError(t, err)
			assert.Equal(t, tc.opt.D, theirs.D)
			assert.Equal(t, tc.opt.JS, theirs.JS)
			assert.LessOrEqual(t, theirs.V, tc.opt.V+1e-6)
			ours, err := noise.BuildPTable(tc.opt)
			require.NoError(t, err)
			require.Len(t, ours.Rows, len(theirs.Rows))
			for i := range ours.Rows {
				require.Len(t, ours.Rows[i], len(theirs.Rows[i]), "row %d", i)
				for k, e := range ours.Rows[i] {
					o := theirs.Rows[i][k]
					assert.Equal(t, o.J, e.J)
					assert.InDelta(t, o.Upper, e.Upper, 2e-5, "row %d j %d", i, e.J)
				}
			}
			// Theirs written by us is byte for byte their file.
			var buf bytes.Buffer
			require.NoError(t, noise.WritePTable(&buf, theirs, strings.Contains(tc.file, "_sas")))
			assert.Equal(t, string(data), buf.String())
		})
	}
}

func TestReadPTableRefuses(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"empty", ""},
		{"no p_int_ub", "i;j;p;v\n0;0;1;0\n"},
		{"only row 0", "i;j;p;v;p_int_ub\n0;0;1;0;1\n"},
		{"row 0 moves", "i;j;p;v;p_int_ub\n0;1;1;1;1\n1;1;1;0;1\n"},
		{"j not i+v", "i;j;p;v;p_int_ub\n0;0;1;0;1\n1;2;1;0;1\n"},
		{"intervals short", "i;j;p;v;p_int_ub\n0;0;1;0;1\n1;0;0.5;-1;0.5\n1;2;0.4;1;0.9\n"},
		{"p wrong", "i;j;p;v;p_int_ub\n0;0;1;0;1\n1;0;0.3;-1;0.5\n1;2;0.5;1;1\n"},
		{"biased", "i;j;p;v;p_int_ub\n0;0;1;0;1\n1;0;0.2;-1;0.2\n1;2;0.8;1;1\n"},
		{"rows out of order", "i;j;p;v;p_int_ub\n0;0;1;0;1\n2;1;0.5;-1;0.5\n"},
		{"v falls", "i;j;p;v;p_int_ub\n0;0;1;0;1\n1;2;0.5;1;0.5\n1;0;0.5;-1;1\n"},
		{"not a number", "i;j;p;v;p_int_ub\n0;0;x;0;1\n"},
		{"magnitude", "i;j;p;v;p_int_ub;type\n0;0;1;0;1;even\n"},
		{"negative count for larger", "i;j;p;v;p_int_ub\n0;0;1;0;1\n1;0;0.6;-1;0.6\n1;2;0.2;1;0.8\n1;3;0.1;2;0.9\n1;4;0.1;3;1\n"},
	} {
		_, err := noise.ReadPTable(strings.NewReader(tc.in))
		var pe *sdc.ParseError
		assert.ErrorAs(t, err, &pe, tc.name)
	}
}

func FuzzReadPTable(f *testing.F) {
	for _, name := range []string{"ptable_D2V1_tauargus.txt", "ptable_D2V1_sas.txt"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		require.NoError(f, err)
		f.Add(data)
	}
	f.Add([]byte("i,j,p,v,p_int_ub\n0,0,1,0,1\n1,0,0.5,-1,0.5\n1,2,0.5,1,1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pt, err := noise.ReadPTable(bytes.NewReader(data))
		if err != nil {
			return
		}
		// What was read is a valid table: it writes and reads back the same.
		var buf bytes.Buffer
		require.NoError(t, noise.WritePTable(&buf, pt, true))
		again, err := noise.ReadPTable(&buf)
		require.NoError(t, err)
		require.Equal(t, len(pt.Rows), len(again.Rows))
		for x := int64(0); x < int64(pt.Last())+3; x++ {
			for _, key := range []float64{0, 0.25, 0.5, 0.999999} {
				v := pt.Perturb(x, key)
				require.Equal(t, v, again.Perturb(x, key))
				require.GreaterOrEqual(t, v, int64(0))
			}
		}
	})
}
