package dhis2

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// The fixed UIDs of DHIS2's default category combo, category option combo
// and category option.
const (
	DefaultCategoryCombo = "bjDvmb4bfuf"
	DefaultCOC           = "HllvX50cXC0"
	DefaultOption        = "xYerKDKCefk"
)

// Ref is a reference to another object, by UID (and sometimes code).
type Ref struct {
	ID   string `json:"id"`
	Code string `json:"code,omitempty"`
}

// OrgUnit is an organisation unit of a metadata export.
type OrgUnit struct {
	ID     string `json:"id"`
	Code   string `json:"code,omitempty"`
	Name   string `json:"name,omitempty"`
	Path   string `json:"path,omitempty"`
	Level  int    `json:"level,omitempty"`
	Parent *Ref   `json:"parent,omitempty"`
}

// Category is a category (a disaggregation such as sex) and its options.
type Category struct {
	ID                string `json:"id"`
	Code              string `json:"code,omitempty"`
	Name              string `json:"name,omitempty"`
	DataDimensionType string `json:"dataDimensionType,omitempty"`
	CategoryOptions   []Ref  `json:"categoryOptions"`
}

// CategoryOption is one option of a category.
type CategoryOption struct {
	ID   string `json:"id"`
	Code string `json:"code,omitempty"`
	Name string `json:"name,omitempty"`
}

// CategoryCombo is a combination of categories.
type CategoryCombo struct {
	ID                string `json:"id"`
	Code              string `json:"code,omitempty"`
	Name              string `json:"name,omitempty"`
	DataDimensionType string `json:"dataDimensionType,omitempty"`
	Categories        []Ref  `json:"categories"`
}

// COC is a category option combo: one option of each category of its
// combo.
type COC struct {
	ID              string `json:"id"`
	Code            string `json:"code,omitempty"`
	Name            string `json:"name,omitempty"`
	CategoryCombo   Ref    `json:"categoryCombo"`
	CategoryOptions []Ref  `json:"categoryOptions"`
}

// DataElement is a data element.
type DataElement struct {
	ID                string `json:"id"`
	Code              string `json:"code,omitempty"`
	Name              string `json:"name,omitempty"`
	ValueType         string `json:"valueType,omitempty"`
	AggregationType   string `json:"aggregationType,omitempty"`
	ZeroIsSignificant bool   `json:"zeroIsSignificant"`
	CategoryCombo     *Ref   `json:"categoryCombo,omitempty"`
	AggregationLevels []int  `json:"aggregationLevels,omitempty"`
}

// Metadata is a DHIS2 metadata export (/api/metadata), the objects
// tabsdc reads, checked and indexed. Other keys of the export are
// ignored.
type Metadata struct {
	OrgUnits        []OrgUnit        `json:"organisationUnits"`
	Categories      []Category       `json:"categories"`
	CategoryOptions []CategoryOption `json:"categoryOptions"`
	CategoryCombos  []CategoryCombo  `json:"categoryCombos"`
	COCs            []COC            `json:"categoryOptionCombos"`
	DataElements    []DataElement    `json:"dataElements"`

	file      string
	ouByID    map[string]int
	ouByCode  map[string]int
	catByID   map[string]int
	optByID   map[string]int
	comboByID map[string]int
	cocByID   map[string]int
	deByID    map[string]int
	deByCode  map[string]int
}

// MetadataError is an error in a metadata export: the object (its kind
// and UID) and the field at fault.
type MetadataError struct {
	File  string
	Kind  string // "organisationUnit", "categoryOptionCombo", …
	ID    string
	Field string
	Err   error
}

func (e *MetadataError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File + ": ")
	}
	if e.Kind != "" {
		fmt.Fprintf(&b, "%s %q", e.Kind, e.ID)
		if e.Field != "" {
			b.WriteString(" " + e.Field)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *MetadataError) Unwrap() error { return e.Err }

var uidRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9]{10}$`)

// ReadMetadata reads a metadata export in JSON; file names it in errors.
// Every object needs a valid UID, unique in its kind; an org unit's parent
// must be in the export and its path (when given) must be its parent's
// path and its own UID; there is one root; references between categories,
// options, combos and option combos must resolve.
func ReadMetadata(r io.Reader, file string) (*Metadata, error) {
	dec := json.NewDecoder(io.LimitReader(r, 1<<30))
	var m Metadata
	if err := dec.Decode(&m); err != nil {
		return nil, &MetadataError{File: file, Err: fmt.Errorf("not a metadata export: %w", err)}
	}
	m.file = file
	if err := m.index(); err != nil {
		return nil, err
	}
	return &m, nil
}

func (m *Metadata) errf(kind, id, field, format string, args ...any) error {
	return &MetadataError{File: m.file, Kind: kind, ID: id, Field: field, Err: fmt.Errorf(format, args...)}
}

func (m *Metadata) index() error {
	ids := func(kind string, n int, id func(i int) string) (map[string]int, error) {
		out := make(map[string]int, n)
		for i := 0; i < n; i++ {
			u := id(i)
			if !uidRE.MatchString(u) {
				return nil, m.errf(kind, u, "id", "not a DHIS2 UID (a letter and ten letters or digits)")
			}
			if _, dup := out[u]; dup {
				return nil, m.errf(kind, u, "id", "appears twice")
			}
			out[u] = i
		}
		return out, nil
	}
	var err error
	if m.ouByID, err = ids("organisationUnit", len(m.OrgUnits), func(i int) string { return m.OrgUnits[i].ID }); err != nil {
		return err
	}
	if m.catByID, err = ids("category", len(m.Categories), func(i int) string { return m.Categories[i].ID }); err != nil {
		return err
	}
	if m.optByID, err = ids("categoryOption", len(m.CategoryOptions), func(i int) string { return m.CategoryOptions[i].ID }); err != nil {
		return err
	}
	if m.comboByID, err = ids("categoryCombo", len(m.CategoryCombos), func(i int) string { return m.CategoryCombos[i].ID }); err != nil {
		return err
	}
	if m.cocByID, err = ids("categoryOptionCombo", len(m.COCs), func(i int) string { return m.COCs[i].ID }); err != nil {
		return err
	}
	if m.deByID, err = ids("dataElement", len(m.DataElements), func(i int) string { return m.DataElements[i].ID }); err != nil {
		return err
	}
	m.ouByCode = map[string]int{}
	for i, ou := range m.OrgUnits {
		if ou.Code == "" {
			continue
		}
		if j, dup := m.ouByCode[ou.Code]; dup {
			return m.errf("organisationUnit", ou.ID, "code", "%q is also the code of %q", ou.Code, m.OrgUnits[j].ID)
		}
		m.ouByCode[ou.Code] = i
	}
	m.deByCode = map[string]int{}
	for i, de := range m.DataElements {
		if de.Code == "" {
			continue
		}
		if j, dup := m.deByCode[de.Code]; dup {
			return m.errf("dataElement", de.ID, "code", "%q is also the code of %q", de.Code, m.DataElements[j].ID)
		}
		m.deByCode[de.Code] = i
	}
	// Org units: parents in the export, paths consistent, one root, no
	// cycle.
	root := ""
	for _, ou := range m.OrgUnits {
		if ou.Parent == nil || ou.Parent.ID == "" {
			if root != "" {
				return m.errf("organisationUnit", ou.ID, "parent", "none, and %q has none either: the export needs one root (export the whole tree under it)", root)
			}
			root = ou.ID
			continue
		}
		if _, ok := m.ouByID[ou.Parent.ID]; !ok {
			return m.errf("organisationUnit", ou.ID, "parent", "%q is not in the export (export every level down from the root)", ou.Parent.ID)
		}
	}
	if len(m.OrgUnits) > 0 && root == "" {
		return m.errf("", "", "", "organisationUnits: no root (every unit has a parent)")
	}
	for _, ou := range m.OrgUnits {
		want, err := m.pathOf(ou.ID)
		if err != nil {
			return err
		}
		if ou.Path != "" && ou.Path != want {
			return m.errf("organisationUnit", ou.ID, "path", "%q, but its parents make it %q", ou.Path, want)
		}
	}
	for _, c := range m.Categories {
		for _, o := range c.CategoryOptions {
			if _, ok := m.optByID[o.ID]; !ok {
				return m.errf("category", c.ID, "categoryOptions", "option %q is not in the export", o.ID)
			}
		}
	}
	for _, cc := range m.CategoryCombos {
		for _, c := range cc.Categories {
			if _, ok := m.catByID[c.ID]; !ok {
				return m.errf("categoryCombo", cc.ID, "categories", "category %q is not in the export", c.ID)
			}
		}
	}
	for _, coc := range m.COCs {
		if _, ok := m.comboByID[coc.CategoryCombo.ID]; !ok && coc.ID != DefaultCOC {
			return m.errf("categoryOptionCombo", coc.ID, "categoryCombo", "%q is not in the export", coc.CategoryCombo.ID)
		}
		for _, o := range coc.CategoryOptions {
			if _, ok := m.optByID[o.ID]; !ok && o.ID != DefaultOption {
				return m.errf("categoryOptionCombo", coc.ID, "categoryOptions", "option %q is not in the export", o.ID)
			}
		}
	}
	for _, de := range m.DataElements {
		if de.CategoryCombo != nil && de.CategoryCombo.ID != DefaultCategoryCombo {
			if _, ok := m.comboByID[de.CategoryCombo.ID]; !ok {
				return m.errf("dataElement", de.ID, "categoryCombo", "%q is not in the export", de.CategoryCombo.ID)
			}
		}
	}
	return nil
}

// pathOf returns an org unit's path from its parents (/root/…/id),
// refusing a cycle.
func (m *Metadata) pathOf(id string) (string, error) {
	var chain []string
	seen := map[string]bool{}
	for cur := id; cur != ""; {
		if seen[cur] {
			return "", m.errf("organisationUnit", id, "parent", "its parents form a cycle through %q", cur)
		}
		seen[cur] = true
		chain = append(chain, cur)
		p := m.OrgUnits[m.ouByID[cur]].Parent
		if p == nil {
			break
		}
		cur = p.ID
	}
	var b strings.Builder
	for i := len(chain) - 1; i >= 0; i-- {
		b.WriteString("/" + chain[i])
	}
	return b.String(), nil
}

// DataElement returns the data element with UID or code key.
func (m *Metadata) DataElement(key string) (*DataElement, error) {
	if i, ok := m.deByID[key]; ok {
		return &m.DataElements[i], nil
	}
	if i, ok := m.deByCode[key]; ok {
		return &m.DataElements[i], nil
	}
	return nil, &MetadataError{File: m.file, Err: fmt.Errorf("no data element with UID or code %q", key)}
}

// errNoMetadata is returned for an empty export.
var errNoMetadata = errors.New("the export has no organisation units")
