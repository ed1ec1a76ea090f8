package dhis2_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/dhis2"
)

// testUID makes a valid UID from a name: a letter and ten letters or
// digits.
func testUID(name string) string {
	s := "u" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return 'x'
	}, name) + "0000000000"
	return s[:11]
}

// randomMetadata draws an org-unit tree (possibly ragged, codes OU0,
// OU1, …), one or two categories of two to four options, every option
// combo (options in random order), a count data element and a flag
// element with the same combo.
func randomMetadata(rng *rand.Rand) *dhis2.Metadata {
	m := &dhis2.Metadata{}
	n := 3 + rng.IntN(8)
	for i := 0; i < n; i++ {
		ou := dhis2.OrgUnit{ID: testUID(fmt.Sprintf("ou%d", i)), Code: fmt.Sprintf("OU%d", i)}
		if i > 0 {
			p := m.OrgUnits[rng.IntN(i)]
			ou.Parent = &dhis2.Ref{ID: p.ID}
			ou.Path = p.Path + "/" + ou.ID
		} else {
			ou.Path = "/" + ou.ID
		}
		m.OrgUnits = append(m.OrgUnits, ou)
	}
	combo := dhis2.CategoryCombo{ID: testUID("combo"), Code: "COMBO"}
	var opts [][]string
	for c := 0; c < 1+rng.IntN(2); c++ {
		cat := dhis2.Category{ID: testUID(fmt.Sprintf("cat%d", c)), Code: fmt.Sprintf("CAT%d", c)}
		var ids []string
		for o := 0; o < 2+rng.IntN(3); o++ {
			id := testUID(fmt.Sprintf("opt%dx%d", c, o))
			m.CategoryOptions = append(m.CategoryOptions, dhis2.CategoryOption{ID: id, Code: fmt.Sprintf("C%dO%d", c, o)})
			cat.CategoryOptions = append(cat.CategoryOptions, dhis2.Ref{ID: id})
			ids = append(ids, id)
		}
		m.Categories = append(m.Categories, cat)
		combo.Categories = append(combo.Categories, dhis2.Ref{ID: cat.ID})
		opts = append(opts, ids)
	}
	m.CategoryCombos = []dhis2.CategoryCombo{combo}
	var walk func(k int, chosen []string)
	walk = func(k int, chosen []string) {
		if k == len(opts) {
			refs := make([]dhis2.Ref, len(chosen))
			for i, id := range chosen {
				refs[i] = dhis2.Ref{ID: id}
			}
			rng.Shuffle(len(refs), func(i, j int) { refs[i], refs[j] = refs[j], refs[i] })
			m.COCs = append(m.COCs, dhis2.COC{ID: testUID(fmt.Sprintf("coc%c", 'a'+len(m.COCs))), CategoryCombo: dhis2.Ref{ID: combo.ID}, CategoryOptions: refs})
			return
		}
		for _, id := range opts[k] {
			walk(k+1, append(chosen, id))
		}
	}
	walk(0, nil)
	m.DataElements = []dhis2.DataElement{
		{ID: testUID("deCount"), Code: "COUNT", ValueType: "INTEGER_ZERO_OR_POSITIVE", ZeroIsSignificant: true, CategoryCombo: &dhis2.Ref{ID: combo.ID}, AggregationLevels: []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{ID: testUID("deFlag"), Code: "FLAG", ValueType: "TRUE_ONLY", CategoryCombo: &dhis2.Ref{ID: combo.ID}},
	}
	return m
}

// encode writes metadata as JSON and reads it back (indexed).
func encode(t testing.TB, m *dhis2.Metadata) (*dhis2.Metadata, []byte) {
	t.Helper()
	b, err := json.Marshal(m)
	require.NoError(t, err)
	back, err := dhis2.ReadMetadata(bytes.NewReader(b), "metadata.json")
	require.NoError(t, err)
	return back, b
}

// leaves returns the org units without children.
func leaves(m *dhis2.Metadata) []dhis2.OrgUnit {
	parent := map[string]bool{}
	for _, ou := range m.OrgUnits {
		if ou.Parent != nil {
			parent[ou.Parent.ID] = true
		}
	}
	var out []dhis2.OrgUnit
	for _, ou := range m.OrgUnits {
		if !parent[ou.ID] {
			out = append(out, ou)
		}
	}
	return out
}

// randomValues draws counts (many small) for every leaf and option combo,
// over the given periods, leaving out about a third (zeros not stored).
func randomValues(rng *rand.Rand, m *dhis2.Metadata, periods []string) []dhis2.DataValue {
	var out []dhis2.DataValue
	for _, ou := range leaves(m) {
		for _, coc := range m.COCs {
			for _, pe := range periods {
				if rng.IntN(3) == 0 {
					continue
				}
				v := 1 + rng.IntN(6)
				if rng.IntN(4) == 0 {
					v = 10 + rng.IntN(90)
				}
				id := ou.ID
				if rng.IntN(2) == 0 {
					id = ou.Code // by code or by UID: both are read
				}
				out = append(out, dhis2.DataValue{DataElement: m.DataElements[0].ID, Period: pe, OrgUnit: id, COC: coc.ID, Value: fmt.Sprint(v), HasValue: true, Pos: len(out) + 1})
			}
		}
	}
	return out
}

// valuesFile writes values as a dataValueSet in a format.
func valuesFile(t testing.TB, vals []dhis2.DataValue, f dhis2.Format) []byte {
	t.Helper()
	var b bytes.Buffer
	if f == dhis2.CSV {
		b.WriteString("dataElement,Period,ORGUNIT,categoryOptionCombo,attributeOptionCombo,value\n")
		for _, v := range vals {
			fmt.Fprintf(&b, "%s,%s,%s,%s,,%s\n", v.DataElement, v.Period, v.OrgUnit, v.COC, v.Value)
		}
		return b.Bytes()
	}
	type jv struct {
		DataElement         string `json:"dataElement"`
		Period              string `json:"period"`
		OrgUnit             string `json:"orgUnit"`
		CategoryOptionCombo string `json:"categoryOptionCombo"`
		Value               string `json:"value"`
	}
	var out struct {
		DataValues []jv `json:"dataValues"`
	}
	for _, v := range vals {
		out.DataValues = append(out.DataValues, jv{v.DataElement, v.Period, v.OrgUnit, v.COC, v.Value})
	}
	enc, err := json.Marshal(out)
	require.NoError(t, err)
	return enc
}
