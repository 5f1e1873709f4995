package leastpriv

import (
	"strings"

	"github.com/wardensec/warden/internal/code/ir"
	"github.com/wardensec/warden/internal/model"
)

// eval computes what is knowable about an expression, and records every
// SDK call inside it.
func (x *extractor) eval(fr *frame, e ir.Expr) *val {
	switch e := e.(type) {
	case nil:
		return unknown
	case *ir.Const:
		if e.Kind == ir.Str {
			return strVal(lit(e.Value))
		}
		return unknown
	case *ir.Name:
		if v, ok := fr.env.get(e.ID); ok {
			if v.k == kFunc && !fr.top {
				// A function named in reachable code (called, or passed
				// as a callback) is reachable.
				x.walk(v.fn, nil)
			}
			return v
		}
		switch e.ID {
		case "process":
			return &val{k: kMod, mod: "process"}
		}
		return unknown
	case *ir.Attr:
		return x.member(fr, x.eval(fr, e.X), e.Name, e.Pos)
	case *ir.Index:
		xv := x.eval(fr, e.X)
		kv := x.eval(fr, e.Key)
		if xv.k == kUnknown {
			// A subscript of an unknown value is data, not an object
			// whose attributes were assigned.
			return unknown
		}
		if s, ok := kv.asStr().Literal(); ok {
			return x.member(fr, xv, s, e.Pos)
		}
		return xv.elem()
	case *ir.Call:
		return x.call(fr, e)
	case *ir.BinOp:
		a, b := x.eval(fr, e.X), x.eval(fr, e.Y)
		switch e.Op {
		case "+":
			if a.k == kStr || b.k == kStr {
				return strVal(concat(a.asStr(), b.asStr()))
			}
		case "or", "||", "??":
			// os.environ.get('T') or 'default': the env var is what the
			// deployment sets.
			if a.k != kUnknown {
				return a
			}
			return b
		}
		return unknown
	case *ir.Unary:
		v := x.eval(fr, e.X)
		if e.Op == "await" || e.Op == "&" || e.Op == "*" {
			return v
		}
		return unknown
	case *ir.Format:
		var s Str
		for i, p := range e.Parts {
			pv := x.eval(fr, p).asStr()
			if i == 0 {
				s = pv
				if !s.Known() {
					s = Str{Parts: []Part{{Unknown: true}}}
				}
				continue
			}
			s = concat(s, pv)
		}
		return strVal(s)
	case *ir.Seq:
		for _, el := range e.Elems {
			x.eval(fr, el)
		}
		return unknown
	case *ir.Dict:
		d := &val{k: kDict, dict: map[string]*val{}}
		for i, k := range e.Keys {
			var v *val = unknown
			if i < len(e.Values) {
				v = x.eval(fr, e.Values[i])
			}
			if k == nil {
				// Spread: {...params, Bucket: 'b'}
				if v.k == kDict {
					for kk, vv := range v.dict {
						d.dict[kk] = vv
					}
				}
				continue
			}
			if c, ok := k.(*ir.Const); ok {
				d.dict[strings.ToLower(c.Value)] = v
				if v.sdkObject() {
					// Struct literal fields hold clients (&handler{db: ...}).
					x.attrs[c.Value] = v
				}
			} else {
				x.eval(fr, k)
			}
		}
		return d
	case *ir.Lambda:
		r := &fnRef{mod: fr.m, fn: e.Fn}
		if !fr.top {
			// An inline callback in reachable code runs (map, forEach,
			// Promise.all); its body is reachable.
			x.walk(r, fr.env)
		}
		return &val{k: kFunc, fn: r}
	case *ir.Cond:
		x.eval(fr, e.Test)
		a, b := x.eval(fr, e.Then), x.eval(fr, e.Else)
		if a.k != kUnknown {
			return a
		}
		return b
	case *ir.Comp:
		for _, it := range e.Iters {
			x.eval(fr, it)
		}
		for _, t := range e.Targets {
			x.bind(fr, t, unknown)
		}
		for _, c := range e.Conds {
			x.eval(fr, c)
		}
		x.eval(fr, e.Elt)
		return unknown
	case *ir.Spread:
		return x.eval(fr, e.X)
	case *ir.Walrus:
		v := x.eval(fr, e.Value)
		x.bind(fr, e.Target, v)
		return v
	case *ir.Opaque:
		for _, k := range e.Kids {
			x.eval(fr, k)
		}
		return unknown
	}
	return unknown
}

// member is v.name: module members, env vars, SDK constructors, object
// attributes.
func (x *extractor) member(fr *frame, v *val, name string, pos model.Pos) *val {
	switch v.k {
	case kEvent:
		p := name
		if v.path != "" {
			p = v.path + "." + name
		}
		return &val{k: kEvent, path: p}
	case kMod:
		switch v.mod {
		case "os":
			if name == "environ" {
				return &val{k: kMod, mod: "os.environ"}
			}
		case "os.environ", "process.env":
			return strVal(envStr(name))
		case "process":
			if name == "env" {
				return &val{k: kMod, mod: "process.env"}
			}
		case "aws-sdk":
			if name == "default" {
				return v
			}
			if len(name) > 0 && name[0] >= 'A' && name[0] <= 'Z' && name != "Config" && name != "config" && name != "Credentials" && name != "Endpoint" {
				return &val{k: kClientClass, svc: x.service(name), sdk: "js-v2"}
			}
		case "boto3", "boto3.session":
			return &val{k: kMod, mod: "boto3." + name}
		case "@aws-sdk/lib-dynamodb":
			return x.v3Member("DynamoDB", true, name)
		}
		if strings.HasPrefix(v.mod, "@aws-sdk/client-") {
			return x.v3Member(x.service(strings.TrimPrefix(v.mod, "@aws-sdk/client-")), false, name)
		}
		if strings.HasPrefix(v.mod, "@aws-sdk/lib-storage") && name == "Upload" {
			return &val{k: kCmdClass, svc: "S3", op: "PutObject", sdk: "js-v3"}
		}
		return &val{k: kMod, mod: v.mod + "." + name}
	case kClientClass:
		if v.sdk == "js-v2" && v.svc == "DynamoDB" && name == "DocumentClient" {
			return &val{k: kClientClass, svc: "DynamoDB", sdk: "js-v2", doc: true}
		}
		if v.sdk == "js-v3" && name == "from" {
			// DynamoDBDocumentClient.from(client): a factory, called next.
			return &val{k: kMod, mod: "from", svc: v.svc, sdk: v.sdk, doc: v.doc, send: v.send}
		}
	case kDict:
		if f := v.field(name); f != nil {
			return f
		}
	case kLocal:
		lm := v.lm
		if lm.js {
			if f, ok := lm.exports.dict[name]; ok {
				return f
			}
			if f, ok := lm.exports.dict[strings.ToLower(name)]; ok {
				return f
			}
			if def, ok := lm.exports.dict["="]; ok {
				return x.member(fr, def, name, pos)
			}
		}
		if f, ok := lm.env.vars[name]; ok {
			return f
		}
		return unknown
	case kResource:
		if name == "meta" {
			return &val{k: kMod, mod: "boto3.meta", svc: v.svc}
		}
	}
	if v.k == kMod && v.mod == "boto3.meta" && name == "client" {
		return &val{k: kClient, svc: v.svc, sdk: "boto3"}
	}
	if v.k == kUnknown || v.k == kStr || v.k == kDict {
		// self.table, h.db, this.client: an attribute assigned somewhere.
		if a, ok := x.attrs[name]; ok {
			return a
		}
		if !fr.top {
			for _, r := range x.methods[name] {
				x.walk(r, nil)
			}
		}
	}
	return unknown
}

// v3Member classifies a name imported from an AWS SDK for JavaScript v3
// package: a client class, a command class, or something else.
func (x *extractor) v3Member(svc string, doc bool, name string) *val {
	switch {
	case strings.HasSuffix(name, "Command") && len(name) > len("Command"):
		op := strings.TrimSuffix(name, "Command")
		if doc {
			op = docOp(op)
		}
		return &val{k: kCmdClass, svc: svc, op: op, sdk: "js-v3"}
	case strings.HasSuffix(name, "Client"):
		return &val{k: kClientClass, svc: svc, sdk: "js-v3", doc: doc, send: true}
	case doc && name == "DynamoDBDocument", !doc && len(name) > 0 && name[0] >= 'A' && name[0] <= 'Z' && !strings.HasPrefix(name, "paginate") && x.service(name) == svc:
		// The aggregated client (new S3({}).getObject(...)).
		return &val{k: kClientClass, svc: svc, sdk: "js-v3", doc: doc}
	case strings.HasPrefix(name, "paginate"):
		return &val{k: kCmdClass, svc: svc, op: strings.TrimPrefix(name, "paginate"), sdk: "js-v3", send: true}
	}
	return unknown
}

// docOp maps DynamoDB document client operations to the API's.
func docOp(op string) string {
	switch Pascal(op) {
	case "Get":
		return "GetItem"
	case "Put":
		return "PutItem"
	case "Update":
		return "UpdateItem"
	case "Delete":
		return "DeleteItem"
	case "BatchGet":
		return "BatchGetItem"
	case "BatchWrite":
		return "BatchWriteItem"
	case "TransactGet":
		return "TransactGetItems"
	case "TransactWrite":
		return "TransactWriteItems"
	}
	return Pascal(op)
}

// clientNoise are client methods that are not API operations.
var clientNoise = map[string]bool{
	"send": true, "destroy": true, "close": true, "promise": true, "on": true, "config": true,
	"middlewareStack": true, "waitFor": true, "get_waiter": true, "can_paginate": true,
	"makeRequest": true, "makeUnauthenticatedRequest": true, "setupRequestListeners": true,
	"exceptions": true, "meta": true, "Options": true, "createPresignedPost": true,
}

// call evaluates a call: SDK constructors and operations, env lookups,
// local functions.
func (x *extractor) call(fr *frame, c *ir.Call) *val {
	args := make([]*val, len(c.Args))
	for i, a := range c.Args {
		args[i] = x.eval(fr, a)
	}
	kws := map[string]*val{}
	for _, k := range c.Kw {
		v := x.eval(fr, k.X)
		if k.Name == "" {
			if v.k == kDict {
				for kk, vv := range v.dict {
					kws[kk] = vv
				}
			}
			continue
		}
		kws[strings.ToLower(k.Name)] = v
	}
	arg := func(i int, kw string) *val {
		if kw != "" {
			if v, ok := kws[strings.ToLower(kw)]; ok {
				return v
			}
		}
		if i < len(args) {
			return args[i]
		}
		return unknown
	}

	if n, ok := c.Fun.(*ir.Name); ok && n.ID == "require" && fr.m.js {
		if s, ok := arg(0, "").asStr().Literal(); ok {
			return x.require(fr, s)
		}
		return unknown
	}
	if a, ok := c.Fun.(*ir.Attr); ok {
		recv := x.eval(fr, a.X)
		if v, handled := x.method(fr, c, recv, a.Name, args, kws, arg); handled {
			return v
		}
		return x.apply(fr, c, x.member(fr, recv, a.Name, a.Pos), args, arg)
	}
	return x.apply(fr, c, x.eval(fr, c.Fun), args, arg)
}

// apply calls a value: constructors of clients and commands, boto3's
// client factories, local functions.
func (x *extractor) apply(fr *frame, c *ir.Call, f *val, args []*val, arg func(int, string) *val) *val {
	switch f.k {
	case kClientClass:
		return &val{k: kClient, svc: f.svc, sdk: f.sdk, doc: f.doc, send: f.send}
	case kCmdClass:
		if f.send {
			// paginateListObjectsV2(config, params)
			x.record(Call{Pos: c.Pos, SDK: f.sdk, Service: f.svc, Op: f.op, Params: params(arg(1, ""))})
		} else {
			x.record(Call{Pos: c.Pos, SDK: f.sdk, Service: f.svc, Op: f.op, Params: params(arg(0, ""))})
		}
		return unknown
	case kFunc:
		return x.walk(f.fn, nil)
	case kMod:
		switch f.mod {
		case "boto3.client", "boto3.session.client":
			return x.boto3Client(c, kClient, arg(0, "service_name"))
		case "boto3.resource", "boto3.session.resource":
			return x.boto3Client(c, kResource, arg(0, "service_name"))
		case "os.getenv", "os.environ.get", "os.Getenv", "os.LookupEnv":
			if s, ok := arg(0, "key").asStr().Literal(); ok {
				return strVal(envStr(s))
			}
			return unknown
		case "from":
			return &val{k: kClient, svc: f.svc, sdk: f.sdk, doc: f.doc, send: f.send}
		}
		if strings.HasPrefix(f.mod, "boto3.") {
			// boto3.Session(), boto3.session.Session(region_name=...)
			return &val{k: kMod, mod: "boto3"}
		}
		if fr.m.lang == "go" {
			return x.goPackageCall(c, f.mod, arg)
		}
	}
	return unknown
}

// goPackageCall handles aws-sdk-go-v2 package functions: client
// constructors, paginators and aws.String.
func (x *extractor) goPackageCall(c *ir.Call, fn string, arg func(int, string) *val) *val {
	i := strings.LastIndexByte(fn, '.')
	if i < 0 {
		return unknown
	}
	pkg, name := fn[:i], fn[i+1:]
	if pkg == "github.com/aws/aws-sdk-go-v2/aws" || pkg == "github.com/aws/aws-sdk-go/aws" {
		// aws.String("x") and friends wrap values in pointers.
		return arg(0, "")
	}
	const v1Prefix = "github.com/aws/aws-sdk-go/service/"
	if strings.HasPrefix(pkg, v1Prefix) && name == "New" {
		// aws-sdk-go (v1): s3.New(sess).GetObject(&s3.GetObjectInput{...}).
		return &val{k: kClient, svc: x.service(strings.SplitN(strings.TrimPrefix(pkg, v1Prefix), "/", 2)[0]), sdk: "go-v1"}
	}
	const svcPrefix = "github.com/aws/aws-sdk-go-v2/service/"
	if !strings.HasPrefix(pkg, svcPrefix) {
		return unknown
	}
	svc := x.service(strings.SplitN(strings.TrimPrefix(pkg, svcPrefix), "/", 2)[0])
	switch {
	case name == "NewFromConfig" || name == "New" || name == "NewPresignClient":
		return &val{k: kClient, svc: svc, sdk: "go-v2"}
	case strings.HasPrefix(name, "New") && strings.HasSuffix(name, "Paginator"):
		op := strings.TrimSuffix(strings.TrimPrefix(name, "New"), "Paginator")
		x.record(Call{Pos: c.Pos, SDK: "go-v2", Service: svc, Op: op, Params: params(arg(1, ""))})
	}
	return unknown
}

func (x *extractor) boto3Client(c *ir.Call, k kind, svcArg *val) *val {
	s, ok := svcArg.asStr().Literal()
	if !ok {
		x.problem(c.Pos, "boto3 client for a service chosen at run time; its calls are not mapped")
		return &val{k: k, sdk: "boto3"}
	}
	return &val{k: k, svc: x.service(s), sdk: "boto3"}
}

// method handles calls on SDK values; handled is false for everything
// else.
func (x *extractor) method(fr *frame, c *ir.Call, recv *val, name string, args []*val, kws map[string]*val, arg func(int, string) *val) (*val, bool) {
	switch recv.k {
	case kMod:
		if recv.mod == "os.environ" && (name == "get" || name == "setdefault") {
			if s, ok := arg(0, "key").asStr().Literal(); ok {
				return strVal(envStr(s)), true
			}
			return unknown, true
		}
		if recv.mod == "boto3" || recv.mod == "boto3.session" {
			switch name {
			case "client":
				return x.boto3Client(c, kClient, arg(0, "service_name")), true
			case "resource":
				return x.boto3Client(c, kResource, arg(0, "service_name")), true
			}
			return &val{k: kMod, mod: "boto3"}, true
		}
	case kClient:
		if clientNoise[name] {
			return unknown, true
		}
		if recv.send {
			return unknown, true
		}
		x.clientCall(c, recv, name, kws, arg)
		return &val{k: kMod, mod: "sdk-result"}, true
	case kResource:
		switch name {
		case "Table":
			return &val{k: kTable, svc: recv.svc, sdk: "boto3", name: arg(0, "name").asStr()}, true
		case "Bucket":
			return &val{k: kBucket, svc: recv.svc, sdk: "boto3", name: arg(0, "name").asStr()}, true
		case "Object":
			return &val{k: kBucket, svc: recv.svc, sdk: "boto3", name: arg(0, "bucket_name").asStr(), op: "object"}, true
		case "batch_get_item", "batch_write_item":
			x.record(Call{Pos: c.Pos, SDK: "boto3", Service: recv.svc, Op: Pascal(name), Params: params(&val{k: kDict, dict: kws})})
			return unknown, true
		}
		if recv.svc != "" && len(name) > 0 && name[0] >= 'A' && name[0] <= 'Z' {
			// Other sub-resources (Queue, Topic...): not tracked.
			x.problem(c.Pos, "boto3 "+recv.svc+" resource "+name+" is not modelled; its calls are not mapped")
			return unknown, true
		}
	case kTable:
		op := ""
		switch name {
		case "get_item", "put_item", "update_item", "delete_item", "query", "scan":
			op = Pascal(name)
		case "batch_writer":
			op = "BatchWriteItem"
		case "load", "reload":
			op = "DescribeTable"
		}
		if op != "" {
			p := params(&val{k: kDict, dict: kws})
			p["tablename"] = recv.name
			x.record(Call{Pos: c.Pos, SDK: "boto3", Service: "DynamoDB", Op: op, Params: p})
		}
		return unknown, true
	case kBucket:
		op := ""
		switch name {
		case "put_object", "upload_file", "upload_fileobj", "put":
			op = "PutObject"
		case "download_file", "download_fileobj", "get":
			op = "GetObject"
		case "delete_objects", "delete":
			op = "DeleteObject"
			if recv.op != "object" && name == "delete" {
				op = "DeleteBucket"
			}
		}
		if op != "" {
			p := params(&val{k: kDict, dict: kws})
			p["bucket"] = recv.name
			if recv.op == "object" {
				p["key"] = Str{Parts: []Part{{Unknown: true}}}
			}
			x.record(Call{Pos: c.Pos, SDK: "boto3", Service: "S3", Op: op, Params: p})
		}
		return unknown, true
	}
	return nil, false
}

// clientCall records an operation called as a client method.
func (x *extractor) clientCall(c *ir.Call, recv *val, name string, kws map[string]*val, arg func(int, string) *val) {
	var p *val
	op := Pascal(name)
	switch recv.sdk {
	case "boto3":
		// boto3 takes keyword arguments only (**kwargs are merged in kws).
		kw := map[string]*val{}
		for k, v := range kws {
			kw[k] = v
		}
		p = &val{k: kDict, dict: kw}
		switch name {
		case "upload_file", "upload_fileobj":
			op = "PutObject"
			kw["bucket"] = arg(1, "Bucket")
			kw["key"] = arg(2, "Key")
		case "download_file", "download_fileobj":
			op = "GetObject"
			kw["bucket"] = arg(0, "Bucket")
			kw["key"] = arg(1, "Key")
		case "generate_presigned_url", "get_paginator":
			m, ok := arg(0, "ClientMethod").asStr().Literal()
			if name == "get_paginator" {
				m, ok = arg(0, "operation_name").asStr().Literal()
			}
			if !ok {
				x.problem(c.Pos, recv.svc+" "+name+" with an operation chosen at run time; not mapped")
				return
			}
			op = Pascal(m)
			if pp := arg(1, "Params"); pp.k == kDict {
				p = pp
			}
		}
	case "go-v2":
		op = strings.TrimPrefix(name, "Presign")
		p = arg(1, "")
	case "go-v1":
		// GetObject(in), GetObjectWithContext(ctx, in), GetObjectRequest(in),
		// ListObjectsV2Pages(in, fn), ListObjectsV2PagesWithContext(ctx, in, fn).
		p = arg(0, "")
		if strings.HasSuffix(name, "WithContext") {
			p = arg(1, "")
		}
		op = name
		for _, suf := range []string{"WithContext", "Pages", "Request"} {
			op = strings.TrimSuffix(op, suf)
		}
	default:
		if recv.doc {
			op = docOp(name)
		}
		switch {
		case recv.sdk == "js-v2" && recv.svc == "S3" && name == "upload":
			op = "PutObject"
		case recv.sdk == "js-v2" && (name == "getSignedUrl" || name == "getSignedUrlPromise"):
			m, ok := arg(0, "").asStr().Literal()
			if !ok {
				x.problem(c.Pos, "getSignedUrl with an operation chosen at run time; not mapped")
				return
			}
			op = Pascal(m)
			p = arg(1, "")
		}
		if p == nil {
			p = arg(0, "")
		}
	}
	if recv.svc == "" {
		x.problem(c.Pos, "SDK call "+name+" on a client whose service is unknown; not mapped")
		x.record(Call{Pos: c.Pos, SDK: recv.sdk, Op: op, Params: params(p)})
		return
	}
	x.record(Call{Pos: c.Pos, SDK: recv.sdk, Service: recv.svc, Op: op, Params: params(p)})
}

// params keeps the string-valued parameters of a call, by lower-cased
// name; nested values are left out (resource names are top-level
// parameters in every API the map covers).
func params(v *val) map[string]Str {
	out := map[string]Str{}
	if v == nil || v.k != kDict {
		return out
	}
	for k, f := range v.dict {
		switch f.k {
		case kStr, kEvent:
			out[k] = f.asStr()
		case kDict:
			// DynamoDB batch requests key tables by name.
			if k == "requestitems" || k == "transactitems" {
				for tk := range f.dict {
					out["tablename"] = lit(tk)
				}
			}
		default:
			out[k] = Str{}
		}
	}
	return out
}
