package main

import (
	"context"
	"io"
	"os"
	"strings"

	"github.com/tabsdc/tabsdc/pipeline"
)

const runExample = `  tabsdc run release.yaml

  release.yaml declares the release: input, dimensions, linked tables,
  primary rules, the method and its options, the requirement and the
  outputs (see examples/spec/). Relative paths in it are relative to the
  current folder. Every other verb builds the same spec from its flags, so
  'tabsdc protect' with flags and 'tabsdc run' with the equivalent spec
  write the same files. An unknown or misspelt key is an error naming it
  and its line.`

func runRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", runExample, stdout, stderr)
	quiet := fs.Bool("quiet", false, "print no progress on standard error")
	// The spec file is the one argument that is not a flag, before or
	// after the flags.
	var flags, files []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			flags = append(flags, a)
		} else {
			files = append(files, a)
		}
	}
	if err := parse(fs, flags); err != nil {
		return err
	}
	switch len(files) {
	case 0:
		return usagef("no spec file given (tabsdc run SPEC.yaml)")
	case 1:
		return runSpecFile(ctx, files[0], *quiet, stderr, commandLine("run", args))
	}
	return usagef("%d spec files given: run one at a time", len(files))
}

func runSpecFile(ctx context.Context, path string, quiet bool, stderr io.Writer, command string) error {
	f, err := os.Open(path)
	if err != nil {
		return usagef("%v", err)
	}
	spec, err := pipeline.ParseSpec(f, path)
	f.Close()
	if err != nil {
		return usagef("%v", err)
	}
	var ins, outs []pathArg
	ins = append(ins, pathArg{"the spec", path})
	for _, p := range spec.InputPaths() {
		ins = append(ins, pathArg{"the spec's " + p.Role, p.Path})
	}
	for _, p := range spec.OutputPaths() {
		outs = append(outs, pathArg{"the spec's " + p.Role + " output", p.Path})
	}
	if err := checkPaths(ins, outs); err != nil {
		return err
	}
	return runSpec(ctx, spec, "run", quiet, stderr, command)
}
