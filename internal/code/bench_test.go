//go:build cgo

package code

import (
	"context"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ts "github.com/tree-sitter/go-tree-sitter"
	tsjs "github.com/tree-sitter/tree-sitter-javascript/bindings/go"
	tspy "github.com/tree-sitter/tree-sitter-python/bindings/go"

	"github.com/wardensec/warden/internal/code/tsutil"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// genPython writes a Lambda module of about n lines: helpers that build
// strings, use containers, f-strings, comprehensions, try/except and match,
// called from one handler with event data.
func genPython(n int) string {
	var b strings.Builder
	b.WriteString("import json\nimport os\nimport subprocess\n\n")
	i := 0
	for lines := 4; lines < n-10; lines += 16 {
		fmt.Fprintf(&b, `def helper_%[1]d(value, opts=None):
    parts = [value, "x%[1]d"]
    data = {"k": value, "n": %[1]d, **(opts or {})}
    text = f"{parts[0]}-{data['n']:>4}"
    if (size := len(text)) > 10:
        text = text[:10]
    match data:
        case {"k": str(k)}:
            text += k
        case _:
            pass
    try:
        out = " ".join(p for p in parts if p)
    except ValueError as e:
        out = str(e)
    return "cmd %%s" %% out

`, i)
		i++
	}
	b.WriteString("def handler(event, context):\n    body = json.loads(event['body'])\n")
	for j := 0; j < i; j++ {
		fmt.Fprintf(&b, "    r%d = helper_%d(body['f%d'])\n", j, j, j%7)
	}
	b.WriteString("    os.system(r0)\n    return {'statusCode': 200}\n")
	return b.String()
}

func genJS(n int) string {
	var b strings.Builder
	b.WriteString("const { exec } = require('child_process');\n\n")
	i := 0
	for lines := 2; lines < n-10; lines += 16 {
		fmt.Fprintf(&b, "async function helper%[1]d(value, opts = {}) {\n"+
			"  const parts = [value, 'x%[1]d'];\n"+
			"  const data = { k: value, n: %[1]d, ...opts };\n"+
			"  let text = `${parts[0]}-${data.n}`;\n"+
			"  const { k, ...rest } = data;\n"+
			"  if (text.length > 10) {\n"+
			"    text = text.slice(0, 10);\n"+
			"  }\n"+
			"  try {\n"+
			"    text += parts.filter((p) => p).join(' ') + k;\n"+
			"  } catch (err) {\n"+
			"    text = String(err?.message ?? rest);\n"+
			"  }\n"+
			"  return 'cmd ' + text;\n"+
			"}\n\n", i)
		i++
	}
	b.WriteString("exports.handler = async (event) => {\n  const body = JSON.parse(event.body);\n")
	for j := 0; j < i; j++ {
		fmt.Fprintf(&b, "  const r%d = await helper%d(body.f%d);\n", j, j, j%7)
	}
	b.WriteString("  exec(r0);\n  return { statusCode: 200 };\n};\n")
	return b.String()
}

// benchLanguage reports, for one generated ~5,000-line handler, the raw
// tree-sitter parse rate and the rate of the whole pipeline (parse, lower
// to IR, taint analysis), measured in the same run so the ratio holds on a
// noisy machine.
func benchLanguage(b *testing.B, file, runtime, handler, src string, rawParse func([]byte) error) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, file), []byte(src), 0o644); err != nil {
		b.Fatal(err)
	}
	root, err := source.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer root.Close()
	lines := tsutil.Lines([]byte(src))
	b.SetBytes(int64(len(src)))

	var parse time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := rawParse([]byte(src)); err != nil {
			b.Fatal(err)
		}
		parse += time.Since(start)
	}
	b.ResetTimer()
	var flows int
	for i := 0; i < b.N; i++ {
		app := &model.App{Functions: []*model.Function{{
			ID: "f", Name: "f", Provider: model.AWS, Runtime: model.Str(runtime, model.Pos{}),
			Handler: model.Str(handler, model.Pos{}), CodePath: model.Str(".", model.Pos{}),
			Triggers: []*model.Trigger{{Kind: model.TriggerHTTP}},
		}}}
		Analyze(context.Background(), root, app)
		if app.Functions[0].Code == nil {
			b.Fatalf("no code facts: %v", app.Diagnostics)
		}
		flows = len(app.Functions[0].Code.Flows)
	}
	b.StopTimer()
	if flows == 0 {
		b.Fatal("the generated handler's flow was not found")
	}
	total := b.Elapsed()
	b.ReportMetric(float64(lines), "lines")
	b.ReportMetric(float64(lines)*float64(b.N)/parse.Seconds(), "parse-lines/s")
	b.ReportMetric(float64(lines)*float64(b.N)/total.Seconds(), "analysis-lines/s")
	b.ReportMetric(float64(parse.Microseconds())/float64(b.N)/1000, "parse-ms/op")
}

func treeSitter(lang *ts.Language) func([]byte) error {
	return func(src []byte) error {
		_, err := tsutil.Parse(lang, src, func(*ts.Node) {})
		return err
	}
}

func BenchmarkPython(b *testing.B) {
	benchLanguage(b, "big.py", "python3.12", "big.handler", genPython(5000), treeSitter(ts.NewLanguage(tspy.Language())))
}

func BenchmarkJavaScript(b *testing.B) {
	benchLanguage(b, "big.js", "nodejs20.x", "big.handler", genJS(5000), treeSitter(ts.NewLanguage(tsjs.Language())))
}

// BenchmarkGo compares go/parser alone with the whole Go pipeline.
func BenchmarkGo(b *testing.B) {
	benchLanguage(b, "main.go", "go1.x", "main", genGo(5000), func(src []byte) error {
		_, err := parser.ParseFile(token.NewFileSet(), "main.go", src, parser.SkipObjectResolution)
		return err
	})
}

func genGo(n int) string {
	var b strings.Builder
	b.WriteString("package main\n\nimport (\n\t\"context\"\n\t\"fmt\"\n\t\"os/exec\"\n\t\"strings\"\n\n\t\"github.com/aws/aws-lambda-go/events\"\n\t\"github.com/aws/aws-lambda-go/lambda\"\n)\n\n")
	i := 0
	for lines := 12; lines < n-12; lines += 17 {
		fmt.Fprintf(&b, `func helper%[1]d(value string, opts map[string]string) (string, error) {
	parts := []string{value, "x%[1]d"}
	data := map[string]string{"k": value}
	for k, v := range opts {
		data[k] = v
	}
	text := fmt.Sprintf("%%s-%%d", parts[0], %[1]d)
	switch {
	case len(text) > 10:
		text = text[:10]
	default:
		text += data["k"]
	}
	if text == "" {
		return "", fmt.Errorf("empty")
	}
	return "cmd " + strings.Join(parts, " ") + text, nil
}

`, i)
		i++
	}
	b.WriteString("func handle(ctx context.Context, event events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {\n")
	for j := 0; j < i; j++ {
		fmt.Fprintf(&b, "\tr%d, _ := helper%d(event.QueryStringParameters[\"f%d\"], nil)\n\t_ = r%d\n", j, j, j%7, j)
	}
	b.WriteString("\texec.Command(\"sh\", \"-c\", r0).Run()\n\treturn events.APIGatewayProxyResponse{StatusCode: 200}, nil\n}\n\nfunc main() { lambda.Start(handle) }\n")
	return b.String()
}
