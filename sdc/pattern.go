package sdc

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// ReadPattern reads a suppression pattern for table t from CSV in the layout
// of the internal file (WriteInternal): a column per dimension of t with the
// cell's codes (leaves or totals) and a "status" column (published, primary,
// secondary); a "reason" column is kept when present, other columns are
// ignored. Cells the file does not list are published. Errors name the row:
// an unknown code, a duplicate cell, an unknown status.
func ReadPattern(r io.Reader, t *Table) (*Release, error) {
	cr := newCSVReader(r)
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("pattern: empty file")
	}
	if err != nil {
		return nil, fmt.Errorf("pattern: %w", csvError(err))
	}
	names := make([]string, 0, t.NumDims()+1)
	for _, d := range t.dims {
		names = append(names, d.Name())
	}
	names = append(names, "status")
	cols, err := columnIndex(header, names...)
	if err != nil {
		return nil, fmt.Errorf("pattern: %w", err)
	}
	reasonCol := -1
	for i, h := range header {
		if strings.TrimSpace(h) == "reason" {
			reasonCol = i
		}
	}
	rel := NewRelease(t)
	seen := map[int]int{}
	codes := make([]string, t.NumDims())
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rel, nil
		}
		if err != nil {
			return nil, fmt.Errorf("pattern: %w", csvError(err))
		}
		line, _ := cr.FieldPos(0)
		for d := range codes {
			codes[d] = strings.TrimSpace(rec[cols[d]])
		}
		c, err := t.CellOf(codes...)
		if err != nil {
			return nil, fmt.Errorf("pattern: row %d: %s", line, strings.TrimPrefix(err.Error(), "table: "))
		}
		if prev, dup := seen[c]; dup {
			return nil, fmt.Errorf("pattern: row %d: duplicate cell %s (first at row %d)", line, t.Label(c), prev)
		}
		seen[c] = line
		st, err := ParseStatus(strings.TrimSpace(rec[cols[len(cols)-1]]))
		if err != nil {
			return nil, fmt.Errorf("pattern: row %d: %w", line, err)
		}
		reason := ""
		if reasonCol >= 0 {
			reason = rec[reasonCol]
		}
		if st != Published || reason != "" {
			rel.Set(c, st, reason)
		}
	}
}
