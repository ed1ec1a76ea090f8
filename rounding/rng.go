package rounding

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
)

// rng draws uniform integers from a stream of random bytes.
type rng struct {
	r   io.Reader
	buf [512]byte
	pos int
}

// newRNG reads from r, or from crypto/rand.Reader when r is nil.
func newRNG(r io.Reader) *rng {
	if r == nil {
		r = rand.Reader
	}
	g := &rng{r: r}
	g.pos = len(g.buf)
	return g
}

func (g *rng) uint64() (uint64, error) {
	if g.pos+8 > len(g.buf) {
		if _, err := io.ReadFull(g.r, g.buf[:]); err != nil {
			return 0, fmt.Errorf("rounding: reading random bytes: %w", err)
		}
		g.pos = 0
	}
	v := binary.LittleEndian.Uint64(g.buf[g.pos:])
	g.pos += 8
	return v, nil
}

// intn returns a uniform integer in [0, n), n > 0, exactly (by rejection).
func (g *rng) intn(n uint64) (uint64, error) {
	// Lemire's method: the high word of v·n is uniform once the low word
	// falls outside the biased zone.
	thresh := -n % n
	for {
		v, err := g.uint64()
		if err != nil {
			return 0, err
		}
		hi, lo := bits.Mul64(v, n)
		if lo >= thresh {
			return hi, nil
		}
	}
}
