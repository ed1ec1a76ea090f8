package sdc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// WriteOptions names the value columns of output files.
type WriteOptions struct {
	// Count is the name of the count column; "" means "freq".
	Count string
	// Value is the name of the magnitude column of a magnitude table; ""
	// means "value".
	Value string
}

func (o WriteOptions) names() (string, string) {
	c, v := o.Count, o.Value
	if c == "" {
		c = "freq"
	}
	if v == "" {
		v = "value"
	}
	return c, v
}

// WritePublished writes the publishable file: every cell, its codes, its
// published count (and sum, for a magnitude table) and its public status
// (Release.PublicStatus). The value fields of a withheld cell are empty: the
// file never holds the value of a suppressed cell, and a rounded or perturbed
// release does not say which cells changed.
func WritePublished(w io.Writer, r *Release, opt WriteOptions) error {
	p := r.Public() // the writer sees the published view only
	t := p.Table()
	cn, vn := opt.names()
	bw := bufio.NewWriterSize(w, 1<<16)
	cw := newCSVLineWriter(bw)
	header := make([]string, 0, t.NumDims()+3)
	for _, d := range t.dims {
		header = append(header, d.Name())
	}
	if p.HasCounts() {
		header = append(header, cn)
	}
	if t.HasMagnitude() {
		header = append(header, vn)
	}
	header = append(header, "status")
	cw.write(header...)
	rec := make([]string, len(header))
	var num []byte
	for c := 0; c < t.NumCells(); c++ {
		rec = t.codesInto(c, rec)
		k := t.NumDims()
		if p.HasCounts() {
			rec[k] = ""
			if v, ok := p.Count(c); ok {
				num = strconv.AppendInt(num[:0], v, 10)
				rec[k] = string(num)
			}
			k++
		}
		if t.HasMagnitude() {
			rec[k] = ""
			if v, ok := p.SumText(c); ok {
				rec[k] = v
			}
			k++
		}
		rec[k] = p.Status(c).String()
		cw.write(rec...)
	}
	if cw.err != nil {
		return cw.err
	}
	return bw.Flush()
}

// WriteInternal writes the officer's file: every cell with its true count
// (and sum and contributors, for a magnitude table), status, reason, the
// published value when the release changes values, and the attacker's
// interval (lower, upper) where one was computed, with its kind
// (interval: exact, proven — the attacker's interval contains it — or
// outer — the attacker's interval lies within it). It holds confidential
// values: never publish it. It starts with the release's notes
// (Release.SetNotes), each on a line of its own after "# ", before the
// header; ReadPattern skips them.
func WriteInternal(w io.Writer, r *Release, opt WriteOptions) error {
	t := r.t
	cn, vn := opt.names()
	bw := bufio.NewWriterSize(w, 1<<16)
	cw := newCSVLineWriter(bw)
	header := make([]string, 0, t.NumDims()+8)
	for _, d := range t.dims {
		header = append(header, d.Name())
	}
	header = append(header, cn)
	if t.HasMagnitude() {
		header = append(header, vn, "contributors")
	}
	header = append(header, "status", "reason")
	if r.value != nil {
		header = append(header, "published", "difference")
	}
	header = append(header, "lower", "upper", "interval")
	if r.upper != nil {
		header = append(header, "upper_level", "lower_level")
	}
	if r.valueIv != nil {
		header = append(header, "value_lower", "value_upper")
	}
	for _, col := range r.columns {
		header = append(header, col.Name)
	}
	for _, n := range r.notes {
		if _, err := bw.WriteString("# " + n + "\n"); err != nil {
			return err
		}
	}
	cw.write(header...)
	rec := make([]string, len(header))
	for c := 0; c < t.NumCells(); c++ {
		rec = t.codesInto(c, rec)
		k := t.NumDims()
		rec[k] = strconv.FormatInt(t.Freq(c), 10)
		k++
		if t.HasMagnitude() {
			rec[k] = t.ValueText(c)
			rec[k+1] = strconv.Itoa(t.Contributors(c))
			k += 2
		}
		rec[k], rec[k+1] = r.status[c].String(), r.Reason(c)
		k += 2
		if r.value != nil {
			if v, ok := r.Value(c); ok {
				rec[k], rec[k+1] = strconv.FormatInt(v, 10), strconv.FormatInt(v-t.Freq(c), 10)
			} else {
				rec[k], rec[k+1] = "", ""
			}
			k += 2
		}
		rec[k], rec[k+1], rec[k+2] = "", "", ""
		if iv, ok := r.Interval(c); ok {
			rec[k] = formatBound(iv.Lower)
			rec[k+1] = formatBound(iv.Upper)
			rec[k+2] = r.IntervalKind(c).String()
		}
		k += 3
		if r.upper != nil {
			rec[k], rec[k+1] = "", ""
			if u, l, ok := r.Levels(c); ok {
				rec[k], rec[k+1] = t.formatLevel(u), t.formatLevel(l)
			}
			k += 2
		}
		if r.valueIv != nil {
			rec[k], rec[k+1] = "", ""
			if iv, ok := r.valueIv[int32(c)]; ok {
				rec[k], rec[k+1] = t.formatUnitsBound(iv.Lower), t.formatUnitsBound(iv.Upper)
			}
			k += 2
		}
		for _, col := range r.columns {
			rec[k] = col.Field(c)
			k++
		}
		cw.write(rec...)
	}
	if cw.err != nil {
		return cw.err
	}
	return bw.Flush()
}

func formatBound(v float64) string {
	if v > 1e300 {
		return "Inf"
	}
	return strconv.FormatFloat(v, 'g', 12, 64)
}

// codesInto writes the codes of cell c into the first NumDims entries of rec.
func (t *Table) codesInto(c int, rec []string) []string {
	for d, dim := range t.dims {
		rec[d] = dim.codes[c/t.stride[d]%t.shape[d]]
	}
	return rec
}

// csvLineWriter writes CSV records, quoting only fields that need it; it is
// faster than encoding/csv for many short records and keeps the first error.
type csvLineWriter struct {
	w   *bufio.Writer
	err error
}

func newCSVLineWriter(w *bufio.Writer) *csvLineWriter { return &csvLineWriter{w: w} }

func (cw *csvLineWriter) write(fields ...string) {
	if cw.err != nil {
		return
	}
	for i, f := range fields {
		if i > 0 {
			cw.w.WriteByte(',')
		}
		if needsQuote(f) {
			cw.w.WriteByte('"')
			for j := 0; j < len(f); j++ {
				if f[j] == '"' {
					cw.w.WriteByte('"')
				}
				cw.w.WriteByte(f[j])
			}
			cw.w.WriteByte('"')
		} else {
			cw.w.WriteString(f)
		}
	}
	cw.err = cw.w.WriteByte('\n')
}

func needsQuote(f string) bool {
	if f == "" {
		return false
	}
	if f[0] == ' ' || f[len(f)-1] == ' ' {
		return true
	}
	for i := 0; i < len(f); i++ {
		switch f[i] {
		case ',', '"', '\n', '\r':
			return true
		}
	}
	return false
}

// WriteFileAtomic writes a file through fn into a temporary file in the same
// folder and renames it into place only when fn and the write succeed, so an
// error never leaves a half-written file at path.
func WriteFileAtomic(path string, fn func(io.Writer) error) error {
	return WriteFilesAtomic([]OutputFile{{Path: path, Write: fn}})
}

// PartialWriteError is a failure of WriteFilesAtomic's final renames:
// the files of Written were written (renamed into place) before Path
// failed; the others were not.
type PartialWriteError struct {
	Path    string
	Written []string
	Err     error
}

func (e *PartialWriteError) Error() string {
	if len(e.Written) == 0 {
		return fmt.Sprintf("%s: %v (no file was written)", e.Path, e.Err)
	}
	return fmt.Sprintf("%s: %v (the files before it were written: %s)", e.Path, e.Err, strings.Join(e.Written, ", "))
}

func (e *PartialWriteError) Unwrap() error { return e.Err }

// OutputFile is a file to write and the function that writes it.
type OutputFile struct {
	Path  string
	Write func(io.Writer) error
	// Private marks a file that holds confidential values (an internal
	// file, a summary): it is created with mode 0600, whatever the umask,
	// and an existing file's narrower mode is kept. Other files are created
	// 0644 less the umask, or keep the mode of the file they replace.
	Private bool
}

// WriteFilesAtomic writes every file into a temporary file beside it and,
// only when all of them succeed, renames them into place. On an error no
// output file is created or changed and no temporary file remains (a
// failure of the final renames, which are not one atomic step together, is
// reported with the files it left).
func WriteFilesAtomic(files []OutputFile) error {
	return WriteFilesAtomicContext(context.Background(), files)
}

// WriteFilesAtomicContext is WriteFilesAtomic that gives up, removing its
// temporary files and changing no output, when ctx is cancelled before the
// renames begin (an interrupted run).
func WriteFilesAtomicContext(ctx context.Context, files []OutputFile) (err error) {
	// Check every target first: a folder named as a file, or two entries
	// for one path, fail before anything is written.
	seen := make(map[string]string, len(files))
	for _, f := range files {
		if f.Path == "" {
			return fmt.Errorf("an output file has an empty path")
		}
		abs, aerr := filepath.Abs(f.Path)
		if aerr != nil {
			return fmt.Errorf("%s: %w", f.Path, aerr)
		}
		if prev, dup := seen[abs]; dup {
			return fmt.Errorf("%s and %s are the same output file", prev, f.Path)
		}
		seen[abs] = f.Path
		if fi, serr := os.Stat(f.Path); serr == nil && fi.IsDir() {
			return fmt.Errorf("%s: is a folder, not a file", f.Path)
		}
		if fi, serr := os.Stat(filepath.Dir(abs)); serr != nil {
			return fmt.Errorf("%s: folder %s: %w", f.Path, filepath.Dir(f.Path), errors.Unwrap(serr))
		} else if !fi.IsDir() {
			return fmt.Errorf("%s: %s is not a folder", f.Path, filepath.Dir(f.Path))
		}
	}
	temps := make([]string, 0, len(files))
	defer func() {
		if err != nil {
			for _, t := range temps {
				os.Remove(t)
			}
		}
	}()
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		tmp, err := writeTemp(f)
		if tmp != "" {
			temps = append(temps, tmp)
		}
		if err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dirs := map[string]bool{}
	for i, f := range files {
		if err := os.Rename(temps[i], f.Path); err != nil {
			for _, t := range temps[i:] {
				os.Remove(t)
			}
			temps = nil
			written := make([]string, i)
			for k := range written {
				written[k] = files[k].Path
			}
			return &PartialWriteError{Path: f.Path, Written: written, Err: err}
		}
		dirs[filepath.Dir(f.Path)] = true
	}
	// Make the renames durable; a folder that cannot be synced (some file
	// systems) is not an error.
	for dir := range dirs {
		if d, err := os.Open(dir); err == nil {
			_ = d.Sync()
			d.Close()
		}
	}
	return nil
}

// createTemp creates a new file beside path with the given mode (less the
// umask), under a name that starts with a dot and holds ".tmp".
func createTemp(path string, mode os.FileMode) (*os.File, error) {
	dir, base := filepath.Dir(path), filepath.Base(path)
	for range 1000 {
		name := filepath.Join(dir, "."+base+".tmp"+strconv.FormatUint(uint64(rand.Uint32()), 36))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, mode)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, fmt.Errorf("cannot create a temporary file in %s", dir)
}

func writeTemp(out OutputFile) (string, error) {
	mode := os.FileMode(0o644)
	if out.Private {
		mode = 0o600
	}
	// The file it replaces keeps its mode, but a private file is never
	// widened beyond 0600.
	keep := os.FileMode(0)
	if fi, err := os.Stat(out.Path); err == nil && fi.Mode().IsRegular() {
		keep = fi.Mode().Perm()
		if out.Private {
			keep &= 0o600
		}
	}
	f, err := createTemp(out.Path, mode)
	if err != nil {
		return "", fmt.Errorf("%s: %w", out.Path, err)
	}
	name := f.Name()
	bw := bufio.NewWriterSize(f, 1<<16)
	err = out.Write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil && keep != 0 {
		err = f.Chmod(keep)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return name, fmt.Errorf("%s: %w", out.Path, err)
	}
	return name, nil
}
