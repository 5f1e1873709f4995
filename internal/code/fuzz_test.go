//go:build cgo

package code

import (
	"context"
	"testing"

	"github.com/wardensec/warden/internal/code/javascript"
	"github.com/wardensec/warden/internal/code/python"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// analyzeSource runs the engine over one in-memory handler file, without
// touching the disk for it (imports still resolve against root).
func analyzeSource(t testing.TB, root *source.Root, file, lang string, src []byte) *model.CodeFacts {
	var parsedMod *parsed
	if lang == "python" {
		m, err := python.Parse(file, src)
		parsedMod = &parsed{mod: m, err: err}
	} else {
		m, err := javascript.Parse(file, src, false)
		parsedMod = &parsed{mod: m, err: err}
	}
	if parsedMod.err != nil {
		t.Fatal(parsedMod.err)
	}
	c := &cache{root: root, files: map[string]*parsed{file: parsedMod}}
	a := newAnalyzer(context.Background(), c, testFunction(), &Entry{Lang: lang, Dir: ".", File: file, Name: "handler"})
	facts, _ := a.run()
	return facts
}

// testFunction is a function behind an HTTP route and a queue.
func testFunction() *model.Function {
	return &model.Function{ID: "f", Name: "f", Provider: model.AWS,
		Triggers: []*model.Trigger{{Kind: model.TriggerHTTP}, {Kind: model.TriggerQueue}}}
}

// FuzzAnalyzePython checks that parsing, lowering and taint analysis never
// panic or hang on any input.
func FuzzAnalyzePython(f *testing.F) {
	for _, s := range []string{
		"import os\ndef handler(event, context):\n    os.system(event['body'])\n",
		"def handler(e, c):\n    x = [y for y in e['Records'] if y]\n    return {'body': str(x)}\n",
		"def f(a): return f(a)\ndef handler(e, c):\n    while True:\n        e = f(e)\n",
		"class A:\n  def m(self, x): return self.m(x)\ndef handler(e, c): A().m(e)\n",
		"def handler(e, c):\n  try: pass\n  except Exception as err: return {'statusCode': 500, 'body': err}\n",
	} {
		f.Add([]byte(s))
	}
	root, err := source.Open(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		analyzeSource(t, root, "h.py", "python", src)
	})
}

func FuzzAnalyzeJavaScript(f *testing.F) {
	for _, s := range []string{
		"const cp = require('child_process'); exports.handler = async (e) => cp.exec(e.body);",
		"exports.handler = (e, c, cb) => { try { x() } catch (err) { cb(null, { body: err.stack }) } };",
		"function f(a) { return f(a) } exports.handler = (e) => { for (;;) { e = f(e) } };",
		"exports.handler = async (e) => Promise.all(e.Records.map(async ({ body }) => eval(body)));",
		"module.exports = { handler: (e) => require(e.x) }; module.exports.handler2 = module.exports.handler;",
	} {
		f.Add([]byte(s))
	}
	root, err := source.Open(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		analyzeSource(t, root, "h.js", "javascript", src)
	})
}
