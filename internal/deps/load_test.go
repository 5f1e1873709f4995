package deps

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/wardensec/warden/internal/load/all"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/scan"
	"github.com/wardensec/warden/internal/source"
)

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const rootLock = `{"name":"mono","lockfileVersion":3,"requires":true,"packages":{
"":{"name":"mono","workspaces":["services/*"]},
"node_modules/lodash":{"version":"4.17.20"},
"node_modules/express":{"version":"4.18.2"}}}`

func fn(id, runtime, code, handler string, layers ...model.Value) *model.Function {
	f := &model.Function{ID: id, Name: id, Pos: model.Pos{File: "template.yaml", Line: 1}, Layers: layers}
	if runtime != "" {
		f.Runtime = model.Str(runtime, model.Pos{})
	}
	if code != "" {
		f.CodePath = model.Str(code, model.Pos{})
	}
	if handler != "" {
		f.Handler = model.Str(handler, model.Pos{})
	}
	return f
}

// uses returns, per function, the packages it ships as "name@version via".
func uses(app *model.App) map[string][]string {
	out := map[string][]string{}
	for _, p := range app.Packages {
		for _, u := range p.Uses {
			s := p.Name + "@" + p.Version + " " + u.Via
			if u.Imported {
				s += " imported"
			}
			out[u.FunctionID] = append(out[u.FunctionID], s)
		}
	}
	for k := range out {
		sort.Strings(out[k])
	}
	return out
}

func TestLoadAttribution(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"package-lock.json":                                      rootLock,
		"services/api/index.js":                                  "const express = require('express')\n",
		"services/billing/package-lock.json":                     `{"lockfileVersion":3,"packages":{"":{},"node_modules/lodash":{"version":"4.17.21"}}}`,
		"services/billing/handler.mjs":                           "import _ from 'lodash/fp';\n",
		"services/py/requirements.txt":                           "PyYAML==5.3.1\nrequests==2.31.0\n",
		"services/py/requirements-dev.txt":                       "-r requirements.txt\npytest==7.4.0\n",
		"services/py/app.py":                                     "import json\nfrom yaml import safe_load\n",
		"services/go/go.mod":                                     "module x\n\ngo 1.22\n\nrequire golang.org/x/net v0.3.0\n",
		"services/go/main.go":                                    "package main\nimport _ \"golang.org/x/net/http2\"\nfunc main(){}\n",
		"layers/shared/python/requirements.txt":                  "certifi==2023.7.22\n",
		"layers/node/nodejs/package-lock.json":                   `{"lockfileVersion":3,"packages":{"":{},"node_modules/uuid":{"version":"9.0.0"}}}`,
		"layers/node/nodejs/node_modules/uuid/package-lock.json": `{"lockfileVersion":3,"packages":{"":{},"node_modules/ignored":{"version":"1.0.0"}}}`,
		"artifact.zip":                                           "PK",
	})
	root, err := source.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	layer := &model.Resource{ID: "template.yaml#Shared", Name: "Shared", Kind: model.KindLayer}
	layer.SetAttr(AttrContentPath, model.Str("layers/shared", model.Pos{}))
	nodeLayer := &model.Resource{ID: "template.yaml#NodeLayer", Name: "NodeLayer", Kind: model.KindLayer}
	nodeLayer.SetAttr(AttrContentPath, model.Str("layers/node", model.Pos{}))
	app := &model.App{
		Resources: []*model.Resource{layer, nodeLayer},
		Functions: []*model.Function{
			// No lock file of its own: the workspace root's counts.
			fn("api", "nodejs20.x", "services/api", "index.handler", model.Value{State: model.Unknown, Ref: "template.yaml#NodeLayer"}),
			// Its own lock file is nearer than the root's.
			fn("billing", "nodejs20.x", "services/billing/", "handler.handler"),
			// Python: both requirements files; the dev copy does not double up.
			fn("py", "python3.12", "services/py", "app.lambda_handler", model.Str("Shared", model.Pos{})),
			fn("go", "provided.al2023", "services/go", "bootstrap"),
			// Code in a zip or outside the repo: nothing to read.
			fn("zip", "python3.12", "artifact.zip", "app.handler"),
			fn("s3", "python3.12", "s3://bucket/key.zip", "app.handler"),
		},
	}
	if err := Load(context.Background(), root, app); err != nil {
		t.Fatal(err)
	}
	got := uses(app)
	want := map[string][]string{
		"api":     {"express@4.18.2 code imported", "lodash@4.17.20 code", "uuid@9.0.0 layer NodeLayer"},
		"billing": {"lodash@4.17.21 code imported"},
		"py":      {"PyYAML@5.3.1 code imported", "certifi@2023.7.22 layer Shared", "pytest@7.4.0 code", "requests@2.31.0 code"},
		"go":      {"golang.org/x/net@v0.3.0 code imported", "stdlib@1.22 code imported"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("uses:\n got  %v\n want %v", got, want)
	}
	for _, p := range app.Packages {
		if p.Name == "pytest" && !p.Dev {
			t.Error("pytest from requirements-dev.txt is not dev")
		}
		if (p.Name == "PyYAML" || p.Name == "requests") && p.Dev {
			t.Errorf("%s from requirements.txt flagged dev (the dev file's copy won)", p.Name)
		}
	}
}

func TestLoadBrokenLockFileIsADiagnostic(t *testing.T) {
	dir := writeTree(t, map[string]string{"fn/package-lock.json": "{not json", "fn/index.js": ""})
	root, _ := source.Open(dir)
	defer root.Close()
	app := &model.App{Functions: []*model.Function{fn("f", "nodejs20.x", "fn", "index.handler")}}
	if err := Load(context.Background(), root, app); err != nil {
		t.Fatal(err)
	}
	if len(app.Diagnostics) != 1 || app.Diagnostics[0].Pos.File != "fn/package-lock.json" || app.Diagnostics[0].Code != "parse" {
		t.Errorf("diagnostics = %+v", app.Diagnostics)
	}
	if len(app.Files) != 1 || app.Files[0].Path != "fn/package-lock.json" || app.Files[0].Parsed || app.Files[0].Kind != "package-lock.json" {
		t.Errorf("files = %+v, want the lock file listed as not parsed", app.Files)
	}
}

func TestTemplateLayerPath(t *testing.T) {
	sam := []byte("Resources:\n  Deps:\n    Type: AWS::Serverless::LayerVersion\n    Properties:\n      ContentUri: layers/deps/\n" +
		"  Remote:\n    Type: AWS::Serverless::LayerVersion\n    Properties:\n      ContentUri: s3://bucket/layer.zip\n" +
		"  Tagged:\n    Type: AWS::Serverless::LayerVersion\n    Properties:\n      ContentUri: !Sub '${Dir}/x'\n")
	sls := []byte("service: x\nlayers:\n  common-deps:\n    path: layer\n  other:\n    path: ../outside\n")
	for _, tt := range []struct {
		data       []byte
		name, want string
	}{
		{sam, "Deps", "layers/deps"},
		{sam, "Remote", ""},
		{sam, "Tagged", ""},
		{sam, "Missing", ""},
		{sls, "CommonDashdepsLambdaLayer", "layer"},
		{sls, "common-deps", "layer"},
		{sls, "OtherLambdaLayer", "../outside"}, // refused later by source.Join
		{[]byte(":\n\t- bad"), "Deps", ""},
	} {
		if got := TemplateLayerPath(tt.data, tt.name); got != tt.want {
			t.Errorf("TemplateLayerPath(%s) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// Registry packages in a lock file written without resolved URLs are still
// checked; workspace packages are not.
func TestNPMWithoutResolvedURLs(t *testing.T) {
	dir := writeTree(t, map[string]string{"package-lock.json": `{"lockfileVersion":3,"packages":{
"":{"name":"mono","workspaces":["packages/*"]},
"node_modules/lodash":{"version":"4.17.20"},
"node_modules/@mono/util":{"resolved":"packages/util","link":true},
"packages/util":{"name":"@mono/util","version":"1.0.0"}}}`})
	root, _ := source.Open(dir)
	defer root.Close()
	ps, err := Extract(context.Background(), root, "package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range ps {
		got[p.Name] = p.Source
	}
	if got["lodash"] != "" || got["@mono/util"] != "file" {
		t.Errorf("sources = %v, want lodash from the registry and @mono/util local", got)
	}
}

// The Serverless Framework: the code path is the handler file, handlers are
// relative to the service directory, and layers are `{Ref: XLambdaLayer}`
// values resolved through the layers section of serverless.yml.
func TestLoadServerlessFramework(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"svc/serverless.yml": `service: orders
provider:
  name: aws
  runtime: python3.12
layers:
  commonDeps:
    path: layer
functions:
  create:
    handler: fn/app.handler
    layers:
      - { Ref: CommonDepsLambdaLayer }
      - arn:aws:lambda:eu-west-1:123456789012:layer:published:3
`,
		"svc/fn/app.py":                     "import yaml\n",
		"svc/fn/requirements.txt":           "PyYAML==5.3.1\n",
		"svc/layer/python/requirements.txt": "requests==2.30.0\n",
	})
	root, err := source.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	app, err := scan.Load(context.Background(), root, scan.Options{Loaders: all.Loaders()})
	if err != nil {
		t.Fatal(err)
	}
	if err := Load(context.Background(), root, app); err != nil {
		t.Fatal(err)
	}
	got := uses(app)["svc/serverless.yml#create"]
	want := []string{"PyYAML@5.3.1 code imported", "requests@2.30.0 layer CommonDepsLambdaLayer"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("uses = %v, want %v", got, want)
	}
}
