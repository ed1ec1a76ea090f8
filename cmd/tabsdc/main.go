// Command tabsdc protects aggregated tables before release.
//
// Usage:
//
//	tabsdc protect --input cells.csv --dim geo=geo.csv --dim sex --dim age \
//	    --freq freq --max-n 4 --secondary none \
//	    --out published.csv --internal internal.csv --json summary.json
//
// Run `tabsdc help VERB` for the options of a verb. The exit status is 0 on
// success, 1 on any error (with a message on standard error and no output
// file written), and 2 on a usage error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

type verb struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) error
}

func verbs() []verb {
	return []verb{
		{"protect", "primary and secondary suppression of a table", runProtect},
		{"audit", "the attacker's view of a suppression pattern: an interval for every suppressed cell", runAudit},
		{"round", "small-count, controlled or random rounding to a base, additive", runRound},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// errUsage marks an error already reported with the verb's usage.
var errUsage = errors.New("usage")

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" && len(args) == 1 {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	name := args[0]
	if name == "help" {
		name, args = args[1], []string{args[1], "--help"}
	}
	for _, v := range verbs() {
		if v.name == name {
			err := v.run(args[1:], stdout, stderr)
			switch {
			case err == nil:
				return 0
			case errors.Is(err, flag.ErrHelp):
				return 0
			case errors.Is(err, errUsage):
				return 2
			default:
				fmt.Fprintf(stderr, "tabsdc %s: %v\n", name, err)
				return 1
			}
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
	fmt.Fprintln(w, "\nRun 'tabsdc VERB --help' for a verb's options and an example.")
}

// newFlagSet returns a flag set whose usage prints an example.
func newFlagSet(name, example string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("tabsdc "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: tabsdc %s [options]\n\nExample:\n%s\n\nOptions:\n", name, example)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags, turning a parse error into errUsage (already printed).
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}
