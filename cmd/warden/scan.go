package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/baseline"
	"github.com/wardensec/warden/internal/code"
	"github.com/wardensec/warden/internal/config"
	"github.com/wardensec/warden/internal/deps"
	"github.com/wardensec/warden/internal/discover"
	"github.com/wardensec/warden/internal/leastpriv"
	"github.com/wardensec/warden/internal/report"
	"github.com/wardensec/warden/internal/rules"
	"github.com/wardensec/warden/internal/secrets"
	"github.com/wardensec/warden/internal/source"
	"github.com/wardensec/warden/internal/vulndb"
)

type scanFlags struct {
	load          loadFlags
	format        string
	outputs       []string
	severity      string
	failOn        string
	configFile    string
	baselineFile  string
	writeBaseline string
	noColor       bool
	quiet         bool
	noConfig      bool
}

func init() {
	var f scanFlags
	cmd := &cobra.Command{
		Use:   "scan [PATH]",
		Short: "Scan a serverless project for security problems before it is deployed",
		Long: "Scan reads SAM/CloudFormation, Serverless Framework and Terraform files under PATH (default .),\n" +
			"builds one application model and runs every rule over it.\n\n" +
			"Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 usage or internal error.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScan(cmd.Context(), pathArg(args), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "text", "output format on stdout: text, json or sarif")
	fl.StringArrayVar(&f.outputs, "output", nil, "also write FORMAT=FILE, e.g. --output sarif=warden.sarif (repeatable)")
	fl.StringVar(&f.severity, "severity", "", "lowest severity to show: info, low, medium, high, critical (default info)")
	fl.StringVar(&f.failOn, "fail-on", "", "exit 1 when an unsuppressed finding at or above this severity remains")
	fl.StringVar(&f.configFile, "config", "", "config file (default .warden.yaml at the scan root)")
	fl.StringVar(&f.baselineFile, "baseline", "", "suppress findings recorded in this baseline file")
	fl.StringVar(&f.writeBaseline, "write-baseline", "", "write the unsuppressed findings to this baseline file")
	fl.BoolVar(&f.noColor, "no-color", false, "never use colour")
	fl.BoolVar(&f.noConfig, "no-config", false, "ignore .warden.yaml (for untrusted pull requests, whose config could disable rules)")
	fl.BoolVar(&f.quiet, "quiet", false, "print only findings and a one-line summary; no progress")
	f.load.register(cmd)
	rootCmd.AddCommand(cmd)
}

func runScan(ctx context.Context, path string, f scanFlags, stdout, stderr io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	usage := func(err error) error { return withCode(exitError, err) }
	if !validFormat(f.format) {
		return usage(fmt.Errorf("--format %q: want %s", f.format, strings.Join(report.Formats(), ", ")))
	}
	type out struct{ format, file string }
	var outs []out
	for _, o := range f.outputs {
		format, file, ok := strings.Cut(o, "=")
		if !ok || file == "" || !validFormat(format) {
			return usage(fmt.Errorf("--output %q: want FORMAT=FILE with FORMAT one of %s", o, strings.Join(report.Formats(), ", ")))
		}
		outs = append(outs, out{format, file})
	}

	cfg := config.Default()
	if !f.noConfig {
		var err error
		cfg, err = config.Load(path, f.configFile, func(id string) bool { return rules.ByID(id) != nil })
		if err != nil {
			return usage(err)
		}
		// The config may come from the repository being scanned and can
		// disable rules, so say which one is in force.
		if cfg.Path != "" && !f.quiet {
			fmt.Fprintf(stderr, "warden: using config %s\n", cfg.Path)
		}
	}
	var err error
	for _, w := range cfg.Warnings {
		fmt.Fprintln(stderr, "warden: warning:", w)
	}
	minSev := cfg.MinSeverity
	if f.severity != "" {
		if minSev, err = analysis.ParseSeverity(f.severity); err != nil {
			return usage(fmt.Errorf("--severity: %w", err))
		}
	}
	failOn := cfg.FailOn
	if f.failOn != "" {
		if failOn, err = analysis.ParseSeverity(f.failOn); err != nil {
			return usage(fmt.Errorf("--fail-on: %w", err))
		}
	}
	baseFile := cfg.Baseline
	if f.baselineFile != "" {
		baseFile = f.baselineFile
	}
	var base map[string]bool
	if baseFile != "" {
		if base, err = baseline.ReadFile(baseFile); err != nil {
			return usage(err)
		}
	}

	lf := f.load
	lf.quiet = f.quiet
	lf.exclude = append(lf.exclude, cfg.Analysis.Exclude...)
	if len(cfg.Vars) > 0 {
		var fromCfg []string
		for k, v := range cfg.Vars {
			fromCfg = append(fromCfg, k+"="+v)
		}
		// Flags come last so they win over the config file.
		lf.vars = append(fromCfg, lf.vars...)
	}
	app, root, err := loadProject(ctx, path, lf, stderr)
	if err != nil {
		return usage(err)
	}
	defer root.Close()

	// Function code: event sources, taint flows to sinks, imports.
	code.Analyze(ctx, root, app)
	// AWS SDK calls in that code, for least-privilege rules (after
	// code.Analyze, which replaces Function.Code).
	leastpriv.Analyze(ctx, root, app)
	// Secrets written into code and configuration files.
	if _, err := secrets.ScanWith(ctx, root, app, secrets.Options{Walk: discover.Options{Exclude: lf.exclude, NoGitignore: lf.noGitignore}}); err != nil {
		return usage(err)
	}
	// Dependencies: lock files per function, matched offline against the
	// cached OSV database. Without one the scan goes on and says how to get it.
	cacheDir, err := vulndb.CacheDir()
	if err != nil {
		return usage(err)
	}
	vdb := vulndb.Open(cacheDir)
	defer vdb.Close()
	depSum, err := deps.Enrich(ctx, root, app, vdb, deps.Options{})
	if err != nil {
		return usage(err)
	}
	if !f.quiet && f.format == "text" {
		for _, n := range depSum.Notes {
			fmt.Fprintln(stderr, "warden:", n)
		}
	}

	all := rules.All()
	findings := analysis.Run(ctx, app, all, cfg.Analysis, fileLines(root), base)

	rep := &report.Report{
		Tool: "warden", Version: version, InformationURI: "https://github.com/wardensec/warden",
		Root: path, App: app, Findings: findings, Rules: all, SeverityOverrides: cfg.Analysis.Severity,
		MinSeverity: minSev,
		Options:     report.Options{Color: useColor(stdout, f.noColor), Quiet: f.quiet},
	}
	if err := report.Write(stdout, f.format, rep); err != nil {
		return usage(fmt.Errorf("write %s report: %w", f.format, err))
	}
	for _, o := range outs {
		r := *rep
		r.Options.Color = false
		var buf bytes.Buffer
		if err := report.Write(&buf, o.format, &r); err != nil {
			return usage(fmt.Errorf("write %s report: %w", o.format, err))
		}
		if err := os.WriteFile(o.file, buf.Bytes(), 0o644); err != nil {
			return usage(fmt.Errorf("write %s: %w", o.file, err))
		}
	}
	if f.writeBaseline != "" {
		if err := baseline.WriteFile(f.writeBaseline, "warden "+version, findings); err != nil {
			return usage(err)
		}
	}
	if failOn > 0 {
		if n := report.Failing(findings, failOn); n > 0 {
			if f.format != "text" || f.quiet {
				fmt.Fprintf(stderr, "warden: %d finding(s) at or above %s\n", n, failOn)
			}
			return withCode(exitFindings, fmt.Errorf("%d finding(s) at or above %s", n, failOn))
		}
	}
	return nil
}

func validFormat(s string) bool {
	for _, f := range report.Formats() {
		if strings.EqualFold(f, s) {
			return true
		}
	}
	return false
}

// useColor colours text only on a terminal, and never when NO_COLOR is set
// (no-color.org) or --no-color is given.
func useColor(w io.Writer, noColor bool) bool {
	if noColor || os.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// fileLines reads scanned files for inline suppressions through the same
// root that loaders use, so suppression reading cannot escape it either.
func fileLines(root *source.Root) analysis.Lines {
	return func(file string) ([]string, bool) {
		data, err := root.ReadFile(filepath.ToSlash(file))
		if err != nil {
			return nil, false
		}
		return strings.Split(string(data), "\n"), true
	}
}
