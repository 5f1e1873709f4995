package main

import (
	"bytes"
	"context"
	"html/template"
	"strconv"
	ttemplate "text/template"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

var (
	v       = newView()
	summary = ttemplate.Must(ttemplate.New("summary").Parse(`<p>{{.}}</p>`))
	safe    = template.Must(template.New("query").Parse(`<p>{{.}}</p>`))
)

func handler(ctx context.Context, event events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	q := event.QueryStringParameters["q"]
	page := v.render(results{Query: q})

	// Negative cases.
	var escaped bytes.Buffer
	safe.Execute(&escaped, q)                   // html/template escapes
	summary.Execute(&escaped, escaped.String()) // already escaped by html/template
	n, _ := strconv.Atoi(event.QueryStringParameters["page"])
	summary.Execute(&escaped, n)                            // a number
	summary.Execute(&escaped, template.HTMLEscapeString(q)) // escaped
	v.render(results{Query: "all"})                         // constants only
	return events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "text/html"}, Body: page + escaped.String()}, nil
}

func main() {
	lambda.Start(handler)
}
