// Package suppress decides which cells of a table are withheld.
//
// Primary suppression evaluates sensitivity rules on every publishable cell,
// totals included: the frequency threshold (with zeros protected or not), the
// minimum number of contributors, dominance (n,k), p% and pq for magnitude
// tables, and manual lists of cells to suppress or to publish. A cell is
// primary when any rule fires; its reason is the first rule's words.
//
// Secondary suppression then withholds enough further cells that no primary
// cell can be recomputed from what is published: Gauss (Gaussian
// elimination), and Protect / ProtectLinked, which audit the pattern and
// repair it until every primary cell meets its requirement.
//
// Extension point: Rule (Name, Sensitive, Check): a sensitivity rule of
// one's own is passed to Primary beside the built-in ones. As a protection
// method of a release, secondary suppression is registered with the
// pipeline package under the names gauss and none.
package suppress
