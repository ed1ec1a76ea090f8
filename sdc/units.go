package sdc

import (
	"fmt"
	"io"
	"strings"
)

// UnitRecords are the records behind a frequency table kept record by
// record, for methods that need more than the counts: each record's inner
// cell and the fields of some columns (a person id for differential
// privacy's contribution bounds, a record key or id for the cell key
// method).
type UnitRecords struct {
	// Table is the frequency table of the records: every record counts 1.
	Table *Table
	// Inner is each record's inner cell number (Table.InnerCell).
	Inner []int32
	// Lines is each record's line in the file.
	Lines []int32
	// Fields holds, per column asked for (UnitOptions.Columns, in order),
	// each record's field, trimmed of spaces.
	Fields [][]string
	// Columns are the 1-based positions of those columns in the file.
	Columns []int
}

// UnitOptions configures ReadUnitRecords.
type UnitOptions struct {
	// Columns are the columns whose fields are kept; a record with an empty
	// field in one of them is an error.
	Columns []string
	// DeclaredDims: every dimension must come with its codes (a hierarchy
	// or a list); a dimension whose codes would be read from the data is
	// an error. Differential privacy needs it: a category that exists only
	// because a record has it tells that someone is in it.
	DeclaredDims bool
}

// ReadUnitRecords reads records from CSV as ReadRecords does for a
// frequency table (a column per dimension holding a leaf code; every
// record counts 1) and keeps each record's inner cell and the fields of
// opt.Columns.
func ReadUnitRecords(r io.Reader, specs []DimSpec, opt UnitOptions) (*UnitRecords, error) {
	if opt.DeclaredDims {
		for _, sp := range specs {
			if sp.Dim == nil {
				return nil, fmt.Errorf("dimension %s has no declared codes (a hierarchy file or a list): codes read from the data would tell which categories have a record", sp.Name)
			}
		}
	}
	s, err := newRowScanner(r, specs, opt.Columns...)
	if err != nil {
		return nil, err
	}
	fields := make([][]string, len(opt.Columns))
	err = s.scan(func(line int, rec []string, ex []int) error {
		for k, col := range ex {
			f := strings.TrimSpace(rec[col])
			if f == "" {
				return &ParseError{Row: line, Column: col + 1, Err: fmt.Errorf("empty %s", opt.Columns[k])}
			}
			fields[k] = append(fields[k], strings.Clone(f))
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
	nn := make([]int, len(nodes))
	inner := make([]int32, len(s.lines))
	shape := b.Shape()
	for i, line := range s.lines {
		s.rowNodes(i, nodes, nn)
		c, err := b.innerCell(nn)
		if err != nil {
			return nil, &ParseError{Row: int(line), Err: err}
		}
		if err := b.AddInnerCell(c, 1); err != nil {
			return nil, &ParseError{Row: int(line), Err: err}
		}
		inner[i] = int32(shape.InnerNumber(c))
	}
	t, err := b.Build()
	if err != nil {
		return nil, err
	}
	cols := make([]int, len(s.extra))
	for i, c := range s.extra {
		cols[i] = c + 1
	}
	return &UnitRecords{Table: t, Inner: inner, Lines: s.lines, Fields: fields, Columns: cols}, nil
}
