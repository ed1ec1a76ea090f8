package suppress

import (
	"context"

	"github.com/tabsdc/tabsdc/sdc"
)

// A SecondaryMethod chooses the secondary cells of linked releases: the
// further cells to withhold so that no primary cell, nor any cell of
// opt.Extra, can be recomputed from the published ones; it marks them
// Secondary on rels. Protect's loop runs it for the first pattern, in each
// repair round with the cells the audit asks for in opt.Extra, and in the
// cleanup with opt.Accept vetoing and opt.Cost ordering what it may
// withhold. A method honours those fields of GaussOptions, SecondaryZeros
// (whether a zero may be withheld) and Fixed marks; it may ignore the
// rest. The audit, not the method, decides whether the result protects.
//
// GaussMethod (GaussLinked) is the default (ProtectOptions.Secondary).
type SecondaryMethod interface {
	SecondaryLinked(ctx context.Context, base *sdc.Table, rels []*sdc.Release, opt GaussOptions) (GaussResult, error)
}

// GaussMethod is secondary suppression by Gaussian elimination
// (GaussLinked) as a SecondaryMethod.
type GaussMethod struct{}

// SecondaryLinked implements SecondaryMethod.
func (GaussMethod) SecondaryLinked(ctx context.Context, base *sdc.Table, rels []*sdc.Release, opt GaussOptions) (GaussResult, error) {
	return GaussLinked(ctx, base, rels, opt)
}
