package main

import (
	"io"
	"text/template"
)

var greeting = template.Must(template.New("greeting").Parse(`<p>Hello {{.Name}}</p>`))

// writeGreeting renders the greeting into w (the response buffer).
func writeGreeting(w io.Writer, name string) error {
	return greeting.Execute(w, map[string]string{"Name": name}) // want "WAR-INJ-008 event.queryStringParameters.name reaches"
}
