package data

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMunicipalities(t *testing.T) {
	ms, err := Municipalities()
	require.NoError(t, err)
	require.Len(t, ms, 357)

	counties := map[string]string{}
	total := 0
	smallest := ms[0]
	for i, m := range ms {
		if i > 0 {
			assert.Less(t, ms[i-1].Code, m.Code, "sorted by code, no duplicates")
		}
		assert.Len(t, m.Code, 4, m.Code)
		assert.Len(t, m.County, 2, m.Code)
		assert.Equal(t, m.County, m.Code[:2], "a municipality's code starts with its county's")
		assert.NotEmpty(t, m.Name)
		assert.Positive(t, m.Population, m.Code)
		if name, ok := counties[m.County]; ok {
			assert.Equal(t, name, m.CountyName, "one name per county")
		}
		counties[m.County] = m.CountyName
		total += m.Population
		if m.Population < smallest.Population {
			smallest = m
		}
	}
	assert.Len(t, counties, 15)
	assert.Equal(t, 5550203, total)
	assert.Equal(t, Municipality{Code: "1151", Name: "Utsira", County: "11", CountyName: "Rogaland", Population: 215}, smallest)
	assert.Equal(t, Municipality{Code: "0301", Name: "Oslo", County: "03", CountyName: "Oslo", Population: 717710}, ms[0])
}

func TestMunicipalitiesCSV(t *testing.T) {
	rows, err := csv.NewReader(strings.NewReader(MunicipalitiesCSV())).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 358)
	assert.Equal(t, []string{"municipality_code", "municipality_name", "county_code", "county_name", "population"}, rows[0])
}

func TestGeo(t *testing.T) {
	geo, err := Geo("geo", "")
	require.NoError(t, err)
	assert.Equal(t, "geo", geo.Name())
	assert.Equal(t, 1+15+357, geo.Len())
	assert.Equal(t, 357, geo.NumLeaves())
	assert.Equal(t, CountryCode, geo.Code(0))
	assert.Equal(t, 2, geo.MaxDepth())
	assert.Len(t, geo.Children(0), 15)
	for i := 0; i < geo.Len(); i++ {
		switch geo.Depth(i) {
		case 1: // a county
			assert.Len(t, geo.Code(i), 2)
			assert.False(t, geo.IsLeaf(i))
		case 2: // a municipality, under its county
			assert.Len(t, geo.Code(i), 4)
			assert.True(t, geo.IsLeaf(i))
			assert.Equal(t, geo.Code(i)[:2], geo.Code(geo.Parent(i)))
		}
	}

	// Oslo is a county with a single municipality: the same cell.
	oslo, ok := geo.Index("03")
	require.True(t, ok)
	m, ok := geo.Index("0301")
	require.True(t, ok)
	assert.Equal(t, []int{m}, geo.Children(oslo))
	assert.Equal(t, m, geo.Same(oslo))
	// Every other county has several.
	for _, c := range geo.Children(0) {
		if c != oslo {
			assert.Greater(t, geo.NumChildren(c), 1, geo.Code(c))
			assert.Equal(t, c, geo.Same(c))
		}
	}

	rogaland, err := Geo("kommune", "11")
	require.NoError(t, err)
	assert.Equal(t, "11", rogaland.Code(0))
	assert.Equal(t, 23, rogaland.NumLeaves())
	assert.Equal(t, 24, rogaland.Len())
	_, ok = rogaland.Index("1151")
	assert.True(t, ok, "Utsira is in Rogaland")

	one, err := Geo("geo", "03")
	require.NoError(t, err)
	assert.Equal(t, 2, one.Len())
	assert.Equal(t, 1, one.Same(0))

	_, err = Geo("geo", "99")
	assert.EqualError(t, err, `unknown county code "99"`)
}
