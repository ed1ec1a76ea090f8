package sdc

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ErrNotSuppressionPattern is wrapped by the error of ReadPattern for a
// status that a suppression pattern cannot hold: rounded and perturbed (the
// file is a rounded or noisy release, whose protection is not a set of
// withheld cells), and hidden (the status of a cell of no released table in
// the joint view of linked tables, which no output file holds).
var ErrNotSuppressionPattern = errors.New("not a suppression pattern")

// maxListed is how many cells or rows a pattern error names.
const maxListed = 5

// MissingCellsError is the error of ReadPattern when the pattern does not
// list every publishable cell of the table: an audit of a pattern that
// leaves cells out would take them as published without anyone having
// decided so.
type MissingCellsError struct {
	File    string   // the file, as named in PatternOptions
	Missing int      // how many publishable cells the file does not list
	Cells   int      // how many publishable cells the table has
	First   []string // the first few missing cells, in cell order (labels such as "NO×Total")
}

func (e *MissingCellsError) Error() string {
	msg := fmt.Sprintf("%s: %d of the table's %d publishable cells are missing (every cell must be listed once): %s",
		e.File, e.Missing, e.Cells, strings.Join(e.First, ", "))
	if e.Missing > len(e.First) {
		msg += fmt.Sprintf(", … and %d more", e.Missing-len(e.First))
	}
	return msg
}

// ValueProblem is one row of a pattern whose value is wrong.
type ValueProblem struct {
	Row   int    // the file's line (the header is row 1)
	Cell  int    // the cell
	Label string // the cell's label
	Got   string // the value in the file ("" for none)
	Want  int64  // the table's true count
	Leak  bool   // a withheld cell of a published file with a value
}

func (p ValueProblem) String() string {
	switch {
	case p.Leak:
		return fmt.Sprintf("row %d: %s is suppressed but has the value %q (a published file must leave it empty)", p.Row, p.Label, p.Got)
	case p.Got == "":
		return fmt.Sprintf("row %d: %s is published with no value (the table has %d)", p.Row, p.Label, p.Want)
	}
	return fmt.Sprintf("row %d: %s has the value %q but the table has %d", p.Row, p.Label, p.Got, p.Want)
}

// ValueError is the error of ReadPattern when the pattern's count column
// disagrees with the table: a published cell whose value is not its true
// count (the pattern is of other data, or a changed release), or a
// withheld cell of a published file (status suppressed) with a value,
// which would publish it.
type ValueError struct {
	File       string
	Mismatches int            // cells whose value is not the true count
	Leaks      int            // suppressed cells with a value
	First      []ValueProblem // the first few problems, in row order
}

func (e *ValueError) Error() string {
	msg := fmt.Sprintf("%s: %d values differ from the table's counts, %d suppressed cells have a value", e.File, e.Mismatches, e.Leaks)
	for _, p := range e.First {
		msg += "\n  " + p.String()
	}
	if n := e.Mismatches + e.Leaks; n > len(e.First) {
		msg += fmt.Sprintf("\n  … and %d more", n-len(e.First))
	}
	return msg
}

// PatternOptions configures ReadPatternOptions.
type PatternOptions struct {
	// Name names the file in errors; "" means "pattern".
	Name string
	// Count is the name of the count column; "" means "freq". When the
	// file has that column, its values are checked against the table (see
	// ReadPatternOptions); when it has none, only the statuses are read.
	Count string
}

// ReadPattern is ReadPatternOptions with the default options: errors begin
// with "pattern:", and the count column is "freq".
func ReadPattern(r io.Reader, t *Table) (*Release, error) {
	return ReadPatternOptions(r, t, PatternOptions{})
}

// ReadPatternOptions reads a suppression pattern for table t from CSV: a
// column per dimension of t with the cell's codes (leaves or totals) and a
// "status" column, as in the internal file (WriteInternal) or the published
// file (WritePublished) of tabsdc or any other tool's pattern in that
// layout; a "reason" column is kept when present, other columns are
// ignored.
//
// The file must list every publishable cell of t exactly once
// (*MissingCellsError names the first missing ones and their number).
// The statuses are published, primary, secondary, and suppressed (a
// withheld cell of unknown kind, as in a published file; see
// ApplyPrimary). rounded, perturbed and hidden are errors wrapping
// ErrNotSuppressionPattern.
//
// When the file has the count column (opt.Count), every published cell's
// value must be its true count in t, a suppressed cell's value must be
// empty, and a primary or secondary cell's value, when given (an internal
// file gives it), must be its true count; *ValueError counts the problems
// and names the first few with their rows. Other errors name the row: an
// unknown code, a duplicate cell, an unknown status. When both cells are
// missing and values are wrong, the error joins both (errors.As finds
// either).
//
// Lines that start with "#" are notes (the internal file's header says
// what the audit's attacker knew) and are skipped; a cell whose first
// code starts with "#" is therefore missing, which is an error.
func ReadPatternOptions(r io.Reader, t *Table, opt PatternOptions) (*Release, error) {
	name := opt.Name
	if name == "" {
		name = "pattern"
	}
	countName := opt.Count
	if countName == "" {
		countName = "freq"
	}
	cr := newCSVReader(r)
	cr.Comment = '#' // the internal file's notes (Release.SetNotes)
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: empty file", name)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, csvError(err))
	}
	names := make([]string, 0, t.NumDims()+1)
	for _, d := range t.dims {
		names = append(names, d.Name())
	}
	names = append(names, "status")
	cols, err := columnIndex(header, names...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	reasonCol, countCol := -1, -1
	for i, h := range header {
		switch strings.TrimSpace(h) {
		case "reason":
			reasonCol = i
		case countName:
			countCol = i
		}
	}
	rel := NewRelease(t)
	rowOf := make([]int32, t.NumCells()) // the row that listed each cell, 0 for none
	codes := make([]string, t.NumDims())
	var verr ValueError
	problem := func(p ValueProblem) {
		if p.Leak {
			verr.Leaks++
		} else {
			verr.Mismatches++
		}
		if len(verr.First) < maxListed {
			verr.First = append(verr.First, p)
		}
	}
	listed := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, csvError(err))
		}
		line, _ := cr.FieldPos(0)
		for d := range codes {
			codes[d] = strings.TrimSpace(rec[cols[d]])
		}
		c, err := t.CellOf(codes...)
		if err != nil {
			return nil, fmt.Errorf("%s: row %d: %s", name, line, strings.TrimPrefix(err.Error(), "table: "))
		}
		if rowOf[c] != 0 {
			return nil, fmt.Errorf("%s: row %d: duplicate cell %s (first at row %d)", name, line, t.Label(c), rowOf[c])
		}
		rowOf[c] = int32(line)
		listed++
		st, err := ParseStatus(strings.TrimSpace(rec[cols[len(cols)-1]]))
		if err != nil {
			return nil, fmt.Errorf("%s: row %d: %w", name, line, err)
		}
		switch st {
		case Rounded, Perturbed:
			return nil, fmt.Errorf("%s: row %d: status %q: %w: a rounded or perturbed release changes values instead of withholding cells, so it cannot be audited as a suppression pattern (tabsdc round writes each cell's attacker's interval in its own internal file)", name, line, st, ErrNotSuppressionPattern)
		case Hidden:
			return nil, fmt.Errorf("%s: row %d: status %q: %w: hidden marks a cell of no released table in the joint view of linked tables, which no output file holds (each linked table's files list that table's cells only)", name, line, st, ErrNotSuppressionPattern)
		}
		if countCol >= 0 {
			got := strings.TrimSpace(rec[countCol])
			want := t.Freq(c)
			p := ValueProblem{Row: line, Cell: c, Got: got, Want: want}
			bad := false
			switch {
			case st == Withheld:
				bad, p.Leak = got != "", true
			case st == Published:
				v, err := strconv.ParseInt(got, 10, 64)
				bad = err != nil || v != want
			default: // primary, secondary: an internal file gives the true value
				if got != "" {
					v, err := strconv.ParseInt(got, 10, 64)
					bad = err != nil || v != want
				}
			}
			if bad {
				p.Label = t.Label(c)
				problem(p)
			}
		}
		reason := ""
		if reasonCol >= 0 {
			reason = rec[reasonCol]
		}
		if st != Published || reason != "" {
			rel.Set(c, st, reason)
		}
	}
	var errs []error
	if listed < t.NumCells() {
		me := &MissingCellsError{File: name, Missing: t.NumCells() - listed, Cells: t.NumCells()}
		for c := 0; c < t.NumCells() && len(me.First) < maxListed; c++ {
			if rowOf[c] == 0 {
				me.First = append(me.First, t.Label(c))
			}
		}
		errs = append(errs, me)
	}
	if verr.Mismatches+verr.Leaks > 0 {
		verr.File = name
		errs = append(errs, &verr)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return rel, nil
}

// PrimaryPublishedError is the error of ApplyPrimary when the pattern
// publishes cells that the primary rules mark primary.
type PrimaryPublishedError struct {
	Cells []int    // every such cell, in cell order
	First []string // the labels of the first few
}

func (e *PrimaryPublishedError) Error() string {
	msg := fmt.Sprintf("%d primary cells are published: primary cell %s is published", len(e.Cells), e.First[0])
	if len(e.First) > 1 {
		msg += " (also " + strings.Join(e.First[1:], ", ")
		if len(e.Cells) > len(e.First) {
			msg += fmt.Sprintf(", … and %d more", len(e.Cells)-len(e.First))
		}
		msg += ")"
	}
	return msg
}

// ApplyPrimary reconciles a pattern read from a file with the primary
// rules: primary is a release of the same table in which the rules have
// marked their cells Primary (suppress.Primary). Every cell primary marks
// Primary must be withheld by pattern, or the error is a
// *PrimaryPublishedError and pattern is left as it was. Otherwise each such
// cell becomes Primary in pattern, with primary's reason, whatever the
// pattern called it: a published file calls every withheld cell
// suppressed (Withheld), and an audit must still ask the primary cells'
// requirements of them. Cells the pattern calls primary stay primary.
func ApplyPrimary(pattern, primary *Release) error {
	if pattern.t != primary.t {
		return fmt.Errorf("apply primary: the releases are of different tables")
	}
	var pe PrimaryPublishedError
	for c, st := range primary.status {
		if st == Primary && !pattern.status[c].Suppressed() {
			pe.Cells = append(pe.Cells, c)
			if len(pe.First) < maxListed {
				pe.First = append(pe.First, pattern.t.Label(c))
			}
		}
	}
	if len(pe.Cells) > 0 {
		return &pe
	}
	for c, st := range primary.status {
		if st == Primary && pattern.status[c] != Primary {
			pattern.Set(c, Primary, primary.Reason(c))
		}
	}
	return nil
}
