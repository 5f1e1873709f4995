package main

import (
	"bytes"
	"text/template"
)

type results struct {
	Query string
	Hits  []string
}

type view struct {
	tmpl *template.Template
}

func newView() *view {
	return &view{tmpl: template.Must(template.New("results").Parse(`<h1>Results for {{.Query}}</h1>`))}
}

// render returns the results page.
func (v *view) render(r results) string {
	var buf bytes.Buffer
	v.tmpl.Execute(&buf, r) // want "WAR-INJ-008 event.queryStringParameters.q reaches text/template Template.Execute"
	return buf.String()
}
