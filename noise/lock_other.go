//go:build !unix

package noise

import (
	"errors"
	"fmt"
	"os"
)

// LockLedger takes an exclusive lock on path+".lock" by creating it; a
// lock left by a run that crashed must be removed by hand.
func LockLedger(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("ledger %s is locked by another run (remove %s.lock if none is running)", path, path)
	}
	if err != nil {
		return nil, err
	}
	return func() {
		f.Close()
		os.Remove(f.Name())
	}, nil
}

// hardLinks cannot tell here: 1.
func hardLinks(string) uint64 { return 1 }
