package noise

import (
	crand "crypto/rand"
	"fmt"
	"math/rand/v2"
	"slices"
)

// Bounds limit what one person adds to a table: records in at most L0
// inner cells, and at most LInf records in any one cell.
type Bounds struct {
	L0   int
	LInf int64
}

// MaxBound is the largest L0, LInf and L0·LInf Bounds allow: the library
// multiplies them in int64, and noise beyond it would drown any count.
const MaxBound = 1 << 40

func (b Bounds) check() error {
	switch {
	case b.L0 < 1 || b.L0 > MaxBound:
		return fmt.Errorf("L0 (inner cells per person) is %d: want 1 to %d", b.L0, int64(MaxBound))
	case b.LInf < 1 || b.LInf > MaxBound:
		return fmt.Errorf("LInf (records per person and cell) is %d: want 1 to %d", b.LInf, int64(MaxBound))
	case int64(b.L0) > MaxBound/b.LInf:
		return fmt.Errorf("L0 %d × LInf %d: the sensitivity is more than %d", b.L0, b.LInf, int64(MaxBound))
	}
	return nil
}

// Bounding says what contribution bounding did.
type Bounding struct {
	Records int `json:"records"`
	Persons int `json:"persons"`
	// Kept and Dropped count records; DroppedCells counts (person, cell)
	// pairs dropped by L0, CappedCells the pairs cut down to LInf.
	Kept         int `json:"kept"`
	Dropped      int `json:"dropped"`
	DroppedCells int `json:"dropped_cells"`
	CappedCells  int `json:"capped_cells"`
	// PersonsCut is the number of persons who lost a record.
	PersonsCut int `json:"persons_cut"`
}

// Bound bounds each person's contribution: inner[i] is record i's inner
// cell number, person[i] its person id, n the number of inner cells. A
// person with records in more than L0 cells keeps L0 of them chosen at
// random; a cell with more than LInf of a person's records keeps LInf.
// It returns the bounded count of every inner cell. rnd chooses the cells
// kept; nil draws a generator seeded from crypto/rand (the choice is not
// what makes the release private, so a test may seed it).
func Bound(inner []int32, person []string, n int, b Bounds, rnd *rand.Rand) ([]int64, Bounding, error) {
	if err := b.check(); err != nil {
		return nil, Bounding{}, err
	}
	if len(inner) != len(person) {
		return nil, Bounding{}, fmt.Errorf("bound: %d records and %d person ids", len(inner), len(person))
	}
	if rnd == nil {
		var seed [32]byte
		if _, err := crand.Read(seed[:]); err != nil {
			return nil, Bounding{}, err
		}
		rnd = rand.New(rand.NewChaCha8(seed))
	}
	// Records by person, persons in order of first appearance.
	ids := map[string]int32{}
	pid := make([]int32, len(inner))
	var first []int32
	for i, p := range person {
		id, ok := ids[p]
		if !ok {
			id = int32(len(first))
			ids[p] = id
			first = append(first, int32(i))
		}
		pid[i] = id
	}
	order := make([]int32, len(inner))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(a, c int32) int {
		if pid[a] != pid[c] {
			return int(pid[a] - pid[c])
		}
		return int(inner[a] - inner[c])
	})
	counts := make([]int64, n)
	st := Bounding{Records: len(inner), Persons: len(first)}
	type cellCount struct {
		cell int32
		n    int64
	}
	var cells []cellCount
	for lo := 0; lo < len(order); {
		hi := lo
		for hi < len(order) && pid[order[hi]] == pid[order[lo]] {
			hi++
		}
		cells = cells[:0]
		for i := lo; i < hi; i++ {
			c := inner[order[i]]
			if c < 0 || int(c) >= n {
				return nil, Bounding{}, fmt.Errorf("bound: record %d has inner cell %d of %d", order[i], c, n)
			}
			if len(cells) > 0 && cells[len(cells)-1].cell == c {
				cells[len(cells)-1].n++
			} else {
				cells = append(cells, cellCount{c, 1})
			}
		}
		cut := false
		if len(cells) > b.L0 {
			rnd.Shuffle(len(cells), func(i, j int) { cells[i], cells[j] = cells[j], cells[i] })
			for _, cc := range cells[b.L0:] {
				st.Dropped += int(cc.n)
			}
			st.DroppedCells += len(cells) - b.L0
			cells = cells[:b.L0]
			cut = true
		}
		for _, cc := range cells {
			k := cc.n
			if k > b.LInf {
				st.Dropped += int(k - b.LInf)
				st.CappedCells++
				k = b.LInf
				cut = true
			}
			counts[cc.cell] += k
			st.Kept += int(k)
		}
		if cut {
			st.PersonsCut++
		}
		lo = hi
	}
	return counts, st, nil
}
