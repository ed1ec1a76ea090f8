package noise_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabsdc/tabsdc/noise"
)

func TestLedgerAllow(t *testing.T) {
	l := &noise.Ledger{}
	_, err := l.Allow(nil, 1, 0)
	require.Error(t, err, "no budget anywhere")
	b := &noise.Budget{Epsilon: 1, Delta: 1e-5}
	// Ten releases of ε = 0.1 fit a budget of 1 (floating-point sums).
	for i := 0; i < 10; i++ {
		got, err := l.Allow(b, 0.1, 1e-6)
		require.NoError(t, err, "release %d", i)
		l.Add(got, noise.Entry{Mechanism: "gaussian", Epsilon: 0.1, Delta: 1e-6})
	}
	_, err = l.Allow(nil, 0.01, 0)
	require.ErrorIs(t, err, noise.ErrBudget)
	assert.Contains(t, err.Error(), "in 10 releases")
	// δ counts too.
	l2 := &noise.Ledger{}
	got, err := l2.Allow(&noise.Budget{Epsilon: 10, Delta: 1e-6}, 1, 1e-6)
	require.NoError(t, err)
	l2.Add(got, noise.Entry{Epsilon: 1, Delta: 1e-6})
	_, err = l2.Allow(nil, 1, 1e-7)
	require.ErrorIs(t, err, noise.ErrBudget)
	// Another budget than the ledger's is refused.
	_, err = l2.Allow(&noise.Budget{Epsilon: 20, Delta: 1e-6}, 1, 0)
	require.Error(t, err)
	require.NotErrorIs(t, err, noise.ErrBudget)
	// Round trip.
	var buf bytes.Buffer
	require.NoError(t, l2.WriteJSON(&buf))
	back, err := noise.ParseLedger(&buf)
	require.NoError(t, err)
	assert.Equal(t, l2, back)
}

func TestParseLedgerRefuses(t *testing.T) {
	for _, in := range []string{
		``,
		`{"releases": [], "extra": 1}`,
		`{"budget": {"epsilon": 0}, "releases": []}`,
		`{"budget": {"epsilon": 1, "delta": 1}, "releases": []}`,
		`{"releases": [{"epsilon": -1}]}`,
		`{"releases": []} {"releases": []}`,
		`[1, 2]`,
		`{"budget": {"epsilon": 1}, "releases": [{"epsilon": 0.7}, {"epsilon": 0.7}]}`,
	} {
		_, err := noise.ParseLedger(strings.NewReader(in))
		assert.Error(t, err, in)
	}
}

func FuzzParseLedger(f *testing.F) {
	f.Add([]byte(`{"budget": {"epsilon": 2, "delta": 0}, "releases": [{"date": "2026-12-06T00:00:00Z", "mechanism": "laplace", "epsilon": 1, "delta": 0}]}`))
	f.Add([]byte(`{"releases": []}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := noise.ParseLedger(bytes.NewReader(data))
		if err != nil {
			return
		}
		eps, delta := l.Spent()
		require.GreaterOrEqual(t, eps, 0.0)
		require.GreaterOrEqual(t, delta, 0.0)
		var buf bytes.Buffer
		require.NoError(t, l.WriteJSON(&buf))
		back, err := noise.ParseLedger(&buf)
		require.NoError(t, err)
		require.Equal(t, len(l.Releases), len(back.Releases))
	})
}

// TestReserveConcurrently: runs that reserve at once never spend more
// than the budget: of 20 releases of ε = 0.1 under a budget of 1, ten
// are entered and ten refused.
func TestReserveConcurrently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.json")
	b := &noise.Budget{Epsilon: 1}
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = noise.Reserve(path, b, noise.Entry{Mechanism: "laplace", Epsilon: 0.1})
		}()
	}
	wg.Wait()
	ok, refused := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, noise.ErrBudget):
			refused++
		default:
			t.Fatal(err)
		}
	}
	assert.Equal(t, 10, ok)
	assert.Equal(t, 10, refused)
	l, err := noise.ReadLedger(path)
	require.NoError(t, err)
	assert.Len(t, l.Releases, 10)
	// Release and Cancel act on their own entry only.
	_, unlock, err := noise.Release(path, "no such id", nil, nil)
	require.Error(t, err)
	assert.Nil(t, unlock)
	require.NoError(t, noise.Cancel(path, l.Releases[3].ID))
	l2, err := noise.ReadLedger(path)
	require.NoError(t, err)
	assert.Len(t, l2.Releases, 9)
}
