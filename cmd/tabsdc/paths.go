package main

import (
	"errors"

	"github.com/tabsdc/tabsdc/pipeline"
	"github.com/tabsdc/tabsdc/report"
)

// pathArg is a file named on the command line and the option that names it.
type pathArg struct{ opt, path string }

// checkPaths checks the files a command names before any work
// (pipeline.CheckPaths, with the options as their roles): a bad one is a
// usage error.
func checkPaths(inputs, outputs []pathArg) error {
	conv := func(ps []pathArg) []report.InputFile {
		out := make([]report.InputFile, len(ps))
		for i, p := range ps {
			out[i] = report.InputFile{Role: p.opt, Path: p.path}
		}
		return out
	}
	err := pipeline.CheckPaths(conv(inputs), conv(outputs))
	var pe *pipeline.PathError
	if errors.As(err, &pe) {
		return usagef("%v", pe)
	}
	return err
}
