package sdc_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/tabsdc/tabsdc/sdc"
)

func ExampleNewDimension() {
	// Codes may come in any order; children keep their relative order.
	geo, err := sdc.NewDimension("geo",
		[]string{"NO", "03", "0301", "11", "1101", "1151"},
		[]string{"", "NO", "03", "NO", "11", "11"})
	if err != nil {
		panic(err)
	}
	for i := 0; i < geo.Len(); i++ {
		lo, hi := geo.LeafRange(i)
		fmt.Printf("%d %s%-4s subtree %d, leaves [%d,%d), same as %s\n",
			i, strings.Repeat("  ", geo.Depth(i)), geo.Code(i), geo.SubtreeSize(i), lo, hi, geo.Code(geo.Same(i)))
	}
	_, err = sdc.NewDimension("geo", []string{"NO", "03", "0301"}, []string{"", "NO", "3"})
	fmt.Println(err)
	// Output:
	// 0 NO   subtree 6, leaves [0,3), same as NO
	// 1   03   subtree 2, leaves [0,1), same as 0301
	// 2     0301 subtree 1, leaves [0,1), same as 0301
	// 3   11   subtree 3, leaves [1,3), same as 11
	// 4     1101 subtree 1, leaves [1,2), same as 1101
	// 5     1151 subtree 1, leaves [2,3), same as 1151
	// dimension "geo": code "0301" has unknown parent "3"
}

func ExampleNewFlat() {
	sex, err := sdc.NewFlat("sex", []string{"M", "F"})
	if err != nil {
		panic(err)
	}
	fmt.Println(sex.Len(), sex.NumLeaves(), sex.Code(0), sex.Children(0))
	// Output: 3 2 Total [1 2]
}

func ExampleReadHierarchy() {
	in := "code,parent\nNO,\n03,NO\n0301,03\n11,NO\n1101,11\n1151,11\n"
	geo, err := sdc.ReadHierarchy("geo", strings.NewReader(in))
	if err != nil {
		panic(err)
	}
	n, _ := geo.Index("11")
	for _, k := range geo.Children(n) {
		fmt.Print(geo.Code(k), " ")
	}
	fmt.Println(geo.MaxDepth())
	// Output: 1101 1151 2
}

func ExampleReadCells() {
	geo, err := sdc.ReadHierarchy("geo", strings.NewReader("code,parent\nNO,\n03,NO\n0301,03\n11,NO\n1101,11\n1151,11\n"))
	if err != nil {
		panic(err)
	}
	cells := "geo,sex,freq\n0301,M,12\n0301,F,9\n1101,F,4\n1151,M,1\n"
	// sex has no hierarchy: it is flat, with the codes found in the data.
	tab, err := sdc.ReadCells(strings.NewReader(cells),
		[]sdc.DimSpec{{Name: "geo", Dim: geo}, {Name: "sex"}}, sdc.CellsOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(tab.NumCells(), "cells,", tab.NumInner(), "inner")
	for _, codes := range [][]string{{"NO", "Total"}, {"11", "Total"}, {"11", "M"}, {"1101", "M"}} {
		c, _ := tab.CellOf(codes...)
		fmt.Println(tab.Label(c), tab.Freq(c))
	}

	_, err = sdc.ReadCells(strings.NewReader("geo,sex,freq\n0301,M,12\n11,F,4\n"),
		[]sdc.DimSpec{{Name: "geo", Dim: geo}, {Name: "sex"}}, sdc.CellsOptions{})
	fmt.Println(err)
	// Output:
	// 18 cells, 6 inner
	// NO×Total 26
	// 11×Total 5
	// 11×M 1
	// 1101×M 0
	// row 3: geo code "11" is a total, not a leaf (rows must be inner cells unless totals are allowed)
}

func ExampleReadRecords() {
	records := "service,provider,amount\nlab,P1,100\nlab,P1,50\nlab,P2,30\nxray,P2,20\n"
	tab, err := sdc.ReadRecords(strings.NewReader(records), []sdc.DimSpec{{Name: "service"}},
		sdc.RecordsOptions{Value: "amount", Contributor: "provider", TopK: 2})
	if err != nil {
		panic(err)
	}
	for c := 0; c < tab.NumCells(); c++ {
		fmt.Printf("%-5s records %d, sum %g, contributors %d, largest %g and %g\n",
			tab.Label(c), tab.Freq(c), tab.Value(c), tab.Contributors(c), tab.Top(c, 0), tab.Top(c, 1))
	}
	// Output:
	// Total records 4, sum 200, contributors 2, largest 150 and 50
	// lab   records 3, sum 180, contributors 2, largest 150 and 30
	// xray  records 1, sum 20, contributors 1, largest 20 and 0
}

func ExampleTable_Children() {
	geo, _ := sdc.ReadHierarchy("geo", strings.NewReader("code,parent\nNO,\n03,NO\n0301,03\n11,NO\n1101,11\n1151,11\n"))
	tab, _ := sdc.ReadCells(strings.NewReader("geo,sex,freq\n0301,M,12\n0301,F,9\n1101,F,4\n1151,M,1\n"),
		[]sdc.DimSpec{{Name: "geo", Dim: geo}, {Name: "sex"}}, sdc.CellsOptions{})
	c, _ := tab.CellOf("NO", "F")
	// Along geo, NO×F is the sum of the counties; along sex it has no children.
	for _, k := range tab.Children(c, 0) {
		fmt.Print(tab.Label(k), "=", tab.Freq(k), " ")
	}
	fmt.Printf("sum to %s=%d\n", tab.Label(c), tab.Freq(c))
	fmt.Println(len(tab.Children(c, 1)))
	// Output:
	// 03×F=9 11×F=4 sum to NO×F=13
	// 0
}

func ExampleTable_ForEachInner() {
	sex, _ := sdc.NewFlat("sex", []string{"M", "F"})
	age, _ := sdc.NewFlat("age", []string{"young", "old"})
	b, _ := sdc.NewBuilder(sex, age)
	tab, _ := b.Build()
	c, _ := tab.CellOf("Total", "old")
	tab.ForEachInner(c, func(k int) { fmt.Print(k, ":", tab.Label(tab.InnerCell(k)), " ") })
	fmt.Println()
	// Output: 1:M×old 3:F×old
}

func ExampleWritePublished() {
	tab, _ := sdc.ReadCells(strings.NewReader("sex,freq\nM,3\nF,40\n"), []sdc.DimSpec{{Name: "sex"}}, sdc.CellsOptions{})
	r := sdc.NewRelease(tab)
	m, _ := tab.CellOf("M")
	f, _ := tab.CellOf("F")
	r.Set(m, sdc.Primary, "frequency 3 < 5")
	r.Set(f, sdc.Secondary, "protects M")
	if err := sdc.WritePublished(os.Stdout, r, sdc.WriteOptions{}); err != nil {
		panic(err)
	}
	// Output:
	// sex,freq,status
	// Total,43,published
	// F,,suppressed
	// M,,suppressed
}
