package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tabsdc/tabsdc/dhis2"
	"github.com/tabsdc/tabsdc/sdc"
)

// Spec declares one release: what to read, which tables to release, the
// primary rules, the protection method and its requirement, and where the
// outputs go. Its YAML form is what `tabsdc run` reads (ParseSpec); every
// CLI verb builds the same value from its flags.
type Spec struct {
	Input       Input       `yaml:"input" json:"input"`
	Tables      []TableSpec `yaml:"tables,omitempty" json:"tables,omitempty"`
	Rules       Rules       `yaml:"rules,omitempty" json:"rules"`
	Method      MethodSpec  `yaml:"method" json:"method"`
	Requirement Requirement `yaml:"requirement,omitempty" json:"requirement"`
	Outputs     Outputs     `yaml:"outputs" json:"outputs"`
}

// Input says where the table comes from.
type Input struct {
	// Cells is a CSV of inner cells (a column per dimension and a count
	// column); Records a CSV of records, one row per unit. Exactly one.
	Cells   string `yaml:"cells,omitempty" json:"cells,omitempty"`
	Records string `yaml:"records,omitempty" json:"records,omitempty"`
	// Count is the count column of Cells ("freq" when empty).
	Count string `yaml:"count,omitempty" json:"count,omitempty"`
	// Totals: Cells may also hold totals, checked against the sums.
	Totals bool `yaml:"totals,omitempty" json:"totals,omitempty"`
	// Value and Contributor are columns of Records: each record's value
	// (a magnitude table) and its contributor id.
	Value       string `yaml:"value,omitempty" json:"value,omitempty"`
	Contributor string `yaml:"contributor,omitempty" json:"contributor,omitempty"`
	// Decimals is the number of decimal places of Value (a value with
	// more is an error naming its row); 0: as many as the data has, at
	// most 9. Values are summed exactly and published digit for digit.
	Decimals int `yaml:"decimals,omitempty" json:"decimals,omitempty"`
	// Person is a column of Records with each record's person id: a
	// differentially private release (method dp) bounds what one person
	// contributes. EachPersonOnce says instead that every person counts
	// once in one inner cell of Cells (L0 = LInf = 1).
	Person         string `yaml:"person,omitempty" json:"person,omitempty"`
	EachPersonOnce bool   `yaml:"each_person_once,omitempty" json:"each_person_once,omitempty"`
	// RecordKey is a column of Records with each record's key, a decimal
	// in [0, 1); RecordID a column with a stable record id from which the
	// key is derived with the secret of method.key_secret_file (the cell
	// key method).
	RecordKey string `yaml:"record_key,omitempty" json:"record_key,omitempty"`
	RecordID  string `yaml:"record_id,omitempty" json:"record_id,omitempty"`
	// Dims lists the dimensions in order (none with format dhis2: they
	// come from the metadata).
	Dims []Dim `yaml:"dims,omitempty" json:"dims,omitempty"`
	// Format is "" (CSV: cells or records) or "dhis2": DataValues is then a
	// dataValueSet (.json or .csv) laid out by DHIS2's metadata.
	// Population is a CSV of code,population for the municipality size
	// classes of the utility figures and the reports; default: the
	// embedded population of Norway's municipalities (2024).
	Population string      `yaml:"population,omitempty" json:"population,omitempty"`
	Format     string      `yaml:"format,omitempty" json:"format,omitempty"`
	DataValues string      `yaml:"data_values,omitempty" json:"data_values,omitempty"`
	DHIS2      *DHIS2Input `yaml:"dhis2,omitempty" json:"dhis2,omitempty"`
}

// DHIS2Input says how a dataValueSet becomes a table: the metadata export
// its dimensions come from, the data element (a UID or code; may be left
// out when the set holds one), and the ID scheme of the table and the
// output (code, the default, or uid).
type DHIS2Input struct {
	Metadata    string `yaml:"metadata" json:"metadata"`
	DataElement string `yaml:"data_element,omitempty" json:"data_element,omitempty"`
	IDScheme    string `yaml:"id_scheme,omitempty" json:"id_scheme,omitempty"`
}

// DHIS2Output are the options of a dataValueSet written: an earlier
// release's dataValueSet whose values this one withholds get explicit
// deletes (Previous); a flag data element marks withheld cells
// (FlagElement); a comment goes on every value.
type DHIS2Output struct {
	Previous    string `yaml:"previous,omitempty" json:"previous,omitempty"`
	FlagElement string `yaml:"flag_element,omitempty" json:"flag_element,omitempty"`
	Comment     string `yaml:"comment,omitempty" json:"comment,omitempty"`
}

// unitColumns are the columns of Records a method reads record by record
// (Job.Records), in order: person, record_key, record_id.
func (in *Input) unitColumns() []string {
	var out []string
	for _, c := range []string{in.Person, in.RecordKey, in.RecordID} {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}

// Dim is one dimension: a hierarchy file of code,parent rows, a declared
// list of codes, or neither (codes from the data).
type Dim struct {
	Name  string   `yaml:"name" json:"name"`
	File  string   `yaml:"file,omitempty" json:"file,omitempty"`
	Codes []string `yaml:"codes,omitempty" json:"codes,omitempty"`
}

// TableSpec is one linked table: a marginal of the input over Dims.
type TableSpec struct {
	Name string   `yaml:"name" json:"name"`
	Dims []string `yaml:"dims" json:"dims"`
}

// Rules are the primary rules; a zero field is a rule not used.
type Rules struct {
	// MaxN withholds counts 1..MaxN (the frequency rule); ProtectZeros
	// withholds zeros too.
	MaxN         int  `yaml:"max_n,omitempty" json:"max_n,omitempty"`
	ProtectZeros bool `yaml:"protect_zeros,omitempty" json:"protect_zeros,omitempty"`
	// MinContributors withholds cells with fewer contributors (≥ 2).
	MinContributors int            `yaml:"min_contributors,omitempty" json:"min_contributors,omitempty"`
	Dominance       []DominanceArg `yaml:"dominance,omitempty" json:"dominance,omitempty"`
	PPercent        *PPercentArg   `yaml:"p_percent,omitempty" json:"p_percent,omitempty"`
	PQ              *PQArg         `yaml:"pq,omitempty" json:"pq,omitempty"`
	// SuppressCells and PublishCells are CSV lists of cells (a column per
	// dimension) withheld, or kept published, by hand.
	SuppressCells string `yaml:"suppress_cells,omitempty" json:"suppress_cells,omitempty"`
	PublishCells  string `yaml:"publish_cells,omitempty" json:"publish_cells,omitempty"`
}

// DominanceArg is the (n,k) rule: the n largest contributors hold more
// than k percent.
type DominanceArg struct {
	N int     `yaml:"n" json:"n"`
	K float64 `yaml:"k" json:"k"`
}

// PPercentArg is the p% rule, with an optional coalition size.
type PPercentArg struct {
	P         float64 `yaml:"p" json:"p"`
	Coalition int     `yaml:"coalition,omitempty" json:"coalition,omitempty"`
}

// PQArg is the pq rule.
type PQArg struct {
	P float64 `yaml:"p" json:"p"`
	Q float64 `yaml:"q" json:"q"`
}

// MethodSpec names the protection method and holds its options; an
// option of another method is an error.
type MethodSpec struct {
	// Name: gauss (the default), none, small-count, controlled, random, or
	// a method added with Register.
	Name string `yaml:"name" json:"name"`

	// gauss
	ExactOnly    bool `yaml:"exact_only,omitempty" json:"exact_only,omitempty"`
	FullAudit    bool `yaml:"full_audit,omitempty" json:"full_audit,omitempty"`
	MaxRounds    int  `yaml:"max_rounds,omitempty" json:"max_rounds,omitempty"`
	NoCleanup    bool `yaml:"no_cleanup,omitempty" json:"no_cleanup,omitempty"`
	PublishZeros bool `yaml:"publish_zeros,omitempty" json:"publish_zeros,omitempty"`
	// Cost is the cost order of a magnitude table's secondary suppression
	// on its values: value (the default, as in tau-ARGUS), count or unity.
	Cost string `yaml:"cost,omitempty" json:"cost,omitempty"`

	// rounding
	Base          int64  `yaml:"base,omitempty" json:"base,omitempty"`
	MaxRound      int64  `yaml:"max_round,omitempty" json:"max_round,omitempty"`
	UpFromZero    bool   `yaml:"up_from_zero,omitempty" json:"up_from_zero,omitempty"`
	Seed          uint64 `yaml:"seed,omitempty" json:"seed,omitempty"`
	Deterministic bool   `yaml:"deterministic,omitempty" json:"deterministic,omitempty"`

	// dp: differential privacy. Mechanism laplace or gaussian; Epsilon and
	// Delta the release's budget, split over the queries of Split (each a
	// query such as "geo:1" and its share; default: every level of the
	// geography in equal shares); L0 and LInf the bounds on one person's
	// records (default 1 and 1); Ledger a budget ledger file, with the
	// total budget BudgetEpsilon, BudgetDelta.
	Mechanism     string      `yaml:"mechanism,omitempty" json:"mechanism,omitempty"`
	Epsilon       float64     `yaml:"epsilon,omitempty" json:"epsilon,omitempty"`
	Delta         float64     `yaml:"delta,omitempty" json:"delta,omitempty"`
	L0            int         `yaml:"l0,omitempty" json:"l0,omitempty"`
	LInf          int64       `yaml:"linf,omitempty" json:"linf,omitempty"`
	Split         []SplitItem `yaml:"split,omitempty" json:"split,omitempty"`
	Ledger        string      `yaml:"ledger,omitempty" json:"ledger,omitempty"`
	BudgetEpsilon float64     `yaml:"budget_epsilon,omitempty" json:"budget_epsilon,omitempty"`
	BudgetDelta   float64     `yaml:"budget_delta,omitempty" json:"budget_delta,omitempty"`

	// cellkey: the cell key method. PTable is a perturbation table file
	// (the layout ptable exports for tau-ARGUS), or PTableD, PTableV and
	// PTableJS build one by maximum entropy; KeySecretFile holds the secret
	// record keys are derived from (with input.record_id).
	PTable        string  `yaml:"ptable,omitempty" json:"ptable,omitempty"`
	PTableD       int     `yaml:"ptable_d,omitempty" json:"ptable_d,omitempty"`
	PTableV       float64 `yaml:"ptable_v,omitempty" json:"ptable_v,omitempty"`
	PTableJS      int     `yaml:"ptable_js,omitempty" json:"ptable_js,omitempty"`
	KeySecretFile string  `yaml:"key_secret_file,omitempty" json:"key_secret_file,omitempty"`
}

// SplitItem is one query of a differentially private release and its
// share of the budget.
type SplitItem struct {
	Query string  `yaml:"query" json:"query"`
	Share float64 `yaml:"share" json:"share"`
}

// Requirement is the width every primary cell's interval must have for
// the attacker; all zero means the frequency requirement of Rules.MaxN
// (an interval at least MaxN+1 wide).
type Requirement struct {
	RangeMin     float64 `yaml:"range_min,omitempty" json:"range_min,omitempty"`
	RangePercent float64 `yaml:"range_percent,omitempty" json:"range_percent,omitempty"`
	UpperLevel   float64 `yaml:"upper_level,omitempty" json:"upper_level,omitempty"`
	LowerLevel   float64 `yaml:"lower_level,omitempty" json:"lower_level,omitempty"`
}

// Outputs are the files a run writes. With linked tables each table's
// CSV files get .NAME before their extension.
type Outputs struct {
	Published string `yaml:"published" json:"published"`
	// SumsOnly: a magnitude table publishes its sums without its counts;
	// then only the values are protected and audited.
	SumsOnly bool   `yaml:"sums_only,omitempty" json:"sums_only,omitempty"`
	Internal string `yaml:"internal,omitempty" json:"internal,omitempty"`
	Summary  string `yaml:"summary,omitempty" json:"summary,omitempty"`
	// DHIS2 are the options of the published dataValueSet (input format
	// dhis2).
	DHIS2 *DHIS2Output `yaml:"dhis2,omitempty" json:"dhis2,omitempty"`
	// Report is the officer's HTML report (0600), with its content as
	// JSON beside it (.json for .html); PublicReport the public variant
	// (and its JSON), for publishing next to the data.
	Report       string `yaml:"report,omitempty" json:"report,omitempty"`
	PublicReport string `yaml:"public_report,omitempty" json:"public_report,omitempty"`
}

// jsonBeside returns the JSON file written beside an HTML report.
func jsonBeside(path string) string {
	return strings.TrimSuffix(path, filepath.Ext(path)) + ".json"
}

// outputColumns are the columns the output files add to the dimensions
// (sdc.WritePublished, sdc.WriteInternal).
var outputColumns = []string{"status", "reason", "contributors", "published", "difference", "lower", "upper", "interval", "upper_level", "lower_level", "value_lower", "value_upper"}

// Limits of the options.
const (
	MaxMaxN      = 1_000_000
	MaxMaxRounds = 1000
	MaxBase      = 1 << 31
)

// SpecError is an error in a spec: the key (a path such as
// "method.max_rounds") and, when read from a file, its line.
type SpecError struct {
	File string
	Line int // 0 when not known
	Key  string
	Err  error
}

func (e *SpecError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	} else if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *SpecError) Unwrap() error { return e.Err }

func specErr(key, format string, args ...any) error {
	return &SpecError{Key: key, Err: fmt.Errorf(format, args...)}
}

var unknownField = regexp.MustCompile(`^line (\d+): field (\S+) not found in type`)

// ParseSpec reads a spec in YAML; file names it in errors. An unknown
// (misspelt) key is an error naming the key and its line; so is a value of
// the wrong type, a second document, and any setting Validate refuses.
func ParseSpec(r io.Reader, file string) (*Spec, error) {
	data, err := io.ReadAll(io.LimitReader(r, 1<<20+1))
	if err != nil {
		return nil, &SpecError{File: file, Err: err}
	}
	if len(data) > 1<<20 {
		return nil, &SpecError{File: file, Err: errors.New("larger than 1 MiB")}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var s Spec
	if err := dec.Decode(&s); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &SpecError{File: file, Err: errors.New("empty spec")}
		}
		var te *yaml.TypeError
		if errors.As(err, &te) && len(te.Errors) > 0 {
			msg := te.Errors[0]
			if m := unknownField.FindStringSubmatch(msg); m != nil {
				line, _ := strconv.Atoi(m[1])
				return nil, &SpecError{File: file, Line: line, Err: fmt.Errorf("unknown key %q", m[2])}
			}
			line, msg := splitLine(msg)
			return nil, &SpecError{File: file, Line: line, Err: errors.New(msg)}
		}
		line, msg := splitLine(strings.TrimPrefix(err.Error(), "yaml: "))
		return nil, &SpecError{File: file, Line: line, Err: errors.New(msg)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) && !(err == nil && emptyDocument(&extra)) {
		return nil, &SpecError{File: file, Err: errors.New("more than one YAML document")}
	}
	if err := checkIntegers(data, file); err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		var se *SpecError
		if errors.As(err, &se) {
			se.File = file
			se.Line = lineOf(data, se.Key)
		}
		return nil, err
	}
	return &s, nil
}

// splitLine splits "line N: message" into N and the message.
func splitLine(msg string) (int, string) {
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, m, ok := strings.Cut(rest, ":"); ok {
			if line, err := strconv.Atoi(n); err == nil {
				return line, strings.TrimSpace(m)
			}
		}
	}
	return 0, msg
}

// lineOf finds the line of a key path ("method.max_rounds",
// "input.dims[1].name") in a YAML document: the deepest part of the path
// the document holds (0 when none).
func lineOf(data []byte, key string) int {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return 0
	}
	n, line := doc.Content[0], 0
	for _, part := range strings.Split(key, ".") {
		name, idx := part, -1
		if i := strings.IndexByte(part, '['); i >= 0 && strings.HasSuffix(part, "]") {
			name = part[:i]
			idx, _ = strconv.Atoi(part[i+1 : len(part)-1])
		}
		if n.Kind != yaml.MappingNode {
			return line
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == name {
				line, next = n.Content[i].Line, n.Content[i+1]
			}
		}
		if next == nil {
			return line
		}
		n = next
		if idx >= 0 {
			if n.Kind != yaml.SequenceNode || idx >= len(n.Content) {
				return line
			}
			n = n.Content[idx]
			line = n.Line
		}
	}
	return line
}

// Validate checks a spec without reading any file: every required key is
// there, every value in range, and no two settings contradict each other.
// It fills in the defaults it documents (method gauss, max_rounds 30, base
// 3 for rounding, count column "freq").
func (s *Spec) Validate() error { return s.validate(nil) }

// validate is Validate; with a table given (RunTable) the spec's input
// must be empty, and the dimensions are the table's.
func (s *Spec) validate(t *sdc.Table) error {
	in := &s.Input
	if t != nil {
		once, pop := in.EachPersonOnce, in.Population
		in.EachPersonOnce, in.Population = false, ""
		if !reflect.DeepEqual(*in, Input{}) {
			return specErr("input", "the table is given: the spec must not name an input too (each_person_once excepted)")
		}
		in.EachPersonOnce, in.Population = once, pop
		for d := 0; d < t.NumDims(); d++ {
			in.Dims = append(in.Dims, Dim{Name: t.Dim(d).Name()})
		}
		if t.HasMagnitude() && !t.ExactValues() {
			// Its sums would be published unaudited.
			return specErr("input", "the given magnitude table has no exact values: build it with Builder.AddRecordUnits, or read it from CSV")
		}
		defer func() { s.Input = Input{EachPersonOnce: once, Population: pop} }()
		in.Cells = givenTable
	}
	if err := in.validate(); err != nil {
		return err
	}
	names := map[string]bool{}
	for _, d := range in.Dims {
		names[d.Name] = true
	}
	tables := map[string]bool{}
	for i, t := range s.Tables {
		key := fmt.Sprintf("tables[%d]", i)
		if err := sdc.CheckCode(t.Name); err != nil || strings.ContainsAny(t.Name, `/\`) {
			return specErr(key+".name", "%q is not a table name", t.Name)
		}
		if tables[t.Name] {
			return specErr(key+".name", "table %q named twice", t.Name)
		}
		tables[t.Name] = true
		if len(t.Dims) == 0 {
			return specErr(key+".dims", "no dimension")
		}
		seenDim := map[string]bool{}
		for _, d := range t.Dims {
			if !names[d] {
				return specErr(key+".dims", "%q is not a dimension of the input", d)
			}
			if seenDim[d] {
				return specErr(key+".dims", "dimension %q given twice", d)
			}
			seenDim[d] = true
		}
	}
	if len(s.Tables) > 0 && (s.Rules.SuppressCells != "" || s.Rules.PublishCells != "") {
		return specErr("rules", "suppress_cells and publish_cells go with a single table, not with tables")
	}
	if err := s.Rules.Validate(); err != nil {
		return err
	}
	if key := s.Rules.magnitude(); key != "" {
		magnitude := in.Records != "" && in.Contributor != ""
		if t != nil {
			magnitude = t.HasMagnitude()
		}
		if !magnitude {
			return specErr(key, "needs a magnitude table: records with a contributor column (input.records, input.contributor)")
		}
	}
	if err := s.validateMethod(); err != nil {
		return err
	}
	if err := s.Requirement.validate(); err != nil {
		return err
	}
	if s.Outputs.Published == "" {
		return specErr("outputs.published", "required")
	}
	if in.Format == "dhis2" {
		f, _ := dhis2.FormatOf(in.DataValues)
		if g, err := dhis2.FormatOf(s.Outputs.Published); err != nil || g != f {
			return specErr("outputs.published", "%q: with format dhis2 the published file is a dataValueSet in the input's format (%s)", s.Outputs.Published, filepath.Ext(in.DataValues))
		}
		if len(s.Tables) > 0 {
			return specErr("tables", "linked tables do not go with format dhis2 (one data element, one table)")
		}
		if s.Outputs.SumsOnly {
			return specErr("outputs.sums_only", "does not go with format dhis2 (counts)")
		}
		if s.Method.Name == "cellkey" {
			return specErr("method.name", "cellkey needs records; a dataValueSet has counts")
		}
	} else if s.Outputs.DHIS2 != nil {
		return specErr("outputs.dhis2", "goes with input format dhis2")
	}
	for _, r := range []struct{ key, path string }{{"outputs.report", s.Outputs.Report}, {"outputs.public_report", s.Outputs.PublicReport}} {
		if r.path != "" && !strings.EqualFold(filepath.Ext(r.path), ".html") {
			return specErr(r.key, "%q: a report is an .html file (its JSON goes beside it)", r.path)
		}
	}
	if o := s.Outputs.DHIS2; o != nil && strings.ContainsAny(o.Comment, "\n\r") {
		return specErr("outputs.dhis2.comment", "one line, please")
	}
	if s.Outputs.SumsOnly {
		switch {
		case t == nil && (in.Records == "" || in.Value == "" || in.Contributor == ""), t != nil && !t.HasMagnitude():
			return specErr("outputs.sums_only", "goes with a magnitude table (records with a value and a contributor column)")
		case s.Rules.magnitude() == "":
			return specErr("outputs.sums_only", "needs a rule of contributions (dominance, p_percent, pq) to protect the sums against")
		case s.Method.Name != "gauss" || s.Method.ExactOnly || len(s.Tables) > 0:
			return specErr("outputs.sums_only", "goes with method gauss (not exact_only) on one table")
		}
	}
	return nil
}

// validate checks the input part of a spec and fills in its defaults.
func (in *Input) validate() error {
	switch in.Format {
	case "", "csv":
		if in.DataValues != "" || in.DHIS2 != nil {
			return specErr("input.format", "data_values and dhis2 go with format dhis2")
		}
	case "dhis2":
		return in.validateDHIS2()
	default:
		return specErr("input.format", "%q: want csv (the default) or dhis2", in.Format)
	}
	switch {
	case in.Cells == "" && in.Records == "":
		return specErr("input", "give cells or records")
	case in.Cells != "" && in.Records != "":
		return specErr("input", "cells and records contradict each other: give one")
	case in.Cells != "" && (in.Value != "" || in.Contributor != ""):
		return specErr("input", "value and contributor go with records, not with cells")
	case in.Records != "" && in.Totals:
		return specErr("input.totals", "goes with cells, not with records")
	case in.Records != "" && in.Count != "":
		return specErr("input.count", "goes with cells, not with records")
	case in.Decimals != 0 && in.Value == "":
		return specErr("input.decimals", "goes with a value column (input.value)")
	case in.Decimals < 0 || in.Decimals > sdc.MaxDecimals:
		return specErr("input.decimals", "%d: want 0 (as the data has) to %d", in.Decimals, sdc.MaxDecimals)
	case len(in.Dims) == 0:
		return specErr("input.dims", "no dimension: name every dimension column of the input")
	}
	if in.Cells != "" && in.Count == "" {
		in.Count = "freq"
	}
	if in.Cells != "" && (in.Person != "" || in.RecordKey != "" || in.RecordID != "") {
		return specErr("input.person", "person, record_key and record_id are columns of records, not of cells")
	}
	if in.Records != "" && in.Contributor != "" && len(in.unitColumns()) > 0 {
		return specErr("input.contributor", "a magnitude table's records do not go with person, record_key or record_id")
	}
	names := map[string]bool{}
	for i, d := range in.Dims {
		key := fmt.Sprintf("input.dims[%d]", i)
		if err := sdc.CheckCode(d.Name); err != nil || strings.TrimSpace(d.Name) != d.Name {
			return specErr(key+".name", "%q is not a dimension name", d.Name)
		}
		if names[d.Name] {
			return specErr(key+".name", "dimension %s given twice", d.Name)
		}
		names[d.Name] = true
		if d.File != "" && d.Codes != nil {
			return specErr(key, "file and codes contradict each other: give one")
		}
		if d.Codes != nil && len(d.Codes) == 0 {
			return specErr(key+".codes", "empty list")
		}
		seen := map[string]bool{}
		for _, c := range d.Codes {
			switch {
			case c == sdc.TotalCode:
				return specErr(key+".codes", "%q is the code of the total, not a category", c)
			case seen[c]:
				return specErr(key+".codes", "code %q given twice", c)
			}
			if err := sdc.CheckCode(c); err != nil {
				return specErr(key+".codes", "%v", err)
			}
			seen[c] = true
		}
	}
	// Every column of the input and of the outputs has one name.
	cols := map[string]string{}
	for i, d := range in.Dims {
		cols[d.Name] = fmt.Sprintf("input.dims[%d].name", i)
	}
	count := in.Count
	if count == "" {
		count = "freq" // the count column of the outputs
	}
	for _, c := range []struct{ key, name string }{
		{"input.count", count}, {"input.value", in.Value}, {"input.contributor", in.Contributor},
		{"input.person", in.Person}, {"input.record_key", in.RecordKey}, {"input.record_id", in.RecordID},
	} {
		if c.name == "" {
			continue
		}
		if other, ok := cols[c.name]; ok {
			return specErr(c.key, "%q is also %s: every column needs its own name", c.name, other)
		}
		cols[c.name] = c.key
	}
	for _, reserved := range outputColumns {
		if key, ok := cols[reserved]; ok {
			return specErr(key, "%q is a column of the output files: name it otherwise", reserved)
		}
	}
	return nil
}

func (in *Input) validateDHIS2() error {
	switch {
	case in.DataValues == "":
		return specErr("input.data_values", "required with format dhis2: a dataValueSet (.json or .csv)")
	case in.Cells != "" || in.Records != "":
		return specErr("input.cells", "format dhis2 reads data_values, not cells or records")
	case len(in.Dims) > 0:
		return specErr("input.dims", "format dhis2 takes the dimensions from the metadata: give none")
	case in.Count != "" || in.Totals || in.Value != "" || in.Contributor != "" || in.Decimals != 0 || in.Person != "" || in.RecordKey != "" || in.RecordID != "":
		return specErr("input", "format dhis2 takes data_values and dhis2 (and each_person_once for dp) only")
	case in.DHIS2 == nil || in.DHIS2.Metadata == "":
		return specErr("input.dhis2.metadata", "required with format dhis2: a metadata export (/api/metadata JSON)")
	}
	if _, err := dhis2.FormatOf(in.DataValues); err != nil {
		return specErr("input.data_values", "%v", err)
	}
	if _, err := dhis2.ParseIDScheme(in.DHIS2.IDScheme); err != nil {
		return specErr("input.dhis2.id_scheme", "%v", err)
	}
	return nil
}

func (rq Requirement) validate() error {
	for i, v := range []float64{rq.RangeMin, rq.RangePercent, rq.UpperLevel, rq.LowerLevel} {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return specErr("requirement."+[]string{"range_min", "range_percent", "upper_level", "lower_level", "value_lower", "value_upper"}[i], "%v: must be finite and not negative", v)
		}
	}
	return nil
}

// Validate checks the rules' parameters (not whether any rule is given).
func (r *Rules) Validate() error {
	switch {
	case r.MaxN < 0:
		return specErr("rules.max_n", "%d is negative (0 turns the frequency rule off)", r.MaxN)
	case r.MaxN > MaxMaxN:
		return specErr("rules.max_n", "%d is more than %d", r.MaxN, MaxMaxN)
	case r.MaxN == 0 && r.ProtectZeros:
		return specErr("rules.protect_zeros", "needs the frequency rule (max_n ≥ 1)")
	case r.MinContributors < 0 || r.MinContributors == 1:
		return specErr("rules.min_contributors", "%d: want 0 (off) or 2 or more", r.MinContributors)
	}
	for i, d := range r.Dominance {
		if d.N < 1 || d.N > 100 || !(d.K > 0 && d.K < 100) {
			return specErr(fmt.Sprintf("rules.dominance[%d]", i), "n %d, k %v: want a whole n ≥ 1 and 0 < k < 100, e.g. n 1, k 85", d.N, d.K)
		}
	}
	if p := r.PPercent; p != nil && (!(p.P > 0 && p.P < 100) || p.Coalition < 0 || p.Coalition > 100) {
		return specErr("rules.p_percent", "p %v, coalition %d: want p in (0, 100) and a coalition of 0 (1) to 100", p.P, p.Coalition)
	}
	if q := r.PQ; q != nil && !(q.P > 0 && q.Q > q.P && q.Q <= 100) {
		return specErr("rules.pq", "p %v, q %v: want 0 < p < q ≤ 100", q.P, q.Q)
	}
	return nil
}

// methodOptions lists which options go with which built-in method.
var methodOptions = map[string][]string{
	"gauss":       {"exact_only", "full_audit", "max_rounds", "no_cleanup", "publish_zeros", "cost"},
	"none":        {},
	"small-count": {"base", "max_round", "up_from_zero", "seed"},
	"controlled":  {"base", "deterministic"},
	"random":      {"base"},
	"dp":          {"mechanism", "epsilon", "delta", "l0", "linf", "split", "ledger", "budget_epsilon", "budget_delta"},
	"cellkey":     {"ptable", "ptable_d", "ptable_v", "ptable_js", "key_secret_file"},
}

// set lists the method options a spec sets.
func (m *MethodSpec) set() []string {
	var out []string
	for _, o := range []struct {
		name string
		on   bool
	}{
		{"exact_only", m.ExactOnly}, {"full_audit", m.FullAudit}, {"max_rounds", m.MaxRounds != 0},
		{"no_cleanup", m.NoCleanup}, {"publish_zeros", m.PublishZeros}, {"cost", m.Cost != ""},
		{"base", m.Base != 0}, {"max_round", m.MaxRound != 0}, {"up_from_zero", m.UpFromZero},
		{"seed", m.Seed != 0}, {"deterministic", m.Deterministic},
		{"mechanism", m.Mechanism != ""}, {"epsilon", m.Epsilon != 0}, {"delta", m.Delta != 0},
		{"l0", m.L0 != 0}, {"linf", m.LInf != 0}, {"split", m.Split != nil}, {"ledger", m.Ledger != ""},
		{"budget_epsilon", m.BudgetEpsilon != 0}, {"budget_delta", m.BudgetDelta != 0},
		{"ptable", m.PTable != ""}, {"ptable_d", m.PTableD != 0}, {"ptable_v", m.PTableV != 0},
		{"ptable_js", m.PTableJS != 0}, {"key_secret_file", m.KeySecretFile != ""},
	} {
		if o.on {
			out = append(out, o.name)
		}
	}
	return out
}

func (s *Spec) validateMethod() error {
	m := &s.Method
	if m.Name == "" {
		m.Name = "gauss"
	}
	allowed, builtin := methodOptions[m.Name]
	if !builtin {
		if _, ok := lookup(m.Name); !ok {
			return specErr("method.name", "%q: unknown method (available: %s)", m.Name, strings.Join(Methods(), ", "))
		}
		allowed = nil
	}
	for _, o := range m.set() {
		ok := false
		for _, a := range allowed {
			ok = ok || a == o
		}
		if !ok {
			return specErr("method."+o, "does not go with method %s", m.Name)
		}
	}
	switch m.Name {
	case "gauss":
		if m.MaxRounds == 0 {
			m.MaxRounds = 30
		}
		if m.MaxRounds < 1 || m.MaxRounds > MaxMaxRounds {
			return specErr("method.max_rounds", "%d: want 1 to %d", m.MaxRounds, MaxMaxRounds)
		}
		switch m.Cost {
		case "", "value", "count", "unity":
		default:
			return specErr("method.cost", "%q: want value, count or unity", m.Cost)
		}
		if m.ExactOnly && m.FullAudit {
			return specErr("method.full_audit", "contradicts exact_only (exact_only runs no interval audit)")
		}
	case "small-count", "controlled", "random":
		if m.Base == 0 {
			m.Base = 3
		}
		if m.Base < 2 || m.Base > MaxBase {
			return specErr("method.base", "%d: want 2 to %d", m.Base, int64(MaxBase))
		}
		if m.MaxRound < 0 || m.MaxRound != 0 && m.MaxRound < m.Base-1 {
			return specErr("method.max_round", "%d: want 0 (base−1) or at least base−1 = %d", m.MaxRound, m.Base-1)
		}
	case "dp":
		if err := s.validateDP(); err != nil {
			return err
		}
	case "cellkey":
		if err := s.validateCellKey(); err != nil {
			return err
		}
	}
	if m.Name != "dp" && (s.Input.Person != "" || s.Input.EachPersonOnce) {
		return specErr("input.person", "goes with method dp (differential privacy)")
	}
	if m.Name != "cellkey" && (s.Input.RecordKey != "" || s.Input.RecordID != "") {
		return specErr("input.record_key", "goes with method cellkey")
	}
	if isRounding(m.Name) && (s.Rules.any() || s.Rules.SuppressCells != "" || s.Rules.PublishCells != "") {
		if isNoise(m.Name) {
			return specErr("rules", "noise takes no primary rules (every count is published with noise)")
		}
		return specErr("rules", "rounding takes no primary rules (it protects every count in 1..max_round)")
	}
	if !isRounding(m.Name) && !s.Rules.any() && s.Rules.SuppressCells == "" {
		return specErr("rules", "no primary rule: give max_n, min_contributors, dominance, p_percent, pq or suppress_cells")
	}
	if !isRounding(m.Name) && m.Name != "none" && !m.ExactOnly && !s.Outputs.SumsOnly && s.Requirement == (Requirement{}) && s.Rules.MaxN == 0 {
		return specErr("requirement", "none given, and no max_n to derive one from: set range_min, range_percent, upper_level or lower_level (or method.exact_only for exact disclosure only)")
	}
	if m.Name == "none" && (s.Requirement != Requirement{}) {
		return specErr("requirement", "goes with a protection method; none audits nothing")
	}
	if isRounding(m.Name) && (s.Requirement != Requirement{}) {
		return specErr("requirement", "goes with suppression; rounding's and noise's intervals follow from their parameters")
	}
	if isRounding(m.Name) && len(s.Tables) > 0 {
		return specErr("tables", "linked tables go with suppression, not with rounding or noise")
	}
	return nil
}

// givenTable stands for the input of RunTable: the table in memory.
const givenTable = "(the given table)"

// isRounding reports whether a method publishes every cell with a
// changed value (rounding or noise): it takes no primary rules, no
// requirement and no linked tables.
func isRounding(name string) bool {
	return name == "small-count" || name == "controlled" || name == "random" || isNoise(name)
}

// isNoise reports whether a method adds noise (dp, cellkey).
func isNoise(name string) bool { return name == "dp" || name == "cellkey" }

// MaxEpsilon is the largest ε a spec accepts: beyond it noise protects
// nothing.
const MaxEpsilon = 100

func (s *Spec) validateDP() error {
	m, in := &s.Method, &s.Input
	switch m.Mechanism {
	case "laplace", "gaussian":
	case "":
		return specErr("method.mechanism", "required: laplace or gaussian")
	default:
		return specErr("method.mechanism", "%q: want laplace or gaussian", m.Mechanism)
	}
	switch {
	case !(m.Epsilon > 0 && m.Epsilon <= MaxEpsilon):
		return specErr("method.epsilon", "%v: want 0 < epsilon ≤ %d", m.Epsilon, MaxEpsilon)
	case m.Mechanism == "laplace" && m.Delta != 0:
		return specErr("method.delta", "goes with gaussian noise; Laplace noise is ε-DP (delta 0)")
	case m.Mechanism == "gaussian" && !(m.Delta > 0 && m.Delta < 1):
		return specErr("method.delta", "%v: gaussian noise needs 0 < delta < 1 (such as 1e-6)", m.Delta)
	case m.L0 < 0 || m.L0 > 1_000_000:
		return specErr("method.l0", "%d: want 1 to 1000000 inner cells per person", m.L0)
	case m.LInf < 0 || m.LInf > 1_000_000:
		return specErr("method.linf", "%d: want 1 to 1000000 records per person and cell", m.LInf)
	case m.Ledger == "" && (m.BudgetEpsilon != 0 || m.BudgetDelta != 0):
		return specErr("method.budget_epsilon", "a budget goes with a ledger (method.ledger)")
	case m.BudgetEpsilon < 0 || m.BudgetEpsilon > 1e6 || math.IsNaN(m.BudgetEpsilon):
		return specErr("method.budget_epsilon", "%v: want a positive total", m.BudgetEpsilon)
	case m.BudgetDelta < 0 || m.BudgetDelta >= 1 || math.IsNaN(m.BudgetDelta):
		return specErr("method.budget_delta", "%v: want 0 ≤ budget_delta < 1", m.BudgetDelta)
	case m.BudgetDelta != 0 && m.BudgetEpsilon == 0:
		return specErr("method.budget_epsilon", "required with budget_delta")
	}
	if m.L0 == 0 {
		m.L0 = 1
	}
	if m.LInf == 0 {
		m.LInf = 1
	}
	sum := 0.0
	seen := map[string]bool{}
	for i, it := range m.Split {
		key := fmt.Sprintf("method.split[%d]", i)
		if strings.TrimSpace(it.Query) == "" {
			return specErr(key+".query", "empty (want dim:depth items joined by +, or detail)")
		}
		if seen[it.Query] {
			return specErr(key+".query", "%q given twice", it.Query)
		}
		seen[it.Query] = true
		if !(it.Share > 0 && it.Share <= 1) {
			return specErr(key+".share", "%v: want 0 < share ≤ 1", it.Share)
		}
		sum += it.Share
	}
	if m.Split != nil && math.Abs(sum-1) > 1e-9 {
		return specErr("method.split", "the shares sum to %v, not 1", sum)
	}
	switch {
	case in.Records != "" && in.Person == "":
		return specErr("input.person", "required: the column of each record's person id (differential privacy bounds what one person contributes)")
	case (in.Cells != "" || in.Format == "dhis2") && !in.EachPersonOnce:
		return specErr("input.each_person_once", "differential privacy from cells needs each person to count once (set it if that is true of the data), or records with a person column")
	case in.Records != "" && in.EachPersonOnce:
		return specErr("input.each_person_once", "goes with cells; records give persons (input.person)")
	case in.EachPersonOnce && (m.L0 > 1 || m.LInf > 1):
		return specErr("method.l0", "contradicts input.each_person_once (each person in one cell, once: l0 = linf = 1)")
	case in.Value != "" || in.Contributor != "":
		return specErr("input.value", "differential privacy here releases counts, not magnitudes")
	case in.Totals:
		return specErr("input.totals", "does not go with method dp: totals are measured with noise, not read")
	}
	for i, d := range in.Dims {
		if d.File == "" && d.Codes == nil && in.Cells != givenTable {
			return specErr(fmt.Sprintf("input.dims[%d]", i), "dimension %s has no declared codes (file or codes): with differential privacy the categories must not come from the data, since a category that exists only because a record has it tells that someone is in it", d.Name)
		}
	}
	return nil
}

func (s *Spec) validateCellKey() error {
	m, in := &s.Method, &s.Input
	switch {
	case in.Records == "":
		return specErr("input.records", "the cell key method needs records: a cell's key is the sum of its records' keys")
	case in.Value != "" || in.Contributor != "":
		return specErr("input.value", "the cell key method here perturbs counts, not magnitudes")
	case in.RecordKey == "" && in.RecordID == "":
		return specErr("input.record_key", "required: a column of record keys, or input.record_id with method.key_secret_file")
	case in.RecordKey != "" && in.RecordID != "":
		return specErr("input.record_id", "contradicts input.record_key: give one")
	case in.RecordID != "" && m.KeySecretFile == "":
		return specErr("method.key_secret_file", "required with input.record_id: the secret the record keys are derived from")
	case in.RecordKey != "" && m.KeySecretFile != "":
		return specErr("method.key_secret_file", "goes with input.record_id, not with a column of keys")
	case m.PTable != "" && (m.PTableD != 0 || m.PTableV != 0 || m.PTableJS != 0):
		return specErr("method.ptable", "a file contradicts ptable_d, ptable_v, ptable_js: give one")
	case m.PTable == "" && (m.PTableD == 0 || m.PTableV == 0):
		return specErr("method.ptable_d", "give a perturbation table: method.ptable (a file) or ptable_d and ptable_v (and ptable_js)")
	case m.PTable == "" && (m.PTableD < 1 || m.PTableD > 100):
		return specErr("method.ptable_d", "%d: want 1 to 100", m.PTableD)
	case m.PTable == "" && !(m.PTableV > 0 && m.PTableV <= 1e4):
		return specErr("method.ptable_v", "%v: want a positive variance", m.PTableV)
	case m.PTableJS < 0 || m.PTableJS > 1000:
		return specErr("method.ptable_js", "%d: want 0 to 1000", m.PTableJS)
	}
	return nil
}

// magnitude returns the key of the first rule that needs contributions
// (a magnitude table), or "".
func (r *Rules) magnitude() string {
	switch {
	case r.MinContributors > 0:
		return "rules.min_contributors"
	case len(r.Dominance) > 0:
		return "rules.dominance"
	case r.PPercent != nil:
		return "rules.p_percent"
	case r.PQ != nil:
		return "rules.pq"
	}
	return ""
}

// any reports whether a rule (other than the manual lists) is set.
func (r *Rules) any() bool {
	return r.MaxN > 0 || r.MinContributors > 0 || len(r.Dominance) > 0 || r.PPercent != nil || r.PQ != nil
}

// emptyDocument reports whether n is a document with nothing in it (a
// spec ending in "---").
func emptyDocument(n *yaml.Node) bool {
	if n.Kind == 0 {
		return true
	}
	return n.Kind == yaml.DocumentNode && (len(n.Content) == 0 || n.Content[0].Tag == "!!null")
}

// integerKeys are the spec's keys whose values are whole numbers.
var integerKeys = map[string]bool{"decimals": true, "max_n": true, "min_contributors": true, "n": true, "coalition": true,
	"max_rounds": true, "base": true, "max_round": true, "seed": true, "l0": true, "linf": true,
	"ptable_d": true, "ptable_js": true}

// checkIntegers refuses a decimal where the spec wants a whole number (the
// YAML decoder would silently truncate base: 2.9 to 2).
func checkIntegers(data []byte, file string) error {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil {
		return nil // the decoder has reported it
	}
	var walk func(n *yaml.Node) error
	walk = func(n *yaml.Node) error {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if integerKeys[k.Value] && v.Kind == yaml.ScalarNode && v.Tag != "!!int" {
					return &SpecError{File: file, Line: v.Line, Key: k.Value, Err: fmt.Errorf("%q is not a whole number", v.Value)}
				}
			}
		}
		for _, c := range n.Content {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(&doc)
}
