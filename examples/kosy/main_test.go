package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKosyT1(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, "T1", dir, 4))
	for _, f := range []string{"published.csv", "internal.csv", "summary.json"} {
		_, err := os.Stat(filepath.Join(dir, f))
		assert.NoError(t, err, f)
	}
	assert.Contains(t, out.String(), "passed: true")
	assert.True(t, strings.Contains(out.String(), "primary cells: 77"), out.String())
	assert.Contains(t, out.String(), "the audit's attacker knows")
}
