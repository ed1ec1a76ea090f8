package dhis2_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/dhis2"
	"github.com/tabsdc/tabsdc/internal/lpattack"
	"github.com/tabsdc/tabsdc/pipeline"
	"github.com/tabsdc/tabsdc/sdc"
)

// release runs a spec over metadata and values written to dir and
// returns the result and the dataValueSet it wrote, read back.
func release(t *testing.T, dir string, meta []byte, vals []byte, f dhis2.Format, method pipeline.MethodSpec, rules pipeline.Rules, out *pipeline.DHIS2Output) (*pipeline.Result, []dhis2.DataValue) {
	t.Helper()
	ext := map[dhis2.Format]string{dhis2.JSON: ".json", dhis2.CSV: ".csv"}[f]
	require.NoError(t, os.WriteFile(filepath.Join(dir, "metadata.json"), meta, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "values"+ext), vals, 0o644))
	spec := &pipeline.Spec{
		Input:   pipeline.Input{Format: "dhis2", DataValues: filepath.Join(dir, "values"+ext), DHIS2: &pipeline.DHIS2Input{Metadata: filepath.Join(dir, "metadata.json")}},
		Rules:   rules,
		Method:  method,
		Outputs: pipeline.Outputs{Published: filepath.Join(dir, "out"+ext), Internal: filepath.Join(dir, "internal.csv"), DHIS2: out},
	}
	if method.Name == "dp" {
		spec.Input.EachPersonOnce = true
	}
	res, err := pipeline.Run(context.Background(), spec, pipeline.Options{})
	var ue *pipeline.UnresolvedError
	if errors.As(err, &ue) {
		// Gauss cannot protect some tiny random tables (a singleton no
		// pattern protects): nothing to write, nothing to check.
		t.Skipf("not protectable: %v", err)
	}
	require.NoError(t, err)
	require.NoError(t, res.Write(context.Background()))
	g, err := os.Open(spec.Outputs.Published)
	require.NoError(t, err)
	defer g.Close()
	written, err := dhis2.ReadDataValueSet(g, f, "out"+ext)
	require.NoError(t, err)
	return res, written
}

// cellOf finds a written value's cell in the release's table: org unit by
// code (the default scheme), option combo by UID through the metadata's
// options, the period.
func cellOf(t *testing.T, m *dhis2.Metadata, tb *sdc.Table, v dhis2.DataValue) int {
	t.Helper()
	codes := []string{v.OrgUnit}
	var coc *dhis2.COC
	for i := range m.COCs {
		if m.COCs[i].ID == v.COC {
			coc = &m.COCs[i]
		}
	}
	require.NotNil(t, coc, "option combo %s is in the metadata", v.COC)
	for _, cat := range m.Categories {
		for _, o := range coc.CategoryOptions {
			for _, co := range cat.CategoryOptions {
				if co.ID == o.ID {
					for _, opt := range m.CategoryOptions {
						if opt.ID == o.ID {
							codes = append(codes, opt.Code)
						}
					}
				}
			}
		}
	}
	if tb.NumDims() > len(codes) {
		codes = append(codes, v.Period)
	}
	c, err := tb.CellOf(codes...)
	require.NoError(t, err, "%v", codes)
	return c
}

// TestRoundTrip: on random hierarchies and option combos, in JSON and
// CSV, for suppression, small-count rounding and differential privacy,
// every value written is the published value of its cell (the true one
// for suppression), no withheld cell is written (it is flagged), option
// combos are the metadata's, periods canonical; suppression writes every
// level, the additive methods the inner cells only.
func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 31))
	for trial := 0; trial < 24; trial++ {
		m0 := randomMetadata(rng)
		m, meta := encode(t, m0)
		periods := []string{"2024W05"}
		if trial%3 == 0 {
			periods = []string{"2024W05", "2024W6", "2024W53"[:0] + "2024W7"}
		}
		vals := randomValues(rng, m, periods)
		if len(vals) == 0 {
			continue
		}
		f := []dhis2.Format{dhis2.JSON, dhis2.CSV}[trial%2]
		method := []pipeline.MethodSpec{{Name: "gauss"}, {Name: "small-count", Base: 3}, {Name: "dp", Mechanism: "laplace", Epsilon: 1}}[trial%3]
		rules := pipeline.Rules{}
		var out *pipeline.DHIS2Output
		if method.Name == "gauss" {
			rules.MaxN = 3
			out = &pipeline.DHIS2Output{FlagElement: "FLAG"}
		}
		t.Run(fmt.Sprintf("%d-%s", trial, method.Name), func(t *testing.T) {
			res, written := release(t, t.TempDir(), meta, valuesFile(t, vals, f), f, method, rules, out)
			rel := res.Tables[0].Release
			tb := rel.Table()
			p := rel.Public()
			seen := map[int]bool{}
			for _, v := range written {
				pe, err := dhis2.ParsePeriod(v.Period)
				require.NoError(t, err)
				require.Equal(t, string(pe), v.Period, "canonical period")
				c := cellOf(t, m, tb, v)
				require.False(t, seen[c] && v.DataElement == "COUNT", "one value per cell")
				switch v.DataElement {
				case "COUNT":
					seen[c] = true
					pub, ok := p.Count(c)
					require.True(t, ok, "%s is withheld but written", tb.Label(c))
					require.Equal(t, strconv.FormatInt(pub, 10), v.Value)
					if method.Name == "gauss" {
						require.Equal(t, strconv.FormatInt(tb.Freq(c), 10), v.Value, "suppression publishes true values")
					} else {
						require.True(t, tb.IsInner(c), "an additive release is written as its inner cells")
					}
				case "FLAG":
					require.True(t, rel.Suppressed(c), "only withheld cells are flagged")
					require.Equal(t, "true", v.Value)
				default:
					t.Fatalf("data element %s", v.DataElement)
				}
			}
			// Every cell the mode covers is written or flagged.
			for c := 0; c < tb.NumCells(); c++ {
				covered := true
				for d := 1; d < tb.NumDims(); d++ {
					covered = covered && tb.Dim(d).IsLeaf(tb.Node(c, d))
				}
				if method.Name != "gauss" {
					covered = covered && tb.IsInner(c)
				}
				if covered && !rel.Suppressed(c) {
					assert.True(t, seen[c], "%s published but not written", tb.Label(c))
				}
			}
			analyticsMatches(t, m, rel, written, method.Name == "gauss")
		})
	}
}

// analytics simulates what DHIS2 analytics shows for every org unit and
// option combo (and the data element total, over option combos) from the
// values written, under the documented settings: with aggregation levels
// at every level (allLevels), each org unit's own values; without, the sum
// of the values of the org unit and every unit below it. It returns the
// shown value by table cell, for cells with leaf options and for the
// cells totalling every category.
func analytics(t *testing.T, m *dhis2.Metadata, tb *sdc.Table, written []dhis2.DataValue, allLevels bool) map[int]int64 {
	shown := map[int]int64{}
	add := func(c int, v int64) { shown[c] += v }
	for _, v := range written {
		if v.DataElement != m.DataElements[0].Code {
			continue
		}
		c := cellOf(t, m, tb, v)
		x, err := strconv.ParseInt(v.Value, 10, 64)
		require.NoError(t, err)
		nodes := tb.Nodes(c, nil)
		ou := nodes[0]
		for {
			nodes[0] = ou
			add(tb.Cell(nodes...), x)
			// The data element total over option combos.
			tot := append([]int(nil), nodes...)
			for d := 1; d < tb.NumDims(); d++ {
				if tb.Dim(d).Name() != dhis2.PeriodDim {
					tot[d] = 0
				}
			}
			add(tb.Cell(tot...), x)
			if allLevels || tb.Dim(0).Parent(ou) < 0 {
				break
			}
			ou = tb.Dim(0).Parent(ou)
		}
	}
	return shown
}

// analyticsMatches checks what dashboards show: for an additive release
// written as inner cells, every org unit's values and totals are the
// published ones; for suppression, each level shows its own published
// values, the withheld cells nothing, and nothing shown narrows a
// withheld cell beyond what the published file allows (the independent
// LP attacker, on what the dashboard shows).
func analyticsMatches(t *testing.T, m *dhis2.Metadata, rel *sdc.Release, written []dhis2.DataValue, suppression bool) {
	tb := rel.Table()
	p := rel.Public()
	shown := analytics(t, m, tb, written, suppression)
	if !suppression {
		for c, v := range shown {
			pub, ok := p.Count(c)
			require.True(t, ok)
			require.Equal(t, pub, v, "analytics shows %s as the published value", tb.Label(c))
		}
		return
	}
	bad := checkDashboardAttack(t, rel, shown, 4)
	assert.Empty(t, bad, "primary cells a dashboard narrows below 4")
}

// checkDashboardAttack runs the independent attacker on what a dashboard
// shows of a suppression release: the values each org unit shows for an
// option combo (its own, true); the category totals it shows are sums of
// those, no true value. Every primary cell must keep an interval of at
// least 4 (max_n 3 + 1) and none may be disclosed.
func checkDashboardAttack(t *testing.T, rel *sdc.Release, shown map[int]int64, width float64) []lpattack.Cell {
	tb := rel.Table()
	var buf bytes.Buffer
	for d := 0; d < tb.NumDims(); d++ {
		buf.WriteString(tb.Dim(d).Name() + ",")
	}
	buf.WriteString("freq,status\n")
	for c := 0; c < tb.NumCells(); c++ {
		for _, code := range tb.Codes(c) {
			buf.WriteString(code + ",")
		}
		leafOptions := true
		for d := 1; d < tb.NumDims(); d++ {
			leafOptions = leafOptions && tb.Dim(d).IsLeaf(tb.Node(c, d))
		}
		if v, ok := shown[c]; ok && leafOptions {
			fmt.Fprintf(&buf, "%d,published\n", v)
		} else {
			buf.WriteString(",suppressed\n")
		}
	}
	res, err := lpattack.Attack(context.Background(), &buf, tb.Dims(), lpattack.Options{})
	require.NoError(t, err)
	var bad []lpattack.Cell
	for _, c := range res.Cells {
		cell, err := tb.CellOf(c.Codes...)
		require.NoError(t, err)
		if rel.Status(cell) == sdc.Primary && c.Width() < width-1e-9 {
			bad = append(bad, c)
		}
	}
	return bad
}

// TestDashboardAttackFindsUnprotected: the same simulation on a release
// with primary suppression only (method none) finds primary cells a
// dashboard gives away: the check can fail.
func TestDashboardAttackFindsUnprotected(t *testing.T) {
	m, vals := readExample(t)
	_, err := m.Load(vals, "", dhis2.Code, dhis2.JSON, "datavalues.json")
	require.NoError(t, err)
	meta, err := os.ReadFile(filepath.Join("..", "examples", "dhis2", "metadata.json"))
	require.NoError(t, err)
	raw, err := os.ReadFile(filepath.Join("..", "examples", "dhis2", "datavalues.json"))
	require.NoError(t, err)
	for _, tc := range []struct {
		method  string
		wantBad bool
	}{{"none", true}, {"gauss", false}} {
		t.Run(tc.method, func(t *testing.T) {
			res, written := release(t, t.TempDir(), meta, raw, dhis2.JSON, pipeline.MethodSpec{Name: tc.method}, pipeline.Rules{MaxN: 4}, nil)
			rel := res.Tables[0].Release
			shown := analytics(t, m, rel.Table(), written, true)
			t.Logf("%s: %d values written, %d shown", tc.method, len(written), len(shown))
			bad := checkDashboardAttack(t, rel, shown, 5)
			if tc.wantBad {
				assert.NotEmpty(t, bad, "primary suppression alone: a dashboard gives cells away")
			} else {
				assert.Empty(t, bad, "%d primary cells narrower than 4 on the dashboard", len(bad))
			}
		})
	}
}
