package main

import (
	"context"
	"flag"
	"io"
	"strconv"
	"strings"

	"github.com/tabsdc/tabsdc/pipeline"
)

const noiseExample = `  tabsdc noise --mechanism laplace --epsilon 1 \
      --records --input events.csv --person person_id \
      --dim geo=geo.csv --dim sex:M,F --dim age:00-04,05-14,15-24,25-44,45-64,65-79,80+ \
      --l0 1 --linf 1 --split geo:0=0.2,geo:1=0.3,detail=0.5 \
      --ledger budget.json --budget-epsilon 10 \
      --out published.csv --internal internal.csv --json summary.json

  tabsdc noise --mechanism cellkey --records --input events.csv \
      --record-id event_id --key-secret-file secret.key \
      --dim geo=geo.csv --dim sex --dim age --ptable-d 2 --ptable-v 1 \
      --out published.csv --internal internal.csv --json summary.json

  laplace and gaussian release the counts with differential privacy: each
  person's records are bounded (--l0 inner cells, --linf records per cell),
  every query of --split (dim:depth items joined by +; "detail" is the
  inner cells; default: every level of the geography, equal shares) is
  measured with noise from Google's differential-privacy library, and the
  measurements are combined into one table of non-negative integers that
  adds up. Every dimension needs declared codes (NAME=FILE or
  NAME:CODE,…). With --ledger the release is entered in a budget ledger,
  and refused (nothing written) when it would exceed the budget.
  cellkey perturbs every cell, totals included, from its cell key (the sum
  of its records' keys) by a perturbation table (--ptable FILE in the
  layout ptable exports for tau-ARGUS, or --ptable-d/-v/-js): one cell has
  one value in every table; the table does not add up.`

func runNoise(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("noise", noiseExample, stdout, stderr)
	var in inputFlags
	var of outputFlags
	in.register(fs)
	of.register(fs)
	mechanism := fs.String("mechanism", "", "laplace or gaussian (differential privacy), or cellkey (required)")
	person := fs.String("person", "", "with --records: the column of each record's person id (differential privacy)")
	once := fs.Bool("each-person-once", false, "cells input: every person counts once, in one inner cell (L0 = LInf = 1); differential privacy only")
	epsilon := fs.Float64("epsilon", 0, "differential privacy: the release's ε (required)")
	delta := fs.Float64("delta", 0, "gaussian: the release's δ (such as 1e-6); laplace: 0")
	l0 := fs.Int("l0", 1, "differential privacy: the most inner cells one person's records are kept in")
	linf := fs.Int64("linf", 1, "differential privacy: the most records one person keeps in one inner cell")
	split := fs.String("split", "", "differential privacy: the queries and their shares of the budget, QUERY=SHARE,… (a query is dim:depth items joined by +, or detail)")
	ledger := fs.String("ledger", "", "differential privacy: a budget ledger (JSON) the release is entered in")
	budgetEps := fs.Float64("budget-epsilon", 0, "with --ledger: the total ε of every release in the ledger")
	budgetDelta := fs.Float64("budget-delta", 0, "with --ledger: the total δ")
	ptable := fs.String("ptable", "", "cellkey: a perturbation table file (i;j;p;v;p_int_ub, as the R package ptable exports for tau-ARGUS)")
	ptD := fs.Int("ptable-d", 0, "cellkey: build the perturbation table by maximum entropy with this largest deviation D")
	ptV := fs.Float64("ptable-v", 0, "cellkey: … and this variance V")
	ptJS := fs.Int("ptable-js", 0, "cellkey: … and no count published in 1..js")
	recordKey := fs.String("record-key", "", "cellkey, with --records: the column of each record's key, a decimal in [0, 1)")
	recordID := fs.String("record-id", "", "cellkey, with --records: the column of a stable record id; keys are derived with --key-secret-file")
	secret := fs.String("key-secret-file", "", "cellkey: the secret (at least 16 bytes, readable by its owner only) record keys are derived from with HMAC-SHA256")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return err
	}
	name := "dp"
	switch *mechanism {
	case "laplace", "gaussian":
	case "cellkey":
		name = "cellkey"
	case "":
		return usagef("--mechanism is required: laplace, gaussian or cellkey")
	default:
		return usagef("--mechanism %q: want laplace, gaussian or cellkey", *mechanism)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	m := pipeline.MethodSpec{Name: name}
	if name == "dp" {
		m.Mechanism, m.Epsilon, m.Delta, m.L0, m.LInf = *mechanism, *epsilon, *delta, *l0, *linf
		m.Ledger, m.BudgetEpsilon, m.BudgetDelta = *ledger, *budgetEps, *budgetDelta
		if *split != "" {
			for _, item := range strings.Split(*split, ",") {
				q, sh, ok := strings.Cut(item, "=")
				x, err := strconv.ParseFloat(strings.TrimSpace(sh), 64)
				if !ok || err != nil {
					return usagef("--split %q: item %q is not QUERY=SHARE", *split, item)
				}
				m.Split = append(m.Split, pipeline.SplitItem{Query: strings.TrimSpace(q), Share: x})
			}
		}
		for _, f := range []string{"ptable", "ptable-d", "ptable-v", "ptable-js", "record-key", "record-id", "key-secret-file"} {
			if set[f] {
				return usagef("--%s goes with --mechanism cellkey", f)
			}
		}
	} else {
		m.PTable, m.PTableD, m.PTableV, m.PTableJS, m.KeySecretFile = *ptable, *ptD, *ptV, *ptJS, *secret
		for _, f := range []string{"epsilon", "delta", "l0", "linf", "split", "ledger", "budget-epsilon", "budget-delta", "person", "each-person-once"} {
			if set[f] {
				return usagef("--%s goes with --mechanism laplace or gaussian", f)
			}
		}
	}
	spec := &pipeline.Spec{Method: m}
	var err error
	if spec.Input, err = in.spec(); err != nil {
		return err
	}
	spec.Input.Person, spec.Input.EachPersonOnce = *person, *once
	spec.Input.RecordKey, spec.Input.RecordID = *recordKey, *recordID
	spec.Outputs = of.spec()
	if err := spec.Validate(); err != nil {
		return flagError(err, "--mechanism")
	}
	extraIn := in.paths()
	for _, p := range []pathArg{{"--ptable", *ptable}, {"--key-secret-file", *secret}, {"--previous", of.previous}} {
		if p.path != "" {
			extraIn = append(extraIn, p)
		}
	}
	outs := of.files(nil)
	if *ledger != "" {
		outs = append(outs, pathArg{"--ledger", *ledger})
	}
	if of.out == "" {
		return usagef("--out is required")
	}
	if err := checkPaths(extraIn, outs); err != nil {
		return err
	}
	return runSpec(ctx, spec, "noise", of.quiet, stderr, commandLine("noise", args))
}
