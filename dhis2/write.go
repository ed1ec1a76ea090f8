package dhis2

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tabsdc/tabsdc/sdc"
)

// WriteMode says which cells a dataValueSet holds, for how DHIS2
// analytics will aggregate them.
type WriteMode int

// The write modes.
const (
	// InnerOnly writes the inner cells (lowest org-unit level, every
	// option combo): analytics adds them into every total. Only for a
	// release that adds up (small-count or controlled rounding,
	// differential privacy), whose totals are then exactly the sums
	// analytics makes.
	InnerOnly WriteMode = iota
	// AllLevels writes every published cell of every org-unit level with
	// an option combo (the category totals have none: analytics sums the
	// option combos it has). For a release that does not add up
	// (suppression, the cell key method, random rounding), loaded into a
	// data element whose aggregation levels make analytics use each
	// level's own values instead of adding children into parents.
	AllLevels
)

// WriteOptions configures Layout.Write.
type WriteOptions struct {
	Format Format
	Mode   WriteMode
	// FlagElement (a UID or code) is a data element with the same
	// category combo and a BOOLEAN or TRUE_ONLY value type: every withheld
	// cell the mode covers gets a value "true" of it. Empty: withheld
	// cells are left out, nothing else.
	FlagElement string
	// Comment goes into every value written.
	Comment string
	// Previous are the values an earlier release wrote: each of the data
	// element's values that this release does not write gets an explicit
	// delete (the value left out), so that DHIS2 does not keep it.
	Previous     []DataValue
	PreviousFile string
}

// WriteResult counts what Write wrote.
type WriteResult struct {
	Values, Flags, Deletes int
}

type outRow struct {
	de, pe, ou, coc, value, comment string
	hasValue, deleted               bool
}

// Write writes a release of the layout's table as a dataValueSet, reading
// it through its published view only: values as strings, periods in
// DHIS2's canonical form, the org units and data elements by the layout's
// ID scheme (codes: import with orgUnitIdScheme=code and
// dataElementIdScheme=code), option combos by UID, the default attribute
// option combo.
func (l *Layout) Write(w io.Writer, rel *sdc.Release, opt WriteOptions) (WriteResult, error) {
	var res WriteResult
	p := rel.Public()
	t := p.Table()
	if len(t.Dims()) != len(l.dims) {
		return res, fmt.Errorf("dhis2: the release is not of the layout's table")
	}
	for d, dim := range t.Dims() {
		if dim.Name() != l.dims[d].Name() || dim.Len() != l.dims[d].Len() {
			return res, fmt.Errorf("dhis2: the release is not of the layout's table (dimension %s)", dim.Name())
		}
	}
	if !p.HasCounts() {
		return res, fmt.Errorf("dhis2: the release publishes no counts")
	}
	if opt.Format == CSV && strings.Contains(opt.Comment, ",") {
		return res, fmt.Errorf("dhis2: the comment %q has a comma: DHIS2 reads CSV by splitting on every comma", opt.Comment)
	}
	var flag *DataElement
	if opt.FlagElement != "" {
		var err error
		if flag, err = l.m.DataElement(opt.FlagElement); err != nil {
			return res, err
		}
		if flag == l.de {
			return res, fmt.Errorf("dhis2: the flag data element is the data element itself")
		}
		if flag.ValueType != "BOOLEAN" && flag.ValueType != "TRUE_ONLY" {
			return res, l.m.errf("dataElement", flag.ID, "valueType", "%s: a flag of withheld cells is BOOLEAN or TRUE_ONLY", flag.ValueType)
		}
		if comboOf(flag) != comboOf(l.de) {
			return res, l.m.errf("dataElement", flag.ID, "categoryCombo", "%q, not the data element's %q: the flag must have the same option combos", comboOf(flag), comboOf(l.de))
		}
	}
	deName := l.idOf(l.de.ID, l.de.Code)
	var rows []outRow
	written := map[string]bool{}
	nd := len(l.dims)
	nodes := make([]int, nd)
	opts := make([]int, len(l.cats))
	for c := 0; c < t.NumCells(); c++ {
		nodes = t.Nodes(c, nodes)
		skip := false
		for d := 1; d < nd; d++ {
			if !l.dims[d].IsLeaf(nodes[d]) {
				skip = true // a total of a category or of the periods: no option combo
			}
		}
		if skip || opt.Mode == InnerOnly && !l.dims[0].IsLeaf(nodes[0]) {
			continue
		}
		copy(opts, nodes[1:1+len(l.cats)])
		coc := l.cocOf[nodeKey(opts)]
		ou := &l.m.OrgUnits[l.nodeOU[nodes[0]]]
		pe := l.periods[0]
		if len(l.periods) > 1 {
			pe = Period(l.dims[nd-1].Code(nodes[nd-1]))
		}
		r := outRow{de: deName, pe: string(pe), ou: l.idOf(ou.ID, ou.Code), coc: coc, comment: opt.Comment}
		v, ok := p.Count(c)
		switch {
		case ok:
			r.value, r.hasValue = strconv.FormatInt(v, 10), true
			written[key(l.de.ID, ou.ID, coc, pe)] = true
			res.Values++
		case flag != nil && p.Status(c) == sdc.Withheld:
			r.de, r.value, r.hasValue = l.idOf(flag.ID, flag.Code), "true", true
			res.Flags++
		default:
			continue
		}
		rows = append(rows, r)
	}
	for _, v := range opt.Previous {
		d, err := l.m.DataElement(v.DataElement)
		if err != nil || d != l.de || v.Deleted || !v.HasValue {
			continue
		}
		if _, err := l.cell(v, nodes, t, false); err != nil {
			if le, ok := err.(*layoutErr); ok {
				return res, &ValueError{File: opt.PreviousFile, Format: formatOfPrevious(opt), Pos: v.Pos, Field: le.field, Err: le.err}
			}
			return res, err
		}
		pe, _ := ParsePeriod(v.Period)
		ou := &l.m.OrgUnits[l.nodeOU[nodes[0]]]
		copy(opts, nodes[1:1+len(l.cats)])
		coc := l.cocOf[nodeKey(opts)]
		k := key(l.de.ID, ou.ID, coc, pe)
		if written[k] {
			continue
		}
		written[k] = true // one delete per value
		rows = append(rows, outRow{de: deName, pe: string(pe), ou: l.idOf(ou.ID, ou.Code), coc: coc, deleted: true})
		res.Deletes++
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	var err error
	if opt.Format == CSV {
		err = writeCSV(bw, rows)
	} else {
		err = writeJSON(bw, rows)
	}
	if err != nil {
		return res, err
	}
	return res, bw.Flush()
}

func formatOfPrevious(opt WriteOptions) Format {
	if f, err := FormatOf(opt.PreviousFile); err == nil {
		return f
	}
	return JSON
}

func comboOf(de *DataElement) string {
	if de.CategoryCombo == nil {
		return DefaultCategoryCombo
	}
	return de.CategoryCombo.ID
}

func key(de, ou, coc string, pe Period) string { return de + "|" + ou + "|" + coc + "|" + string(pe) }

// idOf names an object by the layout's scheme (its UID when it has no
// code).
func (l *Layout) idOf(id, code string) string {
	if l.scheme == Code && code != "" {
		return code
	}
	return id
}

type jsonOut struct {
	DataElement          string  `json:"dataElement"`
	Period               string  `json:"period"`
	OrgUnit              string  `json:"orgUnit"`
	CategoryOptionCombo  string  `json:"categoryOptionCombo"`
	AttributeOptionCombo string  `json:"attributeOptionCombo"`
	Value                *string `json:"value,omitempty"`
	Comment              string  `json:"comment,omitempty"`
}

func writeJSON(w *bufio.Writer, rows []outRow) error {
	if _, err := w.WriteString("{\"dataValues\": [\n"); err != nil {
		return err
	}
	for i, r := range rows {
		o := jsonOut{DataElement: r.de, Period: r.pe, OrgUnit: r.ou, CategoryOptionCombo: r.coc, AttributeOptionCombo: DefaultCOC, Comment: r.comment}
		if r.hasValue {
			v := r.value
			o.Value = &v
		}
		b, err := json.Marshal(o)
		if err != nil {
			return err
		}
		w.WriteString("  ")
		w.Write(b)
		if i < len(rows)-1 {
			w.WriteByte(',')
		}
		w.WriteByte('\n')
	}
	_, err := w.WriteString("]}\n")
	return err
}

// CSVHeader is the header DHIS2 writes and reads (2.43).
const CSVHeader = "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,lastupdated,comment,followup,deleted"

func writeCSV(w *bufio.Writer, rows []outRow) error {
	w.WriteString(CSVHeader + "\n")
	for _, r := range rows {
		deleted := ""
		if r.deleted {
			deleted = "true"
		}
		for i, f := range []string{r.de, r.pe, r.ou, r.coc, DefaultCOC, r.value, "", "", r.comment, "", deleted} {
			if i > 0 {
				w.WriteByte(',')
			}
			w.WriteString(csvField(f))
		}
		if _, err := w.WriteString("\n"); err != nil {
			return err
		}
	}
	return nil
}

// csvField quotes a field with a quote or line break (RFC 4180). Write
// refuses a comment with a comma in CSV: DHIS2 2.43's reader splits on
// every comma, quoted or not.
func csvField(f string) string {
	if strings.ContainsAny(f, "\",\n\r") {
		return `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
	}
	return f
}
