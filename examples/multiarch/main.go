// Command multiarch prints the architecture it was built for, so that each
// platform's image of //examples/multiarch:index shows it runs.
package main

import (
	"fmt"
	"runtime"
)

func main() {
	fmt.Printf("Hello from %s/%s\n", runtime.GOOS, runtime.GOARCH)
}
