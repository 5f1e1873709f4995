package deps

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/source"
)

// pkgLine is a compact form of a package for comparing extraction results:
// "name@version" plus flags and the line.
func pkgLine(name, version string, line int, flags ...string) string {
	s := fmt.Sprintf("%s@%s:%d", name, version, line)
	if len(flags) > 0 {
		s += " " + strings.Join(flags, ",")
	}
	return s
}

func extracted(t *testing.T, rel string) []string {
	t.Helper()
	root, err := source.Open("testdata/lock")
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	ps, err := Extract(context.Background(), root, rel)
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	var out []string
	for _, p := range ps {
		var flags []string
		if p.Dev {
			flags = append(flags, "dev")
		}
		if p.Source != "" {
			flags = append(flags, p.Source)
		}
		if p.Requirement != "" {
			flags = append(flags, "req="+p.Requirement)
		}
		line := p.Pos.Line
		if p.Pos.File != rel {
			flags = append(flags, "in="+p.Pos.File)
		}
		out = append(out, pkgLine(p.Name, p.Version, line, flags...))
	}
	sort.Strings(out)
	return out
}

// TestExtractFormats checks every supported format on lock files written
// after each format's documentation, with the edge cases: npm aliases
// (lodash-legacy → lodash 4.17.15), git and file dependencies, workspaces,
// the same package at two versions, dev-only packages, hashes, markers,
// -r includes and unpinned requirements.
func TestExtractFormats(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"npm-v1/package-lock.json", []string{
			"left-pad@:7 git", // a git dependency: no registry version
			"lodash@4.17.20:11",
			"minimist@0.0.8:29", // nested copy under mkdirp: duplicate versions kept apart
			"minimist@1.2.5:16",
			"mkdirp@0.5.1:21",
			"my-utils@:36 file",
			"nodemon@2.0.22:39 dev",
		}},
		{"npm-v2/package-lock.json", []string{
			"lodash@4.17.20:18",
			"minimist@1.2.5:23",
			"nodemon@2.0.22:28 dev",
		}},
		{"npm-v3/package-lock.json", []string{
			"@orders/shared@0.1.0:61 file", // workspace package
			"lodash@4.17.15:26",            // npm alias lodash-legacy@npm:lodash@4.17.15
			"lodash@4.17.20:56",            // nested in the api workspace
			"lodash@4.17.21:21",
			"minimist@0.0.8:45",
			"minimist@1.2.5:32",
			"mkdirp@0.5.1:37",
			"nodemon@2.0.22:50 dev",
		}},
		{"shrinkwrap/npm-shrinkwrap.json", []string{
			"@orders/shared@0.1.0:61 file",
			"lodash@4.17.15:26",
			"lodash@4.17.20:56",
			"lodash@4.17.21:21",
			"minimist@0.0.8:45",
			"minimist@1.2.5:32",
			"mkdirp@0.5.1:37",
			"nodemon@2.0.22:50 dev",
		}},
		{"yarn-classic/yarn.lock", []string{
			"@types/node@20.11.5:5",
			"left-pad@1.3.0:10 git",
			"lodash@4.17.15:19", // "lodash-legacy@npm:lodash@4.17.15"
			"lodash@4.17.20:14",
			"minimist@0.0.8:24",
			"minimist@1.2.5:29", // one entry for two ranges
			"mkdirp@0.5.1:34",
		}},
		{"yarn-berry/yarn.lock", []string{
			"@orders/shared@0.0.0-use.local:8 workspace",
			"lodash@4.17.15:16",
			"lodash@4.17.20:23",
			"minimist@1.2.5:30",
			"private-lib@2.1.0:49 git",
		}},
		{"pnpm-v6/pnpm-lock.yaml", []string{
			"lodash@4.17.20:22",
			"minimist@0.0.8:26",
			"minimist@1.2.5:30",
			"nodemon@2.0.22:34 dev",
		}},
		{"pnpm-v9/pnpm-lock.yaml", []string{
			"lodash@4.17.20:30",
			"minimist@1.2.5:33",
			"nodemon@2.0.22:36 dev", // from importers: dev in pnpm v9
		}},
		{"requirements/requirements.txt", []string{
			"Django@:9 req=Django~=4.2.0",
			"PyYAML@5.3.1:5", // with --hash lines
			"boto3@:10 req=boto3>=1.28",
			"certifi@2023.7.22:2",        // from -r requirements-base.txt (line of the -r)
			"charset_normalizer@3.2.0:2", // comment after the pin
			"requests@2.30.0:8",          // environment marker
			"urllib3@:11 req=urllib3",    // bare name
		}},
		{"requirements/requirements-dev.txt", []string{
			"Django@:1 dev,req=Django~=4.2.0",
			"PyYAML@5.3.1:1 dev",
			"boto3@:1 dev,req=boto3>=1.28",
			"certifi@2023.7.22:2 dev,in=requirements/requirements.txt",
			"charset_normalizer@3.2.0:2 dev,in=requirements/requirements.txt",
			"pytest@7.4.0:2 dev",
			"requests@2.30.0:1 dev",
			"urllib3@:1 dev,req=urllib3",
		}},
		{"poetry/poetry.lock", []string{
			"internal-lib@0.3.0:40 git",
			"pytest@7.4.0:4 dev",
			"pyyaml@5.3.1:15",
			"requests@2.31.0:26",
		}},
		{"pipfile/Pipfile.lock", []string{
			"pytest@7.4.0:36 dev",
			"pyyaml@5.3.1:19",
			"requests@2.30.0:26", // in default and develop: deployed
		}},
		{"uv/uv.lock", []string{
			"pytest@7.4.0:29 dev", // from the project's dev-dependencies
			"pyyaml@5.3.1:35",
			"requests@2.30.0:41",
		}},
		{"gomod/go.mod", []string{
			"github.com/aws/aws-lambda-go@v1.41.0:8",
			"github.com/docker/docker@v20.10.24+incompatible:14",
			"github.com/gogo/protobuf@v1.3.1:9",
			"golang.org/x/net@v0.0.0-20220722155237-a158d28d115b:10", // pseudo-version
			"golang.org/x/text@v0.3.7:15",
			"stdlib@1.21.5:5", // the toolchain line wins over the go line
		}},
	}
	for _, tt := range tests {
		got := extracted(t, tt.file)
		want := append([]string(nil), tt.want...)
		sort.Strings(want)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s:\n got  %q\n want %q", tt.file, got, want)
		}
	}
}

func TestExtractErrors(t *testing.T) {
	root, err := source.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if _, err := Extract(context.Background(), root, "package-lock.json"); err == nil {
		t.Error("missing file: no error")
	}
	if _, err := Extract(context.Background(), root, "../etc/requirements.txt"); err == nil {
		t.Error("path outside the root accepted")
	}
	if _, err := Extract(context.Background(), root, "README.md"); err == nil {
		t.Error("unsupported file accepted")
	}
}

func TestFormatOf(t *testing.T) {
	for name, want := range map[string]string{
		"a/requirements.txt": "requirements.txt", "requirements-prod.txt": "requirements.txt", "dev-requirements.txt": "requirements.txt",
		"package-lock.json": "package-lock.json", "x/yarn.lock": "yarn.lock", "go.mod": "go.mod", "go.sum": "", "package.json": "",
		"Pipfile": "", "notes.txt": "",
	} {
		f := FormatOf(name)
		got := ""
		if f != nil {
			got = f.Name
		}
		if got != want {
			t.Errorf("FormatOf(%q) = %q, want %q", name, got, want)
		}
	}
	for name, want := range map[string]bool{"requirements-dev.txt": true, "test-requirements.txt": true, "requirements_ci.txt": true,
		"requirements.txt": false, "requirements-prod.txt": false, "requirements-devops.txt": false} {
		if isDevRequirements(name) != want {
			t.Errorf("isDevRequirements(%q) = %v", name, !want)
		}
	}
}
