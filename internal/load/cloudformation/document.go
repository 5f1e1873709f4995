package cloudformation

import (
	"context"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/load/yamlsafe"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// LoadDocument builds the model of one CloudFormation template already
// parsed into body, the top-level mapping (Resources, Parameters,
// Conditions, Globals...). Load calls it for whole template files; the
// Serverless Framework loader calls it for its `resources` section with
// fw = model.Serverless, so that what is declared there carries that
// framework. file is the path relative to the scan root; it prefixes every
// model ID ("<file>#<logical name>").
//
// The result is never nil and holds exactly one File entry, for file, with
// the count of unresolved values; a caller that records the file itself
// should add that count to its own entry and drop this one.
func LoadDocument(ctx context.Context, root *source.Root, file string, body *yaml.Node, fw model.Framework, opts load.Options) *model.App {
	return LoadFragment(ctx, root, file, body, fw, opts, Outside{})
}

// Outside describes elements a template fragment may refer to but does not
// declare: the functions and roles the Serverless Framework generates
// (HelloLambdaFunction, IamRoleLambdaExecution) that a `resources` section
// references with Ref and Fn::GetAtt.
type Outside struct {
	// IDs maps logical names to model IDs. A Ref or GetAtt to one of them
	// resolves like one to a resource of the fragment: Unknown, with Ref set.
	IDs map[string]string
	// Functions and Roles the fragment may attach to: S3 notifications,
	// subscriptions, event source mappings, Lambda permissions and URLs
	// add to these functions; AWS::IAM::Policy documents listing these
	// roles are appended to their Policies. They are modified in place and
	// are not returned in the App. Their IDs should be in IDs too.
	Functions []*model.Function
	Roles     []*model.Role
}

// LoadFragment is LoadDocument for a fragment whose references may point at
// elements declared outside it.
func LoadFragment(ctx context.Context, root *source.Root, file string, body *yaml.Node, fw model.Framework, opts load.Options, out Outside) *model.App {
	d := newDoc(ctx, root, file, body, fw, opts)
	for name, id := range out.IDs {
		d.implicitIDs[name] = id
	}
	for _, f := range out.Functions {
		if f != nil {
			d.fns[f.ID] = f
			d.rscTypes[f.ID] = "AWS::Lambda::Function"
			d.outsideFns = append(d.outsideFns, f)
		}
	}
	for _, r := range out.Roles {
		if r != nil {
			d.roles[r.ID] = r
			d.rscTypes[r.ID] = "AWS::IAM::Role"
		}
	}
	d.run()
	return d.app
}

// param is a template parameter.
type param struct {
	name     string
	typ      string
	def      *yaml.Node
	pos      model.Pos
	override *string
	warned   bool
}

// value resolves a Ref to the parameter at pos.
func (p *param) value(d *doc, pos model.Pos) *node {
	isList := p.typ == "CommaDelimitedList" || strings.HasPrefix(p.typ, "List<")
	if strings.HasPrefix(p.typ, "AWS::SSM::Parameter::Value<") {
		expr := "!Ref " + p.name
		if p.def != nil && p.def.Kind == yaml.ScalarNode {
			expr += " (SSM parameter " + p.def.Value + ")"
		}
		n := d.unresolved(expr, pos)
		n.v.External = true
		return n
	}
	var s string
	switch {
	case p.override != nil:
		s = *p.override
	case p.def != nil && p.def.Kind == yaml.ScalarNode:
		s = p.def.Value
	case p.def != nil && p.def.Kind == yaml.SequenceNode && isList:
		return (&evaluator{d: d}).eval(p.def, 0)
	default:
		if !p.warned {
			p.warned = true
			d.diag(p.pos, model.DiagInfo, "unresolved", "parameter %s has no Default and no --var %s=... override; values that use it are unknown", p.name, p.name)
		}
		return d.unresolved("!Ref "+p.name, pos)
	}
	if isList {
		n := &node{k: nList, pos: pos}
		for _, part := range strings.Split(s, ",") {
			n.items = append(n.items, &node{k: nScalar, v: model.Str(strings.TrimSpace(part), pos), pos: pos})
		}
		return n
	}
	return &node{k: nScalar, v: model.Str(s, pos), pos: pos}
}

// res is one entry of Resources.
type res struct {
	name     string
	typ      string
	id       string
	y        *yaml.Node // the resource's mapping
	pos      model.Pos  // of the logical name
	props    *node
	evald    bool
	deployed model.Value
}

// doc holds the state of loading one template.
type doc struct {
	ctx  context.Context
	root *source.Root
	file string
	fw   model.Framework
	opts load.Options
	body *yaml.Node
	app  *model.App

	params    map[string]*param
	mappings  *yaml.Node
	conds     map[string]*yaml.Node
	condMemo  map[string]tri
	condBusy  map[string]bool
	resources map[string]*res
	order     []*res
	globals   map[string]*node // evaluated Globals sections by name

	// implicitIDs maps logical names SAM generates (MyFnRole,
	// ServerlessRestApi) to model IDs, so GetAtt on them resolves.
	implicitIDs map[string]string

	fns      map[string]*model.Function // by model ID
	roles    map[string]*model.Role
	rsc      map[string]*model.Resource
	rscTypes map[string]string // model ID -> native type of every resource, modelled or not
	// policies are AWS::IAM::Policy/ManagedPolicy documents by model ID,
	// and attached records policy+role pairs already joined.
	policies map[string]*model.Policy
	attached map[string]bool
	apis     map[string]*apiAuth // SAM APIs by model ID

	unresolvedAt map[model.Pos]bool
	diagSeen     load.DiagOnce
	fileEntry    *model.File
	// sam is set when SAM semantics apply: the transform, or SAM resource
	// types in a document the caller passed (Serverless resources).
	sam bool
	// outsideFns are functions declared outside a fragment (LoadFragment).
	outsideFns []*model.Function
	// evalBudget counts down the values evaluated; see maxEvalNodes.
	evalBudget int
}

func newDoc(ctx context.Context, root *source.Root, file string, body *yaml.Node, fw model.Framework, opts load.Options) *doc {
	d := &doc{
		ctx: ctx, root: root, file: file, fw: fw, opts: opts, body: yamlsafe.Resolve(body),
		app:          &model.App{},
		params:       map[string]*param{},
		conds:        map[string]*yaml.Node{},
		condMemo:     map[string]tri{},
		condBusy:     map[string]bool{},
		resources:    map[string]*res{},
		globals:      map[string]*node{},
		implicitIDs:  map[string]string{},
		fns:          map[string]*model.Function{},
		roles:        map[string]*model.Role{},
		rsc:          map[string]*model.Resource{},
		rscTypes:     map[string]string{},
		policies:     map[string]*model.Policy{},
		attached:     map[string]bool{},
		apis:         map[string]*apiAuth{},
		unresolvedAt: map[model.Pos]bool{},
		diagSeen:     load.DiagOnce{},
		evalBudget:   maxEvalNodes,
	}
	d.fileEntry = &model.File{Path: file, Kind: string(load.KindCloudFormation), Framework: fw, Parsed: true}
	d.app.Files = append(d.app.Files, d.fileEntry)
	return d
}

func (d *doc) pos(y *yaml.Node) model.Pos {
	if y == nil {
		return model.Pos{File: d.file}
	}
	return model.Pos{File: d.file, Line: y.Line, Col: y.Column}
}

func (d *doc) id(name string) string { return d.file + "#" + name }

// diag records a diagnostic once per position and message.
func (d *doc) diag(pos model.Pos, level model.DiagLevel, code, format string, args ...any) {
	d.diagSeen.Add(&d.app.Diagnostics, load.Diag(pos, level, code, format, args...))
}

// markUnresolved counts an unresolved value once per source position, so
// that Globals applied to many functions are not counted many times.
func (d *doc) markUnresolved(pos model.Pos) { d.unresolvedAt[pos] = true }

// eval evaluates a raw YAML value in the template's scope.
func (d *doc) eval(y *yaml.Node) *node { return (&evaluator{d: d}).eval(y, 0) }

func (d *doc) run() {
	if d.body == nil || d.body.Kind != yaml.MappingNode {
		d.fileEntry.Parsed = false
		d.diag(d.pos(d.body), model.DiagError, "parse", "template is not a mapping of sections (Resources, Parameters, ...)")
		return
	}
	d.collect()
	d.build()
	d.fileEntry.Unresolved = len(d.unresolvedAt)
	d.app.Sort()
}

// collect reads the sections that values resolve against.
func (d *doc) collect() {
	d.mappings = yamlsafe.Get(d.body, "Mappings")
	yamlsafe.Pairs(yamlsafe.Get(d.body, "Conditions"), func(k, v *yaml.Node) { d.conds[k.Value] = v })

	if t := yamlsafe.Get(d.body, "Transform"); t != nil {
		var names []*yaml.Node
		if t.Kind == yaml.SequenceNode {
			names = t.Content
		} else {
			names = []*yaml.Node{t}
		}
		for _, n := range names {
			n = yamlsafe.Resolve(n)
			if n.Kind == yaml.ScalarNode && n.Value != samTransform && n.Value != "AWS::LanguageExtensions" {
				d.diag(d.pos(n), model.DiagWarning, "unsupported", "transform %s is a macro Warden cannot run; resources it would add or change are not in the model", n.Value)
			}
		}
	}

	yamlsafe.Pairs(yamlsafe.Get(d.body, "Parameters"), func(k, v *yaml.Node) {
		p := &param{name: k.Value, pos: d.pos(k)}
		if t := yamlsafe.Get(v, "Type"); t != nil {
			p.typ = t.Value
		}
		p.def = yamlsafe.Get(v, "Default")
		if s, ok := d.opts.Vars[k.Value]; ok {
			p.override = &s
		}
		d.params[k.Value] = p
		in := &model.Input{ID: d.id(k.Value), Name: k.Value, Framework: d.fw, Pos: p.pos}
		if t := yamlsafe.Get(v, "Type"); t != nil {
			in.Type = model.Str(t.Value, d.pos(t))
		}
		if p.def != nil {
			if p.def.Kind == yaml.ScalarNode {
				in.Default = model.Str(p.def.Value, d.pos(p.def))
			} else {
				in.Default = model.Unresolved("(non-scalar default)", d.pos(p.def))
			}
		}
		if ne := yamlsafe.Get(v, "NoEcho"); ne != nil {
			in.Masked = model.Str(ne.Value, d.pos(ne))
		}
		d.app.Inputs = append(d.app.Inputs, in)
	})

	resources := yamlsafe.Get(d.body, "Resources")
	if resources == nil {
		d.diag(d.pos(d.body), model.DiagWarning, "parse", "template has no Resources section")
	} else if resources.Kind != yaml.MappingNode {
		d.diag(d.pos(resources), model.DiagError, "parse", "Resources is not a mapping")
	}
	yamlsafe.Pairs(resources, func(k, v *yaml.Node) {
		r := &res{name: k.Value, id: d.id(k.Value), y: v, pos: d.pos(k)}
		if strings.HasPrefix(k.Value, "Fn::ForEach::") {
			d.diag(r.pos, model.DiagWarning, "unsupported", "%s (AWS::LanguageExtensions) is not expanded; the resources it generates are not in the model", k.Value)
			d.markUnresolved(r.pos)
			return
		}
		t := yamlsafe.Get(v, "Type")
		if t == nil || t.Kind != yaml.ScalarNode || v.Kind != yaml.MappingNode {
			d.diag(r.pos, model.DiagWarning, "parse", "resource %s has no Type; skipped", k.Value)
			return
		}
		r.typ = t.Value
		d.resources[k.Value] = r
		d.order = append(d.order, r)
		d.rscTypes[r.id] = r.typ
	})

	d.sam = d.fw == model.SAM || d.hasSAMTypes()
	// Names SAM generates, so that GetAtt MyFunctionRole.Arn resolves.
	if d.sam {
		for _, r := range d.order {
			switch r.typ {
			case "AWS::Serverless::Function", "AWS::Serverless::StateMachine":
				if yamlsafe.Get(yamlsafe.Get(r.y, "Properties"), "Role") == nil {
					d.implicitIDs[r.name+"Role"] = d.id(r.name + "Role")
				}
			}
		}
		for _, n := range []string{implicitRestAPI, implicitHTTPAPI} {
			if _, taken := d.resources[n]; !taken {
				d.implicitIDs[n] = d.id(n)
			}
		}
	}

	// Conditions on resources.
	for _, r := range d.order {
		ck, cv := yamlsafe.GetPair(r.y, "Condition")
		if cv == nil {
			continue
		}
		cpos := d.pos(ck)
		switch d.condition(cv.Value, d.pos(cv), 0) {
		case triFalse:
			r.deployed = model.Str("false", cpos)
		case triUnknown:
			r.deployed = model.Unresolved("Condition: "+cv.Value, cpos)
		}
	}

	if d.sam {
		yamlsafe.Pairs(yamlsafe.Get(d.body, "Globals"), func(k, v *yaml.Node) {
			switch k.Value {
			case "Function", "Api", "HttpApi", "SimpleTable", "StateMachine", "LayerVersion":
				d.globals[k.Value] = d.eval(v)
			default:
				d.diag(d.pos(k), model.DiagWarning, "unsupported", "Globals section %s is not one SAM defines; ignored", k.Value)
			}
		})
	}
}

// props evaluates a resource's Properties once, with SAM Globals merged in.
func (d *doc) props(r *res) *node {
	if r.evald {
		return r.props
	}
	r.evald = true
	r.props = d.eval(yamlsafe.Get(r.y, "Properties"))
	if r.props != nil && r.props.k != nMap && r.props.k != nUnknown {
		d.diag(r.pos, model.DiagWarning, "parse", "Properties of %s is not a mapping", r.name)
		r.props = nil
	}
	if d.sam {
		if sec := samGlobalsSection(r.typ); sec != "" {
			if g := d.globals[sec]; g != nil {
				if r.props == nil {
					r.props = &node{k: nMap, pos: r.pos}
				}
				r.props = mergeGlobals(g, r.props)
			}
		}
	}
	if r.props == nil {
		r.props = &node{k: nMap, pos: r.pos}
	}
	return r.props
}

func samGlobalsSection(typ string) string {
	switch typ {
	case "AWS::Serverless::Function":
		return "Function"
	case "AWS::Serverless::Api":
		return "Api"
	case "AWS::Serverless::HttpApi":
		return "HttpApi"
	case "AWS::Serverless::SimpleTable":
		return "SimpleTable"
	case "AWS::Serverless::StateMachine":
		return "StateMachine"
	case "AWS::Serverless::LayerVersion":
		return "LayerVersion"
	}
	return ""
}

// refTo returns the model ID a value points at, if that element is of one
// of the given native types ("" accepts any).
func (d *doc) refTo(v model.Value, types ...string) string {
	if v.Ref == "" {
		return ""
	}
	if len(types) == 0 {
		return v.Ref
	}
	t := d.rscTypes[v.Ref]
	for _, want := range types {
		if t == want {
			return v.Ref
		}
	}
	return ""
}

// fnFor finds the function a value (name, ARN, Ref, GetAtt) points at.
func (d *doc) fnFor(v model.Value) *model.Function {
	if f := d.fns[v.Ref]; f != nil {
		return f
	}
	if !v.IsKnown() {
		return nil
	}
	match := func(f *model.Function) bool {
		return f != nil && f.FunctionName.IsKnown() && (f.FunctionName.V == v.V || strings.HasSuffix(v.V, ":function:"+f.FunctionName.V))
	}
	for _, r := range d.order {
		if f := d.fns[r.id]; match(f) {
			return f
		}
	}
	for _, f := range d.outsideFns {
		if match(f) {
			return f
		}
	}
	return nil
}

func (d *doc) edge(from, to string, kind model.EdgeKind, pos model.Pos) {
	if from == "" || !d.isModel(to) {
		return
	}
	key := from + "\x00" + to + "\x00" + string(kind)
	if d.attached[key] {
		return
	}
	d.attached[key] = true
	d.app.Edges = append(d.app.Edges, model.Edge{From: from, To: to, Kind: kind, Pos: pos})
}

// newResource adds a model resource for r.
func (d *doc) newResource(r *res, kind model.ResourceKind) *model.Resource {
	m := &model.Resource{ID: r.id, Kind: kind, Type: r.typ, Name: r.name, Provider: model.AWS, Framework: d.fw, Pos: r.pos, Deployed: r.deployed}
	d.rsc[m.ID] = m
	d.app.Resources = append(d.app.Resources, m)
	return m
}

// setAttr copies a property into an attribute when the source sets it.
func setAttr(m *model.Resource, key string, v model.Value) {
	if v.IsSet() {
		m.SetAttr(key, v)
	}
}

func (d *doc) build() {
	// Pass 1: the elements others attach to.
	for _, r := range d.order {
		if d.ctx.Err() != nil {
			return
		}
		d.buildPrimary(r)
	}
	// Pass 2: SAM-generated elements, then attachments between elements.
	if d.sam {
		d.buildSAM()
	}
	for _, r := range d.order {
		if d.ctx.Err() != nil {
			return
		}
		d.buildAttachment(r)
	}
	d.link()
}

func (d *doc) hasSAMTypes() bool {
	for _, r := range d.order {
		if strings.HasPrefix(r.typ, "AWS::Serverless::") {
			return true
		}
	}
	return false
}
