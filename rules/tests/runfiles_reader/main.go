// Command runfiles_reader prints a data file found through its runfiles
// directory, as Bazel's runfiles libraries find it.
package main

import (
	"fmt"
	"os"
)

func main() {
	data, err := os.ReadFile(os.Args[0] + ".runfiles/_main/rules/tests/runfiles_reader/testdata/greeting.txt")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Print(string(data))
}
