// Package benchmarks generates tabsdc's benchmark tables deterministically
// from the embedded municipality data, and holds the benchmarks that measure
// every stage on them.
//
// The tables (DESIGN.md §4):
//
//	T1  the municipalities of Rogaland (county 11) × sex × 7 age groups
//	T2  357 municipalities × sex × age; geo NO > county > municipality
//	T3  T2 × 20 diagnoses whose rates fall geometrically
//	T4  T3 × 52 ISO weeks with a year total (the scale test)
//	M   a magnitude table: claims per municipality × service, from records
//	    with providers as contributors
//
// Counts are Poisson draws with mean population × age/sex share × rate, from
// a fixed seed, so a table is the same on every machine and every run.
package benchmarks
