package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/wardensec/warden/internal/rules"
)

func init() {
	rootCmd.AddCommand(&cobra.Command{
		Use:   "rules [RULE-ID]",
		Short: "List the rule catalogue, or print one rule's documentation",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			if len(args) == 1 {
				r := rules.ByID(args[0])
				if r == nil {
					return withCode(exitError, fmt.Errorf("no rule %q; run `warden rules` for the list", args[0]))
				}
				_, err := fmt.Fprint(out, rules.Markdown(r))
				return err
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSEVERITY\tCATEGORY\tTITLE")
			all := rules.All()
			for _, r := range all {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Severity, r.SAS, r.Title)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			_, err := fmt.Fprintf(out, "\n%d rules. `warden rules ID` prints one rule's documentation.\n", len(all))
			return err
		},
	})
}
