package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostileCase is one file of testdata/hostile: a txtar-like archive whose
// comment holds "args:", "exit:", "stderr:" and "stdout:" lines and whose
// files ("-- NAME --" markers) are written into a fresh folder over those
// of _base.txt. A file named NAME.q holds a Go string literal's body
// (escapes such as \x00 and \xff) and is written as NAME. In args, $D is
// the folder; arguments are split at spaces, and "..." quotes one (Go
// syntax).
type hostileCase struct {
	args           []string
	exit           int
	stderr, stdout []string
	files          map[string][]byte
}

func parseHostile(t *testing.T, path string) hostileCase {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	hc := hostileCase{exit: -1, files: map[string][]byte{}}
	var name string
	var body []byte
	flush := func() {
		if name == "" {
			return
		}
		if strings.HasSuffix(name, ".q") {
			s, err := strconv.Unquote(`"` + strings.TrimSuffix(string(body), "\n") + `"`)
			require.NoError(t, err, "%s: file %s", path, name)
			name, body = strings.TrimSuffix(name, ".q"), []byte(s)
		}
		hc.files[name] = body
	}
	for _, line := range strings.SplitAfter(string(raw), "\n") {
		trimmed := strings.TrimRight(line, "\n")
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") && len(trimmed) > 6 {
			flush()
			name, body = strings.TrimSpace(trimmed[3:len(trimmed)-3]), []byte{}
			continue
		}
		if name != "" {
			body = append(body, line...)
			continue
		}
		key, val, ok := strings.Cut(trimmed, ":")
		val = strings.TrimSpace(val)
		switch {
		case !ok || strings.HasPrefix(trimmed, "#"):
		case key == "args":
			hc.args = append([]string{}, splitArgs(t, val)...)
		case key == "exit":
			hc.exit, err = strconv.Atoi(val)
			require.NoError(t, err, path)
		case key == "stderr":
			hc.stderr = append(hc.stderr, val)
		case key == "stdout":
			hc.stdout = append(hc.stdout, val)
		}
	}
	flush()
	return hc
}

// splitArgs splits at spaces; a "..." argument is a Go string literal.
func splitArgs(t *testing.T, s string) []string {
	var out []string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		if s[0] == '"' {
			q, err := strconv.QuotedPrefix(s)
			require.NoError(t, err, s)
			v, _ := strconv.Unquote(q)
			out = append(out, v)
			s = s[len(q):]
			continue
		}
		f, rest, _ := strings.Cut(s, " ")
		out = append(out, f)
		s = rest
	}
	return out
}

// TestHostileInputs runs the corpus of testdata/hostile: every case's exit
// status and key message, and, for every failed run, that no file of the
// folder changed and no temporary file was left.
func TestHostileInputs(t *testing.T) {
	base := parseHostile(t, filepath.Join("testdata", "hostile", "_base.txt"))
	paths, err := filepath.Glob(filepath.Join("testdata", "hostile", "*.txt"))
	require.NoError(t, err)
	verbs := map[string]int{}
	n := 0
	for _, path := range paths {
		if filepath.Base(path) == "_base.txt" {
			continue
		}
		n++
		hc := parseHostile(t, path)
		require.NotNil(t, hc.args, "%s: no args line", path)
		require.NotEqual(t, -1, hc.exit, "%s: no exit line", path)
		if len(hc.args) > 0 {
			verbs[hc.args[0]]++
		}
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			dir := t.TempDir()
			for name, body := range base.files {
				require.NoError(t, os.WriteFile(filepath.Join(dir, name), body, 0o644))
			}
			for name, body := range hc.files {
				require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(dir, name), body, 0o644))
			}
			args := make([]string, len(hc.args))
			for i, a := range hc.args {
				args[i] = strings.ReplaceAll(a, "$D", dir)
			}
			before := snapshot(t, dir)
			var stdout, stderr bytes.Buffer
			code := run(args, &stdout, &stderr)
			assert.Equal(t, hc.exit, code, "stderr: %s", stderr.String())
			for _, want := range hc.stderr {
				assert.Contains(t, stderr.String(), strings.ReplaceAll(want, "$D", dir))
			}
			for _, want := range hc.stdout {
				assert.Contains(t, stdout.String(), want)
			}
			if code != 0 {
				assert.Equal(t, before, snapshot(t, dir), "a failed run changed or left files")
			}
		})
	}
	assert.GreaterOrEqual(t, n, 50, "cases in the corpus")
	for _, v := range []string{"protect", "round", "audit"} {
		assert.GreaterOrEqual(t, verbs[v], 5, "cases for %s", v)
	}
}
