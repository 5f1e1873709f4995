// Package scan runs the first half of `warden scan`: discovery, then every
// loader in parallel, merged into one application model. It is shared by the
// CLI, the inventory command and the rule test harness, so that fixtures are
// loaded exactly the way users' projects are.
package scan

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/wardensec/warden/internal/discover"
	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// Options configure a load.
type Options struct {
	Load        load.Options
	Exclude     []string
	NoGitignore bool
	Loaders     map[load.Kind]load.Loader
	// Workers bounds parallel loading; 0 means GOMAXPROCS.
	Workers int
	// Progress, when set, is called after each unit.
	Progress func(done, total int, unit load.Unit)
}

// Load discovers and loads every unit under root into one model.
func Load(ctx context.Context, root *source.Root, opts Options) (*model.App, error) {
	found, err := discover.Walk(ctx, root, discover.Options{Exclude: opts.Exclude, NoGitignore: opts.NoGitignore})
	if err != nil {
		return nil, fmt.Errorf("discover %s: %w", root.Dir(), err)
	}
	// Serverless services pull other YAML files in with ${file()}; those
	// files can also look like CloudFormation templates on their own. Load
	// the services first and skip the files they include, so that their
	// resources are modelled once, under the service that deploys them.
	var services, rest []load.Unit
	for _, u := range found.Units {
		if u.Kind == load.KindServerless {
			services = append(services, u)
		} else {
			rest = append(rest, u)
		}
	}
	app := LoadUnits(ctx, root, services, opts)
	included := map[string]bool{}
	for _, f := range app.Files {
		included[f.Path] = true
	}
	var remaining []load.Unit
	for _, u := range rest {
		if len(u.Files) == 1 && included[u.Files[0]] && u.Kind != load.KindTerraform {
			continue
		}
		remaining = append(remaining, u)
	}
	parts := loadParts(ctx, root, remaining, opts)
	for i, p := range parts {
		if !calledModule(i, remaining, parts) {
			app.Merge(p)
		}
	}
	app.Root = root.Dir()
	app.Diagnostics = append(app.Diagnostics, found.Diagnostics...)
	app.Sort()
	return app, ctx.Err()
}

// calledModule reports whether Terraform unit i is a local module that
// another unit already loaded through its module block. Loaded on its own, a
// module has no inputs, so its values are unknown and every resource would
// appear twice; the caller's instance is the real one.
func calledModule(i int, units []load.Unit, parts []*model.App) bool {
	u := units[i]
	if u.Kind != load.KindTerraform || len(u.Files) == 0 {
		return false
	}
	mine := map[string]bool{}
	for _, f := range u.Files {
		mine[f] = true
	}
	for j, other := range parts {
		if j == i || units[j].Kind != load.KindTerraform || other == nil {
			continue
		}
		seen := map[string]bool{}
		for _, f := range other.Files {
			seen[f.Path] = true
		}
		covered := true
		for _, f := range u.Files {
			if (strings.HasSuffix(f, ".tf") || strings.HasSuffix(f, ".tf.json")) && !seen[f] {
				covered = false
				break
			}
		}
		if !covered {
			continue
		}
		// A module that calls its caller back (a cycle) keeps both.
		reverse := true
		for _, f := range units[j].Files {
			if !mine[f] {
				reverse = false
				break
			}
		}
		if !reverse {
			return true
		}
	}
	return false
}

// LoadUnits loads units in parallel and merges them in unit order, so the
// model does not depend on scheduling.
func LoadUnits(ctx context.Context, root *source.Root, units []load.Unit, opts Options) *model.App {
	app := &model.App{}
	for _, p := range loadParts(ctx, root, units, opts) {
		app.Merge(p)
	}
	return app
}

// loadParts loads units in parallel and returns one partial model per unit.
func loadParts(ctx context.Context, root *source.Root, units []load.Unit, opts Options) []*model.App {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	parts := make([]*model.App, len(units))
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				u := units[i]
				l := opts.Loaders[u.Kind]
				if l == nil {
					parts[i] = noLoader(u)
				} else {
					parts[i] = load.Safely(ctx, l, root, u, opts.Load)
				}
				if opts.Progress != nil {
					mu.Lock()
					done++
					opts.Progress(done, len(units), u)
					mu.Unlock()
				}
			}
		}()
	}
	for i := range units {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return parts
}

func noLoader(u load.Unit) *model.App {
	app := &model.App{}
	for _, f := range u.Files {
		app.Files = append(app.Files, &model.File{Path: f, Kind: string(u.Kind)})
		app.Diagnostics = append(app.Diagnostics, load.Diag(model.Pos{File: f}, model.DiagWarning, "unsupported",
			"recognised as %s, but this build of Warden has no loader for it", u.Kind))
	}
	return app
}
