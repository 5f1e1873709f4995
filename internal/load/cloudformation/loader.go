// Package cloudformation loads CloudFormation and SAM templates (YAML or
// JSON) into the application model. It resolves what a template determines
// statically (parameter defaults and --var overrides, mappings, conditions,
// intrinsic functions over known values) and marks everything else
// Unknown, so that rules never mistake a value Warden could not see for a
// safe one.
//
// Conventions rules can rely on:
//   - IDs are "<file>#<logical name>". What SAM generates gets the logical
//     name SAM gives it: "<Fn>Role", "ServerlessRestApi", "ServerlessHttpApi",
//     "<Api><StageName>Stage"; these are Implicit roles or carry the
//     attribute implicit=true.
//   - Ref and Fn::GetAtt to an element of the template are Unknown (an ARN
//     is not known before deployment) with Value.Ref set to its model ID and
//     Expr "!GetAtt Queue.Arn". Inside Fn::Sub and Fn::Join the known parts
//     are filled in and unknown ones kept as ${...}:
//     "arn:${AWS::Partition}:s3:::${Bucket}/*". Pseudo parameters
//     (AWS::Region, AWS::AccountId, AWS::Partition) stay unknown but are not
//     counted as unresolved; they name one account and region, so an Unknown
//     resource whose Expr has no "*" outside ${...} is still one resource.
//   - Values fetched at deploy time (ImportValue, {{resolve:...}} dynamic
//     references, AWS::SSM::Parameter::Value parameters) are External.
package cloudformation

import (
	"context"
	"errors"
	"runtime"
	"sync"

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

// Load reads every file of the unit as one template, in parallel when
// the unit holds several.
func (Loader) Load(ctx context.Context, root *source.Root, u load.Unit, opts load.Options) *model.App {
	apps := make([]*model.App, len(u.Files))
	workers := min(runtime.GOMAXPROCS(0), len(u.Files))
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				apps[i] = safeLoadFile(ctx, root, u.Files[i], opts)
			}
		}()
	}
	for i := range u.Files {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	app := &model.App{}
	for _, a := range apps {
		app.Merge(a)
	}
	app.Sort()
	return app
}

// safeLoadFile contains a panic to the one file that caused it, so the
// other files of the unit still load.
func safeLoadFile(ctx context.Context, root *source.Root, file string, opts load.Options) (app *model.App) {
	defer func() {
		if r := recover(); r != nil {
			app = &model.App{
				Files: []*model.File{{Path: file, Kind: string(load.KindCloudFormation), Parsed: false}},
				Diagnostics: []model.Diagnostic{load.Diag(model.Pos{File: file}, model.DiagError, "internal",
					"CloudFormation loader failed on this file (%v); the rest of the scan went on. Please report this file shape", r)},
			}
		}
	}()
	return loadFile(ctx, root, file, opts)
}

func loadFile(ctx context.Context, root *source.Root, file string, opts load.Options) *model.App {
	data, err := root.ReadFile(file)
	if err != nil {
		code := load.ReadCode(err)
		return &model.App{
			Files:       []*model.File{{Path: file, Kind: string(load.KindCloudFormation), Parsed: false}},
			Diagnostics: []model.Diagnostic{load.Diag(model.Pos{File: file}, model.DiagError, code, "cannot read template: %v", err)},
		}
	}
	return loadBytes(ctx, root, file, data, opts)
}

// loadBytes parses and loads one template's contents.
func loadBytes(ctx context.Context, root *source.Root, file string, data []byte, opts load.Options) *model.App {
	doc, err := yamlsafe.Parse(file, data)
	if err != nil {
		pos := model.Pos{File: file}
		msg := err.Error()
		code := "parse"
		var ye *yamlsafe.Error
		if errors.As(err, &ye) {
			pos.Line, msg = ye.Line, ye.Msg
			if ye.Limit {
				code = "limit"
			}
		}
		return &model.App{
			Files:       []*model.File{{Path: file, Kind: string(load.KindCloudFormation), Parsed: false}},
			Diagnostics: []model.Diagnostic{load.Diag(pos, model.DiagError, code, "cannot parse template: %s", msg)},
		}
	}
	body := yamlsafe.Body(doc)
	return LoadDocument(ctx, root, file, body, detectFramework(body), opts)
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
