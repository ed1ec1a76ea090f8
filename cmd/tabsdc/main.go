// Command tabsdc protects aggregated tables before release.
//
// Usage:
//
//	tabsdc protect --input cells.csv --dim geo=geo.csv --dim sex:M,F --dim age \
//	    --freq freq --max-n 4 --secondary gauss \
//	    --out published.csv --internal internal.csv --json summary.json
//
// Run `tabsdc help VERB` (or `tabsdc VERB --help`) for the options of a
// verb; help goes to standard output. `tabsdc --version` prints the module
// version and the VCS revision it was built from.
//
// The exit status is 0 on success; 1 when the work fails (unreadable or
// invalid input, a cell that cannot be protected, a failed audit, an
// interrupt by SIGINT or SIGTERM), with a message on standard error; and
// 2 on a usage error (an unknown, missing, invalid or contradictory option,
// an output that is also an input, two outputs that are one file, an
// output folder that does not exist or is not writable). When a run fails,
// no output file is created or changed and no temporary file remains.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

type verb struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func verbs() []verb {
	return []verb{
		{"protect", "primary and secondary suppression of a table", runProtect},
		{"audit", "the attacker's view of a suppression pattern: an interval for every suppressed cell", runAudit},
		{"round", "small-count, controlled or random rounding to a base, additive", runRound},
		{"noise", "differential privacy (Laplace or Gaussian noise, additive) or the cell key method", runNoise},
		{"ptable", "build (maximum entropy) or check a perturbation table for the cell key method", runPTable},
		{"report", "rebuild the officer's and the public report of an earlier run from its files", runReport},
		{"compare", "run several methods on one table and report them side by side", runCompare},
		{"run", "run the release a spec file declares (YAML: input, rules, method, outputs)", runRun},
	}
}

func main() {
	// SIGINT and SIGTERM cancel the work: the run then removes its
	// temporary files, changes no output and exits 1.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runContext(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// errUsage marks a usage error: exit status 2.
var errUsage = errors.New("usage")

// usageError is a usage error with its message.
type usageError struct{ msg string }

func (e *usageError) Error() string        { return e.msg }
func (e *usageError) Is(target error) bool { return target == errUsage }

// usagef returns a usage error (exit status 2).
func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

func run(args []string, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdout, stderr)
}

func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(stdout)
		return 0
	case "-version", "--version", "version":
		printVersion(stdout)
		return 0
	case "help":
		if len(args) == 1 {
			usage(stdout)
			return 0
		}
		args = []string{args[1], "--help"}
	}
	name := args[0]
	for _, v := range verbs() {
		if v.name != name {
			continue
		}
		err := v.run(ctx, args[1:], stdout, stderr)
		var ue *usageError
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "tabsdc %s: %v\nRun 'tabsdc %s --help' for the options.\n", name, err, name)
			return 2
		case errors.Is(err, errUsage):
			return 2 // already reported by the flag package
		case ctx.Err() != nil:
			fmt.Fprintf(stderr, "tabsdc %s: interrupted (%v); no output was written\n", name, context.Cause(ctx))
			return 1
		default:
			fmt.Fprintf(stderr, "tabsdc %s: %v\n", name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "tabsdc: unknown verb %q\n\n", name)
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "tabsdc protects aggregated tables before release (statistical disclosure control).")
	fmt.Fprintln(w, "\nUsage: tabsdc VERB [options]\n\nVerbs:")
	for _, v := range verbs() {
		fmt.Fprintf(w, "  %-9s %s\n", v.name, v.summary)
	}
	fmt.Fprintln(w, "\nRun 'tabsdc help VERB' or 'tabsdc VERB --help' for a verb's options and an example,")
	fmt.Fprintln(w, "'tabsdc --version' for the version. Exit status: 0 success, 1 failed work (no output")
	fmt.Fprintln(w, "written or changed), 2 usage error.")
}

// printVersion prints the module version and the VCS revision of the build.
func printVersion(w io.Writer) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		fmt.Fprintln(w, "tabsdc (no build information)")
		return
	}
	version := info.Main.Version
	if version == "" {
		version = "(unknown version)"
	}
	rev, when, modified := "", "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	line := "tabsdc " + version
	if rev != "" {
		line += " revision " + rev
		if modified {
			line += " (modified)"
		}
		if when != "" {
			line += " " + when
		}
	}
	fmt.Fprintln(w, line, info.GoVersion)
}

// newFlagSet returns a flag set whose errors go to stderr and whose help
// (with an example) goes to stdout.
func newFlagSet(name, example string, stdout, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("tabsdc "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		// -h and --help: the full help, on standard output.
		fmt.Fprintf(stdout, "Usage: tabsdc %s [options]\n\nExample:\n%s\n\nOptions:\n", name, example)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
	}
	return fs
}

// parse parses flags, turning a parse error into errUsage (the flag package
// has printed it).
func parse(fs *flag.FlagSet, args []string) error {
	usage := fs.Usage
	fs.Usage = func() {} // on an error, only the error and a hint
	err := fs.Parse(args)
	fs.Usage = usage
	if errors.Is(err, flag.ErrHelp) {
		usage()
		return flag.ErrHelp
	}
	if err != nil {
		fmt.Fprintf(fs.Output(), "Run '%s --help' for the options.\n", fs.Name())
		return errUsage
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}
