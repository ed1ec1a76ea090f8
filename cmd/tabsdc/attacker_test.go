package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The audit's attacker is the publisher's policy (issue 13): protect
// writes it into summary.json, audit takes the same policy flags, and
// the audit's verdicts are drawn from exact intervals only.
func TestAuditAttackerPolicy(t *testing.T) {
	dir := t.TempDir()
	genTable(t, "T1", dir)
	in := []string{"--input", filepath.Join(dir, "cells.csv"), "--dim", "geo=" + filepath.Join(dir, "geo.csv"), "--dim", "sex", "--dim", "age"}
	for _, policy := range []struct {
		name  string
		flags []string
		least float64
	}{
		{"zeros may be secondary", nil, 0},
		{"zeros published", []string{"--publish-zeros"}, 1},
	} {
		t.Run(policy.name, func(t *testing.T) {
			internal := filepath.Join(dir, "internal.csv")
			summary := filepath.Join(dir, "summary.json")
			var stdout, stderr bytes.Buffer
			args := append(append(append([]string{"protect", "--quiet"}, in...), policy.flags...),
				"--out", filepath.Join(dir, "published.csv"), "--internal", internal, "--json", summary)
			require.Equal(t, 0, run(args, &stdout, &stderr), stderr.String())
			var sum struct {
				Attacker struct {
					WithheldAtLeast float64  `json:"withheld_at_least"`
					Knows           []string `json:"knows"`
				} `json:"attacker"`
			}
			raw, err := os.ReadFile(summary)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(raw, &sum))
			assert.Equal(t, policy.least, sum.Attacker.WithheldAtLeast)
			assert.NotEmpty(t, sum.Attacker.Knows)
			// The internal file says the same in its header; the
			// published file holds no notes.
			raw, err = os.ReadFile(internal)
			require.NoError(t, err)
			head := strings.SplitN(string(raw), "\n", len(sum.Attacker.Knows)+3)
			assert.Equal(t, "# the audit's attacker knows:", head[0])
			for i, k := range sum.Attacker.Knows {
				assert.Equal(t, "# - "+k, head[i+1])
			}
			raw, err = os.ReadFile(filepath.Join(dir, "published.csv"))
			require.NoError(t, err)
			assert.NotContains(t, string(raw), "#")

			// The pattern passes under its own policy, for every
			// requirement down to none at all (--max-n 0: exact
			// disclosure only), by default and with --full-audit.
			for _, maxN := range []string{"4", "2", "0"} {
				for _, full := range []bool{false, true} {
					audited := filepath.Join(dir, "audited.csv")
					aargs := append(append(append([]string{"audit", "--quiet"}, in...), policy.flags...),
						"--pattern", internal, "--max-n", maxN, "--internal", audited)
					if full {
						aargs = append(aargs, "--full-audit")
					}
					stdout.Reset()
					stderr.Reset()
					require.Equal(t, 0, run(aargs, &stdout, &stderr), "max-n %s full %v: %s", maxN, full, stderr.String())
					assert.Contains(t, stdout.String(), "none disclosed")
					rows := readCSV(t, audited)
					kind := len(rows[0]) - 1
					require.Equal(t, "interval", rows[0][kind])
					kinds := map[string]int{}
					for _, row := range rows[1:] {
						if row[kind] != "" {
							kinds[row[kind]]++
						}
					}
					if full {
						assert.Equal(t, []string{"exact"}, keys(kinds), "max-n %s", maxN)
					} else {
						assert.Subset(t, []string{"exact", "proven"}, keys(kinds), "max-n %s", maxN)
					}
				}
			}
		})
	}

	// A negative --max-n is an error, not a silent default.
	var stdout, stderr bytes.Buffer
	args := append(append([]string{"audit", "--quiet"}, in...), "--pattern", filepath.Join(dir, "internal.csv"), "--max-n", "-3")
	assert.NotEqual(t, 0, run(args, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "--max-n -3")
}

func keys(m map[string]int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
