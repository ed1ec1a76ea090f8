// Package report turns a release into what a privacy officer reads: a
// machine-readable summary (JSON) with the counts of cells by status, by
// rule and by hierarchy level, the audit outcome, and the time each stage
// took.
package report
