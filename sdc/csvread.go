package sdc

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// DimSpec names a dimension: the CSV column that holds its codes, and its
// hierarchy. A DimSpec with a nil Dim is flat: its leaves are the codes found
// in the input, sorted byte-wise (strings.Compare: "10" before "9", "F"
// before "M"), under a root TotalCode. The order is canonical so that the
// same data with its rows in another order gives the same table, the same
// cell numbering and so the same protection.
type DimSpec struct {
	Name string
	Dim  *Dimension
}

// CellsOptions configures ReadCells.
type CellsOptions struct {
	// Count is the column with the counts; "" means "freq".
	Count string
	// Totals allows rows for totals (cells with a non-leaf code). Each given
	// total is checked against the sum of the inner cells under it; the error
	// lists the first mismatches with both numbers.
	Totals bool
}

// RecordsOptions configures ReadRecords.
type RecordsOptions struct {
	// Value is the column with each record's value; "" counts records.
	Value string
	// Decimals is the number of decimal places of Value: a value with more
	// is an error naming its row. 0 means as many as the data has (at
	// most MaxDecimals). Values are read and summed exactly, in plain
	// decimal notation only (no exponents), and written back digit for
	// digit (Table.ValueText).
	Decimals int
	// Contributor is the column with the contributor id (an enterprise, a
	// provider); "" means that records carry no contributor and the table is
	// a frequency table.
	Contributor string
	// TopK is how many of the largest contributions per cell to keep; 0
	// means DefaultTopK.
	TopK int
}

// maxMismatches is how many total mismatches an error lists.
const maxMismatches = 5

// newCSVReader returns a CSV reader that skips a UTF-8 byte order mark and
// accepts CRLF line ends and quoted fields.
func newCSVReader(r io.Reader) *csv.Reader {
	br := bufio.NewReaderSize(r, 1<<16)
	if b, err := br.Peek(3); err == nil && string(b) == "\uFEFF" {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	return cr
}

// csvError turns a CSV parse error into "row N: problem".
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			return fmt.Errorf("row %d: wrong number of fields (ragged row)", pe.StartLine)
		}
		return fmt.Errorf("row %d: %v", pe.StartLine, pe.Err)
	}
	return err
}

// columnIndex finds each name in the header and says which are missing.
func columnIndex(header []string, names ...string) ([]int, error) {
	pos := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.TrimSpace(h)
		if _, dup := pos[h]; dup && h != "" {
			return nil, fmt.Errorf("row 1: column %q appears twice in the header", h)
		}
		pos[h] = i
	}
	out := make([]int, len(names))
	for i, n := range names {
		j, ok := pos[n]
		if !ok {
			return nil, fmt.Errorf("row 1: missing column %q (header has %s)", n, quoteList(header))
		}
		out[i] = j
	}
	return out, nil
}

func quoteList(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ", ")
}

// rowScanner reads rows whose first columns are dimension codes and interns
// the codes, so a pass over the data can also discover flat dimensions.
type rowScanner struct {
	name   string // what is being read, for errors
	cr     *csv.Reader
	specs  []DimSpec
	dimCol []int
	extra  []int
	intern []map[string]int32
	codes  [][]string
	first  [][]int32 // first row of each interned code
	lastS  []string
	lastID []int32
	ids    []int32 // nd per row
	lines  []int32
}

func newRowScanner(r io.Reader, specs []DimSpec, extra ...string) (*rowScanner, error) {
	if len(specs) == 0 {
		return nil, fmt.Errorf("no dimensions")
	}
	s := &rowScanner{cr: newCSVReader(r), specs: specs}
	header, err := s.cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("empty file")
	}
	if err != nil {
		return nil, csvError(err)
	}
	names := make([]string, 0, len(specs)+len(extra))
	for _, sp := range specs {
		names = append(names, sp.Name)
	}
	names = append(names, extra...)
	cols, err := columnIndex(header, names...)
	if err != nil {
		return nil, err
	}
	s.dimCol, s.extra = cols[:len(specs)], cols[len(specs):]
	nd := len(specs)
	s.intern = make([]map[string]int32, nd)
	s.codes = make([][]string, nd)
	s.first = make([][]int32, nd)
	s.lastS = make([]string, nd)
	s.lastID = make([]int32, nd)
	for d := range specs {
		s.intern[d] = map[string]int32{}
		s.lastID[d] = -1
	}
	return s, nil
}

// scan reads every row, interning its codes, and calls fn with the row's line
// and fields for the extra columns.
func (s *rowScanner) scan(fn func(line int, rec []string, extra []int) error) error {
	for {
		rec, err := s.cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return csvError(err)
		}
		line, _ := s.cr.FieldPos(0)
		for d, col := range s.dimCol {
			code := strings.TrimSpace(rec[col])
			if code == "" {
				return &ParseError{Row: line, Column: s.dimCol[d] + 1, Err: fmt.Errorf("empty %s code", s.specs[d].Name)}
			}
			if code != s.lastS[d] || s.lastID[d] < 0 {
				id, ok := s.intern[d][code]
				if !ok {
					if err := CheckCode(code); err != nil {
						return &ParseError{Row: line, Column: col + 1, Err: fmt.Errorf("%s: %w", s.specs[d].Name, err)}
					}
					id = int32(len(s.codes[d]))
					code = strings.Clone(code)
					s.intern[d][code] = id
					s.codes[d] = append(s.codes[d], code)
					s.first[d] = append(s.first[d], int32(line))
				}
				s.lastS[d], s.lastID[d] = s.codes[d][id], id
			}
			s.ids = append(s.ids, s.lastID[d])
		}
		s.lines = append(s.lines, int32(line))
		if err := fn(line, rec, s.extra); err != nil {
			return err
		}
	}
}

// resolve builds the flat dimensions and maps interned codes to nodes. An
// unknown code is reported at the first row that has one.
func (s *rowScanner) resolve(allowTotal bool) ([]*Dimension, [][]int32, error) {
	dims := make([]*Dimension, len(s.specs))
	nodes := make([][]int32, len(s.specs))
	badLine, badErr := int32(math.MaxInt32), error(nil)
	for d, sp := range s.specs {
		dim := sp.Dim
		if dim == nil {
			leaves := make([]string, 0, len(s.codes[d]))
			for id, c := range s.codes[d] {
				if c != TotalCode {
					leaves = append(leaves, c)
				} else if !allowTotal && s.first[d][id] < badLine {
					badLine, badErr = s.first[d][id], fmt.Errorf("%s code %q is a total, not a leaf (rows must be inner cells unless totals are allowed)", sp.Name, c)
				}
			}
			slices.Sort(leaves) // canonical: not the order of the rows
			var err error
			if dim, err = NewFlat(sp.Name, leaves); err != nil {
				return nil, nil, err
			}
		}
		dims[d] = dim
		nodes[d] = make([]int32, len(s.codes[d]))
		for id, c := range s.codes[d] {
			n, ok := dim.Index(c)
			if !ok {
				if s.first[d][id] < badLine {
					badLine, badErr = s.first[d][id], tagf(ErrUnknownCode, "unknown %s code %q", sp.Name, c)
				}
				continue
			}
			nodes[d][id] = int32(n)
		}
	}
	if badErr != nil {
		return nil, nil, &ParseError{Row: int(badLine), Err: badErr}
	}
	return dims, nodes, nil
}

// recordsBuilder resolves the codes of scanned records (leaves only) and
// returns a builder of their dimensions and the nodes of the interned
// codes (see rowNodes).
func (s *rowScanner) recordsBuilder() (*Builder, [][]int32, error) {
	if len(s.lines) == 0 {
		return nil, nil, errors.New("no data rows")
	}
	dims, nodes, err := s.resolve(false)
	if err != nil {
		return nil, nil, err
	}
	b, err := NewBuilder(dims...)
	return b, nodes, err
}

// rowNodes puts the nodes of scanned row i into nn, one per dimension.
func (s *rowScanner) rowNodes(i int, nodes [][]int32, nn []int) {
	nd := len(nn)
	for d := range nn {
		nn[d] = int(nodes[d][s.ids[i*nd+d]])
	}
}

// parseCount parses a non-negative integer count.
func parseCount(f string) (int64, error) {
	f = strings.TrimSpace(f)
	if f == "" {
		return 0, fmt.Errorf("empty count")
	}
	v, err := strconv.ParseInt(f, 10, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Errorf("count %q overflows a 64-bit integer", f)
		}
		return 0, fmt.Errorf("count %q is not an integer", f)
	}
	if v < 0 {
		return 0, fmt.Errorf("count %q is negative", f)
	}
	return v, nil
}

// ReadCells reads a frequency table from CSV with one row per inner cell: a
// column per dimension holding its code, and a count column. Absent inner
// cells are zeros. Every problem is reported with its row (the header is row
// 1): a missing column, an unknown code, a code that is not a leaf, a
// duplicate cell, a count that is negative, not an integer or overflows, a
// ragged row, an empty file.
func ReadCells(r io.Reader, specs []DimSpec, opt CellsOptions) (*Table, error) {
	countCol := opt.Count
	if countCol == "" {
		countCol = "freq"
	}
	s, err := newRowScanner(r, specs, countCol)
	if err != nil {
		return nil, err
	}
	var counts []int64
	err = s.scan(func(line int, rec []string, extra []int) error {
		v, err := parseCount(rec[extra[0]])
		if err != nil {
			return &ParseError{Row: line, Err: err}
		}
		counts = append(counts, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(counts) == 0 {
		return nil, fmt.Errorf("no data rows")
	}
	dims, nodes, err := s.resolve(opt.Totals)
	if err != nil {
		return nil, err
	}
	b, err := NewBuilder(dims...)
	if err != nil {
		return nil, err
	}
	t := b.Shape()
	nd := len(dims)
	seen := make([]int32, t.NumCells()) // line of the row that set a cell
	type given struct {
		cell int
		v    int64
		line int32
	}
	var totals []given
	for i, v := range counts {
		c, inner := 0, true
		for d := 0; d < nd; d++ {
			n := int(nodes[d][s.ids[i*nd+d]])
			if inner && !dims[d].IsLeaf(n) {
				inner = false
				if !opt.Totals {
					return nil, &ParseError{Row: int(s.lines[i]), Err: fmt.Errorf("%s code %q is a total, not a leaf (rows must be inner cells unless totals are allowed)", dims[d].Name(), dims[d].Code(n))}
				}
			}
			c += n * t.stride[d]
		}
		if prev := seen[c]; prev != 0 {
			return nil, &ParseError{Row: int(s.lines[i]), Err: fmt.Errorf("duplicate cell %s (first at row %d)", t.Label(c), prev)}
		}
		seen[c] = s.lines[i]
		if !inner {
			totals = append(totals, given{c, v, s.lines[i]})
			continue
		}
		if err := b.AddInnerCell(c, v); err != nil {
			return nil, &ParseError{Row: int(s.lines[i]), Err: err}
		}
	}
	tab, err := b.Build()
	if err != nil {
		return nil, err
	}
	var msgs []string
	nbad := 0
	for _, g := range totals {
		if got := tab.Freq(g.cell); got != g.v {
			nbad++
			if len(msgs) < maxMismatches {
				msgs = append(msgs, fmt.Sprintf("row %d: total %s is %d but its inner cells add up to %d", g.line, tab.Label(g.cell), g.v, got))
			}
		}
	}
	if nbad > 0 {
		return nil, fmt.Errorf("%d given totals do not add up:\n%s", nbad, strings.Join(msgs, "\n"))
	}
	return tab, nil
}

// ReadRecords reads the records behind a table from CSV: one row per unit,
// with a column per dimension holding a leaf code, and optionally a value and
// a contributor column. Records are aggregated into a table; with a
// contributor column it is a magnitude table (see Builder.AddRecord).
func ReadRecords(r io.Reader, specs []DimSpec, opt RecordsOptions) (*Table, error) {
	if opt.Decimals < 0 || opt.Decimals > MaxDecimals {
		return nil, fmt.Errorf("records: %d decimal places: want 0 (as the data has) to %d", opt.Decimals, MaxDecimals)
	}
	var extra []string
	if opt.Value != "" {
		extra = append(extra, opt.Value)
	}
	if opt.Contributor != "" {
		extra = append(extra, opt.Contributor)
	}
	s, err := newRowScanner(r, specs, extra...)
	if err != nil {
		return nil, err
	}
	// Values are kept as their digits and made exact units once the
	// number of decimal places is known.
	type digits struct{ whole, frac string }
	var values []digits
	var valueCol int
	var contribs []string
	scale := opt.Decimals
	err = s.scan(func(line int, rec []string, ex []int) error {
		k := 0
		if opt.Value != "" {
			f := strings.TrimSpace(rec[ex[k]])
			valueCol = ex[k] + 1
			whole, frac, err := splitDecimal(f)
			if err != nil {
				return &ParseError{Row: line, Column: ex[k] + 1, Err: tagf(ErrNotFinite, "%v", err)}
			}
			switch {
			case opt.Decimals > 0 && len(frac) > opt.Decimals:
				return &ParseError{Row: line, Column: ex[k] + 1, Err: fmt.Errorf("value %q has more than the %d decimal places declared", f, opt.Decimals)}
			case len(frac) > MaxDecimals:
				return &ParseError{Row: line, Column: ex[k] + 1, Err: fmt.Errorf("value %q has more than %d decimal places", f, MaxDecimals)}
			}
			scale = max(scale, len(frac))
			values = append(values, digits{whole, frac})
			k++
		}
		if opt.Contributor != "" {
			c := strings.TrimSpace(rec[ex[k]])
			if c == "" {
				return &ParseError{Row: line, Err: errors.New("empty contributor")}
			}
			contribs = append(contribs, strings.Clone(c))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	b, nodes, err := s.recordsBuilder()
	if err != nil {
		return nil, err
	}
	if opt.TopK != 0 {
		if err := b.SetTopK(opt.TopK); err != nil {
			return nil, err
		}
	}
	nn := make([]int, len(nodes))
	var total int64 // values are not negative: every cell's sum is at most this
	for i, line := range s.lines {
		s.rowNodes(i, nodes, nn)
		u := int64(1) // without a value column each record counts 1
		if values != nil {
			if u, err = units(values[i].whole, values[i].frac, scale); err != nil {
				return nil, &ParseError{Row: int(line), Column: valueCol, Err: tagf(ErrNotFinite, "value %s is %v", strings.TrimSuffix(values[i].whole+"."+values[i].frac, "."), err)}
			}
			if u > math.MaxInt64-total {
				return nil, &ParseError{Row: int(line), Column: valueCol, Err: tagf(ErrNotFinite, "the value makes the sum of the values overflow an exact number (%s in units of 10^-%d)", strconv.FormatInt(math.MaxInt64, 10), scale)}
			}
			total += u
		}
		switch {
		case contribs != nil:
			err = b.AddRecordUnits(nn, contribs[i], u, scale)
		case values != nil:
			// Without a contributor column each record is its own contributor.
			err = b.AddRecordUnits(nn, "\x00"+strconv.Itoa(i), u, scale)
		default:
			err = b.AddInner(nn, 1)
		}
		if err != nil {
			return nil, &ParseError{Row: int(line), Err: err}
		}
	}
	return b.Build()
}
