//go:build unix

package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Issue 14, point 2: a run interrupted by SIGINT (or SIGTERM) leaves every
// pre-existing output byte-identical and no temporary file behind, and
// exits non-zero. The binary is built and run on T3, whose protection takes
// minutes; the signal comes once the primary suppression is done.
func TestInterruptChangesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and generates T3")
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			bin := filepath.Join(dir, "tabsdc")
			build := exec.Command("go", "build", "-o", bin, ".")
			out, err := build.CombinedOutput()
			require.NoError(t, err, string(out))
			genTable(t, "T3", dir)
			for name, body := range map[string]string{"published.csv": "old published\n", "internal.csv": "old internal\n", "summary.json": "{}\n"} {
				require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600))
			}
			before := snapshot(t, dir)

			cmd := exec.Command(bin, "protect", "--input", filepath.Join(dir, "cells.csv"),
				"--dim", "geo="+filepath.Join(dir, "geo.csv"), "--dim", "sex", "--dim", "age", "--dim", "diag",
				"--out", filepath.Join(dir, "published.csv"), "--internal", filepath.Join(dir, "internal.csv"),
				"--json", filepath.Join(dir, "summary.json"))
			stderr, err := cmd.StderrPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			sc := bufio.NewScanner(stderr)
			var lines []string
			for sc.Scan() {
				lines = append(lines, sc.Text())
				if strings.HasPrefix(sc.Text(), "primary suppression") {
					break
				}
			}
			time.Sleep(200 * time.Millisecond) // into the secondary suppression
			require.NoError(t, cmd.Process.Signal(sig))
			done := make(chan error, 1)
			go func() {
				for sc.Scan() {
					lines = append(lines, sc.Text())
				}
				done <- cmd.Wait()
			}()
			select {
			case err = <-done:
			case <-time.After(2 * time.Minute):
				_ = cmd.Process.Kill()
				t.Fatalf("no exit two minutes after %v", sig)
			}
			var exit *exec.ExitError
			require.True(t, errors.As(err, &exit), "exit status: %v", err)
			assert.Equal(t, 1, exit.ExitCode())
			assert.Contains(t, strings.Join(lines, "\n"), "interrupted")
			assert.Equal(t, before, snapshot(t, dir), "an interrupted run changed or left files")
		})
	}
}
