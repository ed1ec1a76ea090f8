package noise

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/tabsdc/tabsdc/sdc"
)

// Record and cell keys are fractions of 2^64 (a uint64 k stands for
// k/2^64 in [0, 1)): sums of keys modulo 1 are then exact and do not
// depend on the order of the records, so a cell has the same key in every
// table, whatever its other cells.

// MinSecret is the shortest secret RecordKeysHMAC accepts, in bytes.
const MinSecret = 16

// RecordKeysHMAC derives each record's key from its stable id: the first
// 8 bytes of HMAC-SHA256(secret, id), big-endian, as a fraction of 2^64.
// The same id and secret give the same key in every refresh; without the
// secret the keys cannot be recomputed.
func RecordKeysHMAC(secret []byte, ids []string) ([]uint64, error) {
	if len(secret) < MinSecret {
		return nil, fmt.Errorf("the key secret has %d bytes: want at least %d (32 random bytes are usual)", len(secret), MinSecret)
	}
	mac := hmac.New(sha256.New, secret)
	out := make([]uint64, len(ids))
	var sum [sha256.Size]byte
	for i, id := range ids {
		mac.Reset()
		mac.Write([]byte(id))
		out[i] = binary.BigEndian.Uint64(mac.Sum(sum[:0]))
	}
	return out, nil
}

var two64 = new(big.Int).Lsh(big.NewInt(1), 64)

// ParseRecordKey reads a record key written as a decimal in [0, 1), such
// as 0.73112594, into a fraction of 2^64: the largest k with k/2^64 ≤ the
// decimal, exactly.
func ParseRecordKey(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	whole, frac, _ := strings.Cut(s, ".")
	if whole != "0" && whole != "" || len(frac) > 40 || whole == "" && frac == "" {
		return 0, fmt.Errorf("record key %q: want a decimal in [0, 1), such as 0.5", s)
	}
	for _, r := range frac {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("record key %q: want a decimal in [0, 1), such as 0.5", s)
		}
	}
	if frac == "" {
		return 0, nil
	}
	num, _ := new(big.Int).SetString(frac, 10)
	den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(frac))), nil)
	num.Mul(num, two64)
	num.Quo(num, den)
	return num.Uint64(), nil
}

// KeyFloat returns a key as a float64 in [0, 1) (53 bits of it, exactly).
func KeyFloat(k uint64) float64 { return float64(k>>11) / (1 << 53) }

// CellKeys returns the key of every cell of t: the sum modulo 1 of the
// keys of the records in it. inner is each record's inner cell number.
func CellKeys(t *sdc.Table, inner []int32, keys []uint64) ([]uint64, error) {
	if len(inner) != len(keys) {
		return nil, fmt.Errorf("cell keys: %d records and %d keys", len(inner), len(keys))
	}
	v := make([]uint64, t.NumCells())
	for i, k := range inner {
		if k < 0 || int(k) >= t.NumInner() {
			return nil, fmt.Errorf("cell keys: record %d has inner cell %d of %d", i, k, t.NumInner())
		}
		v[t.InnerCell(int(k))] += keys[i]
	}
	// Totals, one dimension at a time, children before parents; additions
	// wrap around: the sum is modulo 1.
	for d := 0; d < t.NumDims(); d++ {
		dim := t.Dim(d)
		order := postOrder(dim)
		s := t.Stride(d)
		block := s * dim.Len()
		for outer := 0; outer < t.NumCells(); outer += block {
			for in := 0; in < s; in++ {
				base := outer + in
				for _, n := range order {
					if dim.IsLeaf(n) {
						continue
					}
					var sum uint64
					for _, ch := range dim.Children(n) {
						sum += v[base+ch*s]
					}
					v[base+n*s] = sum
				}
			}
		}
	}
	return v, nil
}

// CellKeyResult is a release by the cell key method.
type CellKeyResult struct {
	// Release publishes every cell perturbed from its own cell key (status
	// Perturbed); each cell's interval is the range of true counts that
	// could have given its published value under the table (outer: an
	// attacker who also uses the table's relations may know more); the
	// internal file's cell_key column holds the key.
	Release *sdc.Release
	Values  []int64
	Keys    []uint64
}

// CellKey perturbs every cell of t, totals included, by pt from its cell
// key: keys are the records' keys, inner their inner cell numbers. The
// result is not additive: a total is perturbed from its own key, not
// summed from its perturbed inner cells, so that one cell has one value in
// every table that holds it.
func CellKey(t *sdc.Table, inner []int32, keys []uint64, pt *PTable) (*CellKeyResult, error) {
	if pt == nil || len(pt.Rows) < 2 {
		return nil, errors.New("cell key: no perturbation table")
	}
	ck, err := CellKeys(t, inner, keys)
	if err != nil {
		return nil, err
	}
	vals := make([]int64, t.NumCells())
	ivs := make([]sdc.Interval, t.NumCells())
	for c := range vals {
		vals[c] = pt.Perturb(t.Freq(c), KeyFloat(ck[c]))
		lo, hi := pt.Preimage(vals[c])
		ivs[c] = sdc.Interval{Lower: float64(lo), Upper: float64(hi)}
	}
	rel, err := perturbedRelease(t, vals)
	if err != nil {
		return nil, err
	}
	if err := rel.SetIntervals(ivs, sdc.IntervalOuter); err != nil {
		return nil, err
	}
	rel.AddColumn(sdc.Column{Name: "cell_key", Field: func(c int) string {
		return strconv.FormatFloat(KeyFloat(ck[c]), 'f', 10, 64)
	}})
	return &CellKeyResult{Release: rel, Values: vals, Keys: ck}, nil
}

// Preimage returns the smallest and largest true count that the table can
// publish as p.
func (pt *PTable) Preimage(p int64) (lo, hi int64) {
	lo, hi = math.MaxInt64, math.MinInt64
	for x := max(0, p-int64(pt.D)); x <= p+int64(pt.D); x++ {
		i := min(x, int64(pt.Last()))
		for _, e := range pt.Rows[i] {
			if x+int64(e.V) == p && e.P > 0 {
				lo, hi = min(lo, x), max(hi, x)
			}
		}
	}
	if lo > hi {
		return p, p
	}
	return lo, hi
}
