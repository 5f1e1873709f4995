package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/load/all"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/scan"
	"github.com/wardensec/warden/internal/source"
)

// loadFlags are the flags shared by every command that reads a project.
type loadFlags struct {
	vars        []string
	useEnv      bool
	exclude     []string
	noGitignore bool
	quiet       bool
}

func (l *loadFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&l.vars, "var", nil, "set a variable: ${opt:NAME} in serverless.yml, var.NAME in Terraform, a CloudFormation parameter (repeatable, NAME=VALUE)")
	cmd.Flags().BoolVar(&l.useEnv, "env", false, "resolve ${env:NAME} from this process's environment (off by default, so scans are reproducible)")
	cmd.Flags().StringArrayVar(&l.exclude, "exclude", nil, "skip paths matching this pattern (repeatable)")
	cmd.Flags().BoolVar(&l.noGitignore, "no-gitignore", false, "scan files that .gitignore excludes")
}

func (l *loadFlags) varsMap() (map[string]string, error) {
	m := map[string]string{}
	for _, kv := range l.vars {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--var %q: want NAME=VALUE", kv)
		}
		m[k] = v
	}
	return m, nil
}

func pathArg(args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	return "."
}

// loadProject opens path as the scan root and loads its model. Progress goes
// to stderr only when it is a terminal, so pipes and CI logs stay clean.
func loadProject(ctx context.Context, path string, l loadFlags, stderr io.Writer) (*model.App, *source.Root, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("scan %s: %w", path, err)
	}
	if !st.IsDir() {
		return nil, nil, fmt.Errorf("scan %s: not a directory; pass the project's root directory", path)
	}
	root, err := source.Open(path)
	if err != nil {
		return nil, nil, err
	}
	vars, err := l.varsMap()
	if err != nil {
		root.Close()
		return nil, nil, err
	}
	opts := scan.Options{Loaders: all.Loaders(), Exclude: l.exclude, NoGitignore: l.noGitignore, Load: load.Options{Vars: vars}}
	if l.useEnv {
		opts.Load.Env = os.LookupEnv
	}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) && !l.quiet {
		opts.Progress = func(done, total int, u load.Unit) {
			fmt.Fprintf(stderr, "\r\033[Kloading %d/%d %s", done, total, firstFile(u))
			if done == total {
				fmt.Fprint(stderr, "\r\033[K")
			}
		}
	}
	if ctx == nil {
		ctx = context.Background()
	}
	app, err := scan.Load(ctx, root, opts)
	if err != nil {
		root.Close()
		return nil, nil, err
	}
	app.Root = "."
	return app, root, nil
}

func firstFile(u load.Unit) string {
	if len(u.Files) > 0 {
		return u.Files[0]
	}
	return u.Dir
}
