package noise

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/tabsdc/tabsdc/sdc"
)

// WritePTable writes a perturbation table in the layout the R package
// ptable exports for tau-ARGUS (pt_export, SDCtool "TauArgus"): a header
// i;j;p;v;p_int_ub, one line per entry, ";" between fields, probabilities
// with 8 decimals, each integer column right-aligned to its widest value.
// With lower set it also writes p_int_lb before p_int_ub (the "SAS"
// layout).
func WritePTable(w io.Writer, pt *PTable, lower bool) error {
	bw := bufio.NewWriter(w)
	wi, wj, wv := 1, 1, 1
	for i, row := range pt.Rows {
		for _, e := range row {
			wi = max(wi, len(strconv.Itoa(i)))
			wj = max(wj, len(strconv.Itoa(e.J)))
			wv = max(wv, len(strconv.Itoa(e.V)))
		}
	}
	header := "i;j;p;v;p_int_ub"
	if lower {
		header = "i;j;p;v;p_int_lb;p_int_ub"
	}
	fmt.Fprintln(bw, header)
	for i, row := range pt.Rows {
		for _, e := range row {
			fmt.Fprintf(bw, "%*d;%*d;%.8f;%*d;", wi, i, wj, e.J, e.P, wv, e.V)
			if lower {
				fmt.Fprintf(bw, "%.8f;", e.Lower)
			}
			fmt.Fprintf(bw, "%.8f\n", e.Upper)
		}
	}
	return bw.Flush()
}

// ReadPTable reads a perturbation table as WritePTable and ptable's
// pt_export write it: columns by name (i, j, p, v, p_int_ub; p_int_lb and
// a type of "all" allowed), separated by ";" or ",". The rows of each
// count i must follow each other with i = 0, 1, …, j = i + v rising, the
// intervals tiling [0, 1) to within 1e-7; row 0 must publish 0. D is the
// largest |v|, V the largest variance of a row, JS the largest k such that
// no count is published in 1 … k. Errors are *sdc.ParseError.
func ReadPTable(r io.Reader) (*PTable, error) {
	br := bufio.NewReader(r)
	first, err := br.Peek(4096)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	line, _, _ := strings.Cut(string(first), "\n")
	cr := csv.NewReader(br)
	cr.Comma = ';'
	if !strings.Contains(line, ";") {
		cr.Comma = ','
	}
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &sdc.ParseError{Row: 1, Err: errors.New("empty file")}
	}
	if err != nil {
		return nil, ptParseErr(err)
	}
	col := map[string]int{}
	for k, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF"))
		if _, dup := col[h]; dup {
			return nil, &sdc.ParseError{Row: 1, Column: k + 1, Err: fmt.Errorf("column %q twice", h)}
		}
		col[h] = k
	}
	for _, need := range []string{"i", "j", "p", "v", "p_int_ub"} {
		if _, ok := col[need]; !ok {
			return nil, &sdc.ParseError{Row: 1, Err: fmt.Errorf("missing column %q (a ptable for counts has i, j, p, v, p_int_ub)", need)}
		}
	}
	pt := &PTable{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, ptParseErr(err)
		}
		row, _ := cr.FieldPos(0)
		field := func(name string) (string, int) {
			k := col[name]
			return strings.TrimSpace(rec[k]), k + 1
		}
		integer := func(name string) (int, error) {
			f, c := field(name)
			x, err := strconv.Atoi(f)
			if err != nil || x < -1_000_000 || x > 1_000_000 {
				return 0, &sdc.ParseError{Row: row, Column: c, Err: fmt.Errorf("%s %q is not a whole number", name, f)}
			}
			return x, nil
		}
		number := func(name string) (float64, error) {
			f, c := field(name)
			x, err := strconv.ParseFloat(f, 64)
			if err != nil || x < 0 || x > 1 || math.IsNaN(x) {
				return 0, &sdc.ParseError{Row: row, Column: c, Err: fmt.Errorf("%s %q is not a probability", name, f)}
			}
			return x, nil
		}
		if k, ok := col["type"]; ok && strings.TrimSpace(rec[k]) != "all" {
			return nil, &sdc.ParseError{Row: row, Column: k + 1, Err: fmt.Errorf("type %q: only tables for counts (type all) are read", rec[k])}
		}
		i, err := integer("i")
		if err != nil {
			return nil, err
		}
		j, err := integer("j")
		if err != nil {
			return nil, err
		}
		v, err := integer("v")
		if err != nil {
			return nil, err
		}
		p, err := number("p")
		if err != nil {
			return nil, err
		}
		ub, err := number("p_int_ub")
		if err != nil {
			return nil, err
		}
		switch {
		case i == len(pt.Rows):
			pt.Rows = append(pt.Rows, nil)
		case i != len(pt.Rows)-1:
			return nil, &sdc.ParseError{Row: row, Column: col["i"] + 1, Err: fmt.Errorf("i %d: the rows of counts 0, 1, 2, … must follow each other (expected %d or %d)", i, max(0, len(pt.Rows)-1), len(pt.Rows))}
		}
		if j != i+v || j < 0 {
			return nil, &sdc.ParseError{Row: row, Err: fmt.Errorf("j %d is not i %d + v %d, or is negative", j, i, v)}
		}
		cur := pt.Rows[i]
		lb := 0.0
		if len(cur) > 0 {
			last := cur[len(cur)-1]
			lb = last.Upper
			if v <= last.V {
				return nil, &sdc.ParseError{Row: row, Column: col["v"] + 1, Err: fmt.Errorf("v %d does not rise within count %d", v, i)}
			}
		}
		if k, ok := col["p_int_lb"]; ok {
			x, err := number("p_int_lb")
			if err != nil {
				return nil, err
			}
			if math.Abs(x-lb) > 1e-7 {
				return nil, &sdc.ParseError{Row: row, Column: k + 1, Err: fmt.Errorf("p_int_lb %v is not the previous p_int_ub %v", x, lb)}
			}
		}
		if ub < lb || math.Abs((ub-lb)-p) > 1e-7 {
			return nil, &sdc.ParseError{Row: row, Err: fmt.Errorf("p %v is not p_int_ub %v − p_int_lb %v", p, ub, lb)}
		}
		pt.Rows[i] = append(cur, PEntry{J: j, V: v, P: ub - lb, Lower: lb, Upper: ub})
	}
	if len(pt.Rows) < 2 {
		return nil, &sdc.ParseError{Row: 1, Err: errors.New("a ptable needs rows for the counts 0 and 1 at least")}
	}
	for i, row := range pt.Rows {
		if last := row[len(row)-1]; math.Abs(last.Upper-1) > 1e-7 {
			return nil, &sdc.ParseError{Row: 1, Err: fmt.Errorf("the intervals of count %d end at %v, not 1", i, last.Upper)}
		}
		row[len(row)-1].Upper = 1
		mean, variance := 0.0, 0.0
		for _, e := range row {
			pt.D = max(pt.D, int(math.Abs(float64(e.V))))
			mean += e.P * float64(e.V)
			variance += e.P * float64(e.V) * float64(e.V)
		}
		if math.Abs(mean) > 1e-5 {
			return nil, &sdc.ParseError{Row: 1, Err: fmt.Errorf("count %d has a mean deviation of %.3g, not 0: the table is biased", i, mean)}
		}
		pt.V = max(pt.V, variance)
	}
	if r0 := pt.Rows[0]; len(r0) != 1 || r0[0].J != 0 {
		return nil, &sdc.ParseError{Row: 2, Err: errors.New("count 0 must stay 0 (one entry, j 0)")}
	}
	// JS: no count published in 1..JS, including by the last row shifted.
	pt.JS = math.MaxInt
	for _, row := range pt.Rows {
		for _, e := range row {
			if e.J >= 1 {
				pt.JS = min(pt.JS, e.J-1)
			}
		}
	}
	last := pt.Last()
	minV := pt.Rows[last][0].V
	pt.JS = min(pt.JS, last+1+minV-1)
	if last+1+minV < 0 {
		return nil, &sdc.ParseError{Row: 1, Err: fmt.Errorf("the last row (count %d, used for every larger count) has v %d: count %d would be published negative", last, minV, last+1)}
	}
	pt.JS = max(pt.JS, 0)
	return pt, nil
}

func ptParseErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &sdc.ParseError{Row: pe.StartLine, Column: pe.Column, Err: pe.Err}
	}
	return err
}
