//go:build !linux

package structure

import "fmt"

// run refuses: command tests need Linux's namespaces and an image's Linux
// programs, which macOS and Windows run only in a virtual machine.
func run(p process) (outcome, error) {
	return outcome{}, fmt.Errorf("command tests run the image's Linux programs in Linux namespaces, which this system lacks: " +
		"run them on Linux (a remote executor, say), or set commands = \"skip\" to report them as not run")
}
