// Package sdc holds the table model of tabsdc: dimensions that are trees of
// codes, hierarchical frequency and magnitude tables over them, the release
// (a status and a reason for every publishable cell), and the readers and
// writers at the edges (CSV, internal files).
//
// A table has inner cells (one leaf from each dimension) and publishable cells
// (one node, leaf or not, from each dimension). Publishable cells are indexed
// by a mixed-radix integer over the dimensions' node indices, and every
// per-cell quantity is a columnar slice over that index. The linear relations
// of the table (each node is the sum of its children, for every combination of
// the other dimensions) are implicit in the dimensions; algorithms that need
// them as a matrix build it sparsely from the table.
//
// Extension points: a writer of a published output reads a release through
// Release.Public (PublicView), which holds the output rules; a reader
// reports malformed input as a *ParseError with its position.
package sdc
