package main

import (
	"regexp"
	"strings"
	"testing"

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
		cells, err := parseCellList("list.csv", strings.NewReader(in), tab)
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
