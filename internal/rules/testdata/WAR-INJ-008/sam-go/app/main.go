package main

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	htmltemplate "html/template"
	"os"
	"strings"
	"text/template"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/microcosm-cc/bluemonday"

	"example.com/pages/internal/render"
)

const pageHTML = `<html><body><h1>Hello {{.Name}}</h1><p>{{.Bio}}</p></body></html>`

var (
	page     = template.Must(template.New("page").Parse(pageHTML))
	safePage = htmltemplate.Must(htmltemplate.New("page").Parse(pageHTML))
	policy   = bluemonday.UGCPolicy()
)

type profile struct {
	Name string `json:"name"`
	Bio  string `json:"bio"`
}

type server struct {
	layout *template.Template
	footer *htmltemplate.Template
}

func (s *server) handle(ctx context.Context, event events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var p profile
	if err := json.Unmarshal([]byte(event.Body), &p); err != nil {
		return events.APIGatewayV2HTTPResponse{StatusCode: 400}, nil
	}
	name := event.QueryStringParameters["name"]

	var buf bytes.Buffer
	if err := page.Execute(&buf, p); err != nil { // want "WAR-INJ-008 event.body reaches text/template Template.Execute"
		return events.APIGatewayV2HTTPResponse{StatusCode: 500}, nil
	}
	s.layout.ExecuteTemplate(&buf, "header", map[string]string{"Title": name}) // want "WAR-INJ-008 event.queryStringParameters.name reaches text/template Template.ExecuteTemplate"
	if t, err := template.New("note").Parse(`<aside>{{.}}</aside>`); err == nil {
		t.Execute(&buf, "Signed in as "+name) // want "WAR-INJ-008"
	}
	list := template.Must(template.ParseFiles("templates/list.html"))
	list.Execute(&buf, struct{ Items []string }{Items: strings.Split(name, ",")}) // want "WAR-INJ-008"
	writeGreeting(&buf, name)
	card, _ := render.Card(p.Bio)
	buf.WriteString(card)
	// html/template inserts its trusted-content types as they are.
	safePage.Execute(&buf, map[string]any{"Name": htmltemplate.HTML(p.Name)}) // want "WAR-INJ-008 event.body reaches html/template.HTML"

	// Negative cases.
	safePage.Execute(&buf, p)                                                                 // html/template escapes
	s.footer.Execute(&buf, name)                                                              // html/template in a struct field
	page.Execute(&buf, profile{Name: "guest", Bio: "-"})                                      // constants only
	page.Execute(&buf, profile{Name: html.EscapeString(p.Name)})                              // escaped
	page.Execute(&buf, map[string]string{"Name": template.HTMLEscapeString(name)})            // escaped
	safePage.Execute(&buf, map[string]any{"Name": htmltemplate.HTML("<b>guest</b>")})         // constant markup
	safePage.Execute(&buf, map[string]any{"Name": htmltemplate.HTML(policy.Sanitize(p.Bio))}) // sanitised markup
	page.Execute(os.Stdout, p)                                                                // the function's log
	writeGreeting(&buf, "guest")
	render.Card("Welcome")
	if false {
		page.Execute(&buf, p) // dead branch
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "text/html"}, Body: buf.String()}, nil
}

func main() {
	s := &server{
		layout: template.Must(template.ParseFS(os.DirFS("templates"), "*.html")),
		footer: htmltemplate.Must(htmltemplate.New("footer").Parse(`<footer>{{.}}</footer>`)),
	}
	lambda.Start(s.handle)
}
