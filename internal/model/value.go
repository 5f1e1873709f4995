// Package model is Warden's application model: the one picture of a
// serverless application that every loader writes and every rule reads.
// Rules are written once against it and so work for SAM/CloudFormation,
// the Serverless Framework and Terraform alike.
//
// Every value copied from a source file keeps its position, and a value that
// cannot be resolved statically is Unknown, never guessed. Rules must treat
// Unknown as unknown: neither safe nor unsafe.
package model

import (
	"fmt"
	"strconv"
	"strings"
)

// Pos is a position in a scanned file. File is relative to the scan root and
// uses forward slashes, so findings are stable across machines.
type Pos struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"column,omitempty"`
}

// String formats the position as file:line:col, the form editors understand.
func (p Pos) String() string {
	if p.File == "" {
		return "-"
	}
	if p.Line == 0 {
		return p.File
	}
	if p.Col == 0 {
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// IsZero reports whether p is unset.
func (p Pos) IsZero() bool { return p.File == "" }

// Less orders positions by file, line and column.
func (p Pos) Less(q Pos) bool {
	if p.File != q.File {
		return p.File < q.File
	}
	if p.Line != q.Line {
		return p.Line < q.Line
	}
	return p.Col < q.Col
}

// State says whether a value was written in the source, and whether Warden
// could work out what it is.
type State uint8

const (
	// Absent: the source does not set the value; the platform default applies.
	Absent State = iota
	// Known: the value was resolved statically.
	Known
	// Unknown: the value is set but depends on something Warden cannot see
	// (a parameter without default, an SSM lookup, a computed attribute).
	Unknown
)

func (s State) String() string {
	switch s {
	case Known:
		return "known"
	case Unknown:
		return "unknown"
	default:
		return "absent"
	}
}

// MarshalText lets State appear as a word in JSON.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText is the inverse of MarshalText.
func (s *State) UnmarshalText(b []byte) error {
	switch string(b) {
	case "known":
		*s = Known
	case "unknown":
		*s = Unknown
	case "absent", "":
		*s = Absent
	default:
		return fmt.Errorf("unknown value state %q", b)
	}
	return nil
}

// Value is one scalar from the source: a string, number or boolean kept in its
// string form. Numbers and booleans are read with Int and Bool.
type Value struct {
	State State  `json:"state"`
	V     string `json:"value,omitempty"`
	Pos   Pos    `json:"pos"`
	// Expr is the source expression of an Unknown value ("!Ref DbPassword",
	// "${ssm:/prod/key}", "var.subnet_ids"), so messages can show it.
	Expr string `json:"expr,omitempty"`
	// External marks values fetched at deploy time from a store outside the
	// template (SSM, Secrets Manager, Key Vault, CloudFormation exports).
	// Secrets rules treat these as the good practice.
	External bool `json:"external,omitempty"`
	// Ref is the model ID of the resource, role or function this value points
	// to, when the loader could resolve the reference.
	Ref string `json:"ref,omitempty"`
}

// Str returns a Known value.
func Str(v string, pos Pos) Value { return Value{State: Known, V: v, Pos: pos} }

// Unresolved returns an Unknown value that remembers its expression.
func Unresolved(expr string, pos Pos) Value { return Value{State: Unknown, Expr: expr, Pos: pos} }

// IsKnown reports whether the value was resolved.
func (v Value) IsKnown() bool { return v.State == Known }

// IsUnknown reports whether the value is set but unresolved.
func (v Value) IsUnknown() bool { return v.State == Unknown }

// IsAbsent reports whether the source leaves the value unset.
func (v Value) IsAbsent() bool { return v.State == Absent }

// IsSet reports whether the source sets the value, resolved or not.
func (v Value) IsSet() bool { return v.State != Absent }

// Is reports whether the value is known and equal to s (case-insensitive:
// cloud APIs mostly are, e.g. "NONE" and "none" for auth types).
func (v Value) Is(s string) bool { return v.State == Known && strings.EqualFold(v.V, s) }

// Int parses a known integer. ok is false when the value is not known or not
// a number.
func (v Value) Int() (n int64, ok bool) {
	if v.State != Known {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v.V), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(strings.TrimSpace(v.V), 64)
		if ferr != nil {
			return 0, false
		}
		return int64(f), true
	}
	return n, true
}

// Bool parses a known boolean. ok is false when the value is not known or not
// a boolean.
func (v Value) Bool() (b bool, ok bool) {
	if v.State != Known {
		return false, false
	}
	switch strings.ToLower(strings.TrimSpace(v.V)) {
	case "true", "yes", "on", "1":
		return true, true
	case "false", "no", "off", "0":
		return false, true
	}
	return false, false
}

// IsTrue reports whether the value is known to be true.
func (v Value) IsTrue() bool { b, ok := v.Bool(); return ok && b }

// IsFalse reports whether the value is known to be false.
func (v Value) IsFalse() bool { b, ok := v.Bool(); return ok && !b }

// String shows the value for messages: the value, or the expression that
// could not be resolved.
func (v Value) String() string {
	switch v.State {
	case Known:
		return v.V
	case Unknown:
		if v.Expr != "" {
			return "<unknown: " + v.Expr + ">"
		}
		return "<unknown>"
	}
	return "<unset>"
}

// PosOr returns the value's position, or fallback when the value is absent
// (a finding about a missing setting points at the resource instead).
func (v Value) PosOr(fallback Pos) Pos {
	if v.Pos.IsZero() {
		return fallback
	}
	return v.Pos
}
