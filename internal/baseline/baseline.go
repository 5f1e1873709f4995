// Package baseline records the findings a project has accepted for now, so
// that adopting Warden on an existing codebase fails the build only on new
// problems. Entries are keyed by the finding fingerprint, which ignores line
// numbers: editing a template above a known finding does not resurrect it.
//
// Baselined findings are not hidden: analysis.Run marks them suppressed with
// kind "baseline", and every report counts and lists them.
package baseline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/wardensec/warden/internal/analysis"
)

// SchemaVersion of the baseline file. Readers accept any 1.x.
const SchemaVersion = "1.0.0"

// MaxSize bounds what Read accepts; a baseline of a million findings is
// about 200 MB, and anything near that is not a baseline anyone reviews.
const MaxSize = 64 << 20

// Entry is one accepted finding. Only Fingerprint matters for matching; the
// other fields let a reviewer see what was accepted without running a scan.
type Entry struct {
	Fingerprint string `json:"fingerprint"`
	RuleID      string `json:"rule_id"`
	File        string `json:"file"`
	Message     string `json:"message"`
}

// File is the on-disk document.
type File struct {
	SchemaVersion string  `json:"schema_version"`
	GeneratedBy   string  `json:"generated_by"`
	Findings      []Entry `json:"findings"`
}

// Build makes the baseline for a set of findings: every finding that is not
// suppressed inline. Findings already suppressed by an older baseline are
// kept, so that rewriting the baseline does not drop accepted debt that is
// still present; inline suppressions carry their own reason in the source
// and do not belong here. Entries are deduplicated by fingerprint and
// sorted, so the file diffs cleanly.
func Build(generatedBy string, fs []analysis.Finding) File {
	seen := map[string]bool{}
	out := File{SchemaVersion: SchemaVersion, GeneratedBy: generatedBy, Findings: []Entry{}}
	for _, f := range fs {
		if f.Suppressed != nil && f.Suppressed.Kind != "baseline" {
			continue
		}
		fp := f.Fingerprint
		if fp == "" {
			fp = analysis.Fingerprint(f)
		}
		if seen[fp] {
			continue
		}
		seen[fp] = true
		out.Findings = append(out.Findings, Entry{Fingerprint: fp, RuleID: f.RuleID, File: f.Pos.File, Message: f.Message})
	}
	sort.Slice(out.Findings, func(i, j int) bool {
		a, b := out.Findings[i], out.Findings[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.RuleID != b.RuleID {
			return a.RuleID < b.RuleID
		}
		return a.Fingerprint < b.Fingerprint
	})
	return out
}

// Write writes the baseline for fs to w.
func Write(w io.Writer, generatedBy string, fs []analysis.Finding) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(Build(generatedBy, fs)); err != nil {
		return fmt.Errorf("write baseline: %w", err)
	}
	return nil
}

// WriteFile writes the baseline to path atomically (temporary file and
// rename), so an interrupted run never leaves a truncated baseline that
// would un-accept everything on the next build.
func WriteFile(path, generatedBy string, fs []analysis.Finding) error {
	var buf bytes.Buffer
	if err := Write(&buf, generatedBy, fs); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write baseline %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("write baseline %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write baseline %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write baseline %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write baseline %s: %w", path, err)
	}
	return nil
}

// Read parses a baseline into the set analysis.Run takes.
func Read(r io.Reader) (map[string]bool, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read baseline: %w", err)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("read baseline: larger than %d bytes", MaxSize)
	}
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("read baseline: not a Warden baseline (%w)", err)
	}
	if f.SchemaVersion == "" {
		return nil, errors.New("read baseline: no schema_version; not a Warden baseline")
	}
	if major, _, _ := strings.Cut(f.SchemaVersion, "."); major != "1" {
		return nil, fmt.Errorf("read baseline: schema_version %s is not supported (this Warden reads 1.x)", f.SchemaVersion)
	}
	set := make(map[string]bool, len(f.Findings))
	for i, e := range f.Findings {
		if e.Fingerprint == "" {
			return nil, fmt.Errorf("read baseline: finding %d (%s in %s) has no fingerprint", i, e.RuleID, e.File)
		}
		set[e.Fingerprint] = true
	}
	return set, nil
}

// ReadFile reads a baseline file. A missing file is an error: a mistyped
// path would otherwise mean "nothing accepted" and fail the build for a
// reason nobody can see.
func ReadFile(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read baseline: %w", err)
	}
	defer f.Close()
	set, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return set, nil
}
