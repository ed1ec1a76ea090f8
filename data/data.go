package data

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"

	"github.com/tabsdc/tabsdc/sdc"
)

//go:embed no_municipalities_2024.csv
var municipalitiesCSV string

// MunicipalitiesCSV returns the embedded file as it is, with the columns
// municipality_code, municipality_name, county_code, county_name, population.
func MunicipalitiesCSV() string { return municipalitiesCSV }

// Municipality is one row of the embedded file.
type Municipality struct {
	Code       string // four digits, e.g. "0301"
	Name       string
	County     string // two digits, e.g. "03"
	CountyName string
	Population int
}

// CountryCode is the code of the root of the geographic hierarchy.
const CountryCode = "NO"

// Municipalities returns the 357 municipalities, sorted by code.
func Municipalities() ([]Municipality, error) {
	r := csv.NewReader(strings.NewReader(municipalitiesCSV))
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("embedded municipalities: %w", err)
	}
	out := make([]Municipality, 0, len(rows)-1)
	for i, row := range rows[1:] {
		pop, err := strconv.Atoi(row[4])
		if err != nil {
			return nil, fmt.Errorf("embedded municipalities: row %d: population %q: %w", i+2, row[4], err)
		}
		out = append(out, Municipality{Code: row[0], Name: row[1], County: row[2], CountyName: row[3], Population: pop})
	}
	return out, nil
}

// Geo returns the geographic hierarchy NO > county > municipality as a
// dimension named name. With a county code, only that county's municipalities
// are kept and the county is the root.
func Geo(name, county string) (*sdc.Dimension, error) {
	ms, err := Municipalities()
	if err != nil {
		return nil, err
	}
	var codes, parents []string
	if county == "" {
		codes, parents = append(codes, CountryCode), append(parents, "")
	}
	seen := map[string]bool{}
	for _, m := range ms {
		if county != "" && m.County != county {
			continue
		}
		if !seen[m.County] {
			seen[m.County] = true
			codes = append(codes, m.County)
			if county == "" {
				parents = append(parents, CountryCode)
			} else {
				parents = append(parents, "")
			}
		}
		codes, parents = append(codes, m.Code), append(parents, m.County)
	}
	if len(seen) == 0 {
		return nil, fmt.Errorf("unknown county code %q", county)
	}
	return sdc.NewDimension(name, codes, parents)
}
