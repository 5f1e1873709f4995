package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wardensec/warden/internal/deps"
	"github.com/wardensec/warden/internal/sbom"
	"github.com/wardensec/warden/internal/vulndb"
)

// sbom writes the bill of materials of every function in a project, from
// the same lock files and attribution that dependency findings use.
func init() {
	var lf loadFlags
	var format, output string
	var includeDev, vulns bool
	cmd := &cobra.Command{
		Use:   "sbom [PATH]",
		Short: "Write a software bill of materials per function (CycloneDX 1.5 or SPDX 2.3 JSON)",
		Long: "Sbom loads the project like `warden scan`, finds the lock files and manifests each function ships\n" +
			"(its code path's nearest lock file and its layers), and writes one document in which every function\n" +
			"is a component that depends on its packages. Development-only packages are left out unless --dev.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			write := sbom.WriteCycloneDX
			switch strings.ToLower(format) {
			case "cyclonedx", "cdx":
			case "spdx":
				write = sbom.WriteSPDX
			default:
				return withCode(exitError, fmt.Errorf("--format %q: want cyclonedx or spdx", format))
			}
			path := pathArg(args)
			lf.quiet = true
			app, root, err := loadProject(ctxOf(cmd), path, lf, cmd.ErrOrStderr())
			if err != nil {
				return withCode(exitError, err)
			}
			defer root.Close()
			if vulns {
				// Offline, from the cache, exactly as a scan matches.
				cache, err := vulndb.CacheDir()
				if err != nil {
					return withCode(exitError, err)
				}
				db := vulndb.Open(cache)
				defer db.Close()
				sum, err := deps.Enrich(ctxOf(cmd), root, app, db, deps.Options{})
				if err != nil {
					return withCode(exitError, err)
				}
				for _, n := range sum.Notes {
					fmt.Fprintln(cmd.ErrOrStderr(), "warden:", n)
				}
			} else if err := deps.Load(ctxOf(cmd), root, app); err != nil {
				return withCode(exitError, err)
			}
			for _, d := range app.Diagnostics {
				if d.Code == "parse" && d.Pos.File != "" {
					fmt.Fprintf(cmd.ErrOrStderr(), "warden: warning: %s: %s\n", d.Pos.File, d.Message)
				}
			}
			var buf bytes.Buffer
			opts := sbom.Options{Name: filepath.Base(root.Dir()), ToolVersion: version, IncludeDev: includeDev}
			if err := write(&buf, app, opts); err != nil {
				return withCode(exitError, err)
			}
			if output == "" || output == "-" {
				_, err = cmd.OutOrStdout().Write(buf.Bytes())
				return err
			}
			if err := os.WriteFile(output, buf.Bytes(), 0o644); err != nil {
				return withCode(exitError, fmt.Errorf("write %s: %w", output, err))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "cyclonedx", "cyclonedx (CycloneDX 1.5 JSON) or spdx (SPDX 2.3 JSON)")
	cmd.Flags().StringVar(&output, "output", "", "write to FILE instead of stdout")
	cmd.Flags().BoolVar(&includeDev, "dev", false, "include development-only dependencies (not deployed)")
	cmd.Flags().BoolVar(&vulns, "vulns", false, "add known vulnerabilities from the offline database (CycloneDX vulnerabilities, SPDX advisory references)")
	lf.register(cmd)
	rootCmd.AddCommand(cmd)
}
