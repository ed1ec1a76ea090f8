package benchmarks

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"

	"github.com/tabsdc/tabsdc/sdc"
)

// Events are the event records behind a generated count table: one per
// unit of every inner cell's count, each with a person id and an event id.
// A person often has several events: an event's person is, with
// probability RepeatShare, one already seen in the same geography, sex and
// age group (so the person also appears in other cells of diagnosis or
// week, or again in the same cell), else a new person.
type Events struct {
	Table *sdc.Table
	// Inner is each event's inner cell number; Person its person's number.
	Inner  []int32
	Person []int32
}

// RepeatShare is the share of events of a person seen before.
const RepeatShare = 0.3

// EventRecords generates the events behind table name (T1 … T4).
func EventRecords(name string) (*Events, error) {
	if name == "M" {
		return nil, fmt.Errorf("table M is a magnitude table: its records are MagnitudeRecords")
	}
	t, err := Table(name)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 99))
	ev := &Events{Table: t}
	// Inner cells are numbered with the last dimension fastest: geography,
	// sex and age (the first three) change least often.
	group := 1
	for d := 3; d < t.NumDims(); d++ {
		group *= t.Dim(d).NumLeaves()
	}
	var seen []int32
	persons := int32(0)
	for k := 0; k < t.NumInner(); k++ {
		if k%group == 0 {
			seen = seen[:0]
		}
		n := t.Freq(t.InnerCell(k))
		for e := int64(0); e < n; e++ {
			var p int32
			if len(seen) > 0 && rng.Float64() < RepeatShare {
				p = seen[rng.IntN(len(seen))]
			} else {
				p = persons
				persons++
				seen = append(seen, p)
			}
			ev.Inner = append(ev.Inner, int32(k))
			ev.Person = append(ev.Person, p)
		}
	}
	return ev, nil
}

// PersonIDs returns the events' person ids as strings.
func (ev *Events) PersonIDs() []string {
	out := make([]string, len(ev.Person))
	for i, p := range ev.Person {
		out[i] = "p" + strconv.Itoa(int(p))
	}
	return out
}

// EventIDs returns the events' ids: e0, e1, …
func (ev *Events) EventIDs() []string {
	out := make([]string, len(ev.Inner))
	for i := range out {
		out[i] = "e" + strconv.Itoa(i)
	}
	return out
}

// WriteEvents writes the events as CSV: a column per dimension (leaf
// codes), then person and event.
func WriteEvents(w io.Writer, ev *Events) error {
	bw := newLineWriter(w)
	t := ev.Table
	for d := 0; d < t.NumDims(); d++ {
		bw.field(t.Dim(d).Name())
	}
	bw.field("person")
	bw.field("event")
	bw.end()
	for i, k := range ev.Inner {
		for _, code := range t.Codes(t.InnerCell(int(k))) {
			bw.field(code)
		}
		bw.field("p" + strconv.Itoa(int(ev.Person[i])))
		bw.field("e" + strconv.Itoa(i))
		bw.end()
	}
	return bw.flush()
}
