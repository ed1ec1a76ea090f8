package pipeline_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/audit"
	"github.com/tabsdc/tabsdc/benchmarks"
	"github.com/tabsdc/tabsdc/internal/attack"
	"github.com/tabsdc/tabsdc/internal/lpattack"
	"github.com/tabsdc/tabsdc/pipeline"
	"github.com/tabsdc/tabsdc/report"
	"github.com/tabsdc/tabsdc/sdc"
	"github.com/tabsdc/tabsdc/suppress"
)

// publishAll is a method that protects nothing: it publishes every cell,
// primary ones too, and says its release is one of withheld cells.
type publishAll struct{}

func (publishAll) Protect(_ context.Context, job *pipeline.Job) (*pipeline.Outcome, error) {
	var rels []*sdc.Release
	for _, tb := range job.Tables {
		rel := sdc.NewRelease(tb.Release.Table())
		rels = append(rels, rel)
	}
	return &pipeline.Outcome{Releases: rels, Kind: pipeline.Withheld, Attacker: job.Attacker, Method: "publish all"}, nil
}

// withholdAll withholds every cell but the grand total.
type withholdAll struct{}

func (withholdAll) Protect(_ context.Context, job *pipeline.Job) (*pipeline.Outcome, error) {
	var rels []*sdc.Release
	for _, tb := range job.Tables {
		rel := tb.Release.Clone()
		for c := 1; c < rel.Table().NumCells(); c++ {
			if rel.Status(c) == sdc.Published {
				rel.Set(c, sdc.Secondary, "withhold all")
			}
		}
		rels = append(rels, rel)
	}
	// Zeros are withheld too: the attacker knows a withheld cell only to
	// be at least 0.
	att := job.Attacker
	att.ZerosWithheld = true
	return &pipeline.Outcome{Releases: rels, Kind: pipeline.Withheld, Attacker: att, Method: "withhold all"}, nil
}

// primaryOnly keeps the primary suppression and claims protection.
type primaryOnly struct{}

func (primaryOnly) Protect(_ context.Context, job *pipeline.Job) (*pipeline.Outcome, error) {
	var rels []*sdc.Release
	for _, tb := range job.Tables {
		rels = append(rels, tb.Release)
	}
	return &pipeline.Outcome{Releases: rels, Kind: pipeline.Withheld, Attacker: job.Attacker, Method: "primary only"}, nil
}

func init() {
	pipeline.Register("test-publish-all", func(pipeline.MethodSpec) (pipeline.Method, error) { return publishAll{}, nil })
	pipeline.Register("test-primary-only", func(pipeline.MethodSpec) (pipeline.Method, error) { return primaryOnly{}, nil })
	pipeline.Register("test-withhold-all", func(pipeline.MethodSpec) (pipeline.Method, error) { return withholdAll{}, nil })
}

// writeT1 writes T1's cells and hierarchy into dir and returns a spec for
// it with the method named.
func writeT1(t *testing.T, dir, method string) *pipeline.Spec {
	tab, err := benchmarks.Table("T1")
	require.NoError(t, err)
	var cells, geo bytes.Buffer
	require.NoError(t, benchmarks.WriteCells(&cells, tab))
	require.NoError(t, benchmarks.WriteHierarchy(&geo, tab.Dim(0)))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cells.csv"), cells.Bytes(), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "geo.csv"), geo.Bytes(), 0o644))
	return &pipeline.Spec{
		Input: pipeline.Input{Cells: filepath.Join(dir, "cells.csv"), Dims: []pipeline.Dim{
			{Name: "geo", File: filepath.Join(dir, "geo.csv")}, {Name: "sex"}, {Name: "age"}}},
		Rules:   pipeline.Rules{MaxN: 4},
		Method:  pipeline.MethodSpec{Name: method},
		Outputs: pipeline.Outputs{Published: filepath.Join(dir, "published.csv"), Internal: filepath.Join(dir, "internal.csv"), Summary: filepath.Join(dir, "summary.json")},
	}
}

// A method registered from outside is run, audited, counted and written
// like the built-in ones: the pipeline's audit refuses the method that
// publishes everything (naming the disclosed cells), and passes, counts
// and writes the one that withholds everything.
func TestRegisteredMethods(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()

	_, err := pipeline.Run(ctx, writeT1(t, dir, "test-publish-all"), pipeline.Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "published 77 primary cells")

	_, err = pipeline.Run(ctx, writeT1(t, dir, "test-primary-only"), pipeline.Options{})
	var ue *pipeline.UnresolvedError
	require.ErrorAs(t, err, &ue)
	assert.NotEmpty(t, ue.Findings, "primary suppression alone: the audit must find cells")
	_, err = os.Stat(filepath.Join(dir, "published.csv"))
	assert.True(t, os.IsNotExist(err))

	res, err := pipeline.Run(ctx, writeT1(t, dir, "test-withhold-all"), pipeline.Options{})
	require.NoError(t, err)
	require.NoError(t, res.Write(ctx))
	assert.Equal(t, "withhold all", res.Summary.Method)
	require.NotNil(t, res.Summary.Audit)
	assert.True(t, res.Summary.Audit.Passed)
	assert.Equal(t, res.Tables[0].Release.Table().NumCells()-1, res.Summary.Audit.Audited)
	pub, err := os.ReadFile(filepath.Join(dir, "published.csv"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(pub)), "\n")
	assert.Equal(t, res.Tables[0].Release.Table().NumCells()+1, len(lines))
	published := 0
	for _, l := range lines[1:] {
		if strings.HasSuffix(l, ",published") {
			published++
		}
	}
	assert.Equal(t, 1, published, "only the grand total")
	fi, err := os.Stat(filepath.Join(dir, "internal.csv"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
}

// RunTable on the table in memory gives what Run gives on its files; a
// spec naming an input as well is refused.
func TestRunTableMatchesRun(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	spec := writeT1(t, dir, "gauss")
	res, err := pipeline.Run(ctx, spec, pipeline.Options{})
	require.NoError(t, err)
	require.NoError(t, res.Write(ctx))

	tab, err := benchmarks.Table("T1")
	require.NoError(t, err)
	_, err = pipeline.RunTable(ctx, tab, spec, pipeline.Options{})
	var se *pipeline.SpecError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "input", se.Key)

	mem := *spec
	mem.Input = pipeline.Input{}
	mem.Outputs = pipeline.Outputs{Published: filepath.Join(dir, "mem.csv")}
	res2, err := pipeline.RunTable(ctx, tab, &mem, pipeline.Options{})
	require.NoError(t, err)
	require.NoError(t, res2.Write(ctx))
	a, err := os.ReadFile(filepath.Join(dir, "published.csv"))
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(dir, "mem.csv"))
	require.NoError(t, err)
	// The same rows; the order of the sex codes differs (a flat dimension
	// read from a file takes its codes in sorted order).
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	slices.Sort(la)
	slices.Sort(lb)
	assert.True(t, slices.Equal(la, lb), "the published files differ")
	assert.Empty(t, res2.Summary.Inputs, "no file read")
	require.Len(t, res.Summary.Inputs, 2, "cells and hierarchy")
	for _, in := range res.Summary.Inputs {
		b, err := os.ReadFile(in.Path)
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf("%x", sha256.Sum256(b)), in.SHA256, in.Role)
	}
}

// AuditPattern audits a release's published file as the attacker would:
// the protected T1 passes; the same file with its secondary cells
// published again fails, and the failure is a result, written for the
// officer, not an error.
func TestAuditPattern(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	spec := writeT1(t, dir, "gauss")
	res, err := pipeline.Run(ctx, spec, pipeline.Options{})
	require.NoError(t, err)
	require.NoError(t, res.Write(ctx))

	aspec := &pipeline.Spec{Input: spec.Input, Rules: spec.Rules,
		Outputs: pipeline.Outputs{Internal: filepath.Join(dir, "audited.csv"), Summary: filepath.Join(dir, "audit.json")}}
	a, err := pipeline.AuditPattern(ctx, aspec, pipeline.AuditOptions{Pattern: spec.Outputs.Published})
	require.NoError(t, err)
	assert.True(t, a.Passed())
	assert.Equal(t, res.Summary.Audit.Audited, a.Summary.Audit.Audited)
	require.NoError(t, a.Write(ctx))

	// Publish the secondary cells again: a pattern of primary cells only.
	pub, err := os.ReadFile(spec.Outputs.Published)
	require.NoError(t, err)
	rel := res.Tables[0].Release
	tab := rel.Table()
	lines := strings.Split(strings.TrimSpace(string(pub)), "\n")
	for c := 0; c < tab.NumCells(); c++ {
		if rel.Status(c) == sdc.Secondary {
			line := lines[c+1]
			prefix := strings.TrimSuffix(line, ",,suppressed")
			lines[c+1] = prefix + "," + fmt.Sprint(tab.Freq(c)) + ",published"
		}
	}
	weak := filepath.Join(dir, "weak.csv")
	require.NoError(t, os.WriteFile(weak, []byte(strings.Join(lines, "\n")+"\n"), 0o600))
	a, err = pipeline.AuditPattern(ctx, aspec, pipeline.AuditOptions{Pattern: weak})
	require.NoError(t, err)
	assert.False(t, a.Passed())
	assert.NotEmpty(t, a.Failing)
	require.NoError(t, a.Write(ctx))

	aspec.Method = pipeline.MethodSpec{Name: "gauss"}
	_, err = pipeline.AuditPattern(ctx, aspec, pipeline.AuditOptions{Pattern: weak})
	var se *pipeline.SpecError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "method", se.Key)
}

// hostile is a method that tries to get around the pipeline's checks.
type hostile func(job *pipeline.Job) *pipeline.Outcome

func (h hostile) Protect(_ context.Context, job *pipeline.Job) (*pipeline.Outcome, error) {
	return h(job), nil
}

func init() {
	for name, h := range map[string]hostile{
		// Publishes the primary cells in the release it was given.
		"test-in-place": func(job *pipeline.Job) *pipeline.Outcome {
			rel := job.Tables[0].Release
			for c := 0; c < rel.Table().NumCells(); c++ {
				if rel.Status(c) == sdc.Primary {
					rel.Set(c, sdc.Published, "")
				}
			}
			return &pipeline.Outcome{Releases: []*sdc.Release{rel}, Kind: pipeline.Withheld, Attacker: job.Attacker}
		},
		// Replaces the job's release with a fresh one.
		"test-replace": func(job *pipeline.Job) *pipeline.Outcome {
			job.Tables[0].Release = sdc.NewRelease(job.Base)
			return &pipeline.Outcome{Releases: []*sdc.Release{job.Tables[0].Release}, Kind: pipeline.Withheld, Attacker: job.Attacker}
		},
		// Primary cells only, with an empty audit as its evidence.
		"test-fake-evidence": func(job *pipeline.Job) *pipeline.Outcome {
			return &pipeline.Outcome{Releases: []*sdc.Release{job.Tables[0].Release}, Kind: pipeline.Withheld, Attacker: job.Attacker,
				Evidence: &pipeline.Evidence{Audit: &audit.Result{}, Singletons: &audit.SingletonResult{}}}
		},
		// Drops the singleton intruder from its attacker.
		"test-no-singletons": func(job *pipeline.Job) *pipeline.Outcome {
			att := job.Attacker
			att.IgnoreSingletons = true
			return &pipeline.Outcome{Releases: []*sdc.Release{job.Tables[0].Release}, Kind: pipeline.Withheld, Attacker: att}
		},
		"test-unprotected": func(job *pipeline.Job) *pipeline.Outcome {
			return &pipeline.Outcome{Releases: []*sdc.Release{job.Tables[0].Release}, Kind: pipeline.Unprotected, Attacker: job.Attacker}
		},
		"test-unknown-kind": func(job *pipeline.Job) *pipeline.Outcome {
			return &pipeline.Outcome{Releases: []*sdc.Release{job.Tables[0].Release}, Kind: pipeline.Kind(7)}
		},
		"test-nil-release": func(job *pipeline.Job) *pipeline.Outcome {
			return &pipeline.Outcome{Releases: []*sdc.Release{nil}, Kind: pipeline.Changed}
		},
	} {
		h := h
		pipeline.Register(name, func(pipeline.MethodSpec) (pipeline.Method, error) { return h, nil })
	}
}

// No method gets a primary cell published, a made-up audit accepted, or
// an unknown kind of release written; an unprotected one is warned of.
func TestHostileMethods(t *testing.T) {
	ctx := context.Background()
	cases := []struct{ method, err string }{
		{"test-in-place", "published 77 primary cells"},
		{"test-replace", "published 77 primary cells"},
		{"test-fake-evidence", "could not be protected"},
		{"test-no-singletons", "could not be protected"},
		{"test-unknown-kind", "unknown kind 7"},
		{"test-nil-release", "another table"},
	}
	for _, tc := range cases {
		t.Run(tc.method, func(t *testing.T) {
			dir := t.TempDir()
			_, err := pipeline.Run(ctx, writeT1(t, dir, tc.method), pipeline.Options{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.err)
		})
	}
	var warned []string
	res, err := pipeline.Run(ctx, writeT1(t, t.TempDir(), "test-unprotected"), pipeline.Options{Warn: func(m string) { warned = append(warned, m) }})
	require.NoError(t, err)
	assert.Nil(t, res.Summary.Audit, "nothing audited")
	require.Len(t, warned, 1)
	assert.Contains(t, warned[0], "NOT protected")
}

// A Go caller gets the CLI's path checks: an output that is an input is
// refused before any work, and the input is left as it was.
func TestRunChecksPaths(t *testing.T) {
	dir := t.TempDir()
	spec := writeT1(t, dir, "gauss")
	before, err := os.ReadFile(spec.Input.Cells)
	require.NoError(t, err)
	spec.Outputs.Internal = filepath.Join(dir, ".", "cells.csv")
	_, err = pipeline.Run(context.Background(), spec, pipeline.Options{})
	var pe *pipeline.PathError
	require.ErrorAs(t, err, &pe)
	assert.ErrorIs(t, err, pipeline.ErrSpec)
	assert.Contains(t, err.Error(), "is also the input")
	after, err := os.ReadFile(spec.Input.Cells)
	require.NoError(t, err)
	assert.Equal(t, before, after)
}

// A magnitude release carries each sensitive cell's protection levels
// (those of suppress.ProtectionLevels) into the internal file.
func TestMagnitudeLevels(t *testing.T) {
	dir := t.TempDir()
	recs := "geo,svc,who,amount\n1101,lab,p1,900.50\n1101,lab,p2,30\n1101,gp,p3,400\n1103,lab,p4,200\n1103,gp,p5,210\n1103,gp,p6,190.25\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "r.csv"), []byte(recs), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "geo.csv"), []byte("code,parent\n11,\n1101,11\n1103,11\n"), 0o600))
	spec := &pipeline.Spec{
		Input:   pipeline.Input{Records: filepath.Join(dir, "r.csv"), Value: "amount", Contributor: "who", Dims: []pipeline.Dim{{Name: "geo", File: filepath.Join(dir, "geo.csv")}, {Name: "svc"}}},
		Rules:   pipeline.Rules{Dominance: []pipeline.DominanceArg{{N: 1, K: 85}}},
		Method:  pipeline.MethodSpec{Name: "none"}, // the levels come with the primary rules
		Outputs: pipeline.Outputs{Published: filepath.Join(dir, "p.csv"), Internal: filepath.Join(dir, "i.csv")},
	}
	res, err := pipeline.Run(context.Background(), spec, pipeline.Options{})
	require.NoError(t, err)
	rel := res.Tables[0].Release
	tab := rel.Table()
	up, _ := suppress.ProtectionLevels(tab, []suppress.Rule{suppress.Dominance{N: 1, K: 85}})
	levels := 0
	for c := 0; c < tab.NumCells(); c++ {
		u, _, ok := rel.Levels(c)
		assert.Equal(t, up[c] > 0, ok, tab.Label(c))
		assert.Equal(t, up[c], u, tab.Label(c))
		if ok {
			levels++
			assert.True(t, rel.Suppressed(c), "%s has a level and is published", tab.Label(c))
		}
	}
	assert.Positive(t, levels)
}

// The value audit on the benchmark table M agrees, cell for cell, with an
// independent LP attacker (internal/lpattack) on the published sums in
// cents: the same sensitive cells fall short of their protection levels,
// and the run warns of them.
func TestValueAuditMatchesIndependentAttacker(t *testing.T) {
	dir := t.TempDir()
	dims, err := benchmarks.Dimensions("M")
	require.NoError(t, err)
	recs, err := benchmarks.MagnitudeRecords()
	require.NoError(t, err)
	var rb, gb bytes.Buffer
	require.NoError(t, benchmarks.WriteRecords(&rb, recs))
	require.NoError(t, benchmarks.WriteHierarchy(&gb, dims[0]))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "records.csv"), rb.Bytes(), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "geo.csv"), gb.Bytes(), 0o600))
	spec := &pipeline.Spec{
		Input: pipeline.Input{Records: filepath.Join(dir, "records.csv"), Value: "amount", Contributor: "provider",
			Dims: []pipeline.Dim{{Name: "geo", File: filepath.Join(dir, "geo.csv")}, {Name: "service"}}},
		Rules:       pipeline.Rules{Dominance: []pipeline.DominanceArg{{N: 1, K: 85}}, PPercent: &pipeline.PPercentArg{P: 10}},
		Requirement: pipeline.Requirement{RangePercent: 10},
		Outputs:     pipeline.Outputs{Published: filepath.Join(dir, "published.csv")},
	}
	var warned []string
	res, err := pipeline.Run(context.Background(), spec, pipeline.Options{Warn: func(m string) { warned = append(warned, m) }})
	require.NoError(t, err)
	require.NoError(t, res.Write(context.Background()))
	va, ok := res.Summary.Extra["value_audit"].(*report.AuditOutcome)
	require.True(t, ok, "%v", res.Summary.Extra)
	rel := res.Tables[0].Release
	tab := rel.Table()
	require.Equal(t, 2, tab.Decimals())

	// The published file with the sums in cents, attacked on them.
	raw, err := os.ReadFile(spec.Outputs.Published)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	for i := 1; i < len(lines); i++ {
		f := strings.Split(lines[i], ",")
		f[3] = strings.Replace(f[3], ".", "", 1)
		lines[i] = strings.Join(f, ",")
	}
	att, err := lpattack.Attack(context.Background(), strings.NewReader(strings.Join(lines, "\n")+"\n"), []*sdc.Dimension{tab.Dim(0), tab.Dim(1)},
		lpattack.Options{Engine: lpattack.Sparse, Count: "amount"})
	require.NoError(t, err)
	var short []string
	for _, c := range att.Cells {
		cell, err := tab.CellOf(c.Codes...)
		require.NoError(t, err)
		up, lo, ok := rel.Levels(cell)
		if !ok || rel.Status(cell) != sdc.Primary {
			continue
		}
		v := math.Round(tab.Value(cell) * 100)
		if c.Upper < v+math.Ceil(up*100-1e-6) || c.Lower > math.Max(v-math.Ceil(lo*100-1e-6), 0) {
			short = append(short, c.Key())
		}
	}
	t.Logf("value audit: %d cells, %d short of their levels; independent attacker: %d short (%v)", va.Audited, va.UnderProtected, len(short), short)
	assert.Empty(t, short, "protected on values: the independent attacker finds every level met")
	assert.Zero(t, va.UnderProtected)
	assert.Empty(t, warned)
	assert.Zero(t, va.Disclosed)
}

// Property: on random magnitude tables (2–3 dimensions, skewed
// hierarchies, contributors spread over cells), a release that protect
// accepts leaves every sensitive cell's value interval, for an attacker
// written independently (internal/lpattack on the published sums in
// units), reaching its protection levels; and the published sums are the
// true ones digit for digit.
func TestMagnitudeProtectMeetsLevels(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	accepted, refused, checked, intruderChecked, noLevel := 0, 0, 0, 0, 0
	for trial := 0; trial < 40; trial++ {
		ndims := 2 + trial%2
		dims := make([]*sdc.Dimension, ndims)
		for d := range dims {
			dims[d] = attack.RandomDim(rng, string(rune('a'+d)), 2)
		}
		b, err := sdc.NewBuilder(dims...)
		require.NoError(t, err)
		shape := b.Shape()
		for i := 0; i < 60+rng.IntN(140); i++ {
			c := shape.InnerCell(rng.IntN(shape.NumInner()))
			nodes := make([]int, ndims)
			for d := range nodes {
				nodes[d] = shape.Node(c, d)
			}
			u := int64(1 + rng.IntN(100000))
			if rng.IntN(5) == 0 {
				u *= 50 // a dominant contributor now and then
			}
			require.NoError(t, b.AddRecordUnits(nodes, fmt.Sprintf("p%d", rng.IntN(12)), u, 2))
		}
		tab, err := b.Build()
		require.NoError(t, err)
		dir := t.TempDir()
		// Every fourth table has the frequency rule only: no levels, and
		// its primary cells must not be pinned, on their values either.
		rules := pipeline.Rules{Dominance: []pipeline.DominanceArg{{N: 1, K: 85}}, PPercent: &pipeline.PPercentArg{P: 10}}
		if trial%4 == 3 {
			rules = pipeline.Rules{MaxN: 3}
		}
		spec := &pipeline.Spec{
			Rules:       rules,
			Requirement: pipeline.Requirement{RangeMin: 1},
			Method:      pipeline.MethodSpec{Name: "gauss", Cost: []string{"value", "count", "unity"}[trial%3]},
			Outputs:     pipeline.Outputs{Published: filepath.Join(dir, "p.csv")},
		}
		res, err := pipeline.RunTable(context.Background(), tab, spec, pipeline.Options{})
		var ue *pipeline.UnresolvedError
		if errors.As(err, &ue) {
			refused++
			continue
		}
		require.NoError(t, err, "trial %d", trial)
		accepted++
		require.NoError(t, res.Write(context.Background()))
		rel := res.Tables[0].Release
		raw, err := os.ReadFile(spec.Outputs.Published)
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
		for i := 1; i < len(lines); i++ {
			f := strings.Split(lines[i], ",")
			if f[ndims+1] != "" {
				cell, err := tab.CellOf(f[:ndims]...)
				require.NoError(t, err)
				assert.Equal(t, tab.ValueText(cell), f[ndims+1], "trial %d: a published sum", trial)
				f[ndims+1] = strings.Replace(f[ndims+1], ".", "", 1)
			}
			lines[i] = strings.Join(f, ",")
		}
		// A contributor alone in a withheld cell knows its value: attack
		// once for each, with that cell published.
		for s := 0; s < tab.NumCells(); s++ {
			if !rel.Suppressed(s) || tab.Contributors(s) != 1 {
				continue
			}
			known := append([]string(nil), lines...)
			f := strings.Split(known[s+1], ",")
			f[ndims] = fmt.Sprint(tab.Freq(s))
			f[ndims+1] = strings.Replace(tab.ValueText(s), ".", "", 1)
			f[ndims+2] = "published"
			known[s+1] = strings.Join(f, ",")
			att, err := lpattack.Attack(context.Background(), strings.NewReader(strings.Join(known, "\n")+"\n"), dims, lpattack.Options{Count: "value", Engine: lpattack.Sparse})
			require.NoError(t, err, "trial %d", trial)
			mine := map[int]bool{}
			attack.Brute(tab, s, func(k int) { mine[k] = true })
			for _, c := range att.Cells {
				cell, err := tab.CellOf(c.Codes...)
				require.NoError(t, err)
				if rel.Status(cell) != sdc.Primary {
					continue
				}
				// Nothing new to the intruder: a cell whose withheld inner
				// cells are all under the intruder's, or a cell above it
				// whose one contributor is the intruder.
				own, under := true, map[int]bool{}
				attack.Brute(tab, cell, func(k int) {
					under[k] = true
					if rel.Suppressed(tab.InnerCell(k)) && !mine[k] {
						own = false
					}
				})
				if !own && tab.Contributors(cell) == 1 {
					own = true
					for k := range mine {
						own = own && under[k]
					}
				}
				if own {
					continue
				}
				up, lo, ok := rel.Levels(cell)
				if !ok {
					assert.Greater(t, c.Width(), 0.5, "trial %d %s for the contributor of %s: pinned", trial, c.Key(), tab.Label(s))
					noLevel++
					continue
				}
				intruderChecked++
				v := math.Round(tab.Value(cell) * 100)
				assert.GreaterOrEqual(t, c.Upper, v+math.Ceil(up*100-1e-6), "trial %d %s for the contributor of %s: upper", trial, c.Key(), tab.Label(s))
				assert.LessOrEqual(t, c.Lower, math.Max(v-math.Ceil(lo*100-1e-6), 0), "trial %d %s for the contributor of %s: lower", trial, c.Key(), tab.Label(s))
			}
		}
		att, err := lpattack.Attack(context.Background(), strings.NewReader(strings.Join(lines, "\n")+"\n"), dims, lpattack.Options{Count: "value", Engine: lpattack.Sparse})
		require.NoError(t, err, "trial %d", trial)
		for _, c := range att.Cells {
			cell, err := tab.CellOf(c.Codes...)
			require.NoError(t, err)
			if rel.Status(cell) != sdc.Primary {
				continue
			}
			up, lo, ok := rel.Levels(cell)
			if !ok {
				assert.Greater(t, c.Width(), 0.5, "trial %d %s: pinned", trial, c.Key())
				noLevel++
				continue
			}
			checked++
			// The internal file's value interval is the audit's: within the
			// attacker's (a proven sub-interval at most) and meeting the levels.
			iv, ok := rel.ValueInterval(cell)
			require.True(t, ok, "trial %d %s: no value interval", trial, c.Key())
			assert.LessOrEqual(t, c.Lower, iv.Lower+1e-6, "trial %d %s", trial, c.Key())
			assert.GreaterOrEqual(t, c.Upper, iv.Upper-1e-6, "trial %d %s", trial, c.Key())
			v := math.Round(tab.Value(cell) * 100)
			assert.GreaterOrEqual(t, c.Upper, v+math.Ceil(up*100-1e-6), "trial %d %s: upper", trial, c.Key())
			assert.LessOrEqual(t, c.Lower, math.Max(v-math.Ceil(lo*100-1e-6), 0), "trial %d %s: lower", trial, c.Key())
		}
	}
	t.Logf("%d accepted, %d refused (cells it could not protect); %d sensitive cells checked; %d for lone contributors; %d primary cells without levels checked not pinned", accepted, refused, checked, intruderChecked, noLevel)
	assert.Positive(t, intruderChecked)
	assert.Positive(t, noLevel)
	assert.Greater(t, accepted, 10)
	assert.Greater(t, checked, 50)
}

// sums_only: the published file has the sums and no counts, and the
// audit is the values' (which the independent attacker confirms on the
// README's example); a frequency table cannot publish sums only.
func TestSumsOnly(t *testing.T) {
	src, err := filepath.Abs("../examples/magnitude")
	require.NoError(t, err)
	dir := t.TempDir()
	spec := &pipeline.Spec{
		Input: pipeline.Input{Records: filepath.Join(src, "records.csv"), Value: "amount", Contributor: "provider",
			Dims: []pipeline.Dim{{Name: "geo", File: filepath.Join(src, "geo.csv")}, {Name: "service"}}},
		Rules:   pipeline.Rules{Dominance: []pipeline.DominanceArg{{N: 1, K: 85}}, PPercent: &pipeline.PPercentArg{P: 10}},
		Outputs: pipeline.Outputs{Published: filepath.Join(dir, "p.csv"), SumsOnly: true},
	}
	res, err := pipeline.Run(context.Background(), spec, pipeline.Options{})
	require.NoError(t, err)
	require.NoError(t, res.Write(context.Background()))
	require.NotNil(t, res.Summary.Audit)
	assert.True(t, res.Summary.Audit.Passed)
	assert.Positive(t, res.Summary.Audit.SingletonIntruders)
	rows := readRows(t, spec.Outputs.Published)
	assert.Equal(t, []string{"geo", "service", "amount", "status"}, rows[0])

	bad := *spec
	bad.Input = pipeline.Input{Cells: "c.csv", Dims: []pipeline.Dim{{Name: "geo"}}}
	bad.Rules = pipeline.Rules{MaxN: 4}
	var se *pipeline.SpecError
	require.ErrorAs(t, bad.Validate(), &se)
	assert.Equal(t, "outputs.sums_only", se.Key)
}

func readRows(t *testing.T, path string) [][]string {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	return rows
}
