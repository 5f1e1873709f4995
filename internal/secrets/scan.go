package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/wardensec/warden/internal/discover"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// DefaultMaxFileSize bounds the files the secret scan reads. Hand-written
// code and configuration is far smaller; bigger text files are generated
// bundles and data dumps, which are slow to scan and full of look-alikes.
const DefaultMaxFileSize = 2 << 20

// Options tune a scan.
type Options struct {
	// Walk are the discovery options of the scan (--exclude, --no-gitignore),
	// so that the secret scan skips what the template loaders skip.
	Walk discover.Options
	// MaxFileSize overrides DefaultMaxFileSize.
	MaxFileSize int64
	// Scanner overrides the gitleaks-backed scanner (tests).
	Scanner SecretScanner
}

// Stats says what a scan did, for summaries and benchmarks.
type Stats struct {
	Files, Bytes int
	// TooLarge counts text files over the size cap, which were not scanned.
	TooLarge int
}

// Scan finds hard-coded secrets in the project's code and configuration
// files and records them in app.Secrets, redacted, each attributed to the
// function whose code contains it when that is one function. A file that
// cannot be read is passed over: the template loaders report unreadable
// templates, and code files are not worth a diagnostic each.
func Scan(ctx context.Context, root *source.Root, app *model.App) {
	_, _ = ScanWith(ctx, root, app, Options{})
}

// ScanWith is Scan with options; it returns what it scanned. The only error
// is the context's, or a failure to load the detector's rules.
func ScanWith(ctx context.Context, root *source.Root, app *model.App, opts Options) (Stats, error) {
	var st Stats
	sc := opts.Scanner
	if sc == nil {
		var err error
		if sc, err = New(); err != nil {
			app.Diagnostics = append(app.Diagnostics, model.Diagnostic{Level: model.DiagWarning, Code: "secrets",
				Message: fmt.Sprintf("secret scan not run: %v", err)})
			return st, err
		}
	}
	max := opts.MaxFileSize
	if max <= 0 {
		max = DefaultMaxFileSize
	}
	var files []string
	if _, err := discover.WalkFiles(ctx, root, opts.Walk, func(p string) error {
		if Scannable(p) {
			files = append(files, p)
		}
		return nil
	}); err != nil {
		return st, fmt.Errorf("secret scan: walk %s: %w", root.Dir(), err)
	}

	type result struct {
		found []Finding
		size  int
		large bool
	}
	results := make([]result, len(files))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < min(runtime.GOMAXPROCS(0), 4); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if fi, err := root.Stat(files[i]); err == nil && fi.Size() > max {
					results[i].large = true
					continue
				}
				data, err := root.ReadFile(files[i])
				if err != nil {
					results[i].large = errors.Is(err, source.ErrTooLarge)
					continue
				}
				if int64(len(data)) > max {
					results[i].large = true
					continue
				}
				if minified(files[i], data) {
					continue
				}
				results[i] = result{found: sc.ScanFile(files[i], data), size: len(data)}
			}
		}()
	}
	var err error
feed:
	for i := range files {
		select {
		case next <- i:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()

	attr := newAttributor(root, app)
	for i, r := range results {
		if r.large {
			st.TooLarge++
			app.Diagnostics = append(app.Diagnostics, model.Diagnostic{Pos: model.Pos{File: files[i]}, Level: model.DiagInfo, Code: "too-large",
				Message: fmt.Sprintf("not scanned for secrets: larger than %d bytes", max)})
			continue
		}
		if r.size > 0 {
			st.Files++
			st.Bytes += r.size
		}
		for _, f := range r.found {
			h := &model.SecretHit{
				Detector: f.Rule, Description: f.Description,
				Pos:      model.Pos{File: f.File, Line: f.Pos.Line, Col: f.Pos.Column},
				Redacted: f.Redacted, Prefix: f.Prefix, Length: f.Length, Entropy: f.Entropy, Class: f.Class,
			}
			if f.Pair != nil {
				h.Pair = &model.Pos{File: f.File, Line: f.Pair.Line, Col: f.Pair.Column}
			}
			h.FunctionID, h.FunctionIDs = attr.attribute(h.Pos)
			app.Secrets = append(app.Secrets, h)
		}
	}
	sort.SliceStable(app.Secrets, func(i, j int) bool { return app.Secrets[i].Pos.Less(app.Secrets[j].Pos) })
	return st, err
}

// scanExt are the code and configuration files a secret can hide in.
var scanExt = map[string]bool{
	// code
	".py": true, ".js": true, ".mjs": true, ".cjs": true, ".jsx": true, ".ts": true, ".mts": true, ".cts": true, ".tsx": true,
	".go": true, ".java": true, ".kt": true, ".rb": true, ".cs": true, ".php": true, ".sh": true, ".bash": true, ".ps1": true,
	// configuration and templates (serverless.yml, template.yaml, *.template, Terraform)
	".env": true, ".json": true, ".yml": true, ".yaml": true, ".tf": true, ".tfvars": true, ".hcl": true, ".toml": true,
	".ini": true, ".cfg": true, ".conf": true, ".properties": true, ".template": true, ".xml": true,
}

// lockFiles are dependency lock files: their integrity hashes look like
// keys to an entropy check and they hold no secret of the project's.
var lockFiles = map[string]bool{
	"package-lock.json": true, "npm-shrinkwrap.json": true, "yarn.lock": true, "pnpm-lock.yaml": true, "bun.lock": true,
	"poetry.lock": true, "Pipfile.lock": true, "uv.lock": true, "pdm.lock": true, "go.sum": true, "go.work.sum": true,
	"composer.lock": true, "Gemfile.lock": true, "Cargo.lock": true, ".terraform.lock.hcl": true, "packages.lock.json": true,
	"deno.lock": true,
}

// Scannable reports whether the secret scan reads the file at p: code and
// configuration by extension, .env files and AWS credentials files by name,
// never lock files or minified bundles by name.
func Scannable(p string) bool {
	base := path.Base(p)
	if lockFiles[base] || strings.Contains(base, ".min.") || strings.HasSuffix(base, "-min.js") || strings.HasSuffix(base, ".map") {
		return false
	}
	if base == ".env" || strings.HasPrefix(base, ".env.") || base == "credentials" || base == ".npmrc" || base == ".pypirc" {
		return true
	}
	return scanExt[strings.ToLower(path.Ext(base))]
}

// minified reports whether a JavaScript or CSS file is a minified bundle:
// a few very long lines. Bundles repeat their dependencies' test keys and
// base64 blobs; the sources they are built from are scanned instead.
func minified(p string, data []byte) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".js", ".mjs", ".cjs", ".css":
	default:
		return false
	}
	if len(data) < 4096 {
		return false
	}
	lines := bytes.Count(data, []byte{'\n'}) + 1
	return len(data)/lines > 500
}

// attributor maps a file to the functions whose code contains it.
type attributor struct {
	// files maps a code path that is a file (a Serverless handler file) to
	// its functions; dirs maps a code directory to its functions.
	files, dirs map[string][]string
	// env maps a template position (file and line) to the functions whose
	// environment variable is written there (several when the variable is
	// provider-wide, as in a Serverless provider.environment).
	env map[model.Pos][]string
}

func newAttributor(root *source.Root, app *model.App) *attributor {
	a := &attributor{files: map[string][]string{}, dirs: map[string][]string{}, env: map[model.Pos][]string{}}
	for _, f := range app.Functions {
		for _, e := range f.Environment {
			for _, p := range []model.Pos{e.Pos, e.Value.Pos} {
				if p.File != "" {
					k := model.Pos{File: p.File, Line: p.Line}
					a.env[k] = appendUnique(a.env[k], f.ID)
				}
			}
		}
		if !f.CodePath.IsKnown() {
			continue
		}
		c, err := source.Clean(f.CodePath.V)
		if err != nil || c == f.Pos.File {
			continue // outside the root, or inline code in the template
		}
		st, err := root.Stat(c)
		switch {
		case err != nil:
		case st.IsDir():
			a.dirs[c] = appendUnique(a.dirs[c], f.ID)
		case st.Mode().IsRegular():
			a.files[c] = appendUnique(a.files[c], f.ID)
			d := path.Dir(c)
			a.dirs[d] = appendUnique(a.dirs[d], f.ID)
		}
	}
	return a
}

func appendUnique(ids []string, id string) []string {
	for _, x := range ids {
		if x == id {
			return ids
		}
	}
	return append(ids, id)
}

// attribute returns the function a secret at p belongs to: the function
// whose environment variable is on that template line; else the one whose
// handler file it is; else the one whose code directory is the deepest that
// contains it. When several functions share the best match, the hit
// belongs to all of them and to no single one.
func (a *attributor) attribute(p model.Pos) (string, []string) {
	if ids := a.env[model.Pos{File: p.File, Line: p.Line}]; len(ids) > 0 {
		return single(ids)
	}
	if ids := a.files[p.File]; len(ids) > 0 {
		return single(ids)
	}
	for d := path.Dir(p.File); ; d = path.Dir(d) {
		if ids := a.dirs[d]; len(ids) > 0 {
			return single(ids)
		}
		if d == "." || d == "/" || d == "" {
			return "", nil
		}
	}
}

func single(ids []string) (string, []string) {
	if len(ids) == 1 {
		return ids[0], nil
	}
	out := append([]string(nil), ids...)
	sort.Strings(out)
	return "", out
}
