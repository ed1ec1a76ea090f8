package rounding

import (
	"context"
	"errors"
	"io"

	"github.com/tabsdc/tabsdc/sdc"
)

// RandomOptions are the parameters of Random.
type RandomOptions struct {
	// Base is the rounding base; 0 means 3.
	Base int64
	// Rand is the source of randomness. nil means crypto/rand.Reader, which
	// is what a release must use: with a known seed an attacker can replay
	// the draws and undo the rounding. Set it only in tests.
	Rand io.Reader
}

// Random applies unbiased random rounding to every cell of t on its own: a
// count y = q·Base + r with 0 < r < Base becomes (q+1)·Base with probability
// r/Base and q·Base otherwise, so its expected value is y; multiples of Base
// stay unchanged.
//
// The cells are rounded independently, so the published table is NOT
// additive: a total is in general not the sum of its published terms. Use
// SmallCount or Controlled when the published table must add up.
func Random(ctx context.Context, t *sdc.Table, opt RandomOptions) (*Result, error) {
	if t == nil {
		return nil, errors.New("rounding: nil table")
	}
	b := opt.Base
	if b == 0 {
		b = 3
	}
	if err := checkBase(b); err != nil {
		return nil, err
	}
	g := newRNG(opt.Rand)
	freq := t.Freqs()
	values := make([]int64, len(freq))
	for c, y := range freq {
		if c&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		r := y % b
		v := y - r
		if r != 0 {
			u, err := g.intn(uint64(b))
			if err != nil {
				return nil, err
			}
			if int64(u) < r {
				v += b
			}
		}
		values[c] = v
	}
	return newResult(t, values, Rule{Method: MethodRandom, Base: b})
}
