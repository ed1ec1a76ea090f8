package benchmarks

import (
	"encoding/csv"
	"io"
)

// lineWriter builds CSV records field by field.
type lineWriter struct {
	w   *csv.Writer
	rec []string
}

func newLineWriter(w io.Writer) *lineWriter { return &lineWriter{w: csv.NewWriter(w)} }

func (l *lineWriter) field(s string) { l.rec = append(l.rec, s) }

func (l *lineWriter) end() {
	_ = l.w.Write(l.rec) // the error is kept by the csv.Writer and returned by flush
	l.rec = l.rec[:0]
}

func (l *lineWriter) flush() error {
	l.w.Flush()
	return l.w.Error()
}
