package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// protectT2WithReports protects T2 with both reports and returns the
// folder.
func protectT2WithReports(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	genTable(t, "T2", dir)
	var stdout, stderr bytes.Buffer
	args := []string{"protect", "--quiet", "--input", filepath.Join(dir, "cells.csv"), "--dim", "geo=" + filepath.Join(dir, "geo.csv"), "--dim", "sex", "--dim", "age",
		"--max-n", "4", "--out", filepath.Join(dir, "published.csv"), "--internal", filepath.Join(dir, "internal.csv"), "--json", filepath.Join(dir, "summary.json"),
		"--report", filepath.Join(dir, "report.html"), "--public-report", filepath.Join(dir, "public.html")}
	require.Equal(t, 0, run(args, &stdout, &stderr), stderr.String())
	return dir
}

// TestPublicReportHoldsNoWithheldValue scans the public report's bytes,
// HTML and JSON, against the internal file: no withheld cell's true value
// appears where the cell is shown (its table row, its line in a list, its
// JSON object), no word tells primary from secondary, and no reason or
// interval is given.
func TestPublicReportHoldsNoWithheldValue(t *testing.T) {
	dir := protectT2WithReports(t)
	in := readCSV(t, filepath.Join(dir, "internal.csv"))
	col := map[string]int{}
	for i, h := range in[0] {
		col[h] = i
	}
	withheld := map[string]string{} // label → true value
	for _, r := range in[1:] {
		if s := r[col["status"]]; s == "primary" || s == "secondary" {
			withheld[r[0]+"×"+r[1]+"×"+r[2]] = r[col["freq"]]
		}
	}
	require.NotEmpty(t, withheld)
	html, err := os.ReadFile(filepath.Join(dir, "public.html"))
	require.NoError(t, err)
	// No cell is shown with a status or reason that tells primary from
	// secondary (the words may appear in prose about the method).
	for _, bad := range []string{"<td>primary</td>", "<td>secondary</td>", ": primary,", ": secondary,", "primary 1", "secondary 1", "secondary 7", "secondary 8"} {
		assert.False(t, strings.Contains(string(html), bad), "the public report shows %q", bad)
	}
	st := regexp.MustCompile(`<span id="status">([^<]*)</span>`).FindStringSubmatch(string(html))
	require.Len(t, st, 2)
	assert.Equal(t, "published 6532, suppressed 2420", st[1], "one public status for withheld cells")
	// Every element that shows a withheld cell's label: the enclosing
	// <div>, <tr> or <text> must not hold its value.
	elem := regexp.MustCompile(`<(div|tr|text)[^>]*>.*?</(div|tr|text)>`)
	shown := 0
	for _, m := range elem.FindAllString(string(html), -1) {
		for label, v := range withheld {
			if !strings.Contains(m, label) {
				continue
			}
			shown++
			rest := strings.ReplaceAll(m, label, "")
			assert.NotRegexp(t, `(^|[^0-9])`+regexp.QuoteMeta(v)+`([^0-9]|$)`, stripTags(rest), "%s (true %s) shown with its value: %s", label, v, m)
		}
	}
	assert.Positive(t, shown, "the public report lists withheld cells of the smallest municipalities")
	var page map[string]any
	raw, err := os.ReadFile(filepath.Join(dir, "public.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &page))
	assert.Nil(t, page["withheld"], "the public JSON lists no withheld cell with details")
	for _, m := range page["smallest"].([]any) {
		for _, w := range m.(map[string]any)["withheld"].([]any) {
			assert.Equal(t, []string{"cell"}, mapKeys(w.(map[string]any)), "a withheld cell in the public JSON has its label only")
		}
	}
	assert.Equal(t, map[string]any{"published": 6532.0, "suppressed": 2420.0}, page["status"])
	for _, word := range []string{`"primary"`, `"secondary"`, `"reason"`, `"value"`, `"interval"`} {
		assert.False(t, strings.Contains(string(raw), word), "the public JSON has %s", word)
	}
	// The internal report lists every withheld cell with its true value.
	internal, err := os.ReadFile(filepath.Join(dir, "report.json"))
	require.NoError(t, err)
	var ip struct {
		Withheld []struct {
			Cell, Value, Status, Reason string
		} `json:"withheld"`
	}
	require.NoError(t, json.Unmarshal(internal, &ip))
	require.Len(t, ip.Withheld, len(withheld))
	for _, w := range ip.Withheld {
		assert.Equal(t, withheld[w.Cell], w.Value, w.Cell)
		assert.NotEmpty(t, w.Reason)
	}
	fi, err := os.Stat(filepath.Join(dir, "report.html"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the internal report is the owner's only")
}

func stripTags(s string) string { return regexp.MustCompile(`<[^>]*>`).ReplaceAllString(s, " ") }

func mapKeys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestReportRebuilt: tabsdc report rebuilds, from the run's internal file
// and summary, the same reports byte for byte; a changed input is refused.
func TestReportRebuilt(t *testing.T) {
	dir := protectT2WithReports(t)
	var stdout, stderr bytes.Buffer
	args := []string{"report", "--internal", filepath.Join(dir, "internal.csv"), "--json", filepath.Join(dir, "summary.json"),
		"--report", filepath.Join(dir, "again.html"), "--public-report", filepath.Join(dir, "again-public.html")}
	require.Equal(t, 0, run(args, &stdout, &stderr), stderr.String())
	for a, b := range map[string]string{"report.html": "again.html", "report.json": "again.json", "public.html": "again-public.html"} {
		x, err := os.ReadFile(filepath.Join(dir, a))
		require.NoError(t, err)
		y, err := os.ReadFile(filepath.Join(dir, b))
		require.NoError(t, err)
		assert.Equal(t, string(x), string(y), "%s rebuilt", a)
	}
	f, err := os.OpenFile(filepath.Join(dir, "cells.csv"), os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString("\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	stderr.Reset()
	args[len(args)-3] = filepath.Join(dir, "third.html")
	args = args[:len(args)-2]
	assert.Equal(t, 1, run(args, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "has changed since the run")
}

// TestCompareT2: suppression with the interval audit, exact-only
// suppression and small-count rounding side by side on T2.
func TestCompareT2(t *testing.T) {
	dir := t.TempDir()
	genTable(t, "T2", dir)
	var stdout, stderr bytes.Buffer
	args := []string{"compare", "--quiet", "--input", filepath.Join(dir, "cells.csv"), "--dim", "geo=" + filepath.Join(dir, "geo.csv"), "--dim", "sex", "--dim", "age",
		"--methods", "gauss,exact-only,small-count,controlled", "--report", filepath.Join(dir, "cmp.html")}
	require.Equal(t, 0, run(args, &stdout, &stderr), stderr.String())
	var c struct {
		Cells   int `json:"cells"`
		Methods []struct {
			Name, Error string
			All         struct {
				Withheld int     `json:"withheld"`
				MAE      float64 `json:"mean_abs_error"`
			} `json:"all"`
			Audit *struct{ Passed bool } `json:"audit"`
		} `json:"methods"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "cmp.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &c))
	require.Len(t, c.Methods, 4)
	assert.Equal(t, 8952, c.Cells)
	for _, m := range c.Methods[:2] {
		assert.Empty(t, m.Error, m.Name)
		require.NotNil(t, m.Audit, m.Name)
		assert.True(t, m.Audit.Passed, m.Name)
		assert.Positive(t, m.All.Withheld, m.Name)
	}
	assert.Positive(t, c.Methods[2].All.MAE, "small-count changes cells")
	assert.Zero(t, c.Methods[2].All.Withheld)
	assert.Contains(t, c.Methods[3].Error, "controlled rounding needs", "T2 is no network")
	html, err := os.ReadFile(filepath.Join(dir, "cmp.html"))
	require.NoError(t, err)
	fi, err := os.Stat(filepath.Join(dir, "cmp.html"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the comparison holds figures from true values")
	for _, m := range []string{"gauss", "exact-only", "small-count"} {
		assert.Contains(t, string(html), "<strong>"+m+"</strong>")
	}
}

// TestReportInChromium renders the T2 report in headless Chromium (Debian's
// chromium; .ci/run installs it): the page loads without a console
// message, the key figures are in the DOM, and a screenshot is saved under
// $TABSDC_ARTIFACTS (or the temporary folder) as t2-report.png.
func TestReportInChromium(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("NO CHROMIUM: the report is not rendered in a browser here (apt-get install chromium); .ci/run installs it")
	}
	dir := protectT2WithReports(t)
	flags := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--user-data-dir=" + filepath.Join(dir, "chromium"), "--enable-logging=stderr", "--v=0"}
	page := "file://" + filepath.Join(dir, "report.html")
	cmd := exec.Command(chromium, append(flags, "--dump-dom", page)...)
	var dom, log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &dom, &log
	require.NoError(t, cmd.Run(), log.String())
	for _, line := range strings.Split(log.String(), "\n") {
		assert.NotContains(t, line, "CONSOLE", "a console message: %s", line)
		assert.NotContains(t, line, "Uncaught")
	}
	d := dom.String()
	assert.Contains(t, d, `<span id="cells">8952</span>`)
	assert.Regexp(t, `<span id="status">[^<]*primary 1633`, d)
	assert.Regexp(t, `<p id="audit"><span class="ok">Passed</span>`, d)
	assert.Contains(t, d, "1151 Utsira")
	art := os.Getenv("TABSDC_ARTIFACTS")
	if art == "" {
		art = filepath.Join(os.TempDir(), "tabsdc-artifacts")
	}
	require.NoError(t, os.MkdirAll(art, 0o755))
	shot := filepath.Join(art, "t2-report.png")
	cmd = exec.Command(chromium, append(flags, "--hide-scrollbars", "--window-size=1200,2400", "--screenshot="+shot, page)...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	fi, err := os.Stat(shot)
	require.NoError(t, err)
	assert.Greater(t, fi.Size(), int64(10000), "a screenshot of a page, not of nothing")
	t.Logf("screenshot: %s", shot)
}

func TestBarLine(t *testing.T) {
	for _, tc := range []struct {
		done, total int
		elapsed     time.Duration
		want        string
	}{
		{0, 100, 0, "audit [                              ] 0/100   0%"},
		{25, 100, 10 * time.Second, "audit [=======                       ] 25/100  25%, about 30s left"},
		{100, 100, time.Minute, "audit [==============================] 100/100 100%"},
	} {
		assert.Equal(t, tc.want, barLine("audit", tc.done, tc.total, tc.elapsed))
	}
	// Off a terminal the bar draws nothing.
	var buf bytes.Buffer
	b := newBar(progress{&buf, false})
	b.step("audit", 5, 10)
	b.printf("a line")
	assert.Equal(t, "a line\n", buf.String())
}
