//go:build unix

package noise

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// LockLedger takes an exclusive lock for the ledger at path: flock on the
// folder that holds it (no lock file is created; the lock is released
// when the process ends, however it ends), waiting for a run that holds
// it.
func LockLedger(path string) (unlock func(), err error) {
	dir := filepath.Dir(path)
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("ledger lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("ledger lock on %s: %w", dir, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// hardLinks returns the number of hard links of an existing file (1 when
// it cannot tell).
func hardLinks(path string) uint64 {
	var st syscall.Stat_t
	if syscall.Stat(path, &st) != nil {
		return 1
	}
	return uint64(st.Nlink)
}
