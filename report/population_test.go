package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/benchmarks"
	"github.com/tabsdc/tabsdc/report"
	"github.com/tabsdc/tabsdc/sdc"
)

func TestReadPopulation(t *testing.T) {
	pop, err := report.ReadPopulation(strings.NewReader("code,population\n1151,215\n1101,15000\n"))
	require.NoError(t, err)
	assert.Equal(t, report.Population{"1151": 215, "1101": 15000}, pop)
	for _, bad := range []string{"", "code\n1151\n", "code,population\n1151,x\n", "code,population\n1151,-1\n", "code,population\n1151,1\n1151,2\n", "code,population\n"} {
		_, err := report.ReadPopulation(strings.NewReader(bad))
		var pe *sdc.ParseError
		assert.ErrorAs(t, err, &pe, bad)
	}
}

// TestUtilityWithPopulation: the size classes follow the population given.
func TestUtilityWithPopulation(t *testing.T) {
	tab, err := benchmarks.Table("T1")
	require.NoError(t, err)
	rel := sdc.NewRelease(tab)
	emb, err := report.ComputeUtility(rel)
	require.NoError(t, err)
	// Every municipality of T1 made a city of 200,000.
	big := report.Population{}
	for o := 0; o < tab.Dim(0).NumLeaves(); o++ {
		big[tab.Dim(0).Code(tab.Dim(0).Leaf(o))] = 200000
	}
	u, err := report.ComputeUtilityWith(rel, big)
	require.NoError(t, err)
	last := len(report.SizeClasses) - 1
	assert.Equal(t, tab.Dim(0).NumLeaves(), u.BySize[last].Municipalities)
	assert.NotEqual(t, emb.BySize[last].Municipalities, u.BySize[last].Municipalities)
	page, err := report.BuildPageWith(&report.Summary{}, rel, false, big)
	require.NoError(t, err)
	require.Len(t, page.Smallest, 11, "the ten smallest and Utsira")
	assert.Equal(t, "1151", page.Smallest[10].Code)
	for _, m := range page.Smallest {
		assert.Equal(t, 200000, m.Population)
	}
}

func FuzzReadPopulation(f *testing.F) {
	f.Add([]byte("code,population\n1151,215\n"))
	f.Add([]byte("\uFEFFpopulation,code\n3,a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pop, err := report.ReadPopulation(bytes.NewReader(data))
		if err != nil {
			var pe *sdc.ParseError
			require.ErrorAs(t, err, &pe)
			return
		}
		require.NotEmpty(t, pop)
		for _, n := range pop {
			require.GreaterOrEqual(t, n, 0)
		}
	})
}
