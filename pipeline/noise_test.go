package pipeline_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/benchmarks"
	"github.com/tabsdc/tabsdc/noise"
	"github.com/tabsdc/tabsdc/pipeline"
	"github.com/tabsdc/tabsdc/report"
	"github.com/tabsdc/tabsdc/rounding"
	"github.com/tabsdc/tabsdc/sdc"
)

// writeT1Events writes the event records behind T1 and its hierarchy, and
// returns a spec of method over them (declared codes, as DP needs).
func writeT1Events(t *testing.T, dir string, m pipeline.MethodSpec) *pipeline.Spec {
	ev, err := benchmarks.EventRecords("T1")
	require.NoError(t, err)
	var events, geo bytes.Buffer
	require.NoError(t, benchmarks.WriteEvents(&events, ev))
	require.NoError(t, benchmarks.WriteHierarchy(&geo, ev.Table.Dim(0)))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "events.csv"), events.Bytes(), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "geo.csv"), geo.Bytes(), 0o644))
	s := &pipeline.Spec{
		Input: pipeline.Input{Records: filepath.Join(dir, "events.csv"), Dims: []pipeline.Dim{
			{Name: "geo", File: filepath.Join(dir, "geo.csv")}, {Name: "sex", Codes: benchmarks.Sexes}, {Name: "age", Codes: benchmarks.AgeGroups}}},
		Method:  m,
		Outputs: pipeline.Outputs{Published: filepath.Join(dir, "published.csv"), Internal: filepath.Join(dir, "internal.csv"), Summary: filepath.Join(dir, "summary.json")},
	}
	if m.Name == "dp" {
		s.Input.Person = "person"
	} else {
		s.Input.RecordID = "event"
	}
	return s
}

// publishedCounts reads a published file's counts by label.
func publishedCounts(t *testing.T, path string) map[string]int64 {
	rows := readRows(t, path)
	out := map[string]int64{}
	h := rows[0]
	for _, r := range rows[1:] {
		n := len(h) - 2
		require.Equal(t, "perturbed", r[len(h)-1], "every cell of a noisy release is perturbed")
		v, err := strconv.ParseInt(r[n], 10, 64)
		require.NoError(t, err)
		out[joinCodes(r[:n])] = v
	}
	return out
}

func joinCodes(codes []string) string {
	s := ""
	for i, c := range codes {
		if i > 0 {
			s += "×"
		}
		s += c
	}
	return s
}

func TestDPRun(t *testing.T) {
	for _, mech := range []string{"laplace", "gaussian"} {
		t.Run(mech, func(t *testing.T) {
			dir := t.TempDir()
			m := pipeline.MethodSpec{Name: "dp", Mechanism: mech, Epsilon: 1, L0: 1, LInf: 2}
			if mech == "gaussian" {
				m.Delta = 1e-6
			}
			spec := writeT1Events(t, dir, m)
			res, err := pipeline.Run(context.Background(), spec, pipeline.Options{})
			require.NoError(t, err)
			require.NoError(t, res.Write(context.Background()))
			rel := res.Tables[0].Release
			tb := rel.Table()
			vals := make([]int64, tb.NumCells())
			for c := range vals {
				v, ok := rel.Value(c)
				require.True(t, ok)
				require.GreaterOrEqual(t, v, int64(0))
				vals[c] = v
			}
			require.NoError(t, rounding.CheckAdditive(tb, vals))
			// The published file is the release's values, all "perturbed".
			pub := publishedCounts(t, spec.Outputs.Published)
			require.Len(t, pub, tb.NumCells())
			for c := range vals {
				require.Equal(t, vals[c], pub[tb.Label(c)])
			}
			assert.NotNil(t, res.Summary.Utility)
			assert.Len(t, res.Summary.Utility.BySize, 5)
			// The internal file has the noisy measurements and intervals.
			rows := readInternalRows(t, spec.Outputs.Internal)
			h := rows[0]
			assert.Equal(t, "noisy", h[len(h)-1])
			measured := 0
			for _, r := range rows[1:] {
				if r[len(h)-1] != "" {
					measured++
					assert.Equal(t, "confidence", r[len(h)-2])
				}
			}
			assert.Equal(t, 23*14+14, measured, "the 23 municipalities and the county (the root of T1), by sex and age")
		})
	}
}

// TestLedger: releases are entered in the ledger; one that would exceed
// the budget is refused and writes nothing; a write that fails leaves the
// ledger as it was.
func TestLedger(t *testing.T) {
	dir := t.TempDir()
	ledger := filepath.Join(dir, "ledger.json")
	spec := writeT1Events(t, dir, pipeline.MethodSpec{Name: "dp", Mechanism: "laplace", Epsilon: 1, Ledger: ledger, BudgetEpsilon: 2.5})
	for i := 0; i < 2; i++ {
		res, err := pipeline.Run(context.Background(), spec, pipeline.Options{})
		require.NoError(t, err)
		require.NoError(t, res.Write(context.Background()))
	}
	l, err := noise.ReadLedger(ledger)
	require.NoError(t, err)
	require.Len(t, l.Releases, 2)
	eps, _ := l.Spent()
	assert.Equal(t, 2.0, eps)
	assert.Equal(t, &noise.Budget{Epsilon: 2.5}, l.Budget)
	assert.NotEmpty(t, l.Releases[0].Inputs[0].SHA256)
	fi, err := os.Stat(ledger)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	before, err := os.ReadFile(ledger)
	require.NoError(t, err)

	// Over budget: refused before any noise, nothing written.
	require.NoError(t, os.Remove(spec.Outputs.Published))
	_, err = pipeline.Run(context.Background(), spec, pipeline.Options{})
	require.ErrorIs(t, err, noise.ErrBudget)
	assert.Contains(t, err.Error(), "left: ε = 0.5")
	assert.NoFileExists(t, spec.Outputs.Published)

	// Within budget, but the write is cancelled: no output, and the
	// reservation is taken back: the ledger is as it was.
	small := *spec
	small.Method.Epsilon = 0.25
	res, err := pipeline.Run(context.Background(), &small, pipeline.Options{})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.Error(t, res.Write(ctx))
	assert.NoFileExists(t, spec.Outputs.Published)
	after, err := os.ReadFile(ledger)
	require.NoError(t, err)
	assert.Equal(t, before, after)

	// A release is reserved before its noise is drawn: a second run while
	// the first is not written yet sees the budget it reserved.
	res, err = pipeline.Run(context.Background(), &small, pipeline.Options{})
	require.NoError(t, err)
	l, err = noise.ReadLedger(ledger)
	require.NoError(t, err)
	require.Len(t, l.Releases, 3)
	assert.Equal(t, noise.Reserved, l.Releases[2].Status)
	other := small
	other.Method.Epsilon = 0.5
	_, err = pipeline.Run(context.Background(), &other, pipeline.Options{})
	require.ErrorIs(t, err, noise.ErrBudget, "2 released + 0.25 reserved + 0.5 > 2.5")
	require.NoError(t, res.Write(context.Background()))
	l, err = noise.ReadLedger(ledger)
	require.NoError(t, err)
	require.Len(t, l.Releases, 3)
	assert.Equal(t, noise.Released, l.Releases[2].Status)
	assert.NotEmpty(t, l.Releases[2].Outputs)

	// A different budget is not taken silently.
	changed := *spec
	changed.Method.BudgetEpsilon = 10
	_, err = pipeline.Run(context.Background(), &changed, pipeline.Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not changed by a run")

	// Every symbolic link to the ledger shares it; a second hard link is
	// refused.
	link := filepath.Join(dir, "link.json")
	require.NoError(t, os.Symlink(ledger, link))
	before, err = os.ReadFile(ledger)
	require.NoError(t, err)
	viaLink := small
	viaLink.Method.Ledger = link
	viaLink.Method.Epsilon = 0.01
	res, err = pipeline.Run(context.Background(), &viaLink, pipeline.Options{})
	require.NoError(t, err)
	require.NoError(t, res.Write(context.Background()))
	after, err = os.ReadFile(ledger)
	require.NoError(t, err)
	assert.NotEqual(t, before, after, "the link's target is the ledger written")
	fi, err = os.Lstat(link)
	require.NoError(t, err)
	assert.Equal(t, os.ModeSymlink, fi.Mode()&os.ModeSymlink, "the link is still a link")
	hard := filepath.Join(dir, "hard.json")
	require.NoError(t, os.Link(ledger, hard))
	viaLink.Method.Ledger = hard
	_, err = pipeline.Run(context.Background(), &viaLink, pipeline.Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "hard links")
}

// TestCellKeyRun: the same cell has the same value in two runs over
// different tables of the same records with the same secret.
func TestCellKeyRun(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret.key")
	require.NoError(t, os.WriteFile(secret, []byte("a secret of thirty-two bytes !!!"), 0o600))
	spec := writeT1Events(t, dir, pipeline.MethodSpec{Name: "cellkey", PTableD: 2, PTableV: 1, KeySecretFile: secret})
	res, err := pipeline.Run(context.Background(), spec, pipeline.Options{})
	require.NoError(t, err)
	require.NoError(t, res.Write(context.Background()))
	full := publishedCounts(t, spec.Outputs.Published)

	// The same records as a table of geo × sex (age not read).
	marg := *spec
	marg.Input.Dims = marg.Input.Dims[:2]
	marg.Outputs = pipeline.Outputs{Published: filepath.Join(dir, "marg.csv")}
	res, err = pipeline.Run(context.Background(), &marg, pipeline.Options{})
	require.NoError(t, err)
	require.NoError(t, res.Write(context.Background()))
	part := publishedCounts(t, marg.Outputs.Published)
	require.NotEmpty(t, part)
	for label, v := range part {
		require.Equal(t, full[label+"×"+sdc.TotalCode], v, label)
	}

	// A secret others can read is refused.
	require.NoError(t, os.Chmod(secret, 0o644))
	_, err = pipeline.Run(context.Background(), spec, pipeline.Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "readable by others")
}

func TestNoiseSpecErrors(t *testing.T) {
	ok := func() *pipeline.Spec {
		return &pipeline.Spec{
			Input:   pipeline.Input{Records: "e.csv", Person: "person", Dims: []pipeline.Dim{{Name: "geo", File: "geo.csv"}, {Name: "sex", Codes: []string{"M", "F"}}}},
			Method:  pipeline.MethodSpec{Name: "dp", Mechanism: "laplace", Epsilon: 1},
			Outputs: pipeline.Outputs{Published: "p.csv"},
		}
	}
	require.NoError(t, ok().Validate())
	for _, tc := range []struct {
		key  string
		edit func(s *pipeline.Spec)
	}{
		{"method.mechanism", func(s *pipeline.Spec) { s.Method.Mechanism = "" }},
		{"method.mechanism", func(s *pipeline.Spec) { s.Method.Mechanism = "uniform" }},
		{"method.epsilon", func(s *pipeline.Spec) { s.Method.Epsilon = 0 }},
		{"method.epsilon", func(s *pipeline.Spec) { s.Method.Epsilon = 1000 }},
		{"method.delta", func(s *pipeline.Spec) { s.Method.Delta = 1e-6 }},
		{"method.delta", func(s *pipeline.Spec) { s.Method.Mechanism = "gaussian" }},
		{"method.l0", func(s *pipeline.Spec) { s.Method.L0 = -1 }},
		{"method.budget_epsilon", func(s *pipeline.Spec) { s.Method.BudgetEpsilon = 5 }},
		{"method.split.share", func(s *pipeline.Spec) { s.Method.Split = []pipeline.SplitItem{{Query: "detail", Share: 0}} }},
		{"method.split", func(s *pipeline.Spec) { s.Method.Split = []pipeline.SplitItem{{Query: "detail", Share: 0.5}} }},
		{"method.split.query", func(s *pipeline.Spec) {
			s.Method.Split = []pipeline.SplitItem{{Query: "detail", Share: 0.5}, {Query: "detail", Share: 0.5}}
		}},
		{"input.person", func(s *pipeline.Spec) { s.Input.Person = "" }},
		{"input.dims", func(s *pipeline.Spec) { s.Input.Dims[1].Codes = nil }},
		{"input.each_person_once", func(s *pipeline.Spec) { s.Input.Records, s.Input.Cells, s.Input.Person = "", "c.csv", "" }},
		{"rules", func(s *pipeline.Spec) { s.Rules.MaxN = 4 }},
		{"method.ptable", func(s *pipeline.Spec) { s.Method.PTable = "pt.txt" }},
		{"input.person", func(s *pipeline.Spec) { s.Method = pipeline.MethodSpec{Name: "gauss"}; s.Rules.MaxN = 4 }},
		{"input.person", func(s *pipeline.Spec) { s.Input.Person = "geo" }},
		{"input.person", func(s *pipeline.Spec) { s.Input.Person = "status" }},
		// cellkey
		{"input.record_key", func(s *pipeline.Spec) {
			s.Input.Person = ""
			s.Method = pipeline.MethodSpec{Name: "cellkey", PTableD: 2, PTableV: 1}
		}},
		{"method.key_secret_file", func(s *pipeline.Spec) {
			s.Input.Person, s.Input.RecordID = "", "id"
			s.Method = pipeline.MethodSpec{Name: "cellkey", PTableD: 2, PTableV: 1}
		}},
		{"method.ptable_d", func(s *pipeline.Spec) {
			s.Input.Person, s.Input.RecordKey = "", "key"
			s.Method = pipeline.MethodSpec{Name: "cellkey"}
		}},
		{"method.ptable", func(s *pipeline.Spec) {
			s.Input.Person, s.Input.RecordKey = "", "key"
			s.Method = pipeline.MethodSpec{Name: "cellkey", PTable: "pt.txt", PTableD: 2}
		}},
		{"input.records", func(s *pipeline.Spec) {
			s.Input = pipeline.Input{Cells: "c.csv", Dims: s.Input.Dims}
			s.Method = pipeline.MethodSpec{Name: "cellkey", PTableD: 2, PTableV: 1}
		}},
		{"method.epsilon", func(s *pipeline.Spec) {
			s.Input.Person, s.Input.RecordKey = "", "key"
			s.Method = pipeline.MethodSpec{Name: "cellkey", PTableD: 2, PTableV: 1, Epsilon: 1}
		}},
	} {
		s := ok()
		tc.edit(s)
		err := s.Validate()
		var se *pipeline.SpecError
		require.True(t, errors.As(err, &se), "%s: %v", tc.key, err)
		assert.Equal(t, tc.key, stripIndex(se.Key), "%s: %v", tc.key, err)
	}
	// The cells of the release check their paths: the ledger is an output.
	s := ok()
	s.Method.Ledger = "p.csv"
	s.Method.BudgetEpsilon = 3
	require.NoError(t, s.Validate())
	_, err := pipeline.Run(context.Background(), s, pipeline.Options{})
	require.ErrorIs(t, err, pipeline.ErrSpec)
}

// stripIndex turns "method.split[0].share" into "method.split.share".
func stripIndex(key string) string {
	out := []byte{}
	skip := false
	for i := 0; i < len(key); i++ {
		switch {
		case key[i] == '[':
			skip = true
		case key[i] == ']':
			skip = false
		case !skip:
			out = append(out, key[i])
		}
	}
	return string(out)
}

// readInternalRows reads an internal file, skipping its notes.
func readInternalRows(t *testing.T, path string) [][]string {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	r := csv.NewReader(bytes.NewReader(data))
	r.Comment = '#'
	rows, err := r.ReadAll()
	require.NoError(t, err)
	return rows
}

// fakeCommit is an account in the current folder: account.json, with a
// file "cancelled" written when the pipeline takes the release back. Its
// file's writer makes its own rename fail (a folder appears at its path
// while the outputs are written) when failRename is set.
type fakeCommit struct{ failRename bool }

func (f fakeCommit) Prepare(*report.Summary, []string) (sdc.OutputFile, func(), error) {
	return sdc.OutputFile{Path: "account.json", Write: func(w io.Writer) error {
		if f.failRename {
			if err := os.MkdirAll(filepath.Join("account.json", "x"), 0o755); err != nil {
				return err
			}
		}
		_, err := io.WriteString(w, "{}")
		return err
	}}, func() {}, nil
}

func (fakeCommit) Cancel() error { return os.WriteFile("cancelled", nil, 0o644) }

// committing publishes every count as it is or, with negative set, one
// count as −1 (a release the pipeline refuses), and enters the release in
// a fake account.
type committing struct{ negative, failRename bool }

func (c committing) Protect(_ context.Context, job *pipeline.Job) (*pipeline.Outcome, error) {
	rel := sdc.NewRelease(job.Base)
	vals := append([]int64(nil), job.Base.Freqs()...)
	if c.negative {
		vals[len(vals)-1] = -1
	}
	if err := rel.SetValues(vals, sdc.Perturbed); err != nil {
		return nil, err
	}
	return &pipeline.Outcome{Releases: []*sdc.Release{rel}, Kind: pipeline.Perturbed, Commit: fakeCommit{c.failRename}, Method: "test"}, nil
}

func init() {
	for name, m := range map[string]committing{
		"test-commit": {}, "test-commit-negative": {negative: true}, "test-commit-fail-rename": {failRename: true},
	} {
		pipeline.Register(name, func(pipeline.MethodSpec) (pipeline.Method, error) { return m, nil })
	}
}

// TestCommitTakenBack: the pipeline takes a release back from its account
// when nothing of it is published (the run fails, the write is cancelled),
// and leaves it there when some outputs were written.
func TestCommitTakenBack(t *testing.T) {
	for _, tc := range []struct {
		name, method          string
		cancelCtx             bool
		runFails, writeFails  bool
		cancelled             bool
		publishedAfterFailure bool
	}{
		{name: "written", method: "test-commit"},
		{name: "the run fails", method: "test-commit-negative", runFails: true, cancelled: true},
		{name: "the write is cancelled", method: "test-commit", cancelCtx: true, writeFails: true, cancelled: true},
		{name: "the account's rename fails after the outputs", method: "test-commit-fail-rename", writeFails: true, publishedAfterFailure: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			spec := writeT1(t, dir, tc.method)
			spec.Outputs.Internal, spec.Outputs.Summary = "", ""
			res, err := pipeline.Run(context.Background(), spec, pipeline.Options{})
			if tc.runFails {
				require.Error(t, err)
				assert.FileExists(t, "cancelled")
				return
			}
			require.NoError(t, err)
			ctx := context.Background()
			if tc.cancelCtx {
				c, cancel := context.WithCancel(ctx)
				cancel()
				ctx = c
			}
			err = res.Write(ctx)
			if !tc.writeFails {
				require.NoError(t, err)
				assert.FileExists(t, "account.json")
			} else {
				require.Error(t, err)
			}
			if tc.cancelled {
				assert.FileExists(t, "cancelled")
			} else {
				assert.NoFileExists(t, "cancelled")
			}
			if tc.writeFails && tc.publishedAfterFailure {
				assert.FileExists(t, spec.Outputs.Published)
				assert.Contains(t, err.Error(), "stays entered")
			} else if tc.writeFails {
				assert.NoFileExists(t, spec.Outputs.Published)
			}
		})
	}
}
