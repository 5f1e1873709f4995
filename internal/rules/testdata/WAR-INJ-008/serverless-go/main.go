package main

import (
	"bytes"
	"context"
	"encoding/json"
	htmltemplate "html/template"
	"strings"
	"text/template"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

type entry struct {
	Author  string `json:"author"`
	Message string `json:"message"`
}

var funcs = template.FuncMap{"upper": strings.ToUpper}

var pages = map[string]*template.Template{
	"entry": template.Must(template.New("entry").Funcs(funcs).Parse(`<li>{{.Author | upper}}: {{.Message}}</li>`)),
}

var list = htmltemplate.Must(htmltemplate.New("list").Parse(`<ul>{{range .}}<li>{{.Message}}</li>{{end}}</ul>`))

func handler(ctx context.Context, event events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var e entry
	if err := json.Unmarshal([]byte(event.Body), &e); err != nil {
		return events.APIGatewayV2HTTPResponse{StatusCode: 400}, nil
	}
	html, err := renderEntry(e)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{StatusCode: 500}, nil
	}
	var buf bytes.Buffer
	tmpl, _ := template.ParseFiles("templates/thanks.html")
	tmpl.ExecuteTemplate(&buf, "thanks", e.Author)                   // want "WAR-INJ-008 event.body reaches text/template Template.ExecuteTemplate"
	tmpl.Lookup("footer").Execute(&buf, event.Headers["user-agent"]) // want "WAR-INJ-008 event.headers.user-agent"

	// Negative cases.
	list.Execute(&buf, []entry{e})                       // html/template escapes
	pages["entry"].Execute(&buf, entry{Author: "admin"}) // constants only
	tmpl.ExecuteTemplate(&buf, "thanks", len(e.Author))  // a number
	return events.APIGatewayV2HTTPResponse{StatusCode: 201, Headers: map[string]string{"Content-Type": "text/html"}, Body: html + buf.String()}, nil
}

// renderEntry renders one guestbook entry as HTML.
func renderEntry(e entry) (string, error) {
	var b bytes.Buffer
	if err := pages["entry"].Execute(&b, e); err != nil { // want "WAR-INJ-008 event.body reaches text/template Template.Execute"
		return "", err
	}
	return b.String(), nil
}

func main() {
	lambda.Start(handler)
}
