// Package render holds the page templates.
package render

import (
	"strings"
	"text/template"
)

var card = template.Must(template.New("card").Parse(`<div class="card">{{.}}</div>`))

// Card renders one card.
func Card(title string) (string, error) {
	var b strings.Builder
	err := card.Execute(&b, title) // want "WAR-INJ-008 event.body reaches text/template Template.Execute"
	return b.String(), err
}
