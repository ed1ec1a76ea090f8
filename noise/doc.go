// Package noise protects frequency tables with noise: differential privacy
// over a hierarchy, post-processed into one consistent table, and the cell
// key method.
//
// # Differential privacy
//
// DP releases a table of counts from records (one row per event, with a
// person id). Each person's contribution is bounded first (Bound: at most
// L0 inner cells and at most LInf records in a cell; what the bound drops
// is counted and reported). The budget ε (and δ for Gaussian noise) is
// split over measurements (Query: one level of each dimension, such as
// the counties crossed with every age group and sex); every cell of every
// measurement gets noise from Google's differential-privacy library
// (github.com/google/differential-privacy/go/v3, package noise: discrete
// Laplace or Gaussian samplers reading crypto/rand; nothing here draws
// noise itself). The measurements compose sequentially: the release is
// (Σ ε_m, Σ δ_m)-differentially private.
//
// Post-processing makes one table a dashboard can show (Estimate, TopDown):
// weighted least squares combines all measurements into an estimate of
// every inner cell (each measurement weighted by the inverse of its noise
// variance), then a top-down pass along one hierarchy (the geography, as
// in the US Census Bureau's TopDown algorithm, Abowd et al., HDSR 2022)
// fixes the top level's counts as non-negative integers and, level by
// level, splits every parent's count over its children: the children's
// estimates are projected onto the non-negative values that sum to the
// parent's count and rounded by largest remainder. The published inner
// cells are non-negative integers; every other cell is their sum, so the
// table adds up in every relation. Post-processing does not touch the
// privacy guarantee. It is biased for small cells (an estimate below zero
// becomes 0, so a true 0 is published as 0 or more); Bias measures it.
//
// The noise cannot be seeded: the samplers read crypto/rand. The
// post-processing is a deterministic function of the noisy measurements,
// which is how it is tested.
//
// # Cell key method
//
// Every record has a key, uniform in [0,1): read from a column, or
// derived with HMAC-SHA256 from a stable record id and a secret
// (RecordKeysHMAC), so the keys are the same in every refresh without
// being stored. A cell's key is the fractional part of the sum of its
// records' keys (computed exactly, in 64-bit fixed point, so a cell has
// one key whatever table it is in). A perturbation table (PTable, built
// by the maximum-entropy method or read from the CSV layout tau-ARGUS and
// the R package ptable use) maps a count and a cell key to the count
// published. Every cell, totals included, is perturbed from its own key,
// so a cell gets the same value in every table that contains it; the
// result is not additive, by design.
//
// The budget ledger (Ledger) records every differentially private release
// and refuses one that would spend more than the budget.
package noise
