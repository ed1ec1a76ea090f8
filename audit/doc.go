// Package audit is the attacker's view of a release. It knows only what is
// published (the values of published cells, that counts are non-negative,
// and how cells add up) and computes, for every withheld cell, the interval
// of values it can still have: the minimum and maximum of the cell over all
// non-negative tables that agree with everything published (the LP
// relaxation), rounded inward to whole numbers, since counts are
// integers. A cell whose
// interval has width zero is disclosed; a primary cell whose interval is
// narrower than its protection requirement is under-protected.
//
// The audit is independent of the method that chose the pattern: it reads
// any release, including one read from another tool's internal file.
//
// Outer bounds come first: bound propagation over the relations between
// cells (every withheld cell, inner or total, a variable; the shuttle
// algorithm) gives an interval that contains the attacker's, and on the
// benchmark tables it is mostly the attacker's exact interval. A bound
// that a feasible table attains there needs no further proof, and every
// LP stops when it gets there.
//
// The unknowns fall into independent components. A small component is
// solved as one LP per bound, warm-started from the last; a component of
// 4,000 unknowns or more, whose LP has a dense basis, by column
// generation: an LP over the unknowns near the cell, grown as its
// multipliers ask, proven optimal by them or by the outer bounds (see
// Result.Searches). Every feasible table found on the way
// widens the spans of all the cells it touches; a cell whose span already
// proves its requirement is not solved for (unless Options.Full), and an
// audit of a release that withholds more than an earlier one can start
// from the earlier audit's spans (Options.Prior), as Protect's repair
// rounds do.
//
// Extension points: Options.Requirement gives each primary cell its own
// requirement (audit.Requirement); Attacker states what the policy tells
// an attacker. The audit never calls the method that made a release.
package audit
