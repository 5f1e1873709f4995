// Package serverless loads Serverless Framework projects (serverless.yml,
// .yaml or .json) into the application model. It resolves the framework's
// variables over the parsed YAML tree, so that every value keeps the line it
// was written on, models what the framework generates implicitly (the shared
// execution role and its log permissions, per-function roles of the
// serverless-iam-roles-per-function plugin, log groups, the REST, HTTP and
// WebSocket APIs) and hands the `resources` section to the CloudFormation
// loader. Values fetched at deploy time (${ssm:}, ${cf:}, ${s3:}, ${aws:})
// are Unknown and marked External; nothing in the project is executed.
package serverless

import (
	"context"
	"errors"

	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/load/yamlsafe"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// Loader is the load.Loader for load.KindServerless: one serverless file
// per Unit file.
type Loader struct{}

// Kind implements load.Loader.
func (Loader) Kind() load.Kind { return load.KindServerless }

// Load reads every file of the unit as one Serverless Framework service.
func (Loader) Load(ctx context.Context, root *source.Root, u load.Unit, opts load.Options) *model.App {
	app := &model.App{}
	for _, f := range u.Files {
		if ctx.Err() != nil {
			app.Files = append(app.Files, &model.File{Path: f, Kind: string(load.KindServerless), Framework: model.Serverless})
			app.Diagnostics = append(app.Diagnostics, load.Diag(model.Pos{File: f}, model.DiagError, "read", "scan cancelled before this file was read"))
			continue
		}
		app.Merge(LoadFile(ctx, root, f, opts))
	}
	app.Sort()
	return app
}

// LoadFile loads one serverless file, given relative to the root. It never
// returns nil and never panics on any input.
func LoadFile(ctx context.Context, root *source.Root, file string, opts load.Options) *model.App {
	entry := &model.File{Path: file, Kind: string(load.KindServerless), Framework: model.Serverless}
	fail := func(pos model.Pos, code, format string, args ...any) *model.App {
		return &model.App{
			Files:       []*model.File{entry},
			Diagnostics: []model.Diagnostic{load.Diag(pos, model.DiagError, code, format, args...)},
		}
	}
	data, err := root.ReadFile(file)
	if err != nil {
		code := load.ReadCode(err)
		return fail(model.Pos{File: file}, code, "cannot read serverless file: %v", err)
	}
	doc, err := yamlsafe.Parse(file, data)
	if err != nil {
		pos := model.Pos{File: file}
		var ye *yamlsafe.Error
		if errors.As(err, &ye) {
			pos.Line = ye.Line
		}
		code := "parse"
		if yamlsafe.IsLimit(err) {
			code = "limit"
		}
		return fail(pos, code, "cannot parse serverless file: %v", err)
	}
	body := yamlsafe.Body(doc)
	if body == nil || body.Kind != yamlMapping {
		return fail(model.Pos{File: file, Line: nodeLine(body)}, "parse", "serverless file is not a mapping of settings (service, provider, functions...)")
	}
	b := newBuilder(ctx, root, file, body, opts)
	b.entry = entry
	return b.run()
}
