// Package azurefunc loads the function.json of an Azure Functions app: one
// function per file, named after its directory as the Functions host names
// it, with its trigger binding as the function's trigger. App-wide settings
// (TLS, HTTPS only, Easy Auth, app settings) live in the Terraform or ARM
// definition of the function app and come from those loaders.
package azurefunc

import (
	"context"
	"errors"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/load/yamlsafe"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// Loader is the load.Loader for load.KindAzureFunction: one function.json
// per Unit file.
type Loader struct{}

// Kind implements load.Loader.
func (Loader) Kind() load.Kind { return load.KindAzureFunction }

// Load reads every file of the unit as one function.json.
func (Loader) Load(ctx context.Context, root *source.Root, u load.Unit, _ load.Options) *model.App {
	app := &model.App{}
	for _, f := range u.Files {
		if ctx.Err() != nil {
			app.Diagnostics = append(app.Diagnostics, load.Diag(model.Pos{File: f}, model.DiagWarning, "limit", "load cancelled: %v", ctx.Err()))
			app.Files = append(app.Files, &model.File{Path: f, Kind: kindName, Framework: model.AzureFunctions})
			continue
		}
		loadFile(app, root, f)
	}
	return app
}

const kindName = "function.json"

func loadFile(app *model.App, root *source.Root, file string) {
	mf := &model.File{Path: file, Kind: kindName, Framework: model.AzureFunctions}
	app.Files = append(app.Files, mf)
	data, err := root.ReadFile(file)
	if err != nil {
		code := load.ReadCode(err)
		app.Diagnostics = append(app.Diagnostics, load.Diag(model.Pos{File: file}, model.DiagError, code, "cannot read function.json: %v", err))
		return
	}
	doc, err := yamlsafe.Parse(file, data)
	if err != nil {
		pos := model.Pos{File: file}
		var ye *yamlsafe.Error
		if errors.As(err, &ye) {
			pos.Line = ye.Line
		}
		app.Diagnostics = append(app.Diagnostics, load.Diag(pos, model.DiagError, "parse", "cannot parse function.json: %v", err))
		return
	}
	body := yamlsafe.Body(doc)
	if body == nil || body.Kind != yaml.MappingNode {
		app.Diagnostics = append(app.Diagnostics, load.Diag(model.Pos{File: file, Line: 1}, model.DiagError, "parse", "function.json is not a JSON object"))
		return
	}
	mf.Parsed = true
	l := &fileLoader{app: app, file: file, mf: mf}
	l.function(body)
}

type fileLoader struct {
	app  *model.App
	file string
	mf   *model.File
}

func (l *fileLoader) pos(n *yaml.Node) model.Pos {
	return model.Pos{File: l.file, Line: n.Line, Col: n.Column}
}

// scalar reads a scalar value. %Name% is an app setting the host resolves
// at run time: set, but not known here.
func (l *fileLoader) scalar(n *yaml.Node) model.Value {
	if n == nil {
		return model.Value{}
	}
	p := l.pos(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		if n.Kind == yaml.ScalarNode {
			return model.Value{}
		}
		l.mf.Unresolved++
		return model.Unresolved("non-scalar value", p)
	}
	s := n.Value
	if len(s) > 2 && strings.HasPrefix(s, "%") && strings.HasSuffix(s, "%") && !strings.Contains(s[1:len(s)-1], "%") {
		l.mf.Unresolved++
		return model.Unresolved(s, p)
	}
	return model.Str(s, p)
}

// getFold looks a key up case-insensitively, as the host does.
func getFold(m *yaml.Node, key string) *yaml.Node {
	var out *yaml.Node
	yamlsafe.Pairs(m, func(k, v *yaml.Node) {
		if out == nil && strings.EqualFold(k.Value, key) {
			out = v
		}
	})
	return out
}

func (l *fileLoader) fold(m *yaml.Node, key string) model.Value { return l.scalar(getFold(m, key)) }

func (l *fileLoader) function(body *yaml.Node) {
	dir := path.Dir(l.file)
	name := path.Base(dir)
	if dir == "." || dir == "" {
		name = strings.TrimSuffix(path.Base(l.file), path.Ext(l.file))
	}
	f := &model.Function{ID: l.file + "#" + name, Name: name, Provider: model.Azure, Framework: model.AzureFunctions,
		Pos: model.Pos{File: l.file, Line: 1, Col: 1}}
	f.FunctionName = model.Str(name, f.Pos)
	if k, _ := yamlsafe.GetPair(body, "bindings"); k != nil {
		f.Pos = l.pos(k)
	}
	if d := l.fold(body, "disabled"); d.IsSet() {
		// disabled: true keeps the function from running.
		if b, ok := d.Bool(); ok {
			d.V = "true"
			if b {
				d.V = "false"
			}
		}
		f.Deployed = d
	}
	entry := l.fold(body, "entryPoint")
	script := l.fold(body, "scriptFile")
	f.Handler = entry
	if f.Handler.IsAbsent() {
		f.Handler = script
	}
	f.CodePath = model.Str(dir, model.Pos{File: l.file, Line: 1, Col: 1})
	if script.IsKnown() {
		if p, err := source.Join(l.file, script.V); err == nil {
			f.CodePath = model.Str(p, script.Pos)
		} else {
			l.app.Diagnostics = append(l.app.Diagnostics, load.Diag(script.Pos, model.DiagWarning, "outside-root",
				"scriptFile %q is outside the scanned root", script.V))
			f.CodePath = model.Unresolved(script.V, script.Pos)
			l.mf.Unresolved++
		}
	}
	bindings := getFold(body, "bindings")
	if bindings == nil || bindings.Kind != yaml.SequenceNode {
		l.app.Diagnostics = append(l.app.Diagnostics, load.Diag(f.Pos, model.DiagWarning, "parse",
			"function.json has no bindings list; the function has no trigger in the model"))
	} else {
		for _, b := range bindings.Content {
			b = yamlsafe.Resolve(b)
			if b.Kind != yaml.MappingNode {
				l.app.Diagnostics = append(l.app.Diagnostics, load.Diag(l.pos(b), model.DiagWarning, "parse", "binding is not an object"))
				continue
			}
			if t := l.trigger(b); t != nil {
				f.Triggers = append(f.Triggers, t)
			}
		}
	}
	if len(f.Triggers) > 1 {
		l.app.Diagnostics = append(l.app.Diagnostics, load.Diag(f.Pos, model.DiagWarning, "parse",
			"function.json declares %d trigger bindings; the host accepts exactly one", len(f.Triggers)))
	}
	l.app.Functions = append(l.app.Functions, f)
}

// triggerKinds maps trigger binding types to the model's kinds.
var triggerKinds = map[string]model.TriggerKind{
	"httptrigger":       model.TriggerHTTP,
	"queuetrigger":      model.TriggerQueue,
	"servicebustrigger": model.TriggerQueue,
	"blobtrigger":       model.TriggerStorage,
	"eventhubtrigger":   model.TriggerStream,
	"timertrigger":      model.TriggerSchedule,
	"cosmosdbtrigger":   model.TriggerStream,
	"eventgridtrigger":  model.TriggerTopic,
	"kafkatrigger":      model.TriggerStream,
	"rabbitmqtrigger":   model.TriggerQueue,
}

// authLevels maps httpTrigger authLevel to the model's auth types.
var authLevels = map[string]string{
	"anonymous": model.AuthNone,
	"function":  model.AuthFunction,
	"admin":     model.AuthAdmin,
	"system":    model.AuthAdmin,
	"user":      model.AuthPlatform,
}

func (l *fileLoader) trigger(b *yaml.Node) *model.Trigger {
	typ := l.fold(b, "type")
	if !typ.IsKnown() || !strings.HasSuffix(strings.ToLower(typ.V), "trigger") {
		return nil
	}
	kind, ok := triggerKinds[strings.ToLower(typ.V)]
	if !ok {
		kind = model.TriggerOther
	}
	t := &model.Trigger{Kind: kind, Type: typ.V, Pos: l.pos(b)}
	if n := l.fold(b, "name"); n.IsKnown() {
		t.Name = n.V
	}
	if c := l.fold(b, "connection"); c.IsSet() {
		t.Attrs = map[string]model.Value{"connection": c}
	}
	switch kind {
	case model.TriggerHTTP:
		lvl := l.fold(b, "authLevel")
		switch {
		case lvl.IsAbsent():
			// The host's default authLevel is "function".
			t.AuthType = model.Str(model.AuthFunction, t.Pos)
		case lvl.IsKnown():
			if a, ok := authLevels[strings.ToLower(lvl.V)]; ok {
				lvl.V = a
				t.AuthType = lvl
			} else {
				t.AuthType = model.Unresolved("authLevel "+lvl.V, lvl.Pos)
				l.mf.Unresolved++
			}
		default:
			t.AuthType = lvl
		}
		if m := getFold(b, "methods"); m != nil {
			if m.Kind == yaml.SequenceNode {
				var vs []string
				for _, x := range m.Content {
					vs = append(vs, strings.ToUpper(x.Value))
				}
				if len(vs) > 0 {
					t.Method = model.Str(strings.Join(vs, ","), l.pos(m))
				}
			} else {
				t.Method = l.scalar(m)
			}
		}
		t.Path = l.fold(b, "route")
	case model.TriggerSchedule:
		t.Schedule = l.fold(b, "schedule")
	default:
		for _, k := range []string{"queueName", "topicName", "path", "eventHubName", "containerName", "collectionName", "topic", "queue"} {
			if v := l.fold(b, k); v.IsSet() {
				t.Source = v
				break
			}
		}
		if strings.EqualFold(typ.V, "serviceBusTrigger") && getFold(b, "topicName") != nil {
			t.Kind = model.TriggerTopic
		}
		if db := l.fold(b, "databaseName"); db.IsKnown() && t.Source.IsKnown() {
			t.Source.V = db.V + "/" + t.Source.V
		}
	}
	return t
}
