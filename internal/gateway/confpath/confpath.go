// Package confpath gives gateway configuration errors a field path, so that
// the loader can map each error back to the YAML line that caused it.
package confpath

import (
	"errors"
	"fmt"
)

// Error is a validation error about one field. Path uses dots and [i] indexes
// relative to the section being validated, e.g. "issuers[0].algorithms".
type Error struct {
	Path string
	Msg  string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// Errorf returns an *Error for path.
func Errorf(path, format string, args ...any) error {
	return &Error{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// Prefix puts prefix in front of the paths of every *Error in err (joined
// errors included), so a section validator can stay unaware of where its
// section sits in the file.
func Prefix(prefix string, err error) error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, Prefix(prefix, e))
		}
		return errors.Join(out...)
	}
	var ce *Error
	if errors.As(err, &ce) {
		p := prefix
		if ce.Path != "" {
			if ce.Path[0] == '[' {
				p += ce.Path
			} else {
				p += "." + ce.Path
			}
		}
		return &Error{Path: p, Msg: ce.Msg}
	}
	return &Error{Path: prefix, Msg: err.Error()}
}
