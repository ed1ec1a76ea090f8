package dhis2_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/dhis2"
)

// TestMetadataErrors: a broken export is refused with the object and
// field at fault.
func TestMetadataErrors(t *testing.T) {
	base := func() *dhis2.Metadata { return randomMetadata(rand.New(rand.NewPCG(41, 41))) }
	for _, tc := range []struct {
		name, want string
		edit       func(m *dhis2.Metadata)
	}{
		{"parent missing", `organisationUnit "uou20000000" parent: "uouMISSING0" is not in the export`, func(m *dhis2.Metadata) {
			m.OrgUnits[2].Parent = &dhis2.Ref{ID: "uouMISSING0"}
		}},
		{"path wrong", `organisationUnit "uou10000000" path: "/x/y"`, func(m *dhis2.Metadata) { m.OrgUnits[1].Path = "/x/y" }},
		{"two roots", `organisationUnit "uou20000000" parent: none`, func(m *dhis2.Metadata) { m.OrgUnits[2].Parent = nil }},
		{"bad uid", `organisationUnit "0bad" id: not a DHIS2 UID`, func(m *dhis2.Metadata) { m.OrgUnits[1].ID = "0bad" }},
		{"duplicate uid", `categoryOption "`, func(m *dhis2.Metadata) { m.CategoryOptions[1].ID = m.CategoryOptions[0].ID }},
		{"duplicate code", `code: "OU0" is also the code of`, func(m *dhis2.Metadata) { m.OrgUnits[1].Code = "OU0" }},
		{"coc option unknown", `categoryOptionCombo "ucoca000000" categoryOptions: option "uoptNOPE000" is not in the export`, func(m *dhis2.Metadata) {
			m.COCs[0].CategoryOptions[0].ID = "uoptNOPE000"
		}},
		{"combo of a data element unknown", `dataElement "udeCount000" categoryCombo: "ucomboNOPE0" is not in the export`, func(m *dhis2.Metadata) {
			m.DataElements[0].CategoryCombo = &dhis2.Ref{ID: "ucomboNOPE0"}
		}},
		{"cycle", `cycle`, func(m *dhis2.Metadata) {
			m.OrgUnits[0].Parent = &dhis2.Ref{ID: m.OrgUnits[len(m.OrgUnits)-1].ID}
			for i := range m.OrgUnits {
				m.OrgUnits[i].Path = ""
			}
			m.OrgUnits = append(m.OrgUnits, dhis2.OrgUnit{ID: "urootxx0000", Code: "R"})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := base()
			tc.edit(m)
			b, err := json.Marshal(m)
			require.NoError(t, err)
			_, err = dhis2.ReadMetadata(bytes.NewReader(b), "metadata.json")
			var me *dhis2.MetadataError
			require.ErrorAs(t, err, &me)
			assert.Contains(t, err.Error(), tc.want)
			assert.True(t, strings.HasPrefix(err.Error(), "metadata.json: "), err.Error())
		})
	}
}

// TestLayoutErrors: option combos are matched by their options, and a
// combo without all of its option combos, or one with an option of no
// category, is refused.
func TestLayoutErrors(t *testing.T) {
	base := func() *dhis2.Metadata { return randomMetadata(rand.New(rand.NewPCG(42, 42))) }
	for _, tc := range []struct {
		name, want string
		edit       func(m *dhis2.Metadata)
	}{
		{"coc missing", `has `, func(m *dhis2.Metadata) { m.COCs = m.COCs[1:] }},
		{"coc with a foreign option", `is an option of no category of combo "ucombo00000"`, func(m *dhis2.Metadata) {
			m.CategoryOptions = append(m.CategoryOptions, dhis2.CategoryOption{ID: "uoptSTRAY00", Code: "STRAY"})
			m.COCs[0].CategoryOptions[0].ID = "uoptSTRAY00"
		}},
		{"two cocs, one set", `the same options as`, func(m *dhis2.Metadata) {
			c := m.COCs[0]
			c.ID = "ucocdup0000"
			m.COCs = append(m.COCs, c)
		}},
		{"option without code", `categoryOption "`, func(m *dhis2.Metadata) { m.CategoryOptions[0].Code = "" }},
		{"code Total", `the code tabsdc gives totals`, func(m *dhis2.Metadata) { m.OrgUnits[1].Code = "Total" }},
		{"text data element", `valueType: TEXT`, func(m *dhis2.Metadata) { m.DataElements[0].ValueType = "TEXT" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := base()
			tc.edit(m)
			b, err := json.Marshal(m)
			require.NoError(t, err)
			md, err := dhis2.ReadMetadata(bytes.NewReader(b), "metadata.json")
			require.NoError(t, err)
			_, err = md.Layout("COUNT", dhis2.Code, []dhis2.Period{"2024W5"})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	// Option order inside an option combo does not matter: reversing every
	// combo's options gives the same layout.
	m := base()
	md, _ := encode(t, m)
	l1, err := md.Layout("COUNT", dhis2.Code, []dhis2.Period{"2024W5"})
	require.NoError(t, err)
	for i := range m.COCs {
		o := m.COCs[i].CategoryOptions
		for a, b := 0, len(o)-1; a < b; a, b = a+1, b-1 {
			o[a], o[b] = o[b], o[a]
		}
		m.COCs[i].Name = "a misleading name"
	}
	md2, _ := encode(t, m)
	l2, err := md2.Layout("COUNT", dhis2.Code, []dhis2.Period{"2024W5"})
	require.NoError(t, err)
	assert.Equal(t, len(l1.Dims()), len(l2.Dims()))
}

// TestLoadErrors: values that do not fit are refused, naming the value and
// field.
func TestLoadErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 43))
	m0 := randomMetadata(rng)
	m, _ := encode(t, m0)
	good := randomValues(rng, m, []string{"2024W5"})
	require.NotEmpty(t, good)
	inner := dhis2.DataValue{DataElement: "COUNT", Period: "2024W5", OrgUnit: leaves(m)[0].Code, COC: m.COCs[0].ID, Value: "3", HasValue: true}
	for _, tc := range []struct {
		name, want string
		v          dhis2.DataValue
	}{
		{"unknown org unit", `orgUnit: "NOPE" is not an organisation unit`, func() dhis2.DataValue { v := inner; v.OrgUnit = "NOPE"; return v }()},
		{"coc not in metadata", `categoryOptionCombo: "ucocNOPE000" is not an option combo`, func() dhis2.DataValue { v := inner; v.COC = "ucocNOPE000"; return v }()},
		{"value not an integer", `value: "2.5" is not a count`, func() dhis2.DataValue { v := inner; v.Value = "2.5"; return v }()},
		{"negative value", `value: "-1" is not a count`, func() dhis2.DataValue { v := inner; v.Value = "-1"; return v }()},
		{"period malformed", `period: period "2024W54"`, func() dhis2.DataValue { v := inner; v.Period = "2024W54"; return v }()},
		{"mixed period types", `one table has one period type`, func() dhis2.DataValue { v := inner; v.Period = "202402"; return v }()},
		{"total org unit", `has units below it`, func() dhis2.DataValue { v := inner; v.OrgUnit = m.OrgUnits[0].Code; return v }()},
		{"attribute combo", `attributeOptionCombo: "uaocXYZ0000"`, func() dhis2.DataValue { v := inner; v.AOC = "uaocXYZ0000"; return v }()},
		{"unknown data element", `dataElement: "NOPE" is not a data element`, func() dhis2.DataValue { v := inner; v.DataElement = "NOPE"; return v }()},
		{"second data element", `more than one data element`, func() dhis2.DataValue { v := inner; v.DataElement = "FLAG"; return v }()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vals := append([]dhis2.DataValue{}, good...)
			tc.v.Pos = len(vals) + 1
			vals = append(vals, tc.v)
			_, err := m.Load(vals, "", dhis2.Code, dhis2.CSV, "values.csv")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			var ve *dhis2.ValueError
			if errors.As(err, &ve) {
				assert.Equal(t, tc.v.Pos, ve.Pos)
			}
		})
	}
	// A second value of a cell.
	vals := append([]dhis2.DataValue{}, good...)
	dup := good[0]
	dup.Pos = len(vals) + 1
	_, err := m.Load(append(vals, dup), "", dhis2.Code, dhis2.JSON, "values.json")
	require.ErrorContains(t, err, "a second value of the cell")
	// A chosen data element skips the others, and says how many.
	flag := inner
	flag.DataElement = "FLAG"
	in, err := m.Load(append(vals, flag), "COUNT", dhis2.Code, dhis2.JSON, "values.json")
	require.NoError(t, err)
	assert.Equal(t, 1, in.Skipped)
}

func FuzzReadDataValueSet(f *testing.F) {
	f.Add([]byte(`{"dataValues":[{"dataElement":"a","period":"2024W5","orgUnit":"b","categoryOptionCombo":"c","value":"3"}]}`), false)
	f.Add([]byte(`{"period":"202401","orgUnit":"x","dataValues":[{"dataElement":"a","value":3}]}`), false)
	f.Add([]byte("dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value\na,2024W5,b,c,,3\n"), true)
	f.Add([]byte("DataElement;Period\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, csv bool) {
		format := dhis2.JSON
		if csv {
			format = dhis2.CSV
		}
		vals, err := dhis2.ReadDataValueSet(bytes.NewReader(data), format, "f")
		if err != nil {
			require.Nil(t, vals)
			require.True(t, strings.HasPrefix(err.Error(), "f: "), err.Error())
			return
		}
		for _, v := range vals {
			require.Positive(t, v.Pos)
			require.Equal(t, v.HasValue || v.Value == "", true)
		}
	})
}

func FuzzReadMetadata(f *testing.F) {
	_, b := encode(f, randomMetadata(rand.New(rand.NewPCG(44, 44))))
	f.Add(b)
	f.Add([]byte(`{"organisationUnits":[{"id":"a1234567890"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := dhis2.ReadMetadata(bytes.NewReader(data), "m.json")
		if err != nil {
			require.True(t, strings.HasPrefix(err.Error(), "m.json: "), err.Error())
			return
		}
		// A read export lays out every data element it has, or says why.
		for _, de := range m.DataElements {
			_, _ = m.Layout(de.ID, dhis2.UID, []dhis2.Period{"2024"})
		}
	})
}
