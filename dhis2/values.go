package dhis2

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Format is a dataValueSet's format.
type Format int

// The formats.
const (
	JSON Format = iota
	CSV
)

// FormatOf returns the format of a file by its extension (.json or .csv).
func FormatOf(path string) (Format, error) {
	switch {
	case strings.HasSuffix(strings.ToLower(path), ".json"):
		return JSON, nil
	case strings.HasSuffix(strings.ToLower(path), ".csv"):
		return CSV, nil
	}
	return 0, fmt.Errorf("%s: a dataValueSet is .json or .csv", path)
}

// DataValue is one value of a dataValueSet, as written (IDs by UID or
// code, the period as given).
type DataValue struct {
	DataElement, Period, OrgUnit, COC, AOC string
	Value                                  string
	HasValue                               bool // false: the value was left out (a delete)
	Comment                                string
	Deleted                                bool
	// Pos is the value's position: its line in a CSV file, its index in
	// dataValues (from 1) in a JSON one.
	Pos int
}

// ValueError is an error in one value of a dataValueSet.
type ValueError struct {
	File   string
	Format Format
	Pos    int
	Field  string
	Err    error
}

func (e *ValueError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File + ": ")
	}
	if e.Format == CSV {
		fmt.Fprintf(&b, "row %d", e.Pos)
	} else {
		fmt.Fprintf(&b, "dataValues[%d]", e.Pos-1)
	}
	if e.Field != "" {
		b.WriteString(" " + e.Field)
	}
	return b.String() + ": " + e.Err.Error()
}

func (e *ValueError) Unwrap() error { return e.Err }

// jsonValue is a value as JSON has it: value and comment may be strings or
// numbers.
type jsonValue struct {
	DataElement         string          `json:"dataElement"`
	Period              string          `json:"period"`
	OrgUnit             string          `json:"orgUnit"`
	CategoryOptionCombo json.RawMessage `json:"categoryOptionCombo"`
	AttributeOptionCmb  string          `json:"attributeOptionCombo"`
	Value               json.RawMessage `json:"value"`
	Comment             string          `json:"comment"`
	Deleted             bool            `json:"deleted"`
}

type jsonSet struct {
	DataSet              string      `json:"dataSet"`
	Period               string      `json:"period"`
	OrgUnit              string      `json:"orgUnit"`
	AttributeOptionCombo string      `json:"attributeOptionCombo"`
	DataValues           []jsonValue `json:"dataValues"`
}

// ReadDataValueSet reads a dataValueSet; file names it in errors.
func ReadDataValueSet(r io.Reader, f Format, file string) ([]DataValue, error) {
	if f == CSV {
		return readCSV(r, file)
	}
	return readJSON(r, file)
}

func readJSON(r io.Reader, file string) ([]DataValue, error) {
	var set jsonSet
	dec := json.NewDecoder(io.LimitReader(r, 1<<31))
	if err := dec.Decode(&set); err != nil {
		return nil, fmt.Errorf("%s: not a dataValueSet: %w", file, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: more than one JSON value", file)
	}
	out := make([]DataValue, 0, len(set.DataValues))
	for i, v := range set.DataValues {
		dv := DataValue{DataElement: v.DataElement, Period: v.Period, OrgUnit: v.OrgUnit, AOC: v.AttributeOptionCmb, Comment: v.Comment, Deleted: v.Deleted, Pos: i + 1}
		if dv.Period == "" {
			dv.Period = set.Period
		}
		if dv.OrgUnit == "" {
			dv.OrgUnit = set.OrgUnit
		}
		if dv.AOC == "" {
			dv.AOC = set.AttributeOptionCombo
		}
		bad := func(field string, err error) error {
			return &ValueError{File: file, Format: JSON, Pos: i + 1, Field: field, Err: err}
		}
		if len(v.CategoryOptionCombo) > 0 && string(v.CategoryOptionCombo) != "null" {
			if err := json.Unmarshal(v.CategoryOptionCombo, &dv.COC); err != nil {
				return nil, bad("categoryOptionCombo", errors.New("not a UID or code (the 2.43 form of a combo as an object of options is not read)"))
			}
		}
		if len(v.Value) > 0 && string(v.Value) != "null" {
			var s string
			if err := json.Unmarshal(v.Value, &s); err != nil {
				var n json.Number
				if err := json.Unmarshal(v.Value, &n); err != nil {
					return nil, bad("value", errors.New("not a string or a number"))
				}
				s = n.String()
			}
			dv.Value, dv.HasValue = s, true
		}
		out = append(out, dv)
	}
	return out, nil
}

// csvColumns are the columns DHIS2 reads, by lower-case header name.
var csvColumns = map[string]string{
	"dataelement": "dataelement", "period": "period", "orgunit": "orgunit",
	"categoryoptioncombo": "categoryoptioncombo", "attributeoptioncombo": "attributeoptioncombo",
	"value": "value", "comment": "comment", "deleted": "deleted",
}

func readCSV(r io.Reader, file string) ([]DataValue, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\uFEFF" {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: empty file (a dataValueSet in CSV needs a header row)", file)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	col := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if _, ok := csvColumns[name]; !ok {
			continue
		}
		if _, dup := col[name]; dup {
			return nil, fmt.Errorf("%s: row 1: column %q twice", file, h)
		}
		col[name] = i
	}
	for _, need := range []string{"dataelement", "period", "orgunit", "value"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("%s: row 1: no column %q (a header row with dataelement, period, orgunit, categoryoptioncombo, attributeoptioncombo, value is required)", file, need)
		}
	}
	var out []DataValue
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		line, _ := cr.FieldPos(0)
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if len(rec) < len(header) {
			return nil, &ValueError{File: file, Format: CSV, Pos: line, Err: fmt.Errorf("%d fields for %d columns", len(rec), len(header))}
		}
		dv := DataValue{DataElement: get("dataelement"), Period: get("period"), OrgUnit: get("orgunit"),
			COC: get("categoryoptioncombo"), AOC: get("attributeoptioncombo"), Value: get("value"), Comment: get("comment"), Pos: line}
		dv.HasValue = dv.Value != ""
		dv.Deleted = strings.EqualFold(get("deleted"), "true")
		out = append(out, dv)
	}
	return out, nil
}
