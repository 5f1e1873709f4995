package leastpriv

import (
	"strings"

	"github.com/wardensec/warden/internal/code/ir"
)

// Str is a string as far as the code makes it knowable: literal parts,
// environment variables (resolved later against the model) and unknown
// parts. The zero Str is entirely unknown.
type Str struct {
	Parts []Part `json:"parts,omitempty"`
}

// Part is one piece of a Str. Exactly one of Lit, Env, Event or Unknown
// is set.
type Part struct {
	Lit string `json:"lit,omitempty"`
	Env string `json:"env,omitempty"`
	// Event is a path into the handler's event ("Records[].s3.bucket.name"):
	// the trigger that sends the event can name the resource.
	Event   string `json:"event,omitempty"`
	Unknown bool   `json:"unknown,omitempty"`
}

// Known reports whether the string has any part at all: an unknown Str
// has none.
func (s Str) Known() bool { return len(s.Parts) > 0 }

// Literal returns the string when it is made of literal parts only.
func (s Str) Literal() (string, bool) {
	if len(s.Parts) == 0 {
		return "", false
	}
	var b strings.Builder
	for _, p := range s.Parts {
		if p.Env != "" || p.Event != "" || p.Unknown {
			return "", false
		}
		b.WriteString(p.Lit)
	}
	return b.String(), true
}

// String shows the string as code would build it: env vars as ${env:NAME}.
func (s Str) String() string {
	if len(s.Parts) == 0 {
		return "?"
	}
	var b strings.Builder
	for _, p := range s.Parts {
		switch {
		case p.Env != "":
			b.WriteString("${env:" + p.Env + "}")
		case p.Event != "":
			b.WriteString("${event:" + p.Event + "}")
		case p.Unknown:
			b.WriteString("?")
		default:
			b.WriteString(p.Lit)
		}
	}
	return b.String()
}

func lit(s string) Str { return Str{Parts: []Part{{Lit: s}}} }
func envStr(n string) Str {
	return Str{Parts: []Part{{Env: n}}}
}

func concat(a, b Str) Str {
	pa, pb := a.Parts, b.Parts
	if len(pa) == 0 {
		pa = []Part{{Unknown: true}}
	}
	if len(pb) == 0 {
		pb = []Part{{Unknown: true}}
	}
	return Str{Parts: append(append([]Part(nil), pa...), pb...)}
}

// kind says what an abstract value is.
type kind uint8

const (
	kUnknown kind = iota
	kStr
	kMod         // an imported module or namespace: boto3, aws-sdk, os.environ
	kClient      // an SDK client
	kClientClass // a client constructor (AWS.S3, S3Client, s3.NewFromConfig's package)
	kCmdClass    // a JS v3 command class (GetObjectCommand)
	kResource    // a boto3 service resource
	kTable       // a boto3 DynamoDB Table
	kBucket      // a boto3 S3 Bucket
	kDict
	kFunc
	kLocal // a local module of the scanned code
	kEvent // (part of) the handler's event
)

// val is what the extractor knows about an expression's value. It tracks
// only what leads to SDK calls and resource names; everything else is
// unknown.
type val struct {
	k    kind
	str  Str
	mod  string // kMod: module path ("boto3", "aws-sdk", "os.environ", "process.env", Go import path)
	svc  string // kClient, kClientClass, kCmdClass, kResource: the SDK's service name
	op   string // kCmdClass: operation
	sdk  string // which SDK: boto3, js-v2, js-v3, go-v2
	doc  bool   // DynamoDB document client: method names differ from the API
	send bool   // JS v3 bare client: operations go through send(command)
	name Str    // kTable, kBucket: the resource name
	dict map[string]*val
	fn   *fnRef
	lm   *module
	path string // kEvent: path from the event ("Records[].s3.bucket.name")
}

var unknown = &val{}

func strVal(s Str) *val { return &val{k: kStr, str: s} }

// asStr returns the string a value holds, unknown when it is not one.
func (v *val) asStr() Str {
	if v != nil && v.k == kStr {
		return v.str
	}
	if v != nil && v.k == kEvent {
		return Str{Parts: []Part{{Event: v.path}}}
	}
	return Str{}
}

// sdkObject reports whether v is an SDK client or resource object: what
// code keeps on objects and struct fields.
func (v *val) sdkObject() bool {
	switch v.k {
	case kClient, kResource, kTable, kBucket, kClientClass:
		return true
	}
	return false
}

// elem is an element of v: the event's records stay event paths.
func (v *val) elem() *val {
	if v != nil && v.k == kEvent {
		return &val{k: kEvent, path: v.path + "[]"}
	}
	return unknown
}

// field looks a key up in a dict value case-insensitively: Go's front end
// lower-cases struct field names, and SDK parameter names are matched the
// same way in every language.
func (v *val) field(name string) *val {
	if v == nil || v.k != kDict {
		return nil
	}
	return v.dict[strings.ToLower(name)]
}

// fnRef is a function of the scanned code.
type fnRef struct {
	mod *module
	fn  *ir.Func
	// class is set for a class constructor reference: calling it runs the
	// constructor.
	class []*fnRef
}
