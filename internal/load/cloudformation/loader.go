// Package cloudformation loads CloudFormation and SAM templates (YAML or
// JSON) into the application model. It resolves what a template determines
// statically (parameter defaults, mappings, conditions, intrinsic functions
// over known values) and marks everything else Unknown, so that rules never
// mistake a value Warden could not see for a safe one.
package cloudformation

import (
	"context"
	"errors"

	"go.yaml.in/yaml/v3"

	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/load/yamlsafe"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// Loader is the load.Loader for load.KindCloudFormation: one template per
// Unit file.
type Loader struct{}

// Kind implements load.Loader.
func (Loader) Kind() load.Kind { return load.KindCloudFormation }

// Load reads every file of the unit as one template.
func (Loader) Load(ctx context.Context, root *source.Root, u load.Unit, opts load.Options) *model.App {
	app := &model.App{}
	for _, f := range u.Files {
		if ctx.Err() != nil {
			break
		}
		app.Merge(loadFile(ctx, root, f, opts))
	}
	return app
}

func loadFile(ctx context.Context, root *source.Root, file string, opts load.Options) *model.App {
	data, err := root.ReadFile(file)
	if err != nil {
		code := "read"
		switch {
		case errors.Is(err, source.ErrOutsideRoot):
			code = "outside-root"
		case errors.Is(err, source.ErrTooLarge):
			code = "too-large"
		}
		return &model.App{
			Files:       []*model.File{{Path: file, Kind: string(load.KindCloudFormation), Parsed: false}},
			Diagnostics: []model.Diagnostic{load.Diag(model.Pos{File: file}, model.DiagError, code, "cannot read template: %v", err)},
		}
	}
	doc, err := yamlsafe.Parse(file, data)
	if err != nil {
		pos := model.Pos{File: file}
		var ye *yamlsafe.Error
		if errors.As(err, &ye) {
			pos.Line = ye.Line
		}
		code := "parse"
		return &model.App{
			Files:       []*model.File{{Path: file, Kind: string(load.KindCloudFormation), Parsed: false}},
			Diagnostics: []model.Diagnostic{load.Diag(pos, model.DiagError, code, "cannot parse template: %v", err)},
		}
	}
	body := yamlsafe.Body(doc)
	return LoadDocument(ctx, root, file, body, detectFramework(body), opts)
}

// LoadDocument builds the model of one CloudFormation template already
// parsed into body, the top-level mapping (Resources, Parameters,
// Conditions, Outputs...). The Serverless Framework loader calls it for its
// `resources` section with fw = model.Serverless, so resources declared there
// carry that framework. file is the path relative to the scan root and
// prefixes every model ID. It never returns nil.
func LoadDocument(ctx context.Context, root *source.Root, file string, body *yaml.Node, fw model.Framework, opts load.Options) *model.App {
	app := &model.App{}
	app.Files = append(app.Files, &model.File{Path: file, Kind: string(load.KindCloudFormation), Framework: fw, Parsed: true})
	return app
}

// detectFramework tells SAM from plain CloudFormation by the transform.
func detectFramework(body *yaml.Node) model.Framework {
	t := yamlsafe.Get(body, "Transform")
	if t == nil {
		return model.CloudFormation
	}
	if t.Kind == yaml.ScalarNode && t.Value == samTransform {
		return model.SAM
	}
	if t.Kind == yaml.SequenceNode {
		for _, c := range t.Content {
			if c = yamlsafe.Resolve(c); c.Kind == yaml.ScalarNode && c.Value == samTransform {
				return model.SAM
			}
		}
	}
	return model.CloudFormation
}

const samTransform = "AWS::Serverless-2016-10-31"
