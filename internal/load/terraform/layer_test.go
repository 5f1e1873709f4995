package terraform

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// A layer built from a local directory is a model resource whose content
// path the dependency scan reads, and functions' layers refer to it.
func TestLayerVersion(t *testing.T) {
	dir := t.TempDir()
	src := `data "archive_file" "layer" {
  type        = "zip"
  source_dir  = "${path.module}/layer"
  output_path = "build/layer.zip"
}

resource "aws_lambda_layer_version" "deps" {
  layer_name = "deps"
  filename   = data.archive_file.layer.output_path
}

resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::1:role/r"
  runtime       = "python3.12"
  handler       = "app.h"
  filename      = "fn.zip"
  layers        = [aws_lambda_layer_version.deps.arn]
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := source.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	app := Loader{}.Load(context.Background(), root, load.Unit{Kind: load.KindTerraform, Dir: ".", Files: []string{"main.tf"}}, load.Options{})
	var layer *model.Resource
	for _, r := range app.Resources {
		if r.Kind == model.KindLayer {
			layer = r
		}
	}
	if layer == nil {
		t.Fatal("no layer resource")
	}
	if cp := layer.Attr(model.AttrContentPath); !cp.Is("layer") {
		t.Errorf("content path = %v, want layer", cp)
	}
	if len(app.Functions) != 1 || len(app.Functions[0].Layers) != 1 || app.Functions[0].Layers[0].Ref != layer.ID {
		t.Errorf("function layers = %+v, want a reference to %s", app.Functions[0].Layers, layer.ID)
	}
}
