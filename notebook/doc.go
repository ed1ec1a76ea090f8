// Package notebook is a small entry to tabsdc for Go notebooks (GoNB and
// gophernotes): a benchmark table in one call, protected, rounded or
// noised in one more, and results that print as text tables and draw as
// SVG charts.
//
// It is a thin layer over the pipeline, report and benchmarks packages:
// every method runs through pipeline.RunTable, so a notebook's release is
// audited as a command line's is. Every exported name is non-generic
// (gophernotes cannot import generic code), which TestNoGenerics checks
// for this package and those a notebook imports.
package notebook
