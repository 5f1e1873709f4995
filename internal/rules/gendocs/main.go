// Command gendocs writes docs/rules from the rule catalogue. Run it with
// `go generate ./internal/rules`.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/wardensec/warden/internal/rules"
)

func main() {
	dir := "docs/rules"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, r := range rules.All() {
		if err := os.WriteFile(filepath.Join(dir, r.ID+".md"), []byte(rules.Markdown(r)), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte(rules.Index(rules.All())), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
