package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/tabsdc/tabsdc/noise"
	"github.com/tabsdc/tabsdc/report"
	"github.com/tabsdc/tabsdc/sdc"
)

// The noise methods: differential privacy (dp) and the cell key method
// (cellkey).
func init() {
	Register("dp", func(m MethodSpec) (Method, error) { return dpMethod{m}, nil })
	Register("cellkey", func(m MethodSpec) (Method, error) { return cellKeyMethod{m}, nil })
}

// dpMethod releases the table with differential privacy (noise.DP).
type dpMethod struct{ spec MethodSpec }

func (d dpMethod) Protect(ctx context.Context, job *Job) (*Outcome, error) {
	m := d.spec
	t := job.Base
	mech, err := noise.ParseMechanism(m.Mechanism)
	if err != nil {
		return nil, err
	}
	p := noise.Params{Mechanism: mech, Epsilon: m.Epsilon, Delta: m.Delta, Bounds: noise.Bounds{L0: m.L0, LInf: m.LInf}}
	seen := map[string]string{}
	for i, it := range m.Split {
		q, err := noise.ParseQuery(t, it.Query)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrSpec, &SpecError{Key: fmt.Sprintf("method.split[%d].query", i), Err: err})
		}
		if prev, ok := seen[q.Name(t)]; ok {
			return nil, fmt.Errorf("%w: %w", ErrSpec, &SpecError{Key: fmt.Sprintf("method.split[%d].query", i), Err: fmt.Errorf("%q is the same query as %q (%s)", it.Query, prev, q.Name(t))})
		}
		seen[q.Name(t)] = it.Query
		p.Split = append(p.Split, noise.Share{Query: q, Share: it.Share})
	}
	if m.Ledger == "" {
		job.Warn("no budget ledger (method.ledger, --ledger): this release's ε is accounted for nowhere, and nothing stops another release of the same data")
	}
	extra := map[string]any{}
	var counts []int64
	if job.Records != nil {
		job.Progress(fmt.Sprintf("bounding contributions: at most %d inner cells and %d records per cell per person", m.L0, m.LInf))
		var st noise.Bounding
		counts, st, err = noise.Bound(job.Records.Inner, job.Records.Fields[0], t.NumInner(), p.Bounds, nil)
		if err != nil {
			return nil, err
		}
		extra["bounding"] = st
		// Exact figures of the data stay in the (confidential) summary.
		job.Progress("contributions bounded (what was dropped: extra.bounding in the summary)")
	} else {
		// Each person counts once in one inner cell: the counts are bounded.
		counts = make([]int64, t.NumInner())
		for k := range counts {
			counts[k] = t.Freq(t.InnerCell(k))
		}
		p.Bounds = noise.Bounds{L0: 1, LInf: 1}
	}
	var led *ledgerCommit
	if m.Ledger != "" {
		// Entered before any noise is drawn, refused when over budget.
		led = &ledgerCommit{path: m.Ledger}
		var budget *noise.Budget
		if m.BudgetEpsilon > 0 {
			budget = &noise.Budget{Epsilon: m.BudgetEpsilon, Delta: m.BudgetDelta}
		}
		e := noise.Entry{Date: time.Now().UTC().Format(time.RFC3339), Tool: Version(), Mechanism: m.Mechanism, Epsilon: m.Epsilon, Delta: m.Delta}
		split := p.Split
		if split == nil {
			split = noise.DefaultSplit(t)
		}
		for _, sh := range split {
			e.Queries = append(e.Queries, noise.LedgerQuery{Query: sh.Query.Name(t), Epsilon: m.Epsilon * sh.Share, Delta: m.Delta * sh.Share})
		}
		if led.id, err = noise.Reserve(m.Ledger, budget, e); err != nil {
			return nil, fmt.Errorf("%s: %w", m.Ledger, err)
		}
		job.Progress(fmt.Sprintf("release entered in the ledger %s (reserved)", m.Ledger))
	}
	job.Progress(fmt.Sprintf("measuring with %s noise, ε = %g, δ = %g", mech, m.Epsilon, m.Delta))
	res, err := noise.DP(ctx, t, counts, p)
	if err != nil {
		if led != nil {
			if cerr := led.Cancel(); cerr != nil {
				err = fmt.Errorf("%w; and taking the release back from the ledger failed: %v", err, cerr)
			}
		}
		return nil, err
	}
	var ms []map[string]any
	for _, x := range res.Measurements {
		ms = append(ms, map[string]any{
			"query": x.Name, "cells": len(x.Cells), "epsilon": x.Epsilon, "delta": x.Delta,
			"l0": x.L0, "linf": x.LInf, "variance": x.Variance, "ci95_width": x.Upper[0] - x.Lower[0],
		})
	}
	extra["dp"] = map[string]any{
		"mechanism": mech.String(), "epsilon": m.Epsilon, "delta": m.Delta, "l0": p.Bounds.L0, "linf": p.Bounds.LInf,
		"measurements": ms, "least_squares": res.Estimate, "topdown_dimension": t.Dim(res.TopDim).Name(),
		"bias_by_true_count": noise.Bias(t, res.Values),
		"composition":        "sequential: the release is (Σ ε, Σ δ)-differentially private over its measurements",
	}
	out := &Outcome{
		Releases: []*sdc.Release{res.Release}, Kind: Perturbed, Additive: true,
		Method:  fmt.Sprintf("differential privacy (%s noise, ε = %g, δ = %g; top-down post-processing)", mech, m.Epsilon, m.Delta),
		Summary: extra,
	}
	res.Release.SetNotes(
		fmt.Sprintf("differential privacy: %s noise, ε = %g, δ = %g, at most %d inner cells and %d records per cell per person", mech, m.Epsilon, m.Delta, p.Bounds.L0, p.Bounds.LInf),
		"lower/upper of a measured cell: the library's 95 % confidence interval of its bounded count from its noisy measurement (column noisy)",
	)
	if led != nil {
		out.Commit = led
	}
	return out, nil
}

// ledgerCommit is a release reserved in a budget ledger.
type ledgerCommit struct {
	path string
	id   string
}

func (l *ledgerCommit) Prepare(sum *report.Summary, outputs []string) (sdc.OutputFile, func(), error) {
	var inputs []noise.LedgerFile
	for _, in := range sum.Inputs {
		inputs = append(inputs, noise.LedgerFile{Role: in.Role, Path: in.Path, SHA256: in.SHA256})
	}
	return noise.Release(l.path, l.id, inputs, outputs)
}

func (l *ledgerCommit) Cancel() error { return noise.Cancel(l.path, l.id) }

// cellKeyMethod perturbs every cell by the cell key method (noise.CellKey).
type cellKeyMethod struct{ spec MethodSpec }

func (c cellKeyMethod) Protect(ctx context.Context, job *Job) (*Outcome, error) {
	m := c.spec
	u := job.Records
	if u == nil {
		return nil, errors.New("the cell key method needs records")
	}
	var pt *noise.PTable
	var err error
	source := ""
	if m.PTable != "" {
		f, err := job.inputs.open("ptable", m.PTable)
		if err != nil {
			return nil, err
		}
		pt, err = noise.ReadPTable(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, withFile(m.PTable, err)
		}
		source = m.PTable
	} else {
		if pt, err = noise.BuildPTable(noise.PTableOptions{D: m.PTableD, V: m.PTableV, JS: m.PTableJS}); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrSpec, &SpecError{Key: "method.ptable_d", Err: err})
		}
		source = "maximum entropy"
	}
	var keys []uint64
	if m.KeySecretFile != "" {
		secret, err := readSecret(m.KeySecretFile)
		if err != nil {
			return nil, err
		}
		if keys, err = noise.RecordKeysHMAC(secret, u.Fields[0]); err != nil {
			return nil, fmt.Errorf("%s: %w", m.KeySecretFile, err)
		}
	} else {
		keys = make([]uint64, len(u.Inner))
		for i, f := range u.Fields[0] {
			if keys[i], err = noise.ParseRecordKey(f); err != nil {
				return nil, &sdc.ParseError{Row: int(u.Lines[i]), Column: u.Columns[0], Err: err}
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, err := noise.CellKey(job.Base, u.Inner, keys, pt)
	if err != nil {
		return nil, err
	}
	res.Release.SetNotes(
		fmt.Sprintf("cell key method: perturbation table D = %d, V = %g, js = %d (%s); every cell, totals included, is perturbed from its own cell key: the table does not add up", pt.D, pt.V, pt.JS, source),
		"lower/upper: the true counts the table can publish as the cell's published value (an attacker who knows the table knows at least this)",
	)
	return &Outcome{
		Releases: []*sdc.Release{res.Release}, Kind: Perturbed,
		Method:  fmt.Sprintf("cell key method (D = %d, V = %g, js = %d)", pt.D, pt.V, pt.JS),
		Summary: map[string]any{"cellkey": map[string]any{"ptable": source, "d": pt.D, "v": pt.V, "js": pt.JS, "rows": len(pt.Rows), "additive": false}},
	}, nil
}

// readSecret reads the key secret: a file only its owner can read.
func readSecret(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s: the key secret is readable by others (mode %v): make it readable by its owner only (chmod 600)", path, fi.Mode().Perm())
	}
	secret, err := io.ReadAll(io.LimitReader(f, 1<<16))
	if err != nil {
		return nil, err
	}
	return secret, nil
}
