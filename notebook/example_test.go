package notebook_test

import (
	"fmt"

	"github.com/tabsdc/tabsdc/notebook"
)

// Protect table T1 (Rogaland's 23 municipalities by sex and age) and
// print the result in one line.
func ExampleProtect() {
	t, err := notebook.Table("T1")
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := notebook.Protect(t, 4)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r)
	// Output:
	// suppression (max-n 4): 576 cells, published 454, primary 77, secondary 45; audit passed (122 withheld cells, 0 disclosed, 0 under-protected)
}
