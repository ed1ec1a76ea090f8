package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/tabsdc/tabsdc/pipeline"
	"github.com/tabsdc/tabsdc/sdc"
)

// dimFlags collects repeated --dim NAME[=FILE] options.
type dimFlags []string

func (d *dimFlags) String() string { return strings.Join(*d, " ") }

func (d *dimFlags) Set(v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("empty dimension")
	}
	*d = append(*d, v)
	return nil
}

// inputFlags are the options every verb shares for reading the table.
type inputFlags struct {
	input       string
	dims        dimFlags
	freq        string
	totals      bool
	records     bool
	value       string
	contributor string
	decimals    int
	// DHIS2 input: --format dhis2 --dhis2-metadata FILE --input values.json|.csv
	format, metadata, dataElement, idScheme string
	population                              string
}

func (in *inputFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&in.input, "input", "", "CSV file of inner cells (a column per dimension and a count column), or of records with --records (required)")
	fs.Var(&in.dims, "dim", "a dimension, repeated in order: NAME=FILE for a hierarchy of code,parent rows; NAME:CODE,CODE,… for a flat one with declared codes (any other code in the input is an error); NAME alone for a flat one whose codes come from the data (total \"Total\")")
	fs.StringVar(&in.freq, "freq", "freq", "name of the count column")
	fs.BoolVar(&in.totals, "totals", false, "the input may also hold totals; they are checked against the sums of the inner cells")
	fs.BoolVar(&in.records, "records", false, "the input holds one row per record (unit) instead of one per inner cell")
	fs.StringVar(&in.value, "value", "", "with --records: the column of each record's value (a magnitude table)")
	fs.IntVar(&in.decimals, "decimals", 0, "with --value: the number of decimal places of the values (more is an error naming the row); 0: as many as the data has, at most 9. Values are summed exactly and published digit for digit, never in exponent notation")
	fs.StringVar(&in.contributor, "contributor", "", "with --records: the column of the contributor id (for contributor, dominance and p% rules)")
	fs.StringVar(&in.population, "population", "", "CSV of code,population for the municipality size classes of the summary and the reports (default: Norway's municipalities, 2024, embedded)")
	fs.StringVar(&in.format, "format", "csv", "csv (cells or --records with --dim) or dhis2: --input is then a DHIS2 dataValueSet (.json or .csv) and the dimensions come from --dhis2-metadata")
	fs.StringVar(&in.metadata, "dhis2-metadata", "", "with --format dhis2: the DHIS2 metadata export (/api/metadata JSON: organisationUnits, categories, categoryOptions, categoryCombos, categoryOptionCombos, dataElements)")
	fs.StringVar(&in.dataElement, "dhis2-data-element", "", "with --format dhis2: the data element (UID or code) when the dataValueSet holds several")
	fs.StringVar(&in.idScheme, "id-scheme", "code", "with --format dhis2: name org units, categories and options in the table and the output by code (kommunenummer) or uid")
}

// dimArg is one --dim option, parsed.
type dimArg struct {
	name  string
	file  string   // NAME=FILE: a hierarchy
	codes []string // NAME:CODE,CODE: a flat dimension with declared codes
}

// parseDim parses NAME, NAME=FILE or NAME:CODE,CODE,… (whichever of = and
// : comes first decides).
func parseDim(arg string) (dimArg, error) {
	eq, colon := strings.IndexByte(arg, '='), strings.IndexByte(arg, ':')
	var d dimArg
	switch {
	case colon >= 0 && (eq < 0 || colon < eq):
		d.name = strings.TrimSpace(arg[:colon])
		list := arg[colon+1:]
		if strings.TrimSpace(list) == "" {
			return d, usagef("--dim %q: no codes after the colon (want NAME:CODE,CODE,…)", arg)
		}
		seen := map[string]bool{}
		for _, c := range strings.Split(list, ",") {
			c = strings.TrimSpace(c)
			switch {
			case c == "":
				return d, usagef("--dim %q: an empty code in the list", arg)
			case c == sdc.TotalCode:
				return d, usagef("--dim %q: %q is the code of the total, not a category", arg, c)
			case seen[c]:
				return d, usagef("--dim %q: code %q given twice", arg, c)
			}
			if err := sdc.CheckCode(c); err != nil {
				return d, usagef("--dim %q: %v", arg, err)
			}
			seen[c] = true
			d.codes = append(d.codes, c)
		}
	case eq >= 0:
		d.name, d.file = strings.TrimSpace(arg[:eq]), arg[eq+1:]
		if strings.TrimSpace(d.file) == "" {
			return d, usagef("--dim %q: no file after the = sign", arg)
		}
	default:
		d.name = strings.TrimSpace(arg)
	}
	if d.name == "" {
		return d, usagef("--dim %q: empty name", arg)
	}
	if err := sdc.CheckCode(d.name); err != nil {
		return d, usagef("--dim %q: the name: %v", arg, err)
	}
	return d, nil
}

// check validates the input options without reading anything.
func (in *inputFlags) check() error {
	if in.input == "" {
		return usagef("--input is required")
	}
	switch in.format {
	case "csv":
		if in.metadata != "" || in.dataElement != "" {
			return usagef("--dhis2-metadata and --dhis2-data-element go with --format dhis2")
		}
	case "dhis2":
		switch {
		case in.metadata == "":
			return usagef("--format dhis2 needs --dhis2-metadata (the metadata export the dimensions come from)")
		case len(in.dims) > 0:
			return usagef("--format dhis2 takes the dimensions from --dhis2-metadata: give no --dim")
		case in.records || in.value != "" || in.contributor != "" || in.totals:
			return usagef("--format dhis2 reads a dataValueSet of counts: --records, --value, --contributor and --totals do not go with it")
		}
		return nil
	default:
		return usagef("--format %q: want csv or dhis2", in.format)
	}
	if !in.records && (in.value != "" || in.contributor != "") {
		return usagef("--value and --contributor go with --records")
	}
	if in.records && in.totals {
		return usagef("--totals goes with cells, not with --records")
	}
	if len(in.dims) == 0 {
		return usagef("no --dim given: name every dimension column of the input")
	}
	names := map[string]bool{}
	for _, arg := range in.dims {
		d, err := parseDim(arg)
		if err != nil {
			return err
		}
		if names[d.name] {
			return usagef("--dim %s given twice", d.name)
		}
		names[d.name] = true
	}
	return nil
}

// paths lists the input files the options name.
func (in *inputFlags) paths() []pathArg {
	out := []pathArg{{"--input", in.input}}
	if in.metadata != "" {
		out = append(out, pathArg{"--dhis2-metadata", in.metadata})
	}
	if in.population != "" {
		out = append(out, pathArg{"--population", in.population})
	}
	for _, arg := range in.dims {
		if d, err := parseDim(arg); err == nil && d.file != "" {
			out = append(out, pathArg{"--dim " + d.name, d.file})
		}
	}
	return out
}

// spec builds the input part of a spec from the flags (check them first).
func (in *inputFlags) spec() (pipeline.Input, error) {
	if in.format == "dhis2" {
		return pipeline.Input{Format: "dhis2", DataValues: in.input, Population: in.population, DHIS2: &pipeline.DHIS2Input{Metadata: in.metadata, DataElement: in.dataElement, IDScheme: in.idScheme}}, nil
	}
	s := pipeline.Input{Totals: in.totals, Value: in.value, Contributor: in.contributor, Decimals: in.decimals, Population: in.population}
	if in.records {
		s.Records = in.input
	} else {
		s.Cells, s.Count = in.input, in.freq
	}
	for _, arg := range in.dims {
		d, err := parseDim(arg)
		if err != nil {
			return s, err
		}
		s.Dims = append(s.Dims, pipeline.Dim{Name: d.name, File: d.file, Codes: d.codes})
	}
	return s, nil
}
