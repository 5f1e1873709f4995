package deps

import (
	"path"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// AttrContentPath is model.AttrContentPath: the layer's content directory,
// when the loader knows it. Until loaders set it, layerDir reads ContentUri
// (SAM) or layers.<name>.path (Serverless Framework) from the template.
const AttrContentPath = model.AttrContentPath

// layerResource finds the layer resource a function's Layers entry names:
// by resolved reference, else by logical name.
func layerResource(app *model.App, v model.Value) *model.Resource {
	for _, r := range app.Resources {
		if r.Kind != model.KindLayer {
			continue
		}
		if (v.Ref != "" && r.ID == v.Ref) || (v.IsKnown() && v.V != "" && (r.Name == v.V || r.ID == v.V)) {
			return r
		}
	}
	return nil
}

// layerDir returns the content directory of a layer resource inside the
// root, or "" when its content is not in the repository (an S3 object, a
// zip file, an ARN of a published layer).
func layerDir(root *source.Root, r *model.Resource) string {
	if v := r.Attr(AttrContentPath); v.IsKnown() {
		if c, err := source.Clean(v.V); err == nil {
			return c
		}
		return ""
	}
	if r.Pos.File == "" {
		return ""
	}
	data, err := root.ReadFile(r.Pos.File)
	if err != nil {
		return ""
	}
	rel := TemplateLayerPath(data, r.Name)
	if rel == "" {
		return ""
	}
	c, err := source.Join(r.Pos.File, rel)
	if err != nil {
		return ""
	}
	return c
}

// TemplateLayerPath reads a layer's content path from a SAM template
// (Resources.<name>.Properties.ContentUri as a string) or a serverless.yml
// (layers.<name>.path, where the Serverless Framework names the resource
// <Name>LambdaLayer). It returns "" for S3 locations and anything else
// that is not a relative path.
func TemplateLayerPath(data []byte, name string) string {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 {
		return ""
	}
	top := doc.Content[0]
	if p := scalar(get(get(get(get(top, "Resources"), name), "Properties"), "ContentUri")); p != "" {
		return localPath(p)
	}
	layers := get(top, "layers")
	if layers == nil || layers.Kind != yaml.MappingNode {
		return ""
	}
	base := strings.TrimSuffix(name, "LambdaLayer")
	for i := 0; i+1 < len(layers.Content); i += 2 {
		k := layers.Content[i].Value
		if k == name || strings.EqualFold(k, base) || strings.EqualFold(normLayerName(k), base) {
			return localPath(scalar(get(layers.Content[i+1], "path")))
		}
	}
	return ""
}

// normLayerName is the Serverless Framework's logical-ID form of a layer
// name: first letter upper-cased, dashes and underscores spelled out.
func normLayerName(k string) string {
	k = strings.ReplaceAll(strings.ReplaceAll(k, "-", "Dash"), "_", "Underscore")
	if k == "" {
		return k
	}
	return strings.ToUpper(k[:1]) + k[1:]
}

func localPath(p string) string {
	p = strings.TrimSpace(p)
	if p == "" || strings.Contains(p, "://") || strings.HasSuffix(strings.ToLower(p), ".zip") || strings.HasPrefix(p, "${") {
		return ""
	}
	return path.Clean(p)
}

func get(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || (n.Tag != "" && n.Tag != "!!str") {
		return ""
	}
	return n.Value
}
