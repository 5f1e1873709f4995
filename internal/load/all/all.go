// Package all lists every loader compiled into Warden, so that the CLI and
// the rule test harness load projects the same way.
package all

import (
	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/load/azurefunc"
	"github.com/wardensec/warden/internal/load/cloudformation"
	"github.com/wardensec/warden/internal/load/serverless"
	"github.com/wardensec/warden/internal/load/terraform"
)

// Loaders returns the loaders by kind.
func Loaders() map[load.Kind]load.Loader {
	ls := []load.Loader{cloudformation.Loader{}, serverless.Loader{}, terraform.Loader{}, azurefunc.Loader{}}
	m := make(map[load.Kind]load.Loader, len(ls))
	for _, l := range ls {
		m[l.Kind()] = l
	}
	return m
}
