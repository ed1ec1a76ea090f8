"""Writes the KoSy notebooks (one per kernel, the same story): kosy.ipynb
for gophernotes and kosy-gonb.ipynb for GoNB, without outputs. run.sh
executes them (and with --update keeps the executed ones)."""
import nbformat
from nbformat.v4 import new_notebook, new_code_cell, new_markdown_cell

INTRO = """# KoSy: protecting a municipal table before it goes on a dashboard

Primary-care consultations (KoSy) by municipality, sex and age group go on
every municipality's DHIS2 dashboard. In Utsira (215 residents) a count of
1 or 2 points at a person. This notebook takes table **T2** (Norway's 357
municipalities in 15 counties × sex × 7 age groups, generated from the
embedded 2024 population), protects it three ways and compares what each
way costs, especially in the smallest municipalities."""

STEPS = [
    ("md", """## 1. The table

`notebook.Table("T2")` generates the table: every inner cell (municipality ×
sex × age group) and every total (counties, the country, all ages, both
sexes)."""),
    ("code", "table"),
    ("md", """## 2. Suppression: the frequency rule, then the cells that protect it

Counts from 1 to 4 are **primary**: withheld because they are small.
Withholding them alone is not enough: a county total minus the published
municipalities would give them back. Secondary suppression (Gaussian
elimination) withholds more cells, and an attacker's linear-programming
audit checks that every withheld count still lies in an interval at least
5 wide, for anyone who reads the published table."""),
    ("code", "protect"),
    ("md", """### By county

The share of cells withheld in each county: the counties with many small
municipalities (Finnmark, Nordland) lose most."""),
    ("code", "county"),
    ("md", """### The ten smallest municipalities

Utsira and the ten smallest: how many of their 24 cells are withheld."""),
    ("code", "smallest"),
    ("md", """## 3. Small-count rounding of the same table

Instead of withholding, counts 1 and 2 are rounded to 0 or 3 and every
total is the sum of its rounded cells, so the table still adds up and
nothing is blank."""),
    ("code", "round"),
    ("md", """## 4. Differential privacy

Every count gets noise from Google's differential-privacy library (ε = 1,
each person counted once), post-processed into non-negative whole numbers
that add up. The noise is new in every run."""),
    ("code", "noise"),
    ("md", """## 5. Side by side

By municipality size: cells withheld and the mean absolute error of the
published cells. Suppression loses cells in the small municipalities;
rounding changes a few of them a little; noise changes every cell a
little, everywhere."""),
    ("code", "compare"),
]

GONB = {
    "setup": """!*go mod edit -replace github.com/tabsdc/tabsdc=${GONB_DIR}/../.. && (go get github.com/janpfeifer/gonb@v0.11.4 2>/dev/null || go get github.com/janpfeifer/gonb@v0.11.4)""",
    "globals": """import (
	"fmt"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/tabsdc/tabsdc/notebook"
	"github.com/tabsdc/tabsdc/sdc"
)

// must stops the notebook on an error.
func must(err error) {
	if err != nil {
		panic(err)
	}
}

var t2 = func() *sdc.Table { t, err := notebook.Table("T2"); must(err); return t }()""",
    "table": """%%
fmt.Printf("T2: %d publishable cells, %d inner cells, %d consultations in all\\n", t2.NumCells(), t2.NumInner(), t2.Freq(0))""",
    "protect": """func protected() *notebook.Result { r, err := notebook.Protect(t2, 4); must(err); return r }

%%
fmt.Println(protected())""",
    "county": """%%
r := protected()
svg, err := r.CountySVG()
must(err)
gonbui.DisplaySVG(svg)
gonbui.Sync() // the chart is sent before the program ends
text, err := r.ByCounty()
must(err)
fmt.Print(text)""",
    "smallest": """%%
s, err := protected().Smallest()
must(err)
fmt.Print(s)""",
    "round": """func rounded() *notebook.Result { r, err := notebook.Round(t2, 3); must(err); return r }

%%
r := rounded()
fmt.Println(r)
fmt.Print(r.BySize())""",
    "noise": """func noised() *notebook.Result { r, err := notebook.Noise(t2, 1); must(err); return r }

%%
r := noised()
fmt.Println(r)
fmt.Print(r.BySize())""",
    "compare": """%%
p, r, n := protected(), rounded(), noised()
fmt.Print(notebook.Compare(p, r, n))
gonbui.DisplaySVG(notebook.CompareSVG(p, r, n))
gonbui.Sync()""",
}

GOPHERNOTES = {
    "globals": """import (
	"fmt"

	"../../notebook"
)

// show prints a text table (and nothing else: gophernotes shows a cell's
// last value).
func show(s string, err error) {
	if err != nil {
		panic(err)
	}
	fmt.Print(s)
}""",
    "table": """t2, err := notebook.Table("T2")
if err != nil {
	panic(err)
}
show(fmt.Sprintf("T2: %d publishable cells, %d inner cells, %d consultations in all\\n", t2.NumCells(), t2.NumInner(), t2.Freq(0)), nil)""",
    "protect": """protected, err := notebook.Protect(t2, 4)
if err != nil {
	panic(err)
}
show(protected.String()+"\\n", nil)""",
    "county": """show(protected.ByCounty())
svg, err := protected.CountySVG()
if err != nil {
	panic(err)
}
display.SVG(svg)""",
    "smallest": """show(protected.Smallest())""",
    "round": """rounded, err := notebook.Round(t2, 3)
if err != nil {
	panic(err)
}
fmt.Println(rounded)
show(rounded.BySize(), nil)""",
    "noise": """noised, err := notebook.Noise(t2, 1)
if err != nil {
	panic(err)
}
fmt.Println(noised)
show(noised.BySize(), nil)""",
    "compare": """show(notebook.Compare(protected, rounded, noised), nil)
display.SVG(notebook.CompareSVG(protected, rounded, noised))""",
}


def build(path, kernel, display, code):
    cells = [new_markdown_cell(INTRO + "\n\nKernel: **" + display + "**.")]
    if "setup" in code:
        cells.append(new_markdown_cell("The project's packages, from this checkout (GoNB builds each cell as a program in a module of its own)."))
        cells.append(new_code_cell(code["setup"]))
    cells.append(new_code_cell(code["globals"]))
    for kind, body in STEPS:
        cells.append(new_markdown_cell(body) if kind == "md" else new_code_cell(code[body]))
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": kernel, "display_name": display, "language": "go"},
                                             "language_info": {"name": "go"}})
    nbformat.write(nb, path)


import sys

# An optional prefix for the file names (run.sh builds .src-kosy.ipynb
# beside the committed, executed notebooks and executes those).
prefix = sys.argv[1] if len(sys.argv) > 1 else ""
build(prefix + "kosy-gonb.ipynb", "gonb", "Go (GoNB)", GONB)
build(prefix + "kosy.ipynb", "gophernotes", "Go (gophernotes)", GOPHERNOTES)
