package dhis2

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tabsdc/tabsdc/sdc"
)

// Input is a dataValueSet read into a table of counts.
type Input struct {
	Layout *Layout
	Table  *sdc.Table
	// Skipped counts the values of other data elements (when one was
	// chosen), Deleted those marked deleted: neither is in the table.
	Skipped, Deleted int
}

// periodType names a canonical period's type, to refuse a set that mixes
// weeks and months.
func periodType(p Period) string {
	s := string(p[4:])
	switch {
	case s == "":
		return "yearly"
	case isDigits(s) && len(s) == 4:
		return "daily"
	case isDigits(s):
		return "monthly"
	}
	return strings.TrimRight(s, "0123456789")
}

// Load reads values of one data element (deKey, a UID or code; "" when
// every value is of one element) into a table laid out by the metadata.
// Every value must be a count (a whole number, not negative) of a cell
// at the lowest org-unit level, of a category option combo of the
// element's combo, with the default attribute option combo; two values of
// one cell are an error. f and file name the values' source in errors.
func (m *Metadata) Load(values []DataValue, deKey string, scheme IDScheme, f Format, file string) (*Input, error) {
	bad := func(v DataValue, field string, format string, args ...any) error {
		return &ValueError{File: file, Format: f, Pos: v.Pos, Field: field, Err: fmt.Errorf(format, args...)}
	}
	in := &Input{}
	var de *DataElement
	if deKey != "" {
		var err error
		if de, err = m.DataElement(deKey); err != nil {
			return nil, err
		}
	}
	var keep []DataValue
	for _, v := range values {
		d, err := m.DataElement(v.DataElement)
		if err != nil {
			return nil, bad(v, "dataElement", "%q is not a data element of the metadata", v.DataElement)
		}
		if de == nil {
			de = d
		}
		if d != de {
			if deKey == "" {
				return nil, bad(v, "dataElement", "%q: the set holds values of more than one data element (%q first); choose one (data_element, --dhis2-data-element)", v.DataElement, de.ID)
			}
			in.Skipped++
			continue
		}
		if v.Deleted {
			in.Deleted++
			continue
		}
		keep = append(keep, v)
	}
	if de == nil || len(keep) == 0 {
		return nil, fmt.Errorf("%s: no values to read", file)
	}
	var periods []Period
	typ := ""
	for _, v := range keep {
		p, err := ParsePeriod(v.Period)
		if err != nil {
			return nil, bad(v, "period", "%v", err)
		}
		if t := periodType(p); typ == "" {
			typ = t
		} else if t != typ {
			return nil, bad(v, "period", "%s is %s, the first value's period is %s: one table has one period type", p, t, typ)
		}
		periods = append(periods, p)
	}
	l, err := m.Layout(de.ID, scheme, periods)
	if err != nil {
		return nil, err
	}
	b, err := sdc.NewBuilder(l.dims...)
	if err != nil {
		return nil, err
	}
	shape := b.Shape()
	first := map[int]int{}
	nodes := make([]int, len(l.dims))
	for _, v := range keep {
		c, err := l.cell(v, nodes, shape, true)
		if err != nil {
			var le *layoutErr
			if errors.As(err, &le) {
				return nil, bad(v, le.field, "%v", le.err)
			}
			return nil, err
		}
		if !v.HasValue {
			return nil, bad(v, "value", "none")
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v.Value), 10, 64)
		if err != nil || n < 0 {
			return nil, bad(v, "value", "%q is not a count (a whole number, not negative)", v.Value)
		}
		if p, dup := first[c]; dup {
			return nil, bad(v, "", "a second value of the cell of value %d (org unit %s, option combo %s, period %s)", p, v.OrgUnit, v.COC, v.Period)
		}
		first[c] = v.Pos
		if err := b.AddInnerCell(c, n); err != nil {
			return nil, bad(v, "value", "%v", err)
		}
	}
	t, err := b.Build()
	if err != nil {
		return nil, err
	}
	in.Layout, in.Table = l, t
	return in, nil
}

// layoutErr is a value that does not fit the layout, and the field.
type layoutErr struct {
	field string
	err   error
}

func (e *layoutErr) Error() string { return e.field + ": " + e.err.Error() }

// cell returns the table cell of a value (its nodes into nodes); with
// leaf, the org unit must be at the lowest level.
func (l *Layout) cell(v DataValue, nodes []int, t *sdc.Table, leaf bool) (int, error) {
	m := l.m
	oi, ok := m.ouByID[v.OrgUnit]
	if !ok {
		oi, ok = m.ouByCode[v.OrgUnit]
	}
	if !ok {
		return 0, &layoutErr{"orgUnit", fmt.Errorf("%q is not an organisation unit of the metadata", v.OrgUnit)}
	}
	nodes[0] = l.ouNode[oi]
	if leaf && !l.dims[0].IsLeaf(nodes[0]) {
		return 0, &layoutErr{"orgUnit", fmt.Errorf("%q has units below it in the metadata: give values of the lowest level only (totals are computed)", v.OrgUnit)}
	}
	coc := v.COC
	if coc == "" {
		coc = DefaultCOC
	}
	opts, ok := l.optsOf[coc]
	if !ok {
		return 0, &layoutErr{"categoryOptionCombo", fmt.Errorf("%q is not an option combo of the data element's category combo", v.COC)}
	}
	copy(nodes[1:], opts)
	if v.AOC != "" && v.AOC != DefaultCOC && v.AOC != "default" {
		return 0, &layoutErr{"attributeOptionCombo", fmt.Errorf("%q: only the default attribute option combo is read", v.AOC)}
	}
	p, err := ParsePeriod(v.Period)
	if err != nil {
		return 0, &layoutErr{"period", err}
	}
	if len(l.periods) > 1 {
		n, ok := l.perNode[p]
		if !ok {
			return 0, &layoutErr{"period", fmt.Errorf("%s is not a period of this release", p)}
		}
		nodes[len(nodes)-1] = n
	} else if p != l.periods[0] {
		return 0, &layoutErr{"period", fmt.Errorf("%s is not the release's period %s", p, l.periods[0])}
	}
	return t.Cell(nodes...), nil
}
