// Package attack holds an attacker for tests, written independently of
// the audit package: it enumerates every non-negative integer table that
// agrees with a release's published cells (tiny tables only) and reads off
// each withheld cell's range, and it generates random small hierarchical
// tables and patterns to run it on. It is for tests only.
package attack
