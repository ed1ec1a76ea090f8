package dhis2

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/tabsdc/tabsdc/sdc"
)

// IDScheme says how objects are named in the table and in the output:
// by their codes (kommunenummer for municipalities) or by their UIDs.
type IDScheme int

// The ID schemes.
const (
	Code IDScheme = iota
	UID
)

// ParseIDScheme reads "code" or "uid".
func ParseIDScheme(s string) (IDScheme, error) {
	switch s {
	case "code", "":
		return Code, nil
	case "uid":
		return UID, nil
	}
	return 0, fmt.Errorf("id scheme %q: want code or uid", s)
}

// OrgUnitDim is the name of the org-unit dimension; PeriodDim that of the
// period dimension.
const (
	OrgUnitDim = "orgunit"
	PeriodDim  = "period"
)

// Layout maps one data element's values onto a table: the org-unit
// dimension, one dimension per category of the element's combo, and the
// period dimension when there are several periods.
type Layout struct {
	m       *Metadata
	scheme  IDScheme
	de      *DataElement
	dims    []*sdc.Dimension
	ouNode  []int             // org unit index → node of the org-unit dimension
	nodeOU  []int             // node → org unit index
	cats    []int             // category indices, in the combo's order
	optNode []map[string]int  // per category: option UID → node
	nodeOpt [][]string        // per category: node → option UID
	cocOf   map[string]string // key of option nodes → COC UID
	optsOf  map[string][]int  // COC UID or code → option nodes
	periods []Period          // the periods, in order (one when no period dimension)
	perNode map[Period]int
}

// Layout builds the layout of a data element (UID or code) for values
// over periods (canonical; several make a period dimension).
func (m *Metadata) Layout(deKey string, scheme IDScheme, periods []Period) (*Layout, error) {
	if len(m.OrgUnits) == 0 {
		return nil, &MetadataError{File: m.file, Err: errNoMetadata}
	}
	de, err := m.DataElement(deKey)
	if err != nil {
		return nil, err
	}
	switch de.ValueType {
	case "", "INTEGER", "INTEGER_ZERO_OR_POSITIVE", "INTEGER_POSITIVE", "NUMBER":
	default:
		return nil, m.errf("dataElement", de.ID, "valueType", "%s: counts go into an INTEGER_ZERO_OR_POSITIVE (or INTEGER, NUMBER) data element", de.ValueType)
	}
	l := &Layout{m: m, scheme: scheme, de: de}
	if err := l.orgUnits(); err != nil {
		return nil, err
	}
	if err := l.categories(); err != nil {
		return nil, err
	}
	if len(periods) == 0 {
		return nil, fmt.Errorf("no period")
	}
	l.periods = slices.Clone(periods)
	sort.SliceStable(l.periods, func(a, b int) bool { return periodLess(l.periods[a], l.periods[b]) })
	l.periods = slices.Compact(l.periods)
	l.perNode = map[Period]int{}
	if len(l.periods) > 1 {
		codes := make([]string, len(l.periods))
		for i, p := range l.periods {
			codes[i] = string(p)
		}
		d, err := sdc.NewFlat(PeriodDim, codes)
		if err != nil {
			return nil, err
		}
		for i, p := range l.periods {
			n, _ := d.Index(codes[i])
			l.perNode[p] = n
		}
		l.dims = append(l.dims, d)
	}
	return l, nil
}

// name returns an object's name in the table under the scheme.
func (l *Layout) name(kind, id, code string) (string, error) {
	if l.scheme == UID {
		return id, nil
	}
	if code == "" {
		return "", l.m.errf(kind, id, "code", "none, and the id scheme is code (give every %s a code, or use the uid scheme)", kind)
	}
	if code == sdc.TotalCode {
		return "", l.m.errf(kind, id, "code", "%q is the code tabsdc gives totals: rename it", code)
	}
	if err := sdc.CheckCode(code); err != nil {
		return "", l.m.errf(kind, id, "code", "%v", err)
	}
	return code, nil
}

func (l *Layout) orgUnits() error {
	m := l.m
	codes := make([]string, len(m.OrgUnits))
	parents := make([]string, len(m.OrgUnits))
	for i, ou := range m.OrgUnits {
		c, err := l.name("organisationUnit", ou.ID, ou.Code)
		if err != nil {
			return err
		}
		codes[i] = c
	}
	for i, ou := range m.OrgUnits {
		if ou.Parent != nil && ou.Parent.ID != "" {
			parents[i] = codes[m.ouByID[ou.Parent.ID]]
		}
	}
	d, err := sdc.NewDimension(OrgUnitDim, codes, parents)
	if err != nil {
		return &MetadataError{File: m.file, Err: err}
	}
	l.ouNode = make([]int, len(codes))
	l.nodeOU = make([]int, d.Len())
	for i, c := range codes {
		n, _ := d.Index(c)
		l.ouNode[i], l.nodeOU[n] = n, i
	}
	l.dims = append(l.dims, d)
	return nil
}

func (l *Layout) categories() error {
	m, de := l.m, l.de
	l.cocOf, l.optsOf = map[string]string{}, map[string][]int{}
	if de.CategoryCombo == nil || de.CategoryCombo.ID == DefaultCategoryCombo {
		l.cocOf[""] = DefaultCOC
		l.optsOf[DefaultCOC] = nil
		return nil
	}
	combo := &m.CategoryCombos[m.comboByID[de.CategoryCombo.ID]]
	if len(combo.Categories) == 0 {
		return m.errf("categoryCombo", combo.ID, "categories", "none")
	}
	catOf := map[string]int{} // option UID → position of its category in the combo
	for k, cr := range combo.Categories {
		ci := m.catByID[cr.ID]
		cat := &m.Categories[ci]
		l.cats = append(l.cats, ci)
		dimName, err := l.name("category", cat.ID, cat.Code)
		if err != nil {
			return err
		}
		if dimName == OrgUnitDim || dimName == PeriodDim {
			return m.errf("category", cat.ID, "code", "%q is the name of another dimension", dimName)
		}
		var codes []string
		for _, o := range cat.CategoryOptions {
			opt := &m.CategoryOptions[m.optByID[o.ID]]
			c, err := l.name("categoryOption", opt.ID, opt.Code)
			if err != nil {
				return err
			}
			codes = append(codes, c)
			if prev, dup := catOf[o.ID]; dup {
				return m.errf("categoryCombo", combo.ID, "categories", "option %q is in two of its categories (%d and %d)", o.ID, prev+1, k+1)
			}
			catOf[o.ID] = k
		}
		if len(codes) == 0 {
			return m.errf("category", cat.ID, "categoryOptions", "none")
		}
		d, err := sdc.NewFlat(dimName, codes)
		if err != nil {
			return m.errf("category", cat.ID, "categoryOptions", "%v", err)
		}
		for _, prev := range l.dims {
			if prev.Name() == dimName {
				return m.errf("category", cat.ID, "code", "%q names two dimensions", dimName)
			}
		}
		om := map[string]int{}
		no := make([]string, d.Len())
		for j, o := range cat.CategoryOptions {
			n, _ := d.Index(codes[j])
			om[o.ID], no[n] = n, o.ID
		}
		l.optNode = append(l.optNode, om)
		l.nodeOpt = append(l.nodeOpt, no)
		l.dims = append(l.dims, d)
	}
	// Option combos by their set of options.
	nc := len(combo.Categories)
	want := 1
	for _, om := range l.optNode {
		want *= len(om)
	}
	for _, coc := range m.COCs {
		if coc.CategoryCombo.ID != combo.ID {
			continue
		}
		nodes := make([]int, nc)
		for k := range nodes {
			nodes[k] = -1
		}
		for _, o := range coc.CategoryOptions {
			k, ok := catOf[o.ID]
			if !ok {
				return m.errf("categoryOptionCombo", coc.ID, "categoryOptions", "%q is an option of no category of combo %q", o.ID, combo.ID)
			}
			if nodes[k] >= 0 {
				return m.errf("categoryOptionCombo", coc.ID, "categoryOptions", "two options of category %q", combo.Categories[k].ID)
			}
			nodes[k] = l.optNode[k][o.ID]
		}
		for k, n := range nodes {
			if n < 0 {
				return m.errf("categoryOptionCombo", coc.ID, "categoryOptions", "no option of category %q", combo.Categories[k].ID)
			}
		}
		key := nodeKey(nodes)
		if prev, dup := l.cocOf[key]; dup {
			return m.errf("categoryOptionCombo", coc.ID, "categoryOptions", "the same options as %q", prev)
		}
		l.cocOf[key] = coc.ID
		l.optsOf[coc.ID] = nodes
		if coc.Code != "" {
			l.optsOf[coc.Code] = nodes
		}
	}
	if len(l.cocOf) != want {
		// Name one combination without an option combo.
		nodes := make([]int, nc)
		var missing []string
		var walk func(k int) bool
		walk = func(k int) bool {
			if k == nc {
				if _, ok := l.cocOf[nodeKey(nodes)]; !ok {
					for j, n := range nodes {
						missing = append(missing, l.nodeOpt[j][n])
					}
					return true
				}
				return false
			}
			for n := range l.nodeOpt[k] {
				if l.nodeOpt[k][n] == "" {
					continue
				}
				nodes[k] = n
				if walk(k + 1) {
					return true
				}
			}
			return false
		}
		walk(0)
		return m.errf("categoryCombo", combo.ID, "", "has %d category option combos for %d combinations of options; none for options %s (export every option combo of the combo)", len(l.cocOf), want, strings.Join(missing, ", "))
	}
	return nil
}

func nodeKey(nodes []int) string {
	var b strings.Builder
	for i, n := range nodes {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// Dims returns the table's dimensions: org units, the categories, the
// period when there are several.
func (l *Layout) Dims() []*sdc.Dimension { return slices.Clone(l.dims) }

// DataElement returns the layout's data element.
func (l *Layout) DataElement() *DataElement { return l.de }

// Periods returns the layout's periods, in order.
func (l *Layout) Periods() []Period { return slices.Clone(l.periods) }

// periodLess orders periods by their start: by year, then by the number
// within the year (the canonical forms of one type compare this way).
func periodLess(a, b Period) bool {
	if a[:4] != b[:4] {
		return a[:4] < b[:4]
	}
	ra, rb := strings.TrimLeft(string(a[4:]), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"), strings.TrimLeft(string(b[4:]), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
	na, ea := strconv.Atoi(strings.TrimRight(ra, "B"))
	nb, eb := strconv.Atoi(strings.TrimRight(rb, "B"))
	if ea == nil && eb == nil && na != nb {
		return na < nb
	}
	return a < b
}
