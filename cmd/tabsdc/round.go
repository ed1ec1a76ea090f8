package main

import (
	"context"
	"flag"
	"io"

	"github.com/tabsdc/tabsdc/pipeline"
)

const roundExample = `  tabsdc round --input cells.csv --dim geo=geo.csv --dim sex --dim age \
      --method small-count --base 3 \
      --out published.csv --internal internal.csv --json summary.json

  small-count rounds inner counts 1..max-round to 0 or a multiple of the base
  and publishes every total as the sum of its rounded inner cells: the table
  is exactly additive and no published cell holds a count in 1..max-round.
  controlled rounds every cell of a two-way table (one dimension may be a
  hierarchy) to an adjacent multiple of the base, additively. random rounds
  each cell on its own, unbiased but not additive.`

func runRound(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("round", roundExample, stdout, stderr)
	var in inputFlags
	var of outputFlags
	in.register(fs)
	of.register(fs)
	method := fs.String("method", "small-count", "small-count, controlled or random")
	base := fs.Int64("base", 3, "rounding base")
	maxRound := fs.Int64("max-round", 0, "small-count: the largest count rounded (default base−1)")
	upFromZero := fs.Bool("up-from-zero", false, "small-count: inner cells that are multiples of the base (zeros) may round up")
	seed := fs.Uint64("seed", 0, "small-count: tie-breaking seed (the result is deterministic for a given seed)")
	deterministic := fs.Bool("deterministic", false, "controlled: take the more likely choice instead of an unbiased random draw")
	if err := parse(fs, args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch *method {
	case "small-count", "controlled", "random":
	default:
		return usagef("--method %q: unknown method (available: small-count, controlled, random)", *method)
	}
	if *base == 0 {
		return usagef("--base 0: want 2 to %d", int64(pipeline.MaxBase))
	}
	if of.out == "" {
		return usagef("--out is required")
	}
	if err := in.check(); err != nil {
		return err
	}
	spec := &pipeline.Spec{Method: pipeline.MethodSpec{Name: *method, Base: *base,
		UpFromZero: *upFromZero, Deterministic: *deterministic}}
	// Options set on the command line count as set even at their zero
	// value, so that a wrong one is named.
	if set["max-round"] {
		spec.Method.MaxRound = *maxRound
		if *maxRound == 0 && *method != "small-count" {
			return usagef("--max-round does not go with --method %s", *method)
		}
	}
	if set["seed"] {
		spec.Method.Seed = *seed
		if *seed == 0 && *method != "small-count" {
			return usagef("--seed does not go with --method %s", *method)
		}
	}
	var err error
	if spec.Input, err = in.spec(); err != nil {
		return err
	}
	spec.Outputs = of.spec()
	if err := spec.Validate(); err != nil {
		return flagError(err, "--method")
	}
	if err := of.check(true, nil, in.paths()); err != nil {
		return err
	}
	return runSpec(ctx, spec, "round", of.quiet, stderr, commandLine("round", args))
}
