package benchmarks

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/tabsdc/tabsdc/data"
	"github.com/tabsdc/tabsdc/dhis2"
)

// The DHIS2 example's data elements: the counts, and the flag of withheld
// cells.
const (
	DHIS2DataElement = "KOSY_CONSULT"
	DHIS2FlagElement = "KOSY_WITHHELD"
	DHIS2Week        = "2024W5"
)

// uid derives a stable DHIS2 UID (a letter and ten letters or digits)
// from a kind and a key.
func uid(kind, key string) string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	const alnum = letters + "0123456789"
	h := sha256.Sum256([]byte(kind + "\x00" + key))
	b := []byte{letters[int(h[0])%len(letters)]}
	for _, x := range h[1:11] {
		b = append(b, alnum[int(x)%len(alnum)])
	}
	return string(b)
}

// DHIS2Metadata returns the metadata of the DHIS2 example: Norway, its 15
// counties and 357 municipalities (code: kommunenummer; levels 1–3), the
// categories sex and age with a combo of both and its 14 option combos
// (their options in alternating order, as DHIS2 exports them), the count
// data element (INTEGER_ZERO_OR_POSITIVE, zeros stored) and a TRUE_ONLY
// flag element with the same combo.
func DHIS2Metadata() (*dhis2.Metadata, error) {
	ms, err := data.Municipalities()
	if err != nil {
		return nil, err
	}
	m := &dhis2.Metadata{}
	root := dhis2.OrgUnit{ID: uid("ou", data.CountryCode), Code: data.CountryCode, Name: "Norge", Level: 1}
	root.Path = "/" + root.ID
	m.OrgUnits = append(m.OrgUnits, root)
	county := map[string]dhis2.OrgUnit{}
	for _, mu := range ms {
		c, ok := county[mu.County]
		if !ok {
			c = dhis2.OrgUnit{ID: uid("ou", mu.County), Code: mu.County, Name: mu.CountyName, Level: 2, Parent: &dhis2.Ref{ID: root.ID}}
			c.Path = root.Path + "/" + c.ID
			county[mu.County] = c
			m.OrgUnits = append(m.OrgUnits, c)
		}
		ou := dhis2.OrgUnit{ID: uid("ou", mu.Code), Code: mu.Code, Name: mu.Name, Level: 3, Parent: &dhis2.Ref{ID: c.ID}}
		ou.Path = c.Path + "/" + ou.ID
		m.OrgUnits = append(m.OrgUnits, ou)
	}
	cat := func(code, name string, opts []string) dhis2.Category {
		c := dhis2.Category{ID: uid("cat", code), Code: code, Name: name, DataDimensionType: "DISAGGREGATION"}
		for _, o := range opts {
			id := uid("opt", code+"/"+o)
			m.CategoryOptions = append(m.CategoryOptions, dhis2.CategoryOption{ID: id, Code: o, Name: o})
			c.CategoryOptions = append(c.CategoryOptions, dhis2.Ref{ID: id})
		}
		return c
	}
	sex, age := cat("SEX", "Sex", Sexes), cat("AGE", "Age group", AgeGroups)
	m.Categories = []dhis2.Category{sex, age}
	combo := dhis2.CategoryCombo{ID: uid("combo", "SEX_AGE"), Code: "SEX_AGE", Name: "Sex and age", DataDimensionType: "DISAGGREGATION",
		Categories: []dhis2.Ref{{ID: sex.ID}, {ID: age.ID}}}
	m.CategoryCombos = []dhis2.CategoryCombo{combo}
	for i, s := range sex.CategoryOptions {
		for j, a := range age.CategoryOptions {
			opts := []dhis2.Ref{{ID: s.ID}, {ID: a.ID}}
			if (i+j)%2 == 1 {
				opts[0], opts[1] = opts[1], opts[0]
			}
			m.COCs = append(m.COCs, dhis2.COC{ID: uid("coc", Sexes[i]+"/"+AgeGroups[j]), Name: AgeGroups[j] + ", " + Sexes[i],
				CategoryCombo: dhis2.Ref{ID: combo.ID}, CategoryOptions: opts})
		}
	}
	m.DataElements = []dhis2.DataElement{
		{ID: uid("de", DHIS2DataElement), Code: DHIS2DataElement, Name: "KOSY consultations", ValueType: "INTEGER_ZERO_OR_POSITIVE",
			AggregationType: "SUM", ZeroIsSignificant: true, CategoryCombo: &dhis2.Ref{ID: combo.ID}, AggregationLevels: []int{1, 2, 3}},
		{ID: uid("de", DHIS2FlagElement), Code: DHIS2FlagElement, Name: "KOSY consultations withheld", ValueType: "TRUE_ONLY",
			AggregationType: "NONE", CategoryCombo: &dhis2.Ref{ID: combo.ID}},
	}
	return m, nil
}

// WriteDHIS2Example writes the example's metadata and a dataValueSet of
// T2's counts for week DHIS2Week (UIDs for data element, org units and
// option combos; the non-zero counts, as DHIS2 exports them), in JSON.
func WriteDHIS2Example(metadata, values io.Writer) error {
	m, err := DHIS2Metadata()
	if err != nil {
		return err
	}
	enc := json.NewEncoder(metadata)
	enc.SetIndent("", " ")
	if err := enc.Encode(m); err != nil {
		return err
	}
	t, err := Table("T2")
	if err != nil {
		return err
	}
	de := m.DataElements[0].ID
	if _, err := io.WriteString(values, "{\"dataValues\": [\n"); err != nil {
		return err
	}
	first := true
	for k := 0; k < t.NumInner(); k++ {
		c := t.InnerCell(k)
		v := t.Freq(c)
		if v == 0 {
			continue
		}
		codes := t.Codes(c) // geo, sex, age
		line, err := json.Marshal(map[string]string{"dataElement": de, "period": DHIS2Week, "orgUnit": uid("ou", codes[0]),
			"categoryOptionCombo": uid("coc", codes[1]+"/"+codes[2]), "value": strconv.FormatInt(v, 10)})
		if err != nil {
			return err
		}
		sep := ",\n"
		if first {
			sep, first = "", false
		}
		if _, err := fmt.Fprintf(values, "%s %s", sep, line); err != nil {
			return err
		}
	}
	_, err = io.WriteString(values, "\n]}\n")
	return err
}
