package pipeline

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tabsdc/tabsdc/dhis2"
	"github.com/tabsdc/tabsdc/report"
	"github.com/tabsdc/tabsdc/sdc"
)

// InputPaths lists the files the spec reads, each with its role (for
// errors and the summary): the input, hierarchy files, cell lists.
func (s *Spec) InputPaths() []report.InputFile {
	var out []report.InputFile
	switch {
	case s.Input.Format == "dhis2":
		out = append(out, report.InputFile{Role: "input", Path: s.Input.DataValues})
		if s.Input.DHIS2 != nil {
			out = append(out, report.InputFile{Role: "dhis2 metadata", Path: s.Input.DHIS2.Metadata})
		}
		if o := s.Outputs.DHIS2; o != nil && o.Previous != "" {
			out = append(out, report.InputFile{Role: "dhis2 previous", Path: o.Previous})
		}
	case s.Input.Cells != "":
		out = append(out, report.InputFile{Role: "input", Path: s.Input.Cells})
	default:
		out = append(out, report.InputFile{Role: "input", Path: s.Input.Records})
	}
	for _, d := range s.Input.Dims {
		if d.File != "" {
			out = append(out, report.InputFile{Role: "dim " + d.Name, Path: d.File})
		}
	}
	if s.Rules.SuppressCells != "" {
		out = append(out, report.InputFile{Role: "suppress_cells", Path: s.Rules.SuppressCells})
	}
	if s.Method.PTable != "" {
		out = append(out, report.InputFile{Role: "ptable", Path: s.Method.PTable})
	}
	if s.Input.Population != "" {
		out = append(out, report.InputFile{Role: "population", Path: s.Input.Population})
	}
	if s.Method.KeySecretFile != "" {
		out = append(out, report.InputFile{Role: "key_secret_file", Path: s.Method.KeySecretFile})
	}
	if s.Rules.PublishCells != "" {
		out = append(out, report.InputFile{Role: "publish_cells", Path: s.Rules.PublishCells})
	}
	return out
}

// OutputPaths lists the files a run of the spec writes, each with its
// role: per table the published and internal CSV, then the summary.
func (s *Spec) OutputPaths() []report.InputFile {
	names := []string{""}
	if len(s.Tables) > 0 {
		names = names[:0]
		for _, t := range s.Tables {
			names = append(names, t.Name)
		}
	}
	var out []report.InputFile
	for _, p := range []report.InputFile{{Role: "published", Path: s.Outputs.Published}, {Role: "internal", Path: s.Outputs.Internal}} {
		if p.Path == "" {
			continue
		}
		for _, name := range names {
			out = append(out, report.InputFile{Role: p.Role, Path: WithSuffix(p.Path, name)})
		}
	}
	if s.Outputs.Summary != "" {
		out = append(out, report.InputFile{Role: "summary", Path: s.Outputs.Summary})
	}
	if s.Method.Ledger != "" {
		out = append(out, report.InputFile{Role: "ledger", Path: s.Method.Ledger})
	}
	for _, r := range []struct{ role, path string }{{"report", s.Outputs.Report}, {"public report", s.Outputs.PublicReport}} {
		if r.path == "" {
			continue
		}
		for _, name := range names {
			out = append(out, report.InputFile{Role: r.role, Path: WithSuffix(r.path, name)},
				report.InputFile{Role: r.role + " JSON", Path: WithSuffix(jsonBeside(r.path), name)})
		}
	}
	return out
}

// WithSuffix inserts ".name" before a path's extension (a linked
// table's output file).
func WithSuffix(path, name string) string {
	if name == "" || path == "" {
		return path
	}
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "." + name + ext
}

// withFile puts the file's name on an error: into a *sdc.ParseError, or
// before the message.
func withFile(path string, err error) error {
	var pe *sdc.ParseError
	if errors.As(err, &pe) && pe.File == "" {
		pe.File = path
		return err
	}
	return fmt.Errorf("%s: %w", path, err)
}

// readTable reads the table the spec's input describes.
func (s *Spec) readTable(l *inputLog) (*sdc.Table, error) {
	if s.Input.Format == "dhis2" {
		in, err := s.readDHIS2(l)
		if err != nil {
			return nil, err
		}
		return in.Table, nil
	}
	specs, err := s.dimSpecs(l)
	if err != nil {
		return nil, err
	}
	path := s.Input.Cells
	if path == "" {
		path = s.Input.Records
	}
	f, err := l.open("input", path)
	if err != nil {
		return nil, err
	}
	var t *sdc.Table
	if s.Input.Records != "" {
		t, err = sdc.ReadRecords(f, specs, sdc.RecordsOptions{Value: s.Input.Value, Contributor: s.Input.Contributor, Decimals: s.Input.Decimals})
	} else {
		t, err = sdc.ReadCells(f, specs, sdc.CellsOptions{Count: s.Input.Count, Totals: s.Input.Totals})
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, withFile(path, err)
	}
	return t, nil
}

// readUnits reads the spec's records one by one, keeping the columns
// cols.
func (s *Spec) readUnits(l *inputLog, cols []string) (*sdc.UnitRecords, error) {
	specs, err := s.dimSpecs(l)
	if err != nil {
		return nil, err
	}
	f, err := l.open("input", s.Input.Records)
	if err != nil {
		return nil, err
	}
	u, err := sdc.ReadUnitRecords(f, specs, sdc.UnitOptions{Columns: cols, DeclaredDims: s.Method.Name == "dp"})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, withFile(s.Input.Records, err)
	}
	return u, nil
}

// dimSpecs reads the spec's dimensions.
func (s *Spec) dimSpecs(l *inputLog) ([]sdc.DimSpec, error) {
	specs := make([]sdc.DimSpec, 0, len(s.Input.Dims))
	for _, d := range s.Input.Dims {
		spec := sdc.DimSpec{Name: d.Name}
		switch {
		case d.File != "":
			f, err := l.open("dim "+d.Name, d.File)
			if err != nil {
				return nil, fmt.Errorf("dimension %s: %w", d.Name, err)
			}
			spec.Dim, err = sdc.ReadHierarchy(d.Name, f)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return nil, withFile(d.File, err)
			}
		case d.Codes != nil:
			var err error
			if spec.Dim, err = sdc.NewFlat(d.Name, d.Codes); err != nil {
				return nil, fmt.Errorf("dimension %s: %w", d.Name, err)
			}
		}
		specs = append(specs, spec)
	}
	return specs, nil
}

// inputLog records every file a run reads, with the SHA-256 of the bytes
// it read: hashed while reading, so what the summary records is what the
// run used (a pipe or a file changed afterwards cannot differ).
type inputLog struct{ files []report.InputFile }

// hashedFile is an open input file that hashes what is read from it.
type hashedFile struct {
	f    *os.File
	h    hash.Hash
	r    io.Reader
	log  *inputLog
	role string
}

func (hf *hashedFile) Read(p []byte) (int, error) { return hf.r.Read(p) }

// Close reads what the parser left (so the hash is the whole file's),
// records the file and closes it.
func (hf *hashedFile) Close() error {
	_, err := io.Copy(io.Discard, hf.r)
	if cerr := hf.f.Close(); err == nil {
		err = cerr
	}
	if err == nil && hf.log != nil {
		hf.log.files = append(hf.log.files, report.InputFile{Role: hf.role, Path: hf.f.Name(), SHA256: hex.EncodeToString(hf.h.Sum(nil))})
	}
	return err
}

// open opens path for reading, hashed into the log (l may be nil).
func (l *inputLog) open(role, path string) (*hashedFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	return &hashedFile{f: f, h: h, r: io.TeeReader(f, h), log: l, role: role}, nil
}

// ReadCellList reads a CSV list of cells of t, a column per dimension
// (codes of leaves or totals), as used for manual suppression and
// publication; path names it in errors.
func ReadCellList(path string, t *sdc.Table) ([]int, error) {
	return readCellList(nil, "cells", path, t)
}

func readCellList(l *inputLog, role, path string, t *sdc.Table) ([]int, error) {
	f, err := l.open(role, path)
	if err != nil {
		return nil, err
	}
	cells, err := ParseCellList(path, f, t)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("%s: %w", path, cerr)
	}
	return cells, err
}

// ParseCellList reads a cell list from in; path names it in errors.
func ParseCellList(path string, in io.Reader, t *sdc.Table) ([]int, error) {
	r := csv.NewReader(in)
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: empty file", path)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	col := make([]int, t.NumDims())
	for d := range col {
		col[d] = -1
		for i, h := range header {
			if strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")) == t.Dim(d).Name() {
				col[d] = i
			}
		}
		if col[d] < 0 {
			return nil, fmt.Errorf("%s: row 1: missing column %q", path, t.Dim(d).Name())
		}
	}
	var cells []int
	codes := make([]string, t.NumDims())
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return cells, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		for d, i := range col {
			codes[d] = strings.TrimSpace(rec[i])
		}
		c, err := t.CellOf(codes...)
		if err != nil {
			return nil, fmt.Errorf("%s: row %d: %w", path, line, err)
		}
		cells = append(cells, c)
	}
}

// readDHIS2 reads a dataValueSet laid out by DHIS2 metadata.
func (s *Spec) readDHIS2(l *inputLog) (*dhis2.Input, error) {
	d := s.Input.DHIS2
	f, err := l.open("dhis2 metadata", d.Metadata)
	if err != nil {
		return nil, err
	}
	m, err := dhis2.ReadMetadata(f, d.Metadata)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	vals, format, err := readValues(l, "input", s.Input.DataValues)
	if err != nil {
		return nil, err
	}
	scheme, _ := dhis2.ParseIDScheme(d.IDScheme)
	return m.Load(vals, d.DataElement, scheme, format, s.Input.DataValues)
}

// readValues reads a dataValueSet file.
func readValues(l *inputLog, role, path string) ([]dhis2.DataValue, dhis2.Format, error) {
	format, err := dhis2.FormatOf(path)
	if err != nil {
		return nil, 0, err
	}
	f, err := l.open(role, path)
	if err != nil {
		return nil, 0, err
	}
	vals, err := dhis2.ReadDataValueSet(f, format, path)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return vals, format, err
}

// readPopulation reads the spec's population file, or the embedded one.
func (s *Spec) readPopulation(l *inputLog) (report.Population, error) {
	if s.Input.Population == "" {
		return report.EmbeddedPopulation()
	}
	f, err := l.open("population", s.Input.Population)
	if err != nil {
		return nil, err
	}
	pop, err := report.ReadPopulation(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, withFile(s.Input.Population, err)
	}
	return pop, nil
}
