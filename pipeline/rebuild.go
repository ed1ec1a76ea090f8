package pipeline

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/tabsdc/tabsdc/report"
	"github.com/tabsdc/tabsdc/sdc"
)

// Rebuild reads an earlier run's summary (summaryPath) and internal file
// (internalPath) back into the summary and the release they describe, so
// that its report can be written again: the table is read again from the
// run's inputs, which must be the files the run read (their SHA-256 is
// checked against the summary's), and the internal file gives every
// cell's status, reason, published value and interval.
func Rebuild(summaryPath, internalPath string) (*report.Summary, *sdc.Release, report.Population, error) {
	raw, err := os.ReadFile(summaryPath)
	if err != nil {
		return nil, nil, nil, err
	}
	var sum report.Summary
	if err := json.Unmarshal(raw, &sum); err != nil {
		return nil, nil, nil, fmt.Errorf("%s: not a tabsdc summary: %w", summaryPath, err)
	}
	specJSON, err := json.Marshal(sum.Spec)
	if err != nil || sum.Spec == nil {
		return nil, nil, nil, fmt.Errorf("%s: the summary holds no spec (a summary of tabsdc 0.x before provenance?)", summaryPath)
	}
	var spec Spec
	if err := json.Unmarshal(specJSON, &spec); err != nil {
		return nil, nil, nil, fmt.Errorf("%s: spec: %w", summaryPath, err)
	}
	sum.Spec = &spec
	if len(spec.Tables) > 0 {
		return nil, nil, nil, fmt.Errorf("%s: a run of linked tables: rebuild the report of each table from its own files is not supported", summaryPath)
	}
	log := &inputLog{}
	t, err := spec.readTable(log)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("reading the run's input again: %w", err)
	}
	was := map[string]string{}
	for _, in := range sum.Inputs {
		was[in.Path] = in.SHA256
	}
	for _, in := range log.files {
		if h, ok := was[in.Path]; ok && h != in.SHA256 {
			return nil, nil, nil, fmt.Errorf("%s has changed since the run (SHA-256 %s, the summary says %s): the report would not be of the released table", in.Path, in.SHA256, h)
		}
	}
	f, err := os.Open(internalPath)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	rel, err := readInternal(f, t)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", internalPath, err)
	}
	pop, err := spec.readPopulation(log)
	if err != nil {
		return nil, nil, nil, err
	}
	return &sum, rel, pop, nil
}

// readInternal reads an internal file (sdc.WriteInternal) of table t.
func readInternal(r io.Reader, t *sdc.Table) (*sdc.Release, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("no header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	for d := 0; d < t.NumDims(); d++ {
		if _, ok := col[t.Dim(d).Name()]; !ok {
			return nil, fmt.Errorf("no column %q", t.Dim(d).Name())
		}
	}
	if _, ok := col["status"]; !ok {
		return nil, errors.New(`no column "status"`)
	}
	rel := sdc.NewRelease(t)
	var values []int64
	if _, ok := col["published"]; ok {
		values = make([]int64, t.NumCells())
	}
	method := sdc.Rounded
	seen := make([]bool, t.NumCells())
	codes := make([]string, t.NumDims())
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			return nil, fmt.Errorf("row %d: %d fields for %d columns", line, len(rec), len(header))
		}
		for d := range codes {
			codes[d] = rec[col[t.Dim(d).Name()]]
		}
		c, err := t.CellOf(codes...)
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", line, err)
		}
		if seen[c] {
			return nil, fmt.Errorf("row %d: cell %s twice", line, t.Label(c))
		}
		seen[c] = true
		st, err := sdc.ParseStatus(rec[col["status"]])
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", line, err)
		}
		reason := ""
		if i, ok := col["reason"]; ok {
			reason = rec[i]
		}
		rel.Set(c, st, reason)
		if st == sdc.Perturbed {
			method = sdc.Perturbed
		}
		if values != nil {
			if s := rec[col["published"]]; s != "" {
				if values[c], err = strconv.ParseInt(s, 10, 64); err != nil {
					return nil, fmt.Errorf("row %d: published %q: %w", line, s, err)
				}
			}
		}
		li, lok := col["lower"]
		ui, uok := col["upper"]
		if lok && uok && rec[li] != "" && rec[ui] != "" {
			lo, err1 := strconv.ParseFloat(rec[li], 64)
			hi, err2 := parseUpper(rec[ui])
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("row %d: interval [%s, %s] is not numeric", line, rec[li], rec[ui])
			}
			kind := sdc.IntervalExact
			if ki, ok := col["interval"]; ok {
				for _, k := range []sdc.IntervalKind{sdc.IntervalExact, sdc.IntervalProven, sdc.IntervalOuter, sdc.IntervalConfidence} {
					if k.String() == rec[ki] {
						kind = k
					}
				}
			}
			rel.SetInterval(c, sdc.Interval{Lower: lo, Upper: hi}, kind)
		}
	}
	for c, ok := range seen {
		if !ok {
			return nil, fmt.Errorf("cell %s is missing", t.Label(c))
		}
	}
	if values != nil {
		if err := rel.SetValues(values, method); err != nil {
			return nil, err
		}
	}
	return rel, nil
}

func parseUpper(s string) (float64, error) {
	switch strings.ToLower(s) {
	case "inf", "+inf", "∞":
		return math.Inf(1), nil
	}
	return strconv.ParseFloat(s, 64)
}
