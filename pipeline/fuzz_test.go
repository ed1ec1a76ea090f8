package pipeline_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/tabsdc/tabsdc/pipeline"
	"github.com/tabsdc/tabsdc/sdc"
)

var cellListErrRE = regexp.MustCompile(`^list\.csv: (empty file$|row \d+: \S|record on line \d+|parse error)`)

// FuzzReadCellList: the reader of --suppress-cells and --publish-cells
// lists. Every error names the file (and the row, where there is one); every
// cell read is a cell of the table, named by the row's codes.
func FuzzReadCellList(f *testing.F) {
	for _, s := range []string{
		"geo,sex\n1101,M\n11,Total\nNO,F\n",
		"\uFEFFsex,geo\r\nF,1103\r\n",
		"geo,sex\n9999,M\n",
		"geo,sex\n1101,M\x00\n",
		"geo,sex\n1101\n",
		"geo\n1101\n",
		"geo,sex\n\"1101,M\n",
		"",
	} {
		f.Add(s)
	}
	geo, err := sdc.NewDimension("geo", []string{"NO", "11", "1101", "1103"}, []string{"", "NO", "11", "11"})
	if err != nil {
		f.Fatal(err)
	}
	sex, err := sdc.NewFlat("sex", []string{"M", "F"})
	if err != nil {
		f.Fatal(err)
	}
	b, err := sdc.NewBuilder(geo, sex)
	if err != nil {
		f.Fatal(err)
	}
	tab, err := b.Build()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in string) {
		cells, err := pipeline.ParseCellList("list.csv", strings.NewReader(in), tab)
		if err != nil {
			if !cellListErrRE.MatchString(err.Error()) {
				t.Fatalf("error without the file or row: %q", err)
			}
			return
		}
		for _, c := range cells {
			if c < 0 || c >= tab.NumCells() {
				t.Fatalf("cell %d out of range", c)
			}
		}
	})
}

// FuzzParseSpec: a spec is parsed or refused with an error naming the
// file; a spec parsed is valid (Validate accepts it again) and has an
// input, a dimension, a method and a published output.
func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{
		"input: {cells: c.csv, dims: [{name: geo, file: g.csv}, {name: sex}]}\nrules: {max_n: 4}\noutputs: {published: p.csv}\n",
		"input:\n  cells: c.csv\n  dims:\n    - name: sex\n      codes: [M, F]\nmethod: {name: small-count, base: 3}\noutputs: {published: p.csv}\n",
		"input: {cells: c.csv, dims: [{name: a}]}\nrules: {max_n: 4}\nmethod: {name: gauss, exact_only: true, full_audit: true}\noutputs: {published: p.csv}\n",
		"input: {cells: c.csv, dims: [{name: a}]}\nrules: {maxn: 4}\n",
		"--- a\n--- b\n",
		"",
		"input: [1, 2]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := pipeline.ParseSpec(strings.NewReader(in), "spec.yaml")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "spec.yaml") {
				t.Fatalf("error without the file: %q", err)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("parsed, then refused: %v", err)
		}
		if len(s.Input.Dims) == 0 || s.Method.Name == "" || s.Outputs.Published == "" {
			t.Fatalf("parsed without input, method or output: %+v", s)
		}
	})
}
