// Package load defines what a loader is: something that turns one unit of
// source files into a partial application model. Loaders know file formats
// and nothing about security; rules never see a file, only the model.
package load

import (
	"context"
	"errors"
	"fmt"

	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// Kind names a format that discovery recognised.
type Kind string

const (
	KindCloudFormation Kind = "cloudformation" // CloudFormation or SAM, YAML or JSON
	KindServerless     Kind = "serverless"     // serverless.yml/.yaml/.json
	KindTerraform      Kind = "terraform"      // one directory of *.tf, *.tf.json and tfvars
	KindAzureFunction  Kind = "azure-function" // function.json of an Azure Functions app
)

// Unit is what one Load call reads: a single template, or for Terraform one
// module directory with all its .tf, .tf.json and auto-loaded tfvars files.
// Paths are relative to the scan root, slash-separated.
type Unit struct {
	Kind  Kind
	Dir   string
	Files []string
}

// Options carry user input that changes how templates resolve.
type Options struct {
	// Vars are --var key=value flags: ${opt:key} in the Serverless
	// Framework, var.key in Terraform, parameter overrides in CloudFormation.
	Vars map[string]string
	// Env answers ${env:NAME}. Nil means environment lookups are unknown,
	// which keeps scans reproducible across machines.
	Env func(name string) (string, bool)
}

// Loader turns a unit into a partial model. It must never panic, never read
// outside root, and must report every problem as a model.Diagnostic naming
// the file and line, then go on with what it could read.
type Loader interface {
	Kind() Kind
	Load(ctx context.Context, root *source.Root, u Unit, opts Options) *model.App
}

// Diag builds a diagnostic.
func Diag(pos model.Pos, level model.DiagLevel, code, format string, args ...any) model.Diagnostic {
	return model.Diagnostic{Pos: pos, Level: level, Code: code, Message: fmt.Sprintf(format, args...)}
}

// DiagOnce adds each diagnostic once per position and message: loaders
// resolve one value for many functions (SAM Globals, Serverless provider
// settings, ${file()} includes) and must not repeat its diagnostic for
// each. The zero value is not usable; make one with DiagOnce{}.
type DiagOnce map[string]bool

// Add appends d to *to unless a diagnostic at the same position with the
// same message was added through o before.
func (o DiagOnce) Add(to *[]model.Diagnostic, d model.Diagnostic) {
	key := d.Pos.String() + "\x00" + d.Message
	if o[key] {
		return
	}
	o[key] = true
	*to = append(*to, d)
}

// ReadCode is the diagnostic code for a file the root would not read:
// "outside-root" (a path or link leaving the scanned tree), "too-large", or
// "read" for anything else. Every loader reports read failures with the
// same codes, so that they can be filtered the same way whatever the
// framework.
func ReadCode(err error) string {
	switch {
	case errors.Is(err, source.ErrOutsideRoot):
		return "outside-root"
	case errors.Is(err, source.ErrTooLarge):
		return "too-large"
	}
	return "read"
}

// Safely runs a loader and turns a panic into an error diagnostic on the
// unit, so one malformed file can never take down the scan.
func Safely(ctx context.Context, l Loader, root *source.Root, u Unit, opts Options) (app *model.App) {
	defer func() {
		if r := recover(); r != nil {
			file := u.Dir
			if len(u.Files) > 0 {
				file = u.Files[0]
			}
			app = &model.App{Diagnostics: []model.Diagnostic{Diag(model.Pos{File: file}, model.DiagError, "internal",
				"%s loader failed on this input (%v); the rest of the scan went on. Please report this file shape", l.Kind(), r)}}
			for _, f := range u.Files {
				app.Files = append(app.Files, &model.File{Path: f, Kind: string(u.Kind), Parsed: false})
			}
		}
	}()
	return l.Load(ctx, root, u, opts)
}
