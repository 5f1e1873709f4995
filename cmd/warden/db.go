package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/wardensec/warden/internal/vulndb"
)

// db manages the offline vulnerability database that dependency findings
// are matched against. Scans never download anything: updating is an
// explicit step, so that scans are reproducible and work air-gapped.
func init() {
	dbCmd := &cobra.Command{
		Use:   "db",
		Short: "Manage the offline vulnerability database (OSV advisories for npm, PyPI and Go)",
		Long: "The database lives in the user cache directory (" + vulndb.CacheEnv + " overrides it), in the layout\n" +
			"osv-scanner uses for its offline mode: <cache>/osv/<Ecosystem>/all.zip, plus Warden's index files.",
	}

	var source string
	var ecos []string
	update := &cobra.Command{
		Use:   "update",
		Short: "Download, verify and index the OSV archives",
		Long: "Update downloads <source>/<Ecosystem>/all.zip for each ecosystem, verifies the archive (zip checksums,\n" +
			"every record parses as OSV), builds the index and swaps it in atomically: a failed download keeps the\n" +
			"previous database.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cache, err := vulndb.CacheDir()
			if err != nil {
				return withCode(exitError, err)
			}
			opts := vulndb.UpdateOptions{Source: source, Ecosystems: ecos}
			stderr := cmd.ErrOrStderr()
			bar := newProgressBar(stderr)
			if bar != nil {
				opts.Progress = bar.update
			}
			metas, err := vulndb.Update(ctxOf(cmd), cache, opts)
			bar.done()
			for _, m := range metas {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %d advisories for %d packages (%d withdrawn, skipped) from %s\n",
					m.Ecosystem, m.Records, m.Packages, m.Withdrawn, m.Source)
			}
			if err != nil {
				return withCode(exitError, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "database updated in %s\n", vulndb.DBDir(cache))
			return nil
		},
	}
	update.Flags().StringVar(&source, "source", vulndb.DefaultSource, "base URL of the OSV archives (<source>/<Ecosystem>/all.zip)")
	update.Flags().StringSliceVar(&ecos, "ecosystem", nil, "ecosystems to update: npm, PyPI, Go (default all; repeatable or comma-separated)")

	imp := &cobra.Command{
		Use:   "import PATH",
		Short: "Install OSV records from a local zip archive or directory (no network)",
		Long: "Import reads an OSV all.zip, a directory in the offline layout (<dir>/<Ecosystem>/all.zip), or a\n" +
			"directory of OSV JSON files, and replaces the database of every ecosystem the records cover.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cache, err := vulndb.CacheDir()
			if err != nil {
				return withCode(exitError, err)
			}
			metas, err := vulndb.Import(ctxOf(cmd), cache, args[0], time.Now())
			if err != nil {
				return withCode(exitError, err)
			}
			for _, m := range metas {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %d advisories for %d packages (%d withdrawn, skipped)\n", m.Ecosystem, m.Records, m.Packages, m.Withdrawn)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "database imported into %s\n", vulndb.DBDir(cache))
			return nil
		},
	}

	status := &cobra.Command{
		Use:   "status",
		Short: "Show what the database holds, where it came from and how old it is",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cache, err := vulndb.CacheDir()
			if err != nil {
				return withCode(exitError, err)
			}
			db := vulndb.Open(cache)
			defer db.Close()
			writeDBStatus(cmd.OutOrStdout(), db, time.Now())
			return nil
		},
	}
	dbCmd.AddCommand(update, imp, status)
	rootCmd.AddCommand(dbCmd)
}

func ctxOf(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

// writeDBStatus prints one line per ecosystem, and how to fill the gaps.
func writeDBStatus(w io.Writer, db *vulndb.DB, now time.Time) {
	fmt.Fprintf(w, "Vulnerability database: %s\n\n", db.Dir())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ECOSYSTEM\tADVISORIES\tPACKAGES\tWITHDRAWN\tUPDATED\tAGE\tSOURCE")
	metas := map[string]vulndb.Meta{}
	for _, m := range db.Metas() {
		metas[m.Ecosystem] = m
	}
	var missing []string
	for _, eco := range vulndb.Ecosystems {
		m, ok := metas[eco]
		if !ok {
			fmt.Fprintf(tw, "%s\t-\t-\t-\tmissing\t-\t-\n", eco)
			missing = append(missing, eco)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\n", eco, m.Records, m.Packages, m.Withdrawn,
			m.Updated.UTC().Format("2006-01-02 15:04 MST"), age(now.Sub(m.Updated)), m.Source)
	}
	tw.Flush()
	for _, p := range db.Problems {
		fmt.Fprintf(w, "\nproblem: %s\n", p)
	}
	if len(missing) > 0 {
		fmt.Fprintf(w, "\nMissing: %s. Run `warden db update` (online) or `warden db import PATH` (offline).\n", strings.Join(missing, ", "))
	}
}

func age(d time.Duration) string {
	switch {
	case d < time.Hour:
		return "<1h"
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// progressBar draws download progress on a terminal, and nothing
// otherwise, so that CI logs and pipes stay clean.
type progressBar struct {
	w    io.Writer
	last time.Time
	eco  string
}

func newProgressBar(w io.Writer) *progressBar {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return &progressBar{w: w}
}

func (b *progressBar) update(eco string, done, total int64) {
	now := time.Now()
	if eco == b.eco && now.Sub(b.last) < 100*time.Millisecond && done != total {
		return
	}
	b.eco, b.last = eco, now
	const width = 30
	if total <= 0 {
		fmt.Fprintf(b.w, "\r\033[K%-5s %.1f MB", eco, float64(done)/1e6)
		return
	}
	n := int(float64(width) * float64(done) / float64(total))
	n = min(max(n, 0), width)
	fmt.Fprintf(b.w, "\r\033[K%-5s [%s%s] %3d%% %.1f/%.1f MB", eco, strings.Repeat("=", n), strings.Repeat(" ", width-n),
		done*100/total, float64(done)/1e6, float64(total)/1e6)
}

func (b *progressBar) done() {
	if b != nil {
		fmt.Fprint(b.w, "\r\033[K")
	}
}
