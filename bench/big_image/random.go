// Command random writes MiB mebibytes of pseudo-random bytes to stdout: the
// same bytes every time, as incompressible as a real layer of binaries at
// worst.
package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
)

func main() {
	mib, err := strconv.Atoi(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "usage: random MEBIBYTES")
		os.Exit(2)
	}
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	rng := rand.NewChaCha8([32]byte{})
	buf := make([]byte, 1<<20)
	for range mib {
		rng.Read(buf)
		w.Write(buf)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
