package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// pathArg is a file named on the command line and the option that names it.
type pathArg struct{ opt, path string }

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

// checkPaths is run before any work. It is a usage error for an output to
// be one of the inputs or the same file as another output (compared by
// identity, not by spelling: ./x.csv and x.csv, a symbolic link and its
// target, two hard links), for an output to be a folder, or for an
// output's folder not to exist or not to be writable. Empty paths are
// skipped.
func checkPaths(inputs, outputs []pathArg) error {
	ins := make([]fileID, len(inputs))
	for i, in := range inputs {
		if in.path != "" {
			ins[i] = identify(in.path)
		}
	}
	outs := make([]fileID, len(outputs))
	folders := map[string]bool{}
	for i, out := range outputs {
		if out.path == "" {
			continue
		}
		id := identify(out.path)
		outs[i] = id
		for j, in := range inputs {
			if in.path != "" && id.same(ins[j]) {
				return usagef("%s %s is also the input %s %s: refusing to overwrite an input", out.opt, out.path, in.opt, in.path)
			}
		}
		for j := range i {
			if outputs[j].path != "" && id.same(outs[j]) {
				return usagef("%s %s and %s %s are the same file", outputs[j].opt, outputs[j].path, out.opt, out.path)
			}
		}
		if id.info != nil && id.info.IsDir() {
			return usagef("%s %s is a folder, not a file", out.opt, out.path)
		}
		if id.info != nil && !id.info.Mode().IsRegular() {
			return usagef("%s %s is not a regular file (a device, pipe or socket): refusing to replace it", out.opt, out.path)
		}
		dir := filepath.Dir(out.path)
		if folders[dir] {
			continue
		}
		if err := checkFolder(dir); err != nil {
			return usagef("%s %s: %v", out.opt, out.path, err)
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
