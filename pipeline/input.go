package pipeline

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tabsdc/tabsdc/report"
	"github.com/tabsdc/tabsdc/sdc"
)

// InputPaths lists the files the spec reads, each with its role (for
// errors and the summary): the input, hierarchy files, cell lists.
func (s *Spec) InputPaths() []report.InputFile {
	var out []report.InputFile
	if s.Input.Cells != "" {
		out = append(out, report.InputFile{Role: "input", Path: s.Input.Cells})
	} else {
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
func (s *Spec) readTable() (*sdc.Table, error) {
	specs := make([]sdc.DimSpec, 0, len(s.Input.Dims))
	for _, d := range s.Input.Dims {
		spec := sdc.DimSpec{Name: d.Name}
		switch {
		case d.File != "":
			f, err := os.Open(d.File)
			if err != nil {
				return nil, fmt.Errorf("dimension %s: %w", d.Name, err)
			}
			spec.Dim, err = sdc.ReadHierarchy(d.Name, f)
			f.Close()
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
	path := s.Input.Cells
	if path == "" {
		path = s.Input.Records
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var t *sdc.Table
	if s.Input.Records != "" {
		t, err = sdc.ReadRecords(f, specs, sdc.RecordsOptions{Value: s.Input.Value, Contributor: s.Input.Contributor})
	} else {
		t, err = sdc.ReadCells(f, specs, sdc.CellsOptions{Count: s.Input.Count, Totals: s.Input.Totals})
	}
	if err != nil {
		return nil, withFile(path, err)
	}
	return t, nil
}

// hashFiles fills in the SHA-256 of each file.
func hashFiles(files []report.InputFile) ([]report.InputFile, error) {
	for i := range files {
		f, err := os.Open(files[i].Path)
		if err != nil {
			return nil, err
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", files[i].Path, err)
		}
		files[i].SHA256 = hex.EncodeToString(h.Sum(nil))
	}
	return files, nil
}

// ReadCellList reads a CSV list of cells of t, a column per dimension
// (codes of leaves or totals), as used for manual suppression and
// publication; path names it in errors.
func ReadCellList(path string, t *sdc.Table) ([]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseCellList(path, f, t)
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
