package noise

import (
	"bytes"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"github.com/tabsdc/tabsdc/sdc"
)

// Budget is a total privacy budget: the sum of ε and of δ over every
// release recorded in a ledger may not exceed it.
type Budget struct {
	Epsilon float64 `json:"epsilon"`
	Delta   float64 `json:"delta"`
}

// Entry is one release in a ledger.
type Entry struct {
	// ID identifies the entry (random); Status is "reserved" from before
	// the release's noise is drawn until its outputs are written, then
	// "released". Both count against the budget: a reserved entry left
	// behind (a run whose outputs were partly written, or a caller that
	// drew noise and never wrote) is budget spent.
	ID        string  `json:"id,omitempty"`
	Status    string  `json:"status,omitempty"`
	Date      string  `json:"date"`
	Tool      string  `json:"tool,omitempty"`
	Mechanism string  `json:"mechanism"`
	Epsilon   float64 `json:"epsilon"`
	Delta     float64 `json:"delta"`
	// Inputs are the files read, with their SHA-256; Outputs the files
	// written.
	Inputs  []LedgerFile `json:"inputs,omitempty"`
	Outputs []string     `json:"outputs,omitempty"`
	// Queries are the measurements and their ε.
	Queries []LedgerQuery `json:"queries,omitempty"`
}

// LedgerFile is an input of a release.
type LedgerFile struct {
	Role   string `json:"role"`
	Path   string `json:"path"`
	SHA256 string `json:"sha256,omitempty"`
}

// LedgerQuery is one measurement of a release.
type LedgerQuery struct {
	Query   string  `json:"query"`
	Epsilon float64 `json:"epsilon"`
	Delta   float64 `json:"delta"`
}

// Ledger records the differentially private releases of a collection of
// data and the budget they share (sequential composition: the ε and δ of
// the releases add up).
type Ledger struct {
	Budget   *Budget `json:"budget,omitempty"`
	Releases []Entry `json:"releases"`
}

// ErrBudget marks a release the budget does not allow.
var ErrBudget = errors.New("privacy budget exceeded")

// ReadLedger reads a ledger file; a file that does not exist is an empty
// ledger.
func ReadLedger(path string) (*Ledger, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Ledger{}, nil
	}
	if err != nil {
		return nil, err
	}
	l, err := ParseLedger(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return l, nil
}

// ParseLedger reads a ledger in its JSON form: unknown fields, a negative
// or non-finite ε or δ, or a budget already exceeded are errors.
func ParseLedger(r io.Reader) (*Ledger, error) {
	dec := json.NewDecoder(io.LimitReader(r, 64<<20))
	dec.DisallowUnknownFields()
	var l Ledger
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	if dec.More() {
		return nil, errors.New("ledger: more than one JSON value")
	}
	if l.Budget != nil {
		if err := l.Budget.check(); err != nil {
			return nil, fmt.Errorf("ledger: budget: %w", err)
		}
	}
	for i, e := range l.Releases {
		if !finiteNonNeg(e.Epsilon) || !finiteNonNeg(e.Delta) {
			return nil, fmt.Errorf("ledger: release %d: epsilon %v, delta %v: want finite non-negative numbers", i+1, e.Epsilon, e.Delta)
		}
	}
	if b := l.Budget; b != nil {
		if se, sd := l.Spent(); se > b.Epsilon*(1+slack) || sd > b.Delta*(1+slack) {
			return nil, fmt.Errorf("ledger: its releases spend ε = %g, δ = %g, more than its budget ε = %g, δ = %g", se, sd, b.Epsilon, b.Delta)
		}
	}
	return &l, nil
}

func finiteNonNeg(x float64) bool { return x >= 0 && !math.IsInf(x, 0) }

func (b *Budget) check() error {
	if !(b.Epsilon > 0) || math.IsInf(b.Epsilon, 0) {
		return fmt.Errorf("epsilon %v: want a positive finite number", b.Epsilon)
	}
	if !(b.Delta >= 0 && b.Delta < 1) {
		return fmt.Errorf("delta %v: want 0 ≤ delta < 1", b.Delta)
	}
	return nil
}

// Spent returns the ε and δ of every release recorded.
func (l *Ledger) Spent() (eps, delta float64) {
	for _, e := range l.Releases {
		eps += e.Epsilon
		delta += e.Delta
	}
	return eps, delta
}

// slack absorbs floating-point error in sums of budgets: ten releases of
// ε = 0.1 fit a budget of 1.
const slack = 1e-9

// Allow checks that a release of ε, δ fits: budget is the budget asked
// for (nil: the ledger's own), which must agree with the one the ledger
// records, if any. The error says what is left.
func (l *Ledger) Allow(budget *Budget, eps, delta float64) (*Budget, error) {
	b := l.Budget
	switch {
	case budget != nil && b != nil && *budget != *b:
		return nil, fmt.Errorf("the ledger's budget is ε = %g, δ = %g, not ε = %g, δ = %g: a budget is not changed by a run (edit the ledger on purpose to change it)", b.Epsilon, b.Delta, budget.Epsilon, budget.Delta)
	case budget != nil:
		b = budget
	case b == nil:
		return nil, errors.New("the ledger has no budget yet: give one (budget_epsilon, budget_delta)")
	}
	if err := b.check(); err != nil {
		return nil, fmt.Errorf("budget: %w", err)
	}
	se, sd := l.Spent()
	if se+eps > b.Epsilon*(1+slack) || sd+delta > b.Delta*(1+slack) {
		return nil, fmt.Errorf("%w: this release needs ε = %g, δ = %g; the ledger has spent ε = %g, δ = %g of ε = %g, δ = %g in %d releases; left: ε = %g, δ = %g", ErrBudget, eps, delta, se, sd, b.Epsilon, b.Delta, len(l.Releases), math.Max(0, b.Epsilon-se), math.Max(0, b.Delta-sd))
	}
	return b, nil
}

// Add records a release under budget b (which Allow returned).
func (l *Ledger) Add(b *Budget, e Entry) {
	l.Budget = b
	l.Releases = append(l.Releases, e)
}

// Entry statuses.
const (
	Reserved = "reserved"
	Released = "released"
)

// Reserve enters a release of e.Epsilon, e.Delta in the ledger file at
// path before its noise is drawn, under the ledger's lock: it is refused
// (ErrBudget, nothing written) when the budget does not allow it. budget
// is the budget asked for (nil: the ledger's own). It returns the entry's
// id, for Release or Cancel.
func Reserve(path string, budget *Budget, e Entry) (string, error) {
	real, unlock, err := lockLedger(path)
	if err != nil {
		return "", err
	}
	defer unlock()
	l, err := ReadLedger(real)
	if err != nil {
		return "", err
	}
	b, err := l.Allow(budget, e.Epsilon, e.Delta)
	if err != nil {
		return "", err
	}
	var id [12]byte
	if _, err := crand.Read(id[:]); err != nil {
		return "", err
	}
	e.ID, e.Status = hex.EncodeToString(id[:]), Reserved
	l.Add(b, e)
	return e.ID, sdc.WriteFilesAtomic([]sdc.OutputFile{{Path: real, Write: l.WriteJSON, Private: true}})
}

// Release turns the reserved entry id into a released one, with the
// inputs and outputs of the release, and returns the ledger's new file,
// for the caller to write after the outputs (in the same all-or-nothing
// write); unlock releases the ledger's lock once it is written or not.
func Release(path, id string, inputs []LedgerFile, outputs []string) (file sdc.OutputFile, unlock func(), err error) {
	real, unlock, err := lockLedger(path)
	if err != nil {
		return sdc.OutputFile{}, nil, err
	}
	l, err := ReadLedger(real)
	if err != nil {
		unlock()
		return sdc.OutputFile{}, nil, err
	}
	i := l.find(id)
	if i < 0 || l.Releases[i].Status != Reserved {
		unlock()
		return sdc.OutputFile{}, nil, fmt.Errorf("%s: the reservation %s of this release is not in the ledger any more: nothing is written", path, id)
	}
	l.Releases[i].Status = Released
	l.Releases[i].Inputs, l.Releases[i].Outputs = inputs, outputs
	return sdc.OutputFile{Path: real, Write: l.WriteJSON, Private: true}, unlock, nil
}

// Cancel removes the reserved entry id: the release's noise was drawn
// but nothing of it was published or returned.
func Cancel(path, id string) error {
	real, unlock, err := lockLedger(path)
	if err != nil {
		return err
	}
	defer unlock()
	l, err := ReadLedger(real)
	if err != nil {
		return err
	}
	i := l.find(id)
	if i < 0 || l.Releases[i].Status != Reserved {
		return nil
	}
	l.Releases = append(l.Releases[:i], l.Releases[i+1:]...)
	return sdc.WriteFilesAtomic([]sdc.OutputFile{{Path: real, Write: l.WriteJSON, Private: true}})
}

func (l *Ledger) find(id string) int {
	for i, e := range l.Releases {
		if e.ID == id {
			return i
		}
	}
	return -1
}

// lockLedger resolves the ledger's path (a symbolic link is followed, so
// every link to one ledger shares it; a ledger with a second hard link is
// refused, as the atomic rename would split it) and takes its lock.
func lockLedger(path string) (real string, unlock func(), err error) {
	real, err = resolveLedger(path)
	if err != nil {
		return "", nil, err
	}
	unlock, err = LockLedger(real)
	return real, unlock, err
}

func resolveLedger(path string) (string, error) {
	real, err := filepath.EvalSymlinks(path)
	if errors.Is(err, fs.ErrNotExist) {
		dir, derr := filepath.EvalSymlinks(filepath.Dir(path))
		if derr != nil {
			return "", fmt.Errorf("ledger %s: %w", path, derr)
		}
		return filepath.Join(dir, filepath.Base(path)), nil
	}
	if err != nil {
		return "", fmt.Errorf("ledger %s: %w", path, err)
	}
	if n := hardLinks(real); n > 1 {
		return "", fmt.Errorf("ledger %s has %d hard links: a ledger is one file (link to it symbolically)", path, n)
	}
	return real, nil
}

// WriteJSON writes the ledger as indented JSON.
func (l *Ledger) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if l.Releases == nil {
		l.Releases = []Entry{}
	}
	return enc.Encode(l)
}
