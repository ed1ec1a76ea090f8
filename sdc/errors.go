package sdc

import (
	"errors"
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Sentinel errors of the readers, for errors.Is.
var (
	// ErrBadCode: a code that is not valid UTF-8 or holds a control
	// character (NUL, a tab, a line break, …).
	ErrBadCode = errors.New("invalid code")
	// ErrUnknownCode: a code that is not in its dimension (a declared code
	// list or a hierarchy), or a parent that is not in the hierarchy.
	ErrUnknownCode = errors.New("unknown code")
	// ErrDuplicateCode: a code given twice in a hierarchy or a code list.
	ErrDuplicateCode = errors.New("duplicate code")
	// ErrNotFinite: a value that is not a finite number, or values whose
	// sum is not.
	ErrNotFinite = errors.New("not a finite number")
)

// ParseError is an error at a place in an input file, like
// encoding/csv.ParseError. Row is the line the record starts on (the header
// is row 1); Column is the field, from 1, or 0 when the error is about the
// whole row. File is empty unless the caller that opened the file sets it.
type ParseError struct {
	File   string
	Row    int
	Column int
	Err    error
}

func (e *ParseError) Error() string {
	s := ""
	if e.File != "" {
		s = e.File + ": "
	}
	s += "row " + strconv.Itoa(e.Row)
	if e.Column > 0 {
		s += ", column " + strconv.Itoa(e.Column)
	}
	return s + ": " + e.Err.Error()
}

func (e *ParseError) Unwrap() error { return e.Err }

// CheckCode reports whether a code can name a category: it must be valid
// UTF-8 without control characters. The error wraps ErrBadCode.
func CheckCode(code string) error {
	if !utf8.ValidString(code) {
		return fmt.Errorf("%w %q: not valid UTF-8", ErrBadCode, code)
	}
	for _, r := range code {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w %q: control character U+%04X", ErrBadCode, code, r)
		}
	}
	return nil
}

// taggedError is a message that errors.Is matches with a sentinel.
type taggedError struct {
	msg      string
	sentinel error
}

func (e *taggedError) Error() string { return e.msg }
func (e *taggedError) Unwrap() error { return e.sentinel }

// tagf returns an error with the message that wraps sentinel.
func tagf(sentinel error, format string, args ...any) error {
	return &taggedError{fmt.Sprintf(format, args...), sentinel}
}
