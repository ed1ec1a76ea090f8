package pipeline_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/tabsdc/tabsdc/pipeline"
)

// A release declared in a spec, run and written: T1's cells by
// municipality (under their county) and sex, counts 1..4 withheld and
// protected by Gauss suppression with the audit.
func ExampleRun() {
	dir, err := os.MkdirTemp("", "tabsdc-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	files := map[string]string{
		"geo.csv":   "code,parent\nNO,\n11,NO\n1101,11\n1103,11\n1106,11\n",
		"cells.csv": "geo,sex,freq\n1101,M,12\n1101,F,2\n1103,M,30\n1103,F,41\n1106,M,7\n1106,F,9\n",
		"spec.yaml": `input:
  cells: DIR/cells.csv
  dims:
    - {name: geo, file: DIR/geo.csv}
    - {name: sex}
rules: {max_n: 4}
outputs: {published: DIR/published.csv}
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.ReplaceAll(text, "DIR", dir)), 0o600); err != nil {
			log.Fatal(err)
		}
	}
	f, err := os.Open(filepath.Join(dir, "spec.yaml"))
	if err != nil {
		log.Fatal(err)
	}
	spec, err := pipeline.ParseSpec(f, "spec.yaml")
	f.Close()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	res, err := pipeline.Run(ctx, spec, pipeline.Options{})
	if err != nil {
		log.Fatal(err)
	}
	if err := res.Write(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Summary.Method)
	fmt.Println("audit passed:", res.Summary.Audit.Passed)
	out, err := os.ReadFile(filepath.Join(dir, "published.csv"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(out))
	// Output:
	// suppression (secondary: gauss)
	// audit passed: true
	// geo,sex,freq,status
	// NO,Total,101,published
	// NO,F,52,published
	// NO,M,49,published
	// 11,Total,101,published
	// 11,F,52,published
	// 11,M,49,published
	// 1101,Total,14,published
	// 1101,F,,suppressed
	// 1101,M,,suppressed
	// 1103,Total,71,published
	// 1103,F,41,published
	// 1103,M,30,published
	// 1106,Total,16,published
	// 1106,F,,suppressed
	// 1106,M,,suppressed
}
