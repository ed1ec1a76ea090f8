package dhis2_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/benchmarks"
	"github.com/tabsdc/tabsdc/dhis2"
)

// readExample reads examples/dhis2.
func readExample(t testing.TB) (*dhis2.Metadata, []dhis2.DataValue) {
	t.Helper()
	dir := filepath.Join("..", "examples", "dhis2")
	f, err := os.Open(filepath.Join(dir, "metadata.json"))
	require.NoError(t, err)
	defer f.Close()
	m, err := dhis2.ReadMetadata(f, "metadata.json")
	require.NoError(t, err)
	g, err := os.Open(filepath.Join(dir, "datavalues.json"))
	require.NoError(t, err)
	defer g.Close()
	vals, err := dhis2.ReadDataValueSet(g, dhis2.JSON, "datavalues.json")
	require.NoError(t, err)
	return m, vals
}

// TestExampleIsT2: the example's committed files are what the generator
// writes, and read back they are table T2.
func TestExampleIsT2(t *testing.T) {
	var meta, values bytes.Buffer
	require.NoError(t, benchmarks.WriteDHIS2Example(&meta, &values))
	dir := filepath.Join("..", "examples", "dhis2")
	for name, b := range map[string][]byte{"metadata.json": meta.Bytes(), "datavalues.json": values.Bytes()} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		require.Equal(t, string(b), string(got), "%s: run go run ./benchmarks/cmd/gen -dhis2 -out examples/dhis2", name)
	}
	m, vals := readExample(t)
	in, err := m.Load(vals, "", dhis2.Code, dhis2.JSON, "datavalues.json")
	require.NoError(t, err)
	t2, err := benchmarks.Table("T2")
	require.NoError(t, err)
	tb := in.Table
	require.Equal(t, t2.NumCells(), tb.NumCells())
	for c := 0; c < t2.NumCells(); c++ {
		d, err := tb.CellOf(t2.Codes(c)...)
		require.NoError(t, err, t2.Label(c))
		assert.Equal(t, t2.Freq(c), tb.Freq(d), t2.Label(c))
	}
	assert.Equal(t, []string{"orgunit", "SEX", "AGE"}, []string{tb.Dim(0).Name(), tb.Dim(1).Name(), tb.Dim(2).Name()})
}
