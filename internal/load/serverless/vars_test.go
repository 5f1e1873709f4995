package serverless

import (
	"reflect"
	"testing"

	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/model"
)

func TestSplitTemplate(t *testing.T) {
	cases := map[string][]segment{
		"plain":                      {{lit: "plain"}},
		"${self:a}":                  {{lit: "self:a", isVar: true}},
		"x-${opt:stage, 'dev'}-y":    {{lit: "x-"}, {lit: "opt:stage, 'dev'", isVar: true}, {lit: "-y"}},
		"${self:c.${opt:s}.d}":       {{lit: "self:c.${opt:s}.d", isVar: true}},
		"${AWS::Region}":             {{lit: "${AWS::Region}"}},
		"arn:${MyBucket.Arn}/*":      {{lit: "arn:${MyBucket.Arn}/*"}},
		"${file(./a.yml):k}":         {{lit: "file(./a.yml):k", isVar: true}},
		"${opt:x, 'a}b'}":            {{lit: "opt:x, 'a}b'", isVar: true}},
		"unclosed ${self:a":          {{lit: "unclosed ${self:a"}},
		"${ssm:/a/b~true}${env:B}":   {{lit: "ssm:/a/b~true", isVar: true}, {lit: "env:B", isVar: true}},
		"it's ${self:a}":             {{lit: "it's "}, {lit: "self:a", isVar: true}},
		"${self:a's}":                {{lit: "self:a's", isVar: true}},
		"$${self:a}":                 {{lit: "$"}, {lit: "self:a", isVar: true}},
		"{{resolve:ssm:/x}}":         {{lit: "{{resolve:ssm:/x}}"}},
		"${}":                        {{lit: "${}"}},
		"${strToBool(${self:flag})}": {{lit: "strToBool(${self:flag})", isVar: true}},
	}
	for in, want := range cases {
		if got := splitTemplate(in); !reflect.DeepEqual(got, want) {
			t.Errorf("splitTemplate(%q) = %+v, want %+v", in, got, want)
		}
	}
}

func TestSplitFallbacks(t *testing.T) {
	cases := map[string][]string{
		"self:a":                         {"self:a"},
		"env:A, self:custom.b, 'x'":      {"env:A", "self:custom.b", "'x'"},
		"opt:stage, 'a,b'":               {"opt:stage", "'a,b'"},
		"file(./a.yml):x, ${env:B, 'c'}": {"file(./a.yml):x", "${env:B, 'c'}"},
		"cf(us-east-1):stack.out, null":  {"cf(us-east-1):stack.out", "null"},
	}
	for in, want := range cases {
		if got := splitFallbacks(in); !reflect.DeepEqual(got, want) {
			t.Errorf("splitFallbacks(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMergeKeysAndAliases(t *testing.T) {
	doc := `service: anchors
x-defaults: &defaults
  runtime: python3.12
  timeout: ${self:custom.timeout}
  environment:
    FROM_ANCHOR: yes
custom:
  timeout: 20
  literalOnly: ${opt:missing, 7}
  bools: ${strToBool(false)}
provider:
  name: aws
functions:
  a:
    <<: *defaults
    handler: a.main
    memorySize: ${self:custom.literalOnly}
  b:
    <<: *defaults
    handler: b.main
    timeout: 3
`
	_, root := project(t, map[string]string{"serverless.yml": doc})
	app := loadIn(t, root, "serverless.yml")
	a, b := findFn(t, app, "serverless.yml#a"), findFn(t, app, "serverless.yml#b")
	wantKnown(t, "merged runtime", a.Runtime, "python3.12", "serverless.yml", srcLine(doc, "runtime: python3.12"))
	wantKnown(t, "merged variable", a.TimeoutSec, "20", "serverless.yml", srcLine(doc, "timeout: ${self"))
	wantKnown(t, "numeric fallback", a.MemoryMB, "7", "serverless.yml", srcLine(doc, "memorySize: ${self:custom.literalOnly}"))
	wantKnown(t, "explicit key wins", b.TimeoutSec, "3", "serverless.yml", srcLine(doc, "timeout: 3"))
	if e, ok := env(b, "FROM_ANCHOR"); !ok || !e.Value.Is("yes") {
		t.Errorf("environment through a merge key = %+v", e)
	}
	for _, d := range app.Diagnostics {
		if d.Level != model.DiagInfo {
			t.Errorf("unexpected diagnostic %s: %s", d.Pos, d.Message)
		}
	}
}

func TestParamsAndStageDefaults(t *testing.T) {
	doc := `service: p
params:
  prod:
    domain: example.com
  default:
    domain: dev.example.com
provider:
  name: aws
  environment:
    DOMAIN: ${param:domain}
    UNSET: ${param:nowhere}
    STAGE: ${sls:stage}
    OPT: ${opt:stage}
functions:
  f:
    handler: f.main
`
	_, root := project(t, map[string]string{"serverless.yml": doc})
	app := loadIn(t, root, "serverless.yml")
	f := findFn(t, app, "serverless.yml#f")
	if e, _ := env(f, "DOMAIN"); !e.Value.Is("dev.example.com") {
		t.Errorf("param default = %s", e.Value)
	}
	if e, _ := env(f, "UNSET"); !e.Value.IsUnknown() || !e.Value.External {
		t.Errorf("dashboard param = %+v, want unknown external", e.Value)
	}
	if e, _ := env(f, "STAGE"); !e.Value.Is("dev") {
		t.Errorf("default stage = %s", e.Value)
	}
	if e, _ := env(f, "OPT"); !e.Value.IsUnknown() {
		t.Errorf("unset option = %s", e.Value)
	}
	if !hasDiag(app, "unresolved", "serverless.yml", srcLine(doc, "OPT:"), "--var stage=") {
		t.Errorf("unset option not reported with a hint:%s", diagList(app))
	}
	wantKnown(t, "default function name", f.FunctionName, "p-dev-f", "serverless.yml", srcLine(doc, "  f:"))

	app = Loader{}.Load(t.Context(), root, load.Unit{Kind: load.KindServerless, Files: []string{"serverless.yml"}}, load.Options{Vars: map[string]string{"stage": "prod"}})
	f = findFn(t, app, "serverless.yml#f")
	if e, _ := env(f, "DOMAIN"); !e.Value.Is("example.com") {
		t.Errorf("param for prod = %s", e.Value)
	}
	if e, _ := env(f, "OPT"); !e.Value.Is("prod") {
		t.Errorf("--var stage = %s", e.Value)
	}
}
