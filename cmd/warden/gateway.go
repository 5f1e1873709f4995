package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/wardensec/warden/internal/gateway"
)

// The gateway subcommands: `warden gateway --config FILE` serves, and
// `warden gateway validate FILE` checks a file without serving, so that CI
// can refuse a broken config before it reaches a running gateway's SIGHUP.
func init() {
	var configPath string
	gw := &cobra.Command{
		Use:   "gateway",
		Short: "Run the runtime security gateway in front of HTTP functions",
		Long: "Run the runtime security gateway. It reads one YAML file (--config), " +
			"serves until SIGINT or SIGTERM, and reloads the file on SIGHUP, keeping " +
			"the running config when the new one is invalid.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if configPath == "" {
				return withCode(exitError, errors.New("gateway: --config FILE is required"))
			}
			cfg, err := gateway.Load(configPath)
			if err != nil {
				return withCode(exitError, err)
			}
			g, err := gateway.New(cfg, gateway.Options{Stdout: cmd.OutOrStdout()})
			if err != nil {
				return withCode(exitError, err)
			}
			if err := g.Listen(); err != nil {
				_ = g.Close()
				return withCode(exitError, err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if err := g.Serve(ctx); err != nil {
				return withCode(exitError, err)
			}
			return nil
		},
	}
	gw.Flags().StringVarP(&configPath, "config", "c", "", "gateway config file (YAML)")
	gw.AddCommand(&cobra.Command{
		Use:   "validate FILE",
		Short: "Check a gateway config file without starting the gateway",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := gateway.Check(args[0], gateway.Options{}); err != nil {
				return withCode(exitError, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: ok\n", args[0])
			return nil
		},
	})
	rootCmd.AddCommand(gw)
}
