// Command warden is the one binary of Warden: the scanner, the gateway and
// their helpers. Each subcommand lives in its own file and registers itself
// on rootCmd in an init function, so that the scan and gateway halves can
// grow without touching each other.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes are part of the CLI contract: CI pipelines branch on them.
const (
	exitOK       = 0
	exitFindings = 1
	exitError    = 2
)

// exitError wraps an error with the code that main should exit with.
type codedError struct {
	code int
	err  error
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

// withCode attaches an exit code to err.
func withCode(code int, err error) error { return &codedError{code: code, err: err} }

var rootCmd = &cobra.Command{
	Use:           "warden",
	Short:         "Security for serverless applications: scan before deployment, guard at run time",
	SilenceUsage:  true,
	SilenceErrors: true,
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	rootCmd.SetArgs(args)
	err := rootCmd.Execute()
	if err == nil {
		return exitOK
	}
	var ce *codedError
	if errors.As(err, &ce) {
		if ce.err != nil && ce.code != exitFindings {
			fmt.Fprintln(os.Stderr, "warden:", ce.err)
		}
		return ce.code
	}
	fmt.Fprintln(os.Stderr, "warden:", err)
	return exitError
}
