package deps

import (
	"sort"

	"github.com/wardensec/warden/internal/model"
)

// sortPackages orders packages by ecosystem, name, version and position,
// so that output never depends on map order.
func sortPackages(ps []*model.Package) {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.Ecosystem != b.Ecosystem {
			return a.Ecosystem < b.Ecosystem
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.Version != b.Version {
			return a.Version < b.Version
		}
		return a.Pos.Less(b.Pos)
	})
}
