// Package pipeline runs one release from a declared policy: input → table
// → primary rules → protection method → audit → outputs and summary.
//
// A release is declared once, as a Spec (read from YAML by ParseSpec, or
// built by the CLI from its flags), and run by Run; Result.Write writes
// its outputs all together or not at all. The extension point is Method:
// a protection method (Gauss suppression, rounding, …) registered under a
// name with Register. The pipeline, not the method, decides how a
// method's release is audited (see Run).
package pipeline
