// Package rounding protects frequency tables by rounding.
//
// Three methods are offered, and tools to check and explain their output:
//
//   - SmallCount is small-count rounding (Langsrud & Heldal, "An algorithm
//     for small count rounding of tabular data", PSD 2018; the method of the
//     R package SmallCountRounding). Inner cells with small counts are
//     rounded to a multiple of the base; every publishable cell is then the
//     sum of its (rounded) inner cells, so the published table is exactly
//     additive, and no publishable cell, total or inner, keeps a small count.
//     It works for any number of dimensions and any hierarchies.
//   - Controlled is zero-restricted controlled rounding (Cox, "A
//     constructive procedure for unbiased controlled rounding", JASA 1987):
//     every cell, totals included, is rounded to one of its two adjacent
//     multiples of the base, multiples stay unchanged, and the table stays
//     additive. It applies to tables that are networks: one or two
//     dimensions, of which at most one is hierarchical.
//   - Random is unbiased random rounding of every cell on its own. It is not
//     additive.
//
// CheckAdditive verifies that values over a table's cells satisfy every
// relation of the table, Intervals gives the attacker's interval of every
// cell from the published values and the rounding rule, and ComputeMetrics
// measures how far published values are from the true ones, overall and per
// hierarchy level.
//
// Every method returns a Result: an sdc.Release whose changed cells have
// status sdc.Rounded and a reason such as "rounded 2 → 3" (the reason holds
// the true value: it belongs in the officer's internal file, never in the
// published one), the published values, the error metrics and the Rule an
// attacker may assume.
//
// As protection methods of a release, the three are registered with the
// pipeline package as small-count, controlled and random; the pipeline
// checks additivity (CheckAdditive) and derives the attacker's intervals
// (Intervals) itself.
package rounding
