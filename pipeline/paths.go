package pipeline

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tabsdc/tabsdc/report"
)

// PathError is a file a run must not write: an output that is an input
// or another output, a folder, a device, or in a folder that does not
// exist or cannot be written.
type PathError struct{ msg string }

func (e *PathError) Error() string { return e.msg }

func pathErr(format string, args ...any) error {
	return &PathError{fmt.Sprintf(format, args...)}
}

// fileID identifies a file: its cleaned, absolute path with symbolic links
// resolved (for a file that does not exist yet, its folder's), and, for a
// file that exists, what os.SameFile compares (device and inode).
type fileID struct {
	resolved string
	info     os.FileInfo
}

func identify(p string) fileID {
	// The path as the kernel resolves it: symbolic links first, then
	// "..", so never cleaned before it is resolved (dirlink/../x.csv is
	// not ./x.csv).
	abs := func(q string) string {
		if a, err := filepath.Abs(q); err == nil {
			return a
		}
		return filepath.Clean(q)
	}
	id := fileID{resolved: abs(p)}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		id.resolved = abs(r)
	} else if rd, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil {
		id.resolved = abs(filepath.Join(rd, filepath.Base(p)))
	}
	if fi, err := os.Stat(p); err == nil {
		id.info = fi
	}
	return id
}

func (a fileID) same(b fileID) bool {
	return a.resolved == b.resolved || a.info != nil && b.info != nil && os.SameFile(a.info, b.info)
}

// CheckPaths is run before any work (Run runs it). It is an error for an output to
// be one of the inputs or the same file as another output (compared by
// identity, not by spelling: ./x.csv and x.csv, a symbolic link and its
// target, two hard links), for an output to be a folder, or for an
// output's folder not to exist or not to be writable. Empty paths are
// skipped.
func CheckPaths(inputs, outputs []report.InputFile) error {
	ins := make([]fileID, len(inputs))
	for i, in := range inputs {
		if in.Path != "" {
			ins[i] = identify(in.Path)
		}
	}
	outs := make([]fileID, len(outputs))
	folders := map[string]bool{}
	for i, out := range outputs {
		if out.Path == "" {
			continue
		}
		id := identify(out.Path)
		outs[i] = id
		for j, in := range inputs {
			if in.Path != "" && id.same(ins[j]) {
				return pathErr("%s %s is also the input %s %s: refusing to overwrite an input", out.Role, out.Path, in.Role, in.Path)
			}
		}
		for j := range i {
			if outputs[j].Path != "" && id.same(outs[j]) {
				return pathErr("%s %s and %s %s are the same file", outputs[j].Role, outputs[j].Path, out.Role, out.Path)
			}
		}
		if id.info != nil && id.info.IsDir() {
			return pathErr("%s %s is a folder, not a file", out.Role, out.Path)
		}
		if id.info != nil && !id.info.Mode().IsRegular() {
			return pathErr("%s %s is not a regular file (a device, pipe or socket): refusing to replace it", out.Role, out.Path)
		}
		dir := filepath.Dir(out.Path)
		if folders[dir] {
			continue
		}
		if err := checkFolder(dir); err != nil {
			return pathErr("%s %s: %v", out.Role, out.Path, err)
		}
		folders[dir] = true
	}
	return nil
}

// checkFolder checks that dir exists, is a folder and takes new files.
func checkFolder(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("folder %s does not exist", dir)
	case err != nil:
		return fmt.Errorf("folder %s: %v", dir, errors.Unwrap(err))
	case !fi.IsDir():
		return fmt.Errorf("%s is not a folder", dir)
	}
	f, err := os.CreateTemp(dir, ".tabsdc-probe*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("folder %s is not writable: %v", dir, err)
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	return nil
}
