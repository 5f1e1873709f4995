// Command gen writes a synthetic serverless project for benchmarking the
// whole CLI: `go run ./internal/testgen/cmd/gen -n 10000 /tmp/big && warden scan /tmp/big`.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/wardensec/warden/internal/testgen"
)

func main() {
	n := flag.Int("n", 1000, "number of functions")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: gen [-n N] DIR")
		os.Exit(2)
	}
	files, err := testgen.Project(flag.Arg(0), *n)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("wrote %d functions in %d files under %s\n", *n, files, flag.Arg(0))
}
