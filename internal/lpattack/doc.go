// Package lpattack is an independent LP attacker on published files, for tests.
//
// It reads only the bytes of a published CSV and the hierarchies.
//
// It is written apart from the code it checks (packages audit and
// suppress): from the published file alone (a row per publishable cell,
// a value or an empty value, a status) and the dimensions' trees, it
// builds its own linear system, one unknown per inner cell (leaf
// combination), every published cell an equality on the sum of the inner
// cells under it, every count non-negative, and what the attacker knows
// besides (Knowledge: every withheld cell is at least 1 when the policy
// never withholds zeros; primary and secondary labels when a file shows
// them). It presolves what is read off directly (published inner cells,
// totals whose unknown part is 0, totals with one unknown term), splits
// the unknowns into independent components (union-find over the
// equations and the knowledge's inequalities) and computes every withheld
// cell's minimum and maximum by linear programming per component, rounded
// inward to whole numbers.
//
// The LP engine is gonum's dense simplex (gonum.org/v1/gonum/optimize/convex/lp)
// by default, so that the project's own simplex is not trusted to check
// itself. Dense LPs cost O(m³) per iteration, so for large components
// (T2's ~1,700 unknowns) Options.Engine selects Sparse, the project's
// internal/lp used only as an LP engine on the system built here.
package lpattack
