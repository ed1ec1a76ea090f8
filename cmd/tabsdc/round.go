package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/tabsdc/tabsdc/report"
	"github.com/tabsdc/tabsdc/rounding"
	"github.com/tabsdc/tabsdc/sdc"
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

// roundOutcome is the rounding part of the JSON summary.
type roundOutcome struct {
	Method   string           `json:"method"`
	Base     int64            `json:"base"`
	MaxRound int64            `json:"max_round,omitempty"`
	Additive bool             `json:"additive"`
	Metrics  rounding.Metrics `json:"metrics"`
}

// maxBase bounds --base; a base above the grand total is refused as well.
const maxBase = 1 << 31

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
	if *base < 2 || *base > maxBase {
		return usagef("--base %d: want 2 to %d", *base, int64(maxBase))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch *method {
	case "small-count":
		if *maxRound < 0 || *maxRound != 0 && *maxRound < *base-1 {
			return usagef("--max-round %d: want 0 (base−1) or at least base−1 = %d", *maxRound, *base-1)
		}
		if set["deterministic"] {
			return usagef("--deterministic goes with --method controlled")
		}
	case "controlled", "random":
		for _, name := range []string{"max-round", "up-from-zero", "seed"} {
			if set[name] {
				return usagef("--%s goes with --method small-count", name)
			}
		}
		if *method == "random" && set["deterministic"] {
			return usagef("--deterministic goes with --method controlled")
		}
	default:
		return usagef("--method %q: unknown method (available: small-count, controlled, random)", *method)
	}
	if err := in.check(); err != nil {
		return err
	}
	if err := of.check(true, nil, in.paths()); err != nil {
		return err
	}
	pr := progress{stderr, of.quiet}
	sum := &report.Summary{Method: "rounding (" + *method + ")"}
	sum.Begin("read")
	t, err := in.read()
	if err != nil {
		return err
	}
	sum.End("read")
	pr.printf("read %d inner cells, %d publishable cells", t.NumInner(), t.NumCells())
	if total := t.Freq(0); *base > total {
		return usagef("--base %d is larger than the grand total %d: every cell would be published as 0", *base, total)
	}

	sum.Begin("round")
	var res *rounding.Result
	switch *method {
	case "small-count":
		res, err = rounding.SmallCount(ctx, t, rounding.SmallCountOptions{Base: *base, MaxRound: *maxRound, UpFromZero: *upFromZero, Seed: *seed})
	case "controlled":
		res, err = rounding.Controlled(ctx, t, rounding.ControlledOptions{Base: *base, Deterministic: *deterministic})
	case "random":
		res, err = rounding.Random(ctx, t, rounding.RandomOptions{Base: *base})
	}
	if err != nil {
		return err
	}
	sum.End("round")

	sum.Begin("audit")
	out := roundOutcome{Method: *method, Base: res.Rule.Base, MaxRound: res.Rule.MaxRound, Metrics: res.Metrics}
	if *method != "random" {
		// The methods promise an additive table: check it, independently of
		// how they got there.
		if err := rounding.CheckAdditive(t, res.Values); err != nil {
			return fmt.Errorf("the rounded table is not additive: %w", err)
		}
		out.Additive = true
	}
	ivs, err := rounding.Intervals(t, res.Values, res.Rule)
	if err != nil {
		return err
	}
	if err := res.Release.SetIntervals(ivs, sdc.IntervalOuter); err != nil {
		return err
	}
	sum.End("audit")
	sum.Extra = map[string]any{"rounding": out}
	a := res.Metrics.All
	pr.printf("rounded: %d of %d cells changed; max abs error %d, mean %.3f, RMS %.3f; additive: %v",
		a.Changed, a.Cells, a.MaxAbs, a.MeanAbs, a.RMS, out.Additive)

	sum.Count(res.Release)
	wo := sdc.WriteOptions{Count: in.freq, Value: in.value}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := of.write(ctx, res.Release, sum, wo); err != nil {
		return err
	}
	pr.printf("wrote %s", of.out)
	return nil
}
