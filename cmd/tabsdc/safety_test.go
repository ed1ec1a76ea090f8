package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// snapshot records the names, bytes and modes of the files in dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		require.NoError(t, err)
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		require.NoError(t, err)
		rel, _ := filepath.Rel(dir, p)
		if info.Mode()&os.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			require.NoError(t, err)
			out[rel] = "link to " + target
			return nil
		}
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		out[rel] = fmt.Sprintf("%v %x", info.Mode(), sha256.Sum256(b))
		return nil
	}))
	return out
}

// t1Args returns the input options for T1 generated into dir.
func t1Args(t *testing.T, dir string) []string {
	genTable(t, "T1", dir)
	return []string{"--input", filepath.Join(dir, "cells.csv"), "--dim", "geo=" + filepath.Join(dir, "geo.csv"), "--dim", "sex", "--dim", "age"}
}

// Issue 14, "Why" bullets 1–3 and 5: outputs that are inputs or one file,
// a folder named as an output, a missing folder, a cell that cannot be
// protected: every run fails before it writes anything, and every
// pre-existing file stays byte-identical with no temporary file left.
func TestFailedRunsChangeNothing(t *testing.T) {
	cases := []struct {
		name string
		args func(dir string, in []string) []string
		code int
		want string
	}{
		{"--internal ./x.csv is --out x.csv", func(dir string, in []string) []string {
			return append([]string{"protect", "--secondary", "none"}, append(in, "--out", filepath.Join(dir, "x.csv"), "--internal", filepath.Join(dir, ".", "x.csv"))...)
		}, 2, "are the same file"},
		{"--internal through a symbolic link to --out", func(dir string, in []string) []string {
			require.NoError(t, os.Symlink(filepath.Join(dir, "x.csv"), filepath.Join(dir, "link.csv")))
			return append([]string{"protect", "--secondary", "none"}, append(in, "--out", filepath.Join(dir, "x.csv"), "--internal", filepath.Join(dir, "link.csv"))...)
		}, 2, "are the same file"},
		{"--out is --input", func(dir string, in []string) []string {
			return append([]string{"protect", "--secondary", "none"}, append(in, "--out", filepath.Join(dir, "sub", "..", "cells.csv"))...)
		}, 2, "is also the input --input"},
		{"--out through a symbolic link to a folder and ..", func(dir string, in []string) []string {
			// The kernel resolves deep/.. to sub/deep/.. = sub, so this is
			// sub/cells.csv, not DIR/cells.csv; and link/.. is DIR itself.
			require.NoError(t, os.MkdirAll(filepath.Join(dir, "sub", "deep"), 0o755))
			require.NoError(t, os.Symlink(filepath.Join(dir, "sub", "deep"), filepath.Join(dir, "link")))
			return append([]string{"protect", "--secondary", "none"}, append(in, "--out", dir+"/link/../../cells.csv")...) // not filepath.Join, which cleans
		}, 2, "is also the input --input"},
		{"--json is a device", func(dir string, in []string) []string {
			return append([]string{"protect", "--secondary", "none"}, append(in, "--out", filepath.Join(dir, "x.csv"), "--json", os.DevNull)...)
		}, 2, "is not a regular file"},
		{"audit --json is its --publish-cells list", func(dir string, in []string) []string {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "list.csv"), []byte("geo,sex,age\n1101,M,Total\n"), 0o600))
			return append([]string{"audit"}, append(in, "--pattern", filepath.Join(dir, "internal.csv"), "--publish-cells", filepath.Join(dir, "list.csv"), "--json", filepath.Join(dir, "list.csv"))...)
		}, 2, "is also the input --publish-cells"},
		{"--out is a hard link to --input", func(dir string, in []string) []string {
			require.NoError(t, os.Link(filepath.Join(dir, "cells.csv"), filepath.Join(dir, "hard.csv")))
			return append([]string{"protect", "--secondary", "none"}, append(in, "--out", filepath.Join(dir, "hard.csv"))...)
		}, 2, "is also the input --input"},
		{"round --json is the --dim hierarchy", func(dir string, in []string) []string {
			return append([]string{"round"}, append(in, "--out", filepath.Join(dir, "x.csv"), "--json", filepath.Join(dir, "geo.csv"))...)
		}, 2, "is also the input --dim geo"},
		{"audit --internal is the --pattern", func(dir string, in []string) []string {
			return append([]string{"audit"}, append(in, "--pattern", filepath.Join(dir, "internal.csv"), "--internal", filepath.Join(dir, "internal.csv"))...)
		}, 2, "is also the input --pattern"},
		{"--suppress-cells is --internal", func(dir string, in []string) []string {
			return append([]string{"protect"}, append(in, "--suppress-cells", filepath.Join(dir, "internal.csv"), "--out", filepath.Join(dir, "x.csv"), "--internal", filepath.Join(dir, "internal.csv"))...)
		}, 2, "is also the input --suppress-cells"},
		{"--json names a folder", func(dir string, in []string) []string {
			return append([]string{"protect", "--secondary", "none"}, append(in, "--out", filepath.Join(dir, "x.csv"), "--internal", filepath.Join(dir, "internal.csv"), "--json", filepath.Join(dir, "sub"))...)
		}, 2, "is a folder"},
		{"--internal names a folder", func(dir string, in []string) []string {
			return append([]string{"round"}, append(in, "--out", filepath.Join(dir, "x.csv"), "--internal", filepath.Join(dir, "sub"))...)
		}, 2, "is a folder"},
		{"missing output folder", func(dir string, in []string) []string {
			return append([]string{"protect", "--secondary", "none"}, append(in, "--out", filepath.Join(dir, "x.csv"), "--json", filepath.Join(dir, "nope", "s.json"))...)
		}, 2, "folder " + "DIR/nope does not exist"},
		{"a cell that cannot be protected", func(dir string, in []string) []string {
			return append([]string{"protect", "--range-min", "1000000", "--max-rounds", "1"}, append(in, "--out", filepath.Join(dir, "x.csv"), "--internal", filepath.Join(dir, "internal.csv"), "--json", filepath.Join(dir, "summary.json"))...)
		}, 1, "could not be protected"},
		{"bad input", func(dir string, in []string) []string {
			in[1] = filepath.Join(dir, "internal.csv")
			return append([]string{"round"}, append(in, "--out", filepath.Join(dir, "x.csv"), "--internal", filepath.Join(dir, "summary.json"))...)
		}, 1, "missing column"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			in := t1Args(t, dir)
			require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
			for name, body := range map[string]string{"x.csv": "old published\n", "internal.csv": "geo,sex,age,status\n", "summary.json": "{}\n"} {
				require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600))
			}
			args := tc.args(dir, in)
			before := snapshot(t, dir)
			var stdout, stderr bytes.Buffer
			code := run(args, &stdout, &stderr)
			assert.Equal(t, tc.code, code, stderr.String())
			assert.Contains(t, stderr.String(), strings.ReplaceAll(tc.want, "DIR", dir))
			assert.NotContains(t, stderr.String(), ".tmp", "the message names a temporary file")
			assert.Equal(t, before, snapshot(t, dir), "a failed run changed or left files")
		})
	}
}

// Issue 14, "Why" bullet 4: internal.csv was always 0644, even under umask
// 077, and an existing 0600 file became 0644.
func TestSecretsAreOwnerOnly(t *testing.T) {
	dir := t.TempDir()
	in := t1Args(t, dir)
	internal, summary, pub := filepath.Join(dir, "internal.csv"), filepath.Join(dir, "summary.json"), filepath.Join(dir, "published.csv")
	mode := func(p string) os.FileMode {
		st, err := os.Stat(p)
		require.NoError(t, err)
		return st.Mode().Perm()
	}
	for _, verb := range [][]string{
		{"round", "--quiet", "--out", pub, "--internal", internal, "--json", summary},
		// protect last: its internal file is the audit's pattern below.
		{"protect", "--quiet", "--out", pub, "--internal", internal, "--json", summary},
	} {
		var stdout, stderr bytes.Buffer
		require.Equal(t, 0, run(append(verb, in...), &stdout, &stderr), stderr.String())
		assert.Equal(t, os.FileMode(0o600), mode(internal), verb[0])
		assert.Equal(t, os.FileMode(0o600), mode(summary), verb[0])
		assert.Zero(t, mode(pub)&0o133, "published at most 0644")
	}
	// An audit's internal file too; and an existing 0600 file stays 0600.
	pattern := filepath.Join(dir, "pattern.csv")
	require.NoError(t, os.Rename(internal, pattern))
	require.NoError(t, os.WriteFile(internal, []byte("old"), 0o600))
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run(append([]string{"audit", "--quiet", "--pattern", pattern, "--internal", internal, "--json", summary}, in...), &stdout, &stderr), stderr.String())
	assert.Equal(t, os.FileMode(0o600), mode(internal))
	assert.Equal(t, os.FileMode(0o600), mode(summary))
}

// Issue 14, "Why" bullets 7 and 8: help on stdout with exit 0, --version,
// exit 2 for usage errors, flags validated before any work.
func TestCLIConventions(t *testing.T) {
	dir := t.TempDir()
	in := t1Args(t, dir)
	out := filepath.Join(dir, "out.csv")
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"verb --help", []string{"protect", "--help"}, 0, "Example:", ""},
		{"verb -h", []string{"round", "-h"}, 0, "--base", ""},
		{"help verb", []string{"help", "audit"}, 0, "--pattern", ""},
		{"help", []string{"help"}, 0, "Verbs:", ""},
		{"--help", []string{"--help"}, 0, "Verbs:", ""},
		{"--version", []string{"--version"}, 0, "tabsdc ", ""},
		{"no verb", nil, 2, "", "Usage:"},
		{"unknown verb", []string{"frobnicate"}, 2, "", "unknown verb"},
		{"help unknown verb", []string{"help", "frobnicate"}, 2, "", "unknown verb"},
		{"unknown flag", []string{"protect", "--frob"}, 2, "", "flag provided but not defined"},
		{"bad flag value", append([]string{"protect", "--max-n", "four", "--out", out}, in...), 2, "", "invalid value"},
		{"extra argument", append([]string{"protect", "--out", out, "stray"}, in...), 2, "", `unexpected argument "stray"`},
		{"--max-rounds 0", append([]string{"protect", "--max-rounds", "0", "--out", out}, in...), 2, "", "--max-rounds 0"},
		{"--max-rounds -1", append([]string{"protect", "--max-rounds", "-1", "--out", out}, in...), 2, "", "--max-rounds -1"},
		{"--max-n -1", append([]string{"protect", "--max-n", "-1", "--out", out}, in...), 2, "", "--max-n -1"},
		{"--max-n 1e9", append([]string{"protect", "--max-n", "1000000000", "--out", out}, in...), 2, "", "more than"},
		{"--base huge", append([]string{"round", "--base", "1000000000000", "--out", out}, in...), 2, "", "--base 1000000000000"},
		{"--base above the grand total", append([]string{"round", "--base", "1000000", "--out", out}, in...), 2, "", "larger than the grand total"},
		{"--range-min NaN", append([]string{"protect", "--range-min", "NaN", "--out", out}, in...), 2, "", "--range-min"},
		{"--exact-only with --secondary none", append([]string{"protect", "--secondary", "none", "--exact-only", "--out", out}, in...), 2, "", "--exact-only: does not go with method none"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tc.args, &stdout, &stderr)
			assert.Equal(t, tc.code, code, stderr.String())
			assert.Contains(t, stdout.String(), tc.stdout)
			assert.Contains(t, stderr.String(), tc.stderr)
			if tc.code == 0 {
				assert.Empty(t, stderr.String())
			}
			_, err := os.Stat(out)
			assert.True(t, os.IsNotExist(err))
		})
	}
}

// Issue 14, "Why" bullet 7: --secondary none exited 0 without a word that
// the release discloses.
func TestSecondaryNoneWarns(t *testing.T) {
	dir := t.TempDir()
	in := t1Args(t, dir)
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run(append([]string{"protect", "--quiet", "--secondary", "none", "--out", filepath.Join(dir, "p.csv")}, in...), &stdout, &stderr))
	assert.Contains(t, stderr.String(), "warning")
	assert.Contains(t, stderr.String(), "NOT protected")
}
