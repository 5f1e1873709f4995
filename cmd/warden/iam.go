package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wardensec/warden/internal/leastpriv"
	"github.com/wardensec/warden/internal/model"
)

// The iam command groups IAM helpers; suggest derives policies from code.
func init() {
	iamCmd := &cobra.Command{
		Use:   "iam",
		Short: "IAM helpers: least-privilege policies derived from function code",
	}
	var format, function string
	var lo loadFlags
	suggest := &cobra.Command{
		Use:   "suggest [PATH]",
		Short: "Print a least-privilege policy per function from the AWS SDK calls in its code",
		Long: "suggest finds the AWS SDK calls in each function's code (boto3, AWS SDK for JavaScript v2 and v3,\n" +
			"aws-sdk-go-v2), maps them to IAM actions, and resolves the resources from literals and from\n" +
			"environment variables that reference resources of the same template. What cannot be resolved\n" +
			"is written as \"*\" with an UNRESOLVED note, never silently; calls that cannot be mapped are listed.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !validSuggestFormat(format) {
				return withCode(exitError, fmt.Errorf("--format %q: want %s", format, strings.Join(leastpriv.Formats, ", ")))
			}
			app, root, err := loadProject(cmd.Context(), pathArg(args), lo, cmd.ErrOrStderr())
			if err != nil {
				return withCode(exitError, err)
			}
			defer root.Close()
			leastpriv.Analyze(cmd.Context(), root, app)
			var ps []*leastpriv.Policy
			for _, f := range app.Functions {
				if function != "" && f.Name != function && !f.FunctionName.Is(function) {
					continue
				}
				u := leastpriv.UsageOf(f)
				if u == nil {
					continue
				}
				ps = append(ps, leastpriv.Suggest(f, u))
			}
			if function != "" && len(ps) == 0 {
				return withCode(exitError, fmt.Errorf("no AWS function named %q with code in %s (functions: %s)", function, pathArg(args), functionNames(app)))
			}
			if err := leastpriv.WritePolicies(cmd.OutOrStdout(), format, ps); err != nil {
				return withCode(exitError, err)
			}
			return nil
		},
	}
	suggest.Flags().StringVar(&format, "format", "json", "output format: "+strings.Join(leastpriv.Formats, ", "))
	suggest.Flags().StringVar(&function, "function", "", "only this function (logical or deployed name)")
	lo.register(suggest)
	iamCmd.AddCommand(suggest)
	rootCmd.AddCommand(iamCmd)
}

func validSuggestFormat(f string) bool {
	for _, x := range leastpriv.Formats {
		if x == f {
			return true
		}
	}
	return false
}

func functionNames(app *model.App) string {
	var n []string
	for _, f := range app.Functions {
		n = append(n, f.Name)
	}
	if len(n) == 0 {
		return "none"
	}
	return strings.Join(n, ", ")
}
