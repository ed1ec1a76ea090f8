// Command measure runs one stage of tabsdc on a benchmark table in a fresh
// process and prints its wall time and the process's peak resident memory,
// which `go test -bench` cannot report per stage.
//
//	go run ./benchmarks/cmd/measure -table T3 -stage secondary
//	go run ./benchmarks/cmd/measure -table T4 -stage primary
//
//	go run ./benchmarks/cmd/measure -table T3 -stage audit -full -for 10m
//	go run ./benchmarks/cmd/measure -table T3 -stage audit -for 150s -cpuprofile cpu.out
//	go run ./benchmarks/cmd/measure -table T4 -stage noise -mechanism laplace -epsilon 1
//
// Stages: build (generate the table and all its totals), primary (frequency
// rule, maxN 4), secondary (Gauss), audit (LP audit of the Gauss pattern),
// screen (audit.Screen of the primary cells alone),
// protect (Gauss, audit and repair), round (small-count rounding, base 5),
// noise (from the table's event records, benchmarks.EventRecords: contribution
// bounding, differential privacy with the default split and post-processing,
// or with -mechanism cellkey the cell key method, D=2, V=1, keys by HMAC of
// the event ids).
// Each stage includes the ones it needs before it; the time printed is the
// stage's own, the memory the whole process's peak (VmHWM, Linux only).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/tabsdc/tabsdc/audit"
	"github.com/tabsdc/tabsdc/benchmarks"
	"github.com/tabsdc/tabsdc/noise"
	"github.com/tabsdc/tabsdc/pipeline"
	"github.com/tabsdc/tabsdc/report"
	"github.com/tabsdc/tabsdc/rounding"
	"github.com/tabsdc/tabsdc/sdc"
	"github.com/tabsdc/tabsdc/suppress"
)

func main() {
	exit := 0
	defer func() { os.Exit(exit) }()
	// Not the global flag set: the differential-privacy library's glog
	// registers flags there.
	flag := flag.NewFlagSet("measure", flag.ExitOnError)
	table := flag.String("table", "T2", "benchmark table: T1, T2, T3 or T4")
	stage := flag.String("stage", "build", "build, primary, secondary, audit, screen, protect, round or noise")
	mechanism := flag.String("mechanism", "laplace", "noise: laplace, gaussian or cellkey")
	epsilon := flag.Float64("epsilon", 1, "noise: ε (gaussian: δ = 1e-6)")
	l0 := flag.Int("l0", 1, "noise: inner cells per person")
	linf := flag.Int64("linf", 1, "noise: records per person and cell")
	full := flag.Bool("full", false, "audit: exact intervals for every cell")
	limit := flag.Duration("for", 0, "audit: stop the audit after this long and report how far it got (0: no limit)")
	maxEntries := flag.Int64("max-entries", 0, "secondary, protect: the Gaussian elimination's limit on stored entries (0: its default)")
	noCleanup := flag.Bool("no-cleanup", false, "protect: keep every secondary cell (no cleanup before the audit)")
	publishZeros := flag.Bool("publish-zeros", false, "secondary, audit, screen, protect: zeros are never secondary cells (ProtectOptions.ZerosPublished); the attacker then knows every withheld cell to be ≥ 1. By default zeros may be secondary cells, as Protect's default policy has it")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	_ = flag.Parse(os.Args[1:])
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "measure:", err)
			os.Exit(1)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	if err := run(*table, *stage, config{full: *full, limit: *limit, maxEntries: *maxEntries, noCleanup: *noCleanup, zeros: !*publishZeros,
		mechanism: *mechanism, epsilon: *epsilon, bounds: noise.Bounds{L0: *l0, LInf: *linf}}); err != nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		exit = 1
	}
}

// config holds the flags of a stage.
type config struct {
	zeros      bool
	full       bool
	limit      time.Duration
	maxEntries int64
	noCleanup  bool
	mechanism  string
	epsilon    float64
	bounds     noise.Bounds
}

func run(name, stage string, cfg config) error {
	full, limit, maxEntries := cfg.full, cfg.limit, cfg.maxEntries
	attacker := audit.Attacker{ZerosWithheld: cfg.zeros}
	ctx := context.Background()
	t0 := time.Now()
	t, err := benchmarks.Table(name)
	if err != nil {
		return err
	}
	took := time.Since(t0)
	facts := []string{fmt.Sprintf("cells=%d inner=%d", t.NumCells(), t.NumInner())}
	var rel *sdc.Release
	primary := func() error {
		f, _ := suppress.NewFrequency(4, false)
		t0 = time.Now()
		var res suppress.PrimaryResult
		rel, res, err = suppress.Primary(ctx, t, []suppress.Rule{f}, suppress.PrimaryOptions{})
		took = time.Since(t0)
		facts = append(facts, fmt.Sprintf("primary=%d", res.Cells))
		return err
	}
	gauss := func() error {
		if err := primary(); err != nil {
			return err
		}
		t0 = time.Now()
		g, err := suppress.Gauss(ctx, rel, suppress.GaussOptions{MaxEntries: maxEntries, SecondaryZeros: cfg.zeros})
		took = time.Since(t0)
		facts = append(facts, fmt.Sprintf("secondary=%d (%.2f%% of cells)", g.Secondary, 100*float64(g.Secondary)/float64(t.NumCells())))
		return err
	}
	switch stage {
	case "build":
	case "primary":
		err = primary()
	case "secondary":
		err = gauss()
	case "audit":
		if err = gauss(); err != nil {
			return err
		}
		t0 = time.Now()
		actx := ctx
		if limit > 0 {
			var cancel context.CancelFunc
			actx, cancel = context.WithTimeout(ctx, limit)
			defer cancel()
		}
		var a *audit.Result
		var reached int
		say := progress()
		a, err = audit.Audit(actx, rel, audit.Options{Default: audit.FrequencyRequirement(4), Full: full, Attacker: attacker, Progress: func(done, total int) {
			reached = done
			say(done, total)
		}})
		took = time.Since(t0)
		if limit > 0 && errors.Is(err, context.DeadlineExceeded) {
			// Progress is reported every 256 cells.
			facts = append(facts, fmt.Sprintf("stopped after %v with at least %d cells done", limit, reached))
			err = nil
		} else if err == nil {
			facts = append(facts, fmt.Sprintf("audited=%d disclosed=%d under-protected=%d components=%d largest=%d solves=%d proven=%d",
				a.Audited, len(a.Disclosed), len(a.UnderProtected), a.Components, a.Largest, a.LPSolves, a.Certified))
			if a.Searches > 0 {
				facts = append(facts, fmt.Sprintf("searches=%d by-propagation=%d by-multipliers=%d fallbacks=%d piggybacked=%d",
					a.Searches, a.ByPropagation, a.ByMultipliers, a.Fallbacks, a.Piggybacked))
			}
		}
	case "screen":
		// The screen of the primary cells alone: a pattern without
		// secondary cells, as a first check of any table, T4 included.
		if err = primary(); err != nil {
			return err
		}
		t0 = time.Now()
		var a *audit.Result
		a, err = audit.Screen(ctx, rel, audit.Options{Default: audit.FrequencyRequirement(4), Attacker: attacker})
		took = time.Since(t0)
		if err == nil {
			facts = append(facts, fmt.Sprintf("screened=%d certainly-disclosed=%d certainly-under-protected=%d", a.Audited, len(a.Disclosed), len(a.UnderProtected)))
		}
	case "protect":
		if err = primary(); err != nil {
			return err
		}
		t0 = time.Now()
		var p *suppress.ProtectResult
		start := t0
		say := func(msg string) { fmt.Fprintf(os.Stderr, "%s: %s\n", time.Since(start).Round(time.Second), msg) }
		p, err = suppress.Protect(ctx, rel, suppress.ProtectOptions{Default: audit.FrequencyRequirement(4), FullAudit: full, NoCleanup: cfg.noCleanup, Progress: say, ZerosPublished: !cfg.zeros, Gauss: suppress.GaussOptions{MaxEntries: maxEntries}})
		took = time.Since(t0)
		if err == nil {
			sec, zeroSec := rel.Count(sdc.Secondary), 0
			for c := 0; c < t.NumCells(); c++ {
				if rel.Status(c) == sdc.Secondary && t.Freq(c) == 0 {
					zeroSec++
				}
			}
			facts = append(facts, fmt.Sprintf("secondary=%d (%.2f%% of cells; %d of them zeros, %d non-zero) rounds=%d audits=%d kept=%d republished=%d unresolved=%d", sec, 100*float64(sec)/float64(t.NumCells()), zeroSec, sec-zeroSec, p.Rounds, p.Audits, p.Kept, len(p.Republished), len(p.Unresolved)))
			t1 := time.Now()
			sg, serr := audit.Singletons(ctx, rel, audit.Options{Default: audit.FrequencyRequirement(4), Attacker: p.Attacker})
			if serr != nil {
				return serr
			}
			for i, f := range append(sg.Disclosed, sg.UnderProtected...) {
				if i < 6 {
					fmt.Fprintf(os.Stderr, "singleton finding: %s (count %d, %s): %s\n", t.Label(f.Cell), t.Freq(f.Cell), rel.Status(f.Cell), f.Why)
				}
			}
			facts = append(facts, fmt.Sprintf("singletons: %d intruders (%d by LP, %d over larger components), %d pairs, %d disclosed, %d under-protected (%.2fs)", sg.Intruders, sg.LPChecked, sg.LPSkipped, sg.Pairs, len(sg.Disclosed), len(sg.UnderProtected), time.Since(t1).Seconds()))
			for _, f := range p.Unresolved {
				fmt.Fprintf(os.Stderr, "unresolved: %s (count %d): %s\n", t.Label(f.Cell), t.Freq(f.Cell), f.Why)
			}
		}
	case "noise":
		err = noiseStage(ctx, name, cfg, &facts, &took)
	case "utility":
		err = utilityStage(ctx, name)
	case "round":
		t0 = time.Now()
		var r *rounding.Result
		r, err = rounding.SmallCount(ctx, t, rounding.SmallCountOptions{Base: 5})
		took = time.Since(t0)
		if err == nil {
			a := r.Metrics.All
			facts = append(facts, fmt.Sprintf("changed=%d max-abs=%d mean-abs=%.3f rms=%.3f", a.Changed, a.MaxAbs, a.MeanAbs, a.RMS))
		}
	default:
		return fmt.Errorf("unknown stage %q", stage)
	}
	if err != nil {
		// How far it got is a measurement too (a memory guard, a -for
		// limit).
		fmt.Printf("%s %s: failed after %.3fs, peak RSS %s; %s\n", name, stage, took.Seconds(), peakRSS(), strings.Join(facts, " "))
		return err
	}
	fmt.Printf("%s %s: %.3fs, peak RSS %s; %s\n", name, stage, took.Seconds(), peakRSS(), strings.Join(facts, " "))
	return nil
}

// progress returns a progress function that prints to standard error at
// most every ten seconds.
func progress() func(done, total int) {
	start, last := time.Now(), time.Now()
	return func(done, total int) {
		if time.Since(last) < 10*time.Second && done < total {
			return
		}
		last = time.Now()
		fmt.Fprintf(os.Stderr, "%s: %d of %d cells\n", time.Since(start).Round(time.Second), done, total)
	}
}

// peakRSS reads the process's peak resident set size from /proc.
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "n/a"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "n/a"
}

// noiseStage times a noise release of a table's event records: from the
// records in memory to the release (bounding, noise, post-processing and
// the release's values and intervals; cell keys and perturbation).
//
// Stage utility prints, by municipality size class, what each method does
// to the same table (its event records for the noise methods): Gauss
// suppression (max-n 4), small-count rounding (base 3), differential
// privacy at ε = 1 (Laplace; from the cells with each person counted once,
// and from the events with L0 = 1, LInf = 3) and the cell key method
// (D = 2, V = 1).
func noiseStage(ctx context.Context, name string, cfg config, facts *[]string, took *time.Duration) error {
	ev, err := benchmarks.EventRecords(name)
	if err != nil {
		return err
	}
	t := ev.Table
	*facts = append(*facts, fmt.Sprintf("events=%d", len(ev.Inner)))
	persons, ids := ev.PersonIDs(), ev.EventIDs()
	t0 := time.Now()
	var rel *sdc.Release
	switch cfg.mechanism {
	case "cellkey":
		pt, err := noise.BuildPTable(noise.PTableOptions{D: 2, V: 1})
		if err != nil {
			return err
		}
		keys, err := noise.RecordKeysHMAC([]byte("benchmark secret, 32 bytes long!"), ids)
		if err != nil {
			return err
		}
		res, err := noise.CellKey(t, ev.Inner, keys, pt)
		if err != nil {
			return err
		}
		rel = res.Release
	default:
		mech, err := noise.ParseMechanism(cfg.mechanism)
		if err != nil {
			return err
		}
		counts, st, err := noise.Bound(ev.Inner, persons, t.NumInner(), cfg.bounds, nil)
		if err != nil {
			return err
		}
		*facts = append(*facts, fmt.Sprintf("persons=%d dropped=%d", st.Persons, st.Dropped))
		p := noise.Params{Mechanism: mech, Epsilon: cfg.epsilon, Bounds: cfg.bounds}
		if mech == noise.Gaussian {
			p.Delta = 1e-6
		}
		res, err := noise.DP(ctx, t, counts, p)
		if err != nil {
			return err
		}
		*facts = append(*facts, fmt.Sprintf("measurements=%d cg-iterations=%d", len(res.Measurements), res.Estimate.Iterations))
		rel = res.Release
	}
	*took = time.Since(t0)
	u, err := report.ComputeUtility(rel)
	if err != nil {
		return err
	}
	a := u.All
	*facts = append(*facts, fmt.Sprintf("cells=%d changed=%.1f%% mean-abs=%.3f rms=%.3f max-abs=%d", a.Cells, 100*a.ShareChanged, a.MeanAbs, a.RMS, a.MaxAbs))
	return nil
}

func utilityStage(ctx context.Context, name string) error {
	ev, err := benchmarks.EventRecords(name)
	if err != nil {
		return err
	}
	t := ev.Table
	type row struct {
		method string
		rel    *sdc.Release
		secs   float64
	}
	var rows []row
	run := func(method string, spec *pipeline.Spec) error {
		t0 := time.Now()
		res, err := pipeline.RunTable(ctx, t, spec, pipeline.Options{})
		if err != nil {
			return fmt.Errorf("%s: %w", method, err)
		}
		rows = append(rows, row{method, res.Tables[0].Release, time.Since(t0).Seconds()})
		return nil
	}
	out := pipeline.Outputs{Published: "unused.csv"}
	if err := run("suppression (gauss, max-n 4)", &pipeline.Spec{Rules: pipeline.Rules{MaxN: 4}, Method: pipeline.MethodSpec{Name: "gauss"}, Outputs: out}); err != nil {
		return err
	}
	if err := run("small-count rounding (base 3)", &pipeline.Spec{Method: pipeline.MethodSpec{Name: "small-count", Base: 3}, Outputs: out}); err != nil {
		return err
	}
	for _, v := range []struct {
		label  string
		bounds noise.Bounds
		events bool
	}{
		{"DP ε=1 Laplace, each person once", noise.Bounds{L0: 1, LInf: 1}, false},
		{"DP ε=1 Laplace, events, L0=1 LInf=3", noise.Bounds{L0: 1, LInf: 3}, true},
	} {
		t0 := time.Now()
		counts := make([]int64, t.NumInner())
		for k := range counts {
			counts[k] = t.Freq(t.InnerCell(k))
		}
		if v.events {
			if counts, _, err = noise.Bound(ev.Inner, ev.PersonIDs(), t.NumInner(), v.bounds, nil); err != nil {
				return err
			}
		}
		res, err := noise.DP(ctx, t, counts, noise.Params{Mechanism: noise.Laplace, Epsilon: 1, Bounds: v.bounds})
		if err != nil {
			return err
		}
		rows = append(rows, row{v.label, res.Release, time.Since(t0).Seconds()})
	}
	t0 := time.Now()
	pt, err := noise.BuildPTable(noise.PTableOptions{D: 2, V: 1})
	if err != nil {
		return err
	}
	keys, err := noise.RecordKeysHMAC([]byte("benchmark secret, 32 bytes long!"), ev.EventIDs())
	if err != nil {
		return err
	}
	ck, err := noise.CellKey(t, ev.Inner, keys, pt)
	if err != nil {
		return err
	}
	rows = append(rows, row{"cell key D=2 V=1", ck.Release, time.Since(t0).Seconds()})

	fmt.Printf("%s: %d cells, %d inner, %d events\n\n", name, t.NumCells(), t.NumInner(), len(ev.Inner))
	fmt.Println("| method | size class | municipalities | cells | withheld | count withheld | changed | MAE | RMS | max | mean error |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		u, err := report.ComputeUtility(r.rel)
		if err != nil {
			return err
		}
		line := func(class string, munis string, s report.ErrorStats) {
			fmt.Printf("| %s | %s | %s | %d | %.1f %% | %.2f %% | %.1f %% | %.2f | %.2f | %d | %+.2f |\n", r.method, class, munis, s.Cells,
				100*s.ShareWithheld, 100*s.ShareCountWithheld, 100*s.ShareChanged, s.MeanAbs, s.RMS, s.MaxAbs, s.MeanError)
		}
		for _, s := range u.BySize {
			line(s.Class, fmt.Sprint(s.Municipalities), s.ErrorStats)
		}
		line("all cells", "", u.All)
		fmt.Fprintf(os.Stderr, "%s: %.2fs\n", r.method, r.secs)
	}
	return nil
}
