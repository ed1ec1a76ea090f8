// Package dhis2 reads and writes DHIS2's exchange formats: metadata
// exports become a table's dimensions, dataValueSets (JSON and CSV) its
// input and its protected output.
//
// Metadata (ReadMetadata) is an /api/metadata export: organisation units,
// categories, category options, category combos, category option combos
// and data elements. A Layout (Metadata.Layout) maps one data element's
// values onto a table: the org-unit hierarchy (from parent and path), one
// dimension per category of the element's category combo, and the period
// when the values span several. Codes are the metadata's codes (so
// kommunenummer such as 0301 work) or UIDs (IDScheme). A category option
// combo is identified by its set of options, never by its name or the
// order of its options.
//
// ReadDataValueSet reads a dataValueSet in JSON (the bulk form, or a set
// whose period, orgUnit and attributeOptionCombo apply to every value) or
// CSV (a header is required; columns by name, case-insensitive, as DHIS2
// 2.43 reads them); Layout.Table turns its values into a table of counts.
//
// Layout.Write writes a release as a dataValueSet in either format,
// through the release's published view only: values as strings, periods in
// the form DHIS2 itself writes (weeks unpadded: 2024W5), withheld cells
// left out (optionally marked by a flag data element), and explicit deletes
// for values an earlier release published that this one does not. What it
// writes depends on how DHIS2 analytics will aggregate it (WriteMode): the
// inner cells only when the release adds up (rounding, differential
// privacy), so that analytics' sums are the published totals; otherwise
// every published cell at every org-unit level, for a data element whose
// aggregation levels stop children adding into a parent that has its own
// value. See README "DHIS2" for the metadata settings.
package dhis2
