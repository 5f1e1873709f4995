// Package discover walks a repository and decides which files are
// serverless templates, by content as well as by name: a SAM template called
// stack.yaml is still a SAM template. It honours .gitignore and skips
// dependency and build directories, and it reports what it could not handle
// (a serverless.ts, an oversized template) instead of passing over it.
package discover

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"

	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// SkipDirs are never descended into: dependencies, caches and build output
// hold copies of templates that would double every finding.
var SkipDirs = map[string]bool{
	".git": true, "node_modules": true, "vendor": true, ".serverless": true, ".aws-sam": true,
	".terraform": true, "cdk.out": true, ".venv": true, "venv": true, "__pycache__": true,
	".tox": true, ".next": true, "dist": true, "build": true, "target": true, ".idea": true, ".vscode": true,
	"coverage": true, ".pytest_cache": true, ".mypy_cache": true, "site-packages": true,
}

// Result is what the walk found.
type Result struct {
	Units       []load.Unit
	Diagnostics []model.Diagnostic
	// Skipped counts files ignored by .gitignore or skip rules, for the summary.
	Skipped int
}

// Options tune the walk.
type Options struct {
	// NoGitignore disables .gitignore handling.
	NoGitignore bool
	// Exclude are extra path patterns to skip (from the config).
	Exclude []string
}

// Walk finds every unit under root.
func Walk(ctx context.Context, root *source.Root, opts Options) (*Result, error) {
	res := &Result{}
	tfDirs := map[string][]string{}
	skipped, err := walk(ctx, root, opts, func(p string, err error) {
		res.Diagnostics = append(res.Diagnostics, load.Diag(model.Pos{File: p}, model.DiagWarning, "read", "cannot read: %v", trimPathErr(err)))
	}, func(p string) {
		if looksLikeTemplateName(p) {
			res.Diagnostics = append(res.Diagnostics, load.Diag(model.Pos{File: p}, model.DiagWarning, "outside-root",
				"symbolic link not followed: it leads outside the scanned root or to something that is not a file"))
		}
	}, func(p string) error {
		classify(root, p, res, tfDirs)
		return nil
	})
	res.Skipped += skipped
	if err != nil {
		return res, err
	}
	dirs := make([]string, 0, len(tfDirs))
	for dir := range tfDirs {
		dirs = append(dirs, dir)
	}
	sort.Strings(dirs)
	for _, dir := range dirs {
		files := tfDirs[dir]
		hasTF := false
		for _, f := range files {
			if strings.HasSuffix(f, ".tf") || strings.HasSuffix(f, ".tf.json") {
				hasTF = true
			}
		}
		if !hasTF {
			continue // tfvars without configuration: nothing to apply them to
		}
		sort.Strings(files)
		res.Units = append(res.Units, load.Unit{Kind: load.KindTerraform, Dir: dir, Files: files})
	}
	sort.SliceStable(res.Units, func(i, j int) bool {
		return unitKey(res.Units[i]) < unitKey(res.Units[j])
	})
	return res, nil
}

func unitKey(u load.Unit) string {
	if len(u.Files) > 0 {
		return u.Files[0]
	}
	return u.Dir
}

func splitPath(p string) []string {
	if p == "." || p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func readIgnore(root *source.Root, dir string, parts []string) []gitignore.Pattern {
	name := ".gitignore"
	if dir != "." {
		name = dir + "/.gitignore"
	}
	data, err := root.ReadFile(name)
	if err != nil {
		return nil
	}
	var ps []gitignore.Pattern
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		ps = append(ps, gitignore.ParsePattern(line, parts))
	}
	return ps
}

func excluded(p string, patterns []string) bool {
	for _, pat := range patterns {
		pat = strings.TrimSuffix(strings.TrimPrefix(pat, "./"), "/")
		pat = strings.TrimSuffix(pat, "/**")
		if ok, _ := path.Match(pat, p); ok {
			return true
		}
	}
	return false
}

var (
	cfnMarkers   = regexp.MustCompile(`(?m)^["']?(AWSTemplateFormatVersion|Transform)["']?\s*:|"(AWSTemplateFormatVersion|Transform)"\s*:`)
	samTransform = regexp.MustCompile(`AWS::Serverless-2016-10-31`)
	resourcesKey = regexp.MustCompile(`(?m)^["']?Resources["']?\s*:|"Resources"\s*:`)
	awsType      = regexp.MustCompile(`["']?Type["']?\s*:\s*["']?AWS::[A-Za-z0-9]+::`)
	slsService   = regexp.MustCompile(`(?m)^["']?service["']?\s*:|"service"\s*:`)
	slsProvider  = regexp.MustCompile(`(?m)^["']?provider["']?\s*:|"provider"\s*:`)
	azBindings   = regexp.MustCompile(`"bindings"\s*:`)
)

func looksLikeTemplateName(p string) bool {
	base := path.Base(p)
	switch path.Ext(base) {
	case ".yml", ".yaml", ".template", ".tf":
		return true
	case ".json":
		return strings.HasPrefix(base, "serverless") || strings.Contains(base, "template") || base == "function.json" || strings.HasSuffix(base, ".tf.json")
	}
	return false
}

// classify decides what p is, reading at most the configured size.
func classify(root *source.Root, p string, res *Result, tfDirs map[string][]string) {
	base := path.Base(p)
	dir := path.Dir(p)
	switch {
	case strings.HasSuffix(base, ".tf") || strings.HasSuffix(base, ".tf.json") ||
		base == "terraform.tfvars" || base == "terraform.tfvars.json" ||
		strings.HasSuffix(base, ".auto.tfvars") || strings.HasSuffix(base, ".auto.tfvars.json"):
		tfDirs[dir] = append(tfDirs[dir], p)
		return
	case base == "serverless.ts" || base == "serverless.js" || base == "serverless.cjs" || base == "serverless.mjs":
		res.Diagnostics = append(res.Diagnostics, load.Diag(model.Pos{File: p}, model.DiagInfo, "unsupported",
			"%s is a program, not data: Warden does not run the scanned project's code, so this service was not analysed. "+
				"Export the resolved configuration with `serverless print --format yaml > serverless.resolved.yml` and scan that", base))
		return
	}
	ext := path.Ext(base)
	if ext != ".yml" && ext != ".yaml" && ext != ".json" && ext != ".template" {
		return
	}
	data, err := root.ReadFile(p)
	if err != nil {
		if looksLikeTemplateName(p) {
			res.Diagnostics = append(res.Diagnostics, load.Diag(model.Pos{File: p}, model.DiagWarning, codeFor(err), "not scanned: %v", trimFile(err, p)))
		}
		return
	}
	kind, ok := Detect(base, data)
	if !ok {
		return
	}
	res.Units = append(res.Units, load.Unit{Kind: kind, Dir: dir, Files: []string{p}})
}

// Detect classifies a YAML or JSON file by name and content.
func Detect(base string, data []byte) (load.Kind, bool) {
	if base == "function.json" && azBindings.Match(data) {
		return load.KindAzureFunction, true
	}
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) || strings.HasSuffix(base, ".json") {
		// JSON: key order is free, markers can be anywhere.
		if cfnMarkers.Match(data) || samTransform.Match(data) || (resourcesKey.Match(data) && awsType.Match(data)) {
			return load.KindCloudFormation, true
		}
		if slsService.Match(data) && slsProvider.Match(data) {
			return load.KindServerless, true
		}
		return "", false
	}
	if slsService.Match(data) && slsProvider.Match(data) {
		return load.KindServerless, true
	}
	if cfnMarkers.Match(data) || (resourcesKey.Match(data) && awsType.Match(data)) {
		return load.KindCloudFormation, true
	}
	if strings.HasPrefix(base, "serverless.") {
		return load.KindServerless, true
	}
	return "", false
}

// codeFor is the loaders' read-failure code (load.ReadCode), except that a
// binary file named like a template is reported as unparseable.
func codeFor(err error) string {
	if errors.Is(err, source.ErrBinary) {
		return "parse"
	}
	return load.ReadCode(err)
}

func trimFile(err error, p string) string {
	return strings.TrimPrefix(err.Error(), p+": ")
}

func trimPathErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
