package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wardensec/warden/internal/inventory"
)

func init() {
	var format string
	var lo loadFlags
	cmd := &cobra.Command{
		Use:   "inventory [PATH]",
		Short: "Print the application model: functions, triggers and their auth, roles and statements, environment keys, resources",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return withCode(exitError, fmt.Errorf("--format must be text or json, not %q", format))
			}
			app, root, err := loadProject(cmd.Context(), pathArg(args), lo, cmd.ErrOrStderr())
			if err != nil {
				return withCode(exitError, err)
			}
			defer root.Close()
			v := inventory.Build(app)
			if format == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(v)
			}
			return inventory.Text(cmd.OutOrStdout(), v)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	lo.register(cmd)
	rootCmd.AddCommand(cmd)
}
