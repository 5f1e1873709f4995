package code

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// analyzeGo runs code analysis over a Go main package written to a
// temporary directory, as a function behind an HTTP route.
func analyzeGo(t *testing.T, files map[string]string) *model.CodeFacts {
	t.Helper()
	dir := t.TempDir()
	files["go.mod"] = "module example.com/fn\n\ngo 1.22\n"
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root, err := source.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	f := &model.Function{ID: "f", Name: "f", Provider: model.AWS, Runtime: model.Str("provided.al2023", model.Pos{}),
		Handler: model.Str("bootstrap", model.Pos{}), CodePath: model.Str(".", model.Pos{}),
		Pos: model.Pos{File: "template.yaml", Line: 1}, Triggers: []*model.Trigger{{Kind: model.TriggerHTTP}}}
	app := &model.App{Functions: []*model.Function{f}}
	Analyze(context.Background(), root, app)
	if f.Code == nil {
		t.Fatalf("not analysed: %+v", app.Diagnostics)
	}
	return f.Code
}

// flowsAt lists "class file:line" for each flow, at its sink.
func flowsAt(facts *model.CodeFacts) []string {
	var out []string
	for _, fl := range facts.Flows {
		s := fl.Steps[len(fl.Steps)-1].Pos
		out = append(out, fl.Class+" "+s.File+":"+strconv.Itoa(s.Line))
	}
	return out
}

// Imports are scoped to their file: "template" is html/template in one file
// of the package and text/template in the other, and only the latter is
// cross-site scripting.
func TestGoTemplatePackagePerFile(t *testing.T) {
	facts := analyzeGo(t, map[string]string{
		"main.go": `package main

import (
	"bytes"
	"context"
	"html/template"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

var safe = template.Must(template.New("p").Parse("<p>{{.}}</p>"))

func handler(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var b bytes.Buffer
	safe.Execute(&b, e.Body)
	return events.APIGatewayV2HTTPResponse{Body: b.String() + plain(e.Body)}, nil
}

func main() { lambda.Start(handler) }
`,
		"plain.go": `package main

import (
	"strings"
	"text/template"
)

var raw = template.Must(template.New("p").Parse("<p>{{.}}</p>"))

func plain(s string) string {
	var b strings.Builder
	raw.Execute(&b, s)
	return b.String()
}
`,
	})
	if got := flowsAt(facts); !slices.Equal(got, []string{"xss plain.go:12"}) {
		t.Errorf("flows %v, want only xss at plain.go:12", got)
	}
}

// What a template renders flows into its writer: html/template's output is
// escaped for HTML but still data for other sinks, and a second template
// fed with it is not cross-site scripting. Templates bound with `t, _ :=`
// keep their package.
func TestGoTemplateOutputFlows(t *testing.T) {
	facts := analyzeGo(t, map[string]string{
		"main.go": `package main

import (
	"bytes"
	"context"
	htmltemplate "html/template"
	"os/exec"
	"text/template"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handler(ctx context.Context, e events.APIGatewayV2HTTPRequest) (string, error) {
	safe, _ := htmltemplate.New("p").Parse("<p>{{.}}</p>")
	raw, _ := template.New("p").Parse("<p>{{.}}</p>")
	var b, out bytes.Buffer
	safe.Execute(&b, e.QueryStringParameters["q"])
	raw.Execute(&out, b.String())
	exec.Command("sh", "-c", "echo "+out.String()).Run()
	return out.String(), nil
}

func main() { lambda.Start(handler) }
`,
	})
	got := flowsAt(facts)
	if !slices.Equal(got, []string{"command main.go:20"}) {
		t.Fatalf("flows %v, want only the command at main.go:20", got)
	}
	var msgs []string
	for _, s := range facts.Flows[0].Steps {
		msgs = append(msgs, s.Message)
	}
	trail := strings.Join(msgs, " / ")
	if !strings.Contains(trail, "rendered by html/template") || !strings.Contains(trail, "rendered by text/template") {
		t.Errorf("trail %q does not show both renderings", trail)
	}
}
